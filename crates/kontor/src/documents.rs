//! `kontor import`: files and directories into the document archive.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use kontor_app::documents::Source;
use kontor_app::{Actor, App, AppError};

/// Every file under `paths` (directories recursively, in name order;
/// hidden files and directories are skipped).
fn files(paths: &[PathBuf]) -> Vec<(PathBuf, Option<String>)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, Option<String>)>) {
        let mut entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
            Ok(rd) => rd.flatten().map(|e| e.path()).collect(),
            Err(e) => {
                out.push((dir.to_path_buf(), Some(format!("cannot read the directory: {e}"))));
                return;
            }
        };
        entries.sort();
        for p in entries {
            if p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'))
            {
                continue;
            }
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push((p, None));
            }
        }
    }
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out);
        } else if p.exists() {
            out.push((p.clone(), None));
        } else {
            out.push((p.clone(), Some("no such file or directory".into())));
        }
    }
    out
}

pub async fn import(app: &App, actor: &Actor, company: &str, paths: &[PathBuf], out: &mut dyn Write) -> Result<i32> {
    let c = app.company(actor, company).await?;
    let list = files(paths);
    let total = list.len();
    let (mut stored, mut duplicates, mut failed) = (0, 0, 0);
    for (i, (path, problem)) in list.into_iter().enumerate() {
        let n = i + 1;
        if let Some(p) = problem {
            writeln!(out, "[{n}/{total}] error   {}: {p}", path.display())?;
            failed += 1;
            continue;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let content = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                writeln!(out, "[{n}/{total}] error   {}: cannot read: {e}", path.display())?;
                failed += 1;
                continue;
            }
        };
        match app.ingest_document(actor, &c, &name, content.into(), Source::Cli).await {
            Ok(r) if r.duplicate => {
                duplicates += 1;
                writeln!(
                    out,
                    "[{n}/{total}] same    {}: already in the archive as {} ({})",
                    path.display(),
                    r.document.id,
                    r.document.name
                )?;
            }
            Ok(r) => {
                stored += 1;
                writeln!(
                    out,
                    "[{n}/{total}] stored  {} as {} ({}, {} bytes)",
                    path.display(),
                    r.document.id,
                    r.document.media_type,
                    r.document.size
                )?;
            }
            Err(AppError::Invalid(errs)) => {
                failed += 1;
                let msg: Vec<&str> = errs.iter().map(|e| e.en.as_str()).collect();
                writeln!(out, "[{n}/{total}] error   {}: {}", path.display(), msg.join("; "))?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    writeln!(
        out,
        "{stored} stored, {duplicates} already in the archive, {failed} failed ({total} files)"
    )?;
    Ok(if failed > 0 { 1 } else { 0 })
}
