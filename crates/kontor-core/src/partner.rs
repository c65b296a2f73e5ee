//! Business partners (Geschäftspartner): the customers and suppliers of one
//! company. Invoices, payments and contracts all refer to them, which is why
//! they live in the shared core.

use crate::text::{fields, optional_text, required_text, ParseError, TEXT_MAX};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PartnerKind {
    Customer,
    Supplier,
    Both,
}

impl PartnerKind {
    pub fn key(self) -> &'static str {
        match self {
            PartnerKind::Customer => "customer",
            PartnerKind::Supplier => "supplier",
            PartnerKind::Both => "both",
        }
    }
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        match s.trim() {
            "customer" => Ok(PartnerKind::Customer),
            "supplier" => Ok(PartnerKind::Supplier),
            "both" => Ok(PartnerKind::Both),
            other => Err(ParseError::new(
                "kind",
                format!("Kind '{other}' is not one of customer, supplier, both."),
                format!("Art '{other}' ist keine von Kunde (customer), Lieferant (supplier), beides (both)."),
            )),
        }
    }
}

/// An IBAN whose ISO 13616 check digits are correct; stored without spaces.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Iban(String);

impl Iban {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let compact: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        if !(15..=34).contains(&compact.len()) {
            return Err(ParseError::new(
                "iban",
                "IBAN must be 15 to 34 characters long.",
                "Die IBAN muss 15 bis 34 Zeichen lang sein.",
            ));
        }
        let bytes = compact.as_bytes();
        if !(bytes[0].is_ascii_uppercase() && bytes[1].is_ascii_uppercase()) {
            return Err(ParseError::new(
                "iban",
                "IBAN must start with a two-letter country code.",
                "Die IBAN muss mit einem zweistelligen Länderkürzel beginnen.",
            ));
        }
        if !(bytes[2].is_ascii_digit() && bytes[3].is_ascii_digit()) {
            return Err(ParseError::new(
                "iban",
                "IBAN positions 3 and 4 must be check digits.",
                "Stellen 3 und 4 der IBAN müssen Prüfziffern sein.",
            ));
        }
        if !compact.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(ParseError::new(
                "iban",
                "IBAN may contain only letters and digits.",
                "Die IBAN darf nur Buchstaben und Ziffern enthalten.",
            ));
        }
        if compact.starts_with("DE") && compact.len() != 22 {
            return Err(ParseError::new(
                "iban",
                "A German IBAN has exactly 22 characters.",
                "Eine deutsche IBAN hat genau 22 Zeichen.",
            ));
        }
        let rearranged = compact[4..].chars().chain(compact[..4].chars());
        let mut rem: u32 = 0;
        for c in rearranged {
            let v = c.to_digit(36).unwrap_or(0);
            rem = if v >= 10 {
                (rem * 100 + v) % 97
            } else {
                (rem * 10 + v) % 97
            };
        }
        if rem != 1 {
            return Err(ParseError::new(
                "iban",
                "IBAN check digits do not match; please check for typos.",
                "Die Prüfziffer der IBAN stimmt nicht; bitte auf Tippfehler prüfen.",
            ));
        }
        Ok(Self(compact))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Iban {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, chunk) in self.0.as_bytes().chunks(4).enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(std::str::from_utf8(chunk).map_err(|_| fmt::Error)?)?;
        }
        Ok(())
    }
}

/// A VAT identification number (USt-IdNr.): country prefix plus 2–13
/// characters; German numbers are checked with the ISO 7064 MOD 11,10 digit.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct VatId(String);

impl VatId {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let compact: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        if compact.len() < 4 || compact.len() > 15 {
            return Err(ParseError::new(
                "vat_id",
                "VAT id must be 4 to 15 characters long.",
                "Die USt-IdNr. muss 4 bis 15 Zeichen lang sein.",
            ));
        }
        if !compact.is_ascii() {
            return Err(ParseError::new(
                "vat_id",
                "VAT id may contain only letters A–Z and digits.",
                "Die USt-IdNr. darf nur Buchstaben A–Z und Ziffern enthalten.",
            ));
        }
        let (cc, rest) = compact.split_at(2);
        if !cc.chars().all(|c| c.is_ascii_uppercase())
            || !rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '*')
        {
            return Err(ParseError::new(
                "vat_id",
                "VAT id must be a country code followed by letters and digits, e.g. DE123456789.",
                "Die USt-IdNr. besteht aus Länderkürzel und Buchstaben/Ziffern, z. B. DE123456789.",
            ));
        }
        if cc == "DE" {
            if rest.len() != 9 || !rest.chars().all(|c| c.is_ascii_digit()) || rest.starts_with('0') {
                return Err(ParseError::new(
                    "vat_id",
                    "A German VAT id is DE followed by 9 digits.",
                    "Eine deutsche USt-IdNr. ist DE gefolgt von 9 Ziffern.",
                ));
            }
            let digits: Vec<u32> = rest.chars().filter_map(|c| c.to_digit(10)).collect();
            let mut product = 10;
            for d in &digits[..8] {
                let mut sum = (d + product) % 10;
                if sum == 0 {
                    sum = 10;
                }
                product = (2 * sum) % 11;
            }
            let check = (11 - product) % 10;
            if check != digits[8] {
                return Err(ParseError::new(
                    "vat_id",
                    "VAT id check digit does not match; please check for typos.",
                    "Die Prüfziffer der USt-IdNr. stimmt nicht; bitte auf Tippfehler prüfen.",
                ));
            }
        }
        Ok(Self(compact))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for VatId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Input for creating or replacing a business partner, validated as a whole so
/// the caller learns every problem at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartnerDraft {
    pub name: String,
    pub kind: PartnerKind,
    pub vat_id: Option<VatId>,
    pub iban: Option<Iban>,
    pub email: Option<String>,
    pub street: Option<String>,
    pub postcode: Option<String>,
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
    /// The partner's personal account in the ledger (Personenkonto, as
    /// DATEV numbers them): Debitor 10000–69999 for customers, Kreditor
    /// 70000–99999 for suppliers.
    pub account: Option<u32>,
}

/// Raw, unvalidated partner input as it arrives from a form or the API.
#[derive(Clone, Debug, Default)]
pub struct PartnerInput<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    pub vat_id: Option<&'a str>,
    pub iban: Option<&'a str>,
    pub email: Option<&'a str>,
    pub street: Option<&'a str>,
    pub postcode: Option<&'a str>,
    pub city: Option<&'a str>,
    pub country: Option<&'a str>,
    pub account: Option<&'a str>,
}

impl PartnerDraft {
    /// Validates every field and returns all findings, not just the first.
    pub fn parse(input: &PartnerInput<'_>) -> Result<Self, Vec<ParseError>> {
        let mut errors = Vec::new();
        fn keep<T>(errors: &mut Vec<ParseError>, r: Result<T, ParseError>) -> Option<T> {
            r.map_err(|e| errors.push(e)).ok()
        }
        macro_rules! take {
            ($e:expr) => {
                keep(&mut errors, $e)
            };
        }
        let name = take!(required_text(fields::NAME, input.name, 200));
        let kind = take!(PartnerKind::parse(input.kind));
        let vat_id = take!(match input.vat_id.map(str::trim) {
            None | Some("") => Ok(None),
            Some(v) => VatId::parse(v).map(Some),
        });
        let iban = take!(match input.iban.map(str::trim) {
            None | Some("") => Ok(None),
            Some(v) => Iban::parse(v).map(Some),
        });
        let email = take!(optional_text(fields::EMAIL, input.email, 254).and_then(|e| match e {
            Some(e) if !e.contains('@') || e.starts_with('@') || e.ends_with('@') => {
                Err(ParseError::new(
                    "email",
                    "E-mail must be an address like name@example.de.",
                    "Die E-Mail muss eine Adresse wie name@example.de sein.",
                ))
            }
            other => Ok(other),
        }));
        let street = take!(optional_text(fields::STREET, input.street, TEXT_MAX));
        let postcode = take!(optional_text(fields::POSTCODE, input.postcode, 16));
        let city = take!(optional_text(fields::CITY, input.city, 200));
        let country = take!(match input.country.map(str::trim) {
            None | Some("") => Ok("DE".to_string()),
            Some(c) if c.len() == 2 && c.chars().all(|c| c.is_ascii_alphabetic()) => Ok(c.to_ascii_uppercase()),
            Some(_) => Err(ParseError::new(
                "country",
                "Country must be a two-letter ISO code such as DE.",
                "Das Land muss ein zweistelliger ISO-Code wie DE sein."
            )),
        });
        let account = take!(match input.account.map(str::trim) {
            None | Some("") => Ok(None),
            Some(a) => {
                let range = match kind {
                    Some(PartnerKind::Customer) => 10_000..=69_999,
                    Some(PartnerKind::Supplier) => 70_000..=99_999,
                    _ => 10_000..=99_999,
                };
                match a.parse::<u32>() {
                    Ok(n) if a.len() == 5 && range.contains(&n) => Ok(Some(n)),
                    _ => Err(ParseError::new(
                        "account",
                        format!(
                            "The personal account must be a number from {} to {} (customers 10000–69999, suppliers 70000–99999).",
                            range.start(),
                            range.end()
                        ),
                        format!(
                            "Das Personenkonto muss eine Zahl von {} bis {} sein (Debitoren 10000–69999, Kreditoren 70000–99999).",
                            range.start(),
                            range.end()
                        ),
                    )),
                }
            }
        });
        match (
            name, kind, vat_id, iban, email, street, postcode, city, country, account,
        ) {
            (
                Some(name),
                Some(kind),
                Some(vat_id),
                Some(iban),
                Some(email),
                Some(street),
                Some(postcode),
                Some(city),
                Some(country),
                Some(account),
            ) if errors.is_empty() => Ok(PartnerDraft {
                name,
                kind,
                vat_id,
                iban,
                email,
                street,
                postcode,
                city,
                country,
                account,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn iban_check_digits() {
        assert!(Iban::parse("DE89 3704 0044 0532 0130 00").is_ok());
        assert!(Iban::parse("DE89370400440532013001").is_err());
        assert_eq!(
            Iban::parse("de89370400440532013000").map(|i| i.to_string()),
            Ok("DE89 3704 0044 0532 0130 00".into())
        );
        assert!(Iban::parse("GB82WEST12345698765432").is_ok());
    }

    #[test]
    fn german_vat_id_check_digit() {
        assert!(VatId::parse("DE136695976").is_ok());
        assert!(VatId::parse("DE136695977").is_err());
        assert!(VatId::parse("ATU12345678").is_ok());
        assert!(VatId::parse("DE12345").is_err());
    }

    #[test]
    fn vat_id_with_multibyte_characters_is_rejected_not_panicking() {
        // Found by the property test: splitting at byte 2 inside "ä" panicked.
        assert!(VatId::parse("Dä123456789").is_err());
        assert!(VatId::parse("€€€€").is_err());
    }

    #[test]
    fn partner_draft_reports_every_problem() {
        let errs = PartnerDraft::parse(&PartnerInput {
            name: " ",
            kind: "vendor",
            iban: Some("DE00"),
            ..Default::default()
        })
        .err()
        .unwrap_or_default();
        let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["name", "kind", "iban"]);
    }
}
