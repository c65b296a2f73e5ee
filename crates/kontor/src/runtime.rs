//! Wiring: turns a `Config` into a running `App` with its adapters.

use std::sync::Arc;

use anyhow::{Context, Result};
use kontor_app::ports::{BlobStore, Random};
use kontor_app::security::OsRandom;
use kontor_app::{App, AppSettings};
use kontor_blob::ObjectBlobStore;
use kontor_core::{Clock, IdGen, Timestamp};
use kontor_store::{SqlStore, StoreOptions};
use uuid::Uuid;

use crate::config::Config;

/// The wall clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let ms = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
        Timestamp::from_millis(i64::try_from(ms).unwrap_or(i64::MAX))
    }
}

/// Time-ordered random ids (UUID v7), so id order follows creation order.
pub struct V7Ids;

impl IdGen for V7Ids {
    fn new_uuid(&self) -> Uuid {
        Uuid::now_v7()
    }
}

pub async fn open_store(cfg: &Config) -> Result<Arc<SqlStore>> {
    if cfg.is_sqlite() {
        std::fs::create_dir_all(&cfg.data_dir)
            .with_context(|| format!("cannot create data directory {}", cfg.data_dir.display()))?;
    }
    let store = SqlStore::open(&StoreOptions::new(cfg.database_url.clone()))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(Arc::new(store))
}

pub fn open_blobs(cfg: &Config) -> Result<Arc<dyn BlobStore>> {
    let blobs = match &cfg.blob_url {
        Some(url) => ObjectBlobStore::from_url(url),
        None => ObjectBlobStore::local(&cfg.blob_dir()),
    }
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(Arc::new(blobs))
}

pub struct Runtime {
    pub app: App,
    pub store: Arc<SqlStore>,
}

/// Where the master key for sensitive HR data lives.
pub fn master_key_path(cfg: &Config) -> std::path::PathBuf {
    std::env::var_os("KONTOR_MASTER_KEY_FILE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| cfg.data_dir.join("master.key"))
}

/// The master key file: `kontor-master-key v1`, then `id=…` and `key=<base64
/// of 32 bytes>` for the key that seals; `old=<id>:<base64>` lines keep
/// retired keys readable.
pub struct KeyFile {
    pub current: (String, [u8; 32]),
    pub old: Vec<(String, [u8; 32])>,
}

impl KeyFile {
    pub fn generate() -> Self {
        let mut key = [0u8; 32];
        kontor_app::security::OsRandom.fill(&mut key);
        let mut suffix = [0u8; 3];
        kontor_app::security::OsRandom.fill(&mut suffix);
        let id = format!(
            "k{}-{}",
            time::OffsetDateTime::now_utc().unix_timestamp(),
            hex::encode(suffix)
        );
        Self {
            current: (id, key),
            old: vec![],
        }
    }

    pub fn cipher(&self) -> Result<kontor_app::crypto::FieldCipher> {
        let mut keys = vec![self.current.clone()];
        keys.extend(self.old.iter().cloned());
        kontor_app::crypto::FieldCipher::new(keys).map_err(|e| anyhow::anyhow!("{e}"))
    }

    fn text(&self) -> String {
        use base64::Engine;
        let b = |k: &[u8; 32]| base64::engine::general_purpose::STANDARD.encode(k);
        let mut t = format!(
            "kontor-master-key v1\nid={}\nkey={}\n",
            self.current.0,
            b(&self.current.1)
        );
        for (id, k) in &self.old {
            t.push_str(&format!("old={id}:{}\n", b(k)));
        }
        t
    }

    pub fn read(path: &std::path::Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read master key file {}", path.display()))?;
        let bad = || {
            anyhow::anyhow!(
                "master key file {} is not valid (expected kontor-master-key v1 with id= and key= lines)",
                path.display()
            )
        };
        let mut lines = text.lines();
        if lines.next() != Some("kontor-master-key v1") {
            return Err(bad());
        }
        let (mut id, mut key, mut old) = (None, None, Vec::new());
        for l in lines {
            if let Some(v) = l.strip_prefix("id=") {
                id = Some(v.trim().to_string());
            } else if let Some(v) = l.strip_prefix("key=") {
                key = Some(decode_key(v).ok_or_else(bad)?);
            } else if let Some(v) = l.strip_prefix("old=") {
                let (oid, ok) = v.split_once(':').ok_or_else(bad)?;
                old.push((oid.to_string(), decode_key(ok).ok_or_else(bad)?));
            }
        }
        Ok(Self {
            current: (id.ok_or_else(bad)?, key.ok_or_else(bad)?),
            old,
        })
    }

    /// Writes the file atomically (temporary file, then rename), mode 0600.
    pub fn write(&self, path: &std::path::Path) -> Result<()> {
        let tmp = path.with_extension("key.new");
        let _ = std::fs::remove_file(&tmp);
        write_private(&tmp, &self.text())?;
        std::fs::rename(&tmp, path).with_context(|| format!("cannot replace master key file {}", path.display()))
    }
}

/// Loads the master key, creating it (with a warning to back it up) on first use.
pub fn load_master_key(cfg: &Config) -> Result<kontor_app::crypto::FieldCipher> {
    let path = master_key_path(cfg);
    if !path.exists() {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        KeyFile::generate().write(&path)?;
        tracing::warn!(path = %path.display(), "created a new master key for sensitive HR data: BACK IT UP; without it that data cannot be read");
    }
    KeyFile::read(&path)?.cipher()
}

fn decode_key(b64: &str) -> Option<[u8; 32]> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?
        .try_into()
        .ok()
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, text: &str) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create master key file {}", path.display()))?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, text: &str) -> Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot create master key file {}", path.display()))
}

pub async fn build_without_key(cfg: &Config) -> Result<Runtime> {
    let store = open_store(cfg).await?;
    let blobs = open_blobs(cfg)?;
    let app = App::new(
        store.clone(),
        blobs,
        Arc::new(SystemClock),
        Arc::new(V7Ids),
        Arc::new(OsRandom),
        AppSettings::default(),
    )
    .with_extractor(Arc::new(kontor_extract::Poppler::default()));
    Ok(Runtime { app, store })
}

pub async fn build(cfg: &Config) -> Result<Runtime> {
    let store = open_store(cfg).await?;
    let blobs = open_blobs(cfg)?;
    let settings = AppSettings {
        session_idle_secs: cfg.session_idle_minutes * 60,
        session_absolute_secs: cfg.session_absolute_hours * 3600,
        ..AppSettings::default()
    };
    let random: Arc<dyn Random> = Arc::new(OsRandom);
    let cipher = Arc::new(load_master_key(cfg)?);
    let app = App::new(
        store.clone(),
        blobs,
        Arc::new(SystemClock),
        Arc::new(V7Ids),
        random,
        settings,
    )
    .with_cipher(cipher)
    .with_extractor(Arc::new(kontor_extract::Poppler::default()))
    .with_mail_client(Arc::new(crate::imap::Imap));
    let app = match &cfg.smtp_url {
        Some(url) => app.with_mailer(
            Arc::new(crate::mail::SmtpMailer::new(url, &cfg.mail_from)?),
            &cfg.public_url,
        ),
        None => app,
    };
    app.check_master_key().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(Runtime { app, store })
}
