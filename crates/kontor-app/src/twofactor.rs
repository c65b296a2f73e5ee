//! Two-factor sign-in with time-based one-time passwords (RFC 6238: SHA-1,
//! 6 digits, 30-second steps, one step of clock skew either way) and
//! one-time recovery codes. A code is accepted once: the step it belongs to
//! is recorded and older or equal steps are refused afterwards.

use kontor_core::Timestamp;
use totp_rs::{Algorithm, Secret, TOTP};

use crate::error::{AppError, AppResult};
use crate::ports::Random;
use crate::security;

pub const STEP_SECS: u64 = 30;
pub const RECOVERY_CODES: usize = 10;
const ISSUER: &str = "kontor";

fn totp(secret_b32: &str, account: &str) -> AppResult<TOTP> {
    let bytes = Secret::Encoded(secret_b32.to_string())
        .to_bytes()
        .map_err(|e| AppError::Internal(format!("stored TOTP secret is not base32: {e:?}")))?;
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        STEP_SECS,
        bytes,
        Some(ISSUER.into()),
        account.to_string(),
    )
    .map_err(|e| AppError::Internal(format!("TOTP parameters: {e}")))
}

/// A new random secret (160 bits), base32.
pub fn new_secret(random: &dyn Random) -> String {
    let mut buf = [0u8; 20];
    random.fill(&mut buf);
    Secret::Raw(buf.to_vec()).to_encoded().to_string()
}

/// The `otpauth://` URI an authenticator app imports.
pub fn otpauth_url(secret_b32: &str, account: &str) -> AppResult<String> {
    Ok(totp(secret_b32, account)?.get_url())
}

/// The step a code matched at `now`, if it is valid (±1 step).
pub fn matching_step(secret_b32: &str, account: &str, code: &str, now: Timestamp) -> AppResult<Option<i64>> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Ok(None);
    }
    let t = totp(secret_b32, account)?;
    let secs = u64::try_from(now.millis().max(0) / 1000).unwrap_or(0);
    for offset in [0i64, -1, 1] {
        let at = secs.saturating_add_signed(offset * STEP_SECS as i64);
        if security::constant_time_eq(&t.generate(at), &code) {
            return Ok(Some(i64::try_from(at / STEP_SECS).unwrap_or(0)));
        }
    }
    Ok(None)
}

/// The code for `now` (tests and the enrolment check).
pub fn code_at(secret_b32: &str, now: Timestamp) -> AppResult<String> {
    let secs = u64::try_from(now.millis().max(0) / 1000).unwrap_or(0);
    Ok(totp(secret_b32, "x")?.generate(secs))
}

/// Fresh recovery codes (`xxxxx-xxxxx`), to show once; only hashes are kept.
pub fn new_recovery_codes(random: &dyn Random) -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let p = security::generate_password(random).to_lowercase();
            format!("{}-{}", &p[..5], &p[5..10])
        })
        .collect()
}

/// The normalised hash a recovery code is stored under.
pub fn recovery_hash(code: &str) -> String {
    let norm: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    security::sha256_hex(&norm)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 column (8 digits there; the last 6 here).
    #[test]
    fn rfc_6238_test_vectors() {
        let secret = Secret::Raw(b"12345678901234567890".to_vec()).to_encoded().to_string();
        for (t, code8) in [
            (59i64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
        ] {
            assert_eq!(
                code_at(&secret, Timestamp::from_millis(t * 1000)).unwrap(),
                &code8[2..],
                "t = {t}"
            );
        }
    }

    #[test]
    fn codes_match_with_one_step_of_skew_only() {
        let secret = new_secret(&security::OsRandom);
        let now = Timestamp::from_millis(1_800_000_000_000);
        let code = code_at(&secret, now).unwrap();
        assert!(matching_step(&secret, "a", &code, now).unwrap().is_some());
        assert!(matching_step(&secret, "a", &code, now.plus_secs(30)).unwrap().is_some());
        assert!(matching_step(&secret, "a", &code, now.plus_secs(95)).unwrap().is_none());
        assert!(matching_step(&secret, "a", "12345", now).unwrap().is_none());
    }

    #[test]
    fn recovery_codes_normalise() {
        assert_eq!(recovery_hash("ABCDE-fghij"), recovery_hash("abcde fghij"));
        assert_eq!(new_recovery_codes(&security::OsRandom).len(), RECOVERY_CODES);
    }
}
