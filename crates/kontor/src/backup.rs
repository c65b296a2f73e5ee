//! `kontor backup` and `kontor restore`: one archive (tar + gzip) with a
//! consistent database snapshot, every blob, and a manifest of SHA-256
//! checksums that restore verifies before it writes anything.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Component, Path};

use anyhow::{bail, Context, Result};
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use kontor_app::ports::{BlobRef, BlobStore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::Config;

const FORMAT: &str = "kontor-backup";
const FORMAT_VERSION: u32 = 1;
const DB_ENTRY: &str = "database/kontor.db";
/// Largest single file restore accepts (bytes).
const ENTRY_SIZE_MAX: u64 = 64 * 1024 * 1024 * 1024;

#[derive(Serialize, Deserialize, Debug)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    pub kontor_version: String,
    pub created_at: String,
    /// `sqlite`, or `none` for a blobs-only backup of a PostgreSQL installation.
    pub database: String,
    pub files: Vec<FileEntry>,
}

#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct FileEntry {
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

pub struct BackupSummary {
    pub blobs: usize,
    pub bytes: u64,
    pub database: bool,
}

fn append(tar: &mut tar::Builder<GzEncoder<File>>, path: &str, data: &[u8], files: &mut Vec<FileEntry>) -> Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(data.len() as u64);
    header.set_mode(0o600);
    header.set_mtime(0);
    header.set_cksum();
    tar.append_data(&mut header, path, data)
        .with_context(|| format!("cannot write {path} to the archive"))?;
    files.push(FileEntry {
        path: path.to_string(),
        sha256: hex::encode(Sha256::digest(data)),
        size: data.len() as u64,
    });
    Ok(())
}

/// Writes a backup archive to `out` while kontor may keep running.
pub async fn backup(
    cfg: &Config,
    store: &kontor_store::SqlStore,
    blobs: &dyn BlobStore,
    out: &Path,
    blobs_only: bool,
) -> Result<BackupSummary> {
    use kontor_app::ports::Store;
    if !cfg.is_sqlite() && !blobs_only {
        bail!(
            "kontor backup snapshots SQLite databases. For PostgreSQL, back up the database with pg_dump \
             (see README, section Backup) and the blobs with `kontor backup --blobs-only --out FILE`."
        );
    }
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let work = tempfile::tempdir_in(dir)
        .with_context(|| format!("cannot create a temporary directory in {}", dir.display()))?;
    let partial = work.path().join("backup.partial");
    let file = File::create(&partial).with_context(|| format!("cannot create {}", partial.display()))?;
    let mut tar = tar::Builder::new(GzEncoder::new(file, Compression::default()));
    let mut files = Vec::new();
    let mut bytes = 0u64;
    // Database first, blobs second: a blob is stored before the database
    // refers to it, so every blob the snapshot names is there when we copy.
    if !blobs_only {
        let snap = work.path().join("snapshot.db");
        store
            .snapshot_to(&snap.display().to_string())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let data = std::fs::read(&snap).context("cannot read the database snapshot")?;
        bytes += data.len() as u64;
        append(&mut tar, DB_ENTRY, &data, &mut files)?;
    }
    let list = blobs.list().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    for b in &list {
        let data = blobs.get(b).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        bytes += data.len() as u64;
        append(&mut tar, &format!("blobs/{}", b.as_str()), &data, &mut files)?;
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        kontor_version: env!("CARGO_PKG_VERSION").into(),
        created_at: time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        database: if blobs_only { "none".into() } else { "sqlite".into() },
        files,
    };
    let json = serde_json::to_vec_pretty(&manifest)?;
    let mut ignored = Vec::new();
    append(&mut tar, "manifest.json", &json, &mut ignored)?;
    let mut gz = tar.into_inner().context("cannot finish the archive")?;
    gz.flush()?;
    let file = gz.finish().context("cannot finish compression")?;
    file.sync_all().context("cannot flush the archive to disk")?;
    drop(file);
    std::fs::rename(&partial, out).with_context(|| format!("cannot move the archive to {}", out.display()))?;
    let _ = store.ping().await;
    Ok(BackupSummary {
        blobs: list.len(),
        bytes,
        database: !blobs_only,
    })
}

fn safe_entry(path: &Path) -> Result<String> {
    if path.components().any(|c| !matches!(c, Component::Normal(_))) {
        bail!(
            "the archive contains an unsafe path '{}'; it was not made by kontor backup",
            path.display()
        );
    }
    let s = path
        .to_str()
        .with_context(|| format!("archive path {} is not UTF-8", path.display()))?
        .to_string();
    if s == "manifest.json" || s == DB_ENTRY || (s.starts_with("blobs/") && BlobRef::parse(&s[6..]).is_some()) {
        Ok(s)
    } else {
        bail!("the archive contains an unexpected file '{s}'; it was not made by kontor backup")
    }
}

pub struct RestoreSummary {
    pub blobs: usize,
    pub database: bool,
}

/// Restores an archive into an empty data directory (and blob store).
pub async fn restore(archive: &Path, cfg: &Config, blobs: &dyn BlobStore) -> Result<RestoreSummary> {
    let db_target = cfg.data_dir.join("kontor.db");
    if db_target.exists() {
        bail!(
            "{} already holds a kontor database; restore only into an empty data directory (nothing was changed)",
            cfg.data_dir.display()
        );
    }
    std::fs::create_dir_all(&cfg.data_dir).with_context(|| format!("cannot create {}", cfg.data_dir.display()))?;
    let work =
        tempfile::tempdir_in(&cfg.data_dir).context("cannot create a temporary directory in the data directory")?;
    let file = File::open(archive).with_context(|| format!("cannot open backup {}", archive.display()))?;
    let mut tar = tar::Archive::new(GzDecoder::new(file));
    let mut manifest: Option<Manifest> = None;
    let mut seen: Vec<(String, String, u64)> = Vec::new();
    for entry in tar.entries().context("the backup is not a kontor archive (tar.gz)")? {
        let mut entry = entry.context("the backup archive is damaged")?;
        let name = safe_entry(&entry.path()?)?;
        if entry.size() > ENTRY_SIZE_MAX {
            bail!("archive entry {name} is larger than {ENTRY_SIZE_MAX} bytes");
        }
        let mut data = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0));
        entry
            .read_to_end(&mut data)
            .with_context(|| format!("cannot read {name} from the archive"))?;
        if name == "manifest.json" {
            manifest = Some(serde_json::from_slice(&data).context("manifest.json in the backup is invalid")?);
            continue;
        }
        let target = work.path().join(name.replace('/', "_"));
        std::fs::write(&target, &data)?;
        seen.push((name, hex::encode(Sha256::digest(&data)), data.len() as u64));
    }
    let manifest = manifest.context("the backup has no manifest.json; it was not made by kontor backup")?;
    if manifest.format != FORMAT || manifest.format_version != FORMAT_VERSION {
        bail!(
            "backup format {} v{} is not supported by this kontor",
            manifest.format,
            manifest.format_version
        );
    }
    // Verify everything before writing anything.
    if manifest.files.len() != seen.len() {
        bail!(
            "the backup lists {} files but holds {}; it is incomplete",
            manifest.files.len(),
            seen.len()
        );
    }
    for f in &manifest.files {
        match seen.iter().find(|(n, _, _)| *n == f.path) {
            Some((_, sum, size)) if *sum == f.sha256 && *size == f.size => {}
            Some(_) => bail!(
                "{} in the backup does not match its checksum; the archive is damaged",
                f.path
            ),
            None => bail!("{} is listed in the manifest but missing from the archive", f.path),
        }
    }
    let mut n_blobs = 0;
    for (name, _, _) in &seen {
        if let Some(hash) = name.strip_prefix("blobs/") {
            let data = std::fs::read(work.path().join(name.replace('/', "_")))?;
            let stored = blobs
                .put(bytes::Bytes::from(data))
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            if stored.as_str() != hash {
                bail!("blob {hash} changed while restoring");
            }
            n_blobs += 1;
        }
    }
    let has_db = seen.iter().any(|(n, _, _)| n == DB_ENTRY);
    if has_db {
        let src = work.path().join(DB_ENTRY.replace('/', "_"));
        let f = File::open(&src)?;
        f.sync_all()?;
        std::fs::rename(&src, &db_target)
            .with_context(|| format!("cannot move the database to {}", db_target.display()))?;
    }
    Ok(RestoreSummary {
        blobs: n_blobs,
        database: has_db,
    })
}
