//! Ledger use-cases: the company's chart, importing and posting entries,
//! reversals, balances, Festschreibung and closed periods. The rules of an
//! entry live in `kontor-ledger`; here: permissions, transactions, gapless
//! numbers, the audit trail.

use kontor_core::{Action, Module, Permission};
use kontor_ledger::account::{Chart, ChartKind};
use kontor_ledger::balance::{Totals, TrialBalance};
use kontor_ledger::date::Date;
use kontor_ledger::entry::{Currency, Entry};
use kontor_ledger::jsonl::{self, LineError};
use kontor_ledger::money::Cents;
use kontor_ledger::tax::TaxCode;

use crate::actor::Actor;
use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::records::{CompanyRecord, LedgerEntryRecord};

/// Entries per store transaction on import.
pub const IMPORT_BATCH: usize = 50_000;

/// What an import did.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct ImportReport {
    /// Transaction lines read (without blank lines).
    pub lines: usize,
    pub imported: usize,
    /// Lines whose id was already imported (never booked twice).
    pub skipped_duplicates: usize,
    /// Every line that cannot be booked; when there are any, nothing is imported.
    pub errors: Vec<LineError>,
    /// Journal numbers given to the imported entries.
    pub first_number: Option<i64>,
    pub last_number: Option<i64>,
    pub batch: Option<String>,
}

fn finance(action: Action) -> Permission {
    Permission::new(Module::Finance, action)
}

fn conflict(de: impl Into<String>, en: impl Into<String>) -> AppError {
    AppError::Conflict {
        de: de.into(),
        en: en.into(),
    }
}

/// yyyymm → "MM/YYYY".
fn period_text(p: u32) -> String {
    format!("{:02}/{}", p % 100, p / 100)
}

impl App {
    /// The company's chart of accounts.
    pub async fn ledger_chart(&self, actor: &Actor, company: &CompanyRecord) -> AppResult<ChartKind> {
        actor.require(company.id, finance(Action::Read))?;
        let mut tx = self.store().begin_read().await?;
        let chart = tx.company_chart(company.id).await?;
        ChartKind::parse(&chart).ok_or_else(|| AppError::Internal(format!("unknown chart {chart}")))
    }

    /// Chooses SKR03 or SKR04; only while the journal is empty.
    pub async fn set_ledger_chart(&self, actor: &Actor, company: &CompanyRecord, chart: ChartKind) -> AppResult<()> {
        // Installation administrators (who add companies) or the company's own administrators.
        actor
            .require_system_admin()
            .or_else(|_| actor.require(company.id, Permission::new(Module::Admin, Action::Write)))?;
        let mut tx = self.store().begin().await?;
        if !tx.ledger_entries(company.id, 0, 999_999, 0, 1).await?.is_empty() {
            return Err(conflict(
                "Der Kontenrahmen kann nur gewechselt werden, solange noch nichts gebucht ist.",
                "The chart of accounts can only be changed while nothing is booked.",
            ));
        }
        tx.set_company_chart(company.id, chart.as_str()).await?;
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "ledger.chart",
            chart.as_str(),
            "chart of accounts chosen",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Refuses entries dated into a closed period (the store's trigger is
    /// the backstop; this gives the clear message).
    pub(crate) async fn check_open(
        &self,
        tx: &mut Box<dyn crate::ports::Tx>,
        company: &CompanyRecord,
        entries: &[&Entry],
    ) -> AppResult<()> {
        let closed = tx.ledger_closed_periods(company.id).await?;
        if let Some(e) = entries.iter().find(|e| closed.contains(&e.posting_date.year_month())) {
            let p = period_text(e.posting_date.year_month());
            return Err(conflict(
                format!(
                    "Die Periode {p} ist abgeschlossen; in sie kann nicht mehr gebucht werden (Buchungsdatum {}).",
                    e.posting_date
                ),
                format!(
                    "The period {p} is closed; nothing can be booked into it (posting date {}).",
                    e.posting_date
                ),
            ));
        }
        Ok(())
    }

    pub(crate) fn record(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        batch: &str,
        number: i64,
        mut entry: Entry,
        import_key: Option<String>,
    ) -> LedgerEntryRecord {
        entry.provenance.user = Some(actor.label.clone());
        LedgerEntryRecord {
            id: self.ids().new_uuid().to_string(),
            company_id: company.id,
            number,
            batch: batch.to_string(),
            entry,
            import_key,
            created_by: actor.label.clone(),
            created_at: self.now(),
            reverses: None,
            fixed_at: None,
        }
    }

    /// Imports journal lines in the neutral JSON Lines format. Every line
    /// is checked (on all cores); if any is wrong, nothing is imported and
    /// every problem is reported. Lines whose id was imported before are
    /// skipped. Entries go in as drafts of one batch, in transactions of
    /// [`IMPORT_BATCH`] entries (the setting `ledger_import_batch`); the
    /// next batch is read while the current one is written, and only two
    /// batches are held in memory at a time.
    ///
    /// Writing starts while the check still runs: the batches written
    /// until it ends stay in one transaction, which commits only once the
    /// whole file has passed and is rolled back if it has not.
    pub async fn import_journal_jsonl(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        source: &str,
        text: impl Into<String>,
    ) -> AppResult<ImportReport> {
        actor.require(company.id, finance(Action::Write))?;
        let chart = Chart::standard(self.ledger_chart(actor, company).await?);
        let text: std::sync::Arc<String> = std::sync::Arc::new(text.into());
        let (checked_tx, checked_rx) = futures::channel::oneshot::channel();
        let (mut batch_tx, batch_rx) = futures::channel::mpsc::channel(1);
        // Checker and reader are plain threads: the application layer
        // knows no async runtime.
        let (check_text, check_source) = (text.clone(), source.to_string());
        std::thread::Builder::new()
            .name("kontor-import-check".into())
            .spawn(move || {
                let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
                // The receiver is gone only when the import has ended anyway.
                let _ = checked_tx.send(jsonl::check(chart, &check_source, &check_text, threads));
            })
            .map_err(|e| AppError::Internal(format!("cannot start the import's check: {e}")))?;
        let source_owned = source.to_string();
        let size = self.settings().ledger_import_batch.max(1);
        std::thread::Builder::new()
            .name("kontor-import-reader".into())
            .spawn(move || {
                for batch in jsonl::batches(chart, &source_owned, &text, size) {
                    if futures::executor::block_on(futures::SinkExt::send(&mut batch_tx, batch)).is_err() {
                        return;
                    }
                }
            })
            .map_err(|e| AppError::Internal(format!("cannot start the import's reader: {e}")))?;
        self.book_imported(
            actor,
            company,
            source,
            batch_rx,
            ImportReport::default(),
            Some(checked_rx),
        )
        .await
    }

    /// Books import lines, batch by batch as they arrive, each batch in its
    /// own transaction, skipping lines imported before (same source and
    /// id). With a `check` still running, batches gather in one transaction
    /// until it ends: committed if it found no problem, rolled back (and the
    /// problems reported) if it did.
    async fn book_imported(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        source: &str,
        batches: impl futures::Stream<Item = Vec<jsonl::Imported>>,
        mut report: ImportReport,
        mut check: Option<futures::channel::oneshot::Receiver<jsonl::Checked>>,
    ) -> AppResult<ImportReport> {
        let batch = self.ids().new_uuid().to_string();
        let mut batches = std::pin::pin!(batches);
        // A batch's records (all but their journal numbers) are made while
        // the previous batch commits.
        let prepare = |chunk: Vec<jsonl::Imported>| -> Vec<LedgerEntryRecord> {
            chunk
                .into_iter()
                .map(|t| {
                    let key = format!("{source}#{}", t.id);
                    self.record(actor, company, &batch, 0, t.entry, Some(key))
                })
                .collect()
        };
        let stopped = || AppError::Internal("the import's check stopped".into());
        // The check's outcome: `Some(report)` ends the import with problems.
        let settle = |checked: jsonl::Checked, report: &mut ImportReport| -> Option<ImportReport> {
            if checked.errors.is_empty() {
                report.lines = checked.lines;
                None
            } else {
                Some(ImportReport {
                    lines: checked.lines,
                    errors: checked.errors,
                    ..ImportReport::default()
                })
            }
        };
        let mut open: Option<Box<dyn crate::ports::Tx>> = None;
        let mut next = futures::StreamExt::next(&mut batches).await.map(prepare);
        while let Some(prepared) = next.take() {
            let tx = match open.as_mut() {
                Some(tx) => tx,
                None => open.insert(self.store().begin().await?),
            };
            let into = ImportTarget {
                actor,
                company,
                source,
                batch: &batch,
            };
            self.book_batch(tx, &into, prepared, &mut report).await?;
            if let Some(pending) = check.as_mut() {
                match pending.try_recv().map_err(|_| stopped())? {
                    Some(checked) => {
                        check = None;
                        if let Some(failed) = settle(checked, &mut report) {
                            return Ok(failed);
                        }
                    }
                    None => {
                        // Still checking: the next batch joins this transaction.
                        next = futures::StreamExt::next(&mut batches).await.map(prepare);
                        continue;
                    }
                }
            }
            let Some(tx) = open.take() else { break };
            let (committed, following) = futures::join!(tx.commit(), async {
                futures::StreamExt::next(&mut batches).await.map(prepare)
            });
            committed?;
            next = following;
        }
        if let Some(pending) = check {
            if let Some(failed) = settle(pending.await.map_err(|_| stopped())?, &mut report) {
                return Ok(failed);
            }
        }
        if let Some(tx) = open {
            tx.commit().await?;
        }
        report.batch = Some(batch);
        Ok(report)
    }

    /// Writes one batch of import records in `tx`: skips those imported
    /// before, gives the rest their journal numbers, audits the batch.
    async fn book_batch(
        &self,
        tx: &mut Box<dyn crate::ports::Tx>,
        into: &ImportTarget<'_>,
        prepared: Vec<LedgerEntryRecord>,
        report: &mut ImportReport,
    ) -> AppResult<()> {
        let ImportTarget {
            actor,
            company,
            source,
            batch,
        } = *into;
        let keys: Vec<String> = prepared.iter().filter_map(|r| r.import_key.clone()).collect();
        let existing: std::collections::HashSet<String> = tx
            .ledger_existing_import_keys(company.id, &keys)
            .await?
            .into_iter()
            .collect();
        let mut records: Vec<LedgerEntryRecord> = prepared
            .into_iter()
            .filter(|r| r.import_key.as_ref().is_none_or(|k| !existing.contains(k)))
            .collect();
        report.skipped_duplicates += existing.len();
        if records.is_empty() {
            return Ok(());
        }
        self.check_open(tx, company, &records.iter().map(|r| &r.entry).collect::<Vec<_>>())
            .await?;
        let first = tx.ledger_allocate_numbers(company.id, records.len() as i64).await?;
        for (i, r) in records.iter_mut().enumerate() {
            r.number = first + i as i64;
        }
        let count = records.len();
        tx.ledger_insert(records.into()).await?;
        let last = first + count as i64 - 1;
        self.audit(
            tx,
            actor,
            Some(company.id),
            "ledger.import",
            batch,
            format!("{count} entries from {source} (journal numbers {first}–{last})"),
        )
        .await?;
        report.imported += count;
        report.first_number.get_or_insert(first);
        report.last_number = Some(last);
        Ok(())
    }

    /// Books one entry (a draft until fixed).
    pub async fn post_entry(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        entry: Entry,
    ) -> AppResult<LedgerEntryRecord> {
        actor.require(company.id, finance(Action::Write))?;
        let chart = Chart::standard(self.ledger_chart(actor, company).await?);
        if let Some(p) = entry
            .postings()
            .iter()
            .find(|p| !p.account.is_personal() && chart.account(p.account).is_none())
        {
            return Err(conflict(
                format!(
                    "Konto {} gibt es im {} nicht.",
                    p.account,
                    chart.kind.as_str().to_uppercase()
                ),
                format!(
                    "Account {} does not exist in {}.",
                    p.account,
                    chart.kind.as_str().to_uppercase()
                ),
            ));
        }
        let mut tx = self.store().begin().await?;
        self.check_open(&mut tx, company, &[&entry]).await?;
        let number = tx.ledger_allocate_numbers(company.id, 1).await?;
        let batch = format!("manual:{}", actor.label);
        let record = self.record(actor, company, &batch, number, entry, None);
        tx.ledger_insert(std::sync::Arc::from([record.clone()])).await?;
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "ledger.post",
            &record.id,
            format!("journal number {number}: {}", record.entry.text),
        )
        .await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Reverses an entry (Storno): a new entry with opposite postings,
    /// linked to the original. An entry is reversed at most once.
    pub async fn reverse_entry(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        id: &str,
        date: Date,
    ) -> AppResult<LedgerEntryRecord> {
        actor.require(company.id, finance(Action::Write))?;
        let mut tx = self.store().begin().await?;
        let original = tx
            .ledger_entry(company.id, id)
            .await?
            .ok_or_else(|| AppError::NotFound {
                what: "entry",
                key: id.to_string(),
            })?;
        if original.reverses.is_some() {
            return Err(conflict(
                "Eine Stornobuchung wird nicht erneut storniert.",
                "A reversal is not reversed again.",
            ));
        }
        if let Some(r) = tx.ledger_reversal_of(company.id, id).await? {
            return Err(conflict(
                format!("Die Buchung ist bereits storniert (Stornobuchung {r})."),
                format!("The entry is already reversed (reversal {r})."),
            ));
        }
        let text = format!("Storno Nr. {}: {}", original.number, original.entry.text);
        let reversal = original.entry.reversal(date, text);
        self.check_open(&mut tx, company, &[&reversal]).await?;
        let number = tx.ledger_allocate_numbers(company.id, 1).await?;
        let mut record = self.record(
            actor,
            company,
            &format!("manual:{}", actor.label),
            number,
            reversal,
            None,
        );
        record.reverses = Some(original.id.clone());
        tx.ledger_insert(std::sync::Arc::from([record.clone()])).await?;
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "ledger.reverse",
            &record.id,
            format!("reverses journal number {}", original.number),
        )
        .await?;
        tx.commit().await?;
        Ok(record)
    }

    pub async fn ledger_entry(&self, actor: &Actor, company: &CompanyRecord, id: &str) -> AppResult<LedgerEntryRecord> {
        actor.require(company.id, finance(Action::Read))?;
        let mut tx = self.store().begin_read().await?;
        let e = tx
            .ledger_entry(company.id, id)
            .await?
            .ok_or_else(|| AppError::NotFound {
                what: "entry",
                key: id.to_string(),
            })?;
        if !year_month(e.entry.posting_date).is_some_and(|m| actor.sees_month(company.id, m)) {
            return Err(AppError::NotFound {
                what: "entry",
                key: id.to_string(),
            });
        }
        Ok(e)
    }

    /// The trial balance for the posting dates `from..=to` (whole journal
    /// if open-ended). Whole months come from the monthly sums; partial
    /// months at either end from the postings of those days.
    pub async fn trial_balance(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        from: Option<Date>,
        to: Option<Date>,
    ) -> AppResult<TrialBalance> {
        actor.require(company.id, finance(Action::Read))?;
        let mut tx = self.store().begin_read().await?;
        let mut tb = TrialBalance::new();
        let mut add = |rows: Vec<crate::records::LedgerSumRow>| {
            for r in rows {
                if let (Some(a), Some(c)) = (
                    kontor_ledger::account::AccountNo::from_number(r.account),
                    Currency::parse(std::str::from_utf8(&r.currency).unwrap_or("")),
                ) {
                    tb.add_totals(
                        a,
                        c,
                        Totals {
                            debit: Cents(r.debit),
                            credit: Cents(r.credit),
                        },
                    );
                }
            }
        };
        let first_of = |d: Date| Date::new(d.year(), d.ymd().1, 1);
        match (from, to) {
            (None, None) => add(tx.ledger_totals(company.id).await?),
            _ => {
                // Open ends: the range dates can have at all.
                let from = from
                    .or_else(|| Date::new(1900, 1, 1))
                    .unwrap_or(Date::from_days(-25_567));
                let to = to
                    .or_else(|| Date::new(2200, 12, 31))
                    .unwrap_or(Date::from_days(84_000));
                if to < from {
                    return Ok(tb);
                }
                // Whole months strictly inside, days at the ends.
                let from_month_start = first_of(from).map_or(from, |d| d);
                let start_whole = if from == from_month_start {
                    from.year_month()
                } else {
                    next_month(from.year_month())
                };
                let end_whole = if next_day_is_new_month(to) {
                    to.year_month()
                } else {
                    prev_month(to.year_month())
                };
                if start_whole <= end_whole {
                    add(tx.ledger_sums(company.id, start_whole, end_whole).await?);
                    if from.year_month() < start_whole {
                        let last = Date::from_days(first_day(start_whole).days() - 1);
                        add(tx.ledger_day_sums(company.id, from.days(), last.days()).await?);
                    }
                    if to.year_month() > end_whole {
                        add(tx
                            .ledger_day_sums(company.id, first_day(next_month(end_whole)).days(), to.days())
                            .await?);
                    }
                } else {
                    add(tx.ledger_day_sums(company.id, from.days(), to.days()).await?);
                }
            }
        }
        Ok(tb)
    }

    /// Fixes (festschreiben) every draft entry of the periods up to and
    /// including `period` (yyyymm). Returns how many entries were fixed.
    pub async fn fix_ledger(&self, actor: &Actor, company: &CompanyRecord, period: u32) -> AppResult<u64> {
        actor.require(company.id, finance(Action::Write))?;
        let mut tx = self.store().begin().await?;
        let n = tx.ledger_fix(company.id, period, self.now()).await?;
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "ledger.fix",
            &period.to_string(),
            format!("{n} entries up to {} fixed", period_text(period)),
        )
        .await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Closes a period: nothing can be booked into it any more. Its entries
    /// are fixed at the same time.
    pub async fn close_period(&self, actor: &Actor, company: &CompanyRecord, period: u32) -> AppResult<u64> {
        actor.require(company.id, finance(Action::Write))?;
        if !(1..=12).contains(&(period % 100)) {
            return Err(conflict(
                format!("{period} ist keine Periode JJJJMM."),
                format!("{period} is not a period YYYYMM."),
            ));
        }
        let mut tx = self.store().begin().await?;
        let fixed = tx.ledger_fix(company.id, period, self.now()).await?;
        tx.ledger_close_period(company.id, period, &actor.label, self.now())
            .await?;
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "ledger.close",
            &period.to_string(),
            format!("period {} closed, {fixed} entries fixed", period_text(period)),
        )
        .await?;
        tx.commit().await?;
        Ok(fixed)
    }
}

fn year_month(d: Date) -> Option<kontor_core::YearMonth> {
    let (y, m, _) = d.ymd();
    kontor_core::YearMonth::new(u16::try_from(y).ok()?, u8::try_from(m).ok()?)
}

fn next_month(p: u32) -> u32 {
    if p % 100 == 12 {
        (p / 100 + 1) * 100 + 1
    } else {
        p + 1
    }
}

fn prev_month(p: u32) -> u32 {
    if p % 100 == 1 {
        (p / 100 - 1) * 100 + 12
    } else {
        p - 1
    }
}

fn first_day(p: u32) -> Date {
    Date::new((p / 100) as i32, p % 100, 1).unwrap_or(Date::from_days(0))
}

fn next_day_is_new_month(d: Date) -> bool {
    Date::from_days(d.days() + 1).ymd().1 != d.ymd().1
}

impl App {
    /// The UStVA of the periods `from..=to` (yyyymm; a month or a quarter),
    /// with the journal numbers behind every Kennzahl.
    pub async fn ustva(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        from: u32,
        to: u32,
    ) -> AppResult<kontor_ledger::ustva::Ustva<i64>> {
        actor.require(company.id, finance(Action::Read))?;
        let chart = Chart::standard(self.ledger_chart(actor, company).await?);
        let mut tx = self.store().begin_read().await?;
        let all = entries_in(&mut tx, company, (from, to), |_| true).await?;
        Ok(kontor_ledger::ustva::ustva(
            chart,
            all.iter().map(|r| (r.number, &r.entry)),
        ))
    }
}

/// A DATEV export: the file and what went into it.
#[derive(Clone, Debug)]
pub struct DatevExport {
    /// `EXTF_Buchungsstapel_<from>_<to>.csv`
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub entries: usize,
    /// Entries of the period left out because an earlier export sent them.
    pub already_exported: usize,
    pub export_id: String,
}

/// The DATEV numbers of the company (Beraternummer, Mandantennummer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DatevIds {
    pub berater: u32,
    pub mandant: u32,
}

impl DatevIds {
    /// Beraternummer 1001–9999999, Mandantennummer 1–99999.
    pub fn check(self) -> AppResult<Self> {
        if (1001..=9_999_999).contains(&self.berater) && (1..=99_999).contains(&self.mandant) {
            Ok(self)
        } else {
            Err(conflict(
                format!(
                    "DATEV-Nummern {}/{} sind ungültig: die Beraternummer ist 1001–9999999, die Mandantennummer 1–99999.",
                    self.berater, self.mandant
                ),
                format!(
                    "DATEV numbers {}/{} are invalid: the Beraternummer is 1001–9999999, the Mandantennummer 1–99999.",
                    self.berater, self.mandant
                ),
            ))
        }
    }
}

/// DATEV Debitoren/Kreditoren master data.
#[derive(Clone, Debug)]
pub struct DatevPartnerExport {
    /// `EXTF_Debitoren_Kreditoren_<date>.csv`
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub partners: usize,
}

impl App {
    /// DATEV's creation timestamp `YYYYMMDDHHMMSSmmm` from the injected clock.
    fn datev_created(&self) -> String {
        let ms = self.now().millis();
        let secs = ms.div_euclid(1000);
        let d = Date::from_days(i32::try_from(secs.div_euclid(86_400)).unwrap_or(0));
        let s = secs.rem_euclid(86_400);
        format!(
            "{}{:02}{:02}{:02}{:03}",
            d.yyyymmdd(),
            s / 3600,
            s % 3600 / 60,
            s % 60,
            ms.rem_euclid(1000)
        )
    }

    /// The DATEV numbers remembered from the company's last DATEV export.
    pub async fn datev_ids(&self, actor: &Actor, company: &CompanyRecord) -> AppResult<Option<DatevIds>> {
        actor.require(company.id, finance(Action::Read))?;
        let mut tx = self.store().begin_read().await?;
        Ok(tx
            .ledger_datev_ids(company.id)
            .await?
            .map(|(berater, mandant)| DatevIds { berater, mandant }))
    }

    /// Exports the master data of every business partner that has a
    /// personal account (Debitoren/Kreditoren, DATEV category 16), for the
    /// tax advisor to import before the Buchungsstapel.
    pub async fn export_datev_partners(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        ids: DatevIds,
    ) -> AppResult<DatevPartnerExport> {
        actor.require(company.id, finance(Action::Read))?;
        let ids = ids.check()?;
        let kind = self.ledger_chart(actor, company).await?;
        let mut tx = self.store().begin().await?;
        let mut partners = Vec::new();
        let mut after = None;
        loop {
            let page = tx.list_partners(company.id, after, 500).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            for p in page {
                let d = p.data;
                if let Some(account) = d.account {
                    partners.push(kontor_ledger::datev::PartnerMaster {
                        account,
                        name: d.name,
                        vat_id: d.vat_id.map(|v| v.as_str().to_string()),
                        street: d.street,
                        postcode: d.postcode,
                        city: d.city,
                        country: d.country,
                        email: d.email,
                        iban: d.iban.map(|v| v.as_str().to_string()),
                    });
                }
            }
        }
        let today = Date::from_days(i32::try_from(self.now().millis().div_euclid(86_400_000)).unwrap_or(0));
        let header = kontor_ledger::datev::BatchHeader {
            berater: ids.berater,
            mandant: ids.mandant,
            fiscal_year_start: Date::new(today.year(), 1, 1).unwrap_or(today),
            from: today,
            to: today,
            label: String::new(),
            fixed: false,
            created: self.datev_created(),
            chart: kind,
        };
        let bytes = kontor_ledger::datev::export_partners(&header, &partners);
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "ledger.export.datev_partners",
            company.code.as_str(),
            format!("{} partners", partners.len()),
        )
        .await?;
        tx.commit().await?;
        Ok(DatevPartnerExport {
            file_name: format!("EXTF_Debitoren_Kreditoren_{today}.csv"),
            bytes,
            partners: partners.len(),
        })
    }

    /// Exports the entries booked `from..=to` as a DATEV Buchungsstapel.
    /// Entries sent before are left out unless `again` is set.
    pub async fn export_datev(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        ids: DatevIds,
        from: Date,
        to: Date,
        again: bool,
    ) -> AppResult<DatevExport> {
        actor.require(company.id, finance(Action::Read))?;
        let ids = ids.check()?;
        let kind = self.ledger_chart(actor, company).await?;
        let chart = Chart::standard(kind);
        let mut tx = self.store().begin().await?;
        let all = entries_in(&mut tx, company, (from.year_month(), to.year_month()), |d| {
            d >= from && d <= to
        })
        .await?;
        let ids_all: Vec<String> = all.iter().map(|r| r.id.clone()).collect();
        let sent: std::collections::HashSet<String> = tx
            .ledger_datev_exported(company.id, &ids_all)
            .await?
            .into_iter()
            .collect();
        let (chosen, skipped): (Vec<&LedgerEntryRecord>, Vec<&LedgerEntryRecord>) =
            all.iter().partition(|r| again || !sent.contains(&r.id));
        let created = self.datev_created();
        let header = kontor_ledger::datev::BatchHeader {
            berater: ids.berater,
            mandant: ids.mandant,
            fiscal_year_start: Date::new(from.year(), 1, 1).unwrap_or(from),
            from,
            to,
            label: format!("kontor {from} bis {to}"),
            fixed: false,
            created,
            chart: kind,
        };
        let entries: Vec<(&Entry, bool)> = chosen.iter().map(|r| (&r.entry, r.fixed_at.is_some())).collect();
        let bytes = kontor_ledger::datev::export(chart, &header, &entries).map_err(|e| {
            conflict(
                format!("DATEV-Export nicht möglich: {e}"),
                format!("DATEV export not possible: {e}"),
            )
        })?;
        let export_id = self.ids().new_uuid().to_string();
        let chosen_ids: Vec<String> = chosen.iter().map(|r| r.id.clone()).collect();
        tx.ledger_mark_datev_exported(company.id, &chosen_ids, &export_id, self.now())
            .await?;
        if tx.ledger_datev_ids(company.id).await? != Some((ids.berater, ids.mandant)) {
            tx.set_ledger_datev_ids(company.id, ids.berater, ids.mandant).await?;
        }
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "ledger.export.datev",
            &export_id,
            format!(
                "{} entries {from}–{to}, {} left out as exported before",
                chosen.len(),
                skipped.len()
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(DatevExport {
            file_name: format!("EXTF_Buchungsstapel_{from}_{to}.csv"),
            bytes,
            entries: chosen.len(),
            already_exported: skipped.len(),
            export_id,
        })
    }

    /// Imports a DATEV Buchungsstapel: each record becomes an entry (with
    /// the tax DATEV would compute split out). All records are checked
    /// first; records imported before (same file name and line) are skipped.
    pub async fn import_datev(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        source: &str,
        bytes: &[u8],
    ) -> AppResult<ImportReport> {
        actor.require(company.id, finance(Action::Write))?;
        let chart = Chart::standard(self.ledger_chart(actor, company).await?);
        let parsed = match kontor_ledger::datev::parse(bytes) {
            Ok(p) => p,
            Err(e) => {
                return Ok(ImportReport {
                    errors: vec![LineError {
                        line: match &e {
                            kontor_ledger::datev::DatevError::Format { line, .. } => *line,
                            _ => 0,
                        },
                        id: None,
                        de: format!("Die DATEV-Datei ist nicht lesbar: {e}"),
                        en: format!("The DATEV file cannot be read: {e}"),
                    }],
                    ..ImportReport::default()
                })
            }
        };
        let mut report = ImportReport {
            lines: parsed.records.len(),
            ..ImportReport::default()
        };
        let mut imported = Vec::new();
        for (i, r) in parsed.records.iter().enumerate() {
            match kontor_ledger::datev::entry_of(chart, r) {
                Ok(mut e) => {
                    e.provenance.source = Some(format!("{source}#{}", i + 3));
                    imported.push(jsonl::Imported {
                        id: format!("{}", i + 3),
                        entry: e,
                    });
                }
                Err(e) => report.errors.push(LineError {
                    line: i + 3,
                    id: None,
                    de: format!("Der Buchungssatz ist nicht übernehmbar: {e}"),
                    en: format!("The record cannot be imported: {e}"),
                }),
            }
        }
        if !report.errors.is_empty() {
            return Ok(report);
        }
        let size = self.settings().ledger_import_batch.max(1);
        let mut imported = imported.into_iter().peekable();
        let chunks = std::iter::from_fn(move || {
            imported.peek()?;
            Some(imported.by_ref().take(size).collect::<Vec<_>>())
        });
        self.book_imported(actor, company, source, futures::stream::iter(chunks), report, None)
            .await
    }
}

/// Who imports what into which company's journal, under which batch id.
#[derive(Clone, Copy)]
struct ImportTarget<'a> {
    actor: &'a Actor,
    company: &'a CompanyRecord,
    source: &'a str,
    batch: &'a str,
}

/// Every entry of the periods `from..=to` (yyyymm) whose posting date
/// `keep` accepts, in journal order, read page by page.
async fn entries_in(
    tx: &mut Box<dyn crate::ports::Tx>,
    company: &CompanyRecord,
    (from, to): (u32, u32),
    keep: impl Fn(Date) -> bool,
) -> AppResult<Vec<LedgerEntryRecord>> {
    let mut all = Vec::new();
    let mut after = 0;
    loop {
        let page = tx.ledger_entries(company.id, from, to, after, 5_000).await?;
        let Some(last) = page.last() else { break };
        after = last.number;
        all.extend(page.into_iter().filter(|r| keep(r.entry.posting_date)));
    }
    Ok(all)
}

/// Accounts the demo bookings use, per chart: (SKR03, SKR04).
const DEMO_ACCOUNTS: [(&str, &str, &str); 12] = [
    ("bank", "1200", "1800"),
    ("capital", "0800", "2900"),
    ("revenue19", "8400", "4400"),
    ("revenue7", "8300", "4300"),
    ("goods19", "3400", "5400"),
    ("office", "4930", "6815"),
    ("rent", "4210", "6310"),
    ("salaries", "4120", "6020"),
    ("wage_tax", "1741", "3730"),
    ("social", "1742", "3740"),
    ("net_pay", "1755", "3720"),
    ("vat_prepay", "1780", "3820"),
];

/// A small deterministic generator (the demo must look the same each time).
struct DemoRandom(u64);

impl DemoRandom {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Cents between `lo` and `hi` euros.
    fn euros(&mut self, lo: i64, hi: i64) -> Cents {
        let span = u64::try_from((hi - lo) * 100).unwrap_or(1).max(1);
        Cents(lo * 100 + i64::try_from(self.next() % span).unwrap_or(0))
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

impl App {
    /// A year of plausible bookings for a demo company, ending with the
    /// month before the clock's: opening capital, sales at 19 % and 7 % with
    /// customer payments, purchases and office costs with input VAT, rent,
    /// salaries with their payments, monthly VAT prepayments. Only into an
    /// empty journal; returns how many entries were booked.
    pub async fn seed_demo_ledger(&self, actor: &Actor, company: &CompanyRecord) -> AppResult<usize> {
        let kind = self.ledger_chart(actor, company).await?;
        let chart = Chart::standard(kind);
        {
            let mut tx = self.store().begin_read().await?;
            if !tx.ledger_entries(company.id, 0, 999_999, 0, 1).await?.is_empty() {
                return Ok(0);
            }
        }
        let acc = |name: &str| -> AppResult<kontor_ledger::account::AccountNo> {
            DEMO_ACCOUNTS
                .iter()
                .find(|(n, _, _)| *n == name)
                .and_then(|(_, a, b)| {
                    kontor_ledger::account::AccountNo::parse(if kind == ChartKind::Skr03 { a } else { b })
                })
                .ok_or_else(|| AppError::Internal(format!("demo account {name}")))
        };
        let p = |a: kontor_ledger::account::AccountNo, c: i64| kontor_ledger::entry::Posting::new(a, Cents(c));
        let seed = company
            .code
            .as_str()
            .bytes()
            .fold(0x9E37_79B9_7F4A_7C15u64, |h, b| h.rotate_left(5) ^ u64::from(b));
        let mut rnd = DemoRandom(seed | 1);
        let today = Date::from_days(i32::try_from(self.now().millis().div_euclid(86_400_000)).unwrap_or(0));
        let (ty, tm, _) = today.ymd();
        // The twelve months before the current one.
        let months: Vec<(i32, u32)> = (1..=12)
            .rev()
            .map(|back| {
                let idx = ty * 12 + tm as i32 - 1 - back;
                (idx.div_euclid(12), (idx.rem_euclid(12) + 1) as u32)
            })
            .collect();
        let day = |y: i32, m: u32, d: u32| Date::new(y, m, d).unwrap_or(today);
        let mut entries: Vec<Entry> = Vec::new();
        let mut push = |postings: Vec<kontor_ledger::entry::Posting>,
                        date: Date,
                        text: String,
                        reference: String|
         -> AppResult<()> {
            let e = Entry::new(postings, date, date, text, reference)
                .map_err(|e| AppError::Internal(format!("demo entry: {e}")))?;
            entries.push(e);
            Ok(())
        };
        let (fy, fm) = months[0];
        push(
            vec![p(acc("bank")?, 5_000_000), p(acc("capital")?, -5_000_000)],
            day(fy, fm, 1),
            "Eröffnung: Einlage Stammkapital".into(),
            "EB".into(),
        )?;
        let mut invoice = 0;
        let mut vat_due = 0i64;
        for &(y, m) in &months {
            // Sales: 8–12 invoices, most paid within the month.
            for _ in 0..(8 + rnd.below(5)) {
                invoice += 1;
                let customer =
                    kontor_ledger::account::AccountNo::from_number(10_001 + u32::try_from(rnd.below(8)).unwrap_or(0))
                        .ok_or_else(|| AppError::Internal("demo customer".into()))?;
                let seven = rnd.below(5) == 0;
                let (code, revenue) = if seven {
                    (TaxCode::USt7, acc("revenue7")?)
                } else {
                    (TaxCode::USt19, acc("revenue19")?)
                };
                let gross = rnd.euros(180, 9_500);
                let mut lines = code
                    .lines(chart, revenue, gross)
                    .map_err(|e| AppError::Internal(e.to_string()))?;
                let tax: i64 = lines.iter().skip(1).map(|l| -l.amount.0).sum();
                vat_due += tax;
                lines.push(p(customer, gross.0));
                let d = 1 + u32::try_from(rnd.below(25)).unwrap_or(0);
                let reference = format!("RE-{y}-{invoice:05}");
                push(
                    lines,
                    day(y, m, d),
                    format!("Ausgangsrechnung {reference}"),
                    reference.clone(),
                )?;
                if rnd.below(10) < 8 {
                    let pd = (d + 3 + u32::try_from(rnd.below(10)).unwrap_or(0)).min(28);
                    push(
                        vec![p(acc("bank")?, gross.0), p(customer, -gross.0)],
                        day(y, m, pd),
                        format!("Zahlungseingang {reference}"),
                        reference,
                    )?;
                }
            }
            // Purchases and office costs with input VAT, paid on the spot or later.
            for k in 0..(4 + rnd.below(4)) {
                let supplier =
                    kontor_ledger::account::AccountNo::from_number(70_001 + u32::try_from(rnd.below(5)).unwrap_or(0))
                        .ok_or_else(|| AppError::Internal("demo supplier".into()))?;
                let (base, gross, what) = if k % 3 == 2 {
                    (acc("office")?, rnd.euros(20, 400), "Bürobedarf")
                } else {
                    (acc("goods19")?, rnd.euros(300, 6_000), "Wareneinkauf")
                };
                let mut lines = TaxCode::VSt19
                    .lines(chart, base, gross)
                    .map_err(|e| AppError::Internal(e.to_string()))?;
                vat_due -= lines.iter().skip(1).map(|l| l.amount.0).sum::<i64>();
                lines.push(p(supplier, -gross.0));
                let d = 1 + u32::try_from(rnd.below(26)).unwrap_or(0);
                let reference = format!("ER-{y}{m:02}-{k:02}");
                push(lines, day(y, m, d), format!("{what} {reference}"), reference.clone())?;
                push(
                    vec![p(supplier, gross.0), p(acc("bank")?, -gross.0)],
                    day(y, m, (d + 7).min(28)),
                    format!("Zahlung {reference}"),
                    reference,
                )?;
            }
            // Rent (no VAT) on the 3rd.
            push(
                vec![p(acc("rent")?, 240_000), p(acc("bank")?, -240_000)],
                day(y, m, 3),
                format!("Miete {m:02}/{y}"),
                format!("MIETE-{y}{m:02}"),
            )?;
            // Salaries on the last working days, paid on the 28th; taxes and SV on the 10th of the next month.
            let gross = 1_450_000 + i64::try_from(rnd.below(20_000)).unwrap_or(0);
            let wage_tax = gross * 18 / 100;
            let social = gross * 21 / 100;
            let net = gross - wage_tax - social;
            let reference = format!("LOHN-{y}{m:02}");
            push(
                vec![
                    p(acc("salaries")?, gross),
                    p(acc("wage_tax")?, -wage_tax),
                    p(acc("social")?, -social),
                    p(acc("net_pay")?, -net),
                ],
                day(y, m, 27),
                format!("Gehälter {m:02}/{y}"),
                reference.clone(),
            )?;
            push(
                vec![p(acc("net_pay")?, net), p(acc("bank")?, -net)],
                day(y, m, 28),
                format!("Auszahlung Gehälter {m:02}/{y}"),
                reference.clone(),
            )?;
            push(
                vec![
                    p(acc("wage_tax")?, wage_tax),
                    p(acc("social")?, social),
                    p(acc("bank")?, -(wage_tax + social)),
                ],
                day(y, m, 28),
                format!("Lohnsteuer und SV {m:02}/{y}"),
                reference,
            )?;
            // The month's VAT is prepaid (simplified: on the 28th of the same month).
            if vat_due > 0 {
                push(
                    vec![p(acc("vat_prepay")?, vat_due), p(acc("bank")?, -vat_due)],
                    day(y, m, 28),
                    format!("USt-Vorauszahlung {m:02}/{y}"),
                    format!("USTVA-{y}{m:02}"),
                )?;
                vat_due = 0;
            }
        }
        entries.sort_by_key(|e| e.posting_date);
        let n = entries.len();
        let mut tx = self.store().begin().await?;
        let first = tx.ledger_allocate_numbers(company.id, n as i64).await?;
        let batch = format!("demo:{}", company.code.as_str());
        let records: Vec<LedgerEntryRecord> = entries
            .into_iter()
            .enumerate()
            .map(|(i, e)| self.record(actor, company, &batch, first + i as i64, e, None))
            .collect();
        tx.ledger_insert(records.into()).await?;
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "ledger.demo",
            &batch,
            format!("{n} demo entries"),
        )
        .await?;
        tx.commit().await?;
        Ok(n)
    }
}

/// The Kontoblatt of one account.
#[derive(Clone, Debug, serde::Serialize)]
pub struct AccountLedger {
    pub account: String,
    pub name: String,
    pub opening: Cents,
    /// (date, journal number, reference, text, amount, running balance)
    pub lines: Vec<(Date, i64, String, String, Cents, Cents)>,
    pub closing: Cents,
}

impl App {
    /// Postings of one account `from..=to` with the opening balance and a
    /// running balance.
    pub async fn account_ledger(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        account: kontor_ledger::account::AccountNo,
        from: Date,
        to: Date,
    ) -> AppResult<AccountLedger> {
        actor.require(company.id, finance(Action::Read))?;
        let chart = Chart::standard(self.ledger_chart(actor, company).await?);
        let before = self
            .trial_balance(actor, company, None, Some(Date::from_days(from.days() - 1)))
            .await?;
        let opening = before
            .rows()
            .find(|(a, c, _)| *a == account && *c == Currency::EUR)
            .map_or(Cents::ZERO, |(_, _, t)| t.balance());
        let mut tx = self.store().begin_read().await?;
        let rows = tx
            .ledger_account_postings(company.id, account.number(), from.days(), to.days(), 1_000_000)
            .await?;
        let mut running = opening.0;
        let lines = rows
            .into_iter()
            .map(|r| {
                running += r.amount;
                (
                    Date::from_days(r.posting_day),
                    r.number,
                    r.reference,
                    r.text,
                    Cents(r.amount),
                    Cents(running),
                )
            })
            .collect();
        Ok(AccountLedger {
            account: account.to_string(),
            name: chart.account(account).map_or_else(String::new, |a| a.name.clone()),
            opening,
            lines,
            closing: Cents(running),
        })
    }

    /// GuV for the posting dates `from..=to`.
    pub async fn profit_and_loss(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        from: Date,
        to: Date,
    ) -> AppResult<kontor_ledger::reports::ProfitAndLoss> {
        let chart = Chart::standard(self.ledger_chart(actor, company).await?);
        let tb = self.trial_balance(actor, company, Some(from), Some(to)).await?;
        Ok(kontor_ledger::reports::profit_and_loss(chart, &tb))
    }

    /// Bilanz as of `to` (everything booked up to that day).
    pub async fn balance_sheet(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        to: Date,
    ) -> AppResult<kontor_ledger::reports::BalanceSheet> {
        let chart = Chart::standard(self.ledger_chart(actor, company).await?);
        let tb = self.trial_balance(actor, company, None, Some(to)).await?;
        Ok(kontor_ledger::reports::balance_sheet(chart, &tb))
    }

    /// The journal (Journal, Primanota): entries booked `from..=to` in
    /// journal-number order, from the number after `after`, at most `limit`.
    pub async fn journal(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        from: Date,
        to: Date,
        after: i64,
        limit: usize,
    ) -> AppResult<Vec<LedgerEntryRecord>> {
        actor.require(company.id, finance(Action::Read))?;
        let mut tx = self.store().begin_read().await?;
        let mut out = Vec::new();
        let mut after = after;
        while out.len() < limit {
            let page = tx
                .ledger_entries(company.id, from.year_month(), to.year_month(), after, 1_000)
                .await?;
            let Some(last) = page.last() else { break };
            after = last.number;
            out.extend(
                page.into_iter()
                    .filter(|r| r.entry.posting_date >= from && r.entry.posting_date <= to),
            );
        }
        out.truncate(limit);
        Ok(out)
    }

    /// One entry by its journal number.
    pub async fn ledger_entry_by_number(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        number: i64,
    ) -> AppResult<LedgerEntryRecord> {
        actor.require(company.id, finance(Action::Read))?;
        let mut tx = self.store().begin_read().await?;
        tx.ledger_entries(company.id, 0, 999_999, number - 1, 1)
            .await?
            .into_iter()
            .find(|r| r.number == number)
            .ok_or_else(|| AppError::NotFound {
                what: "journal entry",
                key: number.to_string(),
            })
    }

    /// Open items of the personal accounts as of `to`.
    pub async fn open_items(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        to: Date,
    ) -> AppResult<Vec<kontor_ledger::reports::OpenItem>> {
        actor.require(company.id, finance(Action::Read))?;
        let mut tx = self.store().begin_read().await?;
        let all = entries_in(&mut tx, company, (0, to.year_month()), |d| d <= to).await?;
        Ok(kontor_ledger::reports::open_items(all.iter().map(|r| &r.entry)))
    }
}

impl App {
    /// The GoBD data export (Z3) of the entries booked `from..=to`:
    /// (file name, contents) of `index.xml`, the DTD and the CSV tables.
    pub async fn export_gobd(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        from: Date,
        to: Date,
    ) -> AppResult<Vec<(String, Vec<u8>)>> {
        actor.require(company.id, finance(Action::Read))?;
        let chart = Chart::standard(self.ledger_chart(actor, company).await?);
        let mut tx = self.store().begin_read().await?;
        let all = entries_in(&mut tx, company, (from.year_month(), to.year_month()), |d| {
            d >= from && d <= to
        })
        .await?;
        drop(tx);
        let entries: Vec<kontor_ledger::gobd::ExportEntry<'_>> = all
            .iter()
            .map(|r| kontor_ledger::gobd::ExportEntry {
                number: r.number,
                id: &r.id,
                entry: &r.entry,
                reverses: r.reverses.as_deref(),
                fixed: r.fixed_at.is_some(),
            })
            .collect();
        let created =
            Date::from_days(i32::try_from(self.now().millis().div_euclid(86_400_000)).unwrap_or(0)).to_string();
        let mut partner_names = std::collections::BTreeMap::new();
        {
            let mut tx = self.store().begin_read().await?;
            let mut after = None;
            loop {
                let page = tx.list_partners(company.id, after, 500).await?;
                let Some(last) = page.last() else { break };
                after = Some(last.id);
                for p in page {
                    if let Some(a) = p.data.account {
                        partner_names.insert(a, p.data.name);
                    }
                }
            }
        }
        let files = kontor_ledger::gobd::export(
            chart,
            &kontor_ledger::gobd::ExportHeader {
                company: company.name.as_str(),
                location: company.code.as_str(),
                from,
                to,
                created: &created,
                partner_names: &partner_names,
            },
            &entries,
        );
        let mut tx = self.store().begin().await?;
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "ledger.export.gobd",
            &format!("{from}..{to}"),
            format!("{} entries", entries.len()),
        )
        .await?;
        tx.commit().await?;
        Ok(files)
    }
}
