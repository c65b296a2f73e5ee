//! Job kinds and how they run. The queue itself lives in the store (durable,
//! shared by every kontor instance); this module decides what a job does and
//! how long to wait before retrying a failed one.

use kontor_core::Timestamp;

/// Deletes expired sessions. Kept scheduled by the workers.
pub const KIND_SESSIONS_PURGE: &str = "sessions.purge";
/// Does nothing but leave its run in the job history: lets an administrator
/// see that workers pick up work (`kontor admin jobs probe`).
pub const KIND_DIAGNOSTICS_PROBE: &str = "diagnostics.probe";

pub use crate::mail_intake::KIND_MAIL_POLL;
pub use crate::pipeline::KIND_DOCUMENT_PROCESS;
pub use crate::workflow::{KIND_WORKFLOW_RUN, KIND_WORKFLOW_TIMERS};

pub const KNOWN_KINDS: [&str; 6] = [
    KIND_SESSIONS_PURGE,
    KIND_DIAGNOSTICS_PROBE,
    KIND_DOCUMENT_PROCESS,
    KIND_MAIL_POLL,
    KIND_WORKFLOW_RUN,
    KIND_WORKFLOW_TIMERS,
];

/// How often the session purge runs (milliseconds).
pub const SESSIONS_PURGE_INTERVAL_MS: i64 = 15 * 60 * 1000;

/// Exponential backoff: 5 s after the first failure, doubling, at most 1 h.
pub fn retry_at(now: Timestamp, attempts_so_far: i64) -> Timestamp {
    let exp = attempts_so_far.clamp(0, 20) as u32;
    let delay_ms = 5_000i64.saturating_mul(1i64 << exp.min(20)).min(3_600_000);
    now.plus_millis(delay_ms)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let t0 = Timestamp::from_millis(0);
        assert_eq!(retry_at(t0, 0).millis(), 5_000);
        assert_eq!(retry_at(t0, 1).millis(), 10_000);
        assert_eq!(retry_at(t0, 3).millis(), 40_000);
        assert_eq!(retry_at(t0, 19).millis(), 3_600_000);
    }
}
