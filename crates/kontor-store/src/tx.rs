//! The transaction type: every store method of the application, as SQL.
//! Company-scoped queries always filter by `company_id`.

use async_trait::async_trait;
use kontor_app::ports::{StoreBackend, StoreError, Tx};
use kontor_app::records::*;
use kontor_core::{
    ApiTokenId, CompanyCode, CompanyId, EmployeeDocumentId, EmployeeId, GrantId, JobId, Lang, PartnerId, Role,
    Timestamp, UserId, Username,
};
use sqlx::{Any, Row, Transaction};

use crate::{db_err, rows, JOB_COLUMNS};

pub(crate) struct SqlTx {
    tx: Transaction<'static, Any>,
    backend: StoreBackend,
    /// Held until the transaction ends (SQLite writers, see `SqlStore`).
    _hold: Option<WriterHold>,
}

/// The writer gate while a transaction holds it; says how long on release
/// (trace `kontor_store::write`), to find what keeps other writers waiting.
struct WriterHold {
    _gate: tokio::sync::OwnedMutexGuard<()>,
    since: std::time::Instant,
}

impl Drop for WriterHold {
    fn drop(&mut self) {
        tracing::trace!(
            target: "kontor_store::write",
            held_us = u64::try_from(self.since.elapsed().as_micros()).unwrap_or(u64::MAX),
            "writer gate released"
        );
    }
}

impl SqlTx {
    pub(crate) fn new(
        tx: Transaction<'static, Any>,
        backend: StoreBackend,
        gate: Option<tokio::sync::OwnedMutexGuard<()>>,
    ) -> Self {
        Self {
            tx,
            backend,
            _hold: gate.map(|g| WriterHold {
                _gate: g,
                since: std::time::Instant::now(),
            }),
        }
    }
}

const USER_COLUMNS: &str =
    "id, username, display_name, password_hash, lang, system_admin, disabled, created_at, updated_at, \
    totp_secret, totp_enabled, totp_last_step";
const COMPANY_COLUMNS: &str = "id, code, name, created_at";
const SESSION_COLUMNS: &str = "token_hash, user_id, csrf_token, company_id, created_at, last_seen_at, enroll_only";
pub(crate) const DOCUMENT_COLUMNS: &str = "id, company_id, blob, size, media_type, name, doc_type, source, status, \
    document_year, retention_years, legal_hold, created_by, created_at, doc_date, month, correspondent, partner_id, \
    amount_cents, currency, invoice_number, iban, vat_id, tags, einvoice, suggestion, failure, confirmed_by, \
    confirmed_at, version_of, version, deleted_at, deleted_by, updated_at, parent_id";
const PARTNER_COLUMNS: &str = "id, company_id, name, kind, vat_id, iban, email, street, postcode, city, country, \
    created_at, updated_at, version, bank_confirmed_by, bank_confirmed_at, account";
const TOKEN_COLUMNS: &str =
    "id, user_id, company_id, name, permissions, token_hash, created_at, expires_at, last_used_at, revoked_at";
const EMPLOYEE_COLUMNS: &str = "id, company_id, personnel_number, first_name, last_name, street, postcode, city, \
    entry_date, steuerklasse, children_tenths, tax_id_enc, sv_number_enc, iban_enc, health_insurance_enc, \
    denomination_enc, disability_enc, created_at, updated_at, version, user_id, exit_date, restricted_at, retention_until, restriction_basis, erased_at";
const GRANT_COLUMNS: &str = "id, company_id, role, firm, email, user_id, valid_from, valid_until, period_from, \
    period_to, invite_hash, invite_expires_at, accepted_at, revoked_at, created_by, created_at";
const EMPLOYEE_DOCUMENT_COLUMNS: &str = "id, company_id, employee_id, kind, period, title, filename, content_type, \
    blob, size, uploaded_by, uploaded_at";
const AUDIT_COLUMNS: &str = "id, company_id, actor, action, object_type, subject, detail, client_addr, at, change";

fn flag(b: bool) -> i64 {
    i64::from(b)
}

#[async_trait]
impl Tx for SqlTx {
    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.tx.commit().await.map_err(db_err)
    }

    async fn company_chart(&mut self, company: CompanyId) -> Result<String, StoreError> {
        let r = sqlx::query("SELECT chart FROM companies WHERE id = $1")
            .bind(company.to_string())
            .fetch_one(&mut *self.tx)
            .await
            .map_err(db_err)?;
        r.try_get(0).map_err(db_err)
    }

    async fn set_company_chart(&mut self, company: CompanyId, chart: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE companies SET chart = $1 WHERE id = $2")
            .bind(chart.to_string())
            .bind(company.to_string())
            .execute(&mut *self.tx)
            .await
            .map(|_| ())
            .map_err(db_err)
    }

    async fn ledger_datev_ids(&mut self, company: CompanyId) -> Result<Option<(u32, u32)>, StoreError> {
        let r = sqlx::query("SELECT datev_berater, datev_mandant FROM ledger_settings WHERE company_id = $1")
            .bind(company.to_string())
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(db_err)?;
        r.map(|r| {
            let b: i64 = r.try_get(0).map_err(db_err)?;
            let m: i64 = r.try_get(1).map_err(db_err)?;
            match (u32::try_from(b), u32::try_from(m)) {
                (Ok(b), Ok(m)) => Ok((b, m)),
                _ => Err(StoreError::Corrupt(format!("ledger_settings: DATEV numbers {b}/{m}"))),
            }
        })
        .transpose()
    }

    async fn set_ledger_datev_ids(&mut self, company: CompanyId, berater: u32, mandant: u32) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO ledger_settings (company_id, datev_berater, datev_mandant) VALUES ($1, $2, $3) \
             ON CONFLICT (company_id) DO UPDATE SET datev_berater = excluded.datev_berater, \
             datev_mandant = excluded.datev_mandant",
        )
        .bind(company.to_string())
        .bind(i64::from(berater))
        .bind(i64::from(mandant))
        .execute(&mut *self.tx)
        .await
        .map(|_| ())
        .map_err(db_err)
    }

    async fn ledger_allocate_numbers(&mut self, company: CompanyId, n: i64) -> Result<i64, StoreError> {
        // One row per company; the update takes the row lock (PostgreSQL) or
        // the write lock (SQLite) until commit, so numbers stay gapless.
        for _ in 0..2 {
            let r = sqlx::query(
                "UPDATE ledger_books SET next_number = next_number + $1 WHERE company_id = $2 RETURNING next_number",
            )
            .bind(n)
            .bind(company.to_string())
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(db_err)?;
            if let Some(r) = r {
                let next: i64 = r.try_get(0).map_err(db_err)?;
                return Ok(next - n);
            }
            // The company's first entry: its book starts at number 1.
            crate::ledger::book(&mut self.tx, company).await?;
        }
        Err(StoreError::Corrupt(format!("no ledger book for company {company}")))
    }

    async fn ledger_existing_import_keys(
        &mut self,
        company: CompanyId,
        keys: &[String],
    ) -> Result<Vec<String>, StoreError> {
        if let (StoreBackend::Sqlite, Some(min), Some(max)) = (self.backend, keys.iter().min(), keys.iter().max()) {
            // A batch of a new file: its keys span a stretch of the
            // (book, import_key) index that holds few others, so one range
            // read replaces a probe per key. SQLite compares text bytewise,
            // as Rust orders strings. More rows in the stretch than keys
            // asked for: probe instead.
            let cap = keys.len();
            let rows = sqlx::query(
                "SELECT import_key FROM ledger_entries WHERE book = (SELECT book FROM ledger_books WHERE company_id = $1) \
                 AND import_key >= $2 AND import_key <= $3 LIMIT $4",
            )
            .bind(company.to_string())
            .bind(min.clone())
            .bind(max.clone())
            .bind(cap as i64 + 1)
            .fetch_all(&mut *self.tx)
            .await
            .map_err(db_err)?;
            if rows.len() <= cap {
                let asked: std::collections::HashSet<&str> = keys.iter().map(String::as_str).collect();
                let mut out = Vec::new();
                for r in rows {
                    let k: String = r.try_get(0).map_err(db_err)?;
                    if asked.contains(k.as_str()) {
                        out.push(k);
                    }
                }
                return Ok(out);
            }
        }
        let mut out = Vec::new();
        for chunk in keys.chunks(500) {
            let marks: Vec<String> = (0..chunk.len())
                .map(|i| match self.backend {
                    StoreBackend::Sqlite => "?".to_string(),
                    StoreBackend::Postgres => format!("${}", i + 2),
                })
                .collect();
            let first = match self.backend {
                StoreBackend::Sqlite => "?",
                StoreBackend::Postgres => "$1",
            };
            let sql = format!(
                "SELECT import_key FROM ledger_entries WHERE book = (SELECT book FROM ledger_books WHERE company_id = {first}) \
                 AND import_key IN ({})",
                marks.join(", ")
            );
            let mut q = sqlx::query(&sql).bind(company.to_string());
            for k in chunk {
                q = q.bind(k.clone());
            }
            for r in q.fetch_all(&mut *self.tx).await.map_err(db_err)? {
                out.push(r.try_get(0).map_err(db_err)?);
            }
        }
        Ok(out)
    }

    async fn ledger_insert(&mut self, entries: std::sync::Arc<[LedgerEntryRecord]>) -> Result<(), StoreError> {
        crate::ledger::insert(&mut self.tx, self.backend, entries).await
    }

    async fn ledger_entry(&mut self, company: CompanyId, id: &str) -> Result<Option<LedgerEntryRecord>, StoreError> {
        crate::ledger::entry(&mut self.tx, self.backend, company, id).await
    }

    async fn ledger_reversal_of(&mut self, company: CompanyId, id: &str) -> Result<Option<String>, StoreError> {
        let r = sqlx::query(&format!(
            "SELECT id FROM ledger_entries WHERE book = {} AND reverses = $2",
            crate::ledger::book_of(1)
        ))
        .bind(company.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(db_err)?;
        r.map(|r| r.try_get(0).map_err(db_err)).transpose()
    }

    async fn ledger_entries(
        &mut self,
        company: CompanyId,
        from_period: u32,
        to_period: u32,
        after_number: i64,
        limit: u32,
    ) -> Result<Vec<LedgerEntryRecord>, StoreError> {
        crate::ledger::entries(
            &mut self.tx,
            self.backend,
            company,
            from_period,
            to_period,
            after_number,
            limit,
        )
        .await
    }

    async fn ledger_sums(
        &mut self,
        company: CompanyId,
        from_period: u32,
        to_period: u32,
    ) -> Result<Vec<LedgerSumRow>, StoreError> {
        crate::ledger::sums(&mut self.tx, company, from_period, to_period).await
    }

    async fn ledger_totals(&mut self, company: CompanyId) -> Result<Vec<LedgerSumRow>, StoreError> {
        crate::ledger::totals(&mut self.tx, company).await
    }

    async fn ledger_day_sums(
        &mut self,
        company: CompanyId,
        from_day: i32,
        to_day: i32,
    ) -> Result<Vec<LedgerSumRow>, StoreError> {
        crate::ledger::day_sums(&mut self.tx, company, from_day, to_day).await
    }

    async fn ledger_fix(&mut self, company: CompanyId, up_to_period: u32, now: Timestamp) -> Result<u64, StoreError> {
        sqlx::query(
            "UPDATE ledger_entries SET fixed_at = $1 WHERE book = (SELECT book FROM ledger_books WHERE company_id = $2) \
             AND period <= $3 AND fixed_at IS NULL",
        )
        .bind(now.millis())
        .bind(company.to_string())
        .bind(i64::from(up_to_period))
        .execute(&mut *self.tx)
        .await
        .map(|r| r.rows_affected())
        .map_err(db_err)
    }

    async fn ledger_close_period(
        &mut self,
        company: CompanyId,
        period: u32,
        by: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO ledger_closed_periods (company_id, period, closed_by, closed_at) VALUES ($1, $2, $3, $4)              ON CONFLICT (company_id, period) DO NOTHING",
        )
        .bind(company.to_string())
        .bind(i64::from(period))
        .bind(by.to_string())
        .bind(now.millis())
        .execute(&mut *self.tx)
        .await
        .map(|_| ())
        .map_err(db_err)
    }

    async fn ledger_closed_periods(&mut self, company: CompanyId) -> Result<Vec<u32>, StoreError> {
        let rows = sqlx::query("SELECT period FROM ledger_closed_periods WHERE company_id = $1 ORDER BY period")
            .bind(company.to_string())
            .fetch_all(&mut *self.tx)
            .await
            .map_err(db_err)?;
        rows.into_iter()
            .map(|r| {
                let p: i64 = r.try_get(0).map_err(db_err)?;
                u32::try_from(p).map_err(|_| StoreError::Corrupt(format!("period {p}")))
            })
            .collect()
    }

    async fn ledger_account_postings(
        &mut self,
        company: CompanyId,
        account: u32,
        from_day: i32,
        to_day: i32,
        limit: u32,
    ) -> Result<Vec<LedgerPostingRow>, StoreError> {
        crate::ledger::account_postings(&mut self.tx, company, account, from_day, to_day, limit).await
    }

    async fn ledger_datev_exported(&mut self, company: CompanyId, ids: &[String]) -> Result<Vec<String>, StoreError> {
        let mut out = Vec::new();
        for chunk in ids.chunks(500) {
            let (first, marks): (&str, Vec<String>) = match self.backend {
                StoreBackend::Sqlite => ("?", chunk.iter().map(|_| "?".to_string()).collect()),
                StoreBackend::Postgres => ("$1", (0..chunk.len()).map(|i| format!("${}", i + 2)).collect()),
            };
            let sql = format!(
                "SELECT DISTINCT entry_id FROM ledger_datev_exports WHERE company_id = {first} AND entry_id IN ({})",
                marks.join(", ")
            );
            let mut q = sqlx::query(&sql).bind(company.to_string());
            for id in chunk {
                q = q.bind(id.clone());
            }
            for r in q.fetch_all(&mut *self.tx).await.map_err(db_err)? {
                out.push(r.try_get(0).map_err(db_err)?);
            }
        }
        Ok(out)
    }

    async fn ledger_mark_datev_exported(
        &mut self,
        company: CompanyId,
        ids: &[String],
        export_id: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        for id in ids {
            sqlx::query(
                "INSERT INTO ledger_datev_exports (company_id, entry_id, export_id, exported_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(company.to_string())
            .bind(id.clone())
            .bind(export_id.to_string())
            .bind(now.millis())
            .execute(&mut *self.tx)
            .await
            .map_err(db_err)?;
        }
        Ok(())
    }

    async fn insert_user(&mut self, u: &UserRecord) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "INSERT INTO users ({USER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        ))
        .bind(u.id.to_string())
        .bind(u.username.as_str().to_string())
        .bind(u.display_name.clone())
        .bind(u.password_hash.clone())
        .bind(u.lang.code())
        .bind(flag(u.system_admin))
        .bind(flag(u.disabled))
        .bind(u.created_at.millis())
        .bind(u.updated_at.millis())
        .bind(u.totp_secret.clone())
        .bind(flag(u.totp_enabled))
        .bind(u.totp_last_step)
        .execute(&mut *self.tx)
        .await
        .map(|_| ())
        .map_err(db_err)
    }

    async fn user_by_name(&mut self, name: &Username) -> Result<Option<UserRecord>, StoreError> {
        sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1"))
            .bind(name.as_str().to_string())
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(db_err)?
            .map(|r| rows::user(&r))
            .transpose()
    }

    async fn user_by_id(&mut self, id: UserId) -> Result<Option<UserRecord>, StoreError> {
        sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(db_err)?
            .map(|r| rows::user(&r))
            .transpose()
    }

    async fn list_users(&mut self) -> Result<Vec<UserRecord>, StoreError> {
        sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY username"))
            .fetch_all(&mut *self.tx)
            .await
            .map_err(db_err)?
            .iter()
            .map(rows::user)
            .collect()
    }

    async fn count_users(&mut self) -> Result<i64, StoreError> {
        let r = sqlx::query("SELECT COUNT(*) AS n FROM users")
            .fetch_one(&mut *self.tx)
            .await
            .map_err(db_err)?;
        rows::int(&r, "n")
    }

    async fn set_password(&mut self, id: UserId, hash: &str, now: Timestamp) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
            .bind(hash.to_string())
            .bind(now.millis())
            .bind(id.to_string())
            .execute(&mut *self.tx)
            .await
            .map(|_| ())
            .map_err(db_err)
    }

    async fn set_user_lang(&mut self, id: UserId, lang: Lang, now: Timestamp) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET lang = $1, updated_at = $2 WHERE id = $3")
            .bind(lang.code())
            .bind(now.millis())
            .bind(id.to_string())
            .execute(&mut *self.tx)
            .await
            .map(|_| ())
            .map_err(db_err)
    }

    async fn insert_company(&mut self, c: &CompanyRecord) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "INSERT INTO companies ({COMPANY_COLUMNS}) VALUES ($1, $2, $3, $4)"
        ))
        .bind(c.id.to_string())
        .bind(c.code.as_str().to_string())
        .bind(c.name.as_str().to_string())
        .bind(c.created_at.millis())
        .execute(&mut *self.tx)
        .await
        .map(|_| ())
        .map_err(db_err)
    }

    async fn company_by_code(&mut self, code: &CompanyCode) -> Result<Option<CompanyRecord>, StoreError> {
        sqlx::query(&format!("SELECT {COMPANY_COLUMNS} FROM companies WHERE code = $1"))
            .bind(code.as_str().to_string())
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(db_err)?
            .map(|r| rows::company(&r))
            .transpose()
    }

    async fn list_companies(&mut self) -> Result<Vec<CompanyRecord>, StoreError> {
        sqlx::query(&format!("SELECT {COMPANY_COLUMNS} FROM companies ORDER BY code"))
            .fetch_all(&mut *self.tx)
            .await
            .map_err(db_err)?
            .iter()
            .map(rows::company)
            .collect()
    }

    async fn add_membership(&mut self, user: UserId, company: CompanyId, role: Role) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO memberships (user_id, company_id, role) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, company_id, role) DO NOTHING",
        )
        .bind(user.to_string())
        .bind(company.to_string())
        .bind(role.key())
        .execute(&mut *self.tx)
        .await
        .map(|_| ())
        .map_err(db_err)
    }

    async fn add_custom_membership(&mut self, user: UserId, company: CompanyId, key: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO memberships (user_id, company_id, role) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, company_id, role) DO NOTHING",
        )
        .bind(user.to_string())
        .bind(company.to_string())
        .bind(format!("custom:{key}"))
        .execute(&mut *self.tx)
        .await
        .map(|_| ())
        .map_err(db_err)
    }

    async fn custom_roles(&mut self, company: CompanyId) -> Result<Vec<CustomRoleRecord>, StoreError> {
        sqlx::query(
            "SELECT id, company_id, key, name, permissions, require_2fa, created_at, updated_at FROM custom_roles \
             WHERE company_id = $1 ORDER BY key",
        )
        .bind(company.to_string())
        .fetch_all(&mut *self.tx)
        .await
        .map_err(db_err)?
        .iter()
        .map(rows::custom_role)
        .collect()
    }

    async fn upsert_custom_role(&mut self, r: &CustomRoleRecord) -> Result<(), StoreError> {
        let perms: Vec<String> = r.permissions.iter().map(|p| p.to_string()).collect();
        sqlx::query(
            "INSERT INTO custom_roles (id, company_id, key, name, permissions, require_2fa, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (company_id, key) DO UPDATE SET name = excluded.name, permissions = excluded.permissions, \
             require_2fa = excluded.require_2fa, updated_at = excluded.updated_at",
        )
        .bind(r.id.to_string())
        .bind(r.company_id.to_string())
        .bind(r.key.clone())
        .bind(r.name.clone())
        .bind(perms.join(","))
        .bind(flag(r.require_2fa))
        .bind(r.created_at.millis())
        .bind(r.updated_at.millis())
        .execute(&mut *self.tx)
        .await
        .map(|_| ())
        .map_err(db_err)
    }

    async fn memberships_of(&mut self, user: UserId) -> Result<Vec<(CompanyRecord, String)>, StoreError> {
        let rs = sqlx::query(
            "SELECT c.id, c.code, c.name, c.created_at, m.role FROM memberships m \
             JOIN companies c ON c.id = m.company_id WHERE m.user_id = $1 ORDER BY c.code, m.role",
        )
        .bind(user.to_string())
        .fetch_all(&mut *self.tx)
        .await
        .map_err(db_err)?;
        rs.iter()
            .map(|r| Ok((rows::company(r)?, rows::text(r, "role")?)))
            .collect()
    }

    async fn insert_session(&mut self, s: &SessionRecord) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "INSERT INTO sessions ({SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        ))
        .bind(s.token_hash.clone())
        .bind(s.user_id.to_string())
        .bind(s.csrf_token.clone())
        .bind(s.company_id.map(|c| c.to_string()))
        .bind(s.created_at.millis())
        .bind(s.last_seen_at.millis())
        .bind(flag(s.enroll_only))
        .execute(&mut *self.tx)
        .await
        .map(|_| ())
        .map_err(db_err)
    }

    async fn session_by_hash(&mut self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        sqlx::query(&format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE token_hash = $1"))
            .bind(token_hash.to_string())
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(db_err)?
            .map(|r| rows::session(&r))
            .transpose()
    }

    async fn touch_session(&mut self, token_hash: &str, now: Timestamp) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(now.millis())
            .bind(token_hash.to_string())
            .execute(&mut *self.tx)
            .await
            .map(|_| ())
            .map_err(db_err)
    }

    async fn set_session_company(&mut self, token_hash: &str, company: CompanyId) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET company_id = $1 WHERE token_hash = $2")
            .bind(company.to_string())
            .bind(token_hash.to_string())
            .execute(&mut *self.tx)
            .await
            .map(|_| ())
            .map_err(db_err)
    }

    async fn delete_session(&mut self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash.to_string())
            .execute(&mut *self.tx)
            .await
            .map(|_| ())
            .map_err(db_err)
    }

    async fn delete_sessions_of(&mut self, user: UserId) -> Result<u64, StoreError> {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user.to_string())
            .execute(&mut *self.tx)
            .await
            .map(|r| r.rows_affected())
            .map_err(db_err)
    }

    async fn purge_sessions(&mut self, idle_before: Timestamp, created_before: Timestamp) -> Result<u64, StoreError> {
        sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
            .bind(idle_before.millis())
            .bind(created_before.millis())
            .execute(&mut *self.tx)
            .await
            .map(|r| r.rows_affected())
            .map_err(db_err)
    }

    async fn insert_partner(&mut self, p: &PartnerRecord) -> Result<(), StoreError> {
        let d = &p.data;
        sqlx::query(&format!(
            "INSERT INTO partners ({PARTNER_COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
        ))
        .bind(p.id.to_string())
        .bind(p.company_id.to_string())
        .bind(d.name.clone())
        .bind(d.kind.key())
        .bind(d.vat_id.as_ref().map(|v| v.as_str().to_string()))
        .bind(d.iban.as_ref().map(|v| v.as_str().to_string()))
        .bind(d.email.clone())
        .bind(d.street.clone())
        .bind(d.postcode.clone())
        .bind(d.city.clone())
        .bind(d.country.clone())
        .bind(p.created_at.millis())
        .bind(p.updated_at.millis())
        .bind(p.version)
        .bind(p.bank_confirmed.as_ref().map(|(by, _)| by.clone()))
        .bind(p.bank_confirmed.as_ref().map(|(_, at)| at.millis()))
        .bind(d.account.map(i64::from))
        .execute(&mut *self.tx)
        .await
        .map(|_| ())
        .map_err(db_err)
    }

    async fn partner(&mut self, company: CompanyId, id: PartnerId) -> Result<Option<PartnerRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {PARTNER_COLUMNS} FROM partners WHERE company_id = $1 AND id = $2"
        ))
        .bind(company.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(db_err)?
        .map(|r| rows::partner(&r))
        .transpose()
    }

    async fn list_partners(
        &mut self,
        company: CompanyId,
        after: Option<PartnerId>,
        limit: u32,
    ) -> Result<Vec<PartnerRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {PARTNER_COLUMNS} FROM partners WHERE company_id = $1 AND id > $2 ORDER BY id LIMIT $3"
        ))
        .bind(company.to_string())
        .bind(after.map(|a| a.to_string()).unwrap_or_default())
        .bind(i64::from(limit))
        .fetch_all(&mut *self.tx)
        .await
        .map_err(db_err)?
        .iter()
        .map(rows::partner)
        .collect()
    }

    async fn update_partner(&mut self, p: &PartnerRecord, expected_version: i64) -> Result<bool, StoreError> {
        let d = &p.data;
        let r = sqlx::query(
            "UPDATE partners SET name = $1, kind = $2, vat_id = $3, iban = $4, email = $5, street = $6, postcode = $7, \
             city = $8, country = $9, updated_at = $10, version = $11, bank_confirmed_by = $12, bank_confirmed_at = $13, \
             account = $17 WHERE company_id = $14 AND id = $15 AND version = $16",
        )
        .bind(d.name.clone())
        .bind(d.kind.key())
        .bind(d.vat_id.as_ref().map(|v| v.as_str().to_string()))
        .bind(d.iban.as_ref().map(|v| v.as_str().to_string()))
        .bind(d.email.clone())
        .bind(d.street.clone())
        .bind(d.postcode.clone())
        .bind(d.city.clone())
        .bind(d.country.clone())
        .bind(p.updated_at.millis())
        .bind(p.version)
        .bind(p.bank_confirmed.as_ref().map(|(by, _)| by.clone()))
        .bind(p.bank_confirmed.as_ref().map(|(_, at)| at.millis()))
        .bind(p.company_id.to_string())
        .bind(p.id.to_string())
        .bind(expected_version)
        .bind(d.account.map(i64::from))
        .execute(&mut *self.tx)
        .await
        .map_err(db_err)?;
        Ok(r.rows_affected() == 1)
    }

    async fn confirm_partner_bank(
        &mut self,
        company: CompanyId,
        id: PartnerId,
        by: &str,
        at: Timestamp,
        expected_version: i64,
    ) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "UPDATE partners SET bank_confirmed_by = $1, bank_confirmed_at = $2, updated_at = $3, version = version + 1 \
             WHERE company_id = $4 AND id = $5 AND version = $6",
        )
        .bind(by.to_string())
        .bind(at.millis())
        .bind(at.millis())
        .bind(company.to_string())
        .bind(id.to_string())
        .bind(expected_version)
        .execute(&mut *self.tx)
        .await
        .map_err(db_err)?;
        Ok(r.rows_affected() == 1)
    }

    async fn insert_duty(&mut self, d: &DutyRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO duties (id, company_id, object_type, object_id, duty, person, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(d.id.to_string())
        .bind(d.company_id.to_string())
        .bind(d.object_type.clone())
        .bind(d.object_id.clone())
        .bind(d.duty.key())
        .bind(d.person.clone())
        .bind(d.at.millis())
        .execute(&mut *self.tx)
        .await
        .map(|_| ())
        .map_err(db_err)
    }

    async fn duties_on(
        &mut self,
        company: CompanyId,
        object_type: &str,
        object_id: &str,
    ) -> Result<Vec<DutyRecord>, StoreError> {
        sqlx::query(
            "SELECT id, company_id, object_type, object_id, duty, person, at FROM duties \
             WHERE company_id = $1 AND object_type = $2 AND object_id = $3 ORDER BY at, id",
        )
        .bind(company.to_string())
        .bind(object_type.to_string())
        .bind(object_id.to_string())
        .fetch_all(&mut *self.tx)
        .await
        .map_err(db_err)?
        .iter()
        .map(rows::duty)
        .collect()
    }

    async fn append_audit(&mut self, e: &AuditEvent) -> Result<(), StoreError> {
        if self.backend == StoreBackend::Postgres {
            // One writer at a time extends the chain, across all instances;
            // released at commit. (SQLite write transactions are exclusive.)
            sqlx::query("SELECT pg_advisory_xact_lock(7170708)")
                .execute(&mut *self.tx)
                .await
                .map_err(db_err)?;
        }
        let last = sqlx::query("SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(db_err)?;
        let prev = match last {
            Some(r) => rows::opt_text(&r, "hash")?.unwrap_or_else(|| kontor_app::audit::GENESIS.to_string()),
            None => kontor_app::audit::GENESIS.to_string(),
        };
        let hash = kontor_app::audit::entry_hash(&prev, e);
        sqlx::query(&format!(
            "INSERT INTO audit_events ({AUDIT_COLUMNS}, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        ))
        .bind(e.id.to_string())
        .bind(e.company_id.map(|c| c.to_string()))
        .bind(e.actor.clone())
        .bind(e.action.clone())
        .bind(e.object_type.clone())
        .bind(e.subject.clone())
        .bind(e.detail.clone())
        .bind(e.client_addr.clone())
        .bind(e.at.millis())
        .bind(e.change.clone())
        .bind(prev)
        .bind(hash)
        .execute(&mut *self.tx)
        .await
        .map(|_| ())
        .map_err(db_err)
    }

    async fn audit_chain(&mut self, after_seq: i64, limit: u32) -> Result<Vec<StoredAuditEvent>, StoreError> {
        sqlx::query(&format!(
            "SELECT seq, {AUDIT_COLUMNS}, prev_hash, hash FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2"
        ))
        .bind(after_seq)
        .bind(i64::from(limit))
        .fetch_all(&mut *self.tx)
        .await
        .map_err(db_err)?
        .iter()
        .map(|r| {
            Ok(StoredAuditEvent {
                seq: rows::int(r, "seq")?,
                event: rows::audit(r)?,
                prev_hash: rows::opt_text(r, "prev_hash")?,
                hash: rows::opt_text(r, "hash")?,
            })
        })
        .collect()
    }

    async fn list_audit(&mut self, company: Option<CompanyId>, limit: u32) -> Result<Vec<AuditEvent>, StoreError> {
        let (sql, arg) = match company {
            Some(c) => (
                format!("SELECT {AUDIT_COLUMNS} FROM audit_events WHERE company_id = $1 ORDER BY seq DESC LIMIT $2"),
                c.to_string(),
            ),
            None => (
                format!("SELECT {AUDIT_COLUMNS} FROM audit_events WHERE $1 = '' ORDER BY seq DESC LIMIT $2"),
                String::new(),
            ),
        };
        sqlx::query(&sql)
            .bind(arg)
            .bind(i64::from(limit))
            .fetch_all(&mut *self.tx)
            .await
            .map_err(db_err)?
            .iter()
            .map(rows::audit)
            .collect()
    }

    async fn search_audit(&mut self, f: &AuditFilter) -> Result<Vec<StoredAuditEvent>, StoreError> {
        // Built from fixed clauses; every value is a bound parameter.
        let texts: Vec<(&str, Option<String>)> = vec![
            ("company_id = ", f.company.map(|c| c.to_string())),
            ("object_type = ", f.object_type.clone()),
            ("subject = ", f.subject.clone()),
            (
                "actor LIKE ",
                f.actor.as_deref().map(|a| format!("%{}%", like_escape(a))),
            ),
            (
                "action LIKE ",
                f.action.as_deref().map(|a| format!("{}%", like_escape(a))),
            ),
        ];
        let ints: Vec<(&str, Option<i64>)> = vec![
            ("at >= ", f.from.map(|t| t.millis())),
            ("at < ", f.to.map(|t| t.millis())),
            ("seq < ", f.before_seq),
        ];
        let mut clauses = Vec::new();
        let mut n = 0;
        for (sql, v) in &texts {
            if v.is_some() {
                n += 1;
                let escape = if sql.contains("LIKE") { " ESCAPE '\\'" } else { "" };
                clauses.push(format!("{sql}${n}{escape}"));
            }
        }
        for (sql, v) in &ints {
            if v.is_some() {
                n += 1;
                clauses.push(format!("{sql}${n}"));
            }
        }
        let filter = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        let sql = format!(
            "SELECT seq, {AUDIT_COLUMNS}, prev_hash, hash FROM audit_events {filter} ORDER BY seq DESC LIMIT ${}",
            n + 1
        );
        let mut q = sqlx::query(&sql);
        for v in texts.into_iter().filter_map(|(_, v)| v) {
            q = q.bind(v);
        }
        for v in ints.into_iter().filter_map(|(_, v)| v) {
            q = q.bind(v);
        }
        q.bind(i64::from(f.limit))
            .fetch_all(&mut *self.tx)
            .await
            .map_err(db_err)?
            .iter()
            .map(|r| {
                Ok(StoredAuditEvent {
                    seq: rows::int(r, "seq")?,
                    event: rows::audit(r)?,
                    prev_hash: rows::opt_text(r, "prev_hash")?,
                    hash: rows::opt_text(r, "hash")?,
                })
            })
            .collect()
    }

    async fn insert_api_token(&mut self, t: &ApiTokenRecord) -> Result<(), StoreError> {
        let perms: Vec<String> = t.permissions.iter().map(|p| p.to_string()).collect();
        sqlx::query(&format!(
            "INSERT INTO api_tokens ({TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        ))
        .bind(t.id.to_string())
        .bind(t.user_id.to_string())
        .bind(t.company_id.to_string())
        .bind(t.name.clone())
        .bind(perms.join(","))
        .bind(t.token_hash.clone())
        .bind(t.created_at.millis())
        .bind(t.expires_at.millis())
        .bind(t.last_used_at.map(|x| x.millis()))
        .bind(t.revoked_at.map(|x| x.millis()))
        .execute(&mut *self.tx)
        .await
        .map(|_| ())
        .map_err(db_err)
    }

    async fn api_token_by_hash(&mut self, token_hash: &str) -> Result<Option<ApiTokenRecord>, StoreError> {
        sqlx::query(&format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1"))
            .bind(token_hash.to_string())
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(db_err)?
            .map(|r| rows::api_token(&r))
            .transpose()
    }

    async fn api_tokens_of(&mut self, user: UserId) -> Result<Vec<ApiTokenRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id"
        ))
        .bind(user.to_string())
        .fetch_all(&mut *self.tx)
        .await
        .map_err(db_err)?
        .iter()
        .map(rows::api_token)
        .collect()
    }

    async fn revoke_api_token(&mut self, user: UserId, id: ApiTokenId, now: Timestamp) -> Result<bool, StoreError> {
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND id = $3 AND revoked_at IS NULL")
            .bind(now.millis())
            .bind(user.to_string())
            .bind(id.to_string())
            .execute(&mut *self.tx)
            .await
            .map(|r| r.rows_affected() == 1)
            .map_err(db_err)
    }

    async fn touch_api_token(&mut self, id: ApiTokenId, now: Timestamp) -> Result<(), StoreError> {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(now.millis())
            .bind(id.to_string())
            .execute(&mut *self.tx)
            .await
            .map(|_| ())
            .map_err(db_err)
    }

    async fn set_totp(
        &mut self,
        user: UserId,
        secret: Option<&str>,
        enabled: bool,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE users SET totp_secret = $1, totp_enabled = $2, totp_last_step = 0, updated_at = $3 WHERE id = $4",
        )
        .bind(secret.map(str::to_string))
        .bind(flag(enabled))
        .bind(now.millis())
        .bind(user.to_string())
        .execute(&mut *self.tx)
        .await
        .map(|_| ())
        .map_err(db_err)
    }

    async fn reseal_totp(&mut self, user: UserId, secret: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET totp_secret = $1 WHERE id = $2")
            .bind(secret.to_string())
            .bind(user.to_string())
            .execute(&mut *self.tx)
            .await
            .map(|_| ())
            .map_err(db_err)
    }

    async fn advance_totp_step(&mut self, user: UserId, step: i64) -> Result<bool, StoreError> {
        sqlx::query("UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1")
            .bind(step)
            .bind(user.to_string())
            .execute(&mut *self.tx)
            .await
            .map(|r| r.rows_affected() == 1)
            .map_err(db_err)
    }

    async fn replace_recovery_codes(&mut self, user: UserId, hashes: &[String]) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(user.to_string())
            .execute(&mut *self.tx)
            .await
            .map_err(db_err)?;
        for h in hashes {
            sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                .bind(user.to_string())
                .bind(h.clone())
                .execute(&mut *self.tx)
                .await
                .map_err(db_err)?;
        }
        Ok(())
    }

    async fn use_recovery_code(&mut self, user: UserId, hash: &str, now: Timestamp) -> Result<bool, StoreError> {
        sqlx::query("UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL")
            .bind(now.millis())
            .bind(user.to_string())
            .bind(hash.to_string())
            .execute(&mut *self.tx)
            .await
            .map(|r| r.rows_affected() == 1)
            .map_err(db_err)
    }

    async fn role_policies(&mut self) -> Result<Vec<(Role, bool)>, StoreError> {
        let rs = sqlx::query("SELECT role, require_2fa FROM role_policies ORDER BY role")
            .fetch_all(&mut *self.tx)
            .await
            .map_err(db_err)?;
        rs.iter()
            .map(|r| Ok((rows::role(r)?, rows::int(r, "require_2fa")? == 1)))
            .collect()
    }

    async fn set_role_policy(&mut self, role: Role, require_2fa: bool) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO role_policies (role, require_2fa) VALUES ($1, $2) \
             ON CONFLICT (role) DO UPDATE SET require_2fa = excluded.require_2fa",
        )
        .bind(role.key())
        .bind(flag(require_2fa))
        .execute(&mut *self.tx)
        .await
        .map(|_| ())
        .map_err(db_err)
    }

    async fn end_enrollment(&mut self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET enroll_only = 0 WHERE token_hash = $1")
            .bind(token_hash.to_string())
            .execute(&mut *self.tx)
            .await
            .map(|_| ())
            .map_err(db_err)
    }

    async fn insert_employee(&mut self, e: &EmployeeRecord) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "INSERT INTO employees ({EMPLOYEE_COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, \
             $22, $23, $24, $25, $26)"
        ))
        .bind(e.id.to_string())
        .bind(e.company_id.to_string())
        .bind(e.personnel_number.clone())
        .bind(e.first_name.clone())
        .bind(e.last_name.clone())
        .bind(e.street.clone())
        .bind(e.postcode.clone())
        .bind(e.city.clone())
        .bind(e.entry_date.clone())
        .bind(e.steuerklasse)
        .bind(e.children_tenths)
        .bind(e.sealed.tax_id.clone())
        .bind(e.sealed.sv_number.clone())
        .bind(e.sealed.iban.clone())
        .bind(e.sealed.health_insurance.clone())
        .bind(e.sealed.denomination.clone())
        .bind(e.sealed.disability.clone())
        .bind(e.created_at.millis())
        .bind(e.updated_at.millis())
        .bind(e.version)
        .bind(e.user_id.map(|u| u.to_string()))
        .bind(e.privacy.exit_date.clone())
        .bind(e.privacy.restricted_at.map(|t| t.millis()))
        .bind(e.privacy.retention_until.clone())
        .bind(e.privacy.restriction_basis.clone())
        .bind(e.privacy.erased_at.map(|t| t.millis()))
        .execute(&mut *self.tx)
        .await
        .map(|_| ())
        .map_err(db_err)
    }

    async fn employee(&mut self, company: CompanyId, id: EmployeeId) -> Result<Option<EmployeeRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {EMPLOYEE_COLUMNS} FROM employees WHERE company_id = $1 AND id = $2"
        ))
        .bind(company.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(db_err)?
        .map(|r| rows::employee(&r))
        .transpose()
    }

    async fn list_employees(&mut self, company: CompanyId) -> Result<Vec<EmployeeRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {EMPLOYEE_COLUMNS} FROM employees WHERE company_id = $1 ORDER BY last_name, first_name, id"
        ))
        .bind(company.to_string())
        .fetch_all(&mut *self.tx)
        .await
        .map_err(db_err)?
        .iter()
        .map(rows::employee)
        .collect()
    }

    async fn update_employee(&mut self, e: &EmployeeRecord, expected_version: i64) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "UPDATE employees SET personnel_number = $1, first_name = $2, last_name = $3, street = $4, postcode = $5, \
             city = $6, entry_date = $7, steuerklasse = $8, children_tenths = $9, tax_id_enc = $10, sv_number_enc = $11, \
             iban_enc = $12, health_insurance_enc = $13, denomination_enc = $14, disability_enc = $15, updated_at = $16, \
             version = $17 WHERE company_id = $18 AND id = $19 AND version = $20",
        )
        .bind(e.personnel_number.clone())
        .bind(e.first_name.clone())
        .bind(e.last_name.clone())
        .bind(e.street.clone())
        .bind(e.postcode.clone())
        .bind(e.city.clone())
        .bind(e.entry_date.clone())
        .bind(e.steuerklasse)
        .bind(e.children_tenths)
        .bind(e.sealed.tax_id.clone())
        .bind(e.sealed.sv_number.clone())
        .bind(e.sealed.iban.clone())
        .bind(e.sealed.health_insurance.clone())
        .bind(e.sealed.denomination.clone())
        .bind(e.sealed.disability.clone())
        .bind(e.updated_at.millis())
        .bind(e.version)
        .bind(e.company_id.to_string())
        .bind(e.id.to_string())
        .bind(expected_version)
        .execute(&mut *self.tx)
        .await
        .map_err(db_err)?;
        Ok(r.rows_affected() == 1)
    }

    async fn reseal_employee(&mut self, id: EmployeeId, s: &SealedHr) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE employees SET tax_id_enc = $1, sv_number_enc = $2, iban_enc = $3, health_insurance_enc = $4, \
             denomination_enc = $5, disability_enc = $6 WHERE id = $7",
        )
        .bind(s.tax_id.clone())
        .bind(s.sv_number.clone())
        .bind(s.iban.clone())
        .bind(s.health_insurance.clone())
        .bind(s.denomination.clone())
        .bind(s.disability.clone())
        .bind(id.to_string())
        .execute(&mut *self.tx)
        .await
        .map(|_| ())
        .map_err(db_err)
    }

    async fn key_checks(&mut self) -> Result<Vec<(String, String)>, StoreError> {
        let rs = sqlx::query("SELECT key_id, sealed FROM key_checks ORDER BY created_at")
            .fetch_all(&mut *self.tx)
            .await
            .map_err(db_err)?;
        rs.iter()
            .map(|r| Ok((rows::text(r, "key_id")?, rows::text(r, "sealed")?)))
            .collect()
    }

    async fn insert_key_check(&mut self, key_id: &str, sealed: &str, now: Timestamp) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO key_checks (key_id, sealed, created_at) VALUES ($1, $2, $3) ON CONFLICT (key_id) DO NOTHING",
        )
        .bind(key_id.to_string())
        .bind(sealed.to_string())
        .bind(now.millis())
        .execute(&mut *self.tx)
        .await
        .map(|_| ())
        .map_err(db_err)
    }

    async fn insert_grant(&mut self, g: &PartnerGrantRecord) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "INSERT INTO partner_grants ({GRANT_COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
        ))
        .bind(g.id.to_string())
        .bind(g.company_id.to_string())
        .bind(g.role.key())
        .bind(g.firm.clone())
        .bind(g.email.clone())
        .bind(g.user_id.map(|u| u.to_string()))
        .bind(g.valid_from.millis())
        .bind(g.valid_until.millis())
        .bind(g.period.map(|p| p.from.to_string()))
        .bind(g.period.map(|p| p.to.to_string()))
        .bind(g.invite_hash.clone())
        .bind(g.invite_expires_at.millis())
        .bind(g.accepted_at.map(|t| t.millis()))
        .bind(g.revoked_at.map(|t| t.millis()))
        .bind(g.created_by.clone())
        .bind(g.created_at.millis())
        .execute(&mut *self.tx)
        .await
        .map(|_| ())
        .map_err(db_err)
    }

    async fn grant(&mut self, company: CompanyId, id: GrantId) -> Result<Option<PartnerGrantRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {GRANT_COLUMNS} FROM partner_grants WHERE company_id = $1 AND id = $2"
        ))
        .bind(company.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(db_err)?
        .map(|r| rows::grant(&r))
        .transpose()
    }

    async fn grant_by_invite(&mut self, invite_hash: &str) -> Result<Option<PartnerGrantRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {GRANT_COLUMNS} FROM partner_grants WHERE invite_hash = $1"
        ))
        .bind(invite_hash.to_string())
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(db_err)?
        .map(|r| rows::grant(&r))
        .transpose()
    }

    async fn grants_of_company(&mut self, company: CompanyId) -> Result<Vec<PartnerGrantRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {GRANT_COLUMNS} FROM partner_grants WHERE company_id = $1 ORDER BY created_at DESC, id"
        ))
        .bind(company.to_string())
        .fetch_all(&mut *self.tx)
        .await
        .map_err(db_err)?
        .iter()
        .map(rows::grant)
        .collect()
    }

    async fn grants_of_user(&mut self, user: UserId) -> Result<Vec<(CompanyRecord, PartnerGrantRecord)>, StoreError> {
        let cols: String = GRANT_COLUMNS
            .split(", ")
            .map(|c| format!("g.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let rs = sqlx::query(&format!(
            "SELECT {cols}, c.code AS company_code, c.name AS company_name, c.created_at AS company_created_at \
             FROM partner_grants g JOIN companies c ON c.id = g.company_id WHERE g.user_id = $1 ORDER BY c.code, g.id"
        ))
        .bind(user.to_string())
        .fetch_all(&mut *self.tx)
        .await
        .map_err(db_err)?;
        rs.iter()
            .map(|r| {
                let g = rows::grant(r)?;
                let company = rows::company_of_grant(r, g.company_id)?;
                Ok((company, g))
            })
            .collect()
    }

    async fn accept_grant(&mut self, id: GrantId, user: UserId, now: Timestamp) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "UPDATE partner_grants SET user_id = $1, accepted_at = $2, invite_hash = NULL \
             WHERE id = $3 AND accepted_at IS NULL AND revoked_at IS NULL",
        )
        .bind(user.to_string())
        .bind(now.millis())
        .bind(id.to_string())
        .execute(&mut *self.tx)
        .await
        .map_err(db_err)?;
        Ok(r.rows_affected() == 1)
    }

    async fn revoke_grant(&mut self, company: CompanyId, id: GrantId, now: Timestamp) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "UPDATE partner_grants SET revoked_at = $1, invite_hash = NULL \
             WHERE company_id = $2 AND id = $3 AND revoked_at IS NULL",
        )
        .bind(now.millis())
        .bind(company.to_string())
        .bind(id.to_string())
        .execute(&mut *self.tx)
        .await
        .map_err(db_err)?;
        Ok(r.rows_affected() == 1)
    }

    async fn set_employee_user(
        &mut self,
        company: CompanyId,
        id: EmployeeId,
        user: Option<UserId>,
    ) -> Result<bool, StoreError> {
        let r = sqlx::query("UPDATE employees SET user_id = $1 WHERE company_id = $2 AND id = $3")
            .bind(user.map(|u| u.to_string()))
            .bind(company.to_string())
            .bind(id.to_string())
            .execute(&mut *self.tx)
            .await
            .map_err(db_err)?;
        Ok(r.rows_affected() == 1)
    }

    async fn set_employee_privacy(
        &mut self,
        company: CompanyId,
        id: EmployeeId,
        p: &EmployeePrivacy,
    ) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "UPDATE employees SET exit_date = $1, restricted_at = $2, retention_until = $3, restriction_basis = $4, \
             erased_at = $5, version = version + 1 WHERE company_id = $6 AND id = $7",
        )
        .bind(p.exit_date.clone())
        .bind(p.restricted_at.map(|t| t.millis()))
        .bind(p.retention_until.clone())
        .bind(p.restriction_basis.clone())
        .bind(p.erased_at.map(|t| t.millis()))
        .bind(company.to_string())
        .bind(id.to_string())
        .execute(&mut *self.tx)
        .await
        .map_err(db_err)?;
        Ok(r.rows_affected() == 1)
    }

    async fn delete_employee_documents(&mut self, company: CompanyId, employee: EmployeeId) -> Result<u64, StoreError> {
        let r = sqlx::query("DELETE FROM employee_documents WHERE company_id = $1 AND employee_id = $2")
            .bind(company.to_string())
            .bind(employee.to_string())
            .execute(&mut *self.tx)
            .await
            .map_err(db_err)?;
        Ok(r.rows_affected())
    }

    async fn insert_document(&mut self, d: &kontor_app::records::DocumentRecord) -> Result<(), StoreError> {
        crate::documents::insert(&mut self.tx, d).await
    }

    async fn update_document(&mut self, d: &kontor_app::records::DocumentRecord) -> Result<(), StoreError> {
        crate::documents::update(&mut self.tx, self.backend, d).await
    }

    async fn put_document_text(
        &mut self,
        document_id: &str,
        method: &str,
        pages: i64,
        text: &str,
        index: &kontor_documents::search::IndexText,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        crate::documents::put_text(&mut self.tx, self.backend, document_id, method, pages, text, index, now).await
    }

    async fn document_text(&mut self, document_id: &str) -> Result<Option<(String, i64, String)>, StoreError> {
        crate::documents::text(&mut self.tx, document_id).await
    }

    async fn delete_document_text(&mut self, document_id: &str) -> Result<(), StoreError> {
        crate::documents::delete_text(&mut self.tx, self.backend, document_id).await
    }

    async fn search_documents(
        &mut self,
        q: &kontor_app::records::DocumentQuery,
    ) -> Result<(Vec<kontor_app::records::DocumentRecord>, i64), StoreError> {
        crate::documents::search(&mut self.tx, self.backend, q).await
    }

    async fn document_versions(
        &mut self,
        company: CompanyId,
        first_id: &str,
    ) -> Result<Vec<kontor_app::records::DocumentRecord>, StoreError> {
        crate::documents::versions(&mut self.tx, company, first_id).await
    }

    async fn documents_past_retention(
        &mut self,
        company: CompanyId,
        year: i32,
        limit: u32,
    ) -> Result<Vec<kontor_app::records::DocumentRecord>, StoreError> {
        crate::documents::past_retention(&mut self.tx, company, year, limit).await
    }

    async fn document_rules(
        &mut self,
        company: CompanyId,
    ) -> Result<Vec<kontor_app::records::DocumentRuleRecord>, StoreError> {
        crate::documents::rules(&mut self.tx, company).await
    }

    async fn insert_document_rule(&mut self, rule: &kontor_app::records::DocumentRuleRecord) -> Result<(), StoreError> {
        crate::documents::insert_rule(&mut self.tx, rule).await
    }

    async fn delete_document_rule(&mut self, company: CompanyId, id: &str) -> Result<bool, StoreError> {
        crate::documents::delete_rule(&mut self.tx, company, id).await
    }

    async fn learn_document(
        &mut self,
        company: CompanyId,
        key: &str,
        field: &str,
        value: &str,
    ) -> Result<(), StoreError> {
        crate::documents::learn(&mut self.tx, company, key, field, value).await
    }

    async fn document_learning(
        &mut self,
        company: CompanyId,
        keys: &[String],
    ) -> Result<Vec<(String, String, String, i64)>, StoreError> {
        crate::documents::learned(&mut self.tx, self.backend, company, keys).await
    }

    async fn document(
        &mut self,
        company: CompanyId,
        id: &str,
    ) -> Result<Option<kontor_app::records::DocumentRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE company_id = $1 AND id = $2"
        ))
        .bind(company.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(db_err)?
        .map(|r| rows::document(&r))
        .transpose()
    }

    async fn document_by_blob(
        &mut self,
        company: CompanyId,
        blob: &str,
    ) -> Result<Option<kontor_app::records::DocumentRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE company_id = $1 AND blob = $2"
        ))
        .bind(company.to_string())
        .bind(blob.to_string())
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(db_err)?
        .map(|r| rows::document(&r))
        .transpose()
    }

    async fn list_documents(
        &mut self,
        company: CompanyId,
        after: &str,
        limit: u32,
    ) -> Result<Vec<kontor_app::records::DocumentRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE company_id = $1 AND id > $2 ORDER BY id LIMIT $3"
        ))
        .bind(company.to_string())
        .bind(after.to_string())
        .bind(i64::from(limit))
        .fetch_all(&mut *self.tx)
        .await
        .map_err(db_err)?
        .iter()
        .map(rows::document)
        .collect()
    }

    async fn blob_references(&mut self, blob: &str) -> Result<i64, StoreError> {
        let r = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM employee_documents WHERE blob = $1) \
             + (SELECT COUNT(*) FROM documents WHERE blob = $1) \
             + (SELECT COUNT(*) FROM document_derived WHERE blob = $1) AS n",
        )
        .bind(blob.to_string())
        .fetch_one(&mut *self.tx)
        .await
        .map_err(db_err)?;
        rows::int(&r, "n")
    }

    async fn document_derived(&mut self, document_id: &str, kind: &str) -> Result<Option<String>, StoreError> {
        sqlx::query("SELECT blob FROM document_derived WHERE document_id = $1 AND kind = $2")
            .bind(document_id.to_string())
            .bind(kind.to_string())
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(db_err)?
            .map(|r| rows::text(&r, "blob"))
            .transpose()
    }

    async fn put_document_derived(
        &mut self,
        document_id: &str,
        kind: &str,
        blob: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO document_derived (document_id, kind, blob, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (document_id, kind) DO UPDATE SET blob = $3, created_at = $4",
        )
        .bind(document_id.to_string())
        .bind(kind.to_string())
        .bind(blob.to_string())
        .bind(now.millis())
        .execute(&mut *self.tx)
        .await
        .map(|_| ())
        .map_err(db_err)
    }

    async fn delete_document_derived(&mut self, document_id: &str) -> Result<Vec<String>, StoreError> {
        let blobs = sqlx::query("SELECT blob FROM document_derived WHERE document_id = $1")
            .bind(document_id.to_string())
            .fetch_all(&mut *self.tx)
            .await
            .map_err(db_err)?
            .iter()
            .map(|r| rows::text(r, "blob"))
            .collect::<Result<Vec<_>, _>>()?;
        sqlx::query("DELETE FROM document_derived WHERE document_id = $1")
            .bind(document_id.to_string())
            .execute(&mut *self.tx)
            .await
            .map_err(db_err)?;
        Ok(blobs)
    }

    async fn document_children(
        &mut self,
        company: CompanyId,
        parent_id: &str,
    ) -> Result<Vec<kontor_app::records::DocumentRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE company_id = $1 AND parent_id = $2 ORDER BY id"
        ))
        .bind(company.to_string())
        .bind(parent_id.to_string())
        .fetch_all(&mut *self.tx)
        .await
        .map_err(db_err)?
        .iter()
        .map(rows::document)
        .collect()
    }

    async fn mail_account(&mut self, company: CompanyId) -> Result<Option<MailAccountRecord>, StoreError> {
        crate::documents::mail_account(&mut self.tx, Some(company))
            .await
            .map(|mut v| v.pop())
    }

    async fn mail_accounts(&mut self) -> Result<Vec<MailAccountRecord>, StoreError> {
        crate::documents::mail_account(&mut self.tx, None).await
    }

    async fn put_mail_account(&mut self, a: &MailAccountRecord) -> Result<(), StoreError> {
        crate::documents::put_mail_account(&mut self.tx, a).await
    }

    async fn set_mail_poll_result(
        &mut self,
        company: CompanyId,
        at: Timestamp,
        error: Option<&str>,
        count: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE mail_accounts SET last_poll_at = $2, last_error = $3, last_count = $4 WHERE company_id = $1",
        )
        .bind(company.to_string())
        .bind(at.millis())
        .bind(error.map(str::to_string))
        .bind(count)
        .execute(&mut *self.tx)
        .await
        .map(|_| ())
        .map_err(db_err)
    }

    async fn employee_of_user(
        &mut self,
        company: CompanyId,
        user: UserId,
    ) -> Result<Option<EmployeeRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {EMPLOYEE_COLUMNS} FROM employees WHERE company_id = $1 AND user_id = $2"
        ))
        .bind(company.to_string())
        .bind(user.to_string())
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(db_err)?
        .map(|r| rows::employee(&r))
        .transpose()
    }

    async fn insert_employee_document(&mut self, d: &EmployeeDocumentRecord) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "INSERT INTO employee_documents ({EMPLOYEE_DOCUMENT_COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        ))
        .bind(d.id.to_string())
        .bind(d.company_id.to_string())
        .bind(d.employee_id.to_string())
        .bind(d.kind.key())
        .bind(d.period.map(|p| p.to_string()))
        .bind(d.title.clone())
        .bind(d.filename.clone())
        .bind(d.content_type.clone())
        .bind(d.blob.clone())
        .bind(d.size)
        .bind(d.uploaded_by.clone())
        .bind(d.uploaded_at.millis())
        .execute(&mut *self.tx)
        .await
        .map(|_| ())
        .map_err(db_err)
    }

    async fn employee_documents(
        &mut self,
        company: CompanyId,
        employee: EmployeeId,
    ) -> Result<Vec<EmployeeDocumentRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {EMPLOYEE_DOCUMENT_COLUMNS} FROM employee_documents WHERE company_id = $1 AND employee_id = $2 \
             ORDER BY uploaded_at DESC, id"
        ))
        .bind(company.to_string())
        .bind(employee.to_string())
        .fetch_all(&mut *self.tx)
        .await
        .map_err(db_err)?
        .iter()
        .map(rows::employee_document)
        .collect()
    }

    async fn employee_document(
        &mut self,
        company: CompanyId,
        id: EmployeeDocumentId,
    ) -> Result<Option<EmployeeDocumentRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {EMPLOYEE_DOCUMENT_COLUMNS} FROM employee_documents WHERE company_id = $1 AND id = $2"
        ))
        .bind(company.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(db_err)?
        .map(|r| rows::employee_document(&r))
        .transpose()
    }

    async fn throttle(&mut self, key: &str) -> Result<Option<ThrottleRecord>, StoreError> {
        sqlx::query("SELECT key, failures, locked_until, last_failure_at FROM login_throttle WHERE key = $1")
            .bind(key.to_string())
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(db_err)?
            .map(|r| rows::throttle(&r))
            .transpose()
    }

    async fn put_throttle(&mut self, t: &ThrottleRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO login_throttle (key, failures, locked_until, last_failure_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until, \
             last_failure_at = excluded.last_failure_at",
        )
        .bind(t.key.clone())
        .bind(t.failures)
        .bind(t.locked_until.millis())
        .bind(t.last_failure_at.millis())
        .execute(&mut *self.tx)
        .await
        .map(|_| ())
        .map_err(db_err)
    }

    async fn clear_throttle(&mut self, key: &str) -> Result<bool, StoreError> {
        sqlx::query("DELETE FROM login_throttle WHERE key = $1")
            .bind(key.to_string())
            .execute(&mut *self.tx)
            .await
            .map(|r| r.rows_affected() > 0)
            .map_err(db_err)
    }

    async fn locked_throttles(&mut self, now: Timestamp) -> Result<Vec<ThrottleRecord>, StoreError> {
        sqlx::query(
            "SELECT key, failures, locked_until, last_failure_at FROM login_throttle WHERE locked_until > $1 ORDER BY key",
        )
        .bind(now.millis())
        .fetch_all(&mut *self.tx)
        .await
        .map_err(db_err)?
        .iter()
        .map(rows::throttle)
        .collect()
    }

    async fn enqueue_job(&mut self, j: &NewJob) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO jobs (id, company_id, kind, payload, state, attempts, max_attempts, run_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 'queued', 0, $5, $6, $7, $7)",
        )
        .bind(j.id.to_string())
        .bind(j.company_id.map(|c| c.to_string()))
        .bind(j.kind.clone())
        .bind(j.payload.clone())
        .bind(j.max_attempts)
        .bind(j.run_at.millis())
        .bind(j.created_at.millis())
        .execute(&mut *self.tx)
        .await
        .map(|_| ())
        .map_err(db_err)
    }

    async fn job(&mut self, id: JobId) -> Result<Option<JobRecord>, StoreError> {
        sqlx::query(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(db_err)?
            .map(|r| rows::job(&r))
            .transpose()
    }

    async fn list_jobs(&mut self, state: Option<JobState>, limit: u32) -> Result<Vec<JobRecord>, StoreError> {
        let (sql, arg) = match state {
            Some(s) => (
                format!("SELECT {JOB_COLUMNS} FROM jobs WHERE state = $1 ORDER BY updated_at DESC, id LIMIT $2"),
                s.key(),
            ),
            None => (
                format!("SELECT {JOB_COLUMNS} FROM jobs WHERE state <> $1 ORDER BY updated_at DESC, id LIMIT $2"),
                "",
            ),
        };
        sqlx::query(&sql)
            .bind(arg)
            .bind(i64::from(limit))
            .fetch_all(&mut *self.tx)
            .await
            .map_err(db_err)?
            .iter()
            .map(rows::job)
            .collect()
    }

    async fn job_counts(&mut self) -> Result<JobCounts, StoreError> {
        let rs = sqlx::query("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state")
            .fetch_all(&mut *self.tx)
            .await
            .map_err(db_err)?;
        let mut c = JobCounts::default();
        for r in rs {
            let n: i64 = r.try_get("n").map_err(db_err)?;
            match JobState::parse(&rows::text(&r, "state")?) {
                Some(JobState::Queued) => c.queued = n,
                Some(JobState::Running) => c.running = n,
                Some(JobState::Done) => c.done = n,
                Some(JobState::Dead) => c.dead = n,
                None => {}
            }
        }
        Ok(c)
    }

    async fn job_runs(&mut self, job: JobId) -> Result<Vec<JobRun>, StoreError> {
        sqlx::query(
            "SELECT job_id, worker, attempt, started_at, finished_at, outcome FROM job_runs WHERE job_id = $1 ORDER BY seq",
        )
        .bind(job.to_string())
        .fetch_all(&mut *self.tx)
        .await
        .map_err(db_err)?
        .iter()
        .map(rows::job_run)
        .collect()
    }

    async fn requeue_dead_job(&mut self, id: JobId, now: Timestamp) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "UPDATE jobs SET state = 'queued', attempts = 0, run_at = $1, updated_at = $1 WHERE id = $2 AND state = 'dead'",
        )
        .bind(now.millis())
        .bind(id.to_string())
        .execute(&mut *self.tx)
        .await
        .map_err(db_err)?;
        Ok(r.rows_affected() == 1)
    }

    async fn pending_job_of_kind(&mut self, kind: &str) -> Result<bool, StoreError> {
        let r = sqlx::query("SELECT COUNT(*) AS n FROM jobs WHERE kind = $1 AND state IN ('queued', 'running')")
            .bind(kind.to_string())
            .fetch_one(&mut *self.tx)
            .await
            .map_err(db_err)?;
        Ok(rows::int(&r, "n")? > 0)
    }

    // workflow
    async fn insert_process_def(&mut self, d: &ProcessDefRecord) -> Result<(), StoreError> {
        crate::workflow::insert_def(&mut self.tx, d).await
    }
    async fn process_defs(&mut self, company: CompanyId, key: &str) -> Result<Vec<ProcessDefRecord>, StoreError> {
        crate::workflow::defs(&mut self.tx, company, key).await
    }
    async fn insert_instance(&mut self, i: &InstanceRecord) -> Result<(), StoreError> {
        crate::workflow::insert_instance(&mut self.tx, i).await
    }
    async fn update_instance(&mut self, i: &InstanceRecord) -> Result<(), StoreError> {
        crate::workflow::update_instance(&mut self.tx, i).await
    }
    async fn instance(&mut self, company: CompanyId, id: &str) -> Result<Option<InstanceRecord>, StoreError> {
        crate::workflow::instance(&mut self.tx, company, id).await
    }
    async fn instance_by_subject(
        &mut self,
        company: CompanyId,
        key: &str,
        subject: &str,
    ) -> Result<Option<InstanceRecord>, StoreError> {
        crate::workflow::instance_by_subject(&mut self.tx, company, key, subject).await
    }
    async fn list_instances(
        &mut self,
        company: CompanyId,
        state: Option<&str>,
        limit: u32,
    ) -> Result<Vec<InstanceRecord>, StoreError> {
        crate::workflow::list_instances(&mut self.tx, company, state, limit).await
    }
    async fn instance_counts(&mut self, company: CompanyId) -> Result<Vec<(String, String, i64)>, StoreError> {
        crate::workflow::instance_counts(&mut self.tx, company).await
    }
    async fn insert_process_events(&mut self, events: &[ProcessEventRecord]) -> Result<(), StoreError> {
        crate::workflow::insert_events(&mut self.tx, events).await
    }
    async fn process_events(
        &mut self,
        company: CompanyId,
        instance: Option<&str>,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<(i64, ProcessEventRecord)>, StoreError> {
        crate::workflow::events(&mut self.tx, company, instance, after_seq, limit).await
    }
    async fn insert_task(&mut self, t: &TaskRecord) -> Result<(), StoreError> {
        crate::workflow::insert_task(&mut self.tx, t).await
    }
    async fn update_task(&mut self, t: &TaskRecord) -> Result<(), StoreError> {
        crate::workflow::update_task(&mut self.tx, t).await
    }
    async fn task(&mut self, company: CompanyId, id: &str) -> Result<Option<TaskRecord>, StoreError> {
        crate::workflow::task(&mut self.tx, company, id).await
    }
    async fn open_tasks(
        &mut self,
        company: CompanyId,
        assignee: Option<&str>,
        roles: &[String],
        limit: u32,
    ) -> Result<Vec<TaskRecord>, StoreError> {
        crate::workflow::open_tasks(&mut self.tx, company, assignee, roles, limit).await
    }
    async fn instance_tasks(&mut self, company: CompanyId, instance: &str) -> Result<Vec<TaskRecord>, StoreError> {
        crate::workflow::instance_tasks(&mut self.tx, company, instance).await
    }
    async fn overdue_tasks(&mut self, now: Timestamp, limit: u32) -> Result<Vec<TaskRecord>, StoreError> {
        crate::workflow::overdue_tasks(&mut self.tx, now, limit).await
    }
    async fn insert_comment(&mut self, c: &CommentRecord) -> Result<(), StoreError> {
        crate::workflow::insert_comment(&mut self.tx, c).await
    }
    async fn comments(
        &mut self,
        company: CompanyId,
        object_type: &str,
        object_id: &str,
    ) -> Result<Vec<CommentRecord>, StoreError> {
        crate::workflow::comments(&mut self.tx, company, object_type, object_id).await
    }
    async fn insert_notification(&mut self, n: &NotificationRecord) -> Result<(), StoreError> {
        crate::workflow::insert_notification(&mut self.tx, n).await
    }
    async fn notifications(&mut self, user: UserId, limit: u32) -> Result<Vec<NotificationRecord>, StoreError> {
        crate::workflow::notifications(&mut self.tx, user, limit).await
    }
    async fn mark_notifications_read(&mut self, user: UserId, now: Timestamp) -> Result<u64, StoreError> {
        crate::workflow::mark_read(&mut self.tx, user, now).await
    }
    async fn unmailed_notifications(&mut self, before: Timestamp) -> Result<Vec<NotificationRecord>, StoreError> {
        crate::workflow::unmailed(&mut self.tx, before).await
    }
    async fn mark_notifications_mailed(&mut self, ids: &[String], now: Timestamp) -> Result<(), StoreError> {
        crate::workflow::mark_mailed(&mut self.tx, ids, now).await
    }
    async fn insert_outbox(&mut self, m: &OutboxRecord) -> Result<(), StoreError> {
        crate::workflow::insert_outbox(&mut self.tx, m).await
    }
    async fn outbox(&mut self, limit: u32) -> Result<Vec<OutboxRecord>, StoreError> {
        crate::workflow::outbox(&mut self.tx, limit).await
    }
    async fn step_stats(&mut self, company: CompanyId, key: &str) -> Result<Vec<(String, i64, i64)>, StoreError> {
        crate::workflow::step_stats(&mut self.tx, company, key).await
    }
    async fn record_review(
        &mut self,
        company: CompanyId,
        key: &str,
        step: &str,
        right: bool,
    ) -> Result<(i64, i64), StoreError> {
        crate::workflow::record_review(&mut self.tx, company, key, step, right).await
    }
    async fn set_substitute(
        &mut self,
        company: CompanyId,
        user: &str,
        substitute: Option<(&str, Timestamp, Timestamp)>,
    ) -> Result<(), StoreError> {
        crate::workflow::set_substitute(&mut self.tx, company, user, substitute).await
    }
    async fn substitutes(
        &mut self,
        company: CompanyId,
    ) -> Result<Vec<(String, String, Timestamp, Timestamp)>, StoreError> {
        crate::workflow::substitutes(&mut self.tx, company).await
    }
    async fn insert_invoice(&mut self, i: &IncomingInvoiceRecord) -> Result<(), StoreError> {
        crate::workflow::insert_invoice(&mut self.tx, i).await
    }
    async fn update_invoice(&mut self, i: &IncomingInvoiceRecord) -> Result<(), StoreError> {
        crate::workflow::update_invoice(&mut self.tx, i).await
    }
    async fn invoice(&mut self, company: CompanyId, id: &str) -> Result<Option<IncomingInvoiceRecord>, StoreError> {
        crate::workflow::invoice(&mut self.tx, company, id).await
    }
    async fn invoice_by_document(
        &mut self,
        company: CompanyId,
        document: &str,
    ) -> Result<Option<IncomingInvoiceRecord>, StoreError> {
        crate::workflow::invoice_by_document(&mut self.tx, company, document).await
    }
    async fn invoice_duplicates(
        &mut self,
        company: CompanyId,
        probe: &IncomingInvoiceRecord,
    ) -> Result<Vec<IncomingInvoiceRecord>, StoreError> {
        crate::workflow::invoice_duplicates(&mut self.tx, company, probe).await
    }
    async fn partner_invoices(
        &mut self,
        company: CompanyId,
        partner: &str,
        limit: u32,
    ) -> Result<Vec<IncomingInvoiceRecord>, StoreError> {
        crate::workflow::partner_invoices(&mut self.tx, company, partner, limit).await
    }
    async fn insert_bank_account(&mut self, a: &BankAccountRecord) -> Result<(), StoreError> {
        crate::banking::insert_account(&mut self.tx, a).await
    }
    async fn update_bank_account(&mut self, a: &BankAccountRecord) -> Result<(), StoreError> {
        crate::banking::update_account(&mut self.tx, a).await
    }
    async fn bank_accounts(&mut self, company: CompanyId) -> Result<Vec<BankAccountRecord>, StoreError> {
        crate::banking::accounts(&mut self.tx, company).await
    }
    async fn insert_bank_statement(&mut self, s: &BankStatementRecord) -> Result<(), StoreError> {
        crate::banking::insert_statement(&mut self.tx, s).await
    }
    async fn bank_statement_by_fingerprint(
        &mut self,
        company: CompanyId,
        fingerprint: &str,
    ) -> Result<Option<BankStatementRecord>, StoreError> {
        crate::banking::statement_by_fingerprint(&mut self.tx, company, fingerprint).await
    }
    async fn bank_statements(
        &mut self,
        company: CompanyId,
        account: &str,
        limit: u32,
    ) -> Result<Vec<BankStatementRecord>, StoreError> {
        crate::banking::statements(&mut self.tx, company, account, limit).await
    }
    async fn insert_bank_lines(&mut self, lines: &[BankLineRecord]) -> Result<(), StoreError> {
        crate::banking::insert_lines(&mut self.tx, lines).await
    }
    async fn update_bank_line(&mut self, l: &BankLineRecord) -> Result<(), StoreError> {
        crate::banking::update_line(&mut self.tx, l).await
    }
    async fn bank_line(&mut self, company: CompanyId, id: &str) -> Result<Option<BankLineRecord>, StoreError> {
        crate::banking::line(&mut self.tx, company, id).await
    }
    async fn bank_lines(
        &mut self,
        company: CompanyId,
        account: Option<&str>,
        state: Option<&str>,
        limit: u32,
    ) -> Result<Vec<BankLineRecord>, StoreError> {
        crate::banking::lines(&mut self.tx, company, account, state, limit).await
    }
    async fn bank_line_keys(
        &mut self,
        company: CompanyId,
        account: &str,
        keys: &[String],
    ) -> Result<Vec<String>, StoreError> {
        crate::banking::line_keys(&mut self.tx, company, account, keys).await
    }
    async fn insert_payment_run(&mut self, r: &PaymentRunRecord) -> Result<(), StoreError> {
        crate::banking::insert_run(&mut self.tx, r).await
    }
    async fn update_payment_run(&mut self, r: &PaymentRunRecord) -> Result<(), StoreError> {
        crate::banking::update_run(&mut self.tx, r).await
    }
    async fn payment_run(&mut self, company: CompanyId, id: &str) -> Result<Option<PaymentRunRecord>, StoreError> {
        crate::banking::run(&mut self.tx, company, id).await
    }
    async fn insert_dunning_notices(&mut self, n: &[DunningNoticeRecord]) -> Result<(), StoreError> {
        crate::banking::insert_notices(&mut self.tx, n).await
    }
    async fn dunning_notices(
        &mut self,
        company: CompanyId,
        limit: u32,
    ) -> Result<Vec<DunningNoticeRecord>, StoreError> {
        crate::banking::notices(&mut self.tx, company, limit).await
    }
    async fn payment_runs(&mut self, company: CompanyId, limit: u32) -> Result<Vec<PaymentRunRecord>, StoreError> {
        crate::banking::runs(&mut self.tx, company, limit).await
    }
}

/// Escapes `%`, `_` and the escape character for a LIKE pattern.
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
