//! Banking's SQL: bank accounts, imported statements, bank lines and
//! payment runs. Rows keep their query keys as columns and the rest as a
//! JSON body the application defines.

use kontor_app::ports::StoreError;
use kontor_app::records::*;
use kontor_core::CompanyId;
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

use crate::db_err;
use crate::rows::{corrupt, id, int, opt_text, text, ts};

type SqlTx = Transaction<'static, Any>;

fn body<T: serde::de::DeserializeOwned>(r: &AnyRow, table: &str) -> Result<T, StoreError> {
    let s = text(r, "body")?;
    serde_json::from_str(&s).map_err(|e| corrupt(table, "body", e))
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Other(format!("cannot serialise a record: {e}")))
}

fn one_row(affected: u64, what: &str, key: &str) -> Result<(), StoreError> {
    if affected == 1 {
        Ok(())
    } else {
        Err(StoreError::Corrupt(format!("{what} {key} vanished")))
    }
}

// ---------------------------------------------------------------- accounts

const ACCOUNT_COLUMNS: &str = "id, company_id, iban, ledger_account, body, created_at, updated_at";

fn account_row(r: &AnyRow) -> Result<BankAccountRecord, StoreError> {
    let la = int(r, "ledger_account")?;
    Ok(BankAccountRecord {
        id: text(r, "id")?,
        company_id: id(r, "bank_accounts", "company_id")?,
        iban: text(r, "iban")?,
        ledger_account: u32::try_from(la).map_err(|_| corrupt("bank_accounts", "ledger_account", la))?,
        data: body(r, "bank_accounts")?,
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
    })
}

pub(crate) async fn insert_account(tx: &mut SqlTx, a: &BankAccountRecord) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO bank_accounts ({ACCOUNT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    ))
    .bind(a.id.clone())
    .bind(a.company_id.to_string())
    .bind(a.iban.clone())
    .bind(i64::from(a.ledger_account))
    .bind(json(&a.data)?)
    .bind(a.created_at.millis())
    .bind(a.updated_at.millis())
    .execute(&mut **tx)
    .await
    .map(|_| ())
    .map_err(db_err)
}

pub(crate) async fn update_account(tx: &mut SqlTx, a: &BankAccountRecord) -> Result<(), StoreError> {
    let r = sqlx::query(
        "UPDATE bank_accounts SET iban = $3, ledger_account = $4, body = $5, updated_at = $6 \
         WHERE company_id = $1 AND id = $2",
    )
    .bind(a.company_id.to_string())
    .bind(a.id.clone())
    .bind(a.iban.clone())
    .bind(i64::from(a.ledger_account))
    .bind(json(&a.data)?)
    .bind(a.updated_at.millis())
    .execute(&mut **tx)
    .await
    .map_err(db_err)?;
    one_row(r.rows_affected(), "bank account", &a.id)
}

pub(crate) async fn accounts(tx: &mut SqlTx, company: CompanyId) -> Result<Vec<BankAccountRecord>, StoreError> {
    sqlx::query(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM bank_accounts WHERE company_id = $1 ORDER BY created_at, id"
    ))
    .bind(company.to_string())
    .fetch_all(&mut **tx)
    .await
    .map_err(db_err)?
    .iter()
    .map(account_row)
    .collect()
}

// -------------------------------------------------------------- statements

const STATEMENT_COLUMNS: &str = "id, company_id, bank_account_id, fingerprint, closing_date, body, imported_at";

fn statement_row(r: &AnyRow) -> Result<BankStatementRecord, StoreError> {
    Ok(BankStatementRecord {
        id: text(r, "id")?,
        company_id: id(r, "bank_statements", "company_id")?,
        bank_account_id: text(r, "bank_account_id")?,
        fingerprint: text(r, "fingerprint")?,
        closing_date: opt_text(r, "closing_date")?,
        data: body(r, "bank_statements")?,
        imported_at: ts(r, "imported_at")?,
    })
}

pub(crate) async fn insert_statement(tx: &mut SqlTx, s: &BankStatementRecord) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO bank_statements ({STATEMENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    ))
    .bind(s.id.clone())
    .bind(s.company_id.to_string())
    .bind(s.bank_account_id.clone())
    .bind(s.fingerprint.clone())
    .bind(s.closing_date.clone())
    .bind(json(&s.data)?)
    .bind(s.imported_at.millis())
    .execute(&mut **tx)
    .await
    .map(|_| ())
    .map_err(db_err)
}

pub(crate) async fn statement_by_fingerprint(
    tx: &mut SqlTx,
    company: CompanyId,
    fingerprint: &str,
) -> Result<Option<BankStatementRecord>, StoreError> {
    sqlx::query(&format!(
        "SELECT {STATEMENT_COLUMNS} FROM bank_statements WHERE company_id = $1 AND fingerprint = $2"
    ))
    .bind(company.to_string())
    .bind(fingerprint.to_string())
    .fetch_optional(&mut **tx)
    .await
    .map_err(db_err)?
    .as_ref()
    .map(statement_row)
    .transpose()
}

pub(crate) async fn statements(
    tx: &mut SqlTx,
    company: CompanyId,
    account: &str,
    limit: u32,
) -> Result<Vec<BankStatementRecord>, StoreError> {
    sqlx::query(&format!(
        "SELECT {STATEMENT_COLUMNS} FROM bank_statements WHERE company_id = $1 AND bank_account_id = $2 \
         ORDER BY closing_date DESC, imported_at DESC LIMIT {limit}"
    ))
    .bind(company.to_string())
    .bind(account.to_string())
    .fetch_all(&mut **tx)
    .await
    .map_err(db_err)?
    .iter()
    .map(statement_row)
    .collect()
}

// ------------------------------------------------------------------- lines

const LINE_COLUMNS: &str =
    "id, company_id, bank_account_id, statement_id, line_key, booking_date, amount_cents, state, body, created_at, updated_at";

fn line_row(r: &AnyRow) -> Result<BankLineRecord, StoreError> {
    Ok(BankLineRecord {
        id: text(r, "id")?,
        company_id: id(r, "bank_lines", "company_id")?,
        bank_account_id: text(r, "bank_account_id")?,
        statement_id: text(r, "statement_id")?,
        line_key: text(r, "line_key")?,
        booking_date: text(r, "booking_date")?,
        amount_cents: int(r, "amount_cents")?,
        state: text(r, "state")?,
        data: body(r, "bank_lines")?,
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
    })
}

pub(crate) async fn insert_lines(tx: &mut SqlTx, lines: &[BankLineRecord]) -> Result<(), StoreError> {
    // Multi-row inserts: 11 columns, at most 90 rows per statement (the
    // 999-parameter limit of older SQLite builds).
    for chunk in lines.chunks(90) {
        let mut sql = format!("INSERT INTO bank_lines ({LINE_COLUMNS}) VALUES ");
        for i in 0..chunk.len() {
            let b = i * 11;
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7,
                b + 8,
                b + 9,
                b + 10,
                b + 11
            ));
        }
        let mut q = sqlx::query(&sql);
        for l in chunk {
            q = q
                .bind(l.id.clone())
                .bind(l.company_id.to_string())
                .bind(l.bank_account_id.clone())
                .bind(l.statement_id.clone())
                .bind(l.line_key.clone())
                .bind(l.booking_date.clone())
                .bind(l.amount_cents)
                .bind(l.state.clone())
                .bind(json(&l.data)?)
                .bind(l.created_at.millis())
                .bind(l.updated_at.millis());
        }
        q.execute(&mut **tx).await.map_err(db_err)?;
    }
    Ok(())
}

pub(crate) async fn update_line(tx: &mut SqlTx, l: &BankLineRecord) -> Result<(), StoreError> {
    let r =
        sqlx::query("UPDATE bank_lines SET state = $3, body = $4, updated_at = $5 WHERE company_id = $1 AND id = $2")
            .bind(l.company_id.to_string())
            .bind(l.id.clone())
            .bind(l.state.clone())
            .bind(json(&l.data)?)
            .bind(l.updated_at.millis())
            .execute(&mut **tx)
            .await
            .map_err(db_err)?;
    one_row(r.rows_affected(), "bank line", &l.id)
}

pub(crate) async fn line(tx: &mut SqlTx, company: CompanyId, lid: &str) -> Result<Option<BankLineRecord>, StoreError> {
    sqlx::query(&format!(
        "SELECT {LINE_COLUMNS} FROM bank_lines WHERE company_id = $1 AND id = $2"
    ))
    .bind(company.to_string())
    .bind(lid.to_string())
    .fetch_optional(&mut **tx)
    .await
    .map_err(db_err)?
    .as_ref()
    .map(line_row)
    .transpose()
}

pub(crate) async fn lines(
    tx: &mut SqlTx,
    company: CompanyId,
    account: Option<&str>,
    state: Option<&str>,
    limit: u32,
) -> Result<Vec<BankLineRecord>, StoreError> {
    let mut sql = format!("SELECT {LINE_COLUMNS} FROM bank_lines WHERE company_id = $1");
    let mut binds = vec![company.to_string()];
    if let Some(a) = account {
        binds.push(a.to_string());
        sql.push_str(&format!(" AND bank_account_id = ${}", binds.len()));
    }
    if let Some(s) = state {
        binds.push(s.to_string());
        sql.push_str(&format!(" AND state = ${}", binds.len()));
    }
    sql.push_str(&format!(" ORDER BY booking_date, created_at, id LIMIT {limit}"));
    let mut q = sqlx::query(&sql);
    for b in binds {
        q = q.bind(b);
    }
    q.fetch_all(&mut **tx)
        .await
        .map_err(db_err)?
        .iter()
        .map(line_row)
        .collect()
}

pub(crate) async fn line_keys(
    tx: &mut SqlTx,
    company: CompanyId,
    account: &str,
    keys: &[String],
) -> Result<Vec<String>, StoreError> {
    let mut out = Vec::new();
    for chunk in keys.chunks(500) {
        let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 3)).collect();
        let sql = format!(
            "SELECT line_key FROM bank_lines WHERE company_id = $1 AND bank_account_id = $2 AND line_key IN ({})",
            marks.join(", ")
        );
        let mut q = sqlx::query(&sql).bind(company.to_string()).bind(account.to_string());
        for k in chunk {
            q = q.bind(k.clone());
        }
        for r in q.fetch_all(&mut **tx).await.map_err(db_err)? {
            out.push(text(&r, "line_key")?);
        }
    }
    Ok(out)
}

// ------------------------------------------------------------ payment runs

const RUN_COLUMNS: &str = "id, company_id, number, state, body, created_at, updated_at";

fn run_row(r: &AnyRow) -> Result<PaymentRunRecord, StoreError> {
    Ok(PaymentRunRecord {
        id: text(r, "id")?,
        company_id: id(r, "payment_runs", "company_id")?,
        number: int(r, "number")?,
        state: text(r, "state")?,
        data: body(r, "payment_runs")?,
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
    })
}

pub(crate) async fn insert_run(tx: &mut SqlTx, r: &PaymentRunRecord) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO payment_runs ({RUN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    ))
    .bind(r.id.clone())
    .bind(r.company_id.to_string())
    .bind(r.number)
    .bind(r.state.clone())
    .bind(json(&r.data)?)
    .bind(r.created_at.millis())
    .bind(r.updated_at.millis())
    .execute(&mut **tx)
    .await
    .map(|_| ())
    .map_err(db_err)
}

pub(crate) async fn update_run(tx: &mut SqlTx, r: &PaymentRunRecord) -> Result<(), StoreError> {
    let res =
        sqlx::query("UPDATE payment_runs SET state = $3, body = $4, updated_at = $5 WHERE company_id = $1 AND id = $2")
            .bind(r.company_id.to_string())
            .bind(r.id.clone())
            .bind(r.state.clone())
            .bind(json(&r.data)?)
            .bind(r.updated_at.millis())
            .execute(&mut **tx)
            .await
            .map_err(db_err)?;
    one_row(res.rows_affected(), "payment run", &r.id)
}

pub(crate) async fn run(tx: &mut SqlTx, company: CompanyId, rid: &str) -> Result<Option<PaymentRunRecord>, StoreError> {
    sqlx::query(&format!(
        "SELECT {RUN_COLUMNS} FROM payment_runs WHERE company_id = $1 AND id = $2"
    ))
    .bind(company.to_string())
    .bind(rid.to_string())
    .fetch_optional(&mut **tx)
    .await
    .map_err(db_err)?
    .as_ref()
    .map(run_row)
    .transpose()
}

pub(crate) async fn runs(tx: &mut SqlTx, company: CompanyId, limit: u32) -> Result<Vec<PaymentRunRecord>, StoreError> {
    sqlx::query(&format!(
        "SELECT {RUN_COLUMNS} FROM payment_runs WHERE company_id = $1 ORDER BY number DESC LIMIT {limit}"
    ))
    .bind(company.to_string())
    .fetch_all(&mut **tx)
    .await
    .map_err(db_err)?
    .iter()
    .map(run_row)
    .collect()
}

// ---------------------------------------------------------------- dunning

const NOTICE_COLUMNS: &str = "id, company_id, item_key, level, sent_on, body, created_at";

pub(crate) async fn insert_notices(tx: &mut SqlTx, notices: &[DunningNoticeRecord]) -> Result<(), StoreError> {
    for n in notices {
        sqlx::query(&format!(
            "INSERT INTO dunning_notices ({NOTICE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        ))
        .bind(n.id.clone())
        .bind(n.company_id.to_string())
        .bind(n.item_key.clone())
        .bind(i64::from(n.level))
        .bind(n.sent_on.clone())
        .bind(json(&n.data)?)
        .bind(n.created_at.millis())
        .execute(&mut **tx)
        .await
        .map_err(db_err)?;
    }
    Ok(())
}

pub(crate) async fn notices(
    tx: &mut SqlTx,
    company: CompanyId,
    limit: u32,
) -> Result<Vec<DunningNoticeRecord>, StoreError> {
    sqlx::query(&format!(
        "SELECT {NOTICE_COLUMNS} FROM dunning_notices WHERE company_id = $1 ORDER BY sent_on DESC, created_at DESC, id LIMIT {limit}"
    ))
    .bind(company.to_string())
    .fetch_all(&mut **tx)
    .await
    .map_err(db_err)?
    .iter()
    .map(|r| {
        let level = int(r, "level")?;
        Ok(DunningNoticeRecord {
            id: text(r, "id")?,
            company_id: id(r, "dunning_notices", "company_id")?,
            item_key: text(r, "item_key")?,
            level: u8::try_from(level).map_err(|_| corrupt("dunning_notices", "level", level))?,
            sent_on: text(r, "sent_on")?,
            data: body(r, "dunning_notices")?,
            created_at: ts(r, "created_at")?,
        })
    })
    .collect()
}
