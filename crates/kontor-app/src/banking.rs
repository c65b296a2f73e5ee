//! Money moves (docs/banking.md): bank accounts, statement import with
//! balance check and re-import detection, matching of bank lines to open
//! items at the `bank_statement` process's automation level, bookings with
//! Skonto and its VAT correction, payment runs through the `payment_run`
//! process (four eyes, separation of duties, extra approval for recently
//! changed bank accounts) and their SEPA files.

use std::collections::{BTreeMap, HashMap};

use kontor_banking::matching::{self, Applied, BankLine, Item, Matcher};
use kontor_banking::sepa::{self, PainVersion};
use kontor_banking::Statement;
use kontor_core::sod::Duty;
use kontor_core::{Action, CompanyId, Iban, Module, Permission};
use kontor_ledger::account::{AccountNo, Chart, ChartKind};
use kontor_ledger::date::Date;
use kontor_ledger::entry::{Entry, Posting};
use kontor_ledger::money::Cents;
use kontor_ledger::tax::TaxCode;
use kontor_workflow::{AutomationLevel, StepDef};
use sha2::{Digest, Sha256};

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::ports::Tx;
use crate::records::*;
use crate::workflow::{conflict, StepError, StepResult};
use crate::App;

pub const PROCESS_PAYMENT_RUN: &str = "payment_run";
pub const PROCESS_BANK_STATEMENT: &str = "bank_statement";

/// A partner's bank account changed within this many days: the change is
/// shown in the run and its payment needs one more approval.
pub const IBAN_WATCH_DAYS: i64 = 14;

fn finance(action: Action) -> Permission {
    Permission::new(Module::Finance, action)
}

fn invalid(de: impl Into<String>, en: impl Into<String>) -> AppError {
    conflict(de, en)
}

/// The bank account as the pages show it.
#[derive(Clone, Debug)]
pub struct BankAccountView {
    pub account: BankAccountRecord,
    /// The ledger account's balance over all entries.
    pub ledger_balance: i64,
    /// The last statement's closing balance and date.
    pub statement_balance: Option<(i64, String)>,
    /// Lines not yet booked.
    pub open_lines: usize,
}

/// What one import did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    pub statements: Vec<StatementOutcome>,
    /// Lines booked without a person.
    pub booked: usize,
    /// Lines waiting for a person.
    pub open: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct StatementOutcome {
    pub statement_id: Option<String>,
    pub account: String,
    pub format: String,
    /// The same statement was imported before: nothing was booked.
    pub already_imported: bool,
    pub new_lines: usize,
    /// Lines already known from an overlapping statement.
    pub skipped_lines: usize,
    /// Intraday lines not yet booked by the bank (not stored).
    pub pending_lines: usize,
}

/// How a person books a bank line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineBooking {
    /// kontor's proposal as it stands.
    Proposal,
    /// Against open items: (item key `account/reference`, paid, discount),
    /// cents positive.
    Items(Vec<(String, i64, i64)>),
    /// To accounts: (account, cents signed like the line, reference,
    /// tax code); e.g. bank fees, a return's fee, rent without invoice.
    Accounts(Vec<(u32, i64, String, Option<String>)>),
}

/// Facts about an open item the booking needs beyond the matcher's view.
#[derive(Clone, Debug, Default)]
struct ItemInfo {
    account: u32,
    /// Base amounts per tax code of the invoice entry (for Skonto VAT).
    tax_weights: Vec<(TaxCode, i64)>,
}

fn compact(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase()
}

fn sha(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0x1f]);
    }
    hex::encode(h.finalize())
}

/// The statement's fingerprint: the same statement downloaded again (or
/// in another file) has the same one.
fn fingerprint(account_id: &str, s: &Statement) -> String {
    let mut parts: Vec<String> = vec![
        account_id.to_string(),
        s.format.as_str().to_string(),
        s.id.clone().unwrap_or_default(),
        s.sequence.clone().unwrap_or_default(),
    ];
    for b in &s.balances {
        parts.push(format!(
            "{}:{}:{}",
            b.kind.code(),
            b.amount,
            b.date.clone().unwrap_or_default()
        ));
    }
    for l in &s.lines {
        parts.push(format!(
            "{}:{}:{}:{}",
            l.amount,
            l.booking_date.clone().unwrap_or_default(),
            l.account_servicer_ref.clone().unwrap_or_default(),
            l.remittance()
        ));
    }
    let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
    sha(&refs)
}

/// A line's content key: the bank's reference where it gives one, else
/// what the line says; `n` counts identical lines within one statement.
fn line_key(l: &kontor_banking::Line, n: usize) -> String {
    let date = l
        .booking_date
        .clone()
        .or_else(|| l.value_date.clone())
        .unwrap_or_default();
    let amount = l.amount.to_string();
    let n = n.to_string();
    match l
        .account_servicer_ref
        .as_deref()
        .filter(|r| !r.is_empty() && *r != "NONREF")
    {
        Some(r) => sha(&["ref", &date, &amount, r, &n]),
        None => {
            let e2e: Vec<&str> = l.end_to_end_ids().collect();
            sha(&[
                "content",
                &date,
                &amount,
                &e2e.join(","),
                &l.remittance(),
                l.counterparty_iban().unwrap_or(""),
                &n,
            ])
        }
    }
}

/// Skonto accounts per chart: (received, granted) for 19 %, 7 %, none.
fn skonto_account(kind: ChartKind, received: bool, code: Option<TaxCode>) -> u32 {
    let skr04 = kind == ChartKind::Skr04;
    match (received, code) {
        (true, Some(TaxCode::VSt19)) => {
            if skr04 {
                5736
            } else {
                3736
            }
        }
        (true, Some(TaxCode::VSt7)) => {
            if skr04 {
                5731
            } else {
                3731
            }
        }
        (true, _) => {
            if skr04 {
                5730
            } else {
                3730
            }
        }
        (false, Some(TaxCode::USt19)) => {
            if skr04 {
                4736
            } else {
                8736
            }
        }
        (false, Some(TaxCode::USt7)) => {
            if skr04 {
                4731
            } else {
                8731
            }
        }
        (false, _) => {
            if skr04 {
                4730
            } else {
                8730
            }
        }
    }
}

/// The default ledger account for a company's bank account.
pub fn default_bank_ledger_account(kind: ChartKind) -> u32 {
    match kind {
        ChartKind::Skr04 => 1800,
        _ => 1200,
    }
}

impl App {
    async fn chart_kind(&self, tx: &mut Box<dyn Tx>, company: CompanyId) -> AppResult<ChartKind> {
        Ok(ChartKind::parse(&tx.company_chart(company).await?).unwrap_or(ChartKind::Skr03))
    }

    // ----------------------------------------------------------- accounts

    /// Adds a bank account: IBAN (check digits) and BIC checked, the ledger
    /// account must be a financial account of the chart.
    pub async fn add_bank_account(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        name: &str,
        iban: &str,
        bic: Option<&str>,
        ledger_account: Option<u32>,
    ) -> AppResult<BankAccountRecord> {
        actor.require(company.id, finance(Action::Write))?;
        let iban = Iban::parse(iban).map_err(|e| AppError::Invalid(vec![e]))?;
        let bic = match bic.map(str::trim).filter(|b| !b.is_empty()) {
            Some(b) => Some(
                kontor_banking::bic::Bic::parse(b)
                    .map_err(|e| invalid(e.de, e.en))?
                    .as_str()
                    .to_string(),
            ),
            None => None,
        };
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(invalid(
                "Der Name des Bankkontos muss 1 bis 100 Zeichen haben.",
                "The bank account's name must have 1 to 100 characters.",
            ));
        }
        let mut tx = self.store().begin().await?;
        let kind = self.chart_kind(&mut tx, company.id).await?;
        let ledger_account = ledger_account.unwrap_or_else(|| default_bank_ledger_account(kind));
        let chart = Chart::standard(kind);
        let ok = AccountNo::from_number(ledger_account).is_some_and(|a| chart.account(a).is_some() && !a.is_personal());
        if !ok {
            return Err(invalid(
                format!("Das Sachkonto {ledger_account} gibt es im {} nicht.", kind.as_str()),
                format!(
                    "The ledger account {ledger_account} is not in the {} chart.",
                    kind.as_str()
                ),
            ));
        }
        if tx
            .bank_accounts(company.id)
            .await?
            .iter()
            .any(|a| a.iban == iban.as_str())
        {
            return Err(AppError::AlreadyExists {
                what: "bank account",
                key: iban.to_string(),
            });
        }
        let now = self.now();
        let rec = BankAccountRecord {
            id: self.ids().new_uuid().to_string(),
            company_id: company.id,
            iban: iban.as_str().to_string(),
            ledger_account,
            data: BankAccountData {
                name: name.to_string(),
                bic,
                currency: "EUR".into(),
                aliases: Vec::new(),
            },
            created_at: now,
            updated_at: now,
        };
        tx.insert_bank_account(&rec).await?;
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "bank.account_add",
            &rec.id,
            format!("{} {} on ledger account {ledger_account}", rec.data.name, iban),
        )
        .await?;
        tx.commit().await?;
        Ok(rec)
    }

    /// Adds another identification (e.g. `BLZ/Konto` of MT940 files) under
    /// which statements of the account arrive.
    pub async fn add_bank_account_alias(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        account_id: &str,
        alias: &str,
    ) -> AppResult<()> {
        actor.require(company.id, finance(Action::Write))?;
        let alias = compact(alias);
        if alias.is_empty() || alias.len() > 40 {
            return Err(invalid(
                "Die Kennung muss 1 bis 40 Zeichen haben.",
                "The identification must have 1 to 40 characters.",
            ));
        }
        let mut tx = self.store().begin().await?;
        let mut acc = bank_account(&mut tx, company.id, account_id).await?;
        if !acc.data.aliases.contains(&alias) {
            acc.data.aliases.push(alias.clone());
        }
        acc.updated_at = self.now();
        tx.update_bank_account(&acc).await?;
        self.audit(&mut tx, actor, Some(company.id), "bank.account_alias", &acc.id, alias)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The company's bank accounts with ledger and statement balances.
    pub async fn bank_accounts(&self, actor: &Actor, company: &CompanyRecord) -> AppResult<Vec<BankAccountView>> {
        actor.require(company.id, finance(Action::Read))?;
        let mut tx = self.store().begin_read().await?;
        let accounts = tx.bank_accounts(company.id).await?;
        let totals = tx.ledger_totals(company.id).await?;
        let mut out = Vec::new();
        for a in accounts {
            let ledger_balance = totals
                .iter()
                .filter(|t| t.account == a.ledger_account && &t.currency == b"EUR")
                .map(|t| t.debit - t.credit)
                .sum();
            let statement_balance = tx
                .bank_statements(company.id, &a.id, 1)
                .await?
                .into_iter()
                .find_map(|s| s.data.closing);
            let open_lines = tx
                .bank_lines(company.id, Some(&a.id), Some(bank_line_state::OPEN), 100_000)
                .await?
                .len();
            out.push(BankAccountView {
                account: a,
                ledger_balance,
                statement_balance,
                open_lines,
            });
        }
        Ok(out)
    }

    pub async fn bank_statements(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        account_id: &str,
    ) -> AppResult<Vec<BankStatementRecord>> {
        actor.require(company.id, finance(Action::Read))?;
        let mut tx = self.store().begin_read().await?;
        Ok(tx.bank_statements(company.id, account_id, 500).await?)
    }

    pub async fn bank_lines(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        account_id: Option<&str>,
        state: Option<&str>,
        limit: u32,
    ) -> AppResult<Vec<BankLineRecord>> {
        actor.require(company.id, finance(Action::Read))?;
        let mut tx = self.store().begin_read().await?;
        Ok(tx.bank_lines(company.id, account_id, state, limit).await?)
    }

    pub async fn bank_line(&self, actor: &Actor, company: &CompanyRecord, id: &str) -> AppResult<BankLineRecord> {
        actor.require(company.id, finance(Action::Read))?;
        let mut tx = self.store().begin_read().await?;
        tx.bank_line(company.id, id).await?.ok_or_else(|| AppError::NotFound {
            what: "bank line",
            key: id.to_string(),
        })
    }

    // ------------------------------------------------------------- import

    /// Imports a bank file (CAMT.052/053/054, MT940/942). Every statement
    /// is checked first; if one fails, nothing is imported. A statement
    /// imported before is recognised and skipped, and so are lines an
    /// overlapping statement brought already. New lines are matched at
    /// the `bank_statement` process's automation level right away.
    pub async fn import_bank_file(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        file_name: &str,
        bytes: &[u8],
    ) -> AppResult<ImportReport> {
        actor.require(company.id, finance(Action::Write))?;
        let statements = kontor_banking::read(bytes).map_err(|e| {
            invalid(
                format!("{file_name}: {}", e.message(true)),
                format!("{file_name}: {}", e.message(false)),
            )
        })?;
        for (i, s) in statements.iter().enumerate() {
            kontor_banking::check::verify(s, i).map_err(|e| {
                invalid(
                    format!("{file_name}: {}", e.message(true)),
                    format!("{file_name}: {}", e.message(false)),
                )
            })?;
        }
        let file_sha = hex::encode(Sha256::digest(bytes));
        let mut tx = self.store().begin().await?;
        let accounts = tx.bank_accounts(company.id).await?;
        let mut report = ImportReport::default();
        let mut started: Vec<String> = Vec::new();
        let now = self.now();
        for s in &statements {
            let ident = s.account.identification().map(compact).unwrap_or_default();
            let acc = accounts
                .iter()
                .find(|a| a.iban == ident || a.data.aliases.contains(&ident))
                .ok_or_else(|| {
                    invalid(
                        format!(
                            "{file_name}: Für das Konto {ident} gibt es in {} kein Bankkonto. Bitte zuerst unter Bank → Bankkonten anlegen (oder die Kennung als weitere Kennung eines Kontos eintragen); nichts wurde importiert.",
                            company.name
                        ),
                        format!(
                            "{file_name}: {} has no bank account {ident}. Add it under Bank → Bank accounts first (or add the identification to an account); nothing was imported.",
                            company.name
                        ),
                    )
                })?;
            let ccy = s
                .account
                .currency
                .clone()
                .or_else(|| s.opening().map(|b| b.currency.clone()));
            if let Some(ccy) = ccy.filter(|c| *c != acc.data.currency) {
                return Err(invalid(
                    format!(
                        "{file_name}: Der Auszug ist in {}, das Bankkonto {} in {}.",
                        ccy, acc.data.name, acc.data.currency
                    ),
                    format!(
                        "{file_name}: the statement is in {}, the bank account {} in {}.",
                        ccy, acc.data.name, acc.data.currency
                    ),
                ));
            }
            let fp = fingerprint(&acc.id, s);
            let mut outcome = StatementOutcome {
                statement_id: s.id.clone(),
                account: acc.data.name.clone(),
                format: s.version.clone(),
                ..StatementOutcome::default()
            };
            if tx.bank_statement_by_fingerprint(company.id, &fp).await?.is_some() {
                outcome.already_imported = true;
                report.statements.push(outcome);
                continue;
            }
            // The same statement in another format (MT940 and CAMT.053 of
            // one day): same opening and closing balance, dates and number
            // of lines.
            let opening = s.opening().map(|b| (b.amount, b.date.clone().unwrap_or_default()));
            let closing = s.closing().map(|b| (b.amount, b.date.clone().unwrap_or_default()));
            if s.format.is_statement() && opening.is_some() && closing.is_some() && !s.lines.is_empty() {
                let twin = tx
                    .bank_statements(company.id, &acc.id, 500)
                    .await?
                    .into_iter()
                    .any(|o| {
                        o.data.opening == opening
                            && o.data.closing == closing
                            && o.data.lines == s.lines.len()
                            && (o.data.format == "camt.053" || o.data.format == "MT940")
                    });
                if twin {
                    outcome.already_imported = true;
                    report.statements.push(outcome);
                    continue;
                }
            }
            let statement_id = self.ids().new_uuid().to_string();
            // Keys, counting identical lines within the statement.
            let mut seen: HashMap<String, usize> = HashMap::new();
            let mut candidates: Vec<(String, &kontor_banking::Line)> = Vec::new();
            for l in &s.lines {
                if l.status.is_some_and(|st| st != kontor_banking::Status::Booked) {
                    outcome.pending_lines += 1;
                    continue;
                }
                let base = line_key(l, 0);
                let n = seen.entry(base).or_insert(0);
                *n += 1;
                candidates.push((line_key(l, *n), l));
            }
            let keys: Vec<String> = candidates.iter().map(|(k, _)| k.clone()).collect();
            let known: std::collections::HashSet<String> = tx
                .bank_line_keys(company.id, &acc.id, &keys)
                .await?
                .into_iter()
                .collect();
            let mut records = Vec::new();
            for (key, l) in candidates {
                if known.contains(&key) {
                    outcome.skipped_lines += 1;
                    continue;
                }
                records.push(BankLineRecord {
                    id: self.ids().new_uuid().to_string(),
                    company_id: company.id,
                    bank_account_id: acc.id.clone(),
                    statement_id: statement_id.clone(),
                    line_key: key,
                    booking_date: l
                        .booking_date
                        .clone()
                        .or_else(|| l.value_date.clone())
                        .unwrap_or_default(),
                    amount_cents: l.amount,
                    state: bank_line_state::OPEN.into(),
                    data: BankLineData {
                        line: l.clone(),
                        ..BankLineData::default()
                    },
                    created_at: now,
                    updated_at: now,
                });
            }
            outcome.new_lines = records.len();
            let rec = BankStatementRecord {
                id: statement_id.clone(),
                company_id: company.id,
                bank_account_id: acc.id.clone(),
                fingerprint: fp,
                closing_date: s.closing().and_then(|b| b.date.clone()),
                data: StatementData {
                    format: s.format.as_str().into(),
                    version: s.version.clone(),
                    statement_id: s.id.clone(),
                    sequence: s.sequence.clone(),
                    opening: s.opening().map(|b| (b.amount, b.date.clone().unwrap_or_default())),
                    closing: s.closing().map(|b| (b.amount, b.date.clone().unwrap_or_default())),
                    lines: s.lines.len(),
                    skipped: outcome.skipped_lines,
                    file_name: file_name.chars().take(200).collect(),
                    file_sha256: file_sha.clone(),
                    imported_by: actor.label.clone(),
                },
                imported_at: now,
            };
            tx.insert_bank_statement(&rec).await?;
            tx.insert_bank_lines(&records).await?;
            self.audit(
                &mut tx,
                actor,
                Some(company.id),
                "bank.import",
                &rec.id,
                format!(
                    "{} {} of {}: {} new lines, {} known from an overlapping import",
                    s.version,
                    s.id.clone().unwrap_or_default(),
                    acc.data.name,
                    outcome.new_lines,
                    outcome.skipped_lines
                ),
            )
            .await?;
            if outcome.new_lines > 0 {
                let data = InstanceData {
                    amount_cents: Some(records.iter().map(|r| r.amount_cents.abs()).sum()),
                    values: BTreeMap::from([
                        ("statement_id".to_string(), rec.id.clone()),
                        (
                            "title".to_string(),
                            format!("{} {}", acc.data.name, s.id.clone().unwrap_or_default()),
                        ),
                    ]),
                    involved: vec![crate::sod::person_of(actor)],
                    ..InstanceData::default()
                };
                self.start_process(
                    &mut tx,
                    company.id,
                    PROCESS_BANK_STATEMENT,
                    &rec.id,
                    data,
                    &actor.label,
                    false,
                )
                .await?;
                started.push(rec.id.clone());
            }
            report.statements.push(outcome);
        }
        tx.commit().await?;
        // Matching runs as the process's first step, now.
        for subject in &started {
            self.drive_started(company.id, PROCESS_BANK_STATEMENT, subject).await?;
        }
        if !started.is_empty() {
            let mut tx = self.store().begin_read().await?;
            for l in tx.bank_lines(company.id, None, None, 1_000_000).await? {
                if !started.contains(&l.statement_id) {
                    continue;
                }
                if l.state == bank_line_state::BOOKED {
                    report.booked += 1;
                } else if l.state == bank_line_state::OPEN {
                    report.open += 1;
                }
            }
        }
        Ok(report)
    }

    // ----------------------------------------------------------- matching

    /// The open items of the personal accounts as the matcher sees them:
    /// with the partners' IBANs and numbers, Skonto terms of incoming
    /// invoices and the end-to-end ids of released payment runs.
    async fn matching_items(
        &self,
        tx: &mut Box<dyn Tx>,
        company: CompanyId,
    ) -> AppResult<(Vec<Item>, HashMap<String, ItemInfo>)> {
        // All entries, newest period included.
        let mut entries = Vec::new();
        let mut after = 0;
        loop {
            let page = tx.ledger_entries(company, 0, 999_912, after, 5_000).await?;
            let Some(last) = page.last() else { break };
            after = last.number;
            entries.extend(page);
        }
        let open = kontor_ledger::reports::open_items(entries.iter().map(|r| &r.entry));
        let mut info: HashMap<String, ItemInfo> = HashMap::new();
        let mut original: HashMap<String, i64> = HashMap::new();
        for r in &entries {
            for p in r.entry.postings().iter().filter(|p| p.account.is_personal()) {
                let key = format!("{}/{}", p.account.number(), r.entry.reference);
                // The first posting that opened the item is the invoice.
                if let std::collections::hash_map::Entry::Vacant(v) = original.entry(key.clone()) {
                    v.insert(p.amount.0);
                    let weights: Vec<(TaxCode, i64)> = r
                        .entry
                        .postings()
                        .iter()
                        .filter_map(|q| q.tax_code.map(|c| (c, q.amount.0.abs())))
                        .collect();
                    info.insert(
                        key,
                        ItemInfo {
                            account: p.account.number(),
                            tax_weights: weights,
                        },
                    );
                }
            }
        }
        // Partners by their personal account.
        let partners = partners_by_account(tx, company).await?;
        // Skonto terms and end-to-end ids.
        let mut skonto: HashMap<(String, String), matching::Skonto> = HashMap::new();
        for p in partners.values() {
            for inv in tx.partner_invoices(company, &p.id.to_string(), 1_000).await? {
                if let (Some(n), Some(s)) = (inv.number.clone(), inv.data.skonto.clone()) {
                    skonto.insert((p.id.to_string(), n), s);
                }
            }
        }
        let mut e2e: HashMap<String, Vec<String>> = HashMap::new();
        for run in tx.payment_runs(company, 1_000).await? {
            if run.state != payment_run_state::RELEASED {
                continue;
            }
            for it in run.data.items.iter().filter(|i| i.selected && !i.paid) {
                e2e.entry(format!("{}/{}", it.account, it.reference))
                    .or_default()
                    .push(it.end_to_end_id.clone());
            }
        }
        let mut items = Vec::with_capacity(open.len());
        for o in open {
            let key = format!("{}/{}", o.account.number(), o.reference);
            let partner = partners.get(&o.account.number());
            let pid = partner.map(|p| p.id.to_string());
            items.push(Item {
                partner: pid.clone(),
                reference: o.reference.clone(),
                amount: o.amount.0,
                original: original.get(&key).copied().unwrap_or(o.amount.0),
                partner_ibans: partner
                    .and_then(|p| p.data.iban.as_ref())
                    .map(|i| vec![i.as_str().to_string()])
                    .unwrap_or_default(),
                partner_number: Some(o.account.number().to_string()),
                skonto: pid.and_then(|p| skonto.get(&(p, o.reference.clone())).cloned()),
                end_to_end_ids: e2e.remove(&key).unwrap_or_default(),
                key,
            });
        }
        Ok((items, info))
    }

    fn bank_line_view(l: &BankLineRecord) -> BankLine {
        BankLine {
            key: l.id.clone(),
            amount: l.amount_cents,
            date: l.booking_date.clone(),
            remittance: l.data.line.remittance(),
            counterparty_iban: l.data.line.counterparty_iban().map(str::to_string),
            end_to_end_ids: l.data.line.end_to_end_ids().map(str::to_string).collect(),
            is_return: l.data.line.is_return(),
        }
    }

    /// Matches open lines (of one statement, or all); applies proposals
    /// that may go without a person at `min_confidence`; stores the others.
    /// Returns (booked, still open).
    pub(crate) async fn reconcile_in(
        &self,
        tx: &mut Box<dyn Tx>,
        company: CompanyId,
        statement: Option<&str>,
        min_confidence: u8,
    ) -> AppResult<(usize, usize)> {
        let mut lines = tx
            .bank_lines(company, None, Some(bank_line_state::OPEN), 1_000_000)
            .await?;
        if let Some(s) = statement {
            lines.retain(|l| l.statement_id == s);
        }
        if lines.is_empty() {
            return Ok((0, 0));
        }
        let (items, info) = self.matching_items(tx, company).await?;
        let mut matcher = Matcher::new(items);
        let accounts = tx.bank_accounts(company).await?;
        let company_rec = self.company_record(tx, company).await?;
        let (mut booked, mut open) = (0, 0);
        let mut booked_lines: Option<Vec<BankLineRecord>> = None;
        for mut l in lines {
            let mut p = matcher.propose(&Self::bank_line_view(&l));
            if l.data.line.is_return() {
                if booked_lines.is_none() {
                    booked_lines = Some(
                        tx.bank_lines(company, None, Some(bank_line_state::BOOKED), 1_000_000)
                            .await?,
                    );
                }
                if let Some(orig) = booked_lines.as_deref().and_then(|b| original_of_return(&l, b)) {
                    let key = orig.data.booked_items[0].clone();
                    let reference = key.split_once('/').map(|(_, r)| r.to_string()).unwrap_or_default();
                    p.applied = vec![Applied {
                        item: key,
                        reference: reference.clone(),
                        paid: l.amount_cents,
                        discount: 0,
                    }];
                    p.confidence = 80;
                    p.person_only = true;
                    p.explanation = format!(
                        "return of the payment of {} for {reference}: the item is open again (a fee included is charged on)",
                        orig.booking_date
                    );
                    p.explanation_de = format!(
                        "Rückbuchung der Zahlung vom {} zu {reference}: der Posten ist wieder offen (eine enthaltene Gebühr wird weiterberechnet)",
                        orig.booking_date
                    );
                }
            }
            let auto = !p.person_only && p.confidence >= min_confidence && !p.applied.is_empty();
            if auto {
                let acc = accounts
                    .iter()
                    .find(|a| a.id == l.bank_account_id)
                    .ok_or_else(|| AppError::Internal("bank line without account".into()))?;
                self.post_line(
                    tx,
                    &company_rec,
                    acc,
                    &mut l,
                    &p.applied,
                    &[],
                    &info,
                    &Actor::system("matching"),
                )
                .await?;
                matcher.apply(&p.applied);
                l.data.proposal = Some(p);
                tx.update_bank_line(&l).await?;
                booked += 1;
            } else {
                l.data.proposal = Some(p);
                l.updated_at = self.now();
                tx.update_bank_line(&l).await?;
                open += 1;
            }
        }
        self.settle_payment_runs(tx, company).await?;
        Ok((booked, open))
    }

    pub(crate) async fn company_record(&self, tx: &mut Box<dyn Tx>, company: CompanyId) -> AppResult<CompanyRecord> {
        tx.list_companies()
            .await?
            .into_iter()
            .find(|c| c.id == company)
            .ok_or_else(|| AppError::NotFound {
                what: "company",
                key: company.to_string(),
            })
    }

    /// Posts a bank line: the bank account against the items (with Skonto
    /// and its VAT correction) and/or accounts; the line becomes `booked`.
    #[allow(clippy::too_many_arguments)]
    async fn post_line(
        &self,
        tx: &mut Box<dyn Tx>,
        company: &CompanyRecord,
        acc: &BankAccountRecord,
        line: &mut BankLineRecord,
        applied: &[Applied],
        splits: &[(u32, i64, String, Option<String>)],
        info: &HashMap<String, ItemInfo>,
        actor: &Actor,
    ) -> AppResult<()> {
        let kind = self.chart_kind(tx, company.id).await?;
        let chart = Chart::standard(kind);
        let acct = |n: u32| {
            AccountNo::from_number(n)
                .ok_or_else(|| invalid(format!("Konto {n} ist ungültig."), format!("Account {n} is invalid.")))
        };
        let bank = acct(acc.ledger_account)?;
        // One entry per item (and per split): Belegfeld 1 is the open-item
        // key, so a collective payment clears each invoice exactly.
        let mut parts: Vec<(Vec<Posting>, String)> = Vec::new();
        let mut refs: Vec<String> = Vec::new();
        for a in applied {
            let i = info.get(&a.item).cloned().unwrap_or_else(|| ItemInfo {
                account: a.item.split('/').next().and_then(|n| n.parse().ok()).unwrap_or(0),
                tax_weights: Vec::new(),
            });
            let mut postings = vec![
                Posting::new(bank, Cents(a.paid)),
                Posting::new(acct(i.account)?, Cents(-(a.paid + a.discount))),
            ];
            refs.push(a.reference.clone());
            if a.discount != 0 {
                // Payables have negative amounts: a discount we received.
                let received = a.discount < 0;
                let codes: Vec<(TaxCode, i64)> = i
                    .tax_weights
                    .iter()
                    .filter(|(c, _)| matches!(c, TaxCode::VSt19 | TaxCode::VSt7 | TaxCode::USt19 | TaxCode::USt7))
                    .cloned()
                    .collect();
                let total: i64 = codes.iter().map(|(_, w)| w).sum();
                let mut rest = a.discount;
                if total == 0 {
                    postings.push(Posting::new(
                        acct(skonto_account(kind, received, None))?,
                        Cents(a.discount),
                    ));
                } else {
                    for (n, (code, w)) in codes.iter().enumerate() {
                        let part = if n + 1 == codes.len() {
                            rest
                        } else {
                            Cents(a.discount).mul_div_round(*w, total).0
                        };
                        rest -= part;
                        let base = acct(skonto_account(kind, received, Some(*code)))?;
                        // The discount reduces the expense (or revenue) and
                        // its tax: the opposite of the invoice's postings.
                        let lines = code
                            .lines(chart, base, Cents(if received { part } else { -part }))
                            .map_err(|e| AppError::Internal(e.to_string()))?;
                        postings.extend(lines);
                    }
                }
            }
            parts.push((postings, a.reference.clone()));
        }
        for (account, amount, reference, code) in splits {
            let a = acct(*account)?;
            if chart.account(a).is_none() && !a.is_personal() {
                return Err(invalid(
                    format!("Das Konto {account} gibt es im {} nicht.", kind.as_str()),
                    format!("The account {account} is not in the {} chart.", kind.as_str()),
                ));
            }
            let mut postings = vec![Posting::new(bank, Cents(*amount))];
            match code.as_deref().and_then(TaxCode::parse) {
                Some(c) => {
                    let signed = if c.side() == kontor_ledger::tax::Side::Output {
                        Cents(*amount)
                    } else {
                        Cents(-amount)
                    };
                    postings.extend(
                        c.lines(chart, a, signed)
                            .map_err(|e| AppError::Internal(e.to_string()))?,
                    );
                }
                None => postings.push(Posting::new(a, Cents(-amount))),
            }
            if !reference.is_empty() {
                refs.push(reference.clone());
            }
            parts.push((postings, reference.clone()));
        }
        let date = Date::parse(&line.booking_date).ok_or_else(|| {
            invalid(
                format!("Der Umsatz hat kein gültiges Buchungsdatum ({}).", line.booking_date),
                format!("The line has no valid booking date ({}).", line.booking_date),
            )
        })?;
        let who = line
            .data
            .line
            .counterparty_name()
            .map(str::to_string)
            .unwrap_or_else(|| line.data.line.remittance().chars().take(30).collect());
        let mut entries = Vec::new();
        for (mut postings, reference) in parts {
            postings.retain(|p| !p.amount.is_zero());
            let text: String = format!("Bank {who} {reference}").trim().chars().take(60).collect();
            let mut entry = Entry::new(postings, date, date, text, reference).map_err(|e| {
                invalid(
                    format!("Die Buchung geht nicht auf: {e}"),
                    format!("The booking does not balance: {e}"),
                )
            })?;
            entry.provenance.source = Some(format!("bank:{}:{}", line.statement_id, line.id));
            entries.push(entry);
        }
        if entries.is_empty() {
            return Err(invalid("Nichts zu buchen.", "Nothing to book."));
        }
        let refs_e: Vec<&Entry> = entries.iter().collect();
        self.check_open(tx, company, &refs_e).await?;
        let first = tx.ledger_allocate_numbers(company.id, entries.len() as i64).await?;
        let mut records = Vec::new();
        for (n, e) in entries.into_iter().enumerate() {
            records.push(self.record(actor, company, "bank", first + n as i64, e, None));
        }
        let records: std::sync::Arc<[LedgerEntryRecord]> = records.into();
        tx.ledger_insert(records.clone()).await?;
        line.state = bank_line_state::BOOKED.into();
        line.data.entry_id = records.first().map(|r| r.id.clone());
        line.data.entry_number = records.first().map(|r| r.number);
        line.data.booked_by = Some(actor.label.clone());
        line.data.booked_as = Some(refs.join(", "));
        line.data.booked_items = applied.iter().map(|a| a.item.clone()).collect();
        line.updated_at = self.now();
        self.audit(
            tx,
            actor,
            Some(company.id),
            "bank.book",
            &line.id,
            format!(
                "{} on {}: journal {}–{} against {}",
                crate::invoice_process::money(line.amount_cents),
                line.booking_date,
                first,
                first + records.len() as i64 - 1,
                refs.join(", ")
            ),
        )
        .await?;
        Ok(())
    }

    /// Re-runs matching on all open lines (e.g. after new invoices).
    pub async fn reconcile(&self, actor: &Actor, company: &CompanyRecord) -> AppResult<(usize, usize)> {
        actor.require(company.id, finance(Action::Write))?;
        let mut tx = self.store().begin().await?;
        let min = self.matching_threshold(&mut tx, company.id).await?;
        let r = self.reconcile_in(&mut tx, company.id, None, min).await?;
        tx.commit().await?;
        Ok(r)
    }

    async fn matching_threshold(&self, tx: &mut Box<dyn Tx>, company: CompanyId) -> AppResult<u8> {
        let def = self.current_process(tx, company, PROCESS_BANK_STATEMENT).await?;
        let step = def.step("match").cloned();
        Ok(step.map_or(101, |s| threshold(&s)))
    }

    /// A person books a line: kontor's proposal, chosen items, or accounts.
    pub async fn book_bank_line(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        line_id: &str,
        booking: LineBooking,
    ) -> AppResult<BankLineRecord> {
        actor.require(company.id, finance(Action::Write))?;
        let mut tx = self.store().begin().await?;
        let mut line = tx
            .bank_line(company.id, line_id)
            .await?
            .ok_or_else(|| AppError::NotFound {
                what: "bank line",
                key: line_id.to_string(),
            })?;
        if line.state != bank_line_state::OPEN {
            return Err(conflict("Der Umsatz ist schon gebucht.", "The line is booked already."));
        }
        let acc = bank_account(&mut tx, company.id, &line.bank_account_id).await?;
        let (items, info) = self.matching_items(&mut tx, company.id).await?;
        let (applied, splits) = match booking {
            LineBooking::Proposal => {
                let p = line
                    .data
                    .proposal
                    .clone()
                    .filter(|p| !p.applied.is_empty())
                    .ok_or_else(|| {
                        conflict(
                            "Für diesen Umsatz gibt es keinen Vorschlag; bitte Posten oder Konto wählen.",
                            "There is no proposal for this line; choose items or an account.",
                        )
                    })?;
                // The items must still be open as proposed (a return
                // reopens an item that is cleared).
                for a in p
                    .applied
                    .iter()
                    .filter(|_| p.reason != kontor_banking::matching::Reason::Return)
                {
                    let open = items.iter().find(|i| i.key == a.item).map_or(0, |i| i.amount);
                    if open == 0 || (open.abs() < (a.paid + a.discount).abs()) {
                        return Err(conflict(
                            format!(
                                "Der Posten {} ist nicht mehr (so) offen; bitte neu zuordnen.",
                                a.reference
                            ),
                            format!("The item {} is no longer open as proposed; assign again.", a.reference),
                        ));
                    }
                }
                (p.applied, Vec::new())
            }
            LineBooking::Items(chosen) => {
                let mut out = Vec::new();
                for (key, paid, discount) in chosen {
                    let it = items.iter().find(|i| i.key == key).ok_or_else(|| AppError::NotFound {
                        what: "open item",
                        key: key.clone(),
                    })?;
                    let sign = it.amount.signum();
                    out.push(Applied {
                        item: key,
                        reference: it.reference.clone(),
                        paid: paid.abs() * sign,
                        discount: discount.abs() * sign,
                    });
                }
                (out, Vec::new())
            }
            LineBooking::Accounts(splits) => (Vec::new(), splits),
        };
        let sum: i64 = applied.iter().map(|a| a.paid).sum::<i64>() + splits.iter().map(|s| s.1).sum::<i64>();
        if sum != line.amount_cents {
            return Err(conflict(
                format!(
                    "Die Zuordnung ergibt {}, der Umsatz ist {}.",
                    crate::invoice_process::money(sum),
                    crate::invoice_process::money(line.amount_cents)
                ),
                format!(
                    "The assignment adds up to {}, the line is {}.",
                    crate::invoice_process::money(sum),
                    crate::invoice_process::money(line.amount_cents)
                ),
            ));
        }
        self.post_line(&mut tx, company, &acc, &mut line, &applied, &splits, &info, actor)
            .await?;
        tx.update_bank_line(&line).await?;
        self.settle_payment_runs(&mut tx, company.id).await?;
        self.finish_statement_if_done(&mut tx, company.id, &line.statement_id)
            .await?;
        tx.commit().await?;
        Ok(line)
    }

    /// When no line of a statement is open any more, its assignment task
    /// is done and the process ends.
    async fn finish_statement_if_done(
        &self,
        tx: &mut Box<dyn Tx>,
        company: CompanyId,
        statement: &str,
    ) -> AppResult<()> {
        let open = tx
            .bank_lines(company, None, Some(bank_line_state::OPEN), 1_000_000)
            .await?
            .iter()
            .any(|l| l.statement_id == statement);
        if open {
            return Ok(());
        }
        let Some(inst) = tx
            .instance_by_subject(company, PROCESS_BANK_STATEMENT, statement)
            .await?
        else {
            return Ok(());
        };
        for mut t in tx.instance_tasks(company, &inst.id).await? {
            if t.state == crate::records::task_state::OPEN {
                t.state = crate::records::task_state::DONE.into();
                t.data.outcome = Some("done".into());
                t.updated_at = self.now();
                tx.update_task(&t).await?;
            }
        }
        self.finish_waiting_step(tx, company, &inst.id, "done").await?;
        Ok(())
    }

    /// Marks payment-run items paid when their items are cleared; a run
    /// whose items are all paid is done and its process moves on.
    async fn settle_payment_runs(&self, tx: &mut Box<dyn Tx>, company: CompanyId) -> AppResult<()> {
        let runs: Vec<PaymentRunRecord> = tx
            .payment_runs(company, 1_000)
            .await?
            .into_iter()
            .filter(|r| r.state == payment_run_state::RELEASED)
            .collect();
        if runs.is_empty() {
            return Ok(());
        }
        let mut booked: std::collections::HashSet<String> = std::collections::HashSet::new();
        for l in tx
            .bank_lines(company, None, Some(bank_line_state::BOOKED), 1_000_000)
            .await?
        {
            for e in l.data.line.end_to_end_ids() {
                booked.insert(e.to_string());
            }
        }
        for mut run in runs {
            let mut changed = false;
            for it in run.data.items.iter_mut().filter(|i| i.selected && !i.paid) {
                if booked.contains(&it.end_to_end_id) {
                    it.paid = true;
                    changed = true;
                }
            }
            if !changed {
                continue;
            }
            if run.data.items.iter().filter(|i| i.selected).all(|i| i.paid) {
                run.state = payment_run_state::DONE.into();
                self.signal_process(tx, company, PROCESS_PAYMENT_RUN, &run.id, "bank_confirmed")
                    .await?;
            }
            run.updated_at = self.now();
            tx.update_payment_run(&run).await?;
        }
        Ok(())
    }

    // -------------------------------------------------------- payment runs

    /// Proposes a payment run: open supplier items due by `execution_date`
    /// plus `horizon_days`, or payable with Skonto on that date; items in
    /// another open run are left out. A person adjusts, then submits.
    pub async fn propose_payment_run(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        bank_account_id: &str,
        execution_date: &str,
        horizon_days: i64,
    ) -> AppResult<PaymentRunRecord> {
        actor.require(company.id, finance(Action::Write))?;
        if Date::parse(execution_date).is_none() {
            return Err(invalid(
                "Das Ausführungsdatum ist kein Datum (JJJJ-MM-TT).",
                "The execution date is not a date (YYYY-MM-DD).",
            ));
        }
        let today = kontor_core::period::date_of(self.now());
        if execution_date < today.as_str() {
            return Err(invalid(
                format!("Das Ausführungsdatum {execution_date} liegt in der Vergangenheit; Banken führen frühestens heute ({today}) aus."),
                format!("The execution date {execution_date} is in the past; banks execute today ({today}) at the earliest."),
            ));
        }
        let horizon = kontor_banking::add_days(execution_date, horizon_days.clamp(0, 365)).unwrap_or_default();
        let mut tx = self.store().begin().await?;
        let acc = bank_account(&mut tx, company.id, bank_account_id).await?;
        let (items, _) = self.matching_items(&mut tx, company.id).await?;
        let runs = tx.payment_runs(company.id, 1_000).await?;
        let in_run: std::collections::HashSet<String> = runs
            .iter()
            .filter(|r| {
                matches!(
                    r.state.as_str(),
                    payment_run_state::DRAFT | payment_run_state::SUBMITTED | payment_run_state::RELEASED
                )
            })
            .flat_map(|r| {
                r.data
                    .items
                    .iter()
                    .filter(|i| i.selected && !i.paid)
                    .map(|i| format!("{}/{}", i.account, i.reference))
            })
            .collect();
        let number = runs.iter().map(|r| r.number).max().unwrap_or(0) + 1;
        let now = self.now();
        let watch_from = now.plus_millis(-IBAN_WATCH_DAYS * 86_400_000);
        let mut out = Vec::new();
        for it in items.into_iter().filter(|i| i.amount < 0 && !in_run.contains(&i.key)) {
            let Some(pid) = it.partner.clone() else { continue };
            let Ok(partner_id) = pid.parse() else { continue };
            let Some(p) = tx.partner(company.id, partner_id).await? else {
                continue;
            };
            let inv = tx
                .partner_invoices(company.id, &pid, 1_000)
                .await?
                .into_iter()
                .find(|i| i.number.as_deref() == Some(it.reference.as_str()));
            let due = inv
                .as_ref()
                .and_then(|i| i.data.due_date.clone())
                .or_else(|| inv.as_ref().and_then(|i| i.issue_date.clone()));
            let skonto = it.skonto.clone().filter(|s| s.until.as_str() >= execution_date);
            let due_now = due.as_deref().is_none_or(|d| d <= horizon.as_str());
            if !due_now && skonto.is_none() {
                continue;
            }
            let open = -it.amount;
            let discount = match &skonto {
                Some(s) if open == it.original.abs() => (open as i128 * s.percent_bp as i128 + 5_000) as i64 / 10_000,
                _ => 0,
            };
            let changed = tx
                .duties_on(company.id, "partner", &pid)
                .await?
                .into_iter()
                // A change, not the first entry when the partner was created.
                .filter(|d| d.duty == Duty::PartnerBankChange && d.at >= watch_from && d.at > p.created_at)
                .map(|d| d.at.millis())
                .max();
            let iban = p.data.iban.as_ref().map(|i| i.as_str().to_string()).unwrap_or_default();
            out.push(PaymentItem {
                partner_id: pid,
                partner_name: p.data.name.to_string(),
                selected: !iban.is_empty(),
                iban,
                bic: None,
                account: it.key.split('/').next().and_then(|a| a.parse().ok()).unwrap_or(0),
                reference: it.reference.clone(),
                open_cents: open,
                pay_cents: open - discount,
                discount_cents: discount,
                due_date: due,
                skonto_until: skonto.map(|s| s.until),
                end_to_end_id: format!("KONTOR-PR{number}-{}", out.len() + 1),
                iban_changed_at: changed,
                paid: false,
            });
        }
        out.sort_by(|a, b| a.due_date.cmp(&b.due_date).then(a.partner_name.cmp(&b.partner_name)));
        for (n, it) in out.iter_mut().enumerate() {
            it.end_to_end_id = format!("KONTOR-PR{number}-{}", n + 1);
        }
        let run = PaymentRunRecord {
            id: self.ids().new_uuid().to_string(),
            company_id: company.id,
            number,
            state: payment_run_state::DRAFT.into(),
            data: PaymentRunData {
                bank_account_id: acc.id.clone(),
                execution_date: execution_date.to_string(),
                items: out,
                created_by: crate::sod::person_of(actor),
                ..PaymentRunData::default()
            },
            created_at: now,
            updated_at: now,
        };
        tx.insert_payment_run(&run).await?;
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "payment_run.propose",
            &run.id,
            format!(
                "run {number}: {} items proposed from {}",
                run.data.items.len(),
                acc.data.name
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(run)
    }

    pub async fn payment_runs(&self, actor: &Actor, company: &CompanyRecord) -> AppResult<Vec<PaymentRunRecord>> {
        actor.require(company.id, finance(Action::Read))?;
        let mut tx = self.store().begin_read().await?;
        Ok(tx.payment_runs(company.id, 500).await?)
    }

    pub async fn payment_run(&self, actor: &Actor, company: &CompanyRecord, id: &str) -> AppResult<PaymentRunRecord> {
        actor.require(company.id, finance(Action::Read))?;
        let mut tx = self.store().begin_read().await?;
        tx.payment_run(company.id, id).await?.ok_or_else(|| AppError::NotFound {
            what: "payment run",
            key: id.to_string(),
        })
    }

    /// Changes a draft run: which items it pays and how much (at most
    /// what is open).
    pub async fn adjust_payment_run(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        id: &str,
        changes: &[(usize, bool, Option<i64>)],
    ) -> AppResult<PaymentRunRecord> {
        actor.require(company.id, finance(Action::Write))?;
        let mut tx = self.store().begin().await?;
        let mut run = tx
            .payment_run(company.id, id)
            .await?
            .ok_or_else(|| AppError::NotFound {
                what: "payment run",
                key: id.to_string(),
            })?;
        if run.state != payment_run_state::DRAFT {
            return Err(conflict(
                "Nur ein Entwurf kann geändert werden; der Lauf ist schon eingereicht.",
                "Only a draft can change; the run was submitted already.",
            ));
        }
        let mut notes = Vec::new();
        for (idx, selected, pay) in changes {
            let it = run.data.items.get_mut(*idx).ok_or_else(|| AppError::NotFound {
                what: "payment item",
                key: idx.to_string(),
            })?;
            if *selected && it.iban.is_empty() {
                return Err(conflict(
                    format!("{} hat keine IBAN; erst beim Partner eintragen.", it.partner_name),
                    format!("{} has no IBAN; enter it at the partner first.", it.partner_name),
                ));
            }
            it.selected = *selected;
            if let Some(p) = pay {
                if *p <= 0 || *p > it.open_cents {
                    return Err(conflict(
                        format!(
                            "Der Betrag für {} muss zwischen 0,01 € und dem offenen Betrag liegen.",
                            it.reference
                        ),
                        format!(
                            "The amount for {} must be between 0.01 € and what is open.",
                            it.reference
                        ),
                    ));
                }
                it.pay_cents = *p;
                if *p != it.open_cents - it.discount_cents {
                    it.discount_cents = 0;
                }
            }
            notes.push(format!(
                "{}: {} {}",
                it.reference,
                if it.selected { "pay" } else { "skip" },
                it.pay_cents
            ));
        }
        let person = crate::sod::person_of(actor);
        if person != run.data.created_by && !run.data.released_by.contains(&person) {
            // Who changed the run prepared it: they do not approve it.
            run.data.released_by.clear();
        }
        run.updated_at = self.now();
        tx.update_payment_run(&run).await?;
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "payment_run.adjust",
            &run.id,
            notes.join("; "),
        )
        .await?;
        self.record_preparer(&mut tx, company.id, &run.id, &person).await?;
        tx.commit().await?;
        Ok(run)
    }

    /// Remembers everyone who prepared a run (they may not approve it).
    async fn record_preparer(
        &self,
        tx: &mut Box<dyn Tx>,
        company: CompanyId,
        run: &str,
        person: &str,
    ) -> AppResult<()> {
        let now = self.now();
        tx.insert_duty(&DutyRecord {
            id: self.ids().new_uuid(),
            company_id: company,
            object_type: "payment_run".into(),
            object_id: run.to_string(),
            duty: Duty::PaymentRelease,
            person: format!("prepared:{person}"),
            at: now,
        })
        .await?;
        Ok(())
    }

    /// Submits a draft run for approval (the `payment_run` process).
    pub async fn submit_payment_run(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        id: &str,
    ) -> AppResult<PaymentRunRecord> {
        actor.require(company.id, finance(Action::Write))?;
        let mut tx = self.store().begin().await?;
        let mut run = tx
            .payment_run(company.id, id)
            .await?
            .ok_or_else(|| AppError::NotFound {
                what: "payment run",
                key: id.to_string(),
            })?;
        if run.state != payment_run_state::DRAFT {
            return Err(conflict(
                "Der Lauf ist schon eingereicht.",
                "The run was submitted already.",
            ));
        }
        let selected: Vec<&PaymentItem> = run.data.items.iter().filter(|i| i.selected).collect();
        if selected.is_empty() {
            return Err(conflict(
                "Der Lauf enthält keine ausgewählten Posten.",
                "The run has no selected items.",
            ));
        }
        let total: i64 = selected.iter().map(|i| i.pay_cents).sum();
        let mut changed: Vec<String> = selected
            .iter()
            .filter(|i| i.iban_changed_at.is_some())
            .map(|i| i.partner_name.clone())
            .collect();
        changed.sort();
        changed.dedup();
        let mut partners: Vec<String> = selected.iter().map(|i| i.partner_id.clone()).collect();
        partners.sort();
        partners.dedup();
        let mut involved = vec![run.data.created_by.clone(), crate::sod::person_of(actor)];
        for d in tx.duties_on(company.id, "payment_run", &run.id).await? {
            if let Some(p) = d.person.strip_prefix("prepared:") {
                involved.push(p.to_string());
            }
        }
        involved.sort();
        involved.dedup();
        let data = InstanceData {
            amount_cents: Some(total),
            flags: BTreeMap::from([("extra_approval".to_string(), !changed.is_empty())]),
            values: BTreeMap::from([
                ("payment_run".to_string(), run.id.clone()),
                ("partners".to_string(), partners.join(",")),
                (
                    "title".to_string(),
                    format!("Zahllauf {} ({})", run.number, crate::invoice_process::money(total)),
                ),
                ("iban_changed".to_string(), changed.join(", ")),
            ]),
            involved,
            ..InstanceData::default()
        };
        let inst = self
            .start_process(
                &mut tx,
                company.id,
                PROCESS_PAYMENT_RUN,
                &run.id,
                data,
                &actor.label,
                false,
            )
            .await?;
        run.state = payment_run_state::SUBMITTED.into();
        run.data.instance_id = inst;
        run.updated_at = self.now();
        tx.update_payment_run(&run).await?;
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "payment_run.submit",
            &run.id,
            format!(
                "run {}: {} transfers, {}{}",
                run.number,
                selected.len(),
                crate::invoice_process::money(total),
                if changed.is_empty() {
                    String::new()
                } else {
                    format!("; recently changed bank accounts: {}", changed.join(", "))
                }
            ),
        )
        .await?;
        tx.commit().await?;
        self.drive_started(company.id, PROCESS_PAYMENT_RUN, id).await?;
        self.payment_run(actor, company, id).await
    }

    /// The released run's SEPA file; the same bytes on every download.
    pub async fn payment_file(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        id: &str,
        version: PainVersion,
    ) -> AppResult<(String, Vec<u8>)> {
        actor.require(company.id, finance(Action::Read))?;
        let mut tx = self.store().begin().await?;
        let run = tx
            .payment_run(company.id, id)
            .await?
            .ok_or_else(|| AppError::NotFound {
                what: "payment run",
                key: id.to_string(),
            })?;
        if !matches!(
            run.state.as_str(),
            payment_run_state::RELEASED | payment_run_state::DONE
        ) {
            return Err(conflict(
                "Die SEPA-Datei gibt es erst nach der Freigabe.",
                "The SEPA file exists only after the release.",
            ));
        }
        let acc = bank_account(&mut tx, company.id, &run.data.bank_account_id).await?;
        let released = kontor_core::Timestamp::from_millis(run.data.released_at.unwrap_or(run.updated_at.millis()));
        let ct = sepa::CreditTransfer {
            message_id: run
                .data
                .message_id
                .clone()
                .unwrap_or_else(|| format!("KONTOR-PR{}", run.number)),
            created: format!("{}T{}", kontor_core::period::date_of(released), time_of(released)),
            initiating_party: company.name.to_string(),
            debtor: sepa::Debtor {
                name: company.name.to_string(),
                iban: acc.iban.clone(),
                bic: acc.data.bic.clone(),
            },
            transfers: run
                .data
                .items
                .iter()
                .filter(|i| i.selected)
                .map(|i| sepa::Transfer {
                    end_to_end_id: i.end_to_end_id.clone(),
                    amount: i.pay_cents,
                    creditor_name: i.partner_name.clone(),
                    creditor_iban: i.iban.clone(),
                    creditor_bic: i.bic.clone(),
                    remittance: if i.discount_cents > 0 {
                        format!(
                            "Rechnung {} abzgl. Skonto {}",
                            i.reference,
                            crate::invoice_process::money(i.discount_cents)
                        )
                    } else {
                        format!("Rechnung {}", i.reference)
                    },
                    execution_date: run.data.execution_date.clone(),
                })
                .collect(),
        };
        let bytes = sepa::write(&ct, version).map_err(|e| invalid(e.message(true), e.message(false)))?;
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "payment_run.download",
            &run.id,
            format!("{} of run {}", version.as_str(), run.number),
        )
        .await?;
        tx.commit().await?;
        let name = format!("zahllauf-{}-{}.xml", run.number, version.as_str());
        Ok((name, bytes))
    }

    // ------------------------------------------------- process steps

    /// Automatic steps of the banking processes.
    pub(crate) async fn banking_step(
        &self,
        tx: &mut Box<dyn Tx>,
        inst: &mut InstanceRecord,
        step: &StepDef,
        level: AutomationLevel,
    ) -> Result<StepResult, StepError> {
        match (inst.process_key.as_str(), step.key.as_str()) {
            (PROCESS_BANK_STATEMENT, "match") => {
                let min = match level {
                    AutomationLevel::Manual | AutomationLevel::Suggest => 101,
                    _ => threshold(step),
                };
                let (booked, open) = self.reconcile_in(tx, inst.company_id, Some(&inst.subject), min).await?;
                Ok(StepResult {
                    outcome: Some(if open > 0 { "open_lines" } else { "matched" }.into()),
                    confidence: 100,
                    detail: format!("{booked} lines booked, {open} for a person"),
                    values: BTreeMap::from([("open_lines".to_string(), open.to_string())]),
                    ..StepResult::default()
                })
            }
            (PROCESS_PAYMENT_RUN, "check") => {
                let run = tx
                    .payment_run(inst.company_id, &inst.subject)
                    .await?
                    .ok_or_else(|| StepError::Incident(format!("payment run {} is gone", inst.subject)))?;
                for it in run.data.items.iter().filter(|i| i.selected) {
                    if Iban::parse(&it.iban).is_err() {
                        return Err(StepError::Incident(format!(
                            "{}: the IBAN {} is invalid",
                            it.partner_name, it.iban
                        )));
                    }
                    if it.pay_cents <= 0 || it.pay_cents > it.open_cents {
                        return Err(StepError::Incident(format!("{}: amount out of range", it.reference)));
                    }
                }
                Ok(StepResult {
                    outcome: Some("checked".into()),
                    confidence: 100,
                    detail: format!(
                        "{} transfers checked",
                        run.data.items.iter().filter(|i| i.selected).count()
                    ),
                    ..StepResult::default()
                })
            }
            (PROCESS_PAYMENT_RUN, "release") => {
                let mut run = tx
                    .payment_run(inst.company_id, &inst.subject)
                    .await?
                    .ok_or_else(|| StepError::Incident(format!("payment run {} is gone", inst.subject)))?;
                let now = self.now();
                run.state = payment_run_state::RELEASED.into();
                run.data.released_at = Some(now.millis());
                run.data.message_id = Some(format!("KONTOR-PR{}-{}", run.number, &run.id[..8]));
                run.data.released_by = tx
                    .instance_tasks(inst.company_id, &inst.id)
                    .await?
                    .into_iter()
                    .flat_map(|t| t.data.approved_by)
                    .collect();
                run.updated_at = now;
                tx.update_payment_run(&run).await?;
                Ok(StepResult {
                    outcome: Some("released".into()),
                    confidence: 100,
                    detail: format!("run {} released", run.number),
                    ..StepResult::default()
                })
            }
            (p, s) => Err(StepError::Incident(format!(
                "this kontor version has no automatic step '{s}' in process '{p}'"
            ))),
        }
    }

    /// Refuses approving a payment run for whom separation of duties
    /// forbids it: whoever created a partner or changed its bank account
    /// does not release payments to it.
    pub(crate) async fn check_payment_release(
        &self,
        actor: &Actor,
        company: CompanyId,
        inst: &InstanceRecord,
    ) -> AppResult<Vec<String>> {
        let partners: Vec<String> = inst
            .data
            .values
            .get("partners")
            .map(|p| p.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect())
            .unwrap_or_default();
        for p in &partners {
            self.check_duty(actor, company, ("partner", p), Duty::PaymentRelease)
                .await?;
        }
        Ok(partners)
    }

    /// A payment run that is rejected ends as such.
    pub(crate) async fn payment_run_rejected(
        &self,
        tx: &mut Box<dyn Tx>,
        company: CompanyId,
        run: &str,
    ) -> AppResult<()> {
        if let Some(mut r) = tx.payment_run(company, run).await? {
            r.state = payment_run_state::REJECTED.into();
            r.updated_at = self.now();
            tx.update_payment_run(&r).await?;
        }
        Ok(())
    }
}

/// A company's partners by their personal account (Debitor/Kreditor).
async fn partners_by_account(tx: &mut Box<dyn Tx>, company: CompanyId) -> AppResult<HashMap<u32, PartnerRecord>> {
    let mut partners = HashMap::new();
    let mut cursor = None;
    loop {
        let page = tx.list_partners(company, cursor, 500).await?;
        let Some(last) = page.last() else { break };
        cursor = Some(last.id);
        for p in page {
            if let Some(a) = p.data.account {
                partners.insert(a, p);
            }
        }
    }
    Ok(partners)
}

/// One of the company's bank accounts.
async fn bank_account(tx: &mut Box<dyn Tx>, company: CompanyId, id: &str) -> AppResult<BankAccountRecord> {
    tx.bank_accounts(company)
        .await?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or_else(|| AppError::NotFound {
            what: "bank account",
            key: id.to_string(),
        })
}

/// The booked line a return gives back: the same end-to-end id, or the same
/// mandate and amount; it must have cleared exactly one item.
fn original_of_return<'a>(line: &BankLineRecord, booked: &'a [BankLineRecord]) -> Option<&'a BankLineRecord> {
    let e2e: Vec<&str> = line.data.line.end_to_end_ids().collect();
    let mandate = line.data.line.details.iter().find_map(|d| d.mandate_id.as_deref());
    let amount = line
        .data
        .line
        .details
        .iter()
        .find_map(|d| d.amount)
        .unwrap_or(line.amount_cents);
    booked.iter().find(|b| {
        b.data.booked_items.len() == 1
            && b.bank_account_id == line.bank_account_id
            && (b.data.line.end_to_end_ids().any(|x| e2e.contains(&x))
                || (mandate.is_some()
                    && b.data.line.details.iter().any(|d| d.mandate_id.as_deref() == mandate)
                    && b.amount_cents == -amount))
    })
}

/// The confidence a proposal needs to be booked without a person at a
/// step: its review threshold, at least 80.
fn threshold(step: &StepDef) -> u8 {
    step.review.confidence_min.max(80)
}

fn time_of(ts: kontor_core::Timestamp) -> String {
    let ms = ts.millis().rem_euclid(86_400_000);
    let s = ms / 1000;
    format!("{:02}:{:02}:{:02}Z", s / 3600, (s / 60) % 60, s % 60)
}

/// A German IBAN for a bank code and account number (check digits per
/// ISO 13616, MOD 97-10).
pub fn german_iban(blz: &str, account: u64) -> String {
    let bban = format!("{blz}{account:010}");
    // DE = 13 14, check digits 00 at the end.
    let digits = format!("{bban}131400");
    let rem = digits.bytes().fold(0u64, |r, b| (r * 10 + u64::from(b - b'0')) % 97);
    format!("DE{:02}{bban}", 98 - rem)
}

impl App {
    /// The demo company's bank: an account, the current month's statement
    /// (customer payments kontor matches, a collective payment, rent and a
    /// fee a person assigns, one payment only the amount fits) and a
    /// proposed payment run. Only once per company.
    pub(crate) async fn seed_demo_bank(&self, actor: &Actor, company: &CompanyRecord) -> AppResult<usize> {
        {
            let mut tx = self.store().begin_read().await?;
            if !tx.bank_accounts(company.id).await?.is_empty() {
                return Ok(0);
            }
        }
        let seed = company.code.as_str().bytes().fold(7u64, |h, b| h * 31 + u64::from(b)) % 1_000_000;
        let iban = german_iban("37040044", 532_000_000 + seed);
        let acc = self
            .add_bank_account(actor, company, "Hausbank Girokonto", &iban, Some("COBADEFFXXX"), None)
            .await?;
        let today = kontor_core::period::date_of(self.now());
        let month_start = format!("{}-01", &today[..7]);
        let day = |d: u32| -> String {
            let cand = format!("{}-{d:02}", &today[..7]);
            if cand > today {
                today.clone()
            } else {
                cand
            }
        };
        let views = self.bank_accounts(actor, company).await?;
        let opening = views
            .iter()
            .find(|v| v.account.id == acc.id)
            .map_or(0, |v| v.ledger_balance);
        let open = self
            .open_items(actor, company, Date::parse(&today).unwrap_or(Date::from_days(0)))
            .await?;
        let receivables: Vec<_> = open
            .iter()
            .filter(|o| o.amount.0 > 0 && o.account.number() < 70_000)
            .collect();
        // (amount, date, remittance, name, counterparty IBAN)
        let mut lines: Vec<(i64, String, String, String, String)> = Vec::new();
        let customer_iban = |n: u32| german_iban("10010010", 4_711_000 + u64::from(n));
        for (k, o) in receivables.iter().take(3).enumerate() {
            lines.push((
                o.amount.0,
                day(2 + k as u32 * 3),
                format!("Rechnung {} vielen Dank", o.reference),
                format!("Kunde {}", o.account.number()),
                customer_iban(o.account.number()),
            ));
        }
        if receivables.len() >= 5 {
            let (a, b) = (receivables[3], receivables[4]);
            lines.push((
                a.amount.0 + b.amount.0,
                day(12),
                format!("Sammelzahlung {} {}", a.reference, b.reference),
                format!("Kunde {}", a.account.number()),
                customer_iban(a.account.number()),
            ));
        }
        if let Some(o) = receivables.get(5) {
            lines.push((
                o.amount.0,
                day(14),
                "Zahlung".into(),
                "Unbekannt".into(),
                german_iban("50010517", 99),
            ));
        }
        lines.push((
            -240_000,
            day(3),
            format!("Miete {}", &today[..7]),
            "Hausverwaltung Schmidt".into(),
            german_iban("20050550", 1_234_567),
        ));
        lines.push((-1_290, day(28), "Kontoführung".into(), String::new(), String::new()));
        lines.sort_by(|a, b| a.1.cmp(&b.1));
        let closing = opening + lines.iter().map(|l| l.0).sum::<i64>();
        let amt = |c: i64| format!("{}.{:02}", c.abs() / 100, c.abs() % 100);
        let cdi = |c: i64| if c < 0 { "DBIT" } else { "CRDT" };
        let mut x = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08\"><BkToCstmrStmt>\
<GrpHdr><MsgId>DEMO-{code}-{m}</MsgId><CreDtTm>{today}T20:00:00+01:00</CreDtTm></GrpHdr>\
<Stmt><Id>{m}-1</Id><ElctrncSeqNb>1</ElctrncSeqNb><FrToDt><FrDtTm>{month_start}T00:00:00+01:00</FrDtTm><ToDtTm>{today}T23:59:59+01:00</ToDtTm></FrToDt>\
<Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>EUR</Ccy></Acct>\
<Bal><Tp><CdOrPrtry><Cd>PRCD</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">{}</Amt><CdtDbtInd>{}</CdtDbtInd><Dt><Dt>{month_start}</Dt></Dt></Bal>\
<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">{}</Amt><CdtDbtInd>{}</CdtDbtInd><Dt><Dt>{today}</Dt></Dt></Bal>\n",
            amt(opening),
            cdi(opening),
            amt(closing),
            cdi(closing),
            code = company.code.as_str(),
            m = &today[..7],
        );
        for (n, (a, d, remit, name, cp)) in lines.iter().enumerate() {
            let party = match (a < &0, name.is_empty()) {
                (_, true) => String::new(),
                (true, false) => format!("<RltdPties><Cdtr><Pty><Nm>{name}</Nm></Pty></Cdtr><CdtrAcct><Id><IBAN>{cp}</IBAN></Id></CdtrAcct></RltdPties>"),
                (false, false) => format!("<RltdPties><Dbtr><Pty><Nm>{name}</Nm></Pty></Dbtr><DbtrAcct><Id><IBAN>{cp}</IBAN></Id></DbtrAcct></RltdPties>"),
            };
            x.push_str(&format!(
                "<Ntry><Amt Ccy=\"EUR\">{}</Amt><CdtDbtInd>{}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>{d}</Dt></BookgDt><ValDt><Dt>{d}</Dt></ValDt><AcctSvcrRef>DEMO{n:04}</AcctSvcrRef>\
<NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs><Amt Ccy=\"EUR\">{}</Amt><CdtDbtInd>{}</CdtDbtInd>{party}<RmtInf><Ustrd>{remit}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n",
                amt(*a),
                cdi(*a),
                amt(*a),
                cdi(*a),
            ));
        }
        x.push_str("</Stmt></BkToCstmrStmt></Document>\n");
        let report = self
            .import_bank_file(
                actor,
                company,
                &format!("kontoauszug-{}.xml", &today[..7]),
                x.as_bytes(),
            )
            .await?;
        // A payment run for the supplier invoices the demo booked.
        let run = self.propose_payment_run(actor, company, &acc.id, &today, 14).await?;
        Ok(report.booked + report.open + usize::from(!run.data.items.is_empty()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_ibans_carry_valid_check_digits() {
        let i = german_iban("37040044", 532_013_000);
        assert_eq!(i, "DE89370400440532013000");
        assert!(Iban::parse(&german_iban("10010010", 4_711_001)).is_ok());
    }
}

/// Days after the invoice date a customer invoice is due when the ledger
/// knows no other term.
pub const CUSTOMER_PAYMENT_DAYS: i64 = 14;

/// One proposed reminder, with the customer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DunningProposal {
    pub notice: kontor_banking::dunning::Notice,
    pub partner_name: String,
    pub business: bool,
    pub flat_fee_cents: i64,
}

impl App {
    /// Overdue customer items and the reminder each has reached today.
    pub async fn propose_dunning(&self, actor: &Actor, company: &CompanyRecord) -> AppResult<Vec<DunningProposal>> {
        actor.require(company.id, finance(Action::Read))?;
        let today = kontor_core::period::date_of(self.now());
        let open = self
            .open_items(actor, company, Date::parse(&today).unwrap_or(Date::from_days(0)))
            .await?;
        let mut tx = self.store().begin_read().await?;
        let sent = tx.dunning_notices(company.id, 100_000).await?;
        let partners = partners_by_account(&mut tx, company.id).await?;
        drop(tx);
        let levels = kontor_banking::dunning::default_levels();
        let mut out = Vec::new();
        for o in open.iter().filter(|o| o.amount.0 > 0 && o.account.number() < 70_000) {
            let key = format!("{}/{}", o.account.number(), o.reference);
            let last = sent.iter().filter(|n| n.item_key == key).max_by_key(|n| n.level);
            let partner = partners.get(&o.account.number());
            let business = partner.is_some_and(|p| p.data.vat_id.is_some());
            let item = kontor_banking::dunning::Overdue {
                key: key.clone(),
                partner: partner.map(|p| p.id.to_string()).unwrap_or_default(),
                reference: o.reference.clone(),
                open_cents: o.amount.0,
                due: kontor_banking::add_days(&o.first_date.to_string(), CUSTOMER_PAYMENT_DAYS).unwrap_or_default(),
                last_level: last.map_or(0, |n| n.level),
                last_sent: last.map(|n| n.sent_on.clone()),
            };
            for n in kontor_banking::dunning::propose(&[item], &levels, &today, business) {
                out.push(DunningProposal {
                    flat_fee_cents: if business && n.level >= 2 && last.is_none_or(|l| l.data.flat_fee_cents == 0) {
                        4_000
                    } else {
                        0
                    },
                    partner_name: partner
                        .map(|p| p.data.name.to_string())
                        .unwrap_or_else(|| format!("Debitor {}", o.account)),
                    business,
                    notice: n,
                });
            }
        }
        out.sort_by_key(|p| std::cmp::Reverse(p.notice.days_overdue));
        Ok(out)
    }

    /// Sends the reminders for the chosen items (all proposed if `keys` is
    /// empty): each is recorded once per level and audited; the letters are
    /// PDFs (`dunning_letter`).
    pub async fn send_dunning(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        keys: &[String],
    ) -> AppResult<Vec<DunningNoticeRecord>> {
        actor.require(company.id, finance(Action::Write))?;
        let proposals = self.propose_dunning(actor, company).await?;
        let today = kontor_core::period::date_of(self.now());
        let now = self.now();
        let records: Vec<DunningNoticeRecord> = proposals
            .into_iter()
            .filter(|p| keys.is_empty() || keys.contains(&p.notice.key))
            .map(|p| DunningNoticeRecord {
                id: self.ids().new_uuid().to_string(),
                company_id: company.id,
                item_key: p.notice.key.clone(),
                level: p.notice.level,
                sent_on: today.clone(),
                data: DunningData {
                    partner_id: p.notice.partner.clone(),
                    partner_name: p.partner_name,
                    reference: p.notice.reference.clone(),
                    open_cents: p.notice.open_cents,
                    due: p.notice.due.clone(),
                    days_overdue: p.notice.days_overdue,
                    fee_cents: p.notice.fee_cents,
                    interest_cents: p.notice.interest_cents,
                    flat_fee_cents: p.flat_fee_cents,
                    business: p.business,
                    sent_by: actor.label.clone(),
                },
                created_at: now,
            })
            .collect();
        if records.is_empty() {
            return Ok(records);
        }
        let mut tx = self.store().begin().await?;
        tx.insert_dunning_notices(&records).await?;
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "dunning.send",
            &today,
            records
                .iter()
                .map(|r| format!("{} level {}", r.data.reference, r.level))
                .collect::<Vec<_>>()
                .join(", "),
        )
        .await?;
        tx.commit().await?;
        Ok(records)
    }

    pub async fn dunning_notices(&self, actor: &Actor, company: &CompanyRecord) -> AppResult<Vec<DunningNoticeRecord>> {
        actor.require(company.id, finance(Action::Read))?;
        let mut tx = self.store().begin_read().await?;
        Ok(tx.dunning_notices(company.id, 1_000).await?)
    }

    /// The letter of a sent reminder as PDF (German; the same bytes each time).
    pub async fn dunning_letter(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        id: &str,
    ) -> AppResult<(String, Vec<u8>)> {
        let n = self
            .dunning_notices(actor, company)
            .await?
            .into_iter()
            .find(|n| n.id == id)
            .ok_or_else(|| AppError::NotFound {
                what: "dunning notice",
                key: id.to_string(),
            })?;
        let d = &n.data;
        let m = crate::invoice_process::money;
        let title = match n.level {
            1 => "Zahlungserinnerung".to_string(),
            3 => "Letzte Mahnung".to_string(),
            l => format!("{}. Mahnung", l - 1),
        };
        let total = d.open_cents + d.fee_cents + d.interest_cents + d.flat_fee_cents;
        let mut lines = vec![
            company.name.to_string(),
            String::new(),
            d.partner_name.clone(),
            String::new(),
            format!("Datum: {}", n.sent_on),
            String::new(),
            format!("# {title}"),
            String::new(),
            "Sehr geehrte Damen und Herren,".into(),
            String::new(),
            format!(
                "zu unserer Rechnung {} ist der Betrag von {} seit dem {} fällig ({} Tage). Sicher haben Sie die Zahlung nur übersehen.",
                d.reference,
                m(d.open_cents),
                d.due,
                d.days_overdue
            ),
            String::new(),
            format!("Offener Betrag: {}", m(d.open_cents)),
        ];
        if d.fee_cents > 0 {
            lines.push(format!("Mahngebühr: {}", m(d.fee_cents)));
        }
        if d.interest_cents > 0 {
            lines.push(format!(
                "Verzugszinsen (§ 288 BGB, Basiszinssatz {} % zuzüglich {} Prozentpunkte): {}",
                kontor_ledger::money::Cents(kontor_banking::dunning::base_rate(&n.sent_on)).comma(),
                if d.business { 9 } else { 5 },
                m(d.interest_cents)
            ));
        }
        if d.flat_fee_cents > 0 {
            lines.push(format!("Verzugspauschale (§ 288 Abs. 5 BGB): {}", m(d.flat_fee_cents)));
        }
        lines.push(format!("# Zu zahlen: {}", m(total)));
        lines.push(String::new());
        lines.push(format!(
            "Bitte überweisen Sie den Betrag unter Angabe der Rechnungsnummer {} innerhalb von 7 Tagen. Hat sich Ihre Zahlung mit diesem Schreiben überschnitten, betrachten Sie es bitte als gegenstandslos.",
            d.reference
        ));
        lines.push(String::new());
        lines.push("Mit freundlichen Grüßen".into());
        lines.push(company.name.to_string());
        let pdf = kontor_pdf::letter(&title, &lines).map_err(|e| AppError::Internal(e.to_string()))?;
        Ok((format!("mahnung-{}-stufe-{}.pdf", d.reference, n.level), pdf))
    }
}
