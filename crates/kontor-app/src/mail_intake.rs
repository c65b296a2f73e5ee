//! E-mail as a capture channel: a message (from IMAP, a `.eml` file or a
//! Maildir) is kept as a document of its own, and each attachment becomes a
//! document pointing to it. Each company may have one IMAP mailbox that
//! kontor polls on a schedule.
//!
//! Exactly once: every part is stored content-addressed (the same bytes are
//! the same document), and a message is moved out of the mailbox only after
//! it and its attachments are stored. A kontor killed in between finds the
//! message again, stores nothing twice, and moves it then.

use bytes::Bytes;
use kontor_core::{Action, Module, Permission};
use kontor_documents::email::parse_email;

use crate::actor::Actor;
use crate::app::App;
use crate::documents::{Ingested, Source};
use crate::error::{AppError, AppResult};
use crate::ports::MailboxSpec;
use crate::records::{CompanyRecord, MailAccountRecord};

/// The job that polls the mailboxes that are due.
pub const KIND_MAIL_POLL: &str = "mail.poll";
/// How often the poll job looks for due mailboxes (milliseconds).
const POLL_TICK_MS: i64 = 60_000;
/// The shortest interval a mailbox may be polled at (seconds).
pub const MAIL_INTERVAL_MIN: i64 = 60;
/// At most this many messages are taken per mailbox and poll.
const MESSAGES_PER_POLL: usize = 200;

/// What became of one e-mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngestedMail {
    pub mail: Ingested,
    /// Each attachment: its name and what became of it (or why it was refused).
    pub attachments: Vec<(String, Result<Ingested, String>)>,
}

/// What an administrator sets for a company's mailbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailAccountInput {
    pub url: String,
    pub username: String,
    /// `None` keeps the stored password.
    pub password: Option<String>,
    pub folder: String,
    pub done_folder: String,
    pub interval_secs: i64,
    pub enabled: bool,
}

/// The outcome of one poll of one mailbox.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PollOutcome {
    pub messages: usize,
    pub new_documents: usize,
    pub duplicates: usize,
}

fn invalid(field: &'static str, en: String, de: String) -> AppError {
    AppError::invalid(kontor_core::ParseError::new(field, en, de))
}

impl App {
    /// Takes a file from a channel that may carry e-mails (command line,
    /// watched folder): an e-mail is taken with its attachments, anything
    /// else as one document.
    pub async fn ingest_file(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        name: &str,
        content: Bytes,
        source: Source,
    ) -> AppResult<IngestedMail> {
        if kontor_documents::sniff(&content) == kontor_documents::MediaType::Email && parse_email(&content).is_some() {
            return self.ingest_email(actor, company, name, content, source).await;
        }
        Ok(IngestedMail {
            mail: self.ingest_document(actor, company, name, content, source).await?,
            attachments: Vec::new(),
        })
    }

    /// Takes an e-mail into the archive: the message itself, then each
    /// attachment (pointing to the message). Refused attachments (empty,
    /// too large) are reported, the rest goes on.
    pub async fn ingest_email(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        name: &str,
        raw: Bytes,
        source: Source,
    ) -> AppResult<IngestedMail> {
        let email = parse_email(&raw).ok_or_else(|| {
            invalid(
                "file",
                format!("{name}: this is not an e-mail message (RFC 5322) kontor can read."),
                format!("{name}: das ist keine E-Mail (RFC 5322), die kontor lesen kann."),
            )
        })?;
        let file_name = if name.to_lowercase().ends_with(".eml") {
            name.to_string()
        } else {
            email.file_name()
        };
        let mail = self
            .ingest(actor, company, &file_name, raw.clone(), source, None, None)
            .await?;
        let mut attachments = Vec::new();
        for a in email.attachments {
            let r = self
                .ingest(
                    actor,
                    company,
                    &a.name,
                    Bytes::from(a.content),
                    source,
                    None,
                    Some(&mail.document.id),
                )
                .await;
            match r {
                Ok(i) => attachments.push((a.name, Ok(i))),
                Err(AppError::Invalid(errs)) => attachments.push((
                    a.name,
                    Err(errs.iter().map(|e| e.en.clone()).collect::<Vec<_>>().join(" ")),
                )),
                Err(e) => return Err(e),
            }
        }
        Ok(IngestedMail { mail, attachments })
    }

    /// Sets the company's IMAP mailbox (company administrators).
    pub async fn set_mail_account(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        input: &MailAccountInput,
    ) -> AppResult<MailAccountRecord> {
        actor.require(company.id, Permission::new(Module::Admin, Action::Manage))?;
        let url = input.url.trim();
        let host = url
            .strip_prefix("imaps://")
            .or_else(|| url.strip_prefix("imap://"))
            .map(|rest| rest.split(['/', ':']).next().unwrap_or(""));
        if host.is_none_or(|h| h.is_empty() || h.contains(char::is_whitespace)) {
            return Err(invalid(
                "url",
                format!("'{url}' is not a mailbox address; write imaps://mail.example.com:993 (or imap://host:143 on a trusted network)."),
                format!("'{url}' ist keine Postfach-Adresse; bitte imaps://mail.example.com:993 (oder imap://host:143 im vertrauenswürdigen Netz) angeben."),
            ));
        }
        if input.username.trim().is_empty() || input.folder.trim().is_empty() || input.done_folder.trim().is_empty() {
            return Err(invalid(
                "username",
                "User name, folder and done folder must not be empty.".into(),
                "Benutzername, Ordner und Ablageordner dürfen nicht leer sein.".into(),
            ));
        }
        if input.folder.trim() == input.done_folder.trim() {
            return Err(invalid(
                "done_folder",
                "The done folder must differ from the folder read.".into(),
                "Der Ablageordner muss sich vom gelesenen Ordner unterscheiden.".into(),
            ));
        }
        if input.interval_secs < MAIL_INTERVAL_MIN {
            return Err(invalid(
                "interval",
                format!("Poll at most once a minute (at least {MAIL_INTERVAL_MIN} s)."),
                format!("Höchstens einmal pro Minute abrufen (mindestens {MAIL_INTERVAL_MIN} s)."),
            ));
        }
        let mut tx = self.store().begin().await?;
        let existing = tx.mail_account(company.id).await?;
        let password_sealed = match (&input.password, &existing) {
            (Some(p), _) if !p.is_empty() => self.cipher()?.seal(p, self.random())?,
            (_, Some(e)) => e.password_sealed.clone(),
            _ => {
                return Err(invalid(
                    "password",
                    "The mailbox password is missing.".into(),
                    "Das Passwort des Postfachs fehlt.".into(),
                ))
            }
        };
        let now = self.now();
        let rec = MailAccountRecord {
            company_id: company.id,
            url: url.to_string(),
            username: input.username.trim().to_string(),
            password_sealed,
            folder: input.folder.trim().to_string(),
            done_folder: input.done_folder.trim().to_string(),
            interval_secs: input.interval_secs,
            enabled: input.enabled,
            last_poll_at: existing.as_ref().and_then(|e| e.last_poll_at),
            last_error: existing.as_ref().and_then(|e| e.last_error.clone()),
            last_count: existing.as_ref().map_or(0, |e| e.last_count),
            updated_by: actor.label.clone(),
            updated_at: now,
        };
        tx.put_mail_account(&rec).await?;
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "mail.account.set",
            company.code.as_str(),
            format!(
                "{} as {} folder {} → {}, every {} s, {}",
                rec.url,
                rec.username,
                rec.folder,
                rec.done_folder,
                rec.interval_secs,
                if rec.enabled { "on" } else { "off" }
            ),
        )
        .await?;
        if rec.enabled && !tx.pending_job_of_kind(KIND_MAIL_POLL).await? {
            self.enqueue(&mut tx, KIND_MAIL_POLL, "{}".into(), now).await?;
        }
        tx.commit().await?;
        Ok(rec)
    }

    /// The company's mailbox settings (without the password).
    pub async fn mail_account(&self, actor: &Actor, company: &CompanyRecord) -> AppResult<Option<MailAccountRecord>> {
        actor.require(company.id, Permission::new(Module::Admin, Action::Read))?;
        let mut tx = self.store().begin_read().await?;
        Ok(tx.mail_account(company.id).await?.map(|mut a| {
            a.password_sealed = String::new();
            a
        }))
    }

    /// Polls one company's mailbox now: every message in the folder is
    /// stored (with its attachments) and then moved to the done folder.
    pub async fn poll_mailbox(&self, actor: &Actor, company: &CompanyRecord) -> AppResult<PollOutcome> {
        actor.require(company.id, Permission::new(Module::Documents, Action::Write))?;
        let account = {
            let mut tx = self.store().begin_read().await?;
            tx.mail_account(company.id).await?
        }
        .ok_or_else(|| AppError::NotFound {
            what: "mailbox",
            key: company.code.to_string(),
        })?;
        let result = self.poll(actor, company, &account).await;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        match &result {
            Ok(o) => {
                tx.set_mail_poll_result(company.id, now, None, o.messages as i64)
                    .await?
            }
            Err(e) => {
                tx.set_mail_poll_result(company.id, now, Some(&e.to_string()), 0)
                    .await?
            }
        }
        tx.commit().await?;
        result
    }

    async fn poll(&self, actor: &Actor, company: &CompanyRecord, a: &MailAccountRecord) -> AppResult<PollOutcome> {
        let client = self
            .mail_client()
            .ok_or_else(|| AppError::Internal("no mail client is configured".into()))?;
        let spec = MailboxSpec {
            url: a.url.clone(),
            username: a.username.clone(),
            password: self.cipher()?.open(&a.password_sealed)?,
            folder: a.folder.clone(),
            done_folder: a.done_folder.clone(),
        };
        let mailbox_error = |e: String| AppError::Conflict {
            en: format!("mailbox {}: {e}", a.url),
            de: format!("Postfach {}: {e}", a.url),
        };
        let mut session = client.connect(&spec).await.map_err(mailbox_error)?;
        let mut outcome = PollOutcome::default();
        let result: AppResult<()> = async {
            let pending = session.pending().await.map_err(mailbox_error)?;
            for uid in pending.into_iter().take(MESSAGES_PER_POLL) {
                let raw = session.fetch(uid).await.map_err(mailbox_error)?;
                match self
                    .ingest_email(actor, company, &format!("imap-{uid}"), raw, Source::Email)
                    .await
                {
                    Ok(m) => {
                        for i in std::iter::once(&m.mail).chain(m.attachments.iter().filter_map(|(_, r)| r.as_ref().ok())) {
                            if i.duplicate {
                                outcome.duplicates += 1;
                            } else {
                                outcome.new_documents += 1;
                            }
                        }
                    }
                    // Not an e-mail kontor can read: leave it in the folder for a person.
                    Err(AppError::Invalid(errs)) => {
                        tracing::warn!(uid, error = %errs.iter().map(|e| e.en.as_str()).collect::<Vec<_>>().join("; "), "message left in the mailbox");
                        continue;
                    }
                    Err(e) => return Err(e),
                }
                session.done(uid).await.map_err(mailbox_error)?;
                outcome.messages += 1;
            }
            Ok(())
        }
        .await;
        session.close().await;
        result.map(|()| outcome)
    }

    /// The `mail.poll` job: polls every enabled mailbox that is due, then
    /// schedules itself again.
    pub(crate) async fn run_mail_poll_job(&self) -> Result<(), String> {
        let now = self.now();
        let accounts = async {
            let mut tx = self.store().begin_read().await?;
            AppResult::Ok(tx.mail_accounts().await?)
        }
        .await
        .map_err(|e| e.to_string())?;
        let actor = Actor::system("mail");
        let mut errors = Vec::new();
        for a in accounts.iter().filter(|a| a.enabled) {
            let due = a
                .last_poll_at
                .is_none_or(|t| t.plus_millis(a.interval_secs * 1000) <= now);
            if !due {
                continue;
            }
            let company = {
                let mut tx = self.store().begin_read().await.map_err(|e| e.to_string())?;
                tx.list_companies()
                    .await
                    .map_err(|e| e.to_string())?
                    .into_iter()
                    .find(|c| c.id == a.company_id)
            };
            let Some(company) = company else { continue };
            match self.poll_mailbox(&actor, &company).await {
                Ok(o) if o.messages > 0 => {
                    tracing::info!(company = %company.code, messages = o.messages, new = o.new_documents, "mailbox polled")
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(company = %company.code, error = %e, "mailbox poll failed");
                    errors.push(format!("{}: {e}", company.code));
                }
            }
        }
        // Next round; a failed mailbox is tried again at its next interval.
        let next: AppResult<()> = async {
            let mut tx = self.store().begin().await?;
            if accounts.iter().any(|a| a.enabled) {
                self.enqueue(&mut tx, KIND_MAIL_POLL, "{}".into(), now.plus_millis(POLL_TICK_MS))
                    .await?;
            }
            tx.commit().await?;
            Ok(())
        }
        .await;
        next.map_err(|e| e.to_string())?;
        // Errors are recorded on each mailbox (shown to administrators);
        // the job itself did its work and scheduled the next round.
        if !errors.is_empty() {
            tracing::debug!(errors = ?errors, "mailbox errors recorded");
        }
        Ok(())
    }
}
