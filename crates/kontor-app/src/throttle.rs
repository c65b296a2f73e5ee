//! Sign-in throttling: per account and per client address. From the fifth
//! failure of an account on, each failure locks it for 30 s, doubling with
//! every further failure, at most one hour. A client address gets the same
//! treatment from its twentieth failure on: an office behind one NAT address
//! must not be locked out because one person mistypes, while a guesser trying
//! many accounts from one address is still slowed down. Failures are
//! forgotten a day after the last one, and a successful sign-in clears the
//! account's count. Counts live in the database, so every instance sees them.

use kontor_core::Timestamp;

use crate::records::ThrottleRecord;

/// Failures an account may have before it is locked (the 5th locks).
pub const FAILURES_FREE_ACCOUNT: i64 = 4;
/// Failures a client address may have before it is locked (the 20th locks).
pub const FAILURES_FREE_ADDRESS: i64 = 19;
pub const LOCK_BASE_SECS: i64 = 30;
pub const LOCK_MAX_SECS: i64 = 3600;
pub const MEMORY_SECS: i64 = 24 * 3600;

pub fn account_key(username: &str) -> String {
    format!(
        "user:{}",
        username.trim().to_lowercase().chars().take(64).collect::<String>()
    )
}

pub fn address_key(addr: &str) -> String {
    format!("addr:{addr}")
}

/// The state after one more failure under `key`.
pub fn after_failure(prev: Option<&ThrottleRecord>, key: &str, now: Timestamp) -> ThrottleRecord {
    let failures = match prev {
        Some(p) if now.millis() - p.last_failure_at.millis() < MEMORY_SECS * 1000 => p.failures + 1,
        _ => 1,
    };
    let free = if key.starts_with("addr:") {
        FAILURES_FREE_ADDRESS
    } else {
        FAILURES_FREE_ACCOUNT
    };
    let locked_until = if failures > free {
        let exp = (failures - free - 1).clamp(0, 20) as u32;
        now.plus_secs(LOCK_BASE_SECS.saturating_mul(1i64 << exp).min(LOCK_MAX_SECS))
    } else {
        now
    };
    ThrottleRecord {
        key: key.to_string(),
        failures,
        locked_until,
        last_failure_at: now,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_then_exponential_locks() {
        let mut t = None;
        let mut locks = Vec::new();
        for i in 0..9 {
            let now = Timestamp::from_millis(i * 1000);
            let next = after_failure(t.as_ref(), "user:x", now);
            locks.push((next.locked_until.millis() - now.millis()) / 1000);
            t = Some(next);
        }
        assert_eq!(locks, vec![0, 0, 0, 0, 30, 60, 120, 240, 480]);
    }

    #[test]
    fn addresses_get_more_room_than_accounts() {
        let mut t = None;
        for i in 0..19 {
            let next = after_failure(t.as_ref(), "addr:192.0.2.1", Timestamp::from_millis(i));
            assert_eq!(
                next.locked_until.millis(),
                i,
                "failure {} does not lock the address",
                i + 1
            );
            t = Some(next);
        }
        let twentieth = after_failure(t.as_ref(), "addr:192.0.2.1", Timestamp::from_millis(100));
        assert_eq!(twentieth.locked_until.millis(), 100 + 30_000);
    }

    #[test]
    fn failures_are_forgotten_after_a_day() {
        let old = after_failure(None, "user:x", Timestamp::from_millis(0));
        let later = after_failure(Some(&old), "user:x", Timestamp::from_millis(MEMORY_SECS * 1000 + 1));
        assert_eq!(later.failures, 1);
    }

    #[test]
    fn locks_are_capped_at_an_hour() {
        let t = ThrottleRecord {
            key: "k".into(),
            failures: 40,
            locked_until: Timestamp::from_millis(0),
            last_failure_at: Timestamp::from_millis(0),
        };
        let n = after_failure(Some(&t), "k", Timestamp::from_millis(1));
        assert_eq!(n.locked_until.millis() - 1, LOCK_MAX_SECS * 1000);
    }
}
