//! The workflow engine's SQL: process definitions, instances, the event
//! log, tasks, comments, notifications, the outbox, review statistics,
//! substitutes and incoming invoices. Rows keep their query keys as columns
//! and the rest as a JSON body the application defines.

use kontor_app::ports::StoreError;
use kontor_app::records::*;
use kontor_core::{CompanyId, Timestamp, UserId};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

use crate::db_err;
use crate::rows::{corrupt, flag, id, int, opt_int, opt_text, text, ts};

type SqlTx = Transaction<'static, Any>;

fn body<T: serde::de::DeserializeOwned>(r: &AnyRow, table: &str) -> Result<T, StoreError> {
    let s = text(r, "body")?;
    serde_json::from_str(&s).map_err(|e| corrupt(table, "body", e))
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Other(format!("cannot serialise a record: {e}")))
}

fn opt_ts(r: &AnyRow, col: &str) -> Result<Option<Timestamp>, StoreError> {
    Ok(opt_int(r, col)?.map(Timestamp::from_millis))
}

fn version(r: &AnyRow, table: &str) -> Result<u32, StoreError> {
    let v = int(r, "version")?;
    u32::try_from(v).map_err(|_| corrupt(table, "version", v))
}

// ------------------------------------------------------------ definitions

pub(crate) async fn insert_def(tx: &mut SqlTx, d: &ProcessDefRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO process_defs (company_id, process_key, version, definition, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(d.company_id.to_string())
    .bind(d.process_key.clone())
    .bind(i64::from(d.version))
    .bind(d.definition.clone())
    .bind(d.created_by.clone())
    .bind(d.created_at.millis())
    .execute(&mut **tx)
    .await
    .map(|_| ())
    .map_err(db_err)
}

pub(crate) async fn defs(tx: &mut SqlTx, company: CompanyId, key: &str) -> Result<Vec<ProcessDefRecord>, StoreError> {
    sqlx::query(
        "SELECT company_id, process_key, version, definition, created_by, created_at FROM process_defs \
         WHERE company_id = $1 AND process_key = $2 ORDER BY version",
    )
    .bind(company.to_string())
    .bind(key.to_string())
    .fetch_all(&mut **tx)
    .await
    .map_err(db_err)?
    .iter()
    .map(|r| {
        Ok(ProcessDefRecord {
            company_id: id(r, "process_defs", "company_id")?,
            process_key: text(r, "process_key")?,
            version: version(r, "process_defs")?,
            definition: text(r, "definition")?,
            created_by: text(r, "created_by")?,
            created_at: ts(r, "created_at")?,
        })
    })
    .collect()
}

// -------------------------------------------------------------- instances

const INSTANCE_COLUMNS: &str =
    "id, company_id, process_key, version, subject, state, step, body, started_at, updated_at";

fn instance_row(r: &AnyRow) -> Result<InstanceRecord, StoreError> {
    Ok(InstanceRecord {
        id: text(r, "id")?,
        company_id: id(r, "process_instances", "company_id")?,
        process_key: text(r, "process_key")?,
        version: version(r, "process_instances")?,
        subject: text(r, "subject")?,
        state: text(r, "state")?,
        step: text(r, "step")?,
        data: body(r, "process_instances")?,
        started_at: ts(r, "started_at")?,
        updated_at: ts(r, "updated_at")?,
    })
}

pub(crate) async fn insert_instance(tx: &mut SqlTx, i: &InstanceRecord) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO process_instances ({INSTANCE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    ))
    .bind(i.id.clone())
    .bind(i.company_id.to_string())
    .bind(i.process_key.clone())
    .bind(i64::from(i.version))
    .bind(i.subject.clone())
    .bind(i.state.clone())
    .bind(i.step.clone())
    .bind(json(&i.data)?)
    .bind(i.started_at.millis())
    .bind(i.updated_at.millis())
    .execute(&mut **tx)
    .await
    .map(|_| ())
    .map_err(db_err)
}

pub(crate) async fn update_instance(tx: &mut SqlTx, i: &InstanceRecord) -> Result<(), StoreError> {
    let r = sqlx::query(
        "UPDATE process_instances SET state = $3, step = $4, body = $5, updated_at = $6 \
         WHERE company_id = $1 AND id = $2",
    )
    .bind(i.company_id.to_string())
    .bind(i.id.clone())
    .bind(i.state.clone())
    .bind(i.step.clone())
    .bind(json(&i.data)?)
    .bind(i.updated_at.millis())
    .execute(&mut **tx)
    .await
    .map_err(db_err)?;
    if r.rows_affected() == 1 {
        Ok(())
    } else {
        Err(StoreError::Corrupt(format!("process instance {} vanished", i.id)))
    }
}

pub(crate) async fn instance(
    tx: &mut SqlTx,
    company: CompanyId,
    iid: &str,
) -> Result<Option<InstanceRecord>, StoreError> {
    sqlx::query(&format!(
        "SELECT {INSTANCE_COLUMNS} FROM process_instances WHERE company_id = $1 AND id = $2"
    ))
    .bind(company.to_string())
    .bind(iid.to_string())
    .fetch_optional(&mut **tx)
    .await
    .map_err(db_err)?
    .as_ref()
    .map(instance_row)
    .transpose()
}

pub(crate) async fn instance_by_subject(
    tx: &mut SqlTx,
    company: CompanyId,
    key: &str,
    subject: &str,
) -> Result<Option<InstanceRecord>, StoreError> {
    sqlx::query(&format!(
        "SELECT {INSTANCE_COLUMNS} FROM process_instances WHERE company_id = $1 AND process_key = $2 AND subject = $3"
    ))
    .bind(company.to_string())
    .bind(key.to_string())
    .bind(subject.to_string())
    .fetch_optional(&mut **tx)
    .await
    .map_err(db_err)?
    .as_ref()
    .map(instance_row)
    .transpose()
}

pub(crate) async fn list_instances(
    tx: &mut SqlTx,
    company: CompanyId,
    state: Option<&str>,
    limit: u32,
) -> Result<Vec<InstanceRecord>, StoreError> {
    sqlx::query(&format!(
        "SELECT {INSTANCE_COLUMNS} FROM process_instances WHERE company_id = $1 AND ($2 = '' OR state = $2) \
         ORDER BY updated_at DESC, id LIMIT $3"
    ))
    .bind(company.to_string())
    .bind(state.unwrap_or("").to_string())
    .bind(i64::from(limit))
    .fetch_all(&mut **tx)
    .await
    .map_err(db_err)?
    .iter()
    .map(instance_row)
    .collect()
}

pub(crate) async fn instance_counts(
    tx: &mut SqlTx,
    company: CompanyId,
) -> Result<Vec<(String, String, i64)>, StoreError> {
    sqlx::query(
        "SELECT process_key, state, COUNT(*) AS n FROM process_instances WHERE company_id = $1 \
         GROUP BY process_key, state ORDER BY process_key, state",
    )
    .bind(company.to_string())
    .fetch_all(&mut **tx)
    .await
    .map_err(db_err)?
    .iter()
    .map(|r| Ok((text(r, "process_key")?, text(r, "state")?, int(r, "n")?)))
    .collect()
}

// ----------------------------------------------------------------- events

pub(crate) async fn insert_events(tx: &mut SqlTx, events: &[ProcessEventRecord]) -> Result<(), StoreError> {
    // One statement per 50 events: a stretch of steps writes its log at once.
    for chunk in events.chunks(50) {
        let mut sql = String::from(
            "INSERT INTO process_events (id, company_id, instance_id, process_key, step, event, outcome, actor, \
             automated, at, detail) VALUES ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            let b = i * 11;
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
        for e in chunk {
            q = q
                .bind(e.id.clone())
                .bind(e.company_id.to_string())
                .bind(e.instance_id.clone())
                .bind(e.process_key.clone())
                .bind(e.step.clone())
                .bind(e.event.clone())
                .bind(e.outcome.clone())
                .bind(e.actor.clone())
                .bind(i64::from(e.automated))
                .bind(e.at.millis())
                .bind(e.detail.clone());
        }
        q.execute(&mut **tx).await.map_err(db_err)?;
    }
    Ok(())
}

pub(crate) async fn events(
    tx: &mut SqlTx,
    company: CompanyId,
    instance: Option<&str>,
    after_seq: i64,
    limit: u32,
) -> Result<Vec<(i64, ProcessEventRecord)>, StoreError> {
    sqlx::query(
        "SELECT seq, id, company_id, instance_id, process_key, step, event, outcome, actor, automated, at, detail \
         FROM process_events WHERE company_id = $1 AND ($2 = '' OR instance_id = $2) AND seq > $3 \
         ORDER BY seq LIMIT $4",
    )
    .bind(company.to_string())
    .bind(instance.unwrap_or("").to_string())
    .bind(after_seq)
    .bind(i64::from(limit))
    .fetch_all(&mut **tx)
    .await
    .map_err(db_err)?
    .iter()
    .map(|r| {
        Ok((
            int(r, "seq")?,
            ProcessEventRecord {
                id: text(r, "id")?,
                company_id: id(r, "process_events", "company_id")?,
                instance_id: text(r, "instance_id")?,
                process_key: text(r, "process_key")?,
                step: text(r, "step")?,
                event: text(r, "event")?,
                outcome: opt_text(r, "outcome")?,
                actor: text(r, "actor")?,
                automated: flag(r, "process_events", "automated")?,
                at: ts(r, "at")?,
                detail: text(r, "detail")?,
            },
        ))
    })
    .collect()
}

// ------------------------------------------------------------------ tasks

const TASK_COLUMNS: &str =
    "id, company_id, instance_id, state, assignee, candidate_role, due_at, body, created_at, updated_at";

fn task_row(r: &AnyRow) -> Result<TaskRecord, StoreError> {
    Ok(TaskRecord {
        id: text(r, "id")?,
        company_id: id(r, "tasks", "company_id")?,
        instance_id: opt_text(r, "instance_id")?,
        state: text(r, "state")?,
        assignee: opt_text(r, "assignee")?,
        candidate_role: opt_text(r, "candidate_role")?,
        due_at: opt_ts(r, "due_at")?,
        data: body(r, "tasks")?,
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
    })
}

pub(crate) async fn insert_task(tx: &mut SqlTx, t: &TaskRecord) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO tasks ({TASK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    ))
    .bind(t.id.clone())
    .bind(t.company_id.to_string())
    .bind(t.instance_id.clone())
    .bind(t.state.clone())
    .bind(t.assignee.clone())
    .bind(t.candidate_role.clone())
    .bind(t.due_at.map(Timestamp::millis))
    .bind(json(&t.data)?)
    .bind(t.created_at.millis())
    .bind(t.updated_at.millis())
    .execute(&mut **tx)
    .await
    .map(|_| ())
    .map_err(db_err)
}

pub(crate) async fn update_task(tx: &mut SqlTx, t: &TaskRecord) -> Result<(), StoreError> {
    let r = sqlx::query(
        "UPDATE tasks SET state = $3, assignee = $4, candidate_role = $5, due_at = $6, body = $7, updated_at = $8 \
         WHERE company_id = $1 AND id = $2",
    )
    .bind(t.company_id.to_string())
    .bind(t.id.clone())
    .bind(t.state.clone())
    .bind(t.assignee.clone())
    .bind(t.candidate_role.clone())
    .bind(t.due_at.map(Timestamp::millis))
    .bind(json(&t.data)?)
    .bind(t.updated_at.millis())
    .execute(&mut **tx)
    .await
    .map_err(db_err)?;
    if r.rows_affected() == 1 {
        Ok(())
    } else {
        Err(StoreError::Corrupt(format!("task {} vanished", t.id)))
    }
}

pub(crate) async fn task(tx: &mut SqlTx, company: CompanyId, tid: &str) -> Result<Option<TaskRecord>, StoreError> {
    sqlx::query(&format!(
        "SELECT {TASK_COLUMNS} FROM tasks WHERE company_id = $1 AND id = $2"
    ))
    .bind(company.to_string())
    .bind(tid.to_string())
    .fetch_optional(&mut **tx)
    .await
    .map_err(db_err)?
    .as_ref()
    .map(task_row)
    .transpose()
}

pub(crate) async fn open_tasks(
    tx: &mut SqlTx,
    company: CompanyId,
    assignee: Option<&str>,
    roles: &[String],
    limit: u32,
) -> Result<Vec<TaskRecord>, StoreError> {
    let everything = assignee.is_none() && roles.is_empty();
    // Roles as one delimited string: the same statement on both engines.
    let role_list: String = roles.iter().map(|r| format!(",{r},")).collect();
    sqlx::query(&format!(
        "SELECT {TASK_COLUMNS} FROM tasks WHERE company_id = $1 AND state = 'open' AND \
         ($2 = 1 OR assignee = $3 OR (assignee IS NULL AND $4 LIKE '%,' || candidate_role || ',%')) \
         ORDER BY due_at IS NULL, due_at, created_at, id LIMIT $5"
    ))
    .bind(company.to_string())
    .bind(i64::from(everything))
    .bind(assignee.unwrap_or("").to_string())
    .bind(role_list)
    .bind(i64::from(limit))
    .fetch_all(&mut **tx)
    .await
    .map_err(db_err)?
    .iter()
    .map(task_row)
    .collect()
}

pub(crate) async fn instance_tasks(
    tx: &mut SqlTx,
    company: CompanyId,
    instance: &str,
) -> Result<Vec<TaskRecord>, StoreError> {
    sqlx::query(&format!(
        "SELECT {TASK_COLUMNS} FROM tasks WHERE company_id = $1 AND instance_id = $2 ORDER BY created_at, id"
    ))
    .bind(company.to_string())
    .bind(instance.to_string())
    .fetch_all(&mut **tx)
    .await
    .map_err(db_err)?
    .iter()
    .map(task_row)
    .collect()
}

pub(crate) async fn overdue_tasks(tx: &mut SqlTx, now: Timestamp, limit: u32) -> Result<Vec<TaskRecord>, StoreError> {
    sqlx::query(&format!(
        "SELECT {TASK_COLUMNS} FROM tasks WHERE state = 'open' AND due_at IS NOT NULL AND due_at <= $1 \
         ORDER BY due_at, id LIMIT $2"
    ))
    .bind(now.millis())
    .bind(i64::from(limit))
    .fetch_all(&mut **tx)
    .await
    .map_err(db_err)?
    .iter()
    .map(task_row)
    .collect()
}

// ------------------------------------------------------- comments, notices

pub(crate) async fn insert_comment(tx: &mut SqlTx, c: &CommentRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO comments (id, company_id, object_type, object_id, author, body, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(c.id.clone())
    .bind(c.company_id.to_string())
    .bind(c.object_type.clone())
    .bind(c.object_id.clone())
    .bind(c.author.clone())
    .bind(c.body.clone())
    .bind(c.at.millis())
    .execute(&mut **tx)
    .await
    .map(|_| ())
    .map_err(db_err)
}

pub(crate) async fn comments(
    tx: &mut SqlTx,
    company: CompanyId,
    object_type: &str,
    object_id: &str,
) -> Result<Vec<CommentRecord>, StoreError> {
    sqlx::query(
        "SELECT id, company_id, object_type, object_id, author, body, at FROM comments \
         WHERE company_id = $1 AND object_type = $2 AND object_id = $3 ORDER BY at, id",
    )
    .bind(company.to_string())
    .bind(object_type.to_string())
    .bind(object_id.to_string())
    .fetch_all(&mut **tx)
    .await
    .map_err(db_err)?
    .iter()
    .map(|r| {
        Ok(CommentRecord {
            id: text(r, "id")?,
            company_id: id(r, "comments", "company_id")?,
            object_type: text(r, "object_type")?,
            object_id: text(r, "object_id")?,
            author: text(r, "author")?,
            body: text(r, "body")?,
            at: ts(r, "at")?,
        })
    })
    .collect()
}

#[derive(serde::Serialize, serde::Deserialize)]
struct NotificationBody {
    de: String,
    en: String,
    link: String,
}

const NOTIFICATION_COLUMNS: &str = "id, company_id, user_id, kind, body, created_at, read_at, mailed_at";

fn notification_row(r: &AnyRow) -> Result<NotificationRecord, StoreError> {
    let b: NotificationBody = body(r, "notifications")?;
    Ok(NotificationRecord {
        id: text(r, "id")?,
        company_id: id(r, "notifications", "company_id")?,
        user_id: id::<UserId>(r, "notifications", "user_id")?,
        kind: text(r, "kind")?,
        text_de: b.de,
        text_en: b.en,
        link: b.link,
        created_at: ts(r, "created_at")?,
        read_at: opt_ts(r, "read_at")?,
        mailed_at: opt_ts(r, "mailed_at")?,
    })
}

pub(crate) async fn insert_notification(tx: &mut SqlTx, n: &NotificationRecord) -> Result<(), StoreError> {
    let b = NotificationBody {
        de: n.text_de.clone(),
        en: n.text_en.clone(),
        link: n.link.clone(),
    };
    sqlx::query(&format!(
        "INSERT INTO notifications ({NOTIFICATION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    ))
    .bind(n.id.clone())
    .bind(n.company_id.to_string())
    .bind(n.user_id.to_string())
    .bind(n.kind.clone())
    .bind(json(&b)?)
    .bind(n.created_at.millis())
    .bind(n.read_at.map(Timestamp::millis))
    .bind(n.mailed_at.map(Timestamp::millis))
    .execute(&mut **tx)
    .await
    .map(|_| ())
    .map_err(db_err)
}

pub(crate) async fn notifications(
    tx: &mut SqlTx,
    user: UserId,
    limit: u32,
) -> Result<Vec<NotificationRecord>, StoreError> {
    sqlx::query(&format!(
        "SELECT {NOTIFICATION_COLUMNS} FROM notifications WHERE user_id = $1 ORDER BY created_at DESC, id LIMIT $2"
    ))
    .bind(user.to_string())
    .bind(i64::from(limit))
    .fetch_all(&mut **tx)
    .await
    .map_err(db_err)?
    .iter()
    .map(notification_row)
    .collect()
}

pub(crate) async fn mark_read(tx: &mut SqlTx, user: UserId, now: Timestamp) -> Result<u64, StoreError> {
    sqlx::query("UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL")
        .bind(user.to_string())
        .bind(now.millis())
        .execute(&mut **tx)
        .await
        .map(|r| r.rows_affected())
        .map_err(db_err)
}

pub(crate) async fn unmailed(tx: &mut SqlTx, before: Timestamp) -> Result<Vec<NotificationRecord>, StoreError> {
    sqlx::query(&format!(
        "SELECT {NOTIFICATION_COLUMNS} FROM notifications WHERE mailed_at IS NULL AND created_at <= $1 \
         ORDER BY user_id, created_at, id LIMIT 10000"
    ))
    .bind(before.millis())
    .fetch_all(&mut **tx)
    .await
    .map_err(db_err)?
    .iter()
    .map(notification_row)
    .collect()
}

pub(crate) async fn mark_mailed(tx: &mut SqlTx, ids: &[String], now: Timestamp) -> Result<(), StoreError> {
    for nid in ids {
        sqlx::query("UPDATE notifications SET mailed_at = $2 WHERE id = $1")
            .bind(nid.clone())
            .bind(now.millis())
            .execute(&mut **tx)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

pub(crate) async fn insert_outbox(tx: &mut SqlTx, m: &OutboxRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO outbox (id, recipient, subject, body, created_at, sent_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(m.id.clone())
    .bind(m.recipient.clone())
    .bind(m.subject.clone())
    .bind(m.body.clone())
    .bind(m.created_at.millis())
    .bind(m.sent_at.map(Timestamp::millis))
    .execute(&mut **tx)
    .await
    .map(|_| ())
    .map_err(db_err)
}

pub(crate) async fn outbox(tx: &mut SqlTx, limit: u32) -> Result<Vec<OutboxRecord>, StoreError> {
    sqlx::query(
        "SELECT id, recipient, subject, body, created_at, sent_at FROM outbox ORDER BY created_at DESC, id LIMIT $1",
    )
    .bind(i64::from(limit))
    .fetch_all(&mut **tx)
    .await
    .map_err(db_err)?
    .iter()
    .map(|r| {
        Ok(OutboxRecord {
            id: text(r, "id")?,
            recipient: text(r, "recipient")?,
            subject: text(r, "subject")?,
            body: text(r, "body")?,
            created_at: ts(r, "created_at")?,
            sent_at: opt_ts(r, "sent_at")?,
        })
    })
    .collect()
}

// ------------------------------------------------------- reviews, deputies

pub(crate) async fn step_stats(
    tx: &mut SqlTx,
    company: CompanyId,
    key: &str,
) -> Result<Vec<(String, i64, i64)>, StoreError> {
    sqlx::query("SELECT step, reviewed, wrong FROM step_stats WHERE company_id = $1 AND process_key = $2 ORDER BY step")
        .bind(company.to_string())
        .bind(key.to_string())
        .fetch_all(&mut **tx)
        .await
        .map_err(db_err)?
        .iter()
        .map(|r| Ok((text(r, "step")?, int(r, "reviewed")?, int(r, "wrong")?)))
        .collect()
}

pub(crate) async fn record_review(
    tx: &mut SqlTx,
    company: CompanyId,
    key: &str,
    step: &str,
    right: bool,
) -> Result<(i64, i64), StoreError> {
    let wrong = i64::from(!right);
    sqlx::query(
        "INSERT INTO step_stats (company_id, process_key, step, reviewed, wrong) VALUES ($1, $2, $3, 1, $4) \
         ON CONFLICT (company_id, process_key, step) DO UPDATE \
         SET reviewed = step_stats.reviewed + 1, wrong = step_stats.wrong + $4",
    )
    .bind(company.to_string())
    .bind(key.to_string())
    .bind(step.to_string())
    .bind(wrong)
    .execute(&mut **tx)
    .await
    .map_err(db_err)?;
    let r =
        sqlx::query("SELECT reviewed, wrong FROM step_stats WHERE company_id = $1 AND process_key = $2 AND step = $3")
            .bind(company.to_string())
            .bind(key.to_string())
            .bind(step.to_string())
            .fetch_one(&mut **tx)
            .await
            .map_err(db_err)?;
    Ok((int(&r, "reviewed")?, int(&r, "wrong")?))
}

pub(crate) async fn set_substitute(
    tx: &mut SqlTx,
    company: CompanyId,
    user: &str,
    substitute: Option<(&str, Timestamp, Timestamp)>,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM substitutes WHERE company_id = $1 AND user_id = $2")
        .bind(company.to_string())
        .bind(user.to_string())
        .execute(&mut **tx)
        .await
        .map_err(db_err)?;
    if let Some((s, from, until)) = substitute {
        sqlx::query(
            "INSERT INTO substitutes (company_id, user_id, substitute_id, from_at, until_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(company.to_string())
        .bind(user.to_string())
        .bind(s.to_string())
        .bind(from.millis())
        .bind(until.millis())
        .execute(&mut **tx)
        .await
        .map_err(db_err)?;
    }
    Ok(())
}

pub(crate) async fn substitutes(
    tx: &mut SqlTx,
    company: CompanyId,
) -> Result<Vec<(String, String, Timestamp, Timestamp)>, StoreError> {
    sqlx::query("SELECT user_id, substitute_id, from_at, until_at FROM substitutes WHERE company_id = $1")
        .bind(company.to_string())
        .fetch_all(&mut **tx)
        .await
        .map_err(db_err)?
        .iter()
        .map(|r| {
            Ok((
                text(r, "user_id")?,
                text(r, "substitute_id")?,
                ts(r, "from_at")?,
                ts(r, "until_at")?,
            ))
        })
        .collect()
}

// --------------------------------------------------------------- invoices

const INVOICE_COLUMNS: &str =
    "id, company_id, document_id, partner_id, number, issue_date, gross_cents, state, body, created_at, updated_at";

fn invoice_row(r: &AnyRow) -> Result<IncomingInvoiceRecord, StoreError> {
    Ok(IncomingInvoiceRecord {
        id: text(r, "id")?,
        company_id: id(r, "incoming_invoices", "company_id")?,
        document_id: text(r, "document_id")?,
        partner_id: opt_text(r, "partner_id")?,
        number: opt_text(r, "number")?,
        issue_date: opt_text(r, "issue_date")?,
        gross_cents: opt_int(r, "gross_cents")?,
        state: text(r, "state")?,
        data: body(r, "incoming_invoices")?,
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
    })
}

pub(crate) async fn insert_invoice(tx: &mut SqlTx, i: &IncomingInvoiceRecord) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO incoming_invoices ({INVOICE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    ))
    .bind(i.id.clone())
    .bind(i.company_id.to_string())
    .bind(i.document_id.clone())
    .bind(i.partner_id.clone())
    .bind(i.number.clone())
    .bind(i.issue_date.clone())
    .bind(i.gross_cents)
    .bind(i.state.clone())
    .bind(json(&i.data)?)
    .bind(i.created_at.millis())
    .bind(i.updated_at.millis())
    .execute(&mut **tx)
    .await
    .map(|_| ())
    .map_err(db_err)
}

pub(crate) async fn update_invoice(tx: &mut SqlTx, i: &IncomingInvoiceRecord) -> Result<(), StoreError> {
    let r = sqlx::query(
        "UPDATE incoming_invoices SET partner_id = $3, number = $4, issue_date = $5, gross_cents = $6, state = $7, \
         body = $8, updated_at = $9 WHERE company_id = $1 AND id = $2",
    )
    .bind(i.company_id.to_string())
    .bind(i.id.clone())
    .bind(i.partner_id.clone())
    .bind(i.number.clone())
    .bind(i.issue_date.clone())
    .bind(i.gross_cents)
    .bind(i.state.clone())
    .bind(json(&i.data)?)
    .bind(i.updated_at.millis())
    .execute(&mut **tx)
    .await
    .map_err(db_err)?;
    if r.rows_affected() == 1 {
        Ok(())
    } else {
        Err(StoreError::Corrupt(format!("incoming invoice {} vanished", i.id)))
    }
}

async fn invoices_where(
    tx: &mut SqlTx,
    company: CompanyId,
    clause: &str,
    binds: &[String],
    limit: u32,
) -> Result<Vec<IncomingInvoiceRecord>, StoreError> {
    let sql = format!(
        "SELECT {INVOICE_COLUMNS} FROM incoming_invoices WHERE company_id = $1 AND {clause} \
         ORDER BY created_at DESC LIMIT {limit}"
    );
    let mut q = sqlx::query(&sql).bind(company.to_string());
    for b in binds {
        q = q.bind(b.clone());
    }
    q.fetch_all(&mut **tx)
        .await
        .map_err(db_err)?
        .iter()
        .map(invoice_row)
        .collect()
}

pub(crate) async fn invoice(
    tx: &mut SqlTx,
    company: CompanyId,
    iid: &str,
) -> Result<Option<IncomingInvoiceRecord>, StoreError> {
    Ok(invoices_where(tx, company, "id = $2", &[iid.to_string()], 1)
        .await?
        .pop())
}

pub(crate) async fn invoice_by_document(
    tx: &mut SqlTx,
    company: CompanyId,
    document: &str,
) -> Result<Option<IncomingInvoiceRecord>, StoreError> {
    Ok(
        invoices_where(tx, company, "document_id = $2", &[document.to_string()], 1)
            .await?
            .pop(),
    )
}

pub(crate) async fn invoice_duplicates(
    tx: &mut SqlTx,
    company: CompanyId,
    probe: &IncomingInvoiceRecord,
) -> Result<Vec<IncomingInvoiceRecord>, StoreError> {
    let mut found = Vec::new();
    if let (Some(p), Some(n)) = (&probe.partner_id, &probe.number) {
        found.extend(
            invoices_where(
                tx,
                company,
                "partner_id = $2 AND number = $3 AND id <> $4 AND state NOT IN ('rejected', 'duplicate')",
                &[p.clone(), n.clone(), probe.id.clone()],
                10,
            )
            .await?,
        );
    }
    if let (Some(g), Some(d)) = (probe.gross_cents, &probe.issue_date) {
        let sql = format!(
            "SELECT {INVOICE_COLUMNS} FROM incoming_invoices WHERE company_id = $1 AND gross_cents = $2 \
             AND issue_date = $3 AND id <> $4 AND state NOT IN ('rejected', 'duplicate') \
             AND ($5 = '' OR partner_id IS NULL OR partner_id = $5) ORDER BY created_at DESC, id LIMIT 10"
        );
        let rows = sqlx::query(&sql)
            .bind(company.to_string())
            .bind(g)
            .bind(d.clone())
            .bind(probe.id.clone())
            .bind(probe.partner_id.clone().unwrap_or_default())
            .fetch_all(&mut **tx)
            .await
            .map_err(db_err)?;
        for r in &rows {
            let i = invoice_row(r)?;
            if !found.iter().any(|f: &IncomingInvoiceRecord| f.id == i.id) {
                found.push(i);
            }
        }
    }
    Ok(found)
}

pub(crate) async fn partner_invoices(
    tx: &mut SqlTx,
    company: CompanyId,
    partner: &str,
    limit: u32,
) -> Result<Vec<IncomingInvoiceRecord>, StoreError> {
    invoices_where(
        tx,
        company,
        "partner_id = $2 AND state = 'posted'",
        &[partner.to_string()],
        limit,
    )
    .await
}
