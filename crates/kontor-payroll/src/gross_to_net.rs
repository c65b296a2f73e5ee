//! Gross-to-net for one employee and one month: pay components, statutory
//! deductions (Lohnsteuer per the PAP, Solidaritätszuschlag,
//! Kirchensteuer, social insurance), net pay, payout and the employer's
//! total cost, with the explanation trace.
//!
//! The JSON shape of [`EmployeeMonth`] is documented in `docs/payroll.md`.
//! Amounts are euro as decimal strings (`"3500.00"`) or whole numbers;
//! binary floating-point numbers are refused.

use serde::{Deserialize, Serialize};

use crate::dec::{Dec, Round};
use crate::pap::LstInput;
use crate::params::SvParams;
use crate::sv::{self, Employment, Health, Insured, SvInput, SvResult};
use crate::trace::Trace;

/// A decimal from JSON: a string (`"12.50"`) or an integer; never a float.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Amount(pub Dec);

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Amount;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a decimal as a string (\"1234.56\") or a whole number")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Amount, E> {
                Dec::parse(s)
                    .map(Amount)
                    .ok_or_else(|| E::custom(format!("{s:?} is not a decimal number like \"1234.56\"")))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Amount, E> {
                Ok(Amount(Dec::from_i64(v)))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Amount, E> {
                i64::try_from(v)
                    .map(|v| Amount(Dec::from_i64(v)))
                    .map_err(|_| E::custom("number too large"))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Amount, E> {
                Err(E::custom(format!(
                    "{v} is a floating-point number; write amounts as strings, e.g. \"{v}\""
                )))
            }
        }
        d.deserialize_any(V)
    }
}

/// Kinds of tax-free surcharges for Sunday, holiday and night work (§ 3b EStG).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SurchargeKind {
    /// Night work 20–6 h: up to 25 %.
    Night,
    /// Night work 0–4 h when the work began before midnight: up to 40 %.
    NightMidnight,
    /// Sunday work: up to 50 %.
    Sunday,
    /// Public holidays (and 31 Dec from 14 h): up to 125 %.
    Holiday,
    /// 24 Dec from 14 h, 25/26 Dec, 1 May: up to 150 %.
    HolidaySpecial,
}

impl SurchargeKind {
    /// The tax-free maximum percentage of the basic hourly wage.
    fn cap(self) -> Dec {
        Dec::from_i64(match self {
            SurchargeKind::Night => 25,
            SurchargeKind::NightMidnight => 40,
            SurchargeKind::Sunday => 50,
            SurchargeKind::Holiday => 125,
            SurchargeKind::HolidaySpecial => 150,
        })
    }
}

/// One pay component of the month.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Component {
    /// Monthly salary.
    Salary { amount: Amount },
    /// Hourly wage: hours × rate.
    Hourly { hours: Amount, rate: Amount },
    /// Paid overtime: hours × rate.
    Overtime { hours: Amount, rate: Amount },
    /// Sunday, holiday or night surcharge: hours × basic hourly wage × percent.
    Surcharge {
        surcharge: SurchargeKind,
        hours: Amount,
        base_rate: Amount,
        percent: Amount,
    },
    /// Sachbezug (benefit in kind) at its value.
    BenefitInKind { amount: Amount },
    /// Company car for private use, 1 % rule plus 0.03 % per km to work.
    CompanyCar { list_price: Amount, commute_km: Amount },
    /// Vermögenswirksame Leistungen: the employer's contribution (pay) and
    /// the monthly saving transferred from the pay (employer's plus the
    /// employee's own part).
    Vwl { employer: Amount, transfer: Amount },
    /// A one-off payment (sonstiger Bezug, Einmalzahlung), e.g. a bonus.
    OneOff { amount: Amount },
}

/// Health insurance of the employee.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum HealthInput {
    Statutory {
        /// The Krankenkasse's Zusatzbeitrag in percent, e.g. "2.9".
        zusatzbeitrag: Option<Amount>,
        #[serde(default)]
        reduced_rate: bool,
    },
    Private {
        premium_kv: Option<Amount>,
        premium_pv: Option<Amount>,
    },
}

fn yes() -> bool {
    true
}

/// Social-insurance facts of the employee.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InsuranceInput {
    pub health: HealthInput,
    #[serde(default = "yes")]
    pub kv: bool,
    #[serde(default = "yes")]
    pub pv: bool,
    #[serde(default = "yes")]
    pub rv: bool,
    #[serde(default = "yes")]
    pub av: bool,
    #[serde(default)]
    pub apprentice: bool,
    #[serde(default)]
    pub minijob_rv_exempt: bool,
    #[serde(default)]
    pub u1_rate: Amount,
    #[serde(default)]
    pub u2_rate: Amount,
    /// Beitragspflichtige pay of the earlier months of the year (for the
    /// anteilige Jahres-BBG of one-off payments); default: this month's
    /// current pay for each earlier month.
    pub ytd_sv_pay: Option<Amount>,
}

/// Tax facts of the employee (ELStAM).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxInput {
    pub steuerklasse: i64,
    /// Faktor (Steuerklasse IV with Faktorverfahren), three decimals.
    pub faktor: Option<Amount>,
    #[serde(default)]
    pub kinderfreibetraege: Amount,
    /// Member of a church that levies Kirchensteuer.
    #[serde(default)]
    pub church: bool,
    /// Bundesland of the workplace (ISO 3166-2 suffix: BW, BY, BE, BB, HB,
    /// HH, HE, MV, NI, NW, RP, SL, SN, ST, SH, TH).
    pub state: String,
    #[serde(default)]
    pub freibetrag_month: Amount,
    #[serde(default)]
    pub hinzurechnung_month: Amount,
    /// Expected annual wage without one-off payments (for taxing them);
    /// default: this month's current taxable pay × 12.
    pub expected_annual_wage: Option<Amount>,
    /// Minijob: 2 % flat tax paid by the employer (§ 40a Abs. 2 EStG)
    /// instead of the individual Lohnsteuer.
    #[serde(default = "yes")]
    pub minijob_flat_tax: bool,
}

/// The person's facts that change rates.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonInput {
    /// YYYY-MM-DD.
    pub birth_date: String,
    /// Children at all (for the PV childless surcharge).
    #[serde(default)]
    pub children: u32,
    /// Children under 25 (for the PV discount from the 2nd child).
    #[serde(default)]
    pub children_under_25: u32,
}

/// One employee-month to compute.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmployeeMonth {
    #[serde(default)]
    pub id: serde_json::Value,
    /// YYYY-MM.
    pub month: String,
    pub person: PersonInput,
    pub tax: TaxInput,
    pub insurance: InsuranceInput,
    pub components: Vec<Component>,
}

/// One problem with an employee-month, with where it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// A JSON path, e.g. `tax.steuerklasse` or `components[2].hours`.
    pub field: String,
    pub de: String,
    pub en: String,
}

fn problem(field: impl Into<String>, de: impl Into<String>, en: impl Into<String>) -> Problem {
    Problem {
        field: field.into(),
        de: de.into(),
        en: en.into(),
    }
}

const STATES: [&str; 16] = [
    "BW", "BY", "BE", "BB", "HB", "HH", "HE", "MV", "NI", "NW", "RP", "SL", "SN", "ST", "SH", "TH",
];

/// Upper bound for any euro amount (100 million): beyond it input is a mistake.
fn too_large(d: Dec) -> bool {
    d > Dec::from_i64(100_000_000)
}

fn parse_month(s: &str) -> Option<(i32, u32)> {
    let (y, m) = s.split_once('-')?;
    let y: i32 = y.parse().ok()?;
    let m: u32 = m.parse().ok()?;
    (y > 1900 && (1..=12).contains(&m) && s.len() == 7).then_some((y, m))
}

fn parse_date(s: &str) -> Option<(i32, u32, u32)> {
    let mut it = s.split('-');
    let y: i32 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    (it.next().is_none() && (1..=12).contains(&m) && (1..=31).contains(&d) && s.len() == 10).then_some((y, m, d))
}

impl EmployeeMonth {
    /// Every problem of the input (empty if it can be computed).
    pub fn validate(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let month = parse_month(&self.month);
        match month {
            None => out.push(problem(
                "month",
                format!("Der Monat {:?} hat nicht die Form JJJJ-MM.", self.month),
                format!("The month {:?} is not of the form YYYY-MM.", self.month),
            )),
            Some((y, m)) => {
                if let Err(e) = SvParams::for_month(y, m) {
                    out.push(problem(
                        "month",
                        format!("Für {y}-{m:02} liegen keine Sozialversicherungswerte vor ({e})."),
                        format!("There are no social-insurance values for {y}-{m:02} ({e})."),
                    ));
                }
                if y != 2026 {
                    out.push(problem(
                        "month",
                        format!("Die Lohnsteuer ist für {y} nicht hinterlegt (nur der Programmablaufplan 2026)."),
                        format!("Lohnsteuer for {y} is not available (only the 2026 Programmablaufplan)."),
                    ));
                }
            }
        }
        match parse_date(&self.person.birth_date) {
            None => out.push(problem(
                "person.birth_date",
                format!(
                    "Das Geburtsdatum {:?} hat nicht die Form JJJJ-MM-TT.",
                    self.person.birth_date
                ),
                format!(
                    "The birth date {:?} is not of the form YYYY-MM-DD.",
                    self.person.birth_date
                ),
            )),
            Some((by, _, _)) => {
                if let Some((y, _)) = month {
                    if by >= y || y - by > 100 {
                        out.push(problem(
                            "person.birth_date",
                            format!(
                                "Das Geburtsdatum {} passt nicht zu einer Beschäftigung im Jahr {y}.",
                                self.person.birth_date
                            ),
                            format!(
                                "The birth date {} is implausible for employment in {y}.",
                                self.person.birth_date
                            ),
                        ));
                    }
                }
            }
        }
        if self.person.children_under_25 > self.person.children {
            out.push(problem(
                "person.children_under_25",
                "Es können nicht mehr Kinder unter 25 als Kinder insgesamt sein.",
                "There cannot be more children under 25 than children in all.",
            ));
        }
        let t = &self.tax;
        if !(1..=6).contains(&t.steuerklasse) {
            out.push(problem(
                "tax.steuerklasse",
                format!("Steuerklasse {} gibt es nicht; erlaubt sind 1 bis 6.", t.steuerklasse),
                format!("Steuerklasse {} does not exist; use 1 to 6.", t.steuerklasse),
            ));
        }
        if let Some(Amount(f)) = t.faktor {
            if t.steuerklasse != 4 {
                out.push(problem(
                    "tax.faktor",
                    "Ein Faktor gilt nur in Steuerklasse IV (Faktorverfahren).",
                    "A factor applies only in Steuerklasse IV (Faktorverfahren).",
                ));
            }
            if f.signum() <= 0 || f > Dec::ONE || f.set_scale(3, Round::Down) != f {
                out.push(problem(
                    "tax.faktor",
                    format!("Der Faktor {f} muss größer als 0, höchstens 1 und auf drei Stellen genau sein."),
                    format!("The factor {f} must be above 0, at most 1, with three decimals."),
                ));
            }
        }
        let kfb = t.kinderfreibetraege.0;
        if kfb.signum() < 0
            || kfb > Dec::from_i64(20)
            || kfb.multiply(Dec::from_i64(2)).set_scale(0, Round::Down) != kfb.multiply(Dec::from_i64(2))
        {
            out.push(problem(
                "tax.kinderfreibetraege",
                format!("Kinderfreibeträge {kfb}: erlaubt sind Vielfache von 0,5 zwischen 0 und 20."),
                format!("Child allowances {kfb}: use multiples of 0.5 between 0 and 20."),
            ));
        }
        if !STATES.contains(&t.state.as_str()) {
            out.push(problem(
                "tax.state",
                format!(
                    "Bundesland {:?} ist unbekannt; erlaubt: {}.",
                    t.state,
                    STATES.join(", ")
                ),
                format!("Unknown Bundesland {:?}; use one of {}.", t.state, STATES.join(", ")),
            ));
        }
        for (name, Amount(v)) in [
            ("tax.freibetrag_month", t.freibetrag_month),
            ("tax.hinzurechnung_month", t.hinzurechnung_month),
            ("tax.expected_annual_wage", t.expected_annual_wage.unwrap_or_default()),
            ("insurance.u1_rate", self.insurance.u1_rate),
            ("insurance.u2_rate", self.insurance.u2_rate),
            ("insurance.ytd_sv_pay", self.insurance.ytd_sv_pay.unwrap_or_default()),
        ] {
            if v.signum() < 0 || too_large(v) {
                out.push(problem(
                    name,
                    format!("Der Betrag {v} ist negativ oder unplausibel groß."),
                    format!("The amount {v} is negative or implausibly large."),
                ));
            }
        }
        for (name, Amount(v)) in [
            ("insurance.u1_rate", self.insurance.u1_rate),
            ("insurance.u2_rate", self.insurance.u2_rate),
        ] {
            if v > Dec::from_i64(10) {
                out.push(problem(
                    name,
                    format!("Der Umlagesatz {v} % ist unplausibel."),
                    format!("The Umlage rate {v} % is implausible."),
                ));
            }
        }
        match &self.insurance.health {
            HealthInput::Statutory { zusatzbeitrag, .. } => match zusatzbeitrag {
                None if self.insurance.kv => out.push(problem(
                    "insurance.zusatzbeitrag",
                    "Der Zusatzbeitragssatz der Krankenkasse fehlt (z. B. \"2.9\").",
                    "The Krankenkasse's Zusatzbeitrag rate is missing (e.g. \"2.9\").",
                )),
                Some(Amount(z)) if z.signum() < 0 || *z > Dec::from_i64(10) => out.push(problem(
                    "insurance.zusatzbeitrag",
                    format!("Der Zusatzbeitragssatz {z} % liegt außerhalb von 0 bis 10 %."),
                    format!("The Zusatzbeitrag rate {z} % is outside 0 to 10 %."),
                )),
                _ => {}
            },
            HealthInput::Private { premium_kv, premium_pv } => {
                for (name, v) in [
                    ("insurance.premium_kv", premium_kv),
                    ("insurance.premium_pv", premium_pv),
                ] {
                    match v {
                        None => out.push(problem(
                            name,
                            "Der Monatsbeitrag der privaten Versicherung fehlt (für Zuschuss und Lohnsteuer).",
                            "The private insurance's monthly premium is missing (needed for the subsidy and the Lohnsteuer).",
                        )),
                        Some(Amount(p)) if p.signum() < 0 || too_large(*p) => out.push(problem(
                            name,
                            format!("Der Beitrag {p} ist negativ oder unplausibel groß."),
                            format!("The premium {p} is negative or implausibly large."),
                        )),
                        _ => {}
                    }
                }
            }
        }
        for (i, c) in self.components.iter().enumerate() {
            let at = |f: &str| format!("components[{i}].{f}");
            let mut amounts: Vec<(String, Dec)> = Vec::new();
            match c {
                Component::Salary { amount } | Component::BenefitInKind { amount } | Component::OneOff { amount } => {
                    amounts.push((at("amount"), amount.0))
                }
                Component::Hourly { hours, rate } | Component::Overtime { hours, rate } => {
                    amounts.push((at("hours"), hours.0));
                    amounts.push((at("rate"), rate.0));
                    if hours.0 > Dec::from_i64(744) {
                        out.push(problem(
                            at("hours"),
                            format!("{} Stunden in einem Monat sind unmöglich.", hours.0),
                            format!("{} hours in one month are impossible.", hours.0),
                        ));
                    }
                }
                Component::Surcharge {
                    hours,
                    base_rate,
                    percent,
                    ..
                } => {
                    amounts.push((at("hours"), hours.0));
                    amounts.push((at("base_rate"), base_rate.0));
                    amounts.push((at("percent"), percent.0));
                    if percent.0 > Dec::from_i64(500) {
                        out.push(problem(
                            at("percent"),
                            format!("Ein Zuschlag von {} % ist unplausibel.", percent.0),
                            format!("A surcharge of {} % is implausible.", percent.0),
                        ));
                    }
                }
                Component::CompanyCar { list_price, commute_km } => {
                    amounts.push((at("list_price"), list_price.0));
                    amounts.push((at("commute_km"), commute_km.0));
                }
                Component::Vwl { employer, transfer } => {
                    amounts.push((at("employer"), employer.0));
                    amounts.push((at("transfer"), transfer.0));
                }
            }
            for (field, v) in amounts {
                if v.signum() < 0 {
                    out.push(problem(
                        field.clone(),
                        format!("Der Wert {v} darf nicht negativ sein."),
                        format!("The value {v} must not be negative."),
                    ));
                } else if too_large(v) {
                    out.push(problem(
                        field,
                        format!("Der Wert {v} ist unplausibel groß."),
                        format!("The value {v} is implausibly large."),
                    ));
                }
            }
        }
        out
    }
}

/// The result for one employee-month (euro).
#[derive(Clone, Debug, Serialize)]
pub struct Payslip {
    pub id: serde_json::Value,
    pub month: String,
    pub employment: Employment,
    /// All pay of the month, cash and non-cash.
    pub gross: Dec,
    /// Current taxable pay (laufender Arbeitslohn).
    pub taxable: Dec,
    /// One-off payments (sonstige Bezüge).
    pub one_off: Dec,
    /// Tax-free parts (surcharges, Sachbezug within the limit).
    pub tax_free: Dec,
    /// Current pay subject to social insurance.
    pub sv_pay: Dec,
    pub lohnsteuer: Dec,
    pub solidaritaetszuschlag: Dec,
    pub kirchensteuer: Dec,
    /// Minijob flat tax, paid by the employer.
    pub flat_tax: Dec,
    pub social_insurance: SvResult,
    /// Gross less taxes and the employee's social insurance.
    pub net: Dec,
    /// What is transferred to the employee: net less non-cash benefits and
    /// savings transfers, plus the tax-free PKV subsidy.
    pub payout: Dec,
    /// Gross plus employer contributions, Umlagen, flat tax and subsidy.
    pub employer_cost: Dec,
    /// Things the person checking the payslip should know.
    pub notes: Vec<String>,
    pub trace: Trace,
}

/// Computes an employee-month; refuses input with problems (all of them).
pub fn compute(m: &EmployeeMonth) -> Result<Payslip, Vec<Problem>> {
    let problems = m.validate();
    if !problems.is_empty() {
        return Err(problems);
    }
    let Some((year, month)) = parse_month(&m.month) else {
        return Err(vec![problem("month", "Monat ungültig.", "Invalid month.")]);
    };
    let params = SvParams::for_month(year, month).map_err(|e| vec![problem("month", e.to_string(), e.to_string())])?;
    let mut t = Trace::default();
    let mut notes = Vec::new();

    // 1. Components.
    let mut gross = Dec::ZERO;
    let mut taxable = Dec::ZERO;
    let mut sv_pay = Dec::ZERO;
    let mut tax_free = Dec::ZERO;
    let mut one_off = Dec::ZERO;
    let mut non_cash = Dec::ZERO;
    let mut transfers = Dec::ZERO;
    let mut benefits = Dec::ZERO;
    for (i, c) in m.components.iter().enumerate() {
        let name = |what: &str| format!("components[{i}].{what}");
        match c {
            Component::Salary { amount } => {
                let a = t.step(&name("salary"), amount.0, "monthly salary (contract)", &[]);
                gross = gross.add(a);
                taxable = taxable.add(a);
                sv_pay = sv_pay.add(a);
            }
            Component::Hourly { hours, rate } | Component::Overtime { hours, rate } => {
                let what = if matches!(c, Component::Hourly { .. }) {
                    "hourly_wage"
                } else {
                    "overtime"
                };
                let a = t.step(
                    &name(what),
                    hours.0.multiply(rate.0).cents(),
                    "hours × rate, rounded to the cent",
                    &[("hours", hours.0), ("rate", rate.0)],
                );
                gross = gross.add(a);
                taxable = taxable.add(a);
                sv_pay = sv_pay.add(a);
            }
            Component::Surcharge {
                surcharge,
                hours,
                base_rate,
                percent,
            } => {
                let a = hours.0.multiply(base_rate.0).percent(percent.0).cents();
                let capped_pct = percent.0.min(surcharge.cap());
                let tax_free_part = hours
                    .0
                    .multiply(base_rate.0.min(Dec::from_i64(50)))
                    .percent(capped_pct)
                    .cents();
                let sv_free_part = hours
                    .0
                    .multiply(base_rate.0.min(Dec::from_i64(25)))
                    .percent(capped_pct)
                    .cents();
                t.step(
                    &name("surcharge"),
                    a,
                    "hours × basic hourly wage × percent",
                    &[("hours", hours.0), ("base_rate", base_rate.0), ("percent", percent.0)],
                );
                t.step(
                    &name("surcharge_tax_free"),
                    tax_free_part,
                    "§ 3b EStG: tax-free up to the kind's percentage of a basic wage of at most 50 €/h",
                    &[("cap_percent", surcharge.cap())],
                );
                t.step(
                    &name("surcharge_sv_free"),
                    sv_free_part,
                    "§ 1 Abs. 1 Nr. 1 SvEV: free of social insurance as far as tax-free, on a basic wage of at most 25 €/h",
                    &[("cap_percent", surcharge.cap())],
                );
                gross = gross.add(a);
                taxable = taxable.add(a.subtract(tax_free_part));
                tax_free = tax_free.add(tax_free_part);
                sv_pay = sv_pay.add(a.subtract(sv_free_part));
            }
            Component::BenefitInKind { amount } => {
                benefits = benefits.add(amount.0);
                gross = gross.add(amount.0);
                non_cash = non_cash.add(amount.0);
            }
            Component::CompanyCar { list_price, commute_km } => {
                let price = list_price
                    .0
                    .divide_round(Dec::from_i64(100), 0, Round::Down)
                    .multiply(Dec::from_i64(100));
                let private = price.percent(Dec::ONE).cents();
                let commute = price.percent(Dec::lit(3, 2)).multiply(commute_km.0).cents();
                let a = private.add(commute);
                t.step(
                    &name("company_car"),
                    a,
                    "§ 8 Abs. 2 Satz 2 and 3, § 6 Abs. 1 Nr. 4 EStG: 1 % of the list price (rounded down to 100 €) plus 0.03 % per km between home and work",
                    &[("list_price", list_price.0), ("commute_km", commute_km.0)],
                );
                gross = gross.add(a);
                taxable = taxable.add(a);
                sv_pay = sv_pay.add(a);
                non_cash = non_cash.add(a);
            }
            Component::Vwl { employer, transfer } => {
                t.step(
                    &name("vwl_employer"),
                    employer.0,
                    "vermögenswirksame Leistungen of the employer: taxable pay",
                    &[],
                );
                t.step(
                    &name("vwl_transfer"),
                    transfer.0,
                    "5. VermBG: saving transferred to the contract from the pay",
                    &[],
                );
                gross = gross.add(employer.0);
                taxable = taxable.add(employer.0);
                sv_pay = sv_pay.add(employer.0);
                transfers = transfers.add(transfer.0);
            }
            Component::OneOff { amount } => {
                t.step(
                    &name("one_off"),
                    amount.0,
                    "one-off payment: sonstiger Bezug (§ 39b Abs. 3 EStG), Einmalzahlung (§ 23a SGB IV)",
                    &[],
                );
                gross = gross.add(amount.0);
                one_off = one_off.add(amount.0);
            }
        }
    }
    if !benefits.is_zero() {
        // § 8 Abs. 2 Satz 11 EStG: Sachbezüge up to 50 € a month are free.
        let limit = Dec::from_i64(50);
        if benefits <= limit {
            tax_free = tax_free.add(benefits);
            t.step("benefits_in_kind", benefits, "§ 8 Abs. 2 Satz 11 EStG: Sachbezüge of at most 50 € a month are tax-free (and free of social insurance)", &[("limit", limit)]);
        } else {
            taxable = taxable.add(benefits);
            sv_pay = sv_pay.add(benefits);
            t.step(
                "benefits_in_kind",
                benefits,
                "§ 8 Abs. 2 Satz 11 EStG: above the 50 € Freigrenze the whole value is taxable",
                &[("limit", limit)],
            );
        }
    }
    t.step("gross", gross, "sum of all components, cash and non-cash", &[]);
    t.step("taxable", taxable, "current taxable pay (laufender Arbeitslohn)", &[]);
    t.step("sv_pay", sv_pay, "current pay subject to social insurance", &[]);

    // 2. Kind of employment.
    let ins = &m.insurance;
    let limit_mini = t.param(params.param("minijob.limit_month"));
    let upper_midi = t.param(params.param("midijob.upper_bound_month"));
    let azubi_limit = t.param(params.param("azubi.geringverdiener_limit_month"));
    let employment = if ins.apprentice {
        if sv_pay.add(one_off) <= azubi_limit {
            Employment::ApprenticeLowPay
        } else {
            Employment::Regular
        }
    } else if sv_pay <= limit_mini {
        Employment::Minijob
    } else if sv_pay <= upper_midi {
        Employment::Midijob
    } else {
        Employment::Regular
    };
    t.step(
        "employment",
        sv_pay,
        match employment {
            Employment::Minijob => "§ 8 Abs. 1 Nr. 1 SGB IV: pay up to the Geringfügigkeitsgrenze: Minijob",
            Employment::Midijob => "§ 20 Abs. 2 SGB IV: pay in the Übergangsbereich: Midijob",
            Employment::ApprenticeLowPay => "§ 20 Abs. 3 SGB IV: apprentice up to the Geringverdienergrenze",
            Employment::Regular => "regular employment subject to social insurance",
        },
        &[("minijob_limit", limit_mini), ("midijob_upper", upper_midi)],
    );
    if employment == Employment::Minijob && !one_off.is_zero() {
        notes.push("Eine Einmalzahlung in einem Minijob kann die Geringfügigkeitsgrenze im Jahresdurchschnitt überschreiten; bitte die Jahresbetrachtung prüfen. / A one-off payment in a Minijob may exceed the limit on the annual average; check the annual view.".into());
    }

    // 3. One-off payments within the anteilige Jahres-BBG (§ 23a SGB IV).
    let m_i = i64::from(month);
    let bbg_kv = params.v("rechengroessen.bbg_kv_pv_month");
    let bbg_rv = params.v("rechengroessen.bbg_rv_av_month");
    let earlier = ins
        .ytd_sv_pay
        .map(|a| a.0)
        .unwrap_or_else(|| sv_pay.multiply(Dec::from_i64(m_i - 1)));
    let room = |bbg: Dec| {
        let year_part = bbg.multiply(Dec::from_i64(m_i));
        let earlier_capped = earlier.min(bbg.multiply(Dec::from_i64(m_i - 1)));
        year_part
            .subtract(earlier_capped)
            .subtract(sv_pay.min(bbg))
            .max(Dec::ZERO)
    };
    let (one_off_kv, one_off_rv) = if employment == Employment::Minijob {
        (Dec::ZERO, one_off)
    } else {
        (one_off.min(room(bbg_kv)), one_off.min(room(bbg_rv)))
    };
    if !one_off.is_zero() {
        t.step(
            "one_off_kv_pv",
            one_off_kv,
            "§ 23a Abs. 3 SGB IV: the one-off payment counts as far as the anteilige Jahres-BBG KV/PV leaves room",
            &[("one_off", one_off), ("earlier_pay", earlier)],
        );
        t.step(
            "one_off_rv_av",
            one_off_rv,
            "§ 23a Abs. 3 SGB IV: the one-off payment counts as far as the anteilige Jahres-BBG RV/AV leaves room",
            &[("one_off", one_off), ("earlier_pay", earlier)],
        );
        if month <= 3 && (one_off_kv < one_off || one_off_rv < one_off) {
            notes.push("Märzklausel (§ 23a Abs. 4 SGB IV): die Einmalzahlung übersteigt die anteilige BBG und ist dem letzten Monat des Vorjahres zuzuordnen, wenn die Beschäftigung dort bestand; hier nur anteilig berechnet. / March clause: the one-off exceeds the pro-rata BBG and belongs to last December if employed then; computed pro rata here.".into());
        }
    }

    // 4. Social insurance.
    let (by, bm, bd) = parse_date(&m.person.birth_date).unwrap_or((year, 1, 1));
    // § 55 Abs. 3 SGB XI: the surcharge runs from the month after the 23rd birthday.
    let childless_min = i32::try_from(params.v("pv.childless_min_age").long_value()).unwrap_or(23);
    let childless = m.person.children == 0 && (year, month) > (by + childless_min, bm);
    let health = match &ins.health {
        HealthInput::Statutory {
            zusatzbeitrag,
            reduced_rate,
        } => Health::Statutory {
            zusatzbeitrag: zusatzbeitrag.unwrap_or_default().0,
            reduced: *reduced_rate,
        },
        HealthInput::Private { premium_kv, premium_pv } => Health::Private {
            premium_kv: premium_kv.unwrap_or_default().0,
            premium_pv: premium_pv.unwrap_or_default().0,
        },
    };
    let sachsen = m.tax.state == "SN";
    let sv_input = SvInput {
        employment,
        pay: sv_pay,
        one_off_kv,
        one_off_rv,
        health: health.clone(),
        insured: Insured {
            kv: ins.kv,
            pv: ins.pv,
            rv: ins.rv,
            av: ins.av,
        },
        sachsen,
        childless,
        children_under_25: m.person.children_under_25,
        u1_rate: ins.u1_rate.0,
        u2_rate: ins.u2_rate.0,
        minijob_rv_exempt: ins.minijob_rv_exempt,
    };
    let sv = sv::contributions(&sv_input, params, &mut t);
    let subsidy = sv.pkv_subsidy_kv.add(sv.pkv_subsidy_pv);

    // 5. Taxes.
    let mut lohnsteuer = Dec::ZERO;
    let mut soli = Dec::ZERO;
    let mut kirchensteuer = Dec::ZERO;
    let mut flat_tax = Dec::ZERO;
    if employment == Employment::Minijob && m.tax.minijob_flat_tax {
        let rate = t.param(params.param("minijob.pauschsteuer"));
        flat_tax = taxable.add(one_off).percent(rate).cents();
        t.step("flat_tax", flat_tax, "§ 40a Abs. 2 EStG: 2 % flat tax on the Minijob pay, including Soli and Kirchensteuer, paid by the employer", &[("pay", taxable.add(one_off)), ("rate_percent", rate)]);
    } else {
        let cent = |d: Dec| serde_json::json!(d.to_cent());
        let (pkv, pkpv, zb) = match &health {
            Health::Statutory { zusatzbeitrag, .. } => (0, 0, *zusatzbeitrag),
            Health::Private { premium_kv, premium_pv } => (1, premium_kv.add(*premium_pv).to_cent(), Dec::ZERO),
        };
        // § 24a EStG: 64 completed before the year began (PAP: ALTER1, AJAHR);
        // a year of life is completed the day before the birthday (§ 187 BGB),
        // so someone born on 1 January completes it in the year before.
        let birth_year = if (bm, bd) == (1, 1) { by - 1 } else { by };
        let alter1 = i64::from(year - birth_year > 64);
        let expected = m
            .tax
            .expected_annual_wage
            .map(|a| a.0)
            .unwrap_or_else(|| taxable.multiply(Dec::from_i64(12)));
        let discount_children = i64::from(m.person.children_under_25.saturating_sub(1).min(4));
        let mut obj = serde_json::Map::new();
        let mut put = |k: &str, v: serde_json::Value| {
            obj.insert(k.to_string(), v);
        };
        put("LZZ", serde_json::json!(2));
        put("RE4", cent(taxable));
        put("STKL", serde_json::json!(m.tax.steuerklasse));
        put("ZKF", serde_json::json!(m.tax.kinderfreibetraege.0.to_string()));
        match m.tax.faktor {
            Some(Amount(f)) => {
                put("af", serde_json::json!(1));
                put("f", serde_json::json!(f.to_string()));
            }
            None => put("af", serde_json::json!(0)),
        }
        put("R", serde_json::json!(i64::from(m.tax.church)));
        put("KVZ", serde_json::json!(zb.to_string()));
        put("PKV", serde_json::json!(pkv));
        put("PKPV", serde_json::json!(pkpv));
        put("PKPVAGZ", cent(subsidy));
        put("PVS", serde_json::json!(i64::from(sachsen)));
        put("PVZ", serde_json::json!(i64::from(childless)));
        put("PVA", serde_json::json!(if childless { 0 } else { discount_children }));
        put("KRV", serde_json::json!(i64::from(!ins.rv)));
        put("ALV", serde_json::json!(i64::from(!ins.av)));
        put("ALTER1", serde_json::json!(alter1));
        put(
            "AJAHR",
            serde_json::json!(if alter1 == 1 { i64::from(birth_year) + 65 } else { 0 }),
        );
        put("LZZFREIB", cent(m.tax.freibetrag_month.0));
        put("LZZHINZU", cent(m.tax.hinzurechnung_month.0));
        put("SONSTB", cent(one_off));
        put("JRE4", cent(expected));
        let input = LstInput::from_json(&obj).map_err(|ps| {
            ps.into_iter()
                .map(|p| problem(format!("pap.{}", p.field), p.de, p.en))
                .collect::<Vec<_>>()
        })?;
        let r = input.compute();
        let o = r.output();
        for (name, method, rule) in [
            ("ZRE4J", "MRE4JL", "annual current wage"),
            ("ZVBEZJ", "MRE4JL", "annual Versorgungsbezüge"),
            (
                "ZRE4",
                "MRE4ABZ",
                "annual wage less Versorgungsfreibetrag and Altersentlastungsbetrag",
            ),
            ("ANP", "MZTABFB", "Arbeitnehmer-Pauschbetrag"),
            ("KFB", "MZTABFB", "Kinderfreibetrag"),
            ("ZTABFB", "MZTABFB", "allowances built into the tax table"),
            ("VSP", "UPEVP", "Vorsorgepauschale"),
            ("ZVE", "MLSTJAHR", "zu versteuerndes Einkommen"),
            ("ST", "UPTAB26", "tariff income tax"),
            ("LSTJAHR", "UPLSTLZZ", "annual Lohnsteuer"),
            ("JBMG", "MBERECH", "Soli and church-tax base for the year"),
        ] {
            if let Some(v) = r.pap.dec(name) {
                t.step(
                    &format!("pap.{name}"),
                    v,
                    &format!("BMF PAP 2026, {method}: {rule} (euro)"),
                    &[],
                );
            }
        }
        let euro = |c: i64| Dec::from_cent(c);
        lohnsteuer = euro(o.LSTLZZ).add(euro(o.STS));
        soli = euro(o.SOLZLZZ).add(euro(o.SOLZS));
        t.step(
            "lohnsteuer",
            lohnsteuer,
            "BMF PAP 2026: LSTLZZ (current pay) + STS (one-off payments)",
            &[("LSTLZZ", euro(o.LSTLZZ)), ("STS", euro(o.STS))],
        );
        t.step(
            "solidaritaetszuschlag",
            soli,
            "BMF PAP 2026: SOLZLZZ + SOLZS",
            &[("SOLZLZZ", euro(o.SOLZLZZ)), ("SOLZS", euro(o.SOLZS))],
        );
        if m.tax.church {
            let key = if matches!(m.tax.state.as_str(), "BY" | "BW") {
                "lohnsteuer.kirchensteuer_rate_by_bw"
            } else {
                "lohnsteuer.kirchensteuer_rate_other"
            };
            let rate = t.param(params.param(key));
            let base = euro(o.BK).add(euro(o.BKS));
            kirchensteuer = base.percent(rate).set_scale(2, Round::Down);
            t.step(
                "kirchensteuer",
                kirchensteuer,
                "Kirchensteuergesetze der Länder: rate × Bemessungsgrundlage (PAP BK + BKS), rounded down to the cent",
                &[("BK", euro(o.BK)), ("BKS", euro(o.BKS)), ("rate_percent", rate)],
            );
        }
    }

    // 6. Net, payout, employer cost.
    let deductions = lohnsteuer.add(soli).add(kirchensteuer).add(sv.employee_total);
    let net = t.step(
        "net",
        gross.subtract(deductions),
        "gross − Lohnsteuer − Soli − Kirchensteuer − employee social insurance",
        &[("gross", gross), ("deductions", deductions)],
    );
    let payout = t.step(
        "payout",
        net.subtract(non_cash).subtract(transfers).add(subsidy),
        "net − non-cash benefits − savings transfers + tax-free PKV subsidy (§ 3 Nr. 62 EStG)",
        &[
            ("net", net),
            ("non_cash", non_cash),
            ("transfers", transfers),
            ("pkv_subsidy", subsidy),
        ],
    );
    let employer_cost = t.step(
        "employer_cost",
        gross.add(sv.employer_total).add(flat_tax).add(subsidy),
        "gross + employer social insurance and Umlagen + flat tax + PKV subsidy",
        &[
            ("gross", gross),
            ("employer_sv", sv.employer_total),
            ("flat_tax", flat_tax),
            ("pkv_subsidy", subsidy),
        ],
    );
    if payout.signum() < 0 {
        notes.push("Die Auszahlung ist negativ: Sachbezüge und Abzüge übersteigen das Netto; bitte den Einbehalt klären. / The payout is negative: benefits and deductions exceed the net pay; settle the shortfall.".into());
    }
    for p in params.unconfirmed() {
        if t.params.iter().any(|u| u.key == p.key) {
            notes.push(format!(
                "Unbestätigter Parameter verwendet / unconfirmed parameter used: {} = {}",
                p.key, p.value
            ));
        }
    }
    Ok(Payslip {
        id: m.id.clone(),
        month: m.month.clone(),
        employment,
        gross,
        taxable,
        one_off,
        tax_free,
        sv_pay,
        lohnsteuer,
        solidaritaetszuschlag: soli,
        kirchensteuer,
        flat_tax,
        social_insurance: sv,
        net,
        payout,
        employer_cost,
        notes,
        trace: t,
    })
}
