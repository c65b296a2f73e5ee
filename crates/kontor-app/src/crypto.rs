//! Encryption at rest for sensitive HR fields: XChaCha20-Poly1305 (AEAD,
//! random 192-bit nonces) with the installation's master key. Each sealed
//! value names the key it was sealed with (`v1:<key id>:<base64>`), so keys
//! can be rotated. A wrong key fails loudly; it never yields garbage.

use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use crate::error::{AppError, AppResult};
use crate::ports::Random;

pub struct FieldCipher {
    /// (key id, cipher); the first is used for sealing.
    keys: Vec<(String, XChaCha20Poly1305)>,
}

impl std::fmt::Debug for FieldCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FieldCipher").field("key_ids", &self.key_ids()).finish()
    }
}

impl FieldCipher {
    /// `keys[0]` seals; all open. Key ids are short names without `:`.
    pub fn new(keys: Vec<(String, [u8; 32])>) -> AppResult<Self> {
        if keys.is_empty() || keys.iter().any(|(id, _)| id.is_empty() || id.contains(':')) {
            return Err(AppError::Internal(
                "master key ids must be non-empty and contain no ':'".into(),
            ));
        }
        Ok(Self {
            keys: keys
                .into_iter()
                .map(|(id, k)| (id, XChaCha20Poly1305::new(&k.into())))
                .collect(),
        })
    }

    pub fn current_key_id(&self) -> &str {
        self.keys.first().map(|(id, _)| id.as_str()).unwrap_or("")
    }

    pub fn key_ids(&self) -> Vec<&str> {
        self.keys.iter().map(|(id, _)| id.as_str()).collect()
    }

    pub fn seal(&self, plain: &str, random: &dyn Random) -> AppResult<String> {
        let (id, cipher) = self
            .keys
            .first()
            .ok_or_else(|| AppError::Internal("no master key".into()))?;
        let mut nonce = [0u8; 24];
        random.fill(&mut nonce);
        let ct = cipher
            .encrypt(XNonce::from_slice(&nonce), plain.as_bytes())
            .map_err(|_| AppError::Internal("encryption failed".into()))?;
        let mut blob = nonce.to_vec();
        blob.extend(ct);
        Ok(format!(
            "v1:{id}:{}",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(blob)
        ))
    }

    /// The key id a sealed value names.
    pub fn key_id_of(sealed: &str) -> Option<&str> {
        sealed.strip_prefix("v1:")?.split(':').next()
    }

    pub fn open(&self, sealed: &str) -> AppResult<String> {
        let rest = sealed
            .strip_prefix("v1:")
            .ok_or_else(|| AppError::Internal("sealed value has an unknown format".into()))?;
        let (id, b64) = rest
            .split_once(':')
            .ok_or_else(|| AppError::Internal("sealed value has no key id".into()))?;
        let (_, cipher) = self.keys.iter().find(|(k, _)| k == id).ok_or_else(|| {
            AppError::Internal(format!(
                "a value was encrypted with master key '{id}', which this installation does not have"
            ))
        })?;
        let blob = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(b64)
            .map_err(|_| AppError::Internal("sealed value is damaged (not base64)".into()))?;
        if blob.len() < 24 {
            return Err(AppError::Internal("sealed value is damaged (too short)".into()));
        }
        let (nonce, ct) = blob.split_at(24);
        let plain = cipher.decrypt(XNonce::from_slice(nonce), ct).map_err(|_| {
            AppError::Internal(format!(
                "a value sealed with master key '{id}' does not open: wrong key file or damaged data"
            ))
        })?;
        String::from_utf8(plain).map_err(|_| AppError::Internal("sealed value is not text".into()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::security::OsRandom;

    #[test]
    fn seal_and_open_round_trip_without_revealing_the_plain_text() {
        let c = FieldCipher::new(vec![("k1".into(), [7u8; 32])]).unwrap();
        let sealed = c.seal("86095742719", &OsRandom).unwrap();
        assert!(sealed.starts_with("v1:k1:"));
        assert!(!sealed.contains("86095742719"));
        assert_ne!(sealed, c.seal("86095742719", &OsRandom).unwrap(), "random nonces");
        assert_eq!(c.open(&sealed).unwrap(), "86095742719");
    }

    #[test]
    fn a_wrong_key_fails_clearly() {
        let a = FieldCipher::new(vec![("k1".into(), [7u8; 32])]).unwrap();
        let b = FieldCipher::new(vec![("k1".into(), [8u8; 32])]).unwrap();
        let sealed = a.seal("geheim", &OsRandom).unwrap();
        let e = b.open(&sealed).unwrap_err().to_string();
        assert!(e.contains("wrong key file"), "{e}");
        let c = FieldCipher::new(vec![("k2".into(), [7u8; 32])]).unwrap();
        assert!(c.open(&sealed).unwrap_err().to_string().contains("'k1'"));
    }

    #[test]
    fn old_keys_still_open_after_rotation() {
        let old = FieldCipher::new(vec![("k1".into(), [1u8; 32])]).unwrap();
        let sealed = old.seal("DE89370400440532013000", &OsRandom).unwrap();
        let rotated = FieldCipher::new(vec![("k2".into(), [2u8; 32]), ("k1".into(), [1u8; 32])]).unwrap();
        assert_eq!(rotated.open(&sealed).unwrap(), "DE89370400440532013000");
        assert!(rotated.seal("x", &OsRandom).unwrap().starts_with("v1:k2:"));
    }
}
