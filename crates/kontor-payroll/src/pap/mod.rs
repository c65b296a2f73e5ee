//! The BMF Programmablaufplan (PAP) for the maschinelle Lohnsteuerberechnung.
//!
//! `lst2026` is generated from `pap/Lohnsteuer2026.xml` by `kontor-papgen`
//! (see docs/adr/0009-lohnsteuer-pap.md); this module gives it a typed
//! interface: [`LstInput`] (the PAP's 35 inputs) in, [`LstOutput`] (its 12
//! outputs, cent) out.

#[rustfmt::skip]
pub mod lst2026;

pub use lst2026::Lohnsteuer2026;

use crate::dec::Dec;

/// Upper bound for money inputs (cent): 10^13 cent = 100 billion euro. Far
/// above any wage, far below where the arithmetic could overflow.
pub const MAX_CENT: i64 = 10_000_000_000_000;

/// One problem with a PAP input, in German and English.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct InputProblem {
    /// The PAP input's name (e.g. `STKL`).
    pub field: String,
    pub de: String,
    pub en: String,
}

impl std::fmt::Display for InputProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.en)
    }
}

fn problem(field: &str, de: String, en: String) -> InputProblem {
    InputProblem {
        field: field.to_string(),
        de,
        en,
    }
}

/// The 35 PAP inputs, checked: build with [`LstInput::from_json`] or
/// [`LstInput::set`], then [`LstInput::validate`] before computing.
#[derive(Clone, Debug)]
pub struct LstInput {
    pap: Lohnsteuer2026,
}

impl Default for LstInput {
    /// The PAP's own defaults.
    fn default() -> Self {
        Self {
            pap: Lohnsteuer2026::default(),
        }
    }
}

/// The ranges of the integer-coded inputs: (name, min, max, meaning).
const INT_RANGES: [(&str, i64, i64, &str); 16] = [
    ("af", 0, 1, "0/1"),
    ("AJAHR", 0, 2200, "a year or 0"),
    ("ALTER1", 0, 1, "0/1"),
    ("ALV", 0, 1, "0/1"),
    ("KRV", 0, 1, "0/1"),
    ("LZZ", 1, 4, "1 year, 2 month, 3 week, 4 day"),
    ("PKV", 0, 1, "0 statutory, 1 only private health insurance"),
    ("PVS", 0, 1, "0/1"),
    ("PVZ", 0, 1, "0/1"),
    ("R", 0, 99, "religious community code, 0 for none"),
    ("STKL", 1, 6, "Steuerklasse 1–6"),
    ("VJAHR", 0, 2200, "a year or 0"),
    ("ZMVB", 0, 12, "months 0–12"),
    ("MBV", 0, MAX_CENT, "cent"),
    ("PVA", 0, 4, "further children for the PV discount, 0–4"),
    ("STERBE", 0, MAX_CENT, "cent"),
];

impl LstInput {
    /// Sets one input from JSON: integers for `int` and cent inputs, decimal
    /// strings (or numbers) for `KVZ`, `ZKF`, `f` and other decimals.
    pub fn set(&mut self, name: &str, v: &serde_json::Value) -> Result<(), InputProblem> {
        let bad = |what: &str| {
            problem(
                name,
                format!("Der Wert {v} ist ungültig ({what})."),
                format!("The value {v} is not valid ({what})."),
            )
        };
        if self.pap.int(name).is_some() {
            let i = match v {
                serde_json::Value::Number(n) => n.as_i64(),
                serde_json::Value::String(s) => s.trim().parse::<i64>().ok(),
                _ => None,
            }
            .ok_or_else(|| bad("eine ganze Zahl erwartet / an integer expected"))?;
            self.pap.set_int(name, i);
            Ok(())
        } else if self.pap.dec(name).is_some() {
            let d = match v {
                serde_json::Value::Number(n) => Dec::parse(&n.to_string()),
                serde_json::Value::String(s) => Dec::parse(s),
                _ => None,
            }
            .ok_or_else(|| bad("eine Dezimalzahl erwartet / a decimal number expected"))?;
            if self.pap.set_dec(name, d) {
                Ok(())
            } else {
                Err(bad("keine Eingabe des PAP / not a PAP input"))
            }
        } else {
            Err(problem(
                name,
                format!("{name} ist keine Eingabe des Programmablaufplans 2026."),
                format!("{name} is not an input of the 2026 Programmablaufplan."),
            ))
        }
    }

    /// Reads the inputs from a JSON object (missing ones keep the PAP
    /// default); every problem is reported.
    pub fn from_json(obj: &serde_json::Map<String, serde_json::Value>) -> Result<Self, Vec<InputProblem>> {
        let mut input = Self::default();
        let mut problems = Vec::new();
        for (k, v) in obj {
            if let Err(p) = input.set(k, v) {
                problems.push(p);
            }
        }
        problems.extend(input.validate());
        if problems.is_empty() {
            Ok(input)
        } else {
            Err(problems)
        }
    }

    /// Every problem of the inputs (empty if they can be computed).
    pub fn validate(&self) -> Vec<InputProblem> {
        let mut out = Vec::new();
        let mut seen = Vec::new();
        for (name, min, max, meaning) in INT_RANGES {
            if seen.contains(&name) {
                continue;
            }
            seen.push(name);
            let v = match self.pap.int(name) {
                Some(v) => v,
                None => match self.pap.dec(name) {
                    Some(d) => d.long_value(),
                    None => continue,
                },
            };
            if v < min || v > max {
                out.push(problem(
                    name,
                    format!("{name} = {v} ist unmöglich; erlaubt: {min}…{max} ({meaning})."),
                    format!("{name} = {v} is impossible; allowed: {min}…{max} ({meaning})."),
                ));
            }
        }
        for name in lst2026::INPUTS {
            let Some(d) = self.pap.dec(name) else { continue };
            match name {
                "f" => {
                    if d.signum() <= 0 || d > Dec::ONE {
                        out.push(problem(
                            name,
                            format!("Der Faktor f = {d} muss größer als 0 und höchstens 1 sein."),
                            format!("The factor f = {d} must be greater than 0 and at most 1."),
                        ));
                    }
                }
                "KVZ" => {
                    if d.signum() < 0 || d > Dec::lit(10, 0) {
                        out.push(problem(
                            name,
                            format!("Der Zusatzbeitragssatz KVZ = {d} % liegt außerhalb von 0 bis 10 %."),
                            format!("The additional contribution rate KVZ = {d} % is outside 0 to 10 %."),
                        ));
                    }
                }
                "ZKF" => {
                    let tenths = d.multiply(Dec::TEN);
                    if d.signum() < 0 || d > Dec::lit(99, 0) || tenths.set_scale(0, crate::dec::Round::Down) != tenths {
                        out.push(problem(
                            name,
                            format!("Die Zahl der Kinderfreibeträge ZKF = {d} muss ≥ 0 sein und höchstens eine Nachkommastelle haben."),
                            format!("The number of child allowances ZKF = {d} must be ≥ 0 with at most one decimal."),
                        ));
                    }
                }
                "PVA" => {}
                _ => {
                    if d.signum() < 0 || d > Dec::from_i64(MAX_CENT) {
                        out.push(problem(
                            name,
                            format!("{name} = {d} Cent ist negativ oder unplausibel groß (erlaubt: 0 bis {MAX_CENT})."),
                            format!("{name} = {d} cent is negative or implausibly large (allowed: 0 to {MAX_CENT})."),
                        ));
                    } else if d.set_scale(0, crate::dec::Round::Down) != d {
                        out.push(problem(
                            name,
                            format!("{name} = {d} muss ein ganzer Centbetrag sein."),
                            format!("{name} = {d} must be a whole number of cent."),
                        ));
                    }
                }
            }
        }
        if self.pap.STKL != 4 && self.pap.af == 1 && self.pap.f != Dec::ONE {
            out.push(problem(
                "f",
                "Ein Faktor (Faktorverfahren) gilt nur in Steuerklasse IV.".into(),
                "A factor (Faktorverfahren) applies only in Steuerklasse IV.".into(),
            ));
        }
        out
    }

    /// The PAP state with these inputs (for the explanation trace).
    pub fn pap(&self) -> &Lohnsteuer2026 {
        &self.pap
    }

    /// Runs the PAP. Validate first: unvalidated input computes whatever
    /// the PAP computes for it.
    pub fn compute(&self) -> LstResult {
        let mut p = self.pap.clone();
        p.run();
        LstResult { pap: p }
    }
}

/// A finished PAP calculation: the 12 outputs and every internal value.
#[derive(Clone, Debug)]
pub struct LstResult {
    pub pap: Lohnsteuer2026,
}

/// The 12 PAP outputs in cent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[allow(non_snake_case)]
pub struct LstOutput {
    pub BK: i64,
    pub BKS: i64,
    pub LSTLZZ: i64,
    pub SOLZLZZ: i64,
    pub SOLZS: i64,
    pub STS: i64,
    pub VFRB: i64,
    pub VFRBS1: i64,
    pub VFRBS2: i64,
    pub WVFRB: i64,
    pub WVFRBO: i64,
    pub WVFRBM: i64,
}

impl LstResult {
    pub fn output(&self) -> LstOutput {
        let p = &self.pap;
        LstOutput {
            BK: p.BK.long_value(),
            BKS: p.BKS.long_value(),
            LSTLZZ: p.LSTLZZ.long_value(),
            SOLZLZZ: p.SOLZLZZ.long_value(),
            SOLZS: p.SOLZS.long_value(),
            STS: p.STS.long_value(),
            VFRB: p.VFRB.long_value(),
            VFRBS1: p.VFRBS1.long_value(),
            VFRBS2: p.VFRBS2.long_value(),
            WVFRB: p.WVFRB.long_value(),
            WVFRBO: p.WVFRBO.long_value(),
            WVFRBM: p.WVFRBM.long_value(),
        }
    }
}
