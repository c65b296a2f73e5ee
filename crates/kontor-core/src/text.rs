//! Validated text values. Each can only be built through `parse`, which says
//! exactly what is wrong with rejected input.

use std::fmt;
use thiserror::Error;

use crate::limits::TEXT_FIELD_MAX;

/// Why a value was rejected. `field` is the input's stable key (as in the
/// API); the messages name the field and say what to do, in German and English.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{en}")]
pub struct ParseError {
    pub field: &'static str,
    pub en: String,
    pub de: String,
}

impl ParseError {
    pub fn new(field: &'static str, en: impl Into<String>, de: impl Into<String>) -> Self {
        Self {
            field,
            en: en.into(),
            de: de.into(),
        }
    }

    pub fn message(&self, lang: crate::Lang) -> &str {
        match lang {
            crate::Lang::De => &self.de,
            crate::Lang::En => &self.en,
        }
    }
}

/// A named input field: its API key and its label in both languages.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub key: &'static str,
    pub en: &'static str,
    pub de: &'static str,
}

pub mod fields {
    use super::Field;
    pub const CODE: Field = Field {
        key: "code",
        en: "Company code",
        de: "Firmenkürzel",
    };
    pub const USERNAME: Field = Field {
        key: "username",
        en: "Username",
        de: "Benutzername",
    };
    pub const NAME: Field = Field {
        key: "name",
        en: "Name",
        de: "Name",
    };
    pub const DISPLAY_NAME: Field = Field {
        key: "display_name",
        en: "Full name",
        de: "Vollständiger Name",
    };
    pub const STREET: Field = Field {
        key: "street",
        en: "Street",
        de: "Straße",
    };
    pub const POSTCODE: Field = Field {
        key: "postcode",
        en: "Postcode",
        de: "PLZ",
    };
    pub const CITY: Field = Field {
        key: "city",
        en: "City",
        de: "Ort",
    };
    pub const EMAIL: Field = Field {
        key: "email",
        en: "E-mail",
        de: "E-Mail",
    };
}

/// A company's short code (e.g. `muster`): 2–32 characters, lower-case
/// letters, digits and hyphens, starting with a letter or digit. Input is
/// accepted in any case and stored lower-case.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CompanyCode(String);

impl CompanyCode {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let s = s.trim().to_ascii_lowercase();
        if !(2..=32).contains(&s.len()) {
            return Err(ParseError::new(
                "code",
                "Company code must be 2 to 32 characters long.",
                "Das Firmenkürzel muss 2 bis 32 Zeichen lang sein.",
            ));
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(ParseError::new(
                "code",
                "Company code may contain only letters a–z, digits and hyphens.",
                "Das Firmenkürzel darf nur Buchstaben a–z, Ziffern und Bindestriche enthalten.",
            ));
        }
        if s.starts_with('-') || s.ends_with('-') {
            return Err(ParseError::new(
                "code",
                "Company code must not start or end with a hyphen.",
                "Das Firmenkürzel darf nicht mit einem Bindestrich beginnen oder enden.",
            ));
        }
        Ok(Self(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CompanyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A sign-in name: 3–64 characters, lower-case letters, digits, `.`, `_`, `-`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Username(String);

impl Username {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let s = s.trim().to_ascii_lowercase();
        if !(3..=64).contains(&s.len()) {
            return Err(ParseError::new(
                "username",
                "Username must be 3 to 64 characters long.",
                "Der Benutzername muss 3 bis 64 Zeichen lang sein.",
            ));
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        {
            return Err(ParseError::new(
                "username",
                "Username may contain only letters a–z, digits, '.', '_' and '-'.",
                "Der Benutzername darf nur Buchstaben a–z, Ziffern, '.', '_' und '-' enthalten.",
            ));
        }
        Ok(Self(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Trims a required free-text field and checks its length.
pub fn required_text(field: Field, s: &str, max: usize) -> Result<String, ParseError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(ParseError::new(
            field.key,
            format!("{} must not be empty.", field.en),
            format!("{} darf nicht leer sein.", field.de),
        ));
    }
    if t.chars().count() > max {
        return Err(ParseError::new(
            field.key,
            format!("{} must be at most {max} characters long.", field.en),
            format!("{} darf höchstens {max} Zeichen lang sein.", field.de),
        ));
    }
    if t.chars().any(|c| c.is_control()) {
        return Err(ParseError::new(
            field.key,
            format!("{} must not contain control characters.", field.en),
            format!("{} darf keine Steuerzeichen enthalten.", field.de),
        ));
    }
    Ok(t.to_string())
}

/// Trims an optional free-text field; empty input becomes `None`.
pub fn optional_text(field: Field, s: Option<&str>, max: usize) -> Result<Option<String>, ParseError> {
    match s.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => required_text(field, t, max).map(Some),
    }
}

macro_rules! text_value {
    ($(#[$doc:meta])* $name:ident, $field:expr, $max:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            pub fn parse(s: &str) -> Result<Self, ParseError> {
                required_text($field, s, $max).map(Self)
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_value!(
    /// A company's legal name, e.g. "Muster GmbH".
    CompanyName,
    Field { key: "name", en: "Company name", de: "Firmenname" },
    200
);
text_value!(
    /// A person's name as shown in the UI.
    DisplayName,
    fields::DISPLAY_NAME,
    200
);

/// Upper bound used by optional free-text fields.
pub(crate) const TEXT_MAX: usize = TEXT_FIELD_MAX;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn company_code_rules() {
        assert_eq!(CompanyCode::parse(" Muster ").map(|c| c.0), Ok("muster".into()));
        assert!(CompanyCode::parse("a").is_err());
        assert!(CompanyCode::parse("-abc").is_err());
        assert!(CompanyCode::parse("ab c").is_err());
        assert!(CompanyCode::parse("müller").is_err());
        assert!(CompanyCode::parse("beispiel-kg-2").is_ok());
    }

    #[test]
    fn username_rules() {
        assert!(Username::parse("admin").is_ok());
        assert!(Username::parse("a b").is_err());
        assert!(Username::parse("ab").is_err());
    }

    #[test]
    fn names_reject_empty_and_control_characters() {
        assert!(CompanyName::parse("  ").is_err());
        assert!(CompanyName::parse("A\u{7}B").is_err());
        assert_eq!(
            CompanyName::parse(" Muster GmbH ").map(|n| n.0),
            Ok("Muster GmbH".into())
        );
    }
}
