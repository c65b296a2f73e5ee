//! The SQLite upgrade to per-company full-text ranges (migration 0024): an
//! archive indexed by an earlier kontor is renumbered, its contentless index
//! rebuilt when the store opens, and searches then count and page exactly
//! what each searcher may see.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use kontor_app::ports::Store;
use kontor_app::records::{DocumentQuery, DocumentSort};
use kontor_core::CompanyId;
use kontor_documents::search::{index_source, index_text, query_terms};
use kontor_store::{SqlStore, StoreOptions, MIGRATIONS_SQLITE};
use sha2::{Digest, Sha256};
use sqlx::Executor;

const A: &str = "00000000-0000-7000-8000-00000000000a";
const B: &str = "00000000-0000-7000-8000-00000000000b";

/// Brings a new database to migration 23 the way the runner does.
async fn database_at_23(url: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .unwrap();
    pool.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, \
         checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .await
    .unwrap();
    for m in MIGRATIONS_SQLITE.iter().filter(|m| m.version <= 23) {
        sqlx::raw_sql(m.sql).execute(&pool).await.unwrap();
        sqlx::query("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, 0)")
            .bind(m.version)
            .bind(m.name)
            .bind(hex::encode(Sha256::digest(m.sql.as_bytes())))
            .execute(&pool)
            .await
            .unwrap();
    }
    pool
}

/// A document with its text, indexed as kontor did before 0024 (row id =
/// the text's global number).
async fn old_document(pool: &sqlx::AnyPool, seq: i64, company: &str, doc_type: &str, name: &str, text: &str) {
    let id = format!("00000000-0000-7000-9000-{seq:012}");
    sqlx::query(
        "INSERT INTO documents (id, company_id, blob, size, media_type, name, doc_type, source, status, \
         document_year, retention_years, created_by, created_at, correspondent, tags) \
         VALUES ($1, $2, $3, 1, 'text/plain', $4, $5, 'upload', 'processed', 2025, 10, 'test', 0, 'Stadtwerke', ',archiv,')",
    )
    .bind(id.clone())
    .bind(company)
    .bind(format!("sha256:{seq}"))
    .bind(name)
    .bind(doc_type)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("INSERT INTO document_texts (seq, document_id, method, pages, text, created_at) VALUES ($1, $2, 'text', 1, $3, 0)")
        .bind(seq)
        .bind(id)
        .bind(text)
        .execute(pool)
        .await
        .unwrap();
    let ix = index_text(&index_source(name, Some("Stadtwerke"), None, &["archiv".into()], text));
    sqlx::query("INSERT INTO documents_fts (rowid, body, parts) VALUES ($1, $2, $3)")
        .bind(seq)
        .bind(ix.body)
        .bind(ix.parts)
        .execute(pool)
        .await
        .unwrap();
}

fn query(company: &str, words: &str, hidden: &[&str], limit: u32, offset: u32) -> DocumentQuery {
    DocumentQuery {
        company_id: Some(company.parse::<CompanyId>().unwrap()),
        terms: query_terms(words),
        hidden_types: hidden.iter().map(|t| t.to_string()).collect(),
        sort: DocumentSort::Relevance,
        limit,
        offset,
        ..DocumentQuery::default()
    }
}

#[tokio::test]
async fn an_archive_indexed_before_0024_is_renumbered_rebuilt_and_searched_per_company() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("kontor.db").display());
    let pool = database_at_23(&url).await;
    for (id, code) in [(A, "a"), (B, "b")] {
        sqlx::query("INSERT INTO companies (id, code, name, created_at) VALUES ($1, $2, $2, 0)")
            .bind(id)
            .bind(code)
            .execute(&pool)
            .await
            .unwrap();
    }
    // Interleaved, as companies' documents arrive in a real installation.
    old_document(
        &pool,
        1,
        A,
        "invoice",
        "Stromrechnung Januar",
        "Strom für Januar 120,00 EUR",
    )
    .await;
    old_document(&pool, 2, B, "invoice", "Stromrechnung B", "Strom für die Halle").await;
    old_document(
        &pool,
        3,
        A,
        "invoice",
        "Stromrechnung Februar",
        "Strom für Februar 99,00 EUR",
    )
    .await;
    old_document(
        &pool,
        4,
        A,
        "payslip",
        "Entgeltabrechnung",
        "Zulage Stromkosten Homeoffice",
    )
    .await;
    old_document(&pool, 5, A, "letter", "Wasser", "Wasserzähler abgelesen").await;
    pool.close().await;

    let store = SqlStore::open(&StoreOptions::new(url.clone())).await.unwrap();
    let mut tx = store.begin_read().await.unwrap();
    // Everything of company A that matches, for someone who may see payslips.
    let (page, total) = tx.search_documents(&query(A, "strom", &[], 50, 0)).await.unwrap();
    assert_eq!((page.len(), total), (3, 3));
    assert!(page.iter().all(|d| d.company_id.to_string() == A));
    // Without payroll access the payslip is neither listed nor counted, also
    // when the page is short and the count comes from the index.
    let (page, total) = tx
        .search_documents(&query(A, "strom", &["payslip"], 50, 0))
        .await
        .unwrap();
    assert_eq!((page.len(), total), (2, 2));
    assert!(page.iter().all(|d| d.doc_type == "invoice"));
    for offset in 0..3 {
        let (page, total) = tx
            .search_documents(&query(A, "strom", &["payslip"], 1, offset))
            .await
            .unwrap();
        assert_eq!(total, 2, "offset {offset}");
        assert_eq!(page.len(), usize::from(offset < 2), "offset {offset}");
        assert!(page.iter().all(|d| d.doc_type == "invoice"));
    }
    let (_, total) = tx.search_documents(&query(A, "strom", &[], 1, 0)).await.unwrap();
    assert_eq!(total, 3);
    // Company B sees its own document only.
    let (page, total) = tx.search_documents(&query(B, "strom", &[], 50, 0)).await.unwrap();
    assert_eq!((page.len(), total), (1, 1));
    assert_eq!(page[0].name, "Stromrechnung B");
    // Compound parts, metadata and filters (the joined path) work as before.
    let (_, total) = tx.search_documents(&query(A, "zaehler", &[], 50, 0)).await.unwrap();
    assert_eq!(total, 1);
    let (_, total) = tx
        .search_documents(&query(A, "stadtwerke", &["payslip"], 50, 0))
        .await
        .unwrap();
    assert_eq!(total, 3);
    let mut filtered = query(A, "strom", &["payslip"], 50, 0);
    filtered.doc_type = Some("invoice".into());
    assert_eq!(tx.search_documents(&filtered).await.unwrap().1, 2);
    drop(tx);

    // A type change across sensitivity moves the text: the January invoice
    // corrected to a payslip leaves the bookkeeper's hits and count, and
    // comes back when corrected again.
    let company: CompanyId = A.parse().unwrap();
    let january = "00000000-0000-7000-9000-000000000001";
    for (doc_type, expected) in [("payslip", 1), ("invoice", 2)] {
        let mut tx = store.begin().await.unwrap();
        let mut doc = tx.document(company, january).await.unwrap().unwrap();
        doc.doc_type = doc_type.into();
        tx.update_document(&doc).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.begin_read().await.unwrap();
        for limit in [50, 1] {
            let (page, total) = tx
                .search_documents(&query(A, "strom", &["payslip"], limit, 0))
                .await
                .unwrap();
            assert_eq!(total, expected, "{doc_type}, page of {limit}");
            assert!(page.iter().all(|d| d.doc_type == "invoice"), "{doc_type}");
        }
        let (page, total) = tx.search_documents(&query(A, "strom", &[], 50, 0)).await.unwrap();
        assert_eq!((page.len(), total), (3, 3), "{doc_type}: payroll sees all");
        drop(tx);
        // The text itself moved (the search above would also be right if it
        // had not, by falling back to the joined statement).
        let raw = sqlx::any::AnyPoolOptions::new()
            .max_connections(1)
            .connect(&url)
            .await
            .unwrap();
        let seq: i64 = sqlx::query_scalar("SELECT seq FROM document_texts WHERE document_id = $1")
            .bind(january)
            .fetch_one(&raw)
            .await
            .unwrap();
        raw.close().await;
        assert_eq!(seq & (1 << 39) != 0, doc_type == "payslip", "{doc_type}: {seq:#x}");
    }
    store.close().await;

    // The texts lie in their company's range and the rebuild is done.
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .unwrap();
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT t.seq, d.company_id FROM document_texts t JOIN documents d ON d.id = t.document_id ORDER BY t.seq",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let books: Vec<i64> = rows.iter().map(|(seq, _)| seq >> 40).collect();
    assert_eq!(books, vec![1, 1, 1, 1, 2], "{rows:?}");
    assert!(rows.iter().all(|(seq, c)| (seq >> 40 == 1) == (c == A)));
    // The payslip's text in the upper half of its company's range, all
    // others in the lower.
    let upper: Vec<(i64, String)> = sqlx::query_as(
        "SELECT t.seq, d.doc_type FROM document_texts t JOIN documents d ON d.id = t.document_id ORDER BY t.seq",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for (seq, doc_type) in &upper {
        assert_eq!(seq & (1 << 39) != 0, doc_type == "payslip", "{upper:?}");
    }
    let pending: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM document_fts_rebuild")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(pending, 0);
}
