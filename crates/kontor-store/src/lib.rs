//! kontor-store: the SQL store adapter.
//!
//! Main design decision: one implementation of the store ports for both
//! SQLite and PostgreSQL, written against sqlx's `Any` driver with portable
//! SQL (`$n` placeholders, integers for times and flags, text ids). Only the
//! schema files and two statements differ per backend (job claiming and the
//! snapshot). Rows are converted into application records by hand here, so
//! no database type leaks inward. See docs/adr/0002-storage.md.

mod banking;
mod documents;
mod ledger;
mod migrate;
mod rows;
mod tx;
mod workflow;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use kontor_app::ports::{Store, StoreBackend, StoreError, Tx};
use kontor_app::records::{JobOutcome, JobRecord, PoolStats};
use kontor_core::Timestamp;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};

pub use migrate::{MigrationStatus, MIGRATIONS_POSTGRES, MIGRATIONS_SQLITE};

/// How to reach the database.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// `sqlite://PATH` or `postgres://…`.
    pub url: String,
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl StoreOptions {
    pub fn sqlite_file(path: &std::path::Path) -> Self {
        Self::new(format!("sqlite://{}?mode=rwc", path.display()))
    }
    pub fn new(url: String) -> Self {
        Self {
            url,
            max_connections: 10,
            acquire_timeout: Duration::from_secs(15),
        }
    }
}

/// Which backend a URL names, or a clear error.
pub fn backend_of(url: &str) -> Result<StoreBackend, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(StoreBackend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(StoreBackend::Postgres)
    } else {
        Err(StoreError::Unavailable(format!(
            "database URL must start with sqlite:// or postgres:// (got '{}')",
            redact_url(url)
        )))
    }
}

/// The URL with any password replaced by `***`, for logs and `config show`.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

pub struct SqlStore {
    pool: AnyPool,
    backend: StoreBackend,
    /// SQLite has one writer at a time. Writers of this process queue here,
    /// in order, instead of in SQLite's busy handler, which sleeps in steps
    /// of up to 100 ms and lets a steady writer starve the others.
    write_gate: Arc<tokio::sync::Mutex<()>>,
}

pub(crate) fn db_err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Duplicate(d.message().to_string()),
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => {
            StoreError::Unavailable(e.to_string())
        }
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) | sqlx::Error::ColumnNotFound(_) => {
            StoreError::Corrupt(e.to_string())
        }
        _ => StoreError::Other(e.to_string()),
    }
}

impl SqlStore {
    /// Connects and configures each connection (SQLite: WAL, foreign keys,
    /// full fsync, busy timeout). Does not migrate.
    pub async fn connect(opts: &StoreOptions) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = backend_of(&opts.url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(opts.max_connections)
            .acquire_timeout(opts.acquire_timeout)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == StoreBackend::Sqlite {
                        conn.execute("PRAGMA busy_timeout = 15000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA synchronous = FULL").await?;
                        // 32 MiB page cache per connection (default 2 MiB): bulk
                        // inserts into the ledger's indexes stay in memory.
                        conn.execute("PRAGMA cache_size = -32768").await?;
                        // Statement journals of multi-row inserts in memory,
                        // not in temporary files.
                        conn.execute("PRAGMA temp_store = MEMORY").await?;
                    }
                    Ok(())
                })
            })
            .connect(&opts.url)
            .await
            .map_err(|e| StoreError::Unavailable(format!("cannot open database {}: {e}", redact_url(&opts.url))))?;
        if backend == StoreBackend::Sqlite {
            // WAL is a property of the database file: set once, kept.
            let row: AnyRow = sqlx::query("PRAGMA journal_mode = WAL")
                .fetch_one(&pool)
                .await
                .map_err(db_err)?;
            let mode: String = row.try_get(0).map_err(db_err)?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(StoreError::Unavailable(format!(
                    "SQLite refused WAL mode (journal mode is {mode})"
                )));
            }
        }
        Ok(Self {
            pool,
            backend,
            write_gate: Arc::new(tokio::sync::Mutex::new(())),
        })
    }

    /// Connects and brings the schema up to date.
    pub async fn open(opts: &StoreOptions) -> Result<Self, StoreError> {
        let store = Self::connect(opts).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Applies pending migrations, then finishes what a migration left to
    /// kontor itself (SQLite: rebuilding the full-text index, 0024).
    pub async fn migrate(&self) -> Result<Vec<MigrationStatus>, StoreError> {
        let status = migrate::run(&self.pool, self.backend).await?;
        if self.backend == StoreBackend::Sqlite {
            let _gate = self.gate().await;
            documents::rebuild_fts_if_pending(&self.pool).await?;
        }
        Ok(status)
    }

    pub async fn migration_status(&self) -> Result<Vec<MigrationStatus>, StoreError> {
        migrate::status(&self.pool, self.backend).await
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Leases the next due job to `$1` until `$2` (now is `$3`).
    fn claim_sql(&self) -> String {
        let lock = match self.backend {
            StoreBackend::Postgres => "FOR UPDATE SKIP LOCKED",
            // SQLite has one writer at a time; the UPDATE itself is atomic.
            StoreBackend::Sqlite => "",
        };
        format!(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = $1, locked_until = $2, updated_at = $3 \
             WHERE id = (SELECT id FROM jobs \
                         WHERE (state = 'queued' AND run_at <= $3) OR (state = 'running' AND locked_until < $3) \
                         ORDER BY run_at, id LIMIT 1 {lock}) \
             RETURNING {JOB_COLUMNS}"
        )
    }

    /// The writer gate (SQLite only; PostgreSQL has row locks).
    async fn gate(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match self.backend {
            StoreBackend::Sqlite => Some(self.write_gate.clone().lock_owned().await),
            StoreBackend::Postgres => None,
        }
    }

    async fn begin_tx(&self, write: bool) -> Result<Box<dyn Tx>, StoreError> {
        let gate = if write { self.gate().await } else { None };
        let inner = if write && self.backend == StoreBackend::Sqlite {
            // Take SQLite's write lock up front: a deferred transaction that
            // reads before it writes can fail when another connection commits
            // in between, even with a busy timeout.
            self.pool.begin_with("BEGIN IMMEDIATE").await
        } else {
            self.pool.begin().await
        }
        .map_err(db_err)?;
        Ok(Box::new(tx::SqlTx::new(inner, self.backend, gate)))
    }
}

const JOB_COLUMNS: &str = "id, company_id, kind, payload, state, attempts, max_attempts, run_at, locked_by, locked_until, last_error, created_at, updated_at";

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> StoreBackend {
        self.backend
    }

    async fn begin(&self) -> Result<Box<dyn Tx>, StoreError> {
        self.begin_tx(true).await
    }

    async fn begin_read(&self) -> Result<Box<dyn Tx>, StoreError> {
        self.begin_tx(false).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .fetch_one(&self.pool)
            .await
            .map(|_| ())
            .map_err(db_err)
    }

    async fn claim_job(
        &self,
        worker: &str,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> Result<Option<JobRecord>, StoreError> {
        let _gate = self.gate().await;
        let row = sqlx::query(&self.claim_sql())
            .bind(worker.to_string())
            .bind(lease_until.millis())
            .bind(now.millis())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.map(|r| rows::job(&r)).transpose()
    }

    async fn finish_job(
        &self,
        job: &JobRecord,
        worker: &str,
        started_at: Timestamp,
        outcome: &JobOutcome,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.finish_job_and_claim(job, worker, started_at, outcome, now, None)
            .await
            .map(|_| ())
    }

    async fn finish_job_and_claim(
        &self,
        job: &JobRecord,
        worker: &str,
        started_at: Timestamp,
        outcome: &JobOutcome,
        now: Timestamp,
        lease_until: Option<Timestamp>,
    ) -> Result<Option<JobRecord>, StoreError> {
        let _gate = self.gate().await;
        let mut tx = if self.backend == StoreBackend::Sqlite {
            self.pool.begin_with("BEGIN IMMEDIATE").await
        } else {
            self.pool.begin().await
        }
        .map_err(db_err)?;
        let (state, run_at, error, outcome_text) = match outcome {
            JobOutcome::Done => ("done", job.run_at, None, "done".to_string()),
            JobOutcome::Failed { error, retry_at } => {
                let state = if job.attempts >= job.max_attempts {
                    "dead"
                } else {
                    "queued"
                };
                (state, *retry_at, Some(error.clone()), format!("failed: {error}"))
            }
        };
        // Only the lease holder may finish the job.
        let updated = sqlx::query(
            "UPDATE jobs SET state = $1, run_at = $2, last_error = $3, locked_by = NULL, locked_until = NULL, updated_at = $4 \
             WHERE id = $5 AND state = 'running' AND locked_by = $6 AND attempts = $7",
        )
        .bind(state)
        .bind(run_at.millis())
        .bind(error)
        .bind(now.millis())
        .bind(job.id.to_string())
        .bind(worker.to_string())
        .bind(job.attempts)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        if updated.rows_affected() == 0 {
            tracing::warn!(job = %job.id, worker, "job lease was lost before the job finished");
        }
        sqlx::query(
            "INSERT INTO job_runs (job_id, worker, attempt, started_at, finished_at, outcome) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(job.id.to_string())
        .bind(worker.to_string())
        .bind(job.attempts)
        .bind(started_at.millis())
        .bind(now.millis())
        .bind(outcome_text)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        // The next job, in the same transaction: one write lock and one
        // commit fewer per job.
        let next = match lease_until {
            Some(lease_until) => sqlx::query(&self.claim_sql())
                .bind(worker.to_string())
                .bind(lease_until.millis())
                .bind(now.millis())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_err)?
                .map(|r| rows::job(&r))
                .transpose()?,
            None => None,
        };
        tx.commit().await.map_err(db_err)?;
        Ok(next)
    }

    async fn integrity_problems(&self) -> Result<Vec<String>, StoreError> {
        let mut problems = Vec::new();
        if self.backend == StoreBackend::Sqlite {
            let rows = sqlx::query("PRAGMA integrity_check")
                .fetch_all(&self.pool)
                .await
                .map_err(db_err)?;
            for r in rows {
                let line: String = r.try_get(0).map_err(db_err)?;
                if line != "ok" {
                    problems.push(format!("sqlite integrity: {line}"));
                }
            }
            let rows = sqlx::query("PRAGMA foreign_key_check")
                .fetch_all(&self.pool)
                .await
                .map_err(db_err)?;
            for r in rows {
                let table: String = r.try_get(0).map_err(db_err)?;
                problems.push(format!("foreign key violation in table {table}"));
            }
        }
        let status = self.migration_status().await?;
        for m in status.iter().filter(|m| !m.applied) {
            problems.push(format!(
                "migration {} ({}) is not applied; run `kontor migrate`",
                m.version, m.name
            ));
        }
        // Cross-company consistency: a session may only point at a company
        // its user belongs to.
        let orphans = sqlx::query(
            "SELECT COUNT(*) FROM sessions s WHERE s.company_id IS NOT NULL AND NOT EXISTS \
             (SELECT 1 FROM memberships m WHERE m.user_id = s.user_id AND m.company_id = s.company_id)",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(db_err)?;
        let n: i64 = orphans.try_get(0).map_err(db_err)?;
        if n > 0 {
            problems.push(format!("{n} sessions point at a company their user does not belong to"));
        }
        let bad_versions = sqlx::query("SELECT COUNT(*) FROM partners WHERE version < 1 OR updated_at < created_at")
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        let n: i64 = bad_versions.try_get(0).map_err(db_err)?;
        if n > 0 {
            problems.push(format!("{n} partners have an impossible version or timestamps"));
        }
        // The journal: every entry balances per currency, has two or more
        // postings, and the kept sums agree with the postings. Every code
        // path stores only balanced entries; this finds what came in around
        // them (e.g. SQL typed by hand).
        let unbalanced = sqlx::query(
            "SELECT COUNT(*) FROM (SELECT DISTINCT book, number FROM ledger_postings GROUP BY book, number, currency \
             HAVING SUM(amount) <> 0) u",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(db_err)?;
        let n: i64 = unbalanced.try_get(0).map_err(db_err)?;
        if n > 0 {
            problems.push(format!("{n} ledger entries do not balance"));
        }
        let thin = sqlx::query(
            "SELECT COUNT(*) FROM ledger_entries e WHERE (SELECT COUNT(*) FROM ledger_postings p \
             WHERE p.book = e.book AND p.number = e.number) < 2",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(db_err)?;
        let n: i64 = thin.try_get(0).map_err(db_err)?;
        if n > 0 {
            problems.push(format!("{n} ledger entries have fewer than two postings"));
        }
        // SQLite keeps no foreign key from postings to entries (it costs a
        // fifth of the import time); this finds postings without an entry.
        let orphans = sqlx::query(
            "SELECT COUNT(*) FROM ledger_postings p WHERE NOT EXISTS \
             (SELECT 1 FROM ledger_entries e WHERE e.book = p.book AND e.number = p.number)",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(db_err)?;
        let n: i64 = orphans.try_get(0).map_err(db_err)?;
        if n > 0 {
            problems.push(format!("{n} ledger postings belong to no entry"));
        }
        let sums = sqlx::query(
            "SELECT COUNT(*) FROM ledger_totals t LEFT JOIN \
             (SELECT book, account, currency, \
                     SUM(CASE WHEN amount > 0 THEN amount ELSE 0 END) AS debit, \
                     SUM(CASE WHEN amount < 0 THEN -amount ELSE 0 END) AS credit \
              FROM ledger_postings GROUP BY book, account, currency) p \
             ON p.book = t.book AND p.account = t.account AND p.currency = t.currency \
             WHERE t.debit <> COALESCE(p.debit, 0) OR t.credit <> COALESCE(p.credit, 0)",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(db_err)?;
        let n: i64 = sums.try_get(0).map_err(db_err)?;
        if n > 0 {
            problems.push(format!("{n} ledger account totals disagree with their postings"));
        }
        Ok(problems)
    }

    async fn snapshot_to(&self, path: &str) -> Result<(), StoreError> {
        if self.backend != StoreBackend::Sqlite {
            return Err(StoreError::Other(
                "snapshots are for SQLite; back up PostgreSQL with pg_dump (see README)".into(),
            ));
        }
        if path.contains('\'') {
            return Err(StoreError::Other(
                "snapshot path must not contain a quote character".into(),
            ));
        }
        // VACUUM INTO writes a consistent copy from one read transaction,
        // while other connections keep reading and writing.
        sqlx::query(&format!("VACUUM INTO '{path}'"))
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(db_err)
    }

    fn pool_stats(&self) -> PoolStats {
        PoolStats {
            size: self.pool.size(),
            idle: u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX),
        }
    }
}

impl FromStr for StoreOptions {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        backend_of(s)?;
        Ok(StoreOptions::new(s.to_string()))
    }
}
