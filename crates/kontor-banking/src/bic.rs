//! BIC (ISO 9362): 4 letters bank, 2 letters country, 2 alphanumeric
//! location, optional 3 alphanumeric branch.

use crate::FormatError;

/// A checked BIC, upper case, 8 or 11 characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Bic(String);

impl Bic {
    pub fn parse(s: &str) -> Result<Bic, FormatError> {
        let c: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        let b = c.as_bytes();
        let ok = (b.len() == 8 || b.len() == 11)
            && b[..6].iter().all(u8::is_ascii_uppercase)
            && b[6..].iter().all(u8::is_ascii_alphanumeric);
        if !ok {
            return Err(FormatError::new(
                "bic",
                format!("{s:?} is not a BIC: 8 or 11 characters, 4 letters for the bank, 2 for the country, then 2 (and optionally 3) letters or digits, e.g. COBADEFFXXX."),
                format!("{s:?} ist keine BIC: 8 oder 11 Zeichen, 4 Buchstaben für die Bank, 2 für das Land, dann 2 (und optional 3) Buchstaben oder Ziffern, z. B. COBADEFFXXX."),
            ));
        }
        Ok(Bic(c))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The ISO country code inside the BIC.
    pub fn country(&self) -> &str {
        &self.0[4..6]
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn bics() {
        assert_eq!(Bic::parse("cobadeff").map(|b| b.0), Ok("COBADEFF".into()));
        assert!(Bic::parse("COBADEFFXXX").is_ok());
        assert_eq!(
            Bic::parse("COBADEFFXXX").map(|b| b.country().to_string()),
            Ok("DE".into())
        );
        for bad in ["COBADEF", "COBADEFFXX", "C0BADEFF", "COBA1EFF", "", "COBADEFF-XX"] {
            assert!(Bic::parse(bad).is_err(), "{bad}");
        }
    }
}
