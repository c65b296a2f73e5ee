//! Employees (HR master data). The sensitive fields — tax id, social
//! insurance number, IBAN, health insurance, denomination, disability — are
//! grouped in [`SensitiveHr`] so they can be encrypted at rest and shown only
//! to those with the explicit permission.

use crate::partner::Iban;
use crate::text::{fields, optional_text, required_text, Field, ParseError};

/// Steuerliche Identifikationsnummer: 11 digits, no leading zero, ISO 7064
/// MOD 11,10 check digit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaxId(String);

impl TaxId {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let d: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        if d.len() != 11 || !d.chars().all(|c| c.is_ascii_digit()) || d.starts_with('0') {
            return Err(ParseError::new(
                "tax_id",
                "The tax id (Steuer-IdNr.) has 11 digits and does not start with 0.",
                "Die Steuer-IdNr. hat 11 Ziffern und beginnt nicht mit 0.",
            ));
        }
        let digits: Vec<u32> = d.chars().filter_map(|c| c.to_digit(10)).collect();
        if check_digit_11_10(&digits[..10]) != digits[10] {
            return Err(ParseError::new(
                "tax_id",
                "The tax id's check digit does not match; please check for typos.",
                "Die Prüfziffer der Steuer-IdNr. stimmt nicht; bitte auf Tippfehler prüfen.",
            ));
        }
        Ok(Self(d))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// ISO 7064 MOD 11,10.
pub(crate) fn check_digit_11_10(digits: &[u32]) -> u32 {
    let mut product = 10;
    for d in digits {
        let mut sum = (d + product) % 10;
        if sum == 0 {
            sum = 10;
        }
        product = (2 * sum) % 11;
    }
    (11 - product) % 10
}

/// Sozialversicherungsnummer: 2 digits area, 6 digits birth date, the first
/// letter of the birth name, 2 digits serial, 1 check digit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SvNumber(String);

impl SvNumber {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let v: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        let b = v.as_bytes();
        let shape = v.len() == 12
            && b[..8].iter().all(u8::is_ascii_digit)
            && b[8].is_ascii_uppercase()
            && b[9..].iter().all(u8::is_ascii_digit);
        if !shape {
            return Err(ParseError::new(
                "sv_number",
                "The social insurance number looks like 65170839J003: 8 digits, a letter, 3 digits.",
                "Die Sozialversicherungsnummer sieht so aus: 65170839J003 (8 Ziffern, ein Buchstabe, 3 Ziffern).",
            ));
        }
        // The letter counts as its two-digit position in the alphabet.
        let letter = u32::from(b[8] - b'A' + 1);
        let mut digits: Vec<u32> = b[..8].iter().map(|c| u32::from(c - b'0')).collect();
        digits.push(letter / 10);
        digits.push(letter % 10);
        digits.extend(b[9..11].iter().map(|c| u32::from(c - b'0')));
        const WEIGHTS: [u32; 12] = [2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1];
        let sum: u32 = digits
            .iter()
            .zip(WEIGHTS)
            .map(|(d, w)| (d * w) / 10 + (d * w) % 10)
            .sum();
        if sum % 10 != u32::from(b[11] - b'0') {
            return Err(ParseError::new(
                "sv_number",
                "The social insurance number's check digit does not match; please check for typos.",
                "Die Prüfziffer der Sozialversicherungsnummer stimmt nicht; bitte auf Tippfehler prüfen.",
            ));
        }
        Ok(Self(v))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Lohnsteuerklasse I–VI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Steuerklasse(u8);

impl Steuerklasse {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let n = match s.trim().to_ascii_uppercase().as_str() {
            "1" | "I" => 1,
            "2" | "II" => 2,
            "3" | "III" => 3,
            "4" | "IV" => 4,
            "5" | "V" => 5,
            "6" | "VI" => 6,
            _ => {
                return Err(ParseError::new(
                    "steuerklasse",
                    "Steuerklasse must be 1 to 6 (I to VI).",
                    "Die Steuerklasse muss 1 bis 6 (I bis VI) sein.",
                ))
            }
        };
        Ok(Self(n))
    }
    pub fn number(self) -> u8 {
        self.0
    }
}

/// The fields that are encrypted at rest and need the explicit permission.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SensitiveHr {
    pub tax_id: Option<TaxId>,
    pub sv_number: Option<SvNumber>,
    pub iban: Option<Iban>,
    pub health_insurance: Option<String>,
    /// Religious denomination for church tax (e.g. `ev`, `rk`, `--`).
    pub denomination: Option<String>,
    pub disability: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmployeeDraft {
    pub personnel_number: String,
    pub first_name: String,
    pub last_name: String,
    pub street: Option<String>,
    pub postcode: Option<String>,
    pub city: Option<String>,
    /// `YYYY-MM-DD`.
    pub entry_date: String,
    pub steuerklasse: Steuerklasse,
    /// Kinderfreibeträge in tenths (1.5 → 15).
    pub children_tenths: i64,
    pub sensitive: SensitiveHr,
}

/// Raw employee input from a form or the API.
#[derive(Clone, Debug, Default)]
pub struct EmployeeInput<'a> {
    pub personnel_number: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub street: Option<&'a str>,
    pub postcode: Option<&'a str>,
    pub city: Option<&'a str>,
    pub entry_date: &'a str,
    pub steuerklasse: &'a str,
    pub children: Option<&'a str>,
    pub tax_id: Option<&'a str>,
    pub sv_number: Option<&'a str>,
    pub iban: Option<&'a str>,
    pub health_insurance: Option<&'a str>,
    pub denomination: Option<&'a str>,
    pub disability: Option<&'a str>,
}

fn opt<T>(v: Option<&str>, f: impl Fn(&str) -> Result<T, ParseError>) -> Result<Option<T>, ParseError> {
    match v.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => f(s).map(Some),
    }
}

fn entry_date(s: &str) -> Result<String, ParseError> {
    let t = s.trim();
    let ok = t.len() == 10
        && t.as_bytes()[4] == b'-'
        && t.as_bytes()[7] == b'-'
        && t[..4].parse::<u32>().is_ok_and(|y| (1900..=2200).contains(&y))
        && t[5..7].parse::<u32>().is_ok_and(|m| (1..=12).contains(&m))
        && t[8..].parse::<u32>().is_ok_and(|d| (1..=31).contains(&d));
    if ok {
        Ok(t.to_string())
    } else {
        Err(ParseError::new(
            "entry_date",
            "Entry date must be a date like 2026-04-01.",
            "Das Eintrittsdatum muss ein Datum wie 2026-04-01 sein.",
        ))
    }
}

fn children(s: &str) -> Result<i64, ParseError> {
    let t = s.trim().replace(',', ".");
    let (whole, frac) = t.split_once('.').unwrap_or((&t, "0"));
    match (whole.parse::<i64>(), frac) {
        (Ok(w), "0" | "") if (0..=20).contains(&w) => Ok(w * 10),
        (Ok(w), "5") if (0..=20).contains(&w) => Ok(w * 10 + 5),
        _ => Err(ParseError::new(
            "children",
            "Kinderfreibeträge are counted in halves: 0, 0.5, 1, 1.5 … up to 20.",
            "Kinderfreibeträge zählen in halben Schritten: 0, 0,5, 1, 1,5 … bis 20.",
        )),
    }
}

const FIRST_NAME: Field = Field {
    key: "first_name",
    en: "First name",
    de: "Vorname",
};
const LAST_NAME: Field = Field {
    key: "last_name",
    en: "Last name",
    de: "Nachname",
};
const PERSONNEL_NO: Field = Field {
    key: "personnel_number",
    en: "Personnel number",
    de: "Personalnummer",
};
const HEALTH: Field = Field {
    key: "health_insurance",
    en: "Health insurance",
    de: "Krankenkasse",
};
const DENOMINATION: Field = Field {
    key: "denomination",
    en: "Denomination",
    de: "Konfession",
};
const DISABILITY: Field = Field {
    key: "disability",
    en: "Disability",
    de: "Schwerbehinderung",
};

impl EmployeeDraft {
    /// Validates every field; returns all findings.
    pub fn parse(i: &EmployeeInput<'_>) -> Result<Self, Vec<ParseError>> {
        let mut errors = Vec::new();
        fn keep<T>(errors: &mut Vec<ParseError>, r: Result<T, ParseError>) -> Option<T> {
            r.map_err(|e| errors.push(e)).ok()
        }
        let personnel_number = keep(&mut errors, required_text(PERSONNEL_NO, i.personnel_number, 20));
        let first_name = keep(&mut errors, required_text(FIRST_NAME, i.first_name, 100));
        let last_name = keep(&mut errors, required_text(LAST_NAME, i.last_name, 100));
        let street = keep(&mut errors, optional_text(fields::STREET, i.street, 200));
        let postcode = keep(&mut errors, optional_text(fields::POSTCODE, i.postcode, 16));
        let city = keep(&mut errors, optional_text(fields::CITY, i.city, 200));
        let entry = keep(&mut errors, entry_date(i.entry_date));
        let stkl = keep(&mut errors, Steuerklasse::parse(i.steuerklasse));
        let kids = keep(&mut errors, opt(i.children, children).map(|c| c.unwrap_or(0)));
        let tax_id = keep(&mut errors, opt(i.tax_id, TaxId::parse));
        let sv_number = keep(&mut errors, opt(i.sv_number, SvNumber::parse));
        let iban = keep(&mut errors, opt(i.iban, Iban::parse));
        let health = keep(&mut errors, optional_text(HEALTH, i.health_insurance, 100));
        let denom = keep(&mut errors, optional_text(DENOMINATION, i.denomination, 10));
        let disability = keep(&mut errors, optional_text(DISABILITY, i.disability, 100));
        match (
            personnel_number,
            first_name,
            last_name,
            street,
            postcode,
            city,
            entry,
            stkl,
            kids,
        ) {
            (Some(pn), Some(f), Some(l), Some(st), Some(pc), Some(c), Some(e), Some(k), Some(ch))
                if errors.is_empty() =>
            {
                Ok(EmployeeDraft {
                    personnel_number: pn,
                    first_name: f,
                    last_name: l,
                    street: st,
                    postcode: pc,
                    city: c,
                    entry_date: e,
                    steuerklasse: k,
                    children_tenths: ch,
                    sensitive: SensitiveHr {
                        tax_id: tax_id.flatten(),
                        sv_number: sv_number.flatten(),
                        iban: iban.flatten(),
                        health_insurance: health.flatten(),
                        denomination: denom.flatten(),
                        disability: disability.flatten(),
                    },
                })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn tax_ids() {
        // 86095742719 is the BZSt's published example of a valid tax id.
        assert!(TaxId::parse("86095742719").is_ok());
        assert!(TaxId::parse("86095742718").is_err());
        assert!(TaxId::parse("06095742719").is_err());
    }

    #[test]
    fn sv_numbers() {
        assert!(SvNumber::parse("65170839J003").is_ok());
        assert!(SvNumber::parse("65170839J004").is_err());
        assert!(SvNumber::parse("65170839003").is_err());
    }

    #[test]
    fn employee_draft_collects_all_errors() {
        let e = EmployeeDraft::parse(&EmployeeInput {
            steuerklasse: "7",
            entry_date: "1.4.2026",
            tax_id: Some("123"),
            ..Default::default()
        })
        .unwrap_err();
        let f: Vec<_> = e.iter().map(|e| e.field).collect();
        assert_eq!(
            f,
            vec![
                "personnel_number",
                "first_name",
                "last_name",
                "entry_date",
                "steuerklasse",
                "tax_id"
            ]
        );
    }

    #[test]
    fn children_in_halves() {
        let base = EmployeeInput {
            personnel_number: "1",
            first_name: "A",
            last_name: "B",
            entry_date: "2026-01-01",
            steuerklasse: "IV",
            ..Default::default()
        };
        let d = EmployeeDraft::parse(&EmployeeInput {
            children: Some("1,5"),
            ..base.clone()
        })
        .unwrap();
        assert_eq!(d.children_tenths, 15);
        assert!(EmployeeDraft::parse(&EmployeeInput {
            children: Some("0.3"),
            ..base
        })
        .is_err());
    }
}
