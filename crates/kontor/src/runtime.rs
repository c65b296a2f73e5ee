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

pub async fn build(cfg: &Config) -> Result<Runtime> {
    let store = open_store(cfg).await?;
    let blobs = open_blobs(cfg)?;
    let settings = AppSettings {
        session_idle_secs: cfg.session_idle_minutes * 60,
        session_absolute_secs: cfg.session_absolute_hours * 3600,
    };
    let random: Arc<dyn Random> = Arc::new(OsRandom);
    let app = App::new(
        store.clone(),
        blobs,
        Arc::new(SystemClock),
        Arc::new(V7Ids),
        random,
        settings,
    );
    Ok(Runtime { app, store })
}
