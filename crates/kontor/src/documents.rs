//! `kontor import` (files and directories into the document archive) and
//! `kontor documents search|export|process`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Subcommand, ValueEnum};
use kontor_app::documents::{SearchParams, Source};
use kontor_app::records::DocumentRecord;
use kontor_app::{Actor, App, AppError};
use kontor_documents::DocType;

#[derive(Subcommand, Debug)]
pub enum DocumentsCommand {
    /// Full-text search with filters over the archive
    #[command(
        after_help = "Every term is a prefix; umlauts and case do not matter; parts of compound words are found.\n\nExamples:\n  kontor documents search stromrechnung --company muster\n  kontor documents search \"lindner nebenkosten\" --format jsonl"
    )]
    Search {
        query: String,
        /// Company code (all companies if omitted)
        #[arg(long)]
        company: Option<String>,
        /// invoice, credit_note, contract, payslip, bank_statement, letter, other
        #[arg(long = "type")]
        doc_type: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: u32,
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
    },
    /// Write the originals and a metadata index (index.jsonl, index.csv) to a directory
    #[command(after_help = "Example:\n  kontor documents export --company muster --out archiv-2026/")]
    Export {
        #[arg(long)]
        company: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Run the pending processing (text, OCR, recognition) now, without a server
    Process,
    /// The company's IMAP mailbox: set it up, show it, poll it now
    Mail {
        #[command(subcommand)]
        command: MailCommand,
    },
    /// Benchmarks on a throw-away installation (docs/benchmarks.md)
    #[command(
        after_help = "Examples:\n  kontor documents bench ingest --kind pdf --count 1000\n  kontor documents bench ocr --pages 20\n  kontor documents bench search --docs 100000 --keep /tmp/archive"
    )]
    Bench {
        #[command(subcommand)]
        command: crate::docbench::BenchCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum MailCommand {
    /// Set the mailbox kontor polls for documents (the password is sealed with the master key)
    #[command(
        after_help = "The password is read from the environment variable named by --password-env.\n\nExample:\n  MAILPW=... kontor documents mail set --company muster --url imaps://mail.example.com --user eingang@muster.example --password-env MAILPW"
    )]
    Set {
        #[arg(long)]
        company: String,
        /// imaps://host[:993] or imap://host[:143] (plain: trusted networks only)
        #[arg(long)]
        url: String,
        #[arg(long)]
        user: String,
        /// Name of the environment variable holding the password (omit to keep the stored one)
        #[arg(long)]
        password_env: Option<String>,
        #[arg(long, default_value = "INBOX")]
        folder: String,
        /// Where processed mails are moved
        #[arg(long, default_value = "kontor-abgelegt")]
        done_folder: String,
        #[arg(long, default_value_t = 5)]
        every_minutes: i64,
        /// Keep the settings but stop polling
        #[arg(long)]
        disabled: bool,
    },
    /// Show the mailbox settings and the last poll
    Show {
        #[arg(long)]
        company: String,
    },
    /// Poll the mailbox now
    Poll {
        #[arg(long)]
        company: String,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    Table,
    Jsonl,
}

fn json(company: &str, d: &DocumentRecord) -> serde_json::Value {
    serde_json::json!({
        "company": company,
        "id": d.id,
        "name": d.name,
        "type": d.doc_type,
        "status": d.status,
        "correspondent": d.correspondent,
        "date": d.doc_date,
        "amount_cents": d.amount_cents,
        "currency": d.currency,
        "invoice_number": d.invoice_number,
        "iban": d.iban,
        "vat_id": d.vat_id,
        "tags": d.tags,
        "media_type": d.media_type,
        "size": d.size,
        "sha256": d.blob,
        "version": d.version,
        "version_of": d.version_of,
        "source": d.source,
        "document_year": d.document_year,
        "retention_years": d.retention_years,
        "legal_hold": d.legal_hold,
        "einvoice": d.einvoice,
    })
}

pub async fn run(app: &App, actor: &Actor, cmd: DocumentsCommand, out: &mut dyn Write) -> Result<i32> {
    match cmd {
        DocumentsCommand::Search {
            query,
            company,
            doc_type,
            limit,
            format,
        } => {
            let doc_type = match doc_type.as_deref() {
                None => None,
                Some(t) => Some(DocType::parse(t).with_context(|| {
                    format!("unknown type '{t}'; use invoice, credit_note, contract, payslip, bank_statement, letter or other")
                })?),
            };
            let companies = match company {
                Some(c) => vec![app.company(actor, &c).await?],
                None => app.list_companies(actor).await?,
            };
            let mut n = 0;
            for c in companies {
                let r = app
                    .search_documents(
                        actor,
                        &c,
                        &SearchParams {
                            text: query.clone(),
                            doc_type,
                            page: 1,
                            per_page: limit,
                            ..SearchParams::default()
                        },
                    )
                    .await?;
                for d in &r.documents {
                    n += 1;
                    match format {
                        OutputFormat::Jsonl => writeln!(out, "{}", json(c.code.as_str(), d))?,
                        OutputFormat::Table => writeln!(
                            out,
                            "{}  {}  {:<14} {:<30} {:<10} {}",
                            c.code,
                            d.id,
                            d.doc_type,
                            d.correspondent
                                .as_deref()
                                .unwrap_or("-")
                                .chars()
                                .take(30)
                                .collect::<String>(),
                            d.doc_date.as_deref().unwrap_or("-"),
                            d.name
                        )?,
                    }
                }
                if format == OutputFormat::Table && r.total > i64::from(r.per_page) {
                    writeln!(
                        out,
                        "{}: {} hits, first {} shown (--limit)",
                        c.code,
                        r.total,
                        r.documents.len()
                    )?;
                }
            }
            if format == OutputFormat::Table && n == 0 {
                writeln!(out, "no documents found")?;
            }
            Ok(0)
        }
        DocumentsCommand::Export { company, out: dir } => export(app, actor, &company, &dir, out).await,
        DocumentsCommand::Bench { command } => crate::docbench::run(command, out).await,
        DocumentsCommand::Mail { command } => mail(app, actor, command, out).await,
        DocumentsCommand::Process => {
            let n = process(app, out).await?;
            writeln!(out, "{n} jobs run")?;
            Ok(0)
        }
    }
}

/// Runs due jobs until none is left, with a count on a terminal.
async fn process(app: &App, out: &mut dyn Write) -> Result<usize> {
    let tty = std::io::stderr().is_terminal();
    let mut total = 0;
    loop {
        let n = app.run_due_jobs("cli", 10).await?;
        total += n;
        if tty && n > 0 {
            eprint!("\rprocessing … {total} done");
        }
        if n < 10 {
            break;
        }
    }
    if tty && total > 0 {
        eprintln!();
    }
    let _ = out;
    Ok(total)
}

async fn export(app: &App, actor: &Actor, company: &str, dir: &Path, out: &mut dyn Write) -> Result<i32> {
    let c = app.company(actor, company).await?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let docs = app.begin_document_export(actor, &c).await?;
    let mut index = std::io::BufWriter::new(
        std::fs::File::create(dir.join("index.jsonl")).with_context(|| format!("cannot write to {}", dir.display()))?,
    );
    let mut csv = std::io::BufWriter::new(std::fs::File::create(dir.join("index.csv"))?);
    writeln!(
        csv,
        "path;id;name;type;correspondent;date;amount_cents;sha256;version;status"
    )?;
    let field = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    for (i, d) in docs.iter().enumerate() {
        let content = app.export_original(actor, &c, d).await?;
        let year = d
            .doc_date
            .as_deref()
            .map_or(d.document_year.to_string(), |x| x[..4].to_string());
        let rel = format!("{year}/{}_{}", d.id, kontor_documents::safe_name(&d.name));
        let path = dir.join(&rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, &content).with_context(|| format!("cannot write {}", path.display()))?;
        let mut j = json(c.code.as_str(), d);
        j["path"] = serde_json::Value::String(rel.clone());
        writeln!(index, "{j}")?;
        writeln!(
            csv,
            "{};{};{};{};{};{};{};{};{};{}",
            field(&rel),
            d.id,
            field(&d.name),
            d.doc_type,
            field(d.correspondent.as_deref().unwrap_or("")),
            d.doc_date.as_deref().unwrap_or(""),
            d.amount_cents.map(|a| a.to_string()).unwrap_or_default(),
            d.blob,
            d.version,
            d.status
        )?;
        if std::io::stderr().is_terminal() {
            eprint!("\r[{}/{}]", i + 1, docs.len());
        }
    }
    index.flush()?;
    csv.flush()?;
    if std::io::stderr().is_terminal() && !docs.is_empty() {
        eprintln!();
    }
    writeln!(
        out,
        "{} documents exported to {} (index.jsonl, index.csv)",
        docs.len(),
        dir.display()
    )?;
    Ok(0)
}

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
                // Maildir: messages in tmp/ are still being delivered.
                if p.file_name().is_some_and(|n| n == "tmp") && dir.join("cur").is_dir() && dir.join("new").is_dir() {
                    continue;
                }
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

/// A progress bar on the terminal (stderr), nothing when redirected.
fn bar(done: usize, total: usize) {
    if total == 0 || !std::io::stderr().is_terminal() {
        return;
    }
    let width = 30;
    let filled = done * width / total;
    eprint!(
        "\r[{}{}] {done}/{total}",
        "#".repeat(filled),
        ".".repeat(width - filled)
    );
    if done == total {
        eprintln!();
    }
}

pub async fn import(
    app: &App,
    actor: &Actor,
    company: &str,
    paths: &[PathBuf],
    process_now: bool,
    out: &mut dyn Write,
) -> Result<i32> {
    let c = app.company(actor, company).await?;
    let list = files(paths);
    let total = list.len();
    let (mut stored, mut duplicates, mut failed) = (0, 0, 0);
    for (i, (path, problem)) in list.into_iter().enumerate() {
        let n = i + 1;
        bar(n, total);
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
        match app.ingest_file(actor, &c, &name, content.into(), Source::Cli).await {
            Ok(m) if m.mail.document.media_type == "message/rfc822" => {
                let r = &m.mail;
                if r.duplicate {
                    duplicates += 1;
                } else {
                    stored += 1;
                }
                writeln!(
                    out,
                    "[{n}/{total}] {}  {} as {} (e-mail, {} attachments)",
                    if r.duplicate { "same  " } else { "stored" },
                    path.display(),
                    r.document.id,
                    m.attachments.len()
                )?;
                for (aname, a) in &m.attachments {
                    match a {
                        Ok(i) if i.duplicate => writeln!(
                            out,
                            "        attachment {aname}: already in the archive as {}",
                            i.document.id
                        )?,
                        Ok(i) => {
                            stored += 1;
                            writeln!(
                                out,
                                "        attachment {aname}: stored as {} ({})",
                                i.document.id, i.document.media_type
                            )?
                        }
                        Err(e) => {
                            failed += 1;
                            writeln!(out, "        attachment {aname}: error: {e}")?
                        }
                    }
                }
            }
            Ok(m) if m.mail.duplicate => {
                let r = m.mail;
                duplicates += 1;
                writeln!(
                    out,
                    "[{n}/{total}] same    {}: already in the archive as {} ({})",
                    path.display(),
                    r.document.id,
                    r.document.name
                )?;
            }
            Ok(m) => {
                let r = m.mail;
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
    if process_now && stored > 0 {
        let n = process(app, out).await?;
        writeln!(out, "processed: {n} jobs run (text, OCR, recognition); see the inbox")?;
    }
    Ok(if failed > 0 { 1 } else { 0 })
}

async fn mail(app: &App, actor: &Actor, cmd: MailCommand, out: &mut dyn Write) -> Result<i32> {
    match cmd {
        MailCommand::Set {
            company,
            url,
            user,
            password_env,
            folder,
            done_folder,
            every_minutes,
            disabled,
        } => {
            let c = app.company(actor, &company).await?;
            let password = match password_env {
                Some(var) => {
                    Some(std::env::var(&var).with_context(|| format!("the environment variable {var} is not set"))?)
                }
                None => None,
            };
            let a = app
                .set_mail_account(
                    actor,
                    &c,
                    &kontor_app::mail_intake::MailAccountInput {
                        url,
                        username: user,
                        password,
                        folder,
                        done_folder,
                        interval_secs: every_minutes.saturating_mul(60),
                        enabled: !disabled,
                    },
                )
                .await?;
            writeln!(
                out,
                "mailbox of {}: {} as {}, {} → {}, every {} min, {}",
                c.code,
                a.url,
                a.username,
                a.folder,
                a.done_folder,
                a.interval_secs / 60,
                if a.enabled { "polled by the server" } else { "disabled" }
            )?;
            Ok(0)
        }
        MailCommand::Show { company } => {
            let c = app.company(actor, &company).await?;
            match app.mail_account(actor, &c).await? {
                None => writeln!(out, "{}: no mailbox set", c.code)?,
                Some(a) => writeln!(
                    out,
                    "{}: {} as {}, {} → {}, every {} min, {}; last poll: {}{}",
                    c.code,
                    a.url,
                    a.username,
                    a.folder,
                    a.done_folder,
                    a.interval_secs / 60,
                    if a.enabled { "on" } else { "off" },
                    a.last_poll_at.map_or("never".to_string(), |t| t.to_string()),
                    a.last_error
                        .map(|e| format!(" (error: {e})"))
                        .unwrap_or_else(|| format!(" ({} messages)", a.last_count))
                )?,
            }
            Ok(0)
        }
        MailCommand::Poll { company } => {
            let c = app.company(actor, &company).await?;
            let o = app.poll_mailbox(actor, &c).await?;
            writeln!(
                out,
                "{} messages taken: {} new documents, {} already in the archive",
                o.messages, o.new_documents, o.duplicates
            )?;
            let n = process(app, out).await?;
            writeln!(out, "processed: {n} jobs run")?;
            Ok(0)
        }
    }
}
