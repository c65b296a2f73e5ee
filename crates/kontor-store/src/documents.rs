//! The document archive's SQL: documents, their extracted text and its
//! full-text index (SQLite FTS5 or PostgreSQL `tsvector`, see
//! docs/adr/0012-document-search.md), rules and learned suggestions.

use kontor_app::ports::{StoreBackend, StoreError};
use kontor_app::records::{DocumentQuery, DocumentRecord, DocumentRuleRecord, DocumentSort, MailAccountRecord};
use kontor_core::{CompanyId, Timestamp};
use kontor_documents::search::{fts5_match, tsquery, IndexText};
use kontor_documents::DocType;
use sqlx::{Any, Row, Transaction};

use crate::tx::DOCUMENT_COLUMNS;
use crate::{db_err, rows};

type SqlTx = Transaction<'static, Any>;

/// SQLite: a document text's number is `book << SCOPE_BITS | n`, with the
/// company's document book (migration 0024), so one company's full-text
/// rows form one row-id range; texts of sensitive documents (payslips) lie
/// in its upper half, from `SENSITIVE`, so what a searcher without payroll
/// access may see is the lower half alone.
const SCOPE_BITS: u32 = 40;
const SENSITIVE: i64 = 1 << (SCOPE_BITS - 1);

/// The sensitive document types as an SQL list (`'payslip'`); type keys
/// are fixed identifiers, safe to inline.
fn sensitive_types_sql() -> String {
    sensitive_types()
        .iter()
        .map(|t| format!("'{t}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn sensitive_types() -> Vec<&'static str> {
    DocType::ALL
        .into_iter()
        .filter(|t| t.is_sensitive())
        .map(|t| t.key())
        .collect()
}

fn is_sensitive(doc_type: &str) -> bool {
    DocType::parse(doc_type).is_some_and(DocType::is_sensitive)
}

/// The first number of the half of `book` for texts of this sensitivity.
fn half_base(book: i64, sensitive: bool) -> i64 {
    (book << SCOPE_BITS) + if sensitive { SENSITIVE } else { 0 }
}

fn tags_column(tags: &[String]) -> String {
    let mut s = String::from(",");
    for t in tags {
        s.push_str(t);
        s.push(',');
    }
    s
}

pub(crate) async fn insert(tx: &mut SqlTx, d: &DocumentRecord) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO documents ({DOCUMENT_COLUMNS}) VALUES \
         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, \
          $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35)"
    ))
    .bind(d.id.clone())
    .bind(d.company_id.to_string())
    .bind(d.blob.clone())
    .bind(d.size)
    .bind(d.media_type.clone())
    .bind(d.name.clone())
    .bind(d.doc_type.clone())
    .bind(d.source.clone())
    .bind(d.status.clone())
    .bind(i64::from(d.document_year))
    .bind(i64::from(d.retention_years))
    .bind(i64::from(d.legal_hold))
    .bind(d.created_by.clone())
    .bind(d.created_at.millis())
    .bind(d.doc_date.clone())
    .bind(i64::from(d.month))
    .bind(d.correspondent.clone())
    .bind(d.partner_id.clone())
    .bind(d.amount_cents)
    .bind(d.currency.clone())
    .bind(d.invoice_number.clone())
    .bind(d.iban.clone())
    .bind(d.vat_id.clone())
    .bind(tags_column(&d.tags))
    .bind(d.einvoice.clone())
    .bind(d.suggestion.clone())
    .bind(d.failure.clone())
    .bind(d.confirmed_by.clone())
    .bind(d.confirmed_at.map(Timestamp::millis))
    .bind(d.version_of.clone())
    .bind(i64::from(d.version))
    .bind(d.deleted_at.map(Timestamp::millis))
    .bind(d.deleted_by.clone())
    .bind(d.updated_at.millis())
    .bind(d.parent_id.clone())
    .execute(&mut **tx)
    .await
    .map(|_| ())
    .map_err(db_err)
}

pub(crate) async fn update(tx: &mut SqlTx, backend: StoreBackend, d: &DocumentRecord) -> Result<(), StoreError> {
    let r = sqlx::query(
        "UPDATE documents SET blob = $3, doc_type = $4, status = $5, document_year = $6, retention_years = $7, \
         legal_hold = $8, doc_date = $9, month = $10, correspondent = $11, partner_id = $12, amount_cents = $13, \
         currency = $14, invoice_number = $15, iban = $16, vat_id = $17, tags = $18, einvoice = $19, \
         suggestion = $20, failure = $21, confirmed_by = $22, confirmed_at = $23, deleted_at = $24, \
         deleted_by = $25, updated_at = $26 \
         WHERE company_id = $1 AND id = $2",
    )
    .bind(d.company_id.to_string())
    .bind(d.id.clone())
    .bind(d.blob.clone())
    .bind(d.doc_type.clone())
    .bind(d.status.clone())
    .bind(i64::from(d.document_year))
    .bind(i64::from(d.retention_years))
    .bind(i64::from(d.legal_hold))
    .bind(d.doc_date.clone())
    .bind(i64::from(d.month))
    .bind(d.correspondent.clone())
    .bind(d.partner_id.clone())
    .bind(d.amount_cents)
    .bind(d.currency.clone())
    .bind(d.invoice_number.clone())
    .bind(d.iban.clone())
    .bind(d.vat_id.clone())
    .bind(tags_column(&d.tags))
    .bind(d.einvoice.clone())
    .bind(d.suggestion.clone())
    .bind(d.failure.clone())
    .bind(d.confirmed_by.clone())
    .bind(d.confirmed_at.map(Timestamp::millis))
    .bind(d.deleted_at.map(Timestamp::millis))
    .bind(d.deleted_by.clone())
    .bind(d.updated_at.millis())
    .execute(&mut **tx)
    .await
    .map_err(db_err)?;
    if r.rows_affected() != 1 {
        return Err(StoreError::Corrupt(format!(
            "document {} vanished during an update",
            d.id
        )));
    }
    if backend == StoreBackend::Sqlite {
        move_text_if_rescoped(tx, d).await?;
    }
    Ok(())
}

/// SQLite: keeps a document's full-text row in the half of its company's
/// range that matches its type's sensitivity (see `SENSITIVE`): when a
/// type change crosses it, the text gets a number in the other half and its
/// index row is written anew.
async fn move_text_if_rescoped(tx: &mut SqlTx, d: &DocumentRecord) -> Result<(), StoreError> {
    let Some(row) = sqlx::query("SELECT seq FROM document_texts WHERE document_id = $1")
        .bind(d.id.clone())
        .fetch_optional(&mut **tx)
        .await
        .map_err(db_err)?
    else {
        return Ok(());
    };
    let seq: i64 = row.try_get(0).map_err(db_err)?;
    let sensitive = is_sensitive(&d.doc_type);
    if (seq & SENSITIVE != 0) == sensitive {
        return Ok(());
    }
    // Only now the text itself (it can be long): the index row is made anew.
    let row = sqlx::query("SELECT text FROM document_texts WHERE seq = $1")
        .bind(seq)
        .fetch_one(&mut **tx)
        .await
        .map_err(db_err)?;
    let text = rows::text(&row, "text")?;
    let base = half_base(seq >> SCOPE_BITS, sensitive);
    let next: i64 = sqlx::query("SELECT COALESCE(MAX(seq), $1) + 1 FROM document_texts WHERE seq BETWEEN $1 AND $2")
        .bind(base)
        .bind(base + SENSITIVE - 1)
        .fetch_one(&mut **tx)
        .await
        .map_err(db_err)?
        .try_get(0)
        .map_err(db_err)?;
    let index = kontor_documents::search::index_text(&kontor_documents::search::index_source(
        &d.name,
        d.correspondent.as_deref(),
        d.invoice_number.as_deref(),
        &d.tags,
        &text,
    ));
    sqlx::query("DELETE FROM documents_fts WHERE rowid = $1")
        .bind(seq)
        .execute(&mut **tx)
        .await
        .map_err(db_err)?;
    sqlx::query("UPDATE document_texts SET seq = $1 WHERE seq = $2")
        .bind(next)
        .bind(seq)
        .execute(&mut **tx)
        .await
        .map_err(db_err)?;
    insert_fts_row(tx, next, index).await
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn put_text(
    tx: &mut SqlTx,
    backend: StoreBackend,
    document_id: &str,
    method: &str,
    pages: i64,
    text: &str,
    index: &IndexText,
    now: Timestamp,
) -> Result<(), StoreError> {
    delete_text(tx, backend, document_id).await?;
    match backend {
        StoreBackend::Sqlite => {
            // The text's number (and so its full-text row id) lies in the
            // range of the document's company (migration 0024).
            sqlx::query(
                "INSERT INTO document_books (company_id) SELECT company_id FROM documents WHERE id = $1 \
                 ON CONFLICT (company_id) DO NOTHING",
            )
            .bind(document_id.to_string())
            .execute(&mut **tx)
            .await
            .map_err(db_err)?;
            let row = sqlx::query(&format!(
                "INSERT INTO document_texts (seq, document_id, method, pages, text, created_at) \
                 SELECT COALESCE((SELECT MAX(t.seq) FROM document_texts t \
                                  WHERE t.seq BETWEEN h.base AND h.base + {SENSITIVE} - 1), h.base) + 1, \
                        $1, $2, $3, $4, $5 \
                 FROM (SELECT (b.book << {SCOPE_BITS}) \
                              + CASE WHEN d.doc_type IN ({}) THEN {SENSITIVE} ELSE 0 END AS base \
                       FROM documents d JOIN document_books b ON b.company_id = d.company_id WHERE d.id = $1) h \
                 RETURNING seq",
                sensitive_types_sql()
            ))
            .bind(document_id.to_string())
            .bind(method.to_string())
            .bind(pages)
            .bind(text.to_string())
            .bind(now.millis())
            .fetch_one(&mut **tx)
            .await
            .map_err(db_err)?;
            let seq: i64 = row.try_get(0).map_err(db_err)?;
            insert_fts_row(tx, seq, index.clone()).await?;
        }
        StoreBackend::Postgres => {
            sqlx::query(
                "INSERT INTO document_texts (document_id, method, pages, text, created_at, tsv) \
                 VALUES ($1, $2, $3, $4, $5, \
                 setweight(to_tsvector('simple', $6), 'A') || setweight(to_tsvector('simple', $7), 'D'))",
            )
            .bind(document_id.to_string())
            .bind(method.to_string())
            .bind(pages)
            .bind(text.to_string())
            .bind(now.millis())
            .bind(index.body.clone())
            .bind(index.parts.clone())
            .execute(&mut **tx)
            .await
            .map_err(db_err)?;
        }
    }
    Ok(())
}

/// SQLite: the full-text row of text number `seq`.
async fn insert_fts_row(tx: &mut SqlTx, seq: i64, index: IndexText) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO documents_fts (rowid, body, parts) VALUES ($1, $2, $3)")
        .bind(seq)
        .bind(index.body)
        .bind(index.parts)
        .execute(&mut **tx)
        .await
        .map(|_| ())
        .map_err(db_err)
}

/// SQLite: rebuilds the contentless full-text index from the kept texts
/// when migration 0024 asked for it, in one transaction; a second kontor
/// starting at the same time waits for the write lock and then finds
/// nothing left to do.
pub(crate) async fn rebuild_fts_if_pending(pool: &sqlx::AnyPool) -> Result<(), StoreError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
    let pending = sqlx::query("SELECT 1 FROM document_fts_rebuild LIMIT 1")
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?
        .is_some();
    if !pending {
        return Ok(());
    }
    let mut after = i64::MIN;
    let mut count = 0u64;
    loop {
        let batch = sqlx::query(
            "SELECT t.seq, t.text, d.name, d.correspondent, d.invoice_number, d.tags FROM document_texts t \
             JOIN documents d ON d.id = t.document_id WHERE t.seq > $1 ORDER BY t.seq LIMIT 500",
        )
        .bind(after)
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err)?;
        let Some(last) = batch.last() else { break };
        after = last.try_get(0).map_err(db_err)?;
        for r in &batch {
            let seq: i64 = r.try_get(0).map_err(db_err)?;
            let text = rows::text(r, "text")?;
            let name = rows::text(r, "name")?;
            let correspondent = rows::opt_text(r, "correspondent")?;
            let invoice_number = rows::opt_text(r, "invoice_number")?;
            let tags: Vec<String> = rows::text(r, "tags")?
                .split(',')
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect();
            let index = kontor_documents::search::index_text(&kontor_documents::search::index_source(
                &name,
                correspondent.as_deref(),
                invoice_number.as_deref(),
                &tags,
                &text,
            ));
            insert_fts_row(&mut tx, seq, index).await?;
            count += 1;
        }
    }
    sqlx::query("DELETE FROM document_fts_rebuild")
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    tx.commit().await.map_err(db_err)?;
    tracing::info!(texts = count, "full-text index rebuilt");
    Ok(())
}

pub(crate) async fn text(tx: &mut SqlTx, document_id: &str) -> Result<Option<(String, i64, String)>, StoreError> {
    let row = sqlx::query("SELECT method, pages, text FROM document_texts WHERE document_id = $1")
        .bind(document_id.to_string())
        .fetch_optional(&mut **tx)
        .await
        .map_err(db_err)?;
    row.map(|r| {
        Ok((
            rows::text(&r, "method")?,
            rows::int(&r, "pages")?,
            rows::text(&r, "text")?,
        ))
    })
    .transpose()
}

pub(crate) async fn delete_text(tx: &mut SqlTx, backend: StoreBackend, document_id: &str) -> Result<(), StoreError> {
    if backend == StoreBackend::Sqlite {
        sqlx::query("DELETE FROM documents_fts WHERE rowid IN (SELECT seq FROM document_texts WHERE document_id = $1)")
            .bind(document_id.to_string())
            .execute(&mut **tx)
            .await
            .map_err(db_err)?;
    }
    sqlx::query("DELETE FROM document_texts WHERE document_id = $1")
        .bind(document_id.to_string())
        .execute(&mut **tx)
        .await
        .map_err(db_err)?;
    Ok(())
}

/// A value bound to a search statement.
enum Arg {
    Text(String),
    Int(i64),
}

/// `%` and `_` taken literally in a LIKE pattern (escape character `\`).
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The SQLite row-id range of a company's full-text rows a searcher may
/// see: the whole book, or its lower half without sensitive documents.
async fn scope(tx: &mut SqlTx, company: CompanyId, sensitive_too: bool) -> Result<Option<(i64, i64)>, StoreError> {
    let row = sqlx::query("SELECT book FROM document_books WHERE company_id = $1")
        .bind(company.to_string())
        .fetch_optional(&mut **tx)
        .await
        .map_err(db_err)?;
    let Some(row) = row else { return Ok(None) };
    let book: i64 = row.try_get(0).map_err(db_err)?;
    let lo = book << SCOPE_BITS;
    let hi = if sensitive_too {
        ((book + 1) << SCOPE_BITS) - 1
    } else {
        lo + SENSITIVE - 1
    };
    Ok(Some((lo, hi)))
}

/// Whether a query is the common case the scoped full-text path answers:
/// words, ranked by relevance, within one company, with no filter besides
/// the searcher's hidden types, and those either none or exactly the
/// sensitive ones (the halves of the company's range). Returns the company
/// and whether sensitive documents are visible.
fn scoped_case(q: &DocumentQuery) -> Option<(CompanyId, bool)> {
    let plain = !q.terms.is_empty()
        && q.sort == DocumentSort::Relevance
        && q.doc_type.is_none()
        && q.correspondent.is_none()
        && q.tag.is_none()
        && q.statuses.is_empty()
        && q.date_from.is_none()
        && q.date_to.is_none()
        && q.amount_min.is_none()
        && q.amount_max.is_none()
        && q.months.is_none();
    let mut hidden: Vec<&str> = q.hidden_types.iter().map(String::as_str).collect();
    hidden.sort_unstable();
    let mut sensitive = sensitive_types();
    sensitive.sort_unstable();
    let sensitive_too = match hidden.as_slice() {
        [] => true,
        h if h == sensitive.as_slice() => false,
        _ => return None,
    };
    q.company_id.filter(|_| plain).map(|c| (c, sensitive_too))
}

/// SQLite, the common case: FTS5 counts and ranks within the row-id range
/// the searcher may see (the company's, without its sensitive half unless
/// allowed) by itself; only the page's rows are joined to their documents,
/// and each is checked again against every right.
async fn search_scoped(
    tx: &mut SqlTx,
    q: &DocumentQuery,
    company: CompanyId,
    sensitive_too: bool,
) -> Result<Option<(Vec<DocumentRecord>, i64)>, StoreError> {
    let Some((lo, hi)) = scope(tx, company, sensitive_too).await? else {
        return Ok(Some((Vec::new(), 0)));
    };
    let m = fts5_match(&q.terms);
    let cols: String = DOCUMENT_COLUMNS
        .split(',')
        .map(|c| format!("d.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let page_sql = format!(
        "SELECT {cols} FROM (SELECT rowid AS r, bm25(documents_fts, 1.0, 0.25) AS k FROM documents_fts \
         WHERE documents_fts MATCH $1 AND rowid BETWEEN $2 AND $3 ORDER BY k, r DESC LIMIT $4 OFFSET $5) f \
         CROSS JOIN document_texts t ON t.seq = f.r CROSS JOIN documents d ON d.id = t.document_id \
         ORDER BY f.k, f.r DESC"
    );
    let rows = sqlx::query(&page_sql)
        .bind(m.clone())
        .bind(lo)
        .bind(hi)
        .bind(i64::from(q.limit))
        .bind(i64::from(q.offset))
        .fetch_all(&mut **tx)
        .await
        .map_err(db_err)?
        .iter()
        .map(rows::document)
        .collect::<Result<Vec<_>, _>>()?;
    // Every right again, on each row of the page. A row outside its
    // document's range cannot occur while documents::update keeps the
    // ranges; should one, the exact (joined) statement answers instead.
    let visible = |d: &DocumentRecord| {
        d.company_id == company && d.deleted_at.is_none() && (sensitive_too || !q.hidden_types.contains(&d.doc_type))
    };
    if !rows.iter().all(visible) {
        tracing::error!(%company, "a full-text row lies outside its document's range; answering with the joined search");
        return Ok(None);
    }
    // A short first page holds every match there is.
    if q.offset == 0 && (rows.len() as u64) < u64::from(q.limit) {
        let n = rows.len() as i64;
        return Ok(Some((rows, n)));
    }
    let all: i64 =
        sqlx::query("SELECT COUNT(*) FROM documents_fts WHERE documents_fts MATCH $1 AND rowid BETWEEN $2 AND $3")
            .bind(m)
            .bind(lo)
            .bind(hi)
            .fetch_one(&mut **tx)
            .await
            .map_err(db_err)?
            .try_get(0)
            .map_err(db_err)?;
    Ok(Some((rows, all)))
}

pub(crate) async fn search(
    tx: &mut SqlTx,
    backend: StoreBackend,
    q: &DocumentQuery,
) -> Result<(Vec<DocumentRecord>, i64), StoreError> {
    if backend == StoreBackend::Sqlite {
        if let Some((company, sensitive_too)) = scoped_case(q) {
            if let Some(found) = search_scoped(tx, q, company, sensitive_too).await? {
                return Ok(found);
            }
        }
    }
    let mut args: Vec<Arg> = Vec::new();
    let p = |a: Arg, args: &mut Vec<Arg>| {
        args.push(a);
        format!("${}", args.len())
    };
    let mut conds: Vec<String> = vec!["d.deleted_at IS NULL".into()];
    let (from, rank) = if q.terms.is_empty() {
        ("documents d".to_string(), None)
    } else {
        match backend {
            StoreBackend::Sqlite => {
                let m = p(Arg::Text(fts5_match(&q.terms)), &mut args);
                conds.push(format!("documents_fts MATCH {m}"));
                // Only the company's full-text rows (migration 0024).
                if let Some(c) = q.company_id {
                    let Some((lo, hi)) = scope(tx, c, true).await? else {
                        return Ok((Vec::new(), 0));
                    };
                    let lo = p(Arg::Int(lo), &mut args);
                    let hi = p(Arg::Int(hi), &mut args);
                    conds.push(format!("documents_fts.rowid BETWEEN {lo} AND {hi}"));
                }
                // CROSS JOIN keeps the full-text match the outer loop: SQLite
                // would otherwise walk the company's documents and run the
                // MATCH once per document (seconds at 100,000 documents).
                (
                    "documents_fts CROSS JOIN document_texts t ON t.seq = documents_fts.rowid \
                     CROSS JOIN documents d ON d.id = t.document_id"
                        .to_string(),
                    Some("bm25(documents_fts, 1.0, 0.25)".to_string()),
                )
            }
            StoreBackend::Postgres => {
                let m = p(Arg::Text(tsquery(&q.terms)), &mut args);
                conds.push(format!("t.tsv @@ to_tsquery('simple', {m})"));
                (
                    "document_texts t JOIN documents d ON d.id = t.document_id".to_string(),
                    Some(format!("-ts_rank(t.tsv, to_tsquery('simple', {m}))")),
                )
            }
        }
    };
    // With a full-text match on SQLite the filters must not use the
    // documents' indexes: SQLite would scan a date or status range for
    // every match instead of fetching each match by its key (`+` turns
    // the index off for that column).
    let d = if !q.terms.is_empty() && backend == StoreBackend::Sqlite {
        "+d"
    } else {
        "d"
    };
    if let Some(c) = q.company_id {
        let x = p(Arg::Text(c.to_string()), &mut args);
        conds.push(format!("{d}.company_id = {x}"));
    }
    for t in &q.hidden_types {
        let x = p(Arg::Text(t.clone()), &mut args);
        conds.push(format!("{d}.doc_type <> {x}"));
    }
    if let Some(t) = &q.doc_type {
        let x = p(Arg::Text(t.clone()), &mut args);
        conds.push(format!("{d}.doc_type = {x}"));
    }
    if let Some(c) = &q.correspondent {
        let x = p(Arg::Text(format!("%{}%", like_escape(&c.to_lowercase()))), &mut args);
        conds.push(format!("LOWER({d}.correspondent) LIKE {x} ESCAPE '\\'"));
    }
    if let Some(t) = &q.tag {
        let x = p(Arg::Text(format!("%,{},%", like_escape(t))), &mut args);
        conds.push(format!("{d}.tags LIKE {x} ESCAPE '\\'"));
    }
    if !q.statuses.is_empty() {
        let list: Vec<String> = q.statuses.iter().map(|s| p(Arg::Text(s.clone()), &mut args)).collect();
        conds.push(format!("{d}.status IN ({})", list.join(", ")));
    }
    if let Some(f) = &q.date_from {
        let x = p(Arg::Text(f.clone()), &mut args);
        conds.push(format!("{d}.doc_date >= {x}"));
    }
    if let Some(t) = &q.date_to {
        let x = p(Arg::Text(t.clone()), &mut args);
        conds.push(format!("{d}.doc_date <= {x}"));
    }
    if let Some(v) = q.amount_min {
        let x = p(Arg::Int(v), &mut args);
        conds.push(format!("{d}.amount_cents >= {x}"));
    }
    if let Some(v) = q.amount_max {
        let x = p(Arg::Int(v), &mut args);
        conds.push(format!("{d}.amount_cents <= {x}"));
    }
    if let Some((from_m, to_m)) = q.months {
        let a = p(Arg::Int(i64::from(from_m)), &mut args);
        let b = p(Arg::Int(i64::from(to_m)), &mut args);
        conds.push(format!("{d}.month BETWEEN {a} AND {b}"));
    }
    let filter = format!("FROM {from} WHERE {}", conds.join(" AND "));
    let order = match (q.sort, &rank) {
        (DocumentSort::Relevance, Some(r)) => format!("{r}, d.id DESC"),
        (DocumentSort::DateAsc, _) => "d.doc_date ASC, d.id ASC".to_string(),
        _ => "d.doc_date DESC, d.id DESC".to_string(),
    };
    let cols: String = DOCUMENT_COLUMNS
        .split(',')
        .map(|c| format!("d.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let n = args.len();
    let page_sql = format!(
        "SELECT {cols} {filter} ORDER BY {order} LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let count_sql = format!("SELECT COUNT(*) AS n {filter}");

    let rows = bind_all(sqlx::query(&page_sql), &args)
        .bind(i64::from(q.limit))
        .bind(i64::from(q.offset))
        .fetch_all(&mut **tx)
        .await
        .map_err(db_err)?
        .iter()
        .map(rows::document)
        .collect::<Result<Vec<_>, _>>()?;
    let total: i64 = if q.offset == 0 && (rows.len() as u64) < u64::from(q.limit) {
        rows.len() as i64
    } else {
        bind_all(sqlx::query(&count_sql), &args)
            .fetch_one(&mut **tx)
            .await
            .map_err(db_err)?
            .try_get(0)
            .map_err(db_err)?
    };
    Ok((rows, total))
}

pub(crate) async fn versions(
    tx: &mut SqlTx,
    company: CompanyId,
    first_id: &str,
) -> Result<Vec<DocumentRecord>, StoreError> {
    sqlx::query(&format!(
        "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE company_id = $1 AND (id = $2 OR version_of = $2) \
         ORDER BY version"
    ))
    .bind(company.to_string())
    .bind(first_id.to_string())
    .fetch_all(&mut **tx)
    .await
    .map_err(db_err)?
    .iter()
    .map(rows::document)
    .collect()
}

pub(crate) async fn past_retention(
    tx: &mut SqlTx,
    company: CompanyId,
    year: i32,
    limit: u32,
) -> Result<Vec<DocumentRecord>, StoreError> {
    sqlx::query(&format!(
        "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE company_id = $1 AND deleted_at IS NULL \
         AND legal_hold = 0 AND document_year + retention_years + 1 <= $2 ORDER BY document_year, id LIMIT $3"
    ))
    .bind(company.to_string())
    .bind(i64::from(year))
    .bind(i64::from(limit))
    .fetch_all(&mut **tx)
    .await
    .map_err(db_err)?
    .iter()
    .map(rows::document)
    .collect()
}

const RULE_COLUMNS: &str =
    "id, company_id, position, field, pattern, set_type, set_correspondent, add_tag, created_by, created_at";

pub(crate) async fn rules(tx: &mut SqlTx, company: CompanyId) -> Result<Vec<DocumentRuleRecord>, StoreError> {
    sqlx::query(&format!(
        "SELECT {RULE_COLUMNS} FROM document_rules WHERE company_id = $1 ORDER BY position, id"
    ))
    .bind(company.to_string())
    .fetch_all(&mut **tx)
    .await
    .map_err(db_err)?
    .iter()
    .map(rows::document_rule)
    .collect()
}

pub(crate) async fn insert_rule(tx: &mut SqlTx, r: &DocumentRuleRecord) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO document_rules ({RULE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    ))
    .bind(r.id.clone())
    .bind(r.company_id.to_string())
    .bind(r.position)
    .bind(r.field.clone())
    .bind(r.pattern.clone())
    .bind(r.set_type.clone())
    .bind(r.set_correspondent.clone())
    .bind(r.add_tag.clone())
    .bind(r.created_by.clone())
    .bind(r.created_at.millis())
    .execute(&mut **tx)
    .await
    .map(|_| ())
    .map_err(db_err)
}

pub(crate) async fn delete_rule(tx: &mut SqlTx, company: CompanyId, id: &str) -> Result<bool, StoreError> {
    sqlx::query("DELETE FROM document_rules WHERE company_id = $1 AND id = $2")
        .bind(company.to_string())
        .bind(id.to_string())
        .execute(&mut **tx)
        .await
        .map(|r| r.rows_affected() == 1)
        .map_err(db_err)
}

pub(crate) async fn learn(
    tx: &mut SqlTx,
    company: CompanyId,
    key: &str,
    field: &str,
    value: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO document_learning (company_id, key, field, value, count) VALUES ($1, $2, $3, $4, 1) \
         ON CONFLICT (company_id, key, field, value) DO UPDATE SET count = document_learning.count + 1",
    )
    .bind(company.to_string())
    .bind(key.to_string())
    .bind(field.to_string())
    .bind(value.to_string())
    .execute(&mut **tx)
    .await
    .map(|_| ())
    .map_err(db_err)
}

pub(crate) async fn learned(
    tx: &mut SqlTx,
    backend: StoreBackend,
    company: CompanyId,
    keys: &[String],
) -> Result<Vec<(String, String, String, i64)>, StoreError> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let _ = backend;
    let list: Vec<String> = (0..keys.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "SELECT key, field, value, count FROM document_learning WHERE company_id = $1 AND key IN ({})",
        list.join(", ")
    );
    let mut query = sqlx::query(&sql).bind(company.to_string());
    for k in keys {
        query = query.bind(k.clone());
    }
    query
        .fetch_all(&mut **tx)
        .await
        .map_err(db_err)?
        .iter()
        .map(|r| {
            Ok((
                rows::text(r, "key")?,
                rows::text(r, "field")?,
                rows::text(r, "value")?,
                rows::int(r, "count")?,
            ))
        })
        .collect()
}

fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    args: &[Arg],
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
    for a in args {
        query = match a {
            Arg::Text(s) => query.bind(s.clone()),
            Arg::Int(i) => query.bind(*i),
        };
    }
    query
}

const MAIL_COLUMNS: &str = "company_id, url, username, password_sealed, folder, done_folder, interval_secs, enabled, \
    last_poll_at, last_error, last_count, updated_by, updated_at";

/// One company's mailbox, or all of them.
pub(crate) async fn mail_account(
    tx: &mut SqlTx,
    company: Option<CompanyId>,
) -> Result<Vec<MailAccountRecord>, StoreError> {
    let rows = match company {
        Some(c) => {
            sqlx::query(&format!(
                "SELECT {MAIL_COLUMNS} FROM mail_accounts WHERE company_id = $1"
            ))
            .bind(c.to_string())
            .fetch_all(&mut **tx)
            .await
        }
        None => {
            sqlx::query(&format!("SELECT {MAIL_COLUMNS} FROM mail_accounts ORDER BY company_id"))
                .fetch_all(&mut **tx)
                .await
        }
    }
    .map_err(db_err)?;
    rows.iter().map(rows::mail_account).collect()
}

pub(crate) async fn put_mail_account(tx: &mut SqlTx, a: &MailAccountRecord) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO mail_accounts ({MAIL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (company_id) DO UPDATE SET url = $2, username = $3, password_sealed = $4, folder = $5, \
         done_folder = $6, interval_secs = $7, enabled = $8, updated_by = $12, updated_at = $13"
    ))
    .bind(a.company_id.to_string())
    .bind(a.url.clone())
    .bind(a.username.clone())
    .bind(a.password_sealed.clone())
    .bind(a.folder.clone())
    .bind(a.done_folder.clone())
    .bind(a.interval_secs)
    .bind(i64::from(a.enabled))
    .bind(a.last_poll_at.map(Timestamp::millis))
    .bind(a.last_error.clone())
    .bind(a.last_count)
    .bind(a.updated_by.clone())
    .bind(a.updated_at.millis())
    .execute(&mut **tx)
    .await
    .map(|_| ())
    .map_err(db_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Migration 0024 puts `'payslip'` texts into the sensitive half by
    /// name: a new sensitive type needs a migration that moves its texts.
    #[test]
    fn the_sensitive_types_are_the_ones_migration_0024_names() {
        assert_eq!(sensitive_types(), vec!["payslip"]);
        assert!(include_str!("../migrations/sqlite/0024_search_scope.sql").contains("IN ('payslip')"));
        assert_eq!(half_base(3, false), 3 << 40);
        assert_eq!(half_base(3, true) - half_base(3, false), 1 << 39);
    }
}
