//! Password hashing and secret tokens.
//!
//! Passwords are hashed with argon2id, memory 19 MiB, 2 iterations, 1 lane
//! (the OWASP baseline), in PHC string format so parameters can be raised
//! later without invalidating stored hashes. Session and CSRF tokens are 32
//! random bytes; only their SHA-256 is stored.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use kontor_core::limits::{PASSWORD_LEN_MAX, PASSWORD_LEN_MIN};
use kontor_core::ParseError;
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult};
use crate::ports::Random;

pub const ARGON2_MEMORY_KIB: u32 = 19 * 1024;
pub const ARGON2_ITERATIONS: u32 = 2;
pub const ARGON2_LANES: u32 = 1;

fn argon2() -> AppResult<Argon2<'static>> {
    let params = Params::new(ARGON2_MEMORY_KIB, ARGON2_ITERATIONS, ARGON2_LANES, None)
        .map_err(|e| AppError::Internal(format!("argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Checks the password policy: at least 12 characters, at most 1024 bytes.
pub fn check_password_policy(password: &str) -> Result<(), ParseError> {
    if password.chars().count() < PASSWORD_LEN_MIN {
        return Err(ParseError::new(
            "password",
            format!("Password must be at least {PASSWORD_LEN_MIN} characters long."),
            format!("Das Passwort muss mindestens {PASSWORD_LEN_MIN} Zeichen lang sein."),
        ));
    }
    if password.len() > PASSWORD_LEN_MAX {
        return Err(ParseError::new(
            "password",
            format!("Password must be at most {PASSWORD_LEN_MAX} bytes long."),
            format!("Das Passwort darf höchstens {PASSWORD_LEN_MAX} Bytes lang sein."),
        ));
    }
    Ok(())
}

pub fn hash_password(password: &str, random: &dyn Random) -> AppResult<String> {
    let mut salt = [0u8; 16];
    random.fill(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| AppError::Internal(format!("salt: {e}")))?;
    argon2()?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("hashing: {e}")))
}

/// Verifies a password against a stored PHC hash. A malformed stored hash
/// counts as a mismatch (and is logged), never as success.
pub fn verify_password(password: &str, stored: &str) -> bool {
    if password.len() > PASSWORD_LEN_MAX {
        return false;
    }
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(e) => {
            tracing::warn!(error = %e, "stored password hash is malformed");
            false
        }
    }
}

/// A hash to verify against when the user does not exist, so that response
/// time does not reveal which usernames exist.
pub const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$a29udG9yLWR1bW15LXNhbHQ$2hK3ryOYnAQ1oCgbWBvTJm5q4Ocv8qYJ9LRuSflcSrI";

/// A random URL-safe token of 32 bytes.
pub fn new_token(random: &dyn Random) -> String {
    let mut buf = [0u8; 32];
    random.fill(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// A random password of 20 characters from an alphabet without look-alikes.
pub fn generate_password(random: &dyn Random) -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut buf = [0u8; 20];
    random.fill(&mut buf);
    buf.iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Compares two secrets in constant time.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Randomness from the operating system.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRandom;

impl Random for OsRandom {
    fn fill(&self, buf: &mut [u8]) {
        use rand::RngCore;
        rand::rngs::OsRng.fill_bytes(buf);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let h = hash_password("correct horse battery", &OsRandom).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterz", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn dummy_hash_is_well_formed() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }

    #[test]
    fn policy_rejects_short_passwords() {
        assert!(check_password_policy("short").is_err());
        assert!(check_password_policy("twelve chars").is_ok());
    }
}
