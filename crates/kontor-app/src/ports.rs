//! Ports: what the application needs from the outside world. Adapters
//! implement them; the application never names a database or a file system.

use async_trait::async_trait;
use bytes::Bytes;
use kontor_core::{CompanyCode, CompanyId, JobId, Lang, PartnerId, Role, Timestamp, UserId, Username};
use thiserror::Error;

use crate::records::*;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum StoreError {
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("duplicate {0}")]
    Duplicate(String),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Other(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreBackend {
    Sqlite,
    Postgres,
}

/// The store: transactions plus the few operations that manage their own.
#[async_trait]
pub trait Store: Send + Sync {
    fn backend(&self) -> StoreBackend;
    /// A transaction that may write.
    async fn begin(&self) -> Result<Box<dyn Tx>, StoreError>;
    /// A transaction that only reads (SQLite: does not take the write lock).
    async fn begin_read(&self) -> Result<Box<dyn Tx>, StoreError>;
    /// Cheap round trip for readiness checks.
    async fn ping(&self) -> Result<(), StoreError>;
    /// Atomically takes the next due job, leasing it to `worker` until
    /// `lease_until`. Safe with many workers in many processes.
    async fn claim_job(
        &self,
        worker: &str,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> Result<Option<JobRecord>, StoreError>;
    /// Records how a claimed job ended; no-op if the lease was lost.
    async fn finish_job(
        &self,
        job: &JobRecord,
        worker: &str,
        started_at: Timestamp,
        outcome: &JobOutcome,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// Records how a claimed job ended and, with `lease_until`, claims the
    /// next due job in the same transaction (as `claim_job` would).
    async fn finish_job_and_claim(
        &self,
        job: &JobRecord,
        worker: &str,
        started_at: Timestamp,
        outcome: &JobOutcome,
        now: Timestamp,
        lease_until: Option<Timestamp>,
    ) -> Result<Option<JobRecord>, StoreError>;
    /// Structural checks of the database; returns the problems found.
    async fn integrity_problems(&self) -> Result<Vec<String>, StoreError>;
    /// Writes a consistent copy of the database to `path` (SQLite only).
    async fn snapshot_to(&self, path: &str) -> Result<(), StoreError>;
    fn pool_stats(&self) -> PoolStats;
}

/// One database transaction. Dropping it without `commit` rolls back.
/// Every method scoped to a company takes its `CompanyId`, and the adapter
/// filters by it, so no query can mix companies.
#[async_trait]
pub trait Tx: Send {
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;

    // users
    async fn insert_user(&mut self, user: &UserRecord) -> Result<(), StoreError>;
    async fn user_by_name(&mut self, name: &Username) -> Result<Option<UserRecord>, StoreError>;
    async fn user_by_id(&mut self, id: UserId) -> Result<Option<UserRecord>, StoreError>;
    async fn list_users(&mut self) -> Result<Vec<UserRecord>, StoreError>;
    async fn count_users(&mut self) -> Result<i64, StoreError>;
    async fn set_password(&mut self, id: UserId, hash: &str, now: Timestamp) -> Result<(), StoreError>;
    async fn set_user_lang(&mut self, id: UserId, lang: Lang, now: Timestamp) -> Result<(), StoreError>;

    // companies and memberships
    async fn insert_company(&mut self, company: &CompanyRecord) -> Result<(), StoreError>;
    async fn company_by_code(&mut self, code: &CompanyCode) -> Result<Option<CompanyRecord>, StoreError>;
    async fn list_companies(&mut self) -> Result<Vec<CompanyRecord>, StoreError>;
    /// Adds the role; adding an existing membership changes nothing.
    async fn add_membership(&mut self, user: UserId, company: CompanyId, role: Role) -> Result<(), StoreError>;
    /// The user's memberships with the stored role key: a built-in role's key
    /// or `custom:<key>`.
    async fn memberships_of(&mut self, user: UserId) -> Result<Vec<(CompanyRecord, String)>, StoreError>;
    /// Adds a membership in a custom role (`custom:<key>`).
    async fn add_custom_membership(&mut self, user: UserId, company: CompanyId, key: &str) -> Result<(), StoreError>;
    async fn custom_roles(&mut self, company: CompanyId) -> Result<Vec<CustomRoleRecord>, StoreError>;
    async fn upsert_custom_role(&mut self, role: &CustomRoleRecord) -> Result<(), StoreError>;

    // sessions
    async fn insert_session(&mut self, session: &SessionRecord) -> Result<(), StoreError>;
    async fn session_by_hash(&mut self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError>;
    async fn touch_session(&mut self, token_hash: &str, now: Timestamp) -> Result<(), StoreError>;
    async fn set_session_company(&mut self, token_hash: &str, company: CompanyId) -> Result<(), StoreError>;
    async fn delete_session(&mut self, token_hash: &str) -> Result<(), StoreError>;
    async fn delete_sessions_of(&mut self, user: UserId) -> Result<u64, StoreError>;
    /// Deletes sessions idle since before `idle_before` or created before `created_before`.
    async fn purge_sessions(&mut self, idle_before: Timestamp, created_before: Timestamp) -> Result<u64, StoreError>;

    // business partners
    async fn insert_partner(&mut self, partner: &PartnerRecord) -> Result<(), StoreError>;
    async fn partner(&mut self, company: CompanyId, id: PartnerId) -> Result<Option<PartnerRecord>, StoreError>;
    /// Partners of one company ordered by id, after the cursor `after`.
    async fn list_partners(
        &mut self,
        company: CompanyId,
        after: Option<PartnerId>,
        limit: u32,
    ) -> Result<Vec<PartnerRecord>, StoreError>;
    /// Replaces the partner's data if its stored version is `expected_version`;
    /// returns false (and changes nothing) otherwise.
    async fn update_partner(&mut self, partner: &PartnerRecord, expected_version: i64) -> Result<bool, StoreError>;

    /// Marks the partner's bank account as confirmed (and bumps its version)
    /// if the stored version is `expected_version`.
    async fn confirm_partner_bank(
        &mut self,
        company: CompanyId,
        id: PartnerId,
        by: &str,
        at: Timestamp,
        expected_version: i64,
    ) -> Result<bool, StoreError>;

    // separation of duties
    async fn insert_duty(&mut self, duty: &DutyRecord) -> Result<(), StoreError>;
    async fn duties_on(
        &mut self,
        company: CompanyId,
        object_type: &str,
        object_id: &str,
    ) -> Result<Vec<DutyRecord>, StoreError>;

    // audit trail
    /// Appends an event to the hash chain (see `crate::audit`): the store
    /// serialises appends, links the event to the last entry and stores
    /// both hashes.
    async fn append_audit(&mut self, event: &AuditEvent) -> Result<(), StoreError>;
    /// Stored entries with `seq > after_seq`, in sequence order.
    async fn audit_chain(&mut self, after_seq: i64, limit: u32) -> Result<Vec<StoredAuditEvent>, StoreError>;
    async fn list_audit(&mut self, company: Option<CompanyId>, limit: u32) -> Result<Vec<AuditEvent>, StoreError>;
    /// Entries matching the filter, newest first, with their sequence numbers.
    async fn search_audit(&mut self, filter: &AuditFilter) -> Result<Vec<StoredAuditEvent>, StoreError>;

    // API tokens
    async fn insert_api_token(&mut self, token: &ApiTokenRecord) -> Result<(), StoreError>;
    async fn api_token_by_hash(&mut self, token_hash: &str) -> Result<Option<ApiTokenRecord>, StoreError>;
    async fn api_tokens_of(&mut self, user: UserId) -> Result<Vec<ApiTokenRecord>, StoreError>;
    /// Revokes a token of `user`; false if there is no such active token.
    async fn revoke_api_token(
        &mut self,
        user: UserId,
        id: kontor_core::ApiTokenId,
        now: Timestamp,
    ) -> Result<bool, StoreError>;
    async fn touch_api_token(&mut self, id: kontor_core::ApiTokenId, now: Timestamp) -> Result<(), StoreError>;

    // two-factor sign-in
    /// Sets the TOTP secret and whether it is enabled; resets the replay step.
    async fn set_totp(
        &mut self,
        user: UserId,
        secret: Option<&str>,
        enabled: bool,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// Replaces the stored (sealed) TOTP secret only (key rotation).
    async fn reseal_totp(&mut self, user: UserId, secret: &str) -> Result<(), StoreError>;
    /// Records `step` as used if it is newer than the last used one.
    async fn advance_totp_step(&mut self, user: UserId, step: i64) -> Result<bool, StoreError>;
    async fn replace_recovery_codes(&mut self, user: UserId, hashes: &[String]) -> Result<(), StoreError>;
    /// Marks an unused recovery code as used; false if there is none.
    async fn use_recovery_code(&mut self, user: UserId, hash: &str, now: Timestamp) -> Result<bool, StoreError>;
    async fn role_policies(&mut self) -> Result<Vec<(Role, bool)>, StoreError>;
    async fn set_role_policy(&mut self, role: Role, require_2fa: bool) -> Result<(), StoreError>;
    /// The session may be used normally (two-factor sign-in is set up).
    async fn end_enrollment(&mut self, token_hash: &str) -> Result<(), StoreError>;

    // employees (company-scoped)
    // Ledger (finance).
    /// The company's chart of accounts (`skr03` or `skr04`).
    async fn company_chart(&mut self, company: CompanyId) -> Result<String, StoreError>;
    async fn set_company_chart(&mut self, company: CompanyId, chart: &str) -> Result<(), StoreError>;
    /// DATEV Beraternummer and Mandantennummer remembered for the company.
    async fn ledger_datev_ids(&mut self, company: CompanyId) -> Result<Option<(u32, u32)>, StoreError>;
    async fn set_ledger_datev_ids(&mut self, company: CompanyId, berater: u32, mandant: u32) -> Result<(), StoreError>;
    /// Reserves `n` consecutive journal numbers; returns the first. Gapless:
    /// the counter moves with the transaction.
    async fn ledger_allocate_numbers(&mut self, company: CompanyId, n: i64) -> Result<i64, StoreError>;
    /// Which of these import keys are already in the journal.
    async fn ledger_existing_import_keys(
        &mut self,
        company: CompanyId,
        keys: &[String],
    ) -> Result<Vec<String>, StoreError>;
    /// Inserts entries with their postings and updates the monthly sums.
    /// Shared, not borrowed: a bulk insert encodes its statements on
    /// another thread while it writes.
    async fn ledger_insert(&mut self, entries: std::sync::Arc<[LedgerEntryRecord]>) -> Result<(), StoreError>;
    async fn ledger_entry(&mut self, company: CompanyId, id: &str) -> Result<Option<LedgerEntryRecord>, StoreError>;
    /// The id of the entry that reverses `id`, if any.
    async fn ledger_reversal_of(&mut self, company: CompanyId, id: &str) -> Result<Option<String>, StoreError>;
    /// Entries of the periods `from..=to` (yyyymm), in journal order, after `after_number`.
    async fn ledger_entries(
        &mut self,
        company: CompanyId,
        from_period: u32,
        to_period: u32,
        after_number: i64,
        limit: u32,
    ) -> Result<Vec<LedgerEntryRecord>, StoreError>;
    /// Totals per account from the monthly sums of the periods `from..=to`.
    async fn ledger_sums(
        &mut self,
        company: CompanyId,
        from_period: u32,
        to_period: u32,
    ) -> Result<Vec<LedgerSumRow>, StoreError>;
    /// Totals per account over the whole journal.
    async fn ledger_totals(&mut self, company: CompanyId) -> Result<Vec<LedgerSumRow>, StoreError>;
    /// Totals per account from the postings of the days `from..=to` (for
    /// partial months).
    async fn ledger_day_sums(
        &mut self,
        company: CompanyId,
        from_day: i32,
        to_day: i32,
    ) -> Result<Vec<LedgerSumRow>, StoreError>;
    /// Fixes every draft entry of the periods up to `period`; returns how many.
    async fn ledger_fix(&mut self, company: CompanyId, up_to_period: u32, now: Timestamp) -> Result<u64, StoreError>;
    async fn ledger_close_period(
        &mut self,
        company: CompanyId,
        period: u32,
        by: &str,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    async fn ledger_closed_periods(&mut self, company: CompanyId) -> Result<Vec<u32>, StoreError>;
    /// Postings of one account on the days `from..=to`, in date and journal order.
    async fn ledger_account_postings(
        &mut self,
        company: CompanyId,
        account: u32,
        from_day: i32,
        to_day: i32,
        limit: u32,
    ) -> Result<Vec<LedgerPostingRow>, StoreError>;
    /// Of these entry ids, the ones already sent to DATEV.
    async fn ledger_datev_exported(&mut self, company: CompanyId, ids: &[String]) -> Result<Vec<String>, StoreError>;
    /// Records that these entries went out in export `export_id`.
    async fn ledger_mark_datev_exported(
        &mut self,
        company: CompanyId,
        ids: &[String],
        export_id: &str,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    async fn insert_employee(&mut self, employee: &EmployeeRecord) -> Result<(), StoreError>;
    async fn employee(
        &mut self,
        company: CompanyId,
        id: kontor_core::EmployeeId,
    ) -> Result<Option<EmployeeRecord>, StoreError>;
    async fn list_employees(&mut self, company: CompanyId) -> Result<Vec<EmployeeRecord>, StoreError>;
    async fn update_employee(&mut self, employee: &EmployeeRecord, expected_version: i64) -> Result<bool, StoreError>;
    /// Replaces the sealed fields of one employee (key rotation); nothing else changes.
    async fn reseal_employee(&mut self, id: kontor_core::EmployeeId, sealed: &SealedHr) -> Result<(), StoreError>;
    /// Links the employee to a user account (or unlinks it); false if no such employee.
    async fn set_employee_user(
        &mut self,
        company: CompanyId,
        id: kontor_core::EmployeeId,
        user: Option<UserId>,
    ) -> Result<bool, StoreError>;
    /// Sets restriction/erasure state (and bumps the version).
    async fn set_employee_privacy(
        &mut self,
        company: CompanyId,
        id: kontor_core::EmployeeId,
        privacy: &EmployeePrivacy,
    ) -> Result<bool, StoreError>;
    async fn delete_employee_documents(
        &mut self,
        company: CompanyId,
        employee: kontor_core::EmployeeId,
    ) -> Result<u64, StoreError>;
    /// How many stored records reference the blob (before deleting it).
    async fn blob_references(&mut self, blob: &str) -> Result<i64, StoreError>;
    /// Inserts an archive document; `Duplicate` if the company has that
    /// content already.
    async fn insert_document(&mut self, d: &crate::records::DocumentRecord) -> Result<(), StoreError>;
    async fn document(
        &mut self,
        company: CompanyId,
        id: &str,
    ) -> Result<Option<crate::records::DocumentRecord>, StoreError>;
    async fn document_by_blob(
        &mut self,
        company: CompanyId,
        blob: &str,
    ) -> Result<Option<crate::records::DocumentRecord>, StoreError>;
    /// Documents in id (= arrival) order after `after`.
    async fn list_documents(
        &mut self,
        company: CompanyId,
        after: &str,
        limit: u32,
    ) -> Result<Vec<crate::records::DocumentRecord>, StoreError>;
    /// Writes a document's changeable fields (everything but the original
    /// and how it arrived).
    async fn update_document(&mut self, d: &crate::records::DocumentRecord) -> Result<(), StoreError>;
    /// Replaces a document's extracted text and its full-text index entry.
    async fn put_document_text(
        &mut self,
        document_id: &str,
        method: &str,
        pages: i64,
        text: &str,
        index: &kontor_documents::search::IndexText,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// The extracted text: (method, pages, text).
    async fn document_text(&mut self, document_id: &str) -> Result<Option<(String, i64, String)>, StoreError>;
    /// Removes the text and index entry (deletion after retention).
    async fn delete_document_text(&mut self, document_id: &str) -> Result<(), StoreError>;
    /// One page of matches and the number of all matches.
    async fn search_documents(
        &mut self,
        q: &crate::records::DocumentQuery,
    ) -> Result<(Vec<crate::records::DocumentRecord>, i64), StoreError>;
    /// All versions of a document, oldest first.
    async fn document_versions(
        &mut self,
        company: CompanyId,
        first_id: &str,
    ) -> Result<Vec<crate::records::DocumentRecord>, StoreError>;
    /// Documents whose retention ended before `year` began, not on hold,
    /// not deleted.
    async fn documents_past_retention(
        &mut self,
        company: CompanyId,
        year: i32,
        limit: u32,
    ) -> Result<Vec<crate::records::DocumentRecord>, StoreError>;
    async fn document_rules(
        &mut self,
        company: CompanyId,
    ) -> Result<Vec<crate::records::DocumentRuleRecord>, StoreError>;
    async fn insert_document_rule(&mut self, rule: &crate::records::DocumentRuleRecord) -> Result<(), StoreError>;
    async fn delete_document_rule(&mut self, company: CompanyId, id: &str) -> Result<bool, StoreError>;
    /// Counts one confirmation of `field = value` for a document with `key`.
    async fn learn_document(
        &mut self,
        company: CompanyId,
        key: &str,
        field: &str,
        value: &str,
    ) -> Result<(), StoreError>;
    /// What was learned for these keys: (key, field, value, count).
    async fn document_learning(
        &mut self,
        company: CompanyId,
        keys: &[String],
    ) -> Result<Vec<(String, String, String, i64)>, StoreError>;
    /// A derived file's blob (e.g. `thumbnail`), if made.
    async fn document_derived(&mut self, document_id: &str, kind: &str) -> Result<Option<String>, StoreError>;
    async fn put_document_derived(
        &mut self,
        document_id: &str,
        kind: &str,
        blob: &str,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// Removes the derived files' records; returns their blobs.
    async fn delete_document_derived(&mut self, document_id: &str) -> Result<Vec<String>, StoreError>;
    /// The attachments that came with an e-mail document.
    async fn document_children(
        &mut self,
        company: CompanyId,
        parent_id: &str,
    ) -> Result<Vec<crate::records::DocumentRecord>, StoreError>;
    async fn mail_account(&mut self, company: CompanyId) -> Result<Option<MailAccountRecord>, StoreError>;
    async fn mail_accounts(&mut self) -> Result<Vec<MailAccountRecord>, StoreError>;
    async fn put_mail_account(&mut self, a: &MailAccountRecord) -> Result<(), StoreError>;
    async fn set_mail_poll_result(
        &mut self,
        company: CompanyId,
        at: Timestamp,
        error: Option<&str>,
        count: i64,
    ) -> Result<(), StoreError>;
    async fn employee_of_user(
        &mut self,
        company: CompanyId,
        user: UserId,
    ) -> Result<Option<EmployeeRecord>, StoreError>;
    async fn insert_employee_document(&mut self, doc: &EmployeeDocumentRecord) -> Result<(), StoreError>;
    /// The personnel file of one employee, newest first.
    async fn employee_documents(
        &mut self,
        company: CompanyId,
        employee: kontor_core::EmployeeId,
    ) -> Result<Vec<EmployeeDocumentRecord>, StoreError>;
    async fn employee_document(
        &mut self,
        company: CompanyId,
        id: kontor_core::EmployeeDocumentId,
    ) -> Result<Option<EmployeeDocumentRecord>, StoreError>;
    /// Sealed canaries per master key id.
    async fn key_checks(&mut self) -> Result<Vec<(String, String)>, StoreError>;
    async fn insert_key_check(&mut self, key_id: &str, sealed: &str, now: Timestamp) -> Result<(), StoreError>;

    // external partner access
    async fn insert_grant(&mut self, grant: &PartnerGrantRecord) -> Result<(), StoreError>;
    async fn grant(
        &mut self,
        company: CompanyId,
        id: kontor_core::GrantId,
    ) -> Result<Option<PartnerGrantRecord>, StoreError>;
    async fn grant_by_invite(&mut self, invite_hash: &str) -> Result<Option<PartnerGrantRecord>, StoreError>;
    async fn grants_of_company(&mut self, company: CompanyId) -> Result<Vec<PartnerGrantRecord>, StoreError>;
    /// Grants accepted by `user`, with their company, whatever their state.
    async fn grants_of_user(&mut self, user: UserId) -> Result<Vec<(CompanyRecord, PartnerGrantRecord)>, StoreError>;
    /// Binds an open invitation to `user` and uses up its link; false if it
    /// was accepted or revoked meanwhile.
    async fn accept_grant(
        &mut self,
        id: kontor_core::GrantId,
        user: UserId,
        now: Timestamp,
    ) -> Result<bool, StoreError>;
    /// Revokes a grant; false if it was already revoked.
    async fn revoke_grant(
        &mut self,
        company: CompanyId,
        id: kontor_core::GrantId,
        now: Timestamp,
    ) -> Result<bool, StoreError>;

    // sign-in throttling
    async fn throttle(&mut self, key: &str) -> Result<Option<ThrottleRecord>, StoreError>;
    async fn put_throttle(&mut self, record: &ThrottleRecord) -> Result<(), StoreError>;
    /// Forgets the failures of `key`; true if there were any.
    async fn clear_throttle(&mut self, key: &str) -> Result<bool, StoreError>;
    /// Keys locked at `now`.
    async fn locked_throttles(&mut self, now: Timestamp) -> Result<Vec<ThrottleRecord>, StoreError>;

    // jobs
    async fn enqueue_job(&mut self, job: &NewJob) -> Result<(), StoreError>;
    async fn job(&mut self, id: JobId) -> Result<Option<JobRecord>, StoreError>;
    async fn list_jobs(&mut self, state: Option<JobState>, limit: u32) -> Result<Vec<JobRecord>, StoreError>;
    async fn job_counts(&mut self) -> Result<JobCounts, StoreError>;
    async fn job_runs(&mut self, job: JobId) -> Result<Vec<JobRun>, StoreError>;
    /// Puts a dead job back in the queue; false if it is not dead.
    async fn requeue_dead_job(&mut self, id: JobId, now: Timestamp) -> Result<bool, StoreError>;
    /// Whether a queued or running job of this kind exists.
    async fn pending_job_of_kind(&mut self, kind: &str) -> Result<bool, StoreError>;

    // workflow (kontor-store/src/workflow.rs)
    async fn insert_process_def(&mut self, d: &crate::records::ProcessDefRecord) -> Result<(), StoreError>;
    /// Every version of a company's process, oldest first.
    async fn process_defs(
        &mut self,
        company: CompanyId,
        key: &str,
    ) -> Result<Vec<crate::records::ProcessDefRecord>, StoreError>;
    /// `Duplicate` if the company has an instance of the process for the subject.
    async fn insert_instance(&mut self, i: &crate::records::InstanceRecord) -> Result<(), StoreError>;
    async fn update_instance(&mut self, i: &crate::records::InstanceRecord) -> Result<(), StoreError>;
    async fn instance(
        &mut self,
        company: CompanyId,
        id: &str,
    ) -> Result<Option<crate::records::InstanceRecord>, StoreError>;
    async fn instance_by_subject(
        &mut self,
        company: CompanyId,
        key: &str,
        subject: &str,
    ) -> Result<Option<crate::records::InstanceRecord>, StoreError>;
    /// Newest first.
    async fn list_instances(
        &mut self,
        company: CompanyId,
        state: Option<&str>,
        limit: u32,
    ) -> Result<Vec<crate::records::InstanceRecord>, StoreError>;
    /// (process, state, count) of a company's instances.
    async fn instance_counts(&mut self, company: CompanyId) -> Result<Vec<(String, String, i64)>, StoreError>;
    async fn insert_process_events(&mut self, events: &[crate::records::ProcessEventRecord]) -> Result<(), StoreError>;
    /// Events in log order after `after_seq`, with their sequence numbers.
    async fn process_events(
        &mut self,
        company: CompanyId,
        instance: Option<&str>,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<(i64, crate::records::ProcessEventRecord)>, StoreError>;
    async fn insert_task(&mut self, t: &crate::records::TaskRecord) -> Result<(), StoreError>;
    async fn update_task(&mut self, t: &crate::records::TaskRecord) -> Result<(), StoreError>;
    async fn task(&mut self, company: CompanyId, id: &str) -> Result<Option<crate::records::TaskRecord>, StoreError>;
    /// Open tasks assigned to `assignee` or unassigned for one of `roles`;
    /// with neither, every open task. Most urgent first.
    async fn open_tasks(
        &mut self,
        company: CompanyId,
        assignee: Option<&str>,
        roles: &[String],
        limit: u32,
    ) -> Result<Vec<crate::records::TaskRecord>, StoreError>;
    async fn instance_tasks(
        &mut self,
        company: CompanyId,
        instance: &str,
    ) -> Result<Vec<crate::records::TaskRecord>, StoreError>;
    /// Open tasks of every company due at or before `now`.
    async fn overdue_tasks(
        &mut self,
        now: Timestamp,
        limit: u32,
    ) -> Result<Vec<crate::records::TaskRecord>, StoreError>;
    async fn insert_comment(&mut self, c: &crate::records::CommentRecord) -> Result<(), StoreError>;
    async fn comments(
        &mut self,
        company: CompanyId,
        object_type: &str,
        object_id: &str,
    ) -> Result<Vec<crate::records::CommentRecord>, StoreError>;
    async fn insert_notification(&mut self, n: &crate::records::NotificationRecord) -> Result<(), StoreError>;
    /// A person's notifications, newest first.
    async fn notifications(
        &mut self,
        user: UserId,
        limit: u32,
    ) -> Result<Vec<crate::records::NotificationRecord>, StoreError>;
    async fn mark_notifications_read(&mut self, user: UserId, now: Timestamp) -> Result<u64, StoreError>;
    /// Notifications not yet mailed, created at or before `before`.
    async fn unmailed_notifications(
        &mut self,
        before: Timestamp,
    ) -> Result<Vec<crate::records::NotificationRecord>, StoreError>;
    async fn mark_notifications_mailed(&mut self, ids: &[String], now: Timestamp) -> Result<(), StoreError>;
    async fn insert_outbox(&mut self, m: &crate::records::OutboxRecord) -> Result<(), StoreError>;
    /// Newest first.
    async fn outbox(&mut self, limit: u32) -> Result<Vec<crate::records::OutboxRecord>, StoreError>;
    /// (step, reviewed, wrong) of a company's process.
    async fn step_stats(&mut self, company: CompanyId, key: &str) -> Result<Vec<(String, i64, i64)>, StoreError>;
    /// Counts one review; returns the step's (reviewed, wrong) after it.
    async fn record_review(
        &mut self,
        company: CompanyId,
        key: &str,
        step: &str,
        right: bool,
    ) -> Result<(i64, i64), StoreError>;
    /// Sets (or with `None` removes) who stands in for `user` in a window.
    async fn set_substitute(
        &mut self,
        company: CompanyId,
        user: &str,
        substitute: Option<(&str, Timestamp, Timestamp)>,
    ) -> Result<(), StoreError>;
    /// (user, substitute, from, until) of a company.
    async fn substitutes(
        &mut self,
        company: CompanyId,
    ) -> Result<Vec<(String, String, Timestamp, Timestamp)>, StoreError>;
    async fn insert_invoice(&mut self, i: &crate::records::IncomingInvoiceRecord) -> Result<(), StoreError>;
    async fn update_invoice(&mut self, i: &crate::records::IncomingInvoiceRecord) -> Result<(), StoreError>;
    async fn invoice(
        &mut self,
        company: CompanyId,
        id: &str,
    ) -> Result<Option<crate::records::IncomingInvoiceRecord>, StoreError>;
    async fn invoice_by_document(
        &mut self,
        company: CompanyId,
        document: &str,
    ) -> Result<Option<crate::records::IncomingInvoiceRecord>, StoreError>;
    /// Other invoices (not `except`, not rejected) of the same supplier and
    /// number, or of the same amount and date.
    async fn invoice_duplicates(
        &mut self,
        company: CompanyId,
        probe: &crate::records::IncomingInvoiceRecord,
    ) -> Result<Vec<crate::records::IncomingInvoiceRecord>, StoreError>;
    /// A supplier's posted invoices, newest first.
    async fn partner_invoices(
        &mut self,
        company: CompanyId,
        partner: &str,
        limit: u32,
    ) -> Result<Vec<crate::records::IncomingInvoiceRecord>, StoreError>;

    // Banking (docs/banking.md).
    async fn insert_bank_account(&mut self, a: &crate::records::BankAccountRecord) -> Result<(), StoreError>;
    async fn update_bank_account(&mut self, a: &crate::records::BankAccountRecord) -> Result<(), StoreError>;
    async fn bank_accounts(&mut self, company: CompanyId)
        -> Result<Vec<crate::records::BankAccountRecord>, StoreError>;
    async fn insert_bank_statement(&mut self, s: &crate::records::BankStatementRecord) -> Result<(), StoreError>;
    async fn bank_statement_by_fingerprint(
        &mut self,
        company: CompanyId,
        fingerprint: &str,
    ) -> Result<Option<crate::records::BankStatementRecord>, StoreError>;
    /// Newest closing date first.
    async fn bank_statements(
        &mut self,
        company: CompanyId,
        account: &str,
        limit: u32,
    ) -> Result<Vec<crate::records::BankStatementRecord>, StoreError>;
    async fn insert_bank_lines(&mut self, lines: &[crate::records::BankLineRecord]) -> Result<(), StoreError>;
    async fn update_bank_line(&mut self, l: &crate::records::BankLineRecord) -> Result<(), StoreError>;
    async fn bank_line(
        &mut self,
        company: CompanyId,
        id: &str,
    ) -> Result<Option<crate::records::BankLineRecord>, StoreError>;
    /// Lines of a company (optionally one account, one state), by booking
    /// date then id.
    async fn bank_lines(
        &mut self,
        company: CompanyId,
        account: Option<&str>,
        state: Option<&str>,
        limit: u32,
    ) -> Result<Vec<crate::records::BankLineRecord>, StoreError>;
    /// Which of `keys` an account already has.
    async fn bank_line_keys(
        &mut self,
        company: CompanyId,
        account: &str,
        keys: &[String],
    ) -> Result<Vec<String>, StoreError>;
    async fn insert_payment_run(&mut self, r: &crate::records::PaymentRunRecord) -> Result<(), StoreError>;
    async fn update_payment_run(&mut self, r: &crate::records::PaymentRunRecord) -> Result<(), StoreError>;
    async fn payment_run(
        &mut self,
        company: CompanyId,
        id: &str,
    ) -> Result<Option<crate::records::PaymentRunRecord>, StoreError>;
    async fn insert_dunning_notices(&mut self, n: &[crate::records::DunningNoticeRecord]) -> Result<(), StoreError>;
    /// Newest first.
    async fn dunning_notices(
        &mut self,
        company: CompanyId,
        limit: u32,
    ) -> Result<Vec<crate::records::DunningNoticeRecord>, StoreError>;
    /// Newest first.
    async fn payment_runs(
        &mut self,
        company: CompanyId,
        limit: u32,
    ) -> Result<Vec<crate::records::PaymentRunRecord>, StoreError>;
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum BlobError {
    #[error("blob {0} not found")]
    NotFound(String),
    #[error("blob {0} is damaged: its content does not match its hash")]
    Damaged(String),
    #[error("blob store error: {0}")]
    Backend(String),
}

/// Name of a stored object: the lower-case hex SHA-256 of its content.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlobRef(String);

impl BlobRef {
    pub fn parse(s: &str) -> Option<Self> {
        (s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
            .then(|| Self(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Write-once, content-addressed object storage for originals (documents,
/// e-invoices, exports). Objects are never overwritten or changed.
#[async_trait]
pub trait BlobStore: Send + Sync {
    /// Stores `bytes`; storing the same content twice keeps one object.
    async fn put(&self, bytes: Bytes) -> Result<BlobRef, BlobError>;
    /// Reads an object and verifies its hash.
    async fn get(&self, blob: &BlobRef) -> Result<Bytes, BlobError>;
    async fn exists(&self, blob: &BlobRef) -> Result<bool, BlobError>;
    async fn list(&self) -> Result<Vec<BlobRef>, BlobError>;
    /// Removes an object. Only for erasure once every retention duty for it
    /// has ended (DSGVO Art. 17); the caller checks nothing else uses it.
    async fn delete(&self, blob: &BlobRef) -> Result<(), BlobError>;
    /// Where the objects live, for `config show` and logs (no secrets).
    fn describe(&self) -> String;
}

/// Source of secure randomness (session tokens, generated passwords).
pub trait Random: Send + Sync {
    fn fill(&self, buf: &mut [u8]);
}

impl BlobRef {
    /// The reference a given content gets.
    pub fn of(content: &[u8]) -> Self {
        use sha2::{Digest, Sha256};
        Self(hex::encode(Sha256::digest(content)))
    }
}

/// One plain-text mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
}

/// Sends mail (SMTP in production).
#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, mail: &Mail) -> Result<(), String>;
}

/// Text read out of a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtractedText {
    pub text: String,
    pub pages: i64,
}

/// Why no text could be read.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ExtractError {
    /// The file itself is broken or not what it claims: retrying will not help.
    #[error("{0}")]
    Unreadable(String),
    /// A tool is missing, timed out or crashed: worth retrying later.
    #[error("{0}")]
    Unavailable(String),
}

/// Reads text out of originals: a PDF's text layer, and OCR (German and
/// English) of images and scanned PDFs. Production uses Poppler and
/// Tesseract (kontor-extract).
#[async_trait]
pub trait TextExtractor: Send + Sync {
    /// The text layer of a PDF (empty when it has none).
    async fn pdf_text(&self, pdf: Bytes) -> Result<ExtractedText, ExtractError>;
    /// OCR of an image (PNG, JPEG, TIFF) or of every page of a PDF.
    async fn ocr(&self, media: kontor_documents::MediaType, content: Bytes) -> Result<ExtractedText, ExtractError>;
    /// A small PNG of a PDF's first page.
    async fn thumbnail(&self, pdf: Bytes) -> Result<Bytes, ExtractError>;
}

/// Where a company's mailbox is and how to log in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailboxSpec {
    /// `imap://host:143` (STARTTLS is not used: loopback or trusted
    /// networks only) or `imaps://host:993`.
    pub url: String,
    pub username: String,
    pub password: String,
    pub folder: String,
    pub done_folder: String,
}

/// Reads a mailbox (IMAP in production, kontor's `imap` adapter).
#[async_trait]
pub trait MailClient: Send + Sync {
    async fn connect(&self, spec: &MailboxSpec) -> Result<Box<dyn MailSession>, String>;
}

/// An open mailbox: the messages waiting in the folder, each fetched and
/// then moved to the done folder once kontor has stored it.
#[async_trait]
pub trait MailSession: Send {
    /// Ids (IMAP UIDs) of the messages in the folder, oldest first.
    async fn pending(&mut self) -> Result<Vec<u32>, String>;
    async fn fetch(&mut self, uid: u32) -> Result<Bytes, String>;
    /// The message is stored: move it out of the folder.
    async fn done(&mut self, uid: u32) -> Result<(), String>;
    async fn close(self: Box<Self>);
}
