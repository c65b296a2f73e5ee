//! Dunning (Mahnwesen) basics: which overdue customer items get which
//! reminder level, the fee of the level, and default interest per § 288
//! BGB on the Basiszinssatz of § 247 BGB (5 percentage points above it for
//! consumers, 9 for businesses), plus the flat fee of 40 € per § 288 Abs. 5
//! BGB between businesses.

use crate::days_between;

/// The Basiszinssatz in basis points from each 1 January / 1 July, as the
/// Deutsche Bundesbank published it (Bundesanzeiger). The last entry
/// applies onward until a new one is added here.
pub const BASE_RATES: &[(&str, i64)] = &[
    ("2015-01-01", -83),
    ("2016-07-01", -88),
    ("2023-01-01", 162),
    ("2023-07-01", 312),
    ("2024-01-01", 362),
    ("2024-07-01", 337),
    ("2025-01-01", 227),
    ("2025-07-01", 127),
    ("2026-01-01", 127),
];

/// The Basiszinssatz on a day (basis points; before the table: its first).
pub fn base_rate(date: &str) -> i64 {
    BASE_RATES
        .iter()
        .rev()
        .find(|(from, _)| *from <= date)
        .or(BASE_RATES.first())
        .map_or(0, |(_, r)| *r)
}

/// One reminder level: from how many days after the due date, its fee.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Level {
    pub level: u8,
    pub days_overdue: i64,
    pub fee_cents: i64,
}

/// kontor's default levels: a friendly reminder after 7 days without fee,
/// the first dunning letter after 21 days (5 €), the last after 35 (10 €).
pub fn default_levels() -> Vec<Level> {
    vec![
        Level {
            level: 1,
            days_overdue: 7,
            fee_cents: 0,
        },
        Level {
            level: 2,
            days_overdue: 21,
            fee_cents: 500,
        },
        Level {
            level: 3,
            days_overdue: 35,
            fee_cents: 1_000,
        },
    ]
}

/// Default interest on `amount` cents from the day after `due` to `until`
/// (inclusive), actual/365, on the base rate of each half-year plus 9
/// (businesses) or 5 (consumers) percentage points; half-cents round up.
pub fn interest(amount: i64, due: &str, until: &str, business: bool) -> i64 {
    let Some(days) = days_between(due, until) else { return 0 };
    if days <= 0 || amount <= 0 {
        return 0;
    }
    let margin = if business { 900 } else { 500 };
    // Sum rate-days per period (the rate changes on 1 January / 1 July).
    let mut total: i128 = 0;
    for d in 1..=days {
        let day = crate::add_days(due, d).unwrap_or_default();
        let rate = (base_rate(&day) + margin).max(0);
        total += i128::from(rate);
    }
    // amount * Σ rate_bp / 10_000 / 365
    let v = (i128::from(amount) * total + 1_825_000) / 3_650_000;
    v as i64
}

/// An overdue customer item as the dunning run sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overdue {
    pub key: String,
    pub partner: String,
    pub reference: String,
    pub open_cents: i64,
    pub due: String,
    /// The level already sent, and when.
    pub last_level: u8,
    pub last_sent: Option<String>,
}

/// What a dunning run proposes for one item.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Notice {
    pub key: String,
    pub partner: String,
    pub reference: String,
    pub open_cents: i64,
    pub due: String,
    pub days_overdue: i64,
    pub level: u8,
    pub fee_cents: i64,
    pub interest_cents: i64,
}

/// The notices due on `today`: the next level an item has reached, at
/// least 7 days after the previous letter (the customer gets time to
/// react); items already at the last level are left to a person.
pub fn propose(items: &[Overdue], levels: &[Level], today: &str, business: bool) -> Vec<Notice> {
    let mut out = Vec::new();
    for it in items {
        let Some(days) = days_between(&it.due, today) else {
            continue;
        };
        if days <= 0 || it.open_cents <= 0 {
            continue;
        }
        let reached = levels
            .iter()
            .filter(|l| days >= l.days_overdue && l.level > it.last_level)
            .min_by_key(|l| l.level);
        let Some(level) = reached else { continue };
        if let Some(last) = &it.last_sent {
            if days_between(last, today).is_some_and(|d| d < 7) {
                continue;
            }
        }
        out.push(Notice {
            key: it.key.clone(),
            partner: it.partner.clone(),
            reference: it.reference.clone(),
            open_cents: it.open_cents,
            due: it.due.clone(),
            days_overdue: days,
            level: level.level,
            fee_cents: level.fee_cents,
            // The friendly first reminder asks for the amount only.
            interest_cents: if level.level > 1 {
                interest(it.open_cents, &it.due, today, business)
            } else {
                0
            },
        });
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn base_rates_by_day() {
        assert_eq!(base_rate("2025-06-30"), 227);
        assert_eq!(base_rate("2025-07-01"), 127);
        assert_eq!(base_rate("2026-11-27"), 127);
    }

    #[test]
    fn interest_per_288_bgb() {
        // 10,000 € for 365 days in 2026 between businesses: 1.27 % + 9 pp
        // = 10.27 % → 1,027.00 €.
        assert_eq!(interest(1_000_000, "2025-12-31", "2026-12-31", true), 102_700);
        // Consumers: 6.27 % → 627.00 €.
        assert_eq!(interest(1_000_000, "2025-12-31", "2026-12-31", false), 62_700);
        // Across the change on 1 July 2025 (2.27 % → 1.27 %), 10 days each side.
        let v = interest(1_000_000, "2025-06-20", "2025-07-10", true);
        assert_eq!(v, (1_000_000i64 * (10 * 1127 + 10 * 1027) + 1_825_000) / 3_650_000);
        assert_eq!(interest(1_000_000, "2026-01-10", "2026-01-10", true), 0);
    }

    #[test]
    fn levels_step_up_with_a_pause() {
        let item = |last_level, last_sent: Option<&str>| Overdue {
            key: "10001/RE-1".into(),
            partner: "p".into(),
            reference: "RE-1".into(),
            open_cents: 11_900,
            due: "2026-10-01".into(),
            last_level,
            last_sent: last_sent.map(str::to_string),
        };
        let l = default_levels();
        assert!(propose(&[item(0, None)], &l, "2026-10-05", true).is_empty());
        let n = propose(&[item(0, None)], &l, "2026-10-10", true);
        assert_eq!((n[0].level, n[0].fee_cents, n[0].interest_cents), (1, 0, 0));
        let n = propose(&[item(1, Some("2026-10-10"))], &l, "2026-10-23", true);
        assert_eq!((n[0].level, n[0].fee_cents), (2, 500));
        assert!(n[0].interest_cents > 0);
        assert!(propose(&[item(1, Some("2026-10-20"))], &l, "2026-10-23", true).is_empty());
        assert!(propose(&[item(3, Some("2026-10-20"))], &l, "2026-12-23", true).is_empty());
    }
}
