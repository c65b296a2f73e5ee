//! Versioned, forward-only schema migrations, embedded in the binary.
//!
//! Each migration runs in its own transaction together with its row in
//! `schema_migrations`. A database that has a migration this binary does not
//! know, or whose applied migration text changed, is refused with a clear
//! error instead of being touched.

use kontor_app::ports::{StoreBackend, StoreError};
use sha2::{Digest, Sha256};
use sqlx::{AnyPool, Row};

use crate::db_err;

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

pub const MIGRATIONS_SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        name: "platform",
        sql: include_str!("../migrations/sqlite/0001_platform.sql"),
    },
    Migration {
        version: 2,
        name: "audit_chain",
        sql: include_str!("../migrations/sqlite/0002_audit_chain.sql"),
    },
    Migration {
        version: 3,
        name: "login_throttle",
        sql: include_str!("../migrations/sqlite/0003_login_throttle.sql"),
    },
    Migration {
        version: 4,
        name: "api_tokens",
        sql: include_str!("../migrations/sqlite/0004_api_tokens.sql"),
    },
    Migration {
        version: 5,
        name: "two_factor",
        sql: include_str!("../migrations/sqlite/0005_two_factor.sql"),
    },
    Migration {
        version: 6,
        name: "employees",
        sql: include_str!("../migrations/sqlite/0006_employees.sql"),
    },
    Migration {
        version: 7,
        name: "partner_access",
        sql: include_str!("../migrations/sqlite/0007_partner_access.sql"),
    },
    Migration {
        version: 8,
        name: "separation_of_duties",
        sql: include_str!("../migrations/sqlite/0008_separation_of_duties.sql"),
    },
    Migration {
        version: 9,
        name: "personnel_files",
        sql: include_str!("../migrations/sqlite/0009_personnel_files.sql"),
    },
    Migration {
        version: 10,
        name: "audit_changes",
        sql: include_str!("../migrations/sqlite/0010_audit_changes.sql"),
    },
    Migration {
        version: 11,
        name: "custom_roles",
        sql: include_str!("../migrations/sqlite/0011_custom_roles.sql"),
    },
    Migration {
        version: 12,
        name: "dsgvo",
        sql: include_str!("../migrations/sqlite/0012_dsgvo.sql"),
    },
    Migration {
        version: 13,
        name: "ledger",
        sql: include_str!("../migrations/sqlite/0013_ledger.sql"),
    },
    Migration {
        version: 14,
        name: "ledger_compact",
        sql: include_str!("../migrations/sqlite/0014_ledger_compact.sql"),
    },
    Migration {
        version: 15,
        name: "partner_accounts",
        sql: include_str!("../migrations/sqlite/0015_partner_accounts.sql"),
    },
    Migration {
        version: 16,
        name: "documents",
        sql: include_str!("../migrations/sqlite/0016_documents.sql"),
    },
    Migration {
        version: 17,
        name: "document_pipeline",
        sql: include_str!("../migrations/sqlite/0017_document_pipeline.sql"),
    },
    Migration {
        version: 18,
        name: "mail",
        sql: include_str!("../migrations/sqlite/0018_mail.sql"),
    },
    Migration {
        version: 19,
        name: "document_derived",
        sql: include_str!("../migrations/sqlite/0019_document_derived.sql"),
    },
    Migration {
        version: 20,
        name: "workflow",
        sql: include_str!("../migrations/sqlite/0020_workflow.sql"),
    },
    Migration {
        version: 21,
        name: "workflow_learning",
        sql: include_str!("../migrations/sqlite/0021_workflow_learning.sql"),
    },
    Migration {
        version: 22,
        name: "banking",
        sql: include_str!("../migrations/sqlite/0022_banking.sql"),
    },
    Migration {
        version: 23,
        name: "dunning",
        sql: include_str!("../migrations/sqlite/0023_dunning.sql"),
    },
    Migration {
        version: 24,
        name: "search_scope",
        sql: include_str!("../migrations/sqlite/0024_search_scope.sql"),
    },
    Migration {
        version: 25,
        name: "ledger_day_index",
        sql: include_str!("../migrations/sqlite/0025_ledger_day_index.sql"),
    },
    Migration {
        version: 26,
        name: "ledger_period_check_per_statement",
        sql: include_str!("../migrations/sqlite/0026_ledger_period_check_per_statement.sql"),
    },
];

pub const MIGRATIONS_POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        name: "platform",
        sql: include_str!("../migrations/postgres/0001_platform.sql"),
    },
    Migration {
        version: 2,
        name: "audit_chain",
        sql: include_str!("../migrations/postgres/0002_audit_chain.sql"),
    },
    Migration {
        version: 3,
        name: "login_throttle",
        sql: include_str!("../migrations/postgres/0003_login_throttle.sql"),
    },
    Migration {
        version: 4,
        name: "api_tokens",
        sql: include_str!("../migrations/postgres/0004_api_tokens.sql"),
    },
    Migration {
        version: 5,
        name: "two_factor",
        sql: include_str!("../migrations/postgres/0005_two_factor.sql"),
    },
    Migration {
        version: 6,
        name: "employees",
        sql: include_str!("../migrations/postgres/0006_employees.sql"),
    },
    Migration {
        version: 7,
        name: "partner_access",
        sql: include_str!("../migrations/postgres/0007_partner_access.sql"),
    },
    Migration {
        version: 8,
        name: "separation_of_duties",
        sql: include_str!("../migrations/postgres/0008_separation_of_duties.sql"),
    },
    Migration {
        version: 9,
        name: "personnel_files",
        sql: include_str!("../migrations/postgres/0009_personnel_files.sql"),
    },
    Migration {
        version: 10,
        name: "audit_changes",
        sql: include_str!("../migrations/postgres/0010_audit_changes.sql"),
    },
    Migration {
        version: 11,
        name: "custom_roles",
        sql: include_str!("../migrations/postgres/0011_custom_roles.sql"),
    },
    Migration {
        version: 12,
        name: "dsgvo",
        sql: include_str!("../migrations/postgres/0012_dsgvo.sql"),
    },
    Migration {
        version: 13,
        name: "ledger",
        sql: include_str!("../migrations/postgres/0013_ledger.sql"),
    },
    Migration {
        version: 14,
        name: "ledger_compact",
        sql: include_str!("../migrations/postgres/0014_ledger_compact.sql"),
    },
    Migration {
        version: 15,
        name: "partner_accounts",
        sql: include_str!("../migrations/postgres/0015_partner_accounts.sql"),
    },
    Migration {
        version: 16,
        name: "documents",
        sql: include_str!("../migrations/postgres/0016_documents.sql"),
    },
    Migration {
        version: 17,
        name: "document_pipeline",
        sql: include_str!("../migrations/postgres/0017_document_pipeline.sql"),
    },
    Migration {
        version: 18,
        name: "mail",
        sql: include_str!("../migrations/postgres/0018_mail.sql"),
    },
    Migration {
        version: 19,
        name: "document_derived",
        sql: include_str!("../migrations/postgres/0019_document_derived.sql"),
    },
    Migration {
        version: 20,
        name: "workflow",
        sql: include_str!("../migrations/postgres/0020_workflow.sql"),
    },
    Migration {
        version: 21,
        name: "workflow_learning",
        sql: include_str!("../migrations/postgres/0021_workflow_learning.sql"),
    },
    Migration {
        version: 22,
        name: "banking",
        sql: include_str!("../migrations/postgres/0022_banking.sql"),
    },
    Migration {
        version: 23,
        name: "dunning",
        sql: include_str!("../migrations/postgres/0023_dunning.sql"),
    },
    Migration {
        version: 24,
        name: "search_scope",
        sql: include_str!("../migrations/postgres/0024_search_scope.sql"),
    },
    Migration {
        version: 25,
        name: "ledger_day_index",
        sql: include_str!("../migrations/postgres/0025_ledger_day_index.sql"),
    },
    Migration {
        version: 26,
        name: "ledger_period_check_per_statement",
        sql: include_str!("../migrations/postgres/0026_ledger_period_check_per_statement.sql"),
    },
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationStatus {
    pub version: i64,
    pub name: String,
    pub applied: bool,
    /// True if applied by this call.
    pub newly_applied: bool,
}

fn list(backend: StoreBackend) -> &'static [Migration] {
    match backend {
        StoreBackend::Sqlite => MIGRATIONS_SQLITE,
        StoreBackend::Postgres => MIGRATIONS_POSTGRES,
    }
}

fn checksum(sql: &str) -> String {
    hex::encode(Sha256::digest(sql.as_bytes()))
}

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (\
    version BIGINT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)";

async fn applied(pool: &AnyPool) -> Result<Vec<(i64, String, String)>, StoreError> {
    sqlx::query(CREATE_TABLE).execute(pool).await.map_err(db_err)?;
    let rows = sqlx::query("SELECT version, name, checksum FROM schema_migrations ORDER BY version")
        .fetch_all(pool)
        .await
        .map_err(db_err)?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get(0).map_err(db_err)?,
                r.try_get(1).map_err(db_err)?,
                r.try_get(2).map_err(db_err)?,
            ))
        })
        .collect()
}

fn verify(backend: StoreBackend, applied: &[(i64, String, String)]) -> Result<(), StoreError> {
    let known = list(backend);
    for (version, name, sum) in applied {
        match known.iter().find(|m| m.version == *version) {
            None => {
                return Err(StoreError::Corrupt(format!(
                    "the database has migration {version} ({name}), which this kontor binary does not know; \
                     use the kontor version that created it or a newer one"
                )))
            }
            Some(m) if checksum(m.sql) != *sum => {
                return Err(StoreError::Corrupt(format!(
                    "migration {version} ({name}) differs from the one applied to this database; \
                     migrations are never edited after release"
                )))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

pub async fn status(pool: &AnyPool, backend: StoreBackend) -> Result<Vec<MigrationStatus>, StoreError> {
    let done = applied(pool).await?;
    verify(backend, &done)?;
    Ok(list(backend)
        .iter()
        .map(|m| MigrationStatus {
            version: m.version,
            name: m.name.to_string(),
            applied: done.iter().any(|(v, _, _)| *v == m.version),
            newly_applied: false,
        })
        .collect())
}

pub async fn run(pool: &AnyPool, backend: StoreBackend) -> Result<Vec<MigrationStatus>, StoreError> {
    let mut out = status(pool, backend).await?;
    for m in list(backend) {
        let mut tx = match backend {
            StoreBackend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
            StoreBackend::Postgres => pool.begin().await,
        }
        .map_err(db_err)?;
        if backend == StoreBackend::Postgres {
            // Several instances may start at once: one migrates, the others wait.
            sqlx::query("SELECT pg_advisory_xact_lock(7170707)")
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        let exists = sqlx::query("SELECT COUNT(*) FROM schema_migrations WHERE version = $1")
            .bind(m.version)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
        let n: i64 = exists.try_get(0).map_err(db_err)?;
        if n > 0 {
            continue;
        }
        sqlx::raw_sql(m.sql)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::Other(format!("migration {} ({}) failed: {e}", m.version, m.name)))?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        sqlx::query("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)")
            .bind(m.version)
            .bind(m.name)
            .bind(checksum(m.sql))
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        tracing::info!(version = m.version, name = m.name, "migration applied");
        if let Some(s) = out.iter_mut().find(|s| s.version == m.version) {
            s.applied = true;
            s.newly_applied = true;
        }
    }
    Ok(out)
}
