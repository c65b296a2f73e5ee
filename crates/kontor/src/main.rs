//! `kontor`: the binary. Glue only: parse the command line, load the
//! configuration, wire adapters to the application layer, run the command.

mod audit_file;
mod backup;
mod bank;
mod config;
mod consume;
mod docbench;
mod documents;
mod einvoice;
mod imap;
mod ledger;
mod mail;
mod payroll;
mod runtime;
mod worker;
mod workflow;

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use kontor_app::records::JobState;
use kontor_app::Actor;
use kontor_http::{HttpOptions, HttpState, Metrics};
use tokio_util::sync::CancellationToken;

use crate::config::{Config, ServeArgs, StorageArgs};

/// mimalloc instead of the system allocator: parsing and validating documents
/// makes many small short-lived allocations (docs/adr/0008-allocator.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const EXAMPLES_SERVE: &str = "Examples:\n  kontor serve --demo\n  kontor serve --listen 0.0.0.0:8080 --data-dir /var/lib/kontor\n  KONTOR_DATABASE_URL=postgres://kontor@db/kontor kontor serve";

#[derive(Parser, Debug)]
#[command(
    name = "kontor",
    version,
    about = "kontor: the digital back office for small and mid-sized German companies",
    after_help = "Examples:\n  kontor serve --demo            start with demo companies and users\n  kontor admin user list         list users\n  kontor backup --out kontor.tar.gz\n\nEvery command that touches data accepts --data-dir, --database-url and --blob-url\n(or KONTOR_DATA_DIR, KONTOR_DATABASE_URL, KONTOR_BLOB_URL)."
)]
struct Cli {
    /// Log format
    #[arg(long, env = "KONTOR_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Copy, Clone, Debug, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the web server and background workers
    #[command(after_help = EXAMPLES_SERVE)]
    Serve {
        /// Load the demo companies and users (idempotent); password from KONTOR_DEMO_PASSWORD, default kontor-demo
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        serve: ServeArgs,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Bring the database schema up to date (also done by serve)
    #[command(after_help = "Example:\n  kontor migrate --database-url postgres://kontor@db/kontor")]
    Migrate {
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Administration: users, companies, jobs, integrity check
    #[command(
        after_help = "Examples:\n  kontor admin user add --username erika --name \"Erika Muster\"\n  kontor admin company add --code muster --name \"Muster GmbH\"\n  kontor admin check"
    )]
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Write a consistent backup archive (database snapshot + blobs) while kontor runs
    #[command(
        after_help = "Examples:\n  kontor backup --out /backups/kontor-2026-11-27.tar.gz\n  kontor backup --blobs-only --out blobs.tar.gz   (PostgreSQL: database via pg_dump)"
    )]
    Backup {
        /// Archive to write
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Only the blobs (for PostgreSQL installations, whose database pg_dump saves)
        #[arg(long)]
        blobs_only: bool,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Restore a backup archive into an empty data directory
    #[command(after_help = "Example:\n  kontor restore kontor-2026-11-27.tar.gz --data-dir /var/lib/kontor-restored")]
    Restore {
        /// Archive written by kontor backup
        file: PathBuf,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Configuration
    #[command(after_help = "Example:\n  kontor config show")]
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// The tamper-evident audit trail
    #[command(after_help = "Example:\n  kontor audit verify")]
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Print the access table (route × role) as Markdown, as in docs/permissions.md
    #[command(after_help = "Example:\n  kontor permissions > docs/permissions.md")]
    Permissions,
    /// E-invoices: validate XRechnung and ZUGFeRD/Factur-X, measure throughput
    #[command(
        after_help = "Examples:\n  kontor einvoice validate rechnung.xml\n  kontor einvoice validate --format jsonl eingang/"
    )]
    Einvoice {
        #[command(subcommand)]
        command: einvoice::EinvoiceCommand,
    },
    /// Ledger: import journals, trial balance, UStVA, Festschreibung and closed periods
    #[command(
        after_help = "Examples:\n  kontor ledger import --company muster --format jsonl journal.jsonl\n  kontor ledger balance --company muster --format csv\n  kontor ledger ustva --company muster --period 2026-Q1"
    )]
    Ledger {
        #[command(subcommand)]
        command: ledger::LedgerCommand,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Take files into the document archive: files and whole directories
    #[command(
        after_help = "Examples:\n  kontor import --company muster scan.pdf rechnungen/\n  kontor import --company muster ~/Downloads/*.pdf"
    )]
    Import {
        /// Company code
        #[arg(long)]
        company: String,
        /// Files and directories (directories are read recursively)
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Only store the files; a running server's workers process them
        #[arg(long)]
        no_process: bool,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// The document archive: search, export, processing
    Documents {
        #[command(subcommand)]
        command: documents::DocumentsCommand,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Money moves: bank accounts, statement import (CAMT, MT940), matching, SEPA files, benchmark
    Bank {
        #[command(subcommand)]
        command: bank::BankCommand,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Processes: the event log as OCEL 2.0, timers, the benchmark
    Workflow {
        #[command(subcommand)]
        command: workflow::WorkflowCommand,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Payroll: Lohnsteuer per the BMF Programmablaufplan 2026, gross-to-net with social insurance
    #[command(
        after_help = "Examples:\n  kontor payroll lohnsteuer --jsonl < cases.jsonl\n  kontor payroll gross-to-net --jsonl < months.jsonl"
    )]
    Payroll {
        #[command(subcommand)]
        command: payroll::PayrollCommand,
    },
    /// Print the OpenAPI document of the JSON API
    #[command(after_help = "Example:\n  kontor openapi > openapi.json")]
    Openapi,
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Check the hash chain of the whole audit trail (or of an export file); names the first broken entry (exit code 2)
    #[command(
        after_help = "Examples:\n  kontor audit verify --data-dir /var/lib/kontor\n  kontor audit verify --file audit-2026.json"
    )]
    Verify {
        /// Verify this export file instead of the database
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
    },
    /// Write the audit entries of a period as a self-contained, verifiable JSON file
    #[command(after_help = "Example:\n  kontor audit export --from 2026-01-01 --to 2027-01-01 --out audit-2026.json")]
    Export {
        /// First day (YYYY-MM-DD, UTC) or RFC 3339 time, inclusive
        #[arg(long)]
        from: String,
        /// End (YYYY-MM-DD, UTC) or RFC 3339 time, exclusive
        #[arg(long)]
        to: String,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum ConfigCommand {
    /// Show the effective configuration and where each value comes from (secrets masked)
    #[command(after_help = "Examples:\n  kontor config show\n  kontor config show --config /etc/kontor/kontor.toml")]
    Show {
        #[command(flatten)]
        serve: ServeArgs,
        #[command(flatten)]
        storage: StorageArgs,
    },
}

#[derive(Subcommand, Debug)]
enum AdminCommand {
    /// Users
    #[command(subcommand)]
    User(UserCommand),
    /// Companies (Mandanten)
    #[command(subcommand)]
    Company(CompanyCommand),
    /// Background jobs
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Role policies
    #[command(subcommand)]
    Role(RoleCommand),
    /// External partners' access (tax advisor, payroll provider, auditor)
    #[command(subcommand)]
    Partner(PartnerCommand),
    /// Replace the master key for sensitive HR data: re-seals every value; the old key stays readable in the key file
    #[command(after_help = "Example:\n  kontor admin rotate-key   (then back up the new master key file)")]
    RotateKey,
    /// Check the database's integrity; exits non-zero on problems
    #[command(after_help = "Example:\n  kontor admin check")]
    Check,
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Add a user; the password is read from stdin with --password-stdin, else generated and printed once
    #[command(
        after_help = "Examples:\n  kontor admin user add --username erika --name \"Erika Muster\"\n  echo 'a long password' | kontor admin user add --username erika --name \"Erika Muster\" --password-stdin"
    )]
    Add {
        #[arg(long)]
        username: String,
        /// Full name
        #[arg(long)]
        name: String,
        #[arg(long)]
        password_stdin: bool,
        /// Make the user an installation administrator
        #[arg(long)]
        system_admin: bool,
    },
    /// Set a new password and end the user's sessions
    #[command(after_help = "Example:\n  kontor admin user reset-password --username erika")]
    ResetPassword {
        #[arg(long)]
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Lift the sign-in lock of a user (after repeated failed sign-ins)
    #[command(after_help = "Example:\n  kontor admin user unlock --username erika")]
    Unlock {
        #[arg(long)]
        username: String,
    },
    /// List accounts and addresses locked after failed sign-ins
    #[command(after_help = "Example:\n  kontor admin user locked")]
    Locked,
    /// List users with their companies and roles
    #[command(after_help = "Example:\n  kontor admin user list")]
    List,
    /// Give a user a role in a company
    #[command(after_help = "Example:\n  kontor admin user grant --username erika --company muster --role buchhaltung")]
    Grant {
        #[arg(long)]
        username: String,
        #[arg(long, value_name = "CODE")]
        company: String,
        /// admin, buchhaltung, personal, freigabe, mitarbeiter, steuerberater, lohnbuero, pruefer
        #[arg(long)]
        role: String,
    },
}

#[derive(Subcommand, Debug)]
enum RoleCommand {
    /// Require (or stop requiring) two-factor sign-in for a role
    #[command(
        after_help = "Examples:\n  kontor admin role policy --role buchhaltung --require-2fa true\n  kontor admin role policy --role admin --require-2fa false"
    )]
    Policy {
        #[arg(long)]
        role: String,
        #[arg(long, value_name = "true|false", action = clap::ArgAction::Set)]
        require_2fa: bool,
    },
    /// Show which roles require two-factor sign-in
    #[command(after_help = "Example:\n  kontor admin role list")]
    List,
}

#[derive(Subcommand, Debug)]
enum PartnerCommand {
    /// Invite a partner to a company; prints the one-time invitation link
    #[command(
        after_help = "Example:\n  kontor admin partner invite --company muster --role steuerberater --firm \"Kanzlei Berg\" \\\n      --until 2027-06-30 --period 2026 --base-url https://kontor.example.de"
    )]
    Invite {
        #[arg(long, value_name = "CODE")]
        company: String,
        /// steuerberater, lohnbuero or pruefer
        #[arg(long)]
        role: String,
        /// The partner's firm
        #[arg(long)]
        firm: String,
        #[arg(long)]
        email: Option<String>,
        /// First day of access (YYYY-MM-DD); today if absent
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        /// Last day of access (YYYY-MM-DD)
        #[arg(long, value_name = "DATE")]
        until: String,
        /// Months the partner may see: 2026 or 2025-07..2026-06 (tax advisor, auditor)
        #[arg(long)]
        period: Option<String>,
        /// Address people reach kontor at, to print a full link
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        base_url: String,
    },
    /// List a company's partner access
    #[command(after_help = "Example:\n  kontor admin partner list --company muster")]
    List {
        #[arg(long, value_name = "CODE")]
        company: String,
    },
    /// Revoke a partner's access (or withdraw an invitation) at once
    #[command(after_help = "Example:\n  kontor admin partner revoke --company muster 0193b7f2-…")]
    Revoke {
        #[arg(long, value_name = "CODE")]
        company: String,
        id: String,
    },
}

#[derive(Subcommand, Debug)]
enum CompanyCommand {
    /// Add a company
    #[command(
        after_help = "Examples:\n  kontor admin company add --code muster --name \"Muster GmbH\"\n  kontor admin company add --code nord --name \"Nord KG\" --chart skr04"
    )]
    Add {
        /// Chart of accounts of the ledger: skr03 (default) or skr04
        #[arg(long, value_name = "CHART", default_value = "skr03")]
        chart: String,
        /// Short code: letters, digits, hyphens
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
    },
    /// List companies
    #[command(after_help = "Example:\n  kontor admin company list")]
    List,
}

#[derive(Subcommand, Debug)]
enum JobsCommand {
    /// Show job counts and recent jobs
    #[command(after_help = "Example:\n  kontor admin jobs list --state dead")]
    List {
        #[arg(long)]
        state: Option<String>,
    },
    /// Enqueue diagnostic probe jobs to see that workers pick up work
    #[command(after_help = "Example:\n  kontor admin jobs probe --count 10 --wait")]
    Probe {
        #[arg(long, default_value_t = 1)]
        count: u32,
        /// Wait (up to 60 s) until every probe ran
        #[arg(long)]
        wait: bool,
    },
    /// Retry a dead job
    #[command(after_help = "Example:\n  kontor admin jobs retry 0193b7f2-…")]
    Retry { id: String },
}

fn report_chain(r: &kontor_app::audit::ChainReport, what: &str) -> i32 {
    match &r.first_broken {
        None => {
            println!("{what} intact: {} entries verified", r.entries);
            if r.unchained_legacy > 0 {
                println!(
                    "note: {} entries predate the hash chain and are not covered by it",
                    r.unchained_legacy
                );
            }
            0
        }
        Some((seq, why)) => {
            println!("{what} BROKEN at entry {seq}: {why}");
            println!(
                "{} entries checked up to there; report this to the installation's auditor",
                r.entries
            );
            2
        }
    }
}

fn init_tracing(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_env("KONTOR_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).init(),
        LogFormat::Text => builder.init(),
    }
}

fn cli_actor() -> Actor {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "operator".into());
    Actor::cli(&user)
}

fn read_password(from_stdin: bool) -> Result<Option<String>> {
    if !from_stdin {
        return Ok(None);
    }
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .context("cannot read the password from stdin")?;
    let p = s.trim_end_matches(['\r', '\n']).to_string();
    if p.is_empty() {
        bail!("no password on stdin");
    }
    Ok(Some(p))
}

fn main() {
    let cli = Cli::parse();
    init_tracing(cli.log_format);
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    match rt.block_on(run(cli.command)) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(1);
        }
    }
}

async fn run(command: Command) -> Result<i32> {
    match command {
        Command::Serve { demo, serve, storage } => {
            let cfg = Config::load(&storage, &serve)?;
            serve_cmd(cfg, demo).await?;
            Ok(0)
        }
        Command::Migrate { storage } => {
            let cfg = Config::load(&storage, &ServeArgs::default())?;
            let store = runtime::open_store(&cfg).await?;
            for m in store.migration_status().await.map_err(|e| anyhow::anyhow!("{e}"))? {
                println!(
                    "{:>4}  {:<20} {}",
                    m.version,
                    m.name,
                    if m.applied { "applied" } else { "pending" }
                );
            }
            Ok(0)
        }
        Command::Admin { command, storage } => {
            let cfg = Config::load(&storage, &ServeArgs::default())?;
            admin_cmd(&cfg, command).await
        }
        Command::Backup {
            out,
            blobs_only,
            storage,
        } => {
            let cfg = Config::load(&storage, &ServeArgs::default())?;
            let rt = runtime::build_without_key(&cfg).await?;
            let blobs = rt.app.blobs().clone();
            let s = backup::backup(&cfg, &rt.store, blobs.as_ref(), &out, blobs_only).await?;
            println!(
                "backup written to {} ({} database, {} blobs, {} bytes before compression)",
                out.display(),
                if s.database { "with" } else { "without" },
                s.blobs,
                s.bytes
            );
            Ok(0)
        }
        Command::Restore { file, storage } => {
            let cfg = Config::load(&storage, &ServeArgs::default())?;
            if !cfg.is_sqlite() {
                bail!("restore writes an SQLite database; for PostgreSQL restore the pg_dump with pg_restore and the blobs with --blob-url");
            }
            let blobs = runtime::open_blobs(&cfg)?;
            let s = backup::restore(&file, &cfg, blobs.as_ref()).await?;
            // Open (and migrate) the restored database and check it.
            let rt = runtime::build_without_key(&cfg).await?;
            let problems = rt.app.check(&cli_actor()).await?;
            println!(
                "restored {} into {} ({} database, {} blobs); integrity: {}",
                file.display(),
                cfg.data_dir.display(),
                if s.database { "with" } else { "without" },
                s.blobs,
                if problems.is_empty() {
                    "ok".to_string()
                } else {
                    problems.join("; ")
                }
            );
            Ok(if problems.is_empty() { 0 } else { 2 })
        }
        Command::Config {
            command: ConfigCommand::Show { serve, storage },
        } => {
            let cfg = Config::load(&storage, &serve)?;
            print!("{}", cfg.show());
            Ok(0)
        }
        Command::Audit {
            command: AuditCommand::Verify { file: Some(file) },
            ..
        } => {
            let r = audit_file::verify_file(&file)?;
            Ok(report_chain(&r, &format!("export {}", file.display())))
        }
        Command::Audit {
            command: AuditCommand::Verify { file: None },
            storage,
        } => {
            let cfg = Config::load(&storage, &ServeArgs::default())?;
            let rt = runtime::build(&cfg).await?;
            let r = rt.app.verify_audit(&cli_actor()).await?;
            Ok(report_chain(&r, "audit trail"))
        }
        Command::Audit {
            command: AuditCommand::Export { from, to, out },
            storage,
        } => {
            let (from_ts, to_ts) = (audit_file::parse_time(&from)?, audit_file::parse_time(&to)?);
            if to_ts <= from_ts {
                bail!("--to must be after --from");
            }
            let cfg = Config::load(&storage, &ServeArgs::default())?;
            let rt = runtime::build(&cfg).await?;
            let section = rt.app.audit_section(&cli_actor(), from_ts, to_ts).await?;
            let now = time::OffsetDateTime::now_utc()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default();
            let file = audit_file::to_file(&section, &from, &to, &now);
            let json = serde_json::to_string_pretty(&file)?;
            std::fs::write(&out, json).with_context(|| format!("cannot write {}", out.display()))?;
            println!("{} audit entries written to {}", file.entries.len(), out.display());
            Ok(0)
        }
        Command::Permissions => {
            print!("{}", kontor_http::permissions::markdown());
            Ok(0)
        }
        Command::Einvoice { command } => einvoice::run(command, &mut std::io::stdout().lock()),
        Command::Ledger { command, storage } => {
            let cfg = Config::load(&storage, &ServeArgs::default())?;
            let rt = runtime::build(&cfg).await?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let code = ledger::run(&rt.app, &cli_actor(), command, &mut out).await?;
            std::io::Write::flush(&mut out)?;
            Ok(code)
        }
        Command::Import {
            company,
            paths,
            no_process,
            storage,
        } => {
            let cfg = Config::load(&storage, &ServeArgs::default())?;
            let rt = runtime::build(&cfg).await?;
            let mut out = std::io::LineWriter::new(std::io::stdout().lock());
            let code = documents::import(&rt.app, &cli_actor(), &company, &paths, !no_process, &mut out).await?;
            std::io::Write::flush(&mut out)?;
            Ok(code)
        }
        Command::Documents {
            command: documents::DocumentsCommand::Bench { command },
            ..
        } => {
            let mut out = std::io::LineWriter::new(std::io::stdout().lock());
            let code = docbench::run(command, &mut out).await?;
            std::io::Write::flush(&mut out)?;
            Ok(code)
        }
        Command::Documents { command, storage } => {
            let cfg = Config::load(&storage, &ServeArgs::default())?;
            let rt = runtime::build(&cfg).await?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let code = documents::run(&rt.app, &cli_actor(), command, &mut out).await?;
            std::io::Write::flush(&mut out)?;
            Ok(code)
        }
        Command::Bank {
            command: command @ bank::BankCommand::Bench { .. },
            ..
        } => {
            let mut out = std::io::LineWriter::new(std::io::stdout().lock());
            let code = bank::bench(command, &mut out)?;
            std::io::Write::flush(&mut out)?;
            Ok(code)
        }
        Command::Bank { command, storage } => {
            let cfg = Config::load(&storage, &ServeArgs::default())?;
            let rt = runtime::build(&cfg).await?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let code = bank::run(&rt.app, &cli_actor(), command, &mut out).await?;
            std::io::Write::flush(&mut out)?;
            Ok(code)
        }
        Command::Workflow {
            command: command @ workflow::WorkflowCommand::Bench { .. },
            ..
        } => {
            let mut out = std::io::LineWriter::new(std::io::stdout().lock());
            let code = workflow::bench(command, &mut out).await?;
            std::io::Write::flush(&mut out)?;
            Ok(code)
        }
        Command::Workflow { command, storage } => {
            let cfg = Config::load(&storage, &ServeArgs::default())?;
            let rt = runtime::build(&cfg).await?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let code = workflow::run(&rt.app, &cli_actor(), command, &mut out).await?;
            std::io::Write::flush(&mut out)?;
            Ok(code)
        }
        Command::Payroll { command } => payroll::run(
            command,
            &mut std::io::stdin().lock(),
            &mut std::io::BufWriter::new(std::io::stdout().lock()),
        ),
        Command::Openapi => {
            println!("{}", kontor_http::openapi_json());
            Ok(0)
        }
    }
}

async fn admin_cmd(cfg: &Config, command: AdminCommand) -> Result<i32> {
    let rt = runtime::build(cfg).await?;
    let app = &rt.app;
    let actor = cli_actor();
    match command {
        AdminCommand::User(UserCommand::Add {
            username,
            name,
            password_stdin,
            system_admin,
        }) => {
            let (password, generated) = match read_password(password_stdin)? {
                Some(p) => (p, false),
                None => (
                    kontor_app::security::generate_password(&kontor_app::security::OsRandom),
                    true,
                ),
            };
            let u = app.add_user(&actor, &username, &name, &password, system_admin).await?;
            println!("user {} created", u.username);
            if generated {
                println!("password (shown once): {password}");
            }
        }
        AdminCommand::User(UserCommand::ResetPassword {
            username,
            password_stdin,
        }) => {
            let (password, generated) = match read_password(password_stdin)? {
                Some(p) => (p, false),
                None => (
                    kontor_app::security::generate_password(&kontor_app::security::OsRandom),
                    true,
                ),
            };
            app.reset_password(&actor, &username, &password).await?;
            println!("password of {username} reset; all their sessions ended");
            if generated {
                println!("new password (shown once): {password}");
            }
        }
        AdminCommand::User(UserCommand::Unlock { username }) => {
            app.unlock_login(&actor, &kontor_app::throttle::account_key(&username))
                .await?;
            println!("sign-in of {username} unlocked");
        }
        AdminCommand::User(UserCommand::Locked) => {
            for t in app.locked_logins(&actor).await? {
                println!(
                    "{:<40} failures {:<4} locked until {} ms",
                    t.key,
                    t.failures,
                    t.locked_until.millis()
                );
            }
        }
        AdminCommand::User(UserCommand::List) => {
            println!("{:<20} {:<28} {:<6} companies:roles", "username", "name", "admin");
            for (u, ms) in app.list_users(&actor).await? {
                let roles: Vec<String> = ms
                    .iter()
                    .map(|m| format!("{}:{}", m.company_code, m.role_key()))
                    .collect();
                println!(
                    "{:<20} {:<28} {:<6} {}",
                    u.username.as_str(),
                    u.display_name,
                    if u.system_admin { "yes" } else { "no" },
                    roles.join(", ")
                );
            }
        }
        AdminCommand::User(UserCommand::Grant {
            username,
            company,
            role,
        }) => {
            app.grant_role(&actor, &username, &company, &role).await?;
            println!("{username} now has role {role} in {company}");
        }
        AdminCommand::Company(CompanyCommand::Add { code, name, chart }) => {
            let kind = kontor_ledger::account::ChartKind::parse(&chart)
                .with_context(|| format!("--chart {chart:?}: use skr03 or skr04"))?;
            let c = app.add_company(&actor, &code, &name).await?;
            // SKR03 is every company's starting chart; only a change is recorded.
            if kind != kontor_ledger::account::ChartKind::Skr03 {
                app.set_ledger_chart(&actor, &c, kind).await?;
            }
            println!(
                "company {} ({}) created, chart of accounts {}",
                c.code,
                c.name,
                kind.as_str().to_uppercase()
            );
        }
        AdminCommand::Partner(PartnerCommand::Invite {
            company,
            role,
            firm,
            email,
            from,
            until,
            period,
            base_url,
        }) => {
            let c = app.company(&actor, &company).await?;
            let inv = app
                .invite_partner(
                    &actor,
                    &c,
                    &kontor_app::partner_access::InviteInput {
                        role: &role,
                        firm: &firm,
                        email: email.as_deref(),
                        valid_from: from.as_deref(),
                        valid_until: &until,
                        period: period.as_deref(),
                    },
                )
                .await?;
            println!("invitation {} created; the link works once, for 14 days:", inv.grant.id);
            println!("{}{}", base_url.trim_end_matches('/'), inv.path());
        }
        AdminCommand::Partner(PartnerCommand::List { company }) => {
            let c = app.company(&actor, &company).await?;
            let now = app.now();
            for (g, u) in app.partner_accesses(&actor, &c).await? {
                println!(
                    "{}  {:<13} {:<8} {:<14} {} .. {}  period {}  {}",
                    g.id,
                    g.role.key(),
                    g.state_at(now),
                    u.map(|u| u.username.to_string()).unwrap_or_else(|| "-".into()),
                    kontor_core::period::date_of(g.valid_from),
                    kontor_core::period::date_of(kontor_core::Timestamp::from_millis(g.valid_until.millis() - 1)),
                    g.period.map(|p| p.to_string()).unwrap_or_else(|| "-".into()),
                    g.firm
                );
            }
        }
        AdminCommand::Partner(PartnerCommand::Revoke { company, id }) => {
            let c = app.company(&actor, &company).await?;
            let id = id
                .parse()
                .with_context(|| format!("'{id}' is not an access id; see kontor admin partner list"))?;
            app.revoke_partner_access(&actor, &c, id).await?;
            println!("partner access {id} revoked");
        }
        AdminCommand::Company(CompanyCommand::List) => {
            println!("{:<20} name", "code");
            for c in app.list_companies(&actor).await? {
                println!("{:<20} {}", c.code.as_str(), c.name);
            }
        }
        AdminCommand::Jobs(JobsCommand::List { state }) => {
            let st = match state.as_deref() {
                None => None,
                Some(s) => Some(
                    JobState::parse(s)
                        .with_context(|| format!("unknown state '{s}'; use queued, running, done or dead"))?,
                ),
            };
            let c = app.job_counts(&actor).await?;
            println!(
                "queued {}  running {}  done {}  dead {}",
                c.queued, c.running, c.done, c.dead
            );
            for j in app.list_jobs(&actor, st, 50).await? {
                println!(
                    "{}  {:<20} {:<8} attempts {}/{}  {}",
                    j.id,
                    j.kind,
                    j.state.key(),
                    j.attempts,
                    j.max_attempts,
                    j.last_error.unwrap_or_default()
                );
            }
        }
        AdminCommand::Jobs(JobsCommand::Probe { count, wait }) => {
            let ids = app.enqueue_probes(&actor, count).await?;
            println!("{} probe jobs enqueued", ids.len());
            if wait {
                let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
                loop {
                    let mut pending = 0;
                    for id in &ids {
                        if app.job_runs(&actor, *id).await?.is_empty() {
                            pending += 1;
                        }
                    }
                    if pending == 0 {
                        println!("all probes ran");
                        break;
                    }
                    if tokio::time::Instant::now() > deadline {
                        println!("{pending} probes did not run within 60 s: is `kontor serve` running with workers?");
                        return Ok(3);
                    }
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
            }
        }
        AdminCommand::Jobs(JobsCommand::Retry { id }) => {
            let id = id.parse().with_context(|| format!("'{id}' is not a job id"))?;
            app.requeue_job(&actor, id).await?;
            println!("job {id} queued again");
        }
        AdminCommand::Role(RoleCommand::Policy { role, require_2fa }) => {
            app.set_role_policy(&actor, &role, require_2fa).await?;
            println!(
                "role {role}: two-factor sign-in {}",
                if require_2fa { "required" } else { "optional" }
            );
        }
        AdminCommand::Role(RoleCommand::List) => {
            for (role, req) in app.role_policies(&actor).await? {
                println!(
                    "{:<16} two-factor sign-in {}",
                    role.key(),
                    if req { "required" } else { "optional" }
                );
            }
        }
        AdminCommand::RotateKey => {
            let path = runtime::master_key_path(cfg);
            let current = runtime::KeyFile::read(&path)?;
            let mut next = runtime::KeyFile::generate();
            next.old.push(current.current.clone());
            next.old.extend(current.old.iter().cloned());
            // The new file first (it still holds the old key): a crash before
            // the re-sealing commits leaves everything readable.
            next.write(&path)?;
            let n = app.rotate_master_key(&actor, &next.cipher()?).await?;
            println!(
                "master key rotated to {}: {n} employees re-sealed; back up {} now",
                next.current.0,
                path.display()
            );
        }
        AdminCommand::Check => {
            let problems = app.check(&actor).await?;
            if problems.is_empty() {
                println!("integrity check passed");
            } else {
                for p in &problems {
                    println!("problem: {p}");
                }
                return Ok(2);
            }
        }
    }
    Ok(0)
}

async fn serve_cmd(cfg: Config, demo: bool) -> Result<()> {
    let rt = runtime::build(&cfg).await?;
    let app = rt.app.clone();
    if demo {
        let password = std::env::var("KONTOR_DEMO_PASSWORD").unwrap_or_else(|_| "kontor-demo".into());
        let s = app.seed_demo(&password).await?;
        tracing::info!(
            companies = s.companies_created,
            users = s.users_created,
            "demo data ready"
        );
        eprintln!("kontor demo: sign in as admin, buchhaltung, personal, freigabe, mitarbeiter, steuerberater, lohnbuero or pruefer (password from KONTOR_DEMO_PASSWORD, default kontor-demo). Demo data only, no real data!");
    }
    let admin_pw = std::env::var("KONTOR_ADMIN_PASSWORD").ok().filter(|s| !s.is_empty());
    if let Some(generated) = app.bootstrap_admin(admin_pw.as_deref()).await? {
        let msg = format!(
            "\n  kontor: initial administrator created\n  username: admin\n  password: {generated}\n  (shown only this once; change it after signing in)\n"
        );
        if std::io::stderr().is_terminal() {
            eprintln!("{msg}");
        } else {
            println!("{msg}");
        }
    }
    let metrics = Arc::new(Metrics::new());
    let stop = CancellationToken::new();
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..cfg.workers {
        tasks.spawn(worker::run(
            app.clone(),
            metrics.clone(),
            worker::worker_name(n),
            stop.clone(),
        ));
    }
    if cfg.workers > 0 {
        tasks.spawn(worker::maintenance(app.clone(), stop.clone()));
        tasks.spawn(consume::run(app.clone(), cfg.consume_dir.clone(), stop.clone()));
    }
    let state = HttpState {
        app,
        metrics,
        options: HttpOptions {
            secure_cookies: cfg.secure_cookies,
            demo,
            metrics_token: cfg.metrics_token.clone(),
        },
    };
    let router = kontor_http::router(state);
    let listener = tokio::net::TcpListener::bind(cfg.listen).await.with_context(|| {
        format!(
            "cannot listen on {}: is another kontor running there? Use --listen to choose another address",
            cfg.listen
        )
    })?;
    tracing::info!(listen = %cfg.listen, database = %kontor_store::redact_url(&cfg.database_url), "kontor is ready: http://{}", cfg.listen);
    let shutdown = stop.clone();
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let server = axum::serve(listener, service).with_graceful_shutdown(async move {
        wait_for_signal().await;
        tracing::info!("shutting down: no new requests; finishing requests and jobs in progress (30 s at most)");
        shutdown.cancel();
    });
    let server = tokio::spawn(async move { server.await });
    // Wait for the signal, then give requests and jobs 30 s to finish.
    stop.cancelled().await;
    let drain = async {
        let _ = server.await;
        while tasks.join_next().await.is_some() {}
    };
    if tokio::time::timeout(Duration::from_secs(30), drain).await.is_err() {
        tracing::warn!("shutdown took longer than 30 s; stopping anyway");
    }
    rt.store.close().await;
    tracing::info!("kontor stopped");
    Ok(())
}

async fn wait_for_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
