//! The watched folder (consume directory): files put into
//! `CONSUME_DIR/<company code>/` go into that company's archive.
//!
//! A file is first renamed into `.kontor-processing/` beside it (atomic on
//! one file system, so two kontor instances never take the same file),
//! then stored through the same use-case as every other channel, then
//! removed. If kontor stops at any point, the file is still in the folder
//! or in `.kontor-processing/`, and the next scan takes it again; the
//! archive keeps each content once, so nothing is lost and nothing is
//! stored twice. Files the archive refuses move to `.kontor-failed/` with
//! the reason beside them.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use kontor_app::documents::Source;
use kontor_app::{Actor, App, AppError};
use tokio_util::sync::CancellationToken;

const SCAN_EVERY: Duration = Duration::from_secs(2);
/// A file younger than this may still be being written.
const SETTLE: Duration = Duration::from_secs(1);
const PROCESSING: &str = ".kontor-processing";
const FAILED: &str = ".kontor-failed";

pub async fn run(app: App, dir: PathBuf, stop: CancellationToken) {
    tracing::info!(dir = %dir.display(), "watching the consume folder");
    let actor = Actor::system("consume");
    while !stop.is_cancelled() {
        if let Err(e) = scan(&app, &actor, &dir).await {
            tracing::warn!(error = %e, "consume folder scan failed; trying again");
        }
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tokio::time::sleep(SCAN_EVERY) => {}
        }
    }
}

fn visible_entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    !p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with('.'))
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// One pass over every company's folder.
pub async fn scan(app: &App, actor: &Actor, dir: &Path) -> anyhow::Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    for company_dir in visible_entries(dir).into_iter().filter(|p| p.is_dir()) {
        let Some(code) = company_dir.file_name().and_then(|n| n.to_str()).map(str::to_string) else {
            continue;
        };
        let company = match app.company(actor, &code).await {
            Ok(c) => c,
            Err(AppError::NotFound { .. }) => {
                tracing::debug!(folder = %company_dir.display(), "no company with this code");
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        let processing = company_dir.join(PROCESSING);
        std::fs::create_dir_all(&processing)?;
        // What a stopped kontor left half done comes first.
        for left in visible_entries(&processing) {
            take(app, actor, &company, &company_dir, &left).await?;
        }
        for file in visible_entries(&company_dir).into_iter().filter(|p| p.is_file()) {
            let settled = std::fs::metadata(&file)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .is_some_and(|age| age >= SETTLE);
            if !settled {
                continue;
            }
            let name = file
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("dokument")
                .to_string();
            let claimed = processing.join(format!("{}__{name}", uuid::Uuid::new_v4().simple()));
            match std::fs::rename(&file, &claimed) {
                Ok(()) => take(app, actor, &company, &company_dir, &claimed).await?,
                // Another instance took it first.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(())
}

/// Stores one claimed file and removes it; refused files go to `.kontor-failed/`.
async fn take(
    app: &App,
    actor: &Actor,
    company: &kontor_app::records::CompanyRecord,
    company_dir: &Path,
    claimed: &Path,
) -> anyhow::Result<()> {
    let stored_name = claimed.file_name().and_then(|n| n.to_str()).unwrap_or("dokument");
    let name = stored_name.split_once("__").map_or(stored_name, |(_, n)| n).to_string();
    let content = match std::fs::read(claimed) {
        Ok(c) => c,
        // Another instance finished it.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    match app
        .ingest_file(actor, company, &name, content.into(), Source::Folder)
        .await
    {
        Ok(r) => {
            tracing::info!(company = %company.code.as_str(), file = %name, document = %r.mail.document.id,
                duplicate = r.mail.duplicate, attachments = r.attachments.len(), "taken from the consume folder");
            match std::fs::remove_file(claimed) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
                _ => Ok(()),
            }
        }
        Err(AppError::Invalid(errs)) => {
            let failed = company_dir.join(FAILED);
            std::fs::create_dir_all(&failed)?;
            let reason: Vec<String> = errs.iter().map(|e| format!("{} / {}", e.de, e.en)).collect();
            std::fs::write(failed.join(format!("{name}.reason.txt")), reason.join("\n") + "\n")?;
            std::fs::rename(claimed, failed.join(&name))?;
            tracing::warn!(company = %company.code.as_str(), file = %name, reason = %reason.join("; "), "consume folder: file refused");
            Ok(())
        }
        // Store or blob store unavailable: the file stays claimed and is taken again.
        Err(e) => Err(e.into()),
    }
}
