//! Accounting periods. External partners (tax advisor, auditor) get access to
//! a range of months; every period-bound record (postings, documents, audit
//! entries) is checked against it.

use std::fmt;

use crate::text::ParseError;
use crate::Timestamp;

/// A calendar month, e.g. 2026-03.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct YearMonth {
    year: u16,
    month: u8,
}

impl YearMonth {
    pub fn new(year: u16, month: u8) -> Option<Self> {
        ((1900..=2200).contains(&year) && (1..=12).contains(&month)).then_some(Self { year, month })
    }

    pub fn year(self) -> u16 {
        self.year
    }

    pub fn month(self) -> u8 {
        self.month
    }

    /// Parses `2026-03` (also `2026-3` and `03/2026`).
    pub fn parse(s: &str) -> Option<Self> {
        let t = s.trim();
        let (y, m) = if let Some((m, y)) = t.split_once('/') {
            (y, m)
        } else {
            t.split_once('-')?
        };
        let (y, m) = (y.trim().parse::<u16>().ok()?, m.trim().parse::<u8>().ok()?);
        if y < 1000 {
            return None;
        }
        Self::new(y, m)
    }

    /// The month (UTC) a point in time falls into.
    pub fn of(ts: Timestamp) -> Self {
        let days = ts.millis().div_euclid(86_400_000);
        let (y, m, _) = civil_from_days(days);
        Self {
            year: u16::try_from(y.clamp(1900, 2200)).unwrap_or(1900),
            month: m,
        }
    }

    /// The month a `YYYY-MM-DD` date falls into.
    pub fn of_date(date: &str) -> Option<Self> {
        Self::parse(date.get(..7)?)
    }

    /// First instant of the month (UTC).
    pub fn start(self) -> Timestamp {
        Timestamp::from_millis(days_from_civil(i64::from(self.year), self.month, 1) * 86_400_000)
    }

    /// First instant of the following month (UTC).
    pub fn end_exclusive(self) -> Timestamp {
        let (y, m) = if self.month == 12 {
            (self.year + 1, 1)
        } else {
            (self.year, self.month + 1)
        };
        Timestamp::from_millis(days_from_civil(i64::from(y), m, 1) * 86_400_000)
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// An inclusive range of months.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Period {
    pub from: YearMonth,
    pub to: YearMonth,
}

impl Period {
    /// Parses `2026-01..2026-12` or a single month or year (`2026`).
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let t = s.trim();
        let err = || {
            ParseError::new(
                "periods",
                format!("'{t}' is not a period: write 2026 or 2026-01..2026-12 (first..last month)."),
                format!("'{t}' ist kein Zeitraum: schreiben Sie 2026 oder 2026-01..2026-12 (erster..letzter Monat)."),
            )
        };
        let parsed = if let Some((a, b)) = t.split_once("..") {
            YearMonth::parse(a).zip(YearMonth::parse(b))
        } else if t.len() == 4 {
            let y = t.parse::<u16>().ok();
            y.and_then(|y| YearMonth::new(y, 1).zip(YearMonth::new(y, 12)))
        } else {
            YearMonth::parse(t).map(|m| (m, m))
        };
        let (from, to) = parsed.ok_or_else(err)?;
        if from > to {
            return Err(ParseError::new(
                "periods",
                format!("The period {t} ends before it starts."),
                format!("Der Zeitraum {t} endet, bevor er beginnt."),
            ));
        }
        Ok(Self { from, to })
    }

    pub fn contains(&self, month: YearMonth) -> bool {
        self.from <= month && month <= self.to
    }

    /// Whether a point in time lies within the period (UTC months).
    pub fn contains_time(&self, ts: Timestamp) -> bool {
        self.contains(YearMonth::of(ts))
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.from == self.to {
            write!(f, "{}", self.from)
        } else {
            write!(f, "{}..{}", self.from, self.to)
        }
    }
}

// Howard Hinnant's civil-date algorithms (proleptic Gregorian calendar).
fn civil_from_days(z: i64) -> (i64, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_from_civil(y: i64, m: u8, d: u8) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Milliseconds of `YYYY-MM-DD` 00:00 UTC, for dates typed by people.
pub fn date_start(date: &str) -> Option<Timestamp> {
    let t = date.trim();
    if t.len() != 10 || t.as_bytes()[4] != b'-' || t.as_bytes()[7] != b'-' {
        return None;
    }
    let ym = YearMonth::parse(&t[..7])?;
    let d = t[8..].parse::<u8>().ok().filter(|d| (1..=31).contains(d))?;
    let days = days_from_civil(i64::from(ym.year), ym.month, d);
    // Reject 2026-02-30 and the like.
    let (_, m2, d2) = civil_from_days(days);
    (m2 == ym.month && d2 == d).then(|| Timestamp::from_millis(days * 86_400_000))
}

/// `YYYY-MM-DD` of a point in time (UTC).
pub fn date_of(ts: Timestamp) -> String {
    let (y, m, d) = civil_from_days(ts.millis().div_euclid(86_400_000));
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn months_and_periods_parse_and_print() {
        assert_eq!(YearMonth::parse("2026-03").unwrap().to_string(), "2026-03");
        assert_eq!(YearMonth::parse("3/2026").unwrap().to_string(), "2026-03");
        assert!(YearMonth::parse("2026-13").is_none());
        let p = Period::parse("2026").unwrap();
        assert_eq!(p.to_string(), "2026-01..2026-12");
        assert!(p.contains(YearMonth::parse("2026-07").unwrap()));
        assert!(!p.contains(YearMonth::parse("2025-12").unwrap()));
        assert!(Period::parse("2026-05..2026-01").is_err());
        assert!(Period::parse("irgendwann").is_err());
    }

    #[test]
    fn dates_round_trip_through_timestamps() {
        for d in ["1970-01-01", "2024-02-29", "2026-12-31", "2000-03-01"] {
            assert_eq!(date_of(date_start(d).unwrap()), d);
        }
        assert!(date_start("2026-02-30").is_none());
        let m = YearMonth::parse("2026-12").unwrap();
        assert_eq!(date_of(m.start()), "2026-12-01");
        assert_eq!(date_of(m.end_exclusive()), "2027-01-01");
        assert_eq!(YearMonth::of(date_start("2026-11-27").unwrap()).to_string(), "2026-11");
    }
}
