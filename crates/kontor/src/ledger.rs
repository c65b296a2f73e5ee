//! `kontor ledger …`: import journals, print balances and the UStVA, fix
//! and close periods, from the command line. The rules are in
//! `kontor-ledger`, the use-cases in `kontor-app`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::{Subcommand, ValueEnum};
use kontor_app::{Actor, App};
use kontor_ledger::date::Date;

#[derive(Subcommand, Debug)]
pub enum LedgerCommand {
    /// Import journal entries (drafts of one batch; ids already imported are skipped)
    #[command(
        after_help = "Exit code: 0 imported, 1 the file has errors (nothing imported; every problem is listed), 2 usage error.\n\nExample:\n  kontor ledger import --company muster --format jsonl journal.jsonl"
    )]
    Import {
        #[arg(long)]
        company: String,
        #[arg(long, value_enum, default_value_t = ImportFormat::Jsonl)]
        format: ImportFormat,
        file: PathBuf,
    },
    /// Export for the tax advisor (DATEV EXTF Buchungsstapel)
    #[command(
        after_help = "Entries sent in an earlier export are left out unless --again is given.\n\nExample:\n  kontor ledger export datev --company muster --from 2026-01-01 --to 2026-01-31 --out exports/ --berater 29098 --mandant 55003"
    )]
    Export {
        #[arg(value_enum)]
        kind: ExportKind,
        #[arg(long)]
        company: String,
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        /// Directory for the file
        #[arg(long)]
        out: PathBuf,
        /// DATEV Beraternummer of the tax advisor (1001–9999999); the
        /// company's last export's number if omitted
        #[arg(long)]
        berater: Option<u32>,
        /// DATEV Mandantennummer of the company (1–99999); the company's
        /// last export's number if omitted
        #[arg(long)]
        mandant: Option<u32>,
        /// Include entries that were exported before
        #[arg(long)]
        again: bool,
    },
    /// Reports as CSV: GuV, Bilanz, open items (OPOS), Kontoblatt
    #[command(
        after_help = "Examples:\n  kontor ledger report guv --company muster --from 2026-01-01 --to 2026-12-31\n  kontor ledger report bilanz --company muster --to 2026-12-31\n  kontor ledger report opos --company muster --to 2026-06-30\n  kontor ledger report kontoblatt --company muster --account 1200 --from 2026-01-01 --to 2026-01-31"
    )]
    Report {
        #[arg(value_enum)]
        kind: ReportKind,
        #[arg(long)]
        company: String,
        /// First posting date (GuV, Kontoblatt)
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: String,
        /// The account (Kontoblatt)
        #[arg(long)]
        account: Option<String>,
    },
    /// Trial balance: one line per account, account;debit_cents;credit_cents;balance_cents
    #[command(
        after_help = "Example:\n  kontor ledger balance --company muster --from 2026-01-01 --to 2026-03-31 --format csv"
    )]
    Balance {
        #[arg(long)]
        company: String,
        /// First posting date (YYYY-MM-DD), default: the beginning
        #[arg(long)]
        from: Option<String>,
        /// Last posting date (YYYY-MM-DD), default: the end
        #[arg(long)]
        to: Option<String>,
        #[arg(long, value_enum, default_value_t = BalanceFormat::Csv)]
        format: BalanceFormat,
    },
    /// UStVA Kennzahlen of a month (2026-03) or a quarter (2026-Q1)
    #[command(after_help = "Example:\n  kontor ledger ustva --company muster --period 2026-Q1")]
    Ustva {
        #[arg(long)]
        company: String,
        #[arg(long)]
        period: String,
    },
    /// Fix (festschreiben) every draft entry up to and including a month
    #[command(after_help = "Example:\n  kontor ledger fix --company muster --period 2026-03")]
    Fix {
        #[arg(long)]
        company: String,
        #[arg(long)]
        period: String,
    },
    /// Close a month: its entries are fixed and nothing can be booked into it any more
    #[command(after_help = "Example:\n  kontor ledger close --company muster --period 2026-03")]
    Close {
        #[arg(long)]
        company: String,
        #[arg(long)]
        period: String,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ImportFormat {
    /// The neutral JSON Lines format (docs/ledger.md)
    Jsonl,
    /// A DATEV EXTF Buchungsstapel (CSV, Windows-1252)
    Datev,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ReportKind {
    /// Gewinn- und Verlustrechnung by HGB position
    Guv,
    /// Bilanz by HGB position
    Bilanz,
    /// Open items per personal account and document
    Opos,
    /// Account ledger with running balance
    Kontoblatt,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ExportKind {
    /// DATEV EXTF 700 Buchungsstapel, with the Debitoren/Kreditoren master data
    Datev,
    /// GoBD data export for auditors (Z3): index.xml, DTD, CSV tables
    Gobd,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum BalanceFormat {
    Csv,
}

fn parse_date(s: &str, what: &str) -> Result<Date> {
    Date::parse(s).with_context(|| format!("{what} {s:?} is not a date YYYY-MM-DD"))
}

/// `2026-03` → (202603, 202603); `2026-Q1` → (202601, 202603).
pub fn parse_period(s: &str) -> Result<(u32, u32)> {
    kontor_ledger::date::parse_period(s)
        .with_context(|| format!("{s:?} is not a month (2026-03) or a quarter (2026-Q1)"))
}

pub async fn run(app: &App, actor: &Actor, command: LedgerCommand, out: &mut dyn Write) -> Result<i32> {
    match command {
        LedgerCommand::Import { company, format, file } => {
            let c = app.company(actor, &company).await?;
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let source = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "import".into());
            let r = match format {
                ImportFormat::Jsonl => {
                    let text = String::from_utf8(bytes).map_err(|e| {
                        let at = e.utf8_error().valid_up_to();
                        let bytes = e.as_bytes();
                        let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
                        let line_start = bytes[..at].iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
                        // Everything before `at` is valid UTF-8: count characters.
                        let column = std::str::from_utf8(&bytes[line_start..at]).map_or(0, |s| s.chars().count()) + 1;
                        anyhow::anyhow!(
                            "{}:{line}:{column}: not UTF-8 text (byte 0x{:02x}); save the journal as UTF-8 and import it again, nothing was imported",
                            file.display(),
                            bytes[at]
                        )
                    })?;
                    app.import_journal_jsonl(actor, &c, &source, text).await?
                }
                ImportFormat::Datev => app.import_datev(actor, &c, &source, &bytes).await?,
            };
            if !r.errors.is_empty() {
                for e in &r.errors {
                    writeln!(out, "{}: {e}", file.display())?;
                }
                writeln!(
                    out,
                    "{} of {} lines have errors; nothing was imported.",
                    r.errors.len(),
                    r.lines
                )?;
                return Ok(1);
            }
            writeln!(
                out,
                "{} entries imported (journal numbers {}–{}), {} already imported before and skipped; batch {}",
                r.imported,
                r.first_number.map_or("-".into(), |n| n.to_string()),
                r.last_number.map_or("-".into(), |n| n.to_string()),
                r.skipped_duplicates,
                r.batch.as_deref().unwrap_or("-")
            )?;
            Ok(0)
        }
        LedgerCommand::Export {
            kind: ExportKind::Gobd,
            company,
            from,
            to,
            out: dir,
            ..
        } => {
            let c = app.company(actor, &company).await?;
            let (from, to) = (parse_date(&from, "--from")?, parse_date(&to, "--to")?);
            let files = app.export_gobd(actor, &c, from, to).await?;
            std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
            for (name, bytes) in &files {
                let path = dir.join(name);
                std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
            }
            writeln!(
                out,
                "GoBD export {from}–{to}: {} files written to {}",
                files.len(),
                dir.display()
            )?;
            Ok(0)
        }
        LedgerCommand::Export {
            kind: ExportKind::Datev,
            company,
            from,
            to,
            out: dir,
            berater,
            mandant,
            again,
        } => {
            let c = app.company(actor, &company).await?;
            let known = app.datev_ids(actor, &c).await?;
            let (Some(berater), Some(mandant)) = (
                berater.or(known.map(|k| k.berater)),
                mandant.or(known.map(|k| k.mandant)),
            ) else {
                bail!(
                    "give --berater (1001–9999999) and --mandant (1–99999), the numbers DATEV knows the company by; \
                     later exports remember them"
                );
            };
            let (from, to) = (parse_date(&from, "--from")?, parse_date(&to, "--to")?);
            let x = app
                .export_datev(
                    actor,
                    &c,
                    kontor_app::ledger::DatevIds { berater, mandant },
                    from,
                    to,
                    again,
                )
                .await?;
            let partners = app
                .export_datev_partners(actor, &c, kontor_app::ledger::DatevIds { berater, mandant })
                .await?;
            std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
            let path = dir.join(&x.file_name);
            std::fs::write(&path, &x.bytes).with_context(|| format!("cannot write {}", path.display()))?;
            let ppath = dir.join(&partners.file_name);
            std::fs::write(&ppath, &partners.bytes).with_context(|| format!("cannot write {}", ppath.display()))?;

            writeln!(
                out,
                "{} entries written to {} ({} left out as exported before; export {})",
                x.entries,
                path.display(),
                x.already_exported,
                x.export_id
            )?;
            writeln!(
                out,
                "{} business partners' master data (Debitoren/Kreditoren) written to {}",
                partners.partners,
                ppath.display()
            )?;
            Ok(0)
        }
        LedgerCommand::Report {
            kind,
            company,
            from,
            to,
            account,
        } => {
            let c = app.company(actor, &company).await?;
            let to = parse_date(&to, "--to")?;
            let from = from.as_deref().map(|s| parse_date(s, "--from")).transpose()?;
            let need_from = || from.with_context(|| "--from is needed for this report".to_string());
            match kind {
                ReportKind::Guv => {
                    let r = app.profit_and_loss(actor, &c, need_from()?, to).await?;
                    writeln!(out, "side;position;cents;accounts")?;
                    for (side, list) in [("ertrag", &r.income), ("aufwand", &r.expenses)] {
                        for p in list {
                            let accounts: Vec<String> = p.accounts.iter().map(|a| a.to_string()).collect();
                            writeln!(out, "{side};{};{};{}", p.position, p.amount.0, accounts.join(" "))?;
                        }
                    }
                    writeln!(out, "ergebnis;Jahresüberschuss/-fehlbetrag;{};", r.result.0)?;
                }
                ReportKind::Bilanz => {
                    let b = app.balance_sheet(actor, &c, to).await?;
                    writeln!(out, "side;position;cents")?;
                    for p in &b.assets {
                        writeln!(out, "aktiva;{};{}", p.position, p.amount.0)?;
                    }
                    for p in &b.liabilities_and_equity {
                        writeln!(out, "passiva;{};{}", p.position, p.amount.0)?;
                    }
                    writeln!(out, "passiva;Jahresüberschuss/-fehlbetrag;{}", b.result.0)?;
                    writeln!(out, "summe;Aktiva;{}", b.total_assets.0)?;
                    writeln!(out, "summe;Passiva;{}", b.total_liabilities_and_equity.0)?;
                }
                ReportKind::Opos => {
                    writeln!(out, "account;reference;cents;first_date;last_date")?;
                    for i in app.open_items(actor, &c, to).await? {
                        writeln!(
                            out,
                            "{};{};{};{};{}",
                            i.account, i.reference, i.amount.0, i.first_date, i.last_date
                        )?;
                    }
                }
                ReportKind::Kontoblatt => {
                    let a = account
                        .as_deref()
                        .with_context(|| "--account is needed for the Kontoblatt".to_string())?;
                    let a = kontor_ledger::account::AccountNo::parse(a)
                        .with_context(|| format!("--account {a:?} is not an account number"))?;
                    let l = app.account_ledger(actor, &c, a, need_from()?, to).await?;
                    writeln!(out, "date;number;reference;text;cents;balance_cents")?;
                    writeln!(out, ";;;Anfangsbestand {} {};;{}", l.account, l.name, l.opening.0)?;
                    for (d, n, r, t, amount, bal) in &l.lines {
                        writeln!(out, "{d};{n};{r};{};{};{}", t.replace(';', ","), amount.0, bal.0)?;
                    }
                    writeln!(out, ";;;Endbestand;;{}", l.closing.0)?;
                }
            }
            Ok(0)
        }
        LedgerCommand::Balance {
            company,
            from,
            to,
            format: BalanceFormat::Csv,
        } => {
            let c = app.company(actor, &company).await?;
            let from = from.as_deref().map(|s| parse_date(s, "--from")).transpose()?;
            let to = to.as_deref().map(|s| parse_date(s, "--to")).transpose()?;
            if let (Some(f), Some(t)) = (from, to) {
                if t < f {
                    bail!("--to {t} is before --from {f}");
                }
            }
            let tb = app.trial_balance(actor, &c, from, to).await?;
            out.write_all(tb.csv().as_bytes())?;
            Ok(0)
        }
        LedgerCommand::Ustva { company, period } => {
            let c = app.company(actor, &company).await?;
            let (from, to) = parse_period(&period)?;
            let u = app.ustva(actor, &c, from, to).await?;
            writeln!(out, "kz;amount;euros;entries")?;
            for l in &u.lines {
                writeln!(
                    out,
                    "{};{};{};{}",
                    l.kz,
                    l.cents,
                    l.euros.map_or(String::new(), |e| e.to_string()),
                    l.entries.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(" ")
                )?;
            }
            writeln!(out, "83;{};;", u.kz83)?;
            Ok(0)
        }
        LedgerCommand::Fix { company, period } => {
            let c = app.company(actor, &company).await?;
            let (_, to) = parse_period(&period)?;
            let n = app.fix_ledger(actor, &c, to).await?;
            writeln!(out, "{n} entries fixed (festgeschrieben) up to {period}")?;
            Ok(0)
        }
        LedgerCommand::Close { company, period } => {
            let (from, to) = parse_period(&period)?;
            if from != to {
                bail!("close one month at a time, e.g. --period 2026-03");
            }
            let c = app.company(actor, &company).await?;
            let n = app.close_period(actor, &c, to).await?;
            writeln!(out, "period {period} closed; {n} entries fixed")?;
            Ok(0)
        }
    }
}
