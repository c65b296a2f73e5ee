//! `kontor bank`: bank accounts, statement import (CAMT.052/053/054,
//! MT940/942), matching, the SEPA file of a released payment run, and the
//! benchmarks of matching and CAMT parsing.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{anyhow, Context, Result};
use clap::Subcommand;
use kontor_app::{Actor, App};
use kontor_banking::matching::{self, BankLine, Item};
use kontor_banking::sepa::PainVersion;

#[derive(Subcommand, Debug)]
pub enum BankCommand {
    /// List a company's bank accounts with ledger and statement balance
    Accounts {
        #[arg(long)]
        company: String,
    },
    /// Add a bank account (IBAN and BIC are checked)
    AddAccount {
        #[arg(long)]
        company: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        iban: String,
        #[arg(long)]
        bic: Option<String>,
        /// Ledger account (default: 1200 in SKR03, 1800 in SKR04)
        #[arg(long)]
        ledger_account: Option<u32>,
    },
    /// Import a bank statement file (CAMT.052/053/054 or MT940/942); a
    /// statement imported before is recognised and nothing is booked twice
    #[command(
        after_help = "Examples:\n  kontor bank import --company demo auszug-2026-11.xml\n  kontor bank import --company demo umsaetze.sta"
    )]
    Import {
        #[arg(long)]
        company: String,
        file: PathBuf,
    },
    /// Match all open bank lines again (e.g. after new invoices)
    Reconcile {
        #[arg(long)]
        company: String,
    },
    /// Write the SEPA credit transfer file of a released payment run
    Pain {
        #[arg(long)]
        company: String,
        /// The run's number
        #[arg(long)]
        run: i64,
        /// pain.001.001.09 (default) or pain.001.001.03
        #[arg(long, default_value = "09")]
        version: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Benchmark: matching N bank lines against M open items, and parsing
    /// a generated CAMT.053 (no database)
    #[command(after_help = "Example:\n  kontor bank bench --lines 100000 --items 100000")]
    Bench {
        #[arg(long, default_value_t = 100_000)]
        lines: usize,
        #[arg(long, default_value_t = 100_000)]
        items: usize,
        /// Entries in the generated CAMT.053 file
        #[arg(long, default_value_t = 50_000)]
        camt_entries: usize,
    },
}

fn money(c: i64) -> String {
    format!("{}{}.{:02}", if c < 0 { "-" } else { "" }, c.abs() / 100, c.abs() % 100)
}

pub async fn run(app: &App, actor: &Actor, cmd: BankCommand, out: &mut dyn Write) -> Result<i32> {
    let company = |code: &str| {
        let code = code.to_string();
        async move { app.company(actor, &code).await.map_err(|e| anyhow!("{e}")) }
    };
    match cmd {
        BankCommand::Accounts { company: code } => {
            let c = company(&code).await?;
            for v in app.bank_accounts(actor, &c).await.map_err(|e| anyhow!("{e}"))? {
                writeln!(
                    out,
                    "{}\t{}\t{}\tledger {}\tstatement {}\topen lines {}",
                    v.account.data.name,
                    v.account.iban,
                    v.account.ledger_account,
                    money(v.ledger_balance),
                    v.statement_balance
                        .map(|(b, d)| format!("{} ({d})", money(b)))
                        .unwrap_or_else(|| "-".into()),
                    v.open_lines
                )?;
            }
            Ok(0)
        }
        BankCommand::AddAccount {
            company: code,
            name,
            iban,
            bic,
            ledger_account,
        } => {
            let c = company(&code).await?;
            let a = app
                .add_bank_account(actor, &c, &name, &iban, bic.as_deref(), ledger_account)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            writeln!(out, "{}\t{}\t{}", a.id, a.iban, a.ledger_account)?;
            Ok(0)
        }
        BankCommand::Import { company: code, file } => {
            let c = company(&code).await?;
            let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let r = app
                .import_bank_file(actor, &c, &name, &bytes)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            for s in &r.statements {
                if s.already_imported {
                    writeln!(
                        out,
                        "{} {}: imported before, nothing booked",
                        s.format,
                        s.statement_id.clone().unwrap_or_default()
                    )?;
                } else {
                    writeln!(
                        out,
                        "{} {} ({}): {} new lines, {} known already, {} pending",
                        s.format,
                        s.statement_id.clone().unwrap_or_default(),
                        s.account,
                        s.new_lines,
                        s.skipped_lines,
                        s.pending_lines
                    )?;
                }
            }
            writeln!(out, "{} booked by kontor, {} for a person", r.booked, r.open)?;
            Ok(0)
        }
        BankCommand::Reconcile { company: code } => {
            let c = company(&code).await?;
            let (booked, open) = app.reconcile(actor, &c).await.map_err(|e| anyhow!("{e}"))?;
            writeln!(out, "{booked} booked, {open} for a person")?;
            Ok(0)
        }
        BankCommand::Pain {
            company: code,
            run,
            version,
            out: file,
        } => {
            let c = company(&code).await?;
            let v = PainVersion::parse(&version).ok_or_else(|| anyhow!("--version must be 09 or 03"))?;
            let r = app
                .payment_runs(actor, &c)
                .await
                .map_err(|e| anyhow!("{e}"))?
                .into_iter()
                .find(|r| r.number == run)
                .ok_or_else(|| anyhow!("company {code} has no payment run {run}"))?;
            let (_, bytes) = app
                .payment_file(actor, &c, &r.id, v)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            std::fs::write(&file, bytes).with_context(|| format!("writing {}", file.display()))?;
            writeln!(out, "{}", file.display())?;
            Ok(0)
        }
        BankCommand::Bench { .. } => Err(anyhow!("the benchmark needs no installation")),
    }
}

/// Deterministic pseudo-random numbers for the generated data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Open items and bank lines like a busy company's year: 70 % of the lines
/// name their invoice, 10 % are our own transfers (end-to-end id), 10 %
/// come from a known IBAN without a number, 10 % fit nothing.
fn generate(lines: usize, items: usize) -> (Vec<Item>, Vec<BankLine>) {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut its = Vec::with_capacity(items);
    for i in 0..items {
        let customer = i % 2 == 0;
        let amount = (1_000 + rng.below(500_000)) as i64;
        let partner = rng.below(5_000);
        its.push(Item {
            key: format!(
                "{}/RE-2026-{i:06}",
                if customer { 10_000 + partner } else { 70_000 + partner }
            ),
            partner: Some(format!("p{partner}")),
            reference: format!("RE-2026-{i:06}"),
            amount: if customer { amount } else { -amount },
            original: if customer { amount } else { -amount },
            partner_ibans: vec![format!("DE{:020}", partner)],
            partner_number: Some(format!(
                "{}",
                if customer { 10_000 + partner } else { 70_000 + partner }
            )),
            skonto: None,
            end_to_end_ids: if i % 10 == 1 {
                vec![format!("KONTOR-PR1-{i}")]
            } else {
                Vec::new()
            },
        });
    }
    let mut ls = Vec::with_capacity(lines);
    for n in 0..lines {
        // Each item is paid at most once: a permutation of the items.
        let kind = n % 10;
        let mut i = (n as u64 * 7_919 % items as u64) as usize;
        if kind == 7 {
            // Our own transfers: the items of a payment run.
            i = (i - i % 10 + 1).min(items - 1);
        }
        let it = &its[i];
        let (remittance, e2e, iban, amount) = match kind {
            0..=6 => (
                format!(
                    "Rechnung {} Kd {}",
                    it.reference,
                    it.partner_number.clone().unwrap_or_default()
                ),
                vec![],
                None,
                it.amount,
            ),
            7 => (
                String::from("Zahlung"),
                vec![format!("KONTOR-PR1-{i}")],
                None,
                it.amount,
            ),
            8 => (
                String::from("Danke"),
                vec![],
                Some(it.partner_ibans[0].clone()),
                it.amount,
            ),
            _ => (format!("Lastschrift {n}"), vec![], None, 1 + rng.below(999) as i64),
        };
        ls.push(BankLine {
            key: format!("l{n}"),
            amount,
            date: "2026-11-20".into(),
            remittance,
            counterparty_iban: iban,
            end_to_end_ids: e2e,
            is_return: false,
        });
    }
    (its, ls)
}

/// A camt.053.001.08 with `entries` entries of one account (about 1 KB each).
fn camt(entries: usize) -> Vec<u8> {
    let mut x = String::with_capacity(entries * 1_100 + 2_000);
    x.push_str(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
<GrpHdr><MsgId>BENCH</MsgId><CreDtTm>2026-11-27T18:00:00+01:00</CreDtTm></GrpHdr>
<Stmt><Id>BENCH-1</Id><ElctrncSeqNb>1</ElctrncSeqNb>
<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>
"#,
    );
    let mut sum = 0i64;
    let mut body = String::new();
    for n in 0..entries {
        let amount = (n as i64 % 9_000) + 100;
        let credit = n % 3 != 0;
        sum += if credit { amount } else { -amount };
        body.push_str(&format!(
            r#"<Ntry><Amt Ccy="EUR">{}.{:02}</Amt><CdtDbtInd>{}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-11-27</Dt></BookgDt><ValDt><Dt>2026-11-27</Dt></ValDt><AcctSvcrRef>REF{n:08}</AcctSvcrRef>
<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
<NtryDtls><TxDtls><Refs><EndToEndId>E2E-{n:08}</EndToEndId></Refs><Amt Ccy="EUR">{}.{:02}</Amt><CdtDbtInd>{}</CdtDbtInd>
<RltdPties><Dbtr><Pty><Nm>Kunde {n} GmbH</Nm></Pty></Dbtr><DbtrAcct><Id><IBAN>DE02120300000000202051</IBAN></Id></DbtrAcct></RltdPties>
<RltdAgts><DbtrAgt><FinInstnId><BICFI>BYLADEM1001</BICFI></FinInstnId></DbtrAgt></RltdAgts>
<RmtInf><Ustrd>Rechnung RE-2026-{n:06} Kundennummer 10{n:04}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
"#,
            amount / 100,
            amount % 100,
            if credit { "CRDT" } else { "DBIT" },
            amount / 100,
            amount % 100,
            if credit { "CRDT" } else { "DBIT" },
        ));
    }
    let bal = |code: &str, c: i64| {
        format!(
            "<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">{}.{:02}</Amt><CdtDbtInd>{}</CdtDbtInd><Dt><Dt>2026-11-27</Dt></Dt></Bal>\n",
            c.abs() / 100,
            c.abs() % 100,
            if c < 0 { "DBIT" } else { "CRDT" }
        )
    };
    x.push_str(&bal("PRCD", 100_000_000));
    x.push_str(&bal("CLBD", 100_000_000 + sum));
    x.push_str(&body);
    x.push_str("</Stmt></BkToCstmrStmt></Document>\n");
    x.into_bytes()
}

pub fn bench(cmd: BankCommand, out: &mut dyn Write) -> Result<i32> {
    let BankCommand::Bench {
        lines,
        items,
        camt_entries,
    } = cmd
    else {
        return Err(anyhow!("not a benchmark"));
    };
    let (its, ls) = generate(lines, items);
    let t = Instant::now();
    let (proposals, _) = matching::match_all(its, &ls, 90);
    let secs = t.elapsed().as_secs_f64();
    let mut by_reason: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    let mut auto = 0;
    for p in &proposals {
        *by_reason.entry(p.reason.as_str()).or_default() += 1;
        if !p.person_only && p.confidence >= 90 {
            auto += 1;
        }
    }
    writeln!(
        out,
        "matching: {lines} lines against {items} open items in {secs:.2} s = {:.0} lines/s; {auto} booked without a person; {by_reason:?}",
        lines as f64 / secs
    )?;
    let file = camt(camt_entries);
    let t = Instant::now();
    let st = kontor_banking::read(&file).map_err(|e| anyhow!("{e}"))?;
    for (i, s) in st.iter().enumerate() {
        kontor_banking::check::verify(s, i).map_err(|e| anyhow!("{e}"))?;
    }
    let secs = t.elapsed().as_secs_f64();
    let mb = file.len() as f64 / 1_048_576.0;
    writeln!(
        out,
        "camt.053: {camt_entries} entries, {mb:.1} MB read and checked in {secs:.2} s = {:.1} MB/s ({:.0} entries/s)",
        mb / secs,
        camt_entries as f64 / secs
    )?;
    Ok(0)
}
