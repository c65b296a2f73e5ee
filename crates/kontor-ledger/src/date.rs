//! Calendar dates as a day number, cheap to compare and store.

use std::fmt;

/// A proleptic Gregorian date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Days since 1970-01-01.
    days: i32,
}

fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy as i32;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i32) -> (i32, u32, u32) {
    // i64 inside: no day number can overflow the arithmetic.
    let z = i64::from(z) + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = if m <= 2 { y + 1 } else { y };
    (
        i32::try_from(y).unwrap_or(if y < 0 { i32::MIN } else { i32::MAX }),
        m,
        d,
    )
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

impl Date {
    pub fn new(y: i32, m: u32, d: u32) -> Option<Date> {
        ((1900..=2200).contains(&y) && (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)).then(|| Date {
            days: days_from_civil(y, m, d),
        })
    }

    /// `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> { s.get(r)?.parse().ok() };
        Date::new(i32::try_from(num(0..4)?).ok()?, num(5..7)?, num(8..10)?)
    }

    pub fn ymd(self) -> (i32, u32, u32) {
        civil_from_days(self.days)
    }

    pub fn year(self) -> i32 {
        self.ymd().0
    }

    /// `yyyymm` as a number, e.g. 202603 (0 before year 0).
    pub fn year_month(self) -> u32 {
        let (y, m, _) = self.ymd();
        u32::try_from(y).map_or(0, |y| y.saturating_mul(100).saturating_add(m))
    }

    pub fn days(self) -> i32 {
        self.days
    }

    pub fn from_days(days: i32) -> Date {
        Date { days }
    }

    /// DATEV Belegdatum `TTMM`.
    pub fn ddmm(self) -> String {
        let (_, m, d) = self.ymd();
        format!("{d:02}{m:02}")
    }

    /// As German readers write it: `TT.MM.JJJJ`.
    pub fn german(self) -> String {
        let (y, m, d) = self.ymd();
        format!("{d:02}.{m:02}.{y:04}")
    }

    /// DATEV `YYYYMMDD`.
    pub fn yyyymmdd(self) -> String {
        let (y, m, d) = self.ymd();
        format!("{y:04}{m:02}{d:02}")
    }
}

/// A month `2026-03` or a quarter `2026-Q1` as periods `yyyymm..=yyyymm`:
/// (202603, 202603) or (202601, 202603).
pub fn parse_period(s: &str) -> Option<(u32, u32)> {
    let (y, rest) = s.trim().split_once('-')?;
    let y: u32 = y.parse().ok().filter(|y| (1900..=2200).contains(y))?;
    if let Some(q) = rest.strip_prefix('Q').or_else(|| rest.strip_prefix('q')) {
        let q: u32 = q.parse().ok().filter(|q| (1..=4).contains(q))?;
        return Some((y * 100 + q * 3 - 2, y * 100 + q * 3));
    }
    let m: u32 = rest.parse().ok().filter(|m| (1..=12).contains(m))?;
    Some((y * 100 + m, y * 100 + m))
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_impossible_dates() {
        for s in ["1970-01-01", "2024-02-29", "2026-12-31", "2000-03-01", "1900-01-01"] {
            assert_eq!(Date::parse(s).map(|d| d.to_string()).as_deref(), Some(s));
        }
        for s in [
            "2026-02-29",
            "2026-13-01",
            "2026-04-31",
            "26-01-01",
            "2026-1-01",
            "abcd-ef-gh",
        ] {
            assert_eq!(Date::parse(s), None, "{s}");
        }
        assert_eq!(Date::parse("1970-01-02").map(Date::days), Some(1));
        let d = Date::parse("2026-03-07");
        assert_eq!(d.map(Date::ddmm).as_deref(), Some("0703"));
        assert_eq!(d.map(Date::year_month), Some(202603));
        assert!(Date::parse("2026-03-07") < Date::parse("2026-03-08"));
        assert_eq!(parse_period("2026-03"), Some((202603, 202603)));
        assert_eq!(parse_period("2026-Q4"), Some((202610, 202612)));
        for bad in ["2026-13", "2026-Q5", "26-01", "2026", "2026-00"] {
            assert_eq!(parse_period(bad), None, "{bad}");
        }
        // Any day number is safe to look at.
        for days in [i32::MIN, i32::MIN / 2, -1, i32::MAX / 2, i32::MAX] {
            let _ = Date::from_days(days).ymd();
            let _ = Date::from_days(days).year_month();
        }
    }
}
