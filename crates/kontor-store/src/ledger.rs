//! The ledger's SQL: bulk inserts of entries, postings and monthly sums,
//! reads, Festschreibung and closed periods. Immutability itself is
//! enforced by triggers (migrations 0013, 0014), not only here.

use std::collections::HashMap;
use std::sync::Arc;

use kontor_app::ports::{StoreBackend, StoreError};
use kontor_app::records::{LedgerEntryRecord, LedgerPostingRow, LedgerSumRow};
use kontor_core::{CompanyId, Timestamp};
use kontor_ledger::account::AccountNo;
use kontor_ledger::date::Date;
use kontor_ledger::entry::{Currency, Entry, Posting, Provenance};
use kontor_ledger::money::Cents;
use kontor_ledger::tax::TaxCode;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{Any, Arguments, Row, Transaction};

use crate::db_err;

/// `(…), (…)` with `rows` rows of `cols` parameters: `?` for SQLite
/// (anonymous parameters: SQLite looks named ones up linearly, which makes
/// large multi-row statements quadratic), `$1, $2, …` for PostgreSQL.
fn placeholders(backend: StoreBackend, rows: usize, cols: usize) -> String {
    let mut s = String::with_capacity(rows * cols * 5);
    let mut n = 1;
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            match backend {
                StoreBackend::Sqlite => s.push('?'),
                StoreBackend::Postgres => {
                    s.push('$');
                    s.push_str(&n.to_string());
                }
            }
            n += 1;
        }
        s.push(')');
    }
    s
}

macro_rules! entry_columns {
    () => {
        "book, number, id, batch, posting_date, document_date, vat_date, period, text, \
         reference, tax_code, document_id, source, import_key, created_by, created_at, reverses, fixed_at"
    };
}
const ENTRY_COLUMNS: &str = entry_columns!();

/// The company's ledger book as an SQL expression over parameter `$n`.
pub(crate) fn book_of(n: u8) -> String {
    format!("(SELECT book FROM ledger_books WHERE company_id = ${n})")
}

/// The company's ledger book number, created on first use (one statement
/// when it exists).
pub(crate) async fn book(tx: &mut Transaction<'static, Any>, company: CompanyId) -> Result<i64, StoreError> {
    for attempt in 0..2 {
        let found = sqlx::query("SELECT book FROM ledger_books WHERE company_id = $1")
            .bind(company.to_string())
            .fetch_optional(&mut **tx)
            .await
            .map_err(db_err)?;
        if let Some(r) = found {
            return r.try_get(0).map_err(db_err);
        }
        if attempt == 0 {
            sqlx::query(
                "INSERT INTO ledger_books (company_id, next_number) VALUES ($1, 1) \
                 ON CONFLICT (company_id) DO NOTHING",
            )
            .bind(company.to_string())
            .execute(&mut **tx)
            .await
            .map_err(db_err)?;
        }
    }
    Err(corrupt(format!("no ledger book for company {company}")))
}

/// A multi-row INSERT: `{head} (…), (…) {tail}` with `cols` parameters per
/// row and at most `per_chunk` rows per statement. The chunk sizes keep a
/// statement below 32,767 parameters (SQLite's limit; PostgreSQL's is 65,535).
struct MultiInsert {
    head: &'static str,
    tail: &'static str,
    cols: usize,
    per_chunk: usize,
}

const ENTRIES: MultiInsert = MultiInsert {
    head: concat!("INSERT INTO ledger_entries (", entry_columns!(), ") VALUES"),
    tail: "",
    cols: 18,
    per_chunk: 1800,
};
const POSTINGS: MultiInsert = MultiInsert {
    head: "INSERT INTO ledger_postings (book, number, line, account, amount, currency, tax_code, posting_date) VALUES",
    tail: "",
    cols: 8,
    per_chunk: 4000,
};
const SUMS: MultiInsert = MultiInsert {
    head: "INSERT INTO ledger_sums (book, period, account, currency, debit, credit) VALUES",
    tail: "ON CONFLICT (book, period, account, currency) DO UPDATE SET \
           debit = ledger_sums.debit + excluded.debit, credit = ledger_sums.credit + excluded.credit",
    cols: 6,
    per_chunk: 4000,
};
const TOTALS: MultiInsert = MultiInsert {
    head: "INSERT INTO ledger_totals (book, account, currency, debit, credit) VALUES",
    tail: "ON CONFLICT (book, account, currency) DO UPDATE SET \
           debit = ledger_totals.debit + excluded.debit, credit = ledger_totals.credit + excluded.credit",
    cols: 5,
    per_chunk: 4000,
};

impl MultiInsert {
    fn sql(&self, backend: StoreBackend, rows: usize) -> Arc<str> {
        format!("{} {} {}", self.head, placeholders(backend, rows, self.cols), self.tail).into()
    }
}

/// One statement of a bulk insert with its parameters.
struct Encoded {
    sql: Arc<str>,
    args: AnyArguments<'static>,
}

type Args = AnyArguments<'static>;

fn add<T>(args: &mut Args, value: T) -> Result<(), StoreError>
where
    T: 'static + sqlx::Encode<'static, Any> + sqlx::Type<Any>,
{
    args.add(value)
        .map_err(|e| StoreError::Other(format!("cannot encode a ledger value: {e}")))
}

/// Encodes the statements that insert `items`, `stmt.per_chunk` rows each,
/// handing each to `sink` as soon as it is built; stops when `sink` says so.
fn encode_chunks<T>(
    backend: StoreBackend,
    stmt: &MultiInsert,
    items: &[T],
    row: impl Fn(&mut Args, &T) -> Result<(), StoreError>,
    sink: &mut dyn FnMut(Result<Encoded, StoreError>) -> bool,
) -> bool {
    // The full chunk's SQL is built once, and only when a chunk is full.
    let mut full: Option<Arc<str>> = None;
    for chunk in items.chunks(stmt.per_chunk) {
        let sql = if chunk.len() == stmt.per_chunk {
            full.get_or_insert_with(|| stmt.sql(backend, stmt.per_chunk)).clone()
        } else {
            stmt.sql(backend, chunk.len())
        };
        let mut args = Args::default();
        let built = chunk.iter().try_for_each(|item| row(&mut args, item));
        if !sink(built.map(|()| Encoded { sql, args })) {
            return false;
        }
    }
    true
}

/// Encodes every statement of [`insert`]: entries, postings, then the
/// monthly sums and whole-journal totals aggregated from the postings.
fn encode_insert(
    backend: StoreBackend,
    books: &HashMap<CompanyId, i64>,
    entries: &[LedgerEntryRecord],
    sink: &mut dyn FnMut(Result<Encoded, StoreError>) -> bool,
) {
    let book_no = |r: &LedgerEntryRecord| books.get(&r.company_id).copied().unwrap_or_default();
    let entry_row = |a: &mut Args, r: &LedgerEntryRecord| {
        let e = &r.entry;
        add(a, book_no(r))?;
        add(a, r.number)?;
        add(a, r.id.clone())?;
        add(a, r.batch.clone())?;
        add(a, i64::from(e.posting_date.days()))?;
        add(a, i64::from(e.document_date.days()))?;
        add(a, e.vat_date.map(|d| i64::from(d.days())))?;
        add(a, i64::from(e.posting_date.year_month()))?;
        add(a, e.text.clone())?;
        add(a, e.reference.clone())?;
        add(a, e.tax_code.map(|c| c.as_str().to_string()))?;
        add(a, e.provenance.document.clone())?;
        // An import line's source is its import key; stored once.
        let source = match (&e.provenance.source, &r.import_key) {
            (Some(s), Some(k)) if s == k => Some(String::new()),
            (s, _) => s.clone(),
        };
        add(a, source)?;
        add(a, r.import_key.clone())?;
        add(a, r.created_by.clone())?;
        add(a, r.created_at.millis())?;
        add(a, r.reverses.clone())?;
        add(a, r.fixed_at.map(|t| t.millis()))
    };
    if !encode_chunks(backend, &ENTRIES, entries, entry_row, sink) {
        return;
    }
    let rows: Vec<(&LedgerEntryRecord, usize, &Posting)> = entries
        .iter()
        .flat_map(|r| r.entry.postings().iter().enumerate().map(move |(i, p)| (r, i, p)))
        .collect();
    let posting_row = |a: &mut Args, (r, line, p): &(&LedgerEntryRecord, usize, &Posting)| {
        add(a, book_no(r))?;
        add(a, r.number)?;
        add(a, *line as i64)?;
        add(a, i64::from(p.account.number()))?;
        add(a, p.amount.0)?;
        add(a, p.currency.as_str().to_string())?;
        add(a, p.tax_code.map(|c| c.as_str().to_string()))?;
        add(a, i64::from(r.entry.posting_date.days()))
    };
    if !encode_chunks(backend, &POSTINGS, &rows, posting_row, sink) {
        return;
    }
    let mut sums: HashMap<(i64, u32, Currency, u32), (i64, i64)> = HashMap::new();
    for (r, _, p) in &rows {
        let key = (
            book_no(r),
            p.account.number(),
            p.currency,
            r.entry.posting_date.year_month(),
        );
        let s = sums.entry(key).or_insert((0, 0));
        if p.amount.0 >= 0 {
            s.0 += p.amount.0;
        } else {
            s.1 -= p.amount.0;
        }
    }
    // In key order (month, then account): each statement's rows land side by side.
    let mut sums: Vec<_> = sums.into_iter().collect();
    sums.sort_unstable_by(|((b1, a1, c1, p1), _), ((b2, a2, c2, p2), _)| {
        (b1, p1, a1, c1.as_str()).cmp(&(b2, p2, a2, c2.as_str()))
    });
    let sum_row = |a: &mut Args, ((book, account, currency, period), (debit, credit)): &SumItem| {
        add(a, *book)?;
        add(a, i64::from(*period))?;
        add(a, i64::from(*account))?;
        add(a, currency.as_str().to_string())?;
        add(a, *debit)?;
        add(a, *credit)
    };
    if !encode_chunks(backend, &SUMS, &sums, sum_row, sink) {
        return;
    }
    let mut totals: HashMap<(i64, u32, Currency), (i64, i64)> = HashMap::new();
    for ((book, account, currency, _), (debit, credit)) in &sums {
        let t = totals.entry((*book, *account, *currency)).or_insert((0, 0));
        t.0 += debit;
        t.1 += credit;
    }
    let mut totals: Vec<_> = totals.into_iter().collect();
    totals.sort_unstable_by(|((b1, a1, c1), _), ((b2, a2, c2), _)| (b1, a1, c1.as_str()).cmp(&(b2, a2, c2.as_str())));
    let total_row = |a: &mut Args, ((book, account, currency), (debit, credit)): &TotalItem| {
        add(a, *book)?;
        add(a, i64::from(*account))?;
        add(a, currency.as_str().to_string())?;
        add(a, *debit)?;
        add(a, *credit)
    };
    encode_chunks(backend, &TOTALS, &totals, total_row, sink);
}

type SumItem = ((i64, u32, Currency, u32), (i64, i64));
type TotalItem = ((i64, u32, Currency), (i64, i64));

/// Entries from this many on are encoded on a blocking thread while this
/// task executes the statements already built; fewer are encoded inline.
const ENCODE_APART_FROM: usize = 256;

/// Inserts entries with their postings and adds them to the monthly sums
/// and totals. For a bulk insert the parameters are encoded on a blocking
/// thread and the statements executed here as they arrive: encoding costs
/// about half as long as SQLite takes to write, and done in turns with the
/// writing it left SQLite's thread idle a third of the time.
pub(crate) async fn insert(
    tx: &mut Transaction<'static, Any>,
    backend: StoreBackend,
    entries: Arc<[LedgerEntryRecord]>,
) -> Result<(), StoreError> {
    let mut books: HashMap<CompanyId, i64> = HashMap::new();
    for r in entries.iter() {
        if let std::collections::hash_map::Entry::Vacant(v) = books.entry(r.company_id) {
            v.insert(book(tx, r.company_id).await?);
        }
    }
    if entries.len() < ENCODE_APART_FROM {
        let mut statements = Vec::new();
        encode_insert(backend, &books, &entries, &mut |s| {
            statements.push(s);
            true
        });
        for s in statements {
            let Encoded { sql, args } = s?;
            sqlx::query_with(&sql, args).execute(&mut **tx).await.map_err(db_err)?;
        }
        return Ok(());
    }
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Result<Encoded, StoreError>>(4);
    let encoder = tokio::task::spawn_blocking(move || {
        encode_insert(backend, &books, &entries, &mut |s| sender.blocking_send(s).is_ok());
    });
    let mut result = Ok(());
    while let Some(s) = receiver.recv().await {
        let executed = match s {
            Ok(Encoded { sql, args }) => sqlx::query_with(&sql, args).execute(&mut **tx).await.map_err(db_err),
            Err(e) => Err(e),
        };
        if let Err(e) = executed {
            result = Err(e);
            break;
        }
    }
    // Dropping the receiver ends the encoder at its next statement.
    drop(receiver);
    encoder
        .await
        .map_err(|e| StoreError::Other(format!("the ledger encoder stopped: {e}")))?;
    result
}

/// Totals per account over the whole journal.
pub(crate) async fn totals(
    tx: &mut Transaction<'static, Any>,
    company: CompanyId,
) -> Result<Vec<LedgerSumRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT account, currency, debit, credit FROM ledger_totals \
         WHERE book = (SELECT book FROM ledger_books WHERE company_id = $1) ORDER BY account, currency",
    )
    .bind(company.to_string())
    .fetch_all(&mut **tx)
    .await
    .map_err(db_err)?;
    sum_rows(rows)
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("ledger: {what}"))
}

fn day(v: i64) -> Result<Date, StoreError> {
    i32::try_from(v)
        .map(Date::from_days)
        .map_err(|_| corrupt(format!("date {v}")))
}

/// Reads entries (rows of `ENTRY_COLUMNS`, all of one book) with their
/// postings, fetched in a few queries per page rather than one per entry.
async fn load(
    tx: &mut Transaction<'static, Any>,
    backend: StoreBackend,
    company: CompanyId,
    rows: Vec<AnyRow>,
) -> Result<Vec<LedgerEntryRecord>, StoreError> {
    let Some(first) = rows.first() else {
        return Ok(Vec::new());
    };
    let book: i64 = first.try_get("book").map_err(db_err)?;
    let numbers = rows
        .iter()
        .map(|r| r.try_get::<i64, _>("number").map_err(db_err))
        .collect::<Result<Vec<i64>, _>>()?;
    let mut postings: HashMap<i64, Vec<Posting>> = HashMap::with_capacity(numbers.len());
    for chunk in numbers.chunks(500) {
        let marks = match backend {
            StoreBackend::Sqlite => vec!["?".to_string(); chunk.len()].join(", "),
            StoreBackend::Postgres => (0..chunk.len())
                .map(|i| format!("${}", i + 2))
                .collect::<Vec<_>>()
                .join(", "),
        };
        let first_mark = if backend == StoreBackend::Sqlite { "?" } else { "$1" };
        let sql = format!(
            "SELECT number, account, amount, currency, tax_code FROM ledger_postings \
             WHERE book = {first_mark} AND number IN ({marks}) ORDER BY number, line"
        );
        let mut q = sqlx::query(&sql).bind(book);
        for n in chunk {
            q = q.bind(*n);
        }
        for p in q.fetch_all(&mut **tx).await.map_err(db_err)? {
            let number: i64 = p.try_get("number").map_err(db_err)?;
            let account: i64 = p.try_get("account").map_err(db_err)?;
            let currency: String = p.try_get("currency").map_err(db_err)?;
            let tax: Option<String> = p.try_get("tax_code").map_err(db_err)?;
            postings.entry(number).or_default().push(Posting {
                account: u32::try_from(account)
                    .ok()
                    .and_then(AccountNo::from_number)
                    .ok_or_else(|| corrupt(format!("account {account}")))?,
                amount: Cents(p.try_get("amount").map_err(db_err)?),
                currency: Currency::parse(&currency).ok_or_else(|| corrupt(format!("currency {currency}")))?,
                tax_code: tax.as_deref().and_then(TaxCode::parse),
            });
        }
    }
    let mut out = Vec::with_capacity(rows.len());
    for (r, number) in rows.into_iter().zip(numbers) {
        let id: String = r.try_get("id").map_err(db_err)?;
        let text: String = r.try_get("text").map_err(db_err)?;
        let reference: String = r.try_get("reference").map_err(db_err)?;
        let mut entry = Entry::new(
            postings.remove(&number).unwrap_or_default(),
            day(r.try_get("posting_date").map_err(db_err)?)?,
            day(r.try_get("document_date").map_err(db_err)?)?,
            text,
            reference,
        )
        .map_err(|e| corrupt(format!("entry {id}: {e}")))?;
        let vat: Option<i64> = r.try_get("vat_date").map_err(db_err)?;
        entry.vat_date = vat.map(day).transpose()?;
        let tax: Option<String> = r.try_get("tax_code").map_err(db_err)?;
        entry.tax_code = tax.as_deref().and_then(TaxCode::parse);
        entry.provenance = Provenance {
            document: r.try_get("document_id").map_err(db_err)?,
            source: match r.try_get::<Option<String>, _>("source").map_err(db_err)? {
                // Written as '' when it equals the import key (see `encode_insert`).
                Some(s) if s.is_empty() => r.try_get("import_key").map_err(db_err)?,
                s => s,
            },
            user: Some(r.try_get("created_by").map_err(db_err)?),
        };
        let fixed: Option<i64> = r.try_get("fixed_at").map_err(db_err)?;
        out.push(LedgerEntryRecord {
            id,
            company_id: company,
            number,
            batch: r.try_get("batch").map_err(db_err)?,
            entry,
            import_key: r.try_get("import_key").map_err(db_err)?,
            created_by: r.try_get("created_by").map_err(db_err)?,
            created_at: Timestamp::from_millis(r.try_get("created_at").map_err(db_err)?),
            reverses: r.try_get("reverses").map_err(db_err)?,
            fixed_at: fixed.map(Timestamp::from_millis),
        });
    }
    Ok(out)
}

pub(crate) async fn entry(
    tx: &mut Transaction<'static, Any>,
    backend: StoreBackend,
    company: CompanyId,
    id: &str,
) -> Result<Option<LedgerEntryRecord>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {ENTRY_COLUMNS} FROM ledger_entries WHERE book = {} AND id = $2",
        book_of(1)
    ))
    .bind(company.to_string())
    .bind(id.to_string())
    .fetch_all(&mut **tx)
    .await
    .map_err(db_err)?;
    Ok(load(tx, backend, company, rows).await?.pop())
}

pub(crate) async fn entries(
    tx: &mut Transaction<'static, Any>,
    backend: StoreBackend,
    company: CompanyId,
    from: u32,
    to: u32,
    after: i64,
    limit: u32,
) -> Result<Vec<LedgerEntryRecord>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {ENTRY_COLUMNS} FROM ledger_entries WHERE book = {} AND period >= $2 AND period <= $3 \
         AND number > $4 ORDER BY number LIMIT $5",
        book_of(1)
    ))
    .bind(company.to_string())
    .bind(i64::from(from))
    .bind(i64::from(to))
    .bind(after)
    .bind(i64::from(limit))
    .fetch_all(&mut **tx)
    .await
    .map_err(db_err)?;
    load(tx, backend, company, rows).await
}

fn sum_rows(rows: Vec<AnyRow>) -> Result<Vec<LedgerSumRow>, StoreError> {
    rows.into_iter()
        .map(|r| {
            let account: i64 = r.try_get(0).map_err(db_err)?;
            let currency: String = r.try_get(1).map_err(db_err)?;
            let c = currency.as_bytes();
            Ok(LedgerSumRow {
                account: u32::try_from(account).map_err(|_| corrupt(format!("account {account}")))?,
                currency: [
                    c.first().copied().unwrap_or(b'?'),
                    c.get(1).copied().unwrap_or(b'?'),
                    c.get(2).copied().unwrap_or(b'?'),
                ],
                debit: r.try_get(2).map_err(db_err)?,
                credit: r.try_get(3).map_err(db_err)?,
            })
        })
        .collect()
}

pub(crate) async fn sums(
    tx: &mut Transaction<'static, Any>,
    company: CompanyId,
    from: u32,
    to: u32,
) -> Result<Vec<LedgerSumRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT account, currency, CAST(SUM(debit) AS BIGINT), CAST(SUM(credit) AS BIGINT) FROM ledger_sums \
         WHERE book = (SELECT book FROM ledger_books WHERE company_id = $1) AND period >= $2 AND period <= $3 GROUP BY account, currency ORDER BY account, currency",
    )
    .bind(company.to_string())
    .bind(i64::from(from))
    .bind(i64::from(to))
    .fetch_all(&mut **tx)
    .await
    .map_err(db_err)?;
    sum_rows(rows)
}

pub(crate) async fn day_sums(
    tx: &mut Transaction<'static, Any>,
    company: CompanyId,
    from: i32,
    to: i32,
) -> Result<Vec<LedgerSumRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT account, currency, CAST(SUM(CASE WHEN amount > 0 THEN amount ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN amount < 0 THEN -amount ELSE 0 END) AS BIGINT) FROM ledger_postings \
         WHERE book = (SELECT book FROM ledger_books WHERE company_id = $1) AND posting_date >= $2 AND posting_date <= $3 GROUP BY account, currency ORDER BY account, currency",
    )
    .bind(company.to_string())
    .bind(i64::from(from))
    .bind(i64::from(to))
    .fetch_all(&mut **tx)
    .await
    .map_err(db_err)?;
    sum_rows(rows)
}

/// One account's postings between two days, in posting order, with their
/// entries. Postings are indexed by day (migration 0025), so this reads
/// only the months in which the account has postings (from `ledger_sums`),
/// consecutive months as one day range.
pub(crate) async fn account_postings(
    tx: &mut Transaction<'static, Any>,
    company: CompanyId,
    account: u32,
    from_day: i32,
    to_day: i32,
    limit: u32,
) -> Result<Vec<LedgerPostingRow>, StoreError> {
    let Some(book) = sqlx::query("SELECT book FROM ledger_books WHERE company_id = $1")
        .bind(company.to_string())
        .fetch_optional(&mut **tx)
        .await
        .map_err(db_err)?
        .map(|r| r.try_get::<i64, _>(0))
        .transpose()
        .map_err(db_err)?
    else {
        return Ok(Vec::new());
    };
    if from_day > to_day {
        return Ok(Vec::new());
    }
    let periods: Vec<i64> = sqlx::query(
        "SELECT DISTINCT period FROM ledger_sums WHERE book = $1 AND account = $2 AND period >= $3 AND period <= $4 \
         ORDER BY period",
    )
    .bind(book)
    .bind(i64::from(account))
    .bind(i64::from(Date::from_days(from_day).year_month()))
    .bind(i64::from(Date::from_days(to_day).year_month()))
    .fetch_all(&mut **tx)
    .await
    .map_err(db_err)?
    .into_iter()
    .map(|r| r.try_get::<i64, _>(0))
    .collect::<Result<_, _>>()
    .map_err(db_err)?;
    let mut out = Vec::new();
    for (first, last) in day_ranges(&periods, from_day, to_day) {
        let left = i64::from(limit) - out.len() as i64;
        if left <= 0 {
            break;
        }
        let rows = sqlx::query(
            "SELECT e.id, e.number, p.posting_date, e.text, e.reference, p.amount FROM ledger_postings p \
             JOIN ledger_entries e ON e.book = p.book AND e.number = p.number \
             WHERE p.book = $1 AND p.posting_date >= $2 AND p.posting_date <= $3 AND p.account = $4 \
             ORDER BY p.posting_date, e.number, p.line LIMIT $5",
        )
        .bind(book)
        .bind(i64::from(first))
        .bind(i64::from(last))
        .bind(i64::from(account))
        .bind(left)
        .fetch_all(&mut **tx)
        .await
        .map_err(db_err)?;
        for r in rows {
            let day: i64 = r.try_get(2).map_err(db_err)?;
            out.push(LedgerPostingRow {
                entry_id: r.try_get(0).map_err(db_err)?,
                number: r.try_get(1).map_err(db_err)?,
                posting_day: i32::try_from(day).map_err(|_| corrupt(format!("day {day}")))?,
                text: r.try_get(3).map_err(db_err)?,
                reference: r.try_get(4).map_err(db_err)?,
                amount: r.try_get(5).map_err(db_err)?,
            });
        }
    }
    Ok(out)
}

/// Day ranges covering the given months (`YYYYMM`, ascending), consecutive
/// months joined, clipped to `from_day..=to_day`.
fn day_ranges(periods: &[i64], from_day: i32, to_day: i32) -> Vec<(i32, i32)> {
    let month_days = |p: i64| -> Option<(i32, i32)> {
        let (y, m) = (i32::try_from(p / 100).ok()?, u32::try_from(p % 100).ok()?);
        let first = Date::new(y, m, 1)?;
        let next = if m == 12 {
            Date::new(y + 1, 1, 1)?
        } else {
            Date::new(y, m + 1, 1)?
        };
        Some((first.days(), next.days() - 1))
    };
    let mut out: Vec<(i32, i32)> = Vec::new();
    for (first, last) in periods.iter().filter_map(|p| month_days(*p)) {
        let (first, last) = (first.max(from_day), last.min(to_day));
        if first > last {
            continue;
        }
        match out.last_mut() {
            Some(prev) if prev.1 + 1 >= first => prev.1 = prev.1.max(last),
            _ => out.push((first, last)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_become_joined_day_ranges_clipped_to_the_query() {
        let d = |y, m, day| Date::new(y, m, day).unwrap().days();
        // Jan+Feb joined, April alone, December into January across the year.
        let ranges = day_ranges(
            &[202601, 202602, 202604, 202612, 202701],
            d(2026, 1, 15),
            d(2027, 1, 10),
        );
        assert_eq!(
            ranges,
            vec![
                (d(2026, 1, 15), d(2026, 2, 28)),
                (d(2026, 4, 1), d(2026, 4, 30)),
                (d(2026, 12, 1), d(2027, 1, 10)),
            ]
        );
        assert!(day_ranges(&[202603], d(2026, 4, 1), d(2026, 4, 30)).is_empty());
        assert!(day_ranges(&[209913, 0], d(2026, 1, 1), d(2026, 1, 31)).is_empty());
    }
}
