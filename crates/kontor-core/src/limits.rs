//! Every limit on input from outside, in one place.

/// Largest page a list endpoint returns.
pub const PAGE_SIZE_MAX: u32 = 200;
/// Page size when the client names none.
pub const PAGE_SIZE_DEFAULT: u32 = 50;
/// Largest request body the HTTP adapter accepts (bytes).
pub const REQUEST_BODY_MAX: usize = 2 * 1024 * 1024;
/// Longest free text field (characters).
pub const TEXT_FIELD_MAX: usize = 500;
/// Longest password accepted (bytes), so hashing cannot be abused.
pub const PASSWORD_LEN_MAX: usize = 1024;
/// Shortest password accepted (characters).
pub const PASSWORD_LEN_MIN: usize = 12;
/// Attempts before a failing job becomes dead.
pub const JOB_ATTEMPTS_MAX: i64 = 8;
/// Jobs one probe command may enqueue.
pub const JOB_PROBE_COUNT_MAX: u32 = 10_000;
