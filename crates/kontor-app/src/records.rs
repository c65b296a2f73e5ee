//! Records the store keeps. They are plain application types, independent of
//! any row layout; the store adapter converts its rows into them by hand.

use kontor_core::{
    AuditEventId, CompanyCode, CompanyId, CompanyName, JobId, Lang, PartnerDraft, PartnerId, Timestamp, UserId,
    Username,
};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRecord {
    pub id: UserId,
    pub username: Username,
    pub display_name: String,
    pub password_hash: String,
    pub lang: Lang,
    pub system_admin: bool,
    pub disabled: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Base32 TOTP secret, set while enrolling and once enabled.
    pub totp_secret: Option<String>,
    pub totp_enabled: bool,
    /// The last 30-second step whose code was accepted (replay protection).
    pub totp_last_step: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompanyRecord {
    pub id: CompanyId,
    pub code: CompanyCode,
    pub name: CompanyName,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    /// SHA-256 of the session token; the token itself is never stored.
    pub token_hash: String,
    pub user_id: UserId,
    pub csrf_token: String,
    pub company_id: Option<CompanyId>,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    /// The person must set up two-factor sign-in before doing anything else.
    pub enroll_only: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartnerRecord {
    pub id: PartnerId,
    pub company_id: CompanyId,
    pub data: PartnerDraft,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Incremented on every change; the HTTP adapter exposes it as the ETag.
    pub version: i64,
    /// Who confirmed the bank account (a second person) and when; `None`
    /// while the account is new or changed and not yet confirmed.
    pub bank_confirmed: Option<(String, Timestamp)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEvent {
    pub id: AuditEventId,
    pub company_id: Option<CompanyId>,
    /// `user:NAME`, `cli:OSUSER`, `system:WHAT`, `anonymous:NAME`.
    pub actor: String,
    pub action: String,
    /// What kind of object the action is about (`partner`, `user`, …).
    pub object_type: String,
    /// The object's id or name.
    pub subject: String,
    pub detail: String,
    /// The client's network address, for actions that came over HTTP.
    pub client_addr: Option<String>,
    pub at: Timestamp,
    /// Digests of the state before and after, and the changed fields (JSON,
    /// see `crate::audit::Change`); `None` for actions that change no record.
    pub change: Option<String>,
}

/// Which audit entries to list (all conditions must hold).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub company: Option<CompanyId>,
    pub object_type: Option<String>,
    pub subject: Option<String>,
    /// Matches actors containing this text (e.g. a user name).
    pub actor: Option<String>,
    /// Matches actions starting with this text (e.g. `partner.`).
    pub action: Option<String>,
    pub from: Option<Timestamp>,
    /// Exclusive.
    pub to: Option<Timestamp>,
    /// Only entries older than this sequence number (paging).
    pub before_seq: Option<i64>,
    pub limit: u32,
}

/// An audit event as stored: with its place in the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredAuditEvent {
    pub seq: i64,
    pub event: AuditEvent,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JobState {
    Queued,
    Running,
    Done,
    Dead,
}

impl JobState {
    pub fn key(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Dead => "dead",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [JobState::Queued, JobState::Running, JobState::Done, JobState::Dead]
            .into_iter()
            .find(|j| j.key() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewJob {
    pub id: JobId,
    pub company_id: Option<CompanyId>,
    pub kind: String,
    pub payload: String,
    pub run_at: Timestamp,
    pub max_attempts: i64,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobRecord {
    pub id: JobId,
    pub company_id: Option<CompanyId>,
    pub kind: String,
    pub payload: String,
    pub state: JobState,
    pub attempts: i64,
    pub max_attempts: i64,
    pub run_at: Timestamp,
    pub locked_by: Option<String>,
    pub locked_until: Option<Timestamp>,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// How one execution of a job ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobOutcome {
    Done,
    /// Failed; run again at `retry_at` unless attempts are used up.
    Failed {
        error: String,
        retry_at: Timestamp,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobRun {
    pub job_id: JobId,
    pub worker: String,
    pub attempt: i64,
    pub started_at: Timestamp,
    pub finished_at: Timestamp,
    pub outcome: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JobCounts {
    pub queued: i64,
    pub running: i64,
    pub done: i64,
    pub dead: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PoolStats {
    pub size: u32,
    pub idle: u32,
}

/// Failed sign-ins under one key: `user:NAME` or `addr:IP`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThrottleRecord {
    pub key: String,
    pub failures: i64,
    /// Sign-in is refused for this key until then.
    pub locked_until: Timestamp,
    pub last_failure_at: Timestamp,
}

/// An API token: one company, a set of permissions, an expiry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiTokenRecord {
    pub id: kontor_core::ApiTokenId,
    pub user_id: UserId,
    pub company_id: CompanyId,
    pub name: String,
    pub permissions: Vec<kontor_core::Permission>,
    /// SHA-256 of the token; the token itself is shown once and never stored.
    pub token_hash: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

/// Sensitive HR fields as stored: each sealed with the master key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SealedHr {
    pub tax_id: Option<String>,
    pub sv_number: Option<String>,
    pub iban: Option<String>,
    pub health_insurance: Option<String>,
    pub denomination: Option<String>,
    pub disability: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmployeeRecord {
    pub id: kontor_core::EmployeeId,
    pub company_id: CompanyId,
    pub personnel_number: String,
    pub first_name: String,
    pub last_name: String,
    pub street: Option<String>,
    pub postcode: Option<String>,
    pub city: Option<String>,
    pub entry_date: String,
    pub steuerklasse: i64,
    pub children_tenths: i64,
    pub sealed: SealedHr,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: i64,
    /// The employee's own kontor account: sees own data and payslips.
    pub user_id: Option<UserId>,
    /// Restriction and erasure (DSGVO).
    pub privacy: EmployeePrivacy,
}

/// Where an employee's data stands under DSGVO.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EmployeePrivacy {
    /// Last day of employment (`YYYY-MM-DD`).
    pub exit_date: Option<String>,
    /// Since when the data is blocked for normal use (Art. 18 DSGVO).
    pub restricted_at: Option<Timestamp>,
    /// Last day a retention duty requires the data (`YYYY-MM-DD`).
    pub retention_until: Option<String>,
    /// The legal basis for keeping the data (e.g. § 147 AO).
    pub restriction_basis: Option<String>,
    /// When the record was anonymised (Art. 17 DSGVO).
    pub erased_at: Option<Timestamp>,
}

/// Kinds of documents in a personnel file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EmployeeDocumentKind {
    Payslip,
    Contract,
    Certificate,
    Other,
}

impl EmployeeDocumentKind {
    pub const ALL: [EmployeeDocumentKind; 4] = [
        EmployeeDocumentKind::Payslip,
        EmployeeDocumentKind::Contract,
        EmployeeDocumentKind::Certificate,
        EmployeeDocumentKind::Other,
    ];
    pub fn key(self) -> &'static str {
        match self {
            EmployeeDocumentKind::Payslip => "payslip",
            EmployeeDocumentKind::Contract => "contract",
            EmployeeDocumentKind::Certificate => "certificate",
            EmployeeDocumentKind::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.key() == s.trim())
    }
}

/// A document of the archive; the original is in the blob store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentRecord {
    /// UUID text.
    pub id: String,
    pub company_id: CompanyId,
    /// SHA-256 of the original (its name in the blob store).
    pub blob: String,
    pub size: i64,
    /// MIME type told from the content.
    pub media_type: String,
    /// The file name it came with, made safe.
    pub name: String,
    /// `invoice`, `credit_note`, `contract`, `payslip`, `bank_statement`,
    /// `letter` or `other` (kontor_documents::DocType).
    pub doc_type: String,
    /// `upload`, `cli`, `folder`, `email`, `api`.
    pub source: String,
    /// `stored` once the original is safe; later steps of the pipeline
    /// move it on.
    pub status: String,
    /// The calendar year retention counts from.
    pub document_year: i32,
    pub retention_years: i32,
    pub legal_hold: bool,
    pub created_by: String,
    pub created_at: Timestamp,
    /// The document's own date (`YYYY-MM-DD`), recognised or confirmed.
    pub doc_date: Option<String>,
    /// `YYYYMM` of the document date, else of arrival (partners' periods).
    pub month: i32,
    /// Who sent it, as recognised or confirmed.
    pub correspondent: Option<String>,
    /// The business partner it was matched to.
    pub partner_id: Option<String>,
    /// The total (gross) in cents.
    pub amount_cents: Option<i64>,
    pub currency: Option<String>,
    pub invoice_number: Option<String>,
    pub iban: Option<String>,
    pub vat_id: Option<String>,
    pub tags: Vec<String>,
    /// The e-invoice syntax (`ubl`, `cii`, `zugferd`) when it is one.
    pub einvoice: Option<String>,
    /// What kontor proposed, with confidences (JSON, [`crate::documents::Suggestion`]).
    pub suggestion: Option<String>,
    /// Why processing failed, when it did.
    pub failure: Option<String>,
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<Timestamp>,
    /// The first version's id, for later versions.
    pub version_of: Option<String>,
    pub version: i32,
    pub deleted_at: Option<Timestamp>,
    pub deleted_by: Option<String>,
    pub updated_at: Timestamp,
    /// The e-mail an attachment came with.
    pub parent_id: Option<String>,
}

/// A company's IMAP mailbox, polled for documents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailAccountRecord {
    pub company_id: CompanyId,
    /// `imap://host:143` or `imaps://host:993`.
    pub url: String,
    pub username: String,
    /// Sealed with the master key.
    pub password_sealed: String,
    /// The folder read (e.g. `INBOX`).
    pub folder: String,
    /// Where processed mails are moved.
    pub done_folder: String,
    pub interval_secs: i64,
    pub enabled: bool,
    pub last_poll_at: Option<Timestamp>,
    pub last_error: Option<String>,
    pub last_count: i64,
    pub updated_by: String,
    pub updated_at: Timestamp,
}

/// What a document search asks for; every field narrows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocumentQuery {
    pub company_id: Option<CompanyId>,
    /// Normalised terms (kontor_documents::search::query_terms), each a prefix.
    pub terms: Vec<String>,
    pub doc_type: Option<String>,
    /// Part of the correspondent's name.
    pub correspondent: Option<String>,
    pub tag: Option<String>,
    /// Any of these statuses (all when empty).
    pub statuses: Vec<String>,
    /// Document date range (`YYYY-MM-DD`, inclusive).
    pub date_from: Option<String>,
    pub date_to: Option<String>,
    pub amount_min: Option<i64>,
    pub amount_max: Option<i64>,
    /// Only these months (`YYYYMM`, inclusive): a partner's granted period.
    pub months: Option<(i32, i32)>,
    /// Types the searcher may not see (sensitive ones).
    pub hidden_types: Vec<String>,
    pub sort: DocumentSort,
    pub limit: u32,
    pub offset: u32,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DocumentSort {
    /// Best match first (newest first without search terms).
    #[default]
    Relevance,
    DateDesc,
    DateAsc,
}

/// A rule an administrator set: when `field` contains `pattern`
/// (case-insensitive), set the type, the correspondent and/or add a tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentRuleRecord {
    pub id: String,
    pub company_id: CompanyId,
    pub position: i64,
    /// `text`, `correspondent`, `iban`, `vat_id` or `name` (file name).
    pub field: String,
    pub pattern: String,
    pub set_type: Option<String>,
    pub set_correspondent: Option<String>,
    pub add_tag: Option<String>,
    pub created_by: String,
    pub created_at: Timestamp,
}

/// A document in an employee's personnel file; the content is in the blob store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmployeeDocumentRecord {
    pub id: kontor_core::EmployeeDocumentId,
    pub company_id: CompanyId,
    pub employee_id: kontor_core::EmployeeId,
    pub kind: EmployeeDocumentKind,
    /// The month a payslip is for.
    pub period: Option<kontor_core::YearMonth>,
    pub title: String,
    pub filename: String,
    pub content_type: String,
    /// SHA-256 of the content (its name in the blob store).
    pub blob: String,
    pub size: i64,
    pub uploaded_by: String,
    pub uploaded_at: Timestamp,
}

/// Access of an external partner to one company (see `crate::partners`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartnerGrantRecord {
    pub id: kontor_core::GrantId,
    pub company_id: CompanyId,
    /// Always an external role.
    pub role: kontor_core::Role,
    /// The partner's firm, e.g. "Steuerkanzlei Berg & Partner".
    pub firm: String,
    pub email: Option<String>,
    /// The account that accepted the invitation.
    pub user_id: Option<UserId>,
    pub valid_from: Timestamp,
    pub valid_until: Timestamp,
    /// Months the partner may see (finance roles); `None`: not period-bound.
    pub period: Option<kontor_core::Period>,
    /// SHA-256 of the one-time invitation token, until it is used.
    pub invite_hash: Option<String>,
    pub invite_expires_at: Timestamp,
    pub accepted_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
    pub created_by: String,
    pub created_at: Timestamp,
}

impl PartnerGrantRecord {
    /// Whether the grant gives access at `now`.
    pub fn active_at(&self, now: Timestamp) -> bool {
        self.user_id.is_some() && self.revoked_at.is_none() && self.valid_from <= now && now < self.valid_until
    }

    /// Whether the invitation link can still be used at `now`.
    pub fn invitation_open_at(&self, now: Timestamp) -> bool {
        self.invite_hash.is_some()
            && self.accepted_at.is_none()
            && self.revoked_at.is_none()
            && now < self.invite_expires_at
            && now < self.valid_until
    }

    /// Stable state name for lists: invited, active, pending, expired, revoked.
    pub fn state_at(&self, now: Timestamp) -> &'static str {
        if self.revoked_at.is_some() {
            "revoked"
        } else if now >= self.valid_until {
            "expired"
        } else if self.accepted_at.is_none() {
            if self.invitation_open_at(now) {
                "invited"
            } else {
                "expired"
            }
        } else if now < self.valid_from {
            "pending"
        } else {
            "active"
        }
    }
}

/// A duty a person performed on an object (separation of duties).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DutyRecord {
    pub id: uuid::Uuid,
    pub company_id: CompanyId,
    pub object_type: String,
    pub object_id: String,
    pub duty: kontor_core::sod::Duty,
    /// `user:<uuid>` for people; the actor label for operators.
    pub person: String,
    pub at: Timestamp,
}

/// A role an administrator defined for one company.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomRoleRecord {
    pub id: kontor_core::CustomRoleId,
    pub company_id: CompanyId,
    /// Lower-case key; memberships name the role `custom:<key>`.
    pub key: String,
    pub name: String,
    pub permissions: Vec<kontor_core::Permission>,
    pub require_2fa: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A journal entry as stored: the balanced entry plus its place in the
/// journal (gapless number, batch), provenance and state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerEntryRecord {
    /// UUID text.
    pub id: String,
    pub company_id: CompanyId,
    /// Journal number, gapless per company.
    pub number: i64,
    /// The Buchungsstapel the entry came in (import, mask session, process).
    pub batch: String,
    pub entry: kontor_ledger::entry::Entry,
    /// The import line's key (`file#id`), unique per company.
    pub import_key: Option<String>,
    pub created_by: String,
    pub created_at: Timestamp,
    /// The entry this one reverses (Storno).
    pub reverses: Option<String>,
    /// When it was fixed (festgeschrieben); `None` while a draft.
    pub fixed_at: Option<Timestamp>,
}

/// Debit and credit totals of one account (cents).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LedgerSumRow {
    pub account: u32,
    pub currency: [u8; 3],
    pub debit: i64,
    pub credit: i64,
}

/// One posting on an account, with its entry (for the Kontoblatt).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerPostingRow {
    pub entry_id: String,
    pub number: i64,
    /// Days since 1970-01-01.
    pub posting_day: i32,
    pub text: String,
    pub reference: String,
    /// Debit positive.
    pub amount: i64,
}

// ------------------------------------------------------------------ workflow

/// A process definition of a company, one row per version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessDefRecord {
    pub company_id: CompanyId,
    pub process_key: String,
    pub version: u32,
    /// The checked definition as JSON (`kontor_workflow::ProcessDef`).
    pub definition: String,
    pub created_by: String,
    pub created_at: Timestamp,
}

/// Instance states.
pub mod instance_state {
    /// An automatic step is due (a job will run it).
    pub const RUNNING: &str = "running";
    /// Waits for a person (a task) or an event.
    pub const WAITING: &str = "waiting";
    /// An automatic step failed for good; a person retries, skips or cancels.
    pub const INCIDENT: &str = "incident";
    pub const DONE: &str = "done";
    pub const CANCELLED: &str = "cancelled";
}

/// A running or finished process instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceRecord {
    pub id: String,
    pub company_id: CompanyId,
    pub process_key: String,
    /// The definition version it started on and finishes on.
    pub version: u32,
    /// What it is about (for incoming invoices: the document id).
    pub subject: String,
    pub state: String,
    /// The current step (the end step once done).
    pub step: String,
    pub data: InstanceData,
    pub started_at: Timestamp,
    pub updated_at: Timestamp,
}

/// An instance's facts and progress, kept as the row's JSON body.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InstanceData {
    /// The last step's outcome.
    #[serde(default)]
    pub outcome: Option<String>,
    #[serde(default)]
    pub amount_cents: Option<i64>,
    #[serde(default)]
    pub flags: std::collections::BTreeMap<String, bool>,
    /// Named values the steps hand on (invoice id, partner, …).
    #[serde(default)]
    pub values: std::collections::BTreeMap<String, String>,
    /// People who submitted or prepared the subject (`user:<id>`): they
    /// never approve it.
    #[serde(default)]
    pub involved: Vec<String>,
    /// Why the instance stopped (incident) or ended (cancel, skip).
    #[serde(default)]
    pub incident: Option<String>,
    /// When the current step began (ms), for waiting times.
    #[serde(default)]
    pub step_since: i64,
    #[serde(default)]
    pub ended_at: Option<i64>,
    /// Steps done by kontor without a person.
    #[serde(default)]
    pub touched_by_person: bool,
}

/// One entry of the process event log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessEventRecord {
    pub id: String,
    pub company_id: CompanyId,
    pub instance_id: String,
    pub process_key: String,
    pub step: String,
    /// `instance.start`, `step.start`, `step.end`, `review`, `task.create`,
    /// `task.complete`, `incident`, `retry`, `skip`, `cancel`,
    /// `instance.end`, `escalate`, `remind`, `demote`.
    pub event: String,
    pub outcome: Option<String>,
    pub actor: String,
    /// kontor acted (automation), not a person.
    pub automated: bool,
    pub at: Timestamp,
    pub detail: String,
}

/// Task states.
pub mod task_state {
    pub const OPEN: &str = "open";
    pub const DONE: &str = "done";
    pub const CANCELLED: &str = "cancelled";
}

/// A human task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskRecord {
    pub id: String,
    pub company_id: CompanyId,
    pub instance_id: Option<String>,
    pub state: String,
    /// The user id it is assigned to; `None`: anyone of the candidate role.
    pub assignee: Option<String>,
    pub candidate_role: Option<String>,
    pub due_at: Option<Timestamp>,
    pub data: TaskData,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What a task is about, kept as the row's JSON body.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TaskData {
    /// The process step (or `manual` for tasks people created).
    pub step: String,
    /// `approve`, `clarify`, `review`, `confirm`, `manual`, `incident`, `todo`.
    pub kind: String,
    pub title_de: String,
    pub title_en: String,
    /// 1 (high) … 3 (low).
    #[serde(default = "default_priority")]
    pub priority: u8,
    /// The document the task is about.
    #[serde(default)]
    pub document_id: Option<String>,
    #[serde(default)]
    pub amount_cents: Option<i64>,
    /// Why a person sees it (`sampled`, `low_confidence`, `high_amount`,
    /// `confirm`, `manual`, `invalid`, …).
    #[serde(default)]
    pub reason: Option<String>,
    /// kontor's proposal or prepared content (booking, reply to the sender).
    #[serde(default)]
    pub proposal: serde_json::Value,
    #[serde(default)]
    pub outcome: Option<String>,
    #[serde(default)]
    pub done_by: Option<String>,
    #[serde(default)]
    pub done_at: Option<i64>,
    /// When it is due (ms); the row's `due_at` is the next timer.
    #[serde(default)]
    pub deadline: Option<i64>,
    #[serde(default)]
    pub reminded_at: Option<i64>,
    #[serde(default)]
    pub escalated_at: Option<i64>,
    /// Who handed the task on, if it was delegated.
    #[serde(default)]
    pub delegated_by: Option<String>,
    /// Approvals: how many distinct people must approve, and who did.
    #[serde(default)]
    pub approvals_needed: u8,
    #[serde(default)]
    pub approved_by: Vec<String>,
}

fn default_priority() -> u8 {
    2
}

/// A comment on a task, invoice or document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommentRecord {
    pub id: String,
    pub company_id: CompanyId,
    pub object_type: String,
    pub object_id: String,
    pub author: String,
    pub body: String,
    pub at: Timestamp,
}

/// A notification for one person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotificationRecord {
    pub id: String,
    pub company_id: CompanyId,
    pub user_id: UserId,
    /// `task.assigned`, `task.escalated`, `mention`, `incident`, `demoted`, …
    pub kind: String,
    pub text_de: String,
    pub text_en: String,
    /// Where it leads in the app (a path).
    pub link: String,
    pub created_at: Timestamp,
    pub read_at: Option<Timestamp>,
    pub mailed_at: Option<Timestamp>,
}

/// A mail kontor sent or would send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxRecord {
    pub id: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
}

/// An incoming invoice as the process sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncomingInvoiceRecord {
    pub id: String,
    pub company_id: CompanyId,
    pub document_id: String,
    pub partner_id: Option<String>,
    pub number: Option<String>,
    /// ISO date.
    pub issue_date: Option<String>,
    pub gross_cents: Option<i64>,
    /// `received`, `invalid`, `duplicate`, `approved`, `posted`, `rejected`.
    pub state: String,
    pub data: InvoiceData,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What kontor read from an incoming invoice and decided about it.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InvoiceData {
    #[serde(default)]
    pub seller_name: Option<String>,
    #[serde(default)]
    pub vat_id: Option<String>,
    #[serde(default)]
    pub iban: Option<String>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub due_date: Option<String>,
    /// (rate in percent, gross cents) per VAT rate of the invoice.
    #[serde(default)]
    pub vat_split: Vec<(i64, i64)>,
    /// e-invoice syntax, or `None` for a recognised PDF or scan.
    #[serde(default)]
    pub einvoice: Option<String>,
    #[serde(default)]
    pub booking: Option<BookingProposal>,
    /// The ledger entry it was posted as.
    #[serde(default)]
    pub entry_id: Option<String>,
    #[serde(default)]
    pub entry_number: Option<i64>,
    /// The earlier invoice this one duplicates.
    #[serde(default)]
    pub duplicate_of: Option<String>,
    /// Skonto terms from the payment terms (BT-20).
    #[serde(default)]
    pub skonto: Option<kontor_banking::matching::Skonto>,
    /// Validation findings (rule: message) that sent it to clarification.
    #[serde(default)]
    pub findings: Vec<String>,
}

/// A booking proposal: expense account, tax code, cost center.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BookingProposal {
    pub account: u32,
    pub tax_code: String,
    #[serde(default)]
    pub cost_center: Option<String>,
    /// Percent.
    pub confidence: u8,
    /// `learned:N` (from N earlier bookings of this supplier) or `default`.
    pub source: String,
}

// ------------------------------------------------------------------ banking

/// A company's bank account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BankAccountRecord {
    pub id: String,
    pub company_id: CompanyId,
    /// Compact, upper case; for accounts without IBAN the bank's own id.
    pub iban: String,
    /// The ledger account (SKR03 1200, SKR04 1800, or a sub-account).
    pub ledger_account: u32,
    pub data: BankAccountData,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BankAccountData {
    pub name: String,
    #[serde(default)]
    pub bic: Option<String>,
    pub currency: String,
    /// Other identifications statements use for it (`BLZ/Konto` of MT940).
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// One imported statement (or report or notification).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BankStatementRecord {
    pub id: String,
    pub company_id: CompanyId,
    pub bank_account_id: String,
    /// SHA-256 over account, statement id, sequence, balances and lines:
    /// the same statement imported again has the same fingerprint.
    pub fingerprint: String,
    /// ISO date of the closing balance.
    pub closing_date: Option<String>,
    pub data: StatementData,
    pub imported_at: Timestamp,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StatementData {
    pub format: String,
    pub version: String,
    #[serde(default)]
    pub statement_id: Option<String>,
    #[serde(default)]
    pub sequence: Option<String>,
    /// (cents, ISO date).
    #[serde(default)]
    pub opening: Option<(i64, String)>,
    #[serde(default)]
    pub closing: Option<(i64, String)>,
    pub lines: usize,
    /// Lines already imported from an overlapping statement.
    #[serde(default)]
    pub skipped: usize,
    pub file_name: String,
    pub file_sha256: String,
    pub imported_by: String,
}

/// One bank line and what became of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BankLineRecord {
    pub id: String,
    pub company_id: CompanyId,
    pub bank_account_id: String,
    pub statement_id: String,
    /// Content key that recognises the line in overlapping imports.
    pub line_key: String,
    pub booking_date: String,
    pub amount_cents: i64,
    /// `open`, `booked` (posted against items or an account), `pending`
    /// (intraday, not yet booked by the bank), `ignored`.
    pub state: String,
    pub data: BankLineData,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

pub mod bank_line_state {
    pub const OPEN: &str = "open";
    pub const BOOKED: &str = "booked";
    pub const PENDING: &str = "pending";
    pub const IGNORED: &str = "ignored";
}

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BankLineData {
    pub line: kontor_banking::Line,
    /// kontor's latest proposal.
    #[serde(default)]
    pub proposal: Option<kontor_banking::matching::Proposal>,
    #[serde(default)]
    pub entry_id: Option<String>,
    #[serde(default)]
    pub entry_number: Option<i64>,
    /// `system:matching` or the person who confirmed or assigned it.
    #[serde(default)]
    pub booked_by: Option<String>,
    /// What it was booked against (references or an account).
    #[serde(default)]
    pub booked_as: Option<String>,
    /// The open items (`account/reference`) it cleared.
    #[serde(default)]
    pub booked_items: Vec<String>,
}

/// A payment run: supplier items to pay from one bank account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentRunRecord {
    pub id: String,
    pub company_id: CompanyId,
    pub number: i64,
    /// `draft`, `submitted`, `released`, `done`, `rejected`, `cancelled`.
    pub state: String,
    pub data: PaymentRunData,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

pub mod payment_run_state {
    pub const DRAFT: &str = "draft";
    pub const SUBMITTED: &str = "submitted";
    pub const RELEASED: &str = "released";
    pub const DONE: &str = "done";
    pub const REJECTED: &str = "rejected";
    pub const CANCELLED: &str = "cancelled";
}

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PaymentRunData {
    pub bank_account_id: String,
    /// ISO date the bank should execute it.
    pub execution_date: String,
    pub items: Vec<PaymentItem>,
    pub created_by: String,
    #[serde(default)]
    pub instance_id: Option<String>,
    #[serde(default)]
    pub released_by: Vec<String>,
    /// Millis; also the file's creation time (stable re-download).
    #[serde(default)]
    pub released_at: Option<i64>,
    #[serde(default)]
    pub message_id: Option<String>,
}

/// One open supplier item in a payment run.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PaymentItem {
    pub partner_id: String,
    pub partner_name: String,
    pub iban: String,
    #[serde(default)]
    pub bic: Option<String>,
    /// The creditor account.
    pub account: u32,
    /// Invoice number (Belegfeld 1).
    pub reference: String,
    /// What is open, positive cents.
    pub open_cents: i64,
    /// What this run pays (open less Skonto, or less by hand).
    pub pay_cents: i64,
    #[serde(default)]
    pub discount_cents: i64,
    #[serde(default)]
    pub due_date: Option<String>,
    #[serde(default)]
    pub skonto_until: Option<String>,
    pub end_to_end_id: String,
    /// When the partner's bank account last changed (millis), if within
    /// the watch period: shown prominently, needs an extra approval.
    #[serde(default)]
    pub iban_changed_at: Option<i64>,
    #[serde(default)]
    pub selected: bool,
    /// Set when the bank statement confirmed the transfer.
    #[serde(default)]
    pub paid: bool,
}

/// A reminder sent for an open customer item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DunningNoticeRecord {
    pub id: String,
    pub company_id: CompanyId,
    /// `account/reference` of the open item.
    pub item_key: String,
    pub level: u8,
    /// ISO date.
    pub sent_on: String,
    pub data: DunningData,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DunningData {
    pub partner_id: String,
    pub partner_name: String,
    pub reference: String,
    pub open_cents: i64,
    pub due: String,
    pub days_overdue: i64,
    pub fee_cents: i64,
    pub interest_cents: i64,
    /// § 288 Abs. 5 BGB, between businesses from the second letter.
    #[serde(default)]
    pub flat_fee_cents: i64,
    /// The customer is a business (9 instead of 5 points above the base rate).
    #[serde(default)]
    pub business: bool,
    pub sent_by: String,
}
