//! Money as integer cents.

use std::fmt;

/// An amount in cents (of the posting's currency). Debit positive, credit
/// negative where a sign is meant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Cents(pub i64);

impl Cents {
    pub const ZERO: Cents = Cents(0);

    pub fn checked_add(self, o: Cents) -> Option<Cents> {
        self.0.checked_add(o.0).map(Cents)
    }

    pub fn abs(self) -> Cents {
        Cents(self.0.abs())
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Parses `"1234.56"`, `"-0.5"`, `"12"` (dot as decimal separator, at
    /// most two decimals).
    pub fn parse(s: &str) -> Option<Cents> {
        parse_with(s.trim(), '.')
    }

    /// Parses the DATEV form with a decimal comma, `"1234,56"`.
    pub fn parse_comma(s: &str) -> Option<Cents> {
        parse_with(s.trim(), ',')
    }

    /// `1234,56` (DATEV: decimal comma, no thousands separator).
    pub fn comma(self) -> String {
        self.to_string().replace('.', ",")
    }

    /// Rounds `self × numerator / denominator` half away from zero.
    pub fn mul_div_round(self, numerator: i64, denominator: i64) -> Cents {
        let n = i128::from(self.0) * i128::from(numerator);
        let d = i128::from(denominator);
        let q = n / d;
        let r = n % d;
        let q = if 2 * r.abs() >= d.abs() {
            q + if (n < 0) == (d < 0) { 1 } else { -1 }
        } else {
            q
        };
        Cents(q as i64)
    }
}

fn parse_with(s: &str, sep: char) -> Option<Cents> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let (int, frac) = digits.split_once(sep).unwrap_or((digits, ""));
    if int.is_empty() || frac.len() > 2 || int.len() > 15 {
        return None;
    }
    if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = int.parse().ok()?;
    let mut cents: i64 = if frac.is_empty() { 0 } else { frac.parse().ok()? };
    if frac.len() == 1 {
        cents *= 10;
    }
    let v = whole.checked_mul(100)?.checked_add(cents)?;
    Some(Cents(if neg { -v } else { v }))
}

impl fmt::Display for Cents {
    /// `-1234.56`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", a / 100, a % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_format() {
        assert_eq!(Cents::parse("1234.56"), Some(Cents(123456)));
        assert_eq!(Cents::parse("-0.5"), Some(Cents(-50)));
        assert_eq!(Cents::parse("12"), Some(Cents(1200)));
        assert_eq!(Cents::parse_comma("1234,56"), Some(Cents(123456)));
        for bad in ["", "1.234", "1,5", "abc", "1e5", "-", ".5"] {
            assert_eq!(Cents::parse(bad), None, "{bad}");
        }
        assert_eq!(Cents(-123456).to_string(), "-1234.56");
        assert_eq!(Cents(5).comma(), "0,05");
        assert_eq!(Cents(10000).mul_div_round(19, 100), Cents(1900));
        assert_eq!(Cents(-25).mul_div_round(1, 2), Cents(-13));
    }
}
