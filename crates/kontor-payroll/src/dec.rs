//! Decimal numbers with the value semantics of Java's `BigDecimal` as the
//! BMF Programmablaufplan uses it: exact addition, subtraction and
//! multiplication, exact division (`divide(x)`), division to a scale with an
//! explicit rounding mode (`divide(x, scale, mode)`), `setScale(scale, mode)`,
//! `compareTo` and `longValue`.
//!
//! Only values matter to the PAP's results (it never prints a number or
//! compares with `equals`), so a [`Dec`] may drop trailing zeros that Java
//! would keep; every value is exact. The mantissa is an `i128`; inputs are
//! bounded by the payroll input validation (money below 10^13 cent), which
//! keeps every intermediate value far below its range.

use std::cmp::Ordering;

/// `BigDecimal.ROUND_DOWN` (towards zero), `BigDecimal.ROUND_UP` (away
/// from zero), and commercial rounding `ROUND_HALF_UP` (social insurance).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Round {
    Down,
    Up,
    HalfUp,
}

/// A decimal `m / 10^s`.
#[derive(Clone, Copy, Debug)]
pub struct Dec {
    m: i128,
    s: u32,
}

const POW10: [i128; 39] = {
    let mut t = [1i128; 39];
    let mut i = 1;
    while i < 39 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

fn pow10(n: u32) -> i128 {
    POW10[n as usize]
}

/// Scales above this are reduced (by dropping trailing zeros) after a
/// multiplication, so that chains of multiplications stay small.
const TIDY_SCALE: u32 = 12;

impl Dec {
    pub const ZERO: Dec = Dec { m: 0, s: 0 };
    pub const ONE: Dec = Dec { m: 1, s: 0 };
    pub const TEN: Dec = Dec { m: 10, s: 0 };

    /// `m / 10^s`, for literals of the PAP (`BigDecimal.valueOf(0.013)` is `lit(13, 3)`).
    pub const fn lit(m: i128, s: u32) -> Dec {
        Dec { m, s }
    }

    /// `BigDecimal.valueOf(long)`.
    pub const fn from_i64(v: i64) -> Dec {
        Dec { m: v as i128, s: 0 }
    }

    /// Parses a plain decimal (`"2.90"`, `"-1"`, `"0.5"`); no exponent.
    pub fn parse(text: &str) -> Option<Dec> {
        let t = text.trim();
        let (neg, digits) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t.strip_prefix('+').unwrap_or(t)),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if (int.is_empty() && frac.is_empty()) || int.len() + frac.len() > 30 {
            return None;
        }
        if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut m: i128 = 0;
        for b in int.bytes().chain(frac.bytes()) {
            m = m * 10 + i128::from(b - b'0');
        }
        Some(Dec {
            m: if neg { -m } else { m },
            s: frac.len() as u32,
        })
    }

    /// The mantissa and scale (value = mantissa / 10^scale).
    pub fn parts(self) -> (i128, u32) {
        (self.m, self.s)
    }

    pub fn is_zero(self) -> bool {
        self.m == 0
    }

    pub fn signum(self) -> i32 {
        self.m.signum() as i32
    }

    /// Both mantissas at the larger scale.
    fn align(self, o: Dec) -> (i128, i128, u32) {
        match self.s.cmp(&o.s) {
            Ordering::Equal => (self.m, o.m, self.s),
            Ordering::Less => (self.m * pow10(o.s - self.s), o.m, o.s),
            Ordering::Greater => (self.m, o.m * pow10(self.s - o.s), self.s),
        }
    }

    /// `add(o)`. The methods keep `BigDecimal`'s names so that the generated
    /// PAP code reads like the PAP.
    #[allow(clippy::should_implement_trait)]
    pub fn add(self, o: Dec) -> Dec {
        let (a, b, s) = self.align(o);
        Dec { m: a + b, s }
    }

    pub fn subtract(self, o: Dec) -> Dec {
        let (a, b, s) = self.align(o);
        Dec { m: a - b, s }
    }

    pub fn multiply(self, o: Dec) -> Dec {
        Dec {
            m: self.m * o.m,
            s: self.s + o.s,
        }
        .tidy()
    }

    /// Drops trailing zeros while the scale is large (the value is unchanged).
    fn tidy(mut self) -> Dec {
        while self.s > TIDY_SCALE && self.m % 10 == 0 {
            self.m /= 10;
            self.s -= 1;
        }
        self
    }

    /// `divide(o)`: the exact quotient. The PAP only divides where the
    /// quotient terminates; should it not, the result is rounded towards
    /// zero at 20 decimals (where Java would throw).
    pub fn divide(self, o: Dec) -> Dec {
        if o.m == 0 {
            return Dec::ZERO;
        }
        for k in 0..=20 {
            let (n, d) = self.fraction(o, k);
            if n % d == 0 {
                return Dec { m: n / d, s: k };
            }
        }
        self.divide_round(o, 20, Round::Down)
    }

    /// Numerator and denominator of `self / o * 10^k` as integers.
    fn fraction(self, o: Dec, k: u32) -> (i128, i128) {
        // self / o = (self.m / 10^self.s) / (o.m / 10^o.s)
        //          = self.m * 10^o.s / (o.m * 10^self.s)
        let up = o.s + k;
        if up >= self.s {
            (self.m * pow10(up - self.s), o.m)
        } else {
            (self.m, o.m * pow10(self.s - up))
        }
    }

    /// `divide(o, scale, mode)`.
    pub fn divide_round(self, o: Dec, scale: u32, mode: Round) -> Dec {
        if o.m == 0 {
            return Dec::ZERO;
        }
        let (n, d) = self.fraction(o, scale);
        Dec {
            m: div_rounded(n, d, mode),
            s: scale,
        }
    }

    /// `setScale(scale, mode)`.
    pub fn set_scale(self, scale: u32, mode: Round) -> Dec {
        if scale >= self.s {
            Dec {
                m: self.m * pow10(scale - self.s),
                s: scale,
            }
        } else {
            Dec {
                m: div_rounded(self.m, pow10(self.s - scale), mode),
                s: scale,
            }
        }
    }

    /// `compareTo(o)`: -1, 0 or 1.
    pub fn compare_to(self, o: Dec) -> i32 {
        match self.cmp(&o) {
            Ordering::Less => -1,
            Ordering::Equal => 0,
            Ordering::Greater => 1,
        }
    }

    /// `longValue()`: the integer part (towards zero).
    pub fn long_value(self) -> i64 {
        (self.m / pow10(self.s)) as i64
    }

    /// The value in whole units (towards zero), e.g. cent of a cent value.
    pub fn to_i64(self) -> i64 {
        self.long_value()
    }
}

/// `n / d` rounded towards zero (`Down`) or away from zero (`Up`); a fast
/// path for operands that fit 64 bits (nearly all).
fn div_rounded(n: i128, d: i128, mode: Round) -> i128 {
    let (q, r) = match (i64::try_from(n), i64::try_from(d)) {
        (Ok(n64), Ok(d64)) if d64 != -1 => (i128::from(n64 / d64), i128::from(n64 % d64)),
        _ => (n / d, n % d),
    };
    match mode {
        Round::Down => q,
        Round::Up if r == 0 => q,
        Round::Up => q + if (n < 0) == (d < 0) { 1 } else { -1 },
        Round::HalfUp if 2 * r.abs() >= d.abs() && r != 0 => q + if (n < 0) == (d < 0) { 1 } else { -1 },
        Round::HalfUp => q,
    }
}

impl Dec {
    /// Rounded half up to cents (social-insurance amounts).
    pub fn cents(self) -> Dec {
        self.set_scale(2, Round::HalfUp)
    }

    /// `self × percent / 100`, exact.
    pub fn percent(self, percent: Dec) -> Dec {
        self.multiply(percent).divide(Dec::lit(100, 0))
    }

    pub fn min(self, o: Dec) -> Dec {
        if self <= o {
            self
        } else {
            o
        }
    }

    pub fn max(self, o: Dec) -> Dec {
        if self >= o {
            self
        } else {
            o
        }
    }

    /// Euro to whole cent (towards zero).
    pub fn to_cent(self) -> i64 {
        self.multiply(Dec::lit(100, 0)).long_value()
    }

    /// Whole cent to euro.
    pub fn from_cent(c: i64) -> Dec {
        Dec::lit(i128::from(c), 2)
    }
}

impl Default for Dec {
    fn default() -> Dec {
        Dec::ZERO
    }
}

impl serde::Serialize for Dec {
    /// As a decimal string (`"1234.56"`), never a binary float.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl PartialEq for Dec {
    fn eq(&self, o: &Dec) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}

impl Eq for Dec {}

impl PartialOrd for Dec {
    fn partial_cmp(&self, o: &Dec) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl Ord for Dec {
    fn cmp(&self, o: &Dec) -> Ordering {
        let (a, b, _) = self.align(*o);
        a.cmp(&b)
    }
}

impl std::fmt::Display for Dec {
    /// The plain decimal with its scale, e.g. `12.50`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let neg = self.m < 0;
        let digits = self.m.unsigned_abs().to_string();
        let s = self.s as usize;
        let (int, frac) = if digits.len() > s {
            (
                digits[..digits.len() - s].to_string(),
                digits[digits.len() - s..].to_string(),
            )
        } else {
            ("0".to_string(), format!("{}{digits}", "0".repeat(s - digits.len())))
        };
        if neg {
            f.write_str("-")?;
        }
        f.write_str(&int)?;
        if s > 0 {
            write!(f, ".{frac}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(s: &str) -> Dec {
        Dec::parse(s).unwrap()
    }

    #[test]
    fn arithmetic_is_exact() {
        assert_eq!(d("0.1").add(d("0.2")), d("0.3"));
        assert_eq!(d("2.90").divide(d("2")).divide(d("100")), d("0.0145"));
        assert_eq!(d("1.5").multiply(d("0.013")).to_string(), "0.0195");
        assert_eq!(d("-3").subtract(d("0.25")), d("-3.25"));
    }

    #[test]
    fn rounding_modes_follow_java() {
        assert_eq!(d("10").divide_round(d("3"), 2, Round::Down), d("3.33"));
        assert_eq!(d("10").divide_round(d("3"), 2, Round::Up), d("3.34"));
        assert_eq!(d("-10").divide_round(d("3"), 2, Round::Down), d("-3.33"));
        assert_eq!(d("-10").divide_round(d("3"), 2, Round::Up), d("-3.34"));
        assert_eq!(d("12.345").set_scale(2, Round::Up), d("12.35"));
        assert_eq!(d("12.340").set_scale(2, Round::Up), d("12.34"));
        assert_eq!(d("12.349").set_scale(0, Round::Down), d("12"));
        assert_eq!(d("-0.5").set_scale(0, Round::Up), d("-1"));
        assert_eq!(d("7").set_scale(2, Round::Down).to_string(), "7.00");
        assert_eq!(d("19.4985").cents(), d("19.50"));
        assert_eq!(d("19.4949").cents(), d("19.49"));
        assert_eq!(d("-0.005").cents(), d("-0.01"));
        assert_eq!(d("-0.0049").cents(), d("0.00"));
    }

    #[test]
    fn comparison_ignores_scale() {
        assert_eq!(d("1.50").compare_to(d("1.5")), 0);
        assert_eq!(d("1.49").compare_to(d("1.5")), -1);
        assert_eq!(d("-0.01").compare_to(Dec::ZERO), -1);
        assert_eq!(d("123.99").long_value(), 123);
        assert_eq!(d("-123.99").long_value(), -123);
    }

    #[test]
    fn parsing_refuses_what_is_not_a_plain_decimal() {
        for bad in ["", ".", "1e5", "abc", "1.2.3", "--1", "0x10"] {
            assert!(Dec::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(Dec::parse(".5"), Some(d("0.5")));
    }
}
