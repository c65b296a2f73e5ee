//! Validated text values. Each can only be built through `parse`, which says
//! exactly what is wrong with rejected input.

use std::fmt;
use thiserror::Error;

use crate::limits::TEXT_FIELD_MAX;

/// Why a value was rejected. `field` names the input, `reason` says what to do.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field}: {reason}")]
pub struct ParseError {
    pub field: &'static str,
    pub reason: String,
}

impl ParseError {
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self { field, reason: reason.into() }
    }
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
            return Err(ParseError::new("company code", "must be 2 to 32 characters long"));
        }
        if !s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
            return Err(ParseError::new(
                "company code",
                "may contain only letters a–z, digits and hyphens",
            ));
        }
        if s.starts_with('-') || s.ends_with('-') {
            return Err(ParseError::new("company code", "must not start or end with a hyphen"));
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
            return Err(ParseError::new("username", "must be 3 to 64 characters long"));
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        {
            return Err(ParseError::new(
                "username",
                "may contain only letters a–z, digits, '.', '_' and '-'",
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
pub(crate) fn required_text(field: &'static str, s: &str, max: usize) -> Result<String, ParseError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(ParseError::new(field, "must not be empty"));
    }
    if t.chars().count() > max {
        return Err(ParseError::new(field, format!("must be at most {max} characters")));
    }
    if t.chars().any(|c| c.is_control()) {
        return Err(ParseError::new(field, "must not contain control characters"));
    }
    Ok(t.to_string())
}

/// Trims an optional free-text field; empty input becomes `None`.
pub(crate) fn optional_text(
    field: &'static str,
    s: Option<&str>,
    max: usize,
) -> Result<Option<String>, ParseError> {
    match s.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => required_text(field, t, max).map(Some),
    }
}

macro_rules! text_value {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:expr) => {
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
    "company name",
    200
);
text_value!(
    /// A person's name as shown in the UI.
    DisplayName,
    "display name",
    200
);

/// Upper bound used by optional free-text fields.
pub(crate) const TEXT_MAX: usize = TEXT_FIELD_MAX;

#[cfg(test)]
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
        assert_eq!(CompanyName::parse(" Muster GmbH ").map(|n| n.0), Ok("Muster GmbH".into()));
    }
}
