use std::sync::Arc;

use kontor_core::limits::{JOB_ATTEMPTS_MAX, JOB_PROBE_COUNT_MAX, PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX};
use kontor_core::{
    Action, AuditEventId, Clock, CompanyCode, CompanyId, CompanyName, DisplayName, IdGen, JobId, Lang, Module,
    PartnerDraft, PartnerId, PartnerInput, Permission, Role, Timestamp, UserId, Username,
};

use crate::actor::{Actor, ActorKind, Membership};
use crate::error::{AppError, AppResult};
use crate::jobs::{self, KIND_DIAGNOSTICS_PROBE, KIND_SESSIONS_PURGE};
use crate::ports::{BlobStore, Random, Store, Tx};
use crate::records::*;
use crate::security;
use crate::throttle;
use crate::twofactor;
use kontor_core::sod::Duty;

/// Longest validity of an API token (days).
pub const API_TOKEN_DAYS_MAX: i64 = 365;

/// Tunables of the application layer, taken from the validated configuration.
#[derive(Clone, Debug)]
pub struct AppSettings {
    /// A session unused for this long ends (seconds).
    pub session_idle_secs: i64,
    /// A session ends this long after sign-in, used or not (seconds).
    pub session_absolute_secs: i64,
    /// Journal lines per transaction of a ledger import
    /// ([`crate::ledger::IMPORT_BATCH`] unless a test wants many batches
    /// from a small file).
    pub ledger_import_batch: usize,
}

impl Default for AppSettings {
    fn default() -> Self {
        Self {
            session_idle_secs: 60 * 60,
            session_absolute_secs: 12 * 60 * 60,
            ledger_import_batch: crate::ledger::IMPORT_BATCH,
        }
    }
}

/// One page of a list plus the cursor for the next one.
#[derive(Clone, Debug)]
pub struct Page<T, C> {
    pub items: Vec<T>,
    pub next: Option<C>,
}

/// A signed-in session as the adapters see it.
#[derive(Clone, Debug)]
pub struct SessionContext {
    pub token_hash: String,
    pub csrf_token: String,
    pub user: UserRecord,
    pub actor: Actor,
    /// The company the person works in now (company switcher).
    pub company: Option<Membership>,
    /// Authenticated by an API token rather than a session cookie.
    pub via_token: bool,
    /// Must set up two-factor sign-in before anything else.
    pub enroll_only: bool,
}

impl SessionContext {
    pub fn lang(&self) -> Lang {
        self.user.lang
    }
    /// Companies the person belongs to, each once.
    pub fn companies(&self) -> Vec<&Membership> {
        let mut seen = Vec::<&Membership>::new();
        for m in &self.actor.memberships {
            if !seen.iter().any(|s| s.company_id == m.company_id) {
                seen.push(m);
            }
        }
        seen
    }
}

/// A sign-in attempt.
#[derive(Clone, Copy, Debug)]
pub struct SignIn<'a> {
    pub username: &'a str,
    pub password: &'a str,
    /// TOTP code or recovery code, for accounts that have two-factor sign-in.
    pub second_factor: Option<&'a str>,
    pub client: Option<&'a str>,
    /// Whether the client can lead the person through setting up two-factor
    /// sign-in (the web UI can, API clients cannot).
    pub allow_enrollment: bool,
}

pub struct LoginOutcome {
    /// The raw session token for the cookie; only its hash is stored.
    pub token: String,
    pub session: SessionContext,
}

/// The application: all use-cases, over the ports it was given.
#[derive(Clone)]
pub struct App {
    store: Arc<dyn Store>,
    blobs: Arc<dyn BlobStore>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGen>,
    random: Arc<dyn Random>,
    settings: AppSettings,
    cipher: Option<Arc<crate::crypto::FieldCipher>>,
    mailer: Option<(Arc<dyn crate::ports::Mailer>, String)>,
    extractor: Option<Arc<dyn crate::ports::TextExtractor>>,
    mail_client: Option<Arc<dyn crate::ports::MailClient>>,
}

impl App {
    pub fn new(
        store: Arc<dyn Store>,
        blobs: Arc<dyn BlobStore>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGen>,
        random: Arc<dyn Random>,
        settings: AppSettings,
    ) -> Self {
        Self {
            store,
            blobs,
            clock,
            ids,
            random,
            settings,
            cipher: None,
            mailer: None,
            extractor: None,
            mail_client: None,
        }
    }

    /// Reads companies' mailboxes with `client` (IMAP).
    pub fn with_mail_client(mut self, client: Arc<dyn crate::ports::MailClient>) -> Self {
        self.mail_client = Some(client);
        self
    }

    pub(crate) fn mail_client(&self) -> Option<&dyn crate::ports::MailClient> {
        self.mail_client.as_deref()
    }

    /// Reads text from PDFs and scans with `extractor`.
    pub fn with_extractor(mut self, extractor: Arc<dyn crate::ports::TextExtractor>) -> Self {
        self.extractor = Some(extractor);
        self
    }

    pub(crate) fn extractor(&self) -> Option<&dyn crate::ports::TextExtractor> {
        self.extractor.as_deref()
    }

    /// Enables sensitive HR data, sealed with this master key.
    pub fn with_cipher(mut self, cipher: Arc<crate::crypto::FieldCipher>) -> Self {
        self.cipher = Some(cipher);
        self
    }

    /// Sends mail through `mailer`; links in mail start with `public_url`.
    pub fn with_mailer(mut self, mailer: Arc<dyn crate::ports::Mailer>, public_url: &str) -> Self {
        self.mailer = Some((mailer, public_url.trim_end_matches('/').to_string()));
        self
    }

    pub(crate) fn mailer(&self) -> Option<(&dyn crate::ports::Mailer, &str)> {
        self.mailer.as_ref().map(|(m, u)| (m.as_ref(), u.as_str()))
    }

    pub(crate) fn cipher(&self) -> AppResult<&crate::crypto::FieldCipher> {
        self.cipher
            .as_deref()
            .ok_or_else(|| AppError::Internal("no master key configured".into()))
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }
    pub fn blobs(&self) -> &Arc<dyn BlobStore> {
        &self.blobs
    }
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub(crate) fn ids(&self) -> &dyn IdGen {
        self.ids.as_ref()
    }
    pub(crate) fn settings(&self) -> &AppSettings {
        &self.settings
    }

    pub(crate) fn random(&self) -> &dyn Random {
        self.random.as_ref()
    }

    pub(crate) async fn audit(
        &self,
        tx: &mut Box<dyn Tx>,
        actor: &Actor,
        company: Option<CompanyId>,
        action: &str,
        subject: &str,
        detail: impl Into<String>,
    ) -> AppResult<()> {
        self.audit_change(tx, actor, company, action, subject, detail, None)
            .await
    }

    /// Like `audit`, with the change document of the record it changed.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn audit_change(
        &self,
        tx: &mut Box<dyn Tx>,
        actor: &Actor,
        company: Option<CompanyId>,
        action: &str,
        subject: &str,
        detail: impl Into<String>,
        change: Option<String>,
    ) -> AppResult<()> {
        let event = AuditEvent {
            change,
            id: AuditEventId::from_uuid(self.ids.new_uuid()),
            company_id: company,
            actor: actor.label.clone(),
            action: action.to_string(),
            object_type: crate::audit::object_type_of(action).to_string(),
            subject: subject.to_string(),
            detail: detail.into(),
            client_addr: actor.client_addr.clone(),
            at: self.clock.now(),
        };
        tx.append_audit(&event).await?;
        Ok(())
    }

    // ----------------------------------------------------------------- start

    /// On a store without users, creates the installation administrator
    /// `admin`. Returns the password if it was generated (to print once).
    pub async fn bootstrap_admin(&self, password: Option<&str>) -> AppResult<Option<String>> {
        let mut tx = self.store.begin().await?;
        if tx.count_users().await? > 0 {
            return Ok(None);
        }
        let (password, generated) = match password {
            Some(p) => {
                security::check_password_policy(p)?;
                (p.to_string(), false)
            }
            None => (security::generate_password(self.random()), true),
        };
        let now = self.clock.now();
        let user = UserRecord {
            id: UserId::from_uuid(self.ids.new_uuid()),
            username: Username::parse("admin")?,
            display_name: "Administrator".into(),
            password_hash: security::hash_password(&password, self.random())?,
            lang: Lang::De,
            system_admin: true,
            disabled: false,
            created_at: now,
            updated_at: now,
            totp_secret: None,
            totp_enabled: false,
            totp_last_step: 0,
        };
        tx.insert_user(&user).await?;
        self.audit(
            &mut tx,
            &Actor::system("bootstrap"),
            None,
            "user.create",
            "admin",
            "initial administrator",
        )
        .await?;
        tx.commit().await?;
        Ok(generated.then_some(password))
    }

    // ----------------------------------------------------------------- sessions

    /// Signs in with a password only (no second factor offered); `client`
    /// is the network address the attempt came from.
    pub async fn login(&self, username: &str, password: &str, client: Option<&str>) -> AppResult<LoginOutcome> {
        self.sign_in(&SignIn {
            username,
            password,
            second_factor: None,
            client,
            allow_enrollment: true,
        })
        .await
    }

    /// Signs in: password, then (if set up) the second factor; a person
    /// whose role requires two-factor sign-in but who has not set it up gets
    /// a session that can only set it up (`allow_enrollment`), or is refused.
    pub async fn sign_in(&self, req: &SignIn<'_>) -> AppResult<LoginOutcome> {
        let SignIn {
            username,
            password,
            second_factor,
            client,
            allow_enrollment,
        } = *req;
        let now = self.clock.now();
        let keys: Vec<String> = std::iter::once(throttle::account_key(username))
            .chain(client.map(throttle::address_key))
            .collect();
        let anonymous = || {
            Actor {
                label: format!("anonymous:{}", username.chars().take(64).collect::<String>()),
                ..Actor::system("login")
            }
            .from_addr(client.map(str::to_string))
        };
        // Read phase: the user and the throttle state.
        let mut rtx = self.store.begin_read().await?;
        let user = match Username::parse(username) {
            Ok(name) => rtx.user_by_name(&name).await?,
            Err(_) => None,
        };
        let mut locked_until: Option<Timestamp> = None;
        for key in &keys {
            if let Some(t) = rtx.throttle(key).await? {
                if t.locked_until > now {
                    locked_until = locked_until.max(Some(t.locked_until));
                }
            }
        }
        drop(rtx);
        if let Some(until) = locked_until {
            let retry_after_secs = (until.millis() - now.millis() + 999) / 1000;
            let mut tx = self.store.begin().await?;
            let detail = format!("locked for {retry_after_secs} s");
            self.audit(&mut tx, &anonymous(), None, "session.login_throttled", username, detail)
                .await?;
            tx.commit().await?;
            return Err(AppError::Throttled { retry_after_secs });
        }
        // The slow hash is checked outside any transaction.
        let ok = match &user {
            Some(u) => security::verify_password(password, &u.password_hash) && !u.disabled,
            None => {
                // Spend the same time as for a real user.
                let _ = security::verify_password(password, security::DUMMY_HASH);
                false
            }
        };
        let mut tx = self.store.begin().await?;
        let Some(user) = user.filter(|_| ok) else {
            for key in &keys {
                let prev = tx.throttle(key).await?;
                tx.put_throttle(&throttle::after_failure(prev.as_ref(), key, now))
                    .await?;
            }
            self.audit(&mut tx, &anonymous(), None, "session.login_failed", username, "")
                .await?;
            tx.commit().await?;
            return Err(AppError::BadCredentials);
        };
        if user.totp_enabled {
            let Some(code) = second_factor.map(str::trim).filter(|c| !c.is_empty()) else {
                // Not a failure: the client simply has to ask for the code.
                return Err(AppError::TotpRequired);
            };
            let secret = self.reveal_secret(user.totp_secret.as_deref().unwrap_or_default())?;
            let accepted = match twofactor::matching_step(&secret, user.username.as_str(), code, now)? {
                Some(step) => tx.advance_totp_step(user.id, step).await?,
                None => {
                    let used = tx
                        .use_recovery_code(user.id, &twofactor::recovery_hash(code), now)
                        .await?;
                    if used {
                        self.audit(&mut tx, &anonymous(), None, "session.recovery_code_used", username, "")
                            .await?;
                    }
                    used
                }
            };
            if !accepted {
                for key in &keys {
                    let prev = tx.throttle(key).await?;
                    tx.put_throttle(&throttle::after_failure(prev.as_ref(), key, now))
                        .await?;
                }
                self.audit(
                    &mut tx,
                    &anonymous(),
                    None,
                    "session.login_failed",
                    username,
                    "wrong second factor",
                )
                .await?;
                tx.commit().await?;
                return Err(AppError::BadSecondFactor);
            }
        }
        tx.clear_throttle(&keys[0]).await?;
        let token = security::new_token(self.random());
        let memberships = load_memberships(&mut tx, user.id, now).await?;
        let enroll_only = !user.totp_enabled && requires_two_factor(&mut tx, &user, &memberships).await?;
        if enroll_only && !allow_enrollment {
            tx.commit().await?;
            return Err(AppError::TotpEnrollmentRequired);
        }
        let record = SessionRecord {
            token_hash: security::sha256_hex(&token),
            user_id: user.id,
            csrf_token: security::new_token(self.random()),
            company_id: memberships.first().map(|m| m.company_id),
            created_at: now,
            last_seen_at: now,
            enroll_only,
        };
        tx.insert_session(&record).await?;
        let actor = user_actor(&user, memberships).from_addr(client.map(str::to_string));
        self.audit(&mut tx, &actor, None, "session.login", user.username.as_str(), "")
            .await?;
        tx.commit().await?;
        let session = build_context(record, user, actor);
        Ok(LoginOutcome { token, session })
    }

    /// Resolves a session token; expired or unknown tokens are `Unauthenticated`.
    pub async fn session(&self, token: &str) -> AppResult<SessionContext> {
        let hash = security::sha256_hex(token);
        let mut tx = self.store.begin_read().await?;
        let Some(record) = tx.session_by_hash(&hash).await? else {
            return Err(AppError::Unauthenticated);
        };
        let now = self.clock.now();
        let idle_expired = now.millis() - record.last_seen_at.millis() > self.settings.session_idle_secs * 1000;
        let abs_expired = now.millis() - record.created_at.millis() > self.settings.session_absolute_secs * 1000;
        let user = tx.user_by_id(record.user_id).await?.filter(|u| !u.disabled);
        let memberships = match &user {
            Some(u) => load_memberships(&mut tx, u.id, now).await?,
            None => Vec::new(),
        };
        drop(tx);
        let user = match user {
            Some(u) if !idle_expired && !abs_expired => u,
            _ => {
                let mut tx = self.store.begin().await?;
                tx.delete_session(&hash).await?;
                tx.commit().await?;
                return Err(AppError::Unauthenticated);
            }
        };
        // Write the last-seen time at most once a minute, so reads stay reads.
        if now.millis() - record.last_seen_at.millis() > 60_000 {
            let mut tx = self.store.begin().await?;
            tx.touch_session(&hash, now).await?;
            tx.commit().await?;
        }
        let actor = user_actor(&user, memberships);
        Ok(build_context(record, user, actor))
    }

    pub async fn logout(&self, session: &SessionContext) -> AppResult<()> {
        let mut tx = self.store.begin().await?;
        tx.delete_session(&session.token_hash).await?;
        self.audit(
            &mut tx,
            &session.actor,
            None,
            "session.logout",
            session.user.username.as_str(),
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends every session of the signed-in person, on every device.
    pub async fn logout_everywhere(&self, session: &SessionContext) -> AppResult<u64> {
        let mut tx = self.store.begin().await?;
        let n = tx.delete_sessions_of(session.user.id).await?;
        self.audit(
            &mut tx,
            &session.actor,
            None,
            "session.logout_all",
            session.user.username.as_str(),
            format!("{n} sessions"),
        )
        .await?;
        tx.commit().await?;
        Ok(n)
    }

    pub async fn switch_company(&self, session: &SessionContext, code: &str) -> AppResult<Membership> {
        let code = CompanyCode::parse(code)?;
        let membership = session
            .actor
            .memberships
            .iter()
            .find(|m| m.company_code == code)
            .cloned()
            .ok_or_else(|| AppError::NotFound {
                what: "company",
                key: code.to_string(),
            })?;
        let mut tx = self.store.begin().await?;
        tx.set_session_company(&session.token_hash, membership.company_id)
            .await?;
        tx.commit().await?;
        Ok(membership)
    }

    pub async fn set_language(&self, session: &SessionContext, lang: Lang) -> AppResult<()> {
        let mut tx = self.store.begin().await?;
        tx.set_user_lang(session.user.id, lang, self.clock.now()).await?;
        self.audit(
            &mut tx,
            &session.actor,
            None,
            "user.language",
            session.user.username.as_str(),
            lang.code(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub fn verify_csrf(&self, session: &SessionContext, presented: Option<&str>) -> AppResult<()> {
        match presented {
            Some(t) if security::constant_time_eq(t, &session.csrf_token) => Ok(()),
            _ => Err(AppError::CsrfMismatch),
        }
    }

    // ----------------------------------------------------------------- users

    pub async fn add_user(
        &self,
        actor: &Actor,
        username: &str,
        display_name: &str,
        password: &str,
        system_admin: bool,
    ) -> AppResult<UserRecord> {
        actor.require_system_admin()?;
        let mut errors = Vec::new();
        let username = Username::parse(username).map_err(|e| errors.push(e)).ok();
        let display = DisplayName::parse(display_name).map_err(|e| errors.push(e)).ok();
        let _ = security::check_password_policy(password).map_err(|e| errors.push(e));
        let (Some(username), Some(display)) = (username, display) else {
            return Err(AppError::Invalid(errors));
        };
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let mut tx = self.store.begin().await?;
        if tx.user_by_name(&username).await?.is_some() {
            return Err(AppError::AlreadyExists {
                what: "user",
                key: username.to_string(),
            });
        }
        let now = self.clock.now();
        let user = UserRecord {
            id: UserId::from_uuid(self.ids.new_uuid()),
            username,
            display_name: display.as_str().to_string(),
            password_hash: security::hash_password(password, self.random())?,
            lang: Lang::De,
            system_admin,
            disabled: false,
            created_at: now,
            updated_at: now,
            totp_secret: None,
            totp_enabled: false,
            totp_last_step: 0,
        };
        tx.insert_user(&user).await?;
        let detail = if system_admin { "installation administrator" } else { "" };
        self.audit(&mut tx, actor, None, "user.create", user.username.as_str(), detail)
            .await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Sets a new password and ends all of the user's sessions.
    pub async fn reset_password(&self, actor: &Actor, username: &str, password: &str) -> AppResult<()> {
        actor.require_system_admin()?;
        let username = Username::parse(username)?;
        security::check_password_policy(password)?;
        let mut tx = self.store.begin().await?;
        let user = tx.user_by_name(&username).await?.ok_or_else(|| AppError::NotFound {
            what: "user",
            key: username.to_string(),
        })?;
        let hash = security::hash_password(password, self.random())?;
        tx.set_password(user.id, &hash, self.clock.now()).await?;
        tx.delete_sessions_of(user.id).await?;
        self.audit(&mut tx, actor, None, "user.reset_password", username.as_str(), "")
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn list_users(&self, actor: &Actor) -> AppResult<Vec<(UserRecord, Vec<Membership>)>> {
        actor.require_system_admin()?;
        let now = self.clock.now();
        let mut tx = self.store.begin_read().await?;
        let users = tx.list_users().await?;
        let mut out = Vec::with_capacity(users.len());
        for u in users {
            let m = load_memberships(&mut tx, u.id, now).await?;
            out.push((u, m));
        }
        Ok(out)
    }

    /// Gives a user a role in a company: a built-in role's key, or a custom
    /// role of that company (`custom:<key>` or just its key).
    pub async fn grant_role(&self, actor: &Actor, username: &str, company: &str, role: &str) -> AppResult<()> {
        actor.require_system_admin()?;
        let username = Username::parse(username)?;
        let code = CompanyCode::parse(company)?;
        let builtin = Role::parse(role);
        if let Some(r) = builtin.filter(|r| r.is_external()) {
            return Err(AppError::invalid(kontor_core::ParseError::new(
                "role",
                format!(
                    "'{r}' is an external role: partners get access by invitation, with a validity window \
                     (kontor admin partner invite, or Administration → Partner access)."
                ),
                format!(
                    "'{r}' ist eine externe Rolle: Partner erhalten Zugriff per Einladung, mit Gültigkeitszeitraum \
                     (kontor admin partner invite oder Verwaltung → Partnerzugänge)."
                ),
            )));
        }
        let mut tx = self.store.begin().await?;
        let user = tx.user_by_name(&username).await?.ok_or_else(|| AppError::NotFound {
            what: "user",
            key: username.to_string(),
        })?;
        let company = tx.company_by_code(&code).await?.ok_or_else(|| AppError::NotFound {
            what: "company",
            key: code.to_string(),
        })?;
        let granted = match builtin {
            Some(r) => {
                tx.add_membership(user.id, company.id, r).await?;
                r.key().to_string()
            }
            None => {
                let key = role.trim().trim_start_matches("custom:");
                let customs = tx.custom_roles(company.id).await?;
                if !customs.iter().any(|c| c.key == key) {
                    let mut known: Vec<String> = Role::ALL
                        .iter()
                        .filter(|r| !r.is_external())
                        .map(|r| r.key().to_string())
                        .collect();
                    known.extend(customs.iter().map(|c| format!("custom:{}", c.key)));
                    return Err(AppError::invalid(kontor_core::ParseError::new(
                        "role",
                        format!("'{role}' is not a role of {code}; use one of {}.", known.join(", ")),
                        format!("'{role}' ist keine Rolle in {code}; möglich sind {}.", known.join(", ")),
                    )));
                }
                tx.add_custom_membership(user.id, company.id, key).await?;
                format!("custom:{key}")
            }
        };
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "membership.grant",
            username.as_str(),
            &granted,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Accounts and addresses currently locked by sign-in throttling.
    pub async fn locked_logins(&self, actor: &Actor) -> AppResult<Vec<ThrottleRecord>> {
        actor.require_system_admin()?;
        let mut tx = self.store.begin_read().await?;
        Ok(tx.locked_throttles(self.clock.now()).await?)
    }

    /// Lifts a sign-in lock (`user:NAME` or `addr:IP`) and forgets its failures.
    pub async fn unlock_login(&self, actor: &Actor, key: &str) -> AppResult<()> {
        actor.require_system_admin()?;
        let mut tx = self.store.begin().await?;
        if !tx.clear_throttle(key).await? {
            return Err(AppError::NotFound {
                what: "sign-in lock",
                key: key.to_string(),
            });
        }
        self.audit(&mut tx, actor, None, "session.unlock", key, "").await?;
        tx.commit().await?;
        Ok(())
    }

    // ----------------------------------------------------------------- two-factor sign-in

    /// Starts setting up two-factor sign-in: a new secret, not yet active.
    /// Returns the secret (base32) and the `otpauth://` URI.
    pub async fn begin_totp(&self, session: &SessionContext) -> AppResult<(String, String)> {
        if session.via_token {
            return Err(AppError::TokenNotAllowed);
        }
        if session.user.totp_enabled {
            return Err(AppError::AlreadyExists {
                what: "two-factor sign-in",
                key: session.user.username.to_string(),
            });
        }
        let secret = twofactor::new_secret(self.random());
        let url = twofactor::otpauth_url(&secret, session.user.username.as_str())?;
        let stored = self.seal_secret(&secret)?;
        let mut tx = self.store.begin().await?;
        tx.set_totp(session.user.id, Some(&stored), false, self.clock.now())
            .await?;
        self.audit(
            &mut tx,
            &session.actor,
            None,
            "user.totp_begin",
            session.user.username.as_str(),
            "",
        )
        .await?;
        tx.commit().await?;
        Ok((secret, url))
    }

    /// Confirms the set-up with a code from the app; returns the recovery
    /// codes, shown only this once.
    pub async fn confirm_totp(&self, session: &SessionContext, code: &str) -> AppResult<Vec<String>> {
        if session.via_token {
            return Err(AppError::TokenNotAllowed);
        }
        let mut tx = self.store.begin().await?;
        let user = tx
            .user_by_id(session.user.id)
            .await?
            .ok_or_else(|| AppError::NotFound {
                what: "user",
                key: session.user.username.to_string(),
            })?;
        let (Some(stored), false) = (user.totp_secret.clone(), user.totp_enabled) else {
            return Err(AppError::NotFound {
                what: "two-factor set-up",
                key: user.username.to_string(),
            });
        };
        let secret = self.reveal_secret(&stored)?;
        let now = self.clock.now();
        let Some(step) = twofactor::matching_step(&secret, user.username.as_str(), code, now)? else {
            return Err(AppError::BadSecondFactor);
        };
        tx.set_totp(user.id, Some(&stored), true, now).await?;
        tx.advance_totp_step(user.id, step).await?;
        let codes = twofactor::new_recovery_codes(self.random());
        let hashes: Vec<String> = codes.iter().map(|c| twofactor::recovery_hash(c)).collect();
        tx.replace_recovery_codes(user.id, &hashes).await?;
        tx.end_enrollment(&session.token_hash).await?;
        self.audit(
            &mut tx,
            &session.actor,
            None,
            "user.totp_enable",
            user.username.as_str(),
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(codes)
    }

    /// Switches two-factor sign-in off, with a current code, unless a role requires it.
    pub async fn disable_totp(&self, session: &SessionContext, code: &str) -> AppResult<()> {
        let mut tx = self.store.begin().await?;
        let user = tx
            .user_by_id(session.user.id)
            .await?
            .ok_or_else(|| AppError::NotFound {
                what: "user",
                key: session.user.username.to_string(),
            })?;
        let memberships = load_memberships(&mut tx, user.id, self.clock.now()).await?;
        if requires_two_factor(&mut tx, &user, &memberships).await? {
            return Err(AppError::TwoFactorRequiredByRole);
        }
        let secret = self.reveal_secret(user.totp_secret.as_deref().unwrap_or_default())?;
        if !user.totp_enabled
            || twofactor::matching_step(&secret, user.username.as_str(), code, self.clock.now())?.is_none()
        {
            return Err(AppError::BadSecondFactor);
        }
        tx.set_totp(user.id, None, false, self.clock.now()).await?;
        tx.replace_recovery_codes(user.id, &[]).await?;
        self.audit(
            &mut tx,
            &session.actor,
            None,
            "user.totp_disable",
            user.username.as_str(),
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// TOTP secrets are sealed with the master key when there is one.
    fn seal_secret(&self, secret: &str) -> AppResult<String> {
        match &self.cipher {
            Some(c) => c.seal(secret, self.random()),
            None => Ok(secret.to_string()),
        }
    }

    /// The plain TOTP secret from its stored form (sealed or, without a master key, plain).
    pub fn reveal_secret(&self, stored: &str) -> AppResult<String> {
        if crate::crypto::FieldCipher::key_id_of(stored).is_some() {
            self.cipher()?.open(stored)
        } else {
            Ok(stored.to_string())
        }
    }

    /// Which roles require two-factor sign-in.
    pub async fn role_policies(&self, actor: &Actor) -> AppResult<Vec<(Role, bool)>> {
        actor.require_system_admin()?;
        let mut tx = self.store.begin_read().await?;
        Ok(tx.role_policies().await?)
    }

    pub async fn set_role_policy(&self, actor: &Actor, role: &str, require_2fa: bool) -> AppResult<()> {
        actor.require_system_admin()?;
        let role = Role::parse(role).ok_or_else(|| {
            AppError::invalid(kontor_core::ParseError::new(
                "role",
                format!("'{role}' is not a role."),
                format!("'{role}' ist keine Rolle."),
            ))
        })?;
        let mut tx = self.store.begin().await?;
        tx.set_role_policy(role, require_2fa).await?;
        let detail = if require_2fa {
            "two-factor sign-in required"
        } else {
            "two-factor sign-in optional"
        };
        self.audit(&mut tx, actor, None, "role.policy", role.key(), detail)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    // ----------------------------------------------------------------- API tokens

    /// Creates an API token for one company with a subset of the person's
    /// own permissions there. Returns the token text, shown only this once.
    pub async fn create_api_token(
        &self,
        session: &SessionContext,
        company_code: &str,
        name: &str,
        permissions: &[String],
        valid_days: i64,
    ) -> AppResult<(String, ApiTokenRecord)> {
        if session.via_token {
            return Err(AppError::TokenNotAllowed);
        }
        let company = self.company(&session.actor, company_code).await?;
        let mut errors = Vec::new();
        let name = kontor_core::text::required_text(kontor_core::fields::NAME, name, 100)
            .map_err(|e| errors.push(e))
            .ok();
        let mut perms = Vec::new();
        for p in permissions {
            match Permission::parse(p) {
                Some(perm) if !perms.contains(&perm) => perms.push(perm),
                Some(_) => {}
                None => errors.push(kontor_core::ParseError::new(
                    "permissions",
                    format!("'{p}' is not a permission; write module:action, e.g. partners:read."),
                    format!("'{p}' ist keine Berechtigung; Schreibweise Bereich:Aktion, z. B. partners:read."),
                )),
            }
        }
        if permissions.is_empty() {
            errors.push(kontor_core::ParseError::new(
                "permissions",
                "Name at least one permission.",
                "Mindestens eine Berechtigung angeben.",
            ));
        }
        if !(1..=API_TOKEN_DAYS_MAX).contains(&valid_days) {
            errors.push(kontor_core::ParseError::new(
                "valid_days",
                format!("Validity must be 1 to {API_TOKEN_DAYS_MAX} days."),
                format!("Die Gültigkeit muss 1 bis {API_TOKEN_DAYS_MAX} Tage betragen."),
            ));
        }
        let Some(name) = name.filter(|_| errors.is_empty()) else {
            return Err(AppError::Invalid(errors));
        };
        // A token never carries more than its owner may do.
        for p in &perms {
            session.actor.require(company.id, *p)?;
        }
        let token = format!("kontor_{}", security::new_token(self.random()));
        let now = self.clock.now();
        let record = ApiTokenRecord {
            id: kontor_core::ApiTokenId::from_uuid(self.ids.new_uuid()),
            user_id: session.user.id,
            company_id: company.id,
            name,
            permissions: perms,
            token_hash: security::sha256_hex(&token),
            created_at: now,
            expires_at: now.plus_secs(valid_days * 86_400),
            last_used_at: None,
            revoked_at: None,
        };
        let mut tx = self.store.begin().await?;
        tx.insert_api_token(&record).await?;
        let perms: Vec<String> = record.permissions.iter().map(|p| p.to_string()).collect();
        let detail = format!("{}; {}; {valid_days} days", record.name, perms.join(" "));
        self.audit(
            &mut tx,
            &session.actor,
            Some(company.id),
            "token.create",
            &record.id.to_string(),
            detail,
        )
        .await?;
        tx.commit().await?;
        Ok((token, record))
    }

    /// The person's own API tokens, newest first.
    pub async fn api_tokens(&self, session: &SessionContext) -> AppResult<Vec<ApiTokenRecord>> {
        let mut tx = self.store.begin_read().await?;
        Ok(tx.api_tokens_of(session.user.id).await?)
    }

    pub async fn revoke_api_token(&self, session: &SessionContext, id: kontor_core::ApiTokenId) -> AppResult<()> {
        let mut tx = self.store.begin().await?;
        if !tx.revoke_api_token(session.user.id, id, self.clock.now()).await? {
            return Err(AppError::NotFound {
                what: "API token",
                key: id.to_string(),
            });
        }
        self.audit(&mut tx, &session.actor, None, "token.revoke", &id.to_string(), "")
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Resolves `Authorization: Bearer TOKEN`. Revoked and expired tokens,
    /// and tokens of disabled users, are `Unauthenticated`.
    pub async fn bearer(&self, token: &str) -> AppResult<SessionContext> {
        let now = self.clock.now();
        let mut tx = self.store.begin_read().await?;
        let Some(t) = tx.api_token_by_hash(&security::sha256_hex(token)).await? else {
            return Err(AppError::Unauthenticated);
        };
        if t.revoked_at.is_some() || t.expires_at <= now {
            return Err(AppError::Unauthenticated);
        }
        let Some(user) = tx.user_by_id(t.user_id).await?.filter(|u| !u.disabled) else {
            return Err(AppError::Unauthenticated);
        };
        let memberships: Vec<Membership> = load_memberships(&mut tx, user.id, now)
            .await?
            .into_iter()
            .filter(|m| m.company_id == t.company_id)
            .collect();
        drop(tx);
        if t.last_used_at.is_none_or(|l| now.millis() - l.millis() > 60_000) {
            let mut tx = self.store.begin().await?;
            tx.touch_api_token(t.id, now).await?;
            tx.commit().await?;
        }
        let company = memberships.first().cloned();
        let mut actor = user_actor(&user, memberships);
        actor.label = format!("user:{} (token {})", user.username, t.name);
        actor.system_admin = false;
        actor.scope = Some(t.permissions.clone());
        Ok(SessionContext {
            token_hash: String::new(),
            csrf_token: String::new(),
            user,
            actor,
            company,
            via_token: true,
            enroll_only: false,
        })
    }

    // ----------------------------------------------------------------- companies

    pub async fn add_company(&self, actor: &Actor, code: &str, name: &str) -> AppResult<CompanyRecord> {
        actor.require_system_admin()?;
        let mut errors = Vec::new();
        let code = CompanyCode::parse(code).map_err(|e| errors.push(e)).ok();
        let name = CompanyName::parse(name).map_err(|e| errors.push(e)).ok();
        let (Some(code), Some(name)) = (code, name) else {
            return Err(AppError::Invalid(errors));
        };
        let mut tx = self.store.begin().await?;
        if tx.company_by_code(&code).await?.is_some() {
            return Err(AppError::AlreadyExists {
                what: "company",
                key: code.to_string(),
            });
        }
        let company = CompanyRecord {
            id: CompanyId::from_uuid(self.ids.new_uuid()),
            code,
            name,
            created_at: self.clock.now(),
        };
        tx.insert_company(&company).await?;
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "company.create",
            company.code.as_str(),
            company.name.as_str(),
        )
        .await?;
        tx.commit().await?;
        Ok(company)
    }

    /// Companies the actor may see: all for installation administrators.
    pub async fn list_companies(&self, actor: &Actor) -> AppResult<Vec<CompanyRecord>> {
        let mut tx = self.store.begin_read().await?;
        let all = tx.list_companies().await?;
        Ok(all
            .into_iter()
            .filter(|c| actor.system_admin || actor.is_member(c.id))
            .collect())
    }

    /// Resolves a company code the actor belongs to. Unknown companies and
    /// companies the actor does not belong to look the same (not found).
    pub async fn company(&self, actor: &Actor, code: &str) -> AppResult<CompanyRecord> {
        let code = CompanyCode::parse(code)?;
        let mut tx = self.store.begin_read().await?;
        match tx.company_by_code(&code).await? {
            Some(c) if actor.is_member(c.id) => Ok(c),
            _ => Err(AppError::NotFound {
                what: "company",
                key: code.to_string(),
            }),
        }
    }

    // ----------------------------------------------------------------- partners

    pub async fn create_partner(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        input: &PartnerInput<'_>,
    ) -> AppResult<PartnerRecord> {
        actor.require(company.id, Permission::new(Module::Partners, Action::Write))?;
        let data = PartnerDraft::parse(input).map_err(AppError::Invalid)?;
        let now = self.clock.now();
        let partner = PartnerRecord {
            id: PartnerId::from_uuid(self.ids.new_uuid()),
            company_id: company.id,
            data,
            created_at: now,
            updated_at: now,
            version: 1,
            bank_confirmed: None,
        };
        let mut tx = self.store.begin().await?;
        self.insert_partner_in(&mut tx, actor, company, &partner).await?;
        tx.commit().await?;
        Ok(partner)
    }

    /// Stores a new partner in the caller's transaction: duties, audit.
    pub(crate) async fn insert_partner_in(
        &self,
        tx: &mut Box<dyn Tx>,
        actor: &Actor,
        company: &CompanyRecord,
        partner: &PartnerRecord,
    ) -> AppResult<()> {
        tx.insert_partner(partner)
            .await
            .map_err(|e| account_taken(e, partner.data.account))?;
        let pid = partner.id.to_string();
        self.record_duty(tx, actor, company.id, ("partner", &pid), Duty::PartnerCreate)
            .await?;
        if partner.data.iban.is_some() {
            self.record_duty(tx, actor, company.id, ("partner", &pid), Duty::PartnerBankChange)
                .await?;
        }
        self.audit_change(
            tx,
            actor,
            Some(company.id),
            "partner.create",
            &partner.id.to_string(),
            &partner.data.name,
            Some(crate::audit::change_document(None, Some(&partner_state(partner)))),
        )
        .await?;
        Ok(())
    }

    pub async fn list_partners(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        after: Option<PartnerId>,
        limit: Option<u32>,
    ) -> AppResult<Page<PartnerRecord, PartnerId>> {
        actor.require(company.id, Permission::new(Module::Partners, Action::Read))?;
        let limit = limit.unwrap_or(PAGE_SIZE_DEFAULT).clamp(1, PAGE_SIZE_MAX);
        let mut tx = self.store.begin_read().await?;
        let mut items = tx.list_partners(company.id, after, limit + 1).await?;
        let next = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|p| p.id)
        } else {
            None
        };
        Ok(Page { items, next })
    }

    pub async fn partner(&self, actor: &Actor, company: &CompanyRecord, id: PartnerId) -> AppResult<PartnerRecord> {
        actor.require(company.id, Permission::new(Module::Partners, Action::Read))?;
        let mut tx = self.store.begin_read().await?;
        tx.partner(company.id, id).await?.ok_or_else(|| AppError::NotFound {
            what: "partner",
            key: id.to_string(),
        })
    }

    /// Replaces a partner's data. `expected_version` is the version the
    /// client last saw; a different stored version is a conflict.
    pub async fn update_partner(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        id: PartnerId,
        expected_version: Option<i64>,
        input: &PartnerInput<'_>,
    ) -> AppResult<PartnerRecord> {
        actor.require(company.id, Permission::new(Module::Partners, Action::Write))?;
        let expected = expected_version.ok_or(AppError::PreconditionRequired)?;
        let data = PartnerDraft::parse(input).map_err(AppError::Invalid)?;
        let mut tx = self.store.begin().await?;
        let current = tx.partner(company.id, id).await?.ok_or_else(|| AppError::NotFound {
            what: "partner",
            key: id.to_string(),
        })?;
        if current.version != expected {
            return Err(AppError::VersionConflict {
                current: current.version,
            });
        }
        let bank_changed = current.data.iban != data.iban;
        let updated = PartnerRecord {
            data,
            updated_at: self.clock.now(),
            version: current.version + 1,
            // A new bank account needs a new confirmation by a second person.
            bank_confirmed: if bank_changed {
                None
            } else {
                current.bank_confirmed.clone()
            },
            ..current.clone()
        };
        if !tx
            .update_partner(&updated, expected)
            .await
            .map_err(|e| account_taken(e, updated.data.account))?
        {
            return Err(AppError::VersionConflict {
                current: current.version + 1,
            });
        }
        if bank_changed && updated.data.iban.is_some() {
            let pid = id.to_string();
            self.record_duty(&mut tx, actor, company.id, ("partner", &pid), Duty::PartnerBankChange)
                .await?;
        }
        let detail = describe_partner_change(&current.data, &updated.data);
        self.audit_change(
            &mut tx,
            actor,
            Some(company.id),
            "partner.update",
            &id.to_string(),
            detail,
            Some(crate::audit::change_document(
                Some(&partner_state(&current)),
                Some(&partner_state(&updated)),
            )),
        )
        .await?;
        tx.commit().await?;
        Ok(updated)
    }

    /// Confirms a partner's bank account (four-eyes): needs `partners:approve`
    /// and may not be done by whoever created the partner or entered the
    /// account (separation of duties, rule SOD-1).
    pub async fn confirm_partner_bank(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        id: PartnerId,
        expected_version: Option<i64>,
    ) -> AppResult<PartnerRecord> {
        actor.require(company.id, Permission::new(Module::Partners, Action::Approve))?;
        let expected = expected_version.ok_or(AppError::PreconditionRequired)?;
        let pid = id.to_string();
        let current = self.partner(actor, company, id).await?;
        if current.data.iban.is_none() {
            return Err(AppError::Conflict {
                en: "This partner has no bank account to confirm.".into(),
                de: "Dieser Partner hat keine Bankverbindung, die bestätigt werden könnte.".into(),
            });
        }
        if current.bank_confirmed.is_some() {
            return Err(AppError::Conflict {
                en: "This bank account is already confirmed.".into(),
                de: "Diese Bankverbindung ist bereits bestätigt.".into(),
            });
        }
        self.check_duty(actor, company.id, ("partner", &pid), Duty::PartnerBankConfirm)
            .await?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        if !tx
            .confirm_partner_bank(company.id, id, &actor.label, now, expected)
            .await?
        {
            return Err(AppError::VersionConflict {
                current: current.version,
            });
        }
        self.record_duty(&mut tx, actor, company.id, ("partner", &pid), Duty::PartnerBankConfirm)
            .await?;
        let iban = current
            .data
            .iban
            .as_ref()
            .map(|i| i.as_str().to_string())
            .unwrap_or_default();
        let updated = tx.partner(company.id, id).await?.ok_or_else(|| AppError::NotFound {
            what: "partner",
            key: pid.clone(),
        })?;
        self.audit_change(
            &mut tx,
            actor,
            Some(company.id),
            "partner.bank_confirm",
            &pid,
            format!("IBAN ending {}", &iban[iban.len().saturating_sub(4)..]),
            Some(crate::audit::change_document(
                Some(&partner_state(&current)),
                Some(&partner_state(&updated)),
            )),
        )
        .await?;
        tx.commit().await?;
        Ok(updated)
    }

    // ----------------------------------------------------------------- audit

    pub async fn audit_log(
        &self,
        actor: &Actor,
        company: Option<&CompanyRecord>,
        limit: u32,
    ) -> AppResult<Vec<AuditEvent>> {
        match company {
            Some(c) => actor.require(c.id, Permission::new(Module::Admin, Action::Read))?,
            None => actor.require_system_admin()?,
        }
        let mut tx = self.store.begin_read().await?;
        Ok(tx
            .list_audit(company.map(|c| c.id), limit.clamp(1, PAGE_SIZE_MAX))
            .await?)
    }

    /// The audit trail of a company, filtered (`audit:read`: administrators
    /// and auditors). Partners see only their granted period. Reading the
    /// trail is itself recorded.
    pub async fn audit_trail(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        filter: &AuditFilter,
    ) -> AppResult<Vec<StoredAuditEvent>> {
        actor.require(company.id, Permission::new(Module::Audit, Action::Read))?;
        let mut f = AuditFilter {
            company: Some(company.id),
            limit: filter.limit.clamp(1, PAGE_SIZE_MAX),
            ..filter.clone()
        };
        if let Some(p) = actor.period_limit(company.id) {
            f.from = Some(f.from.map_or(p.from.start(), |x| x.max(p.from.start())));
            f.to = Some(f.to.map_or(p.to.end_exclusive(), |x| x.min(p.to.end_exclusive())));
        }
        let mut tx = self.store.begin_read().await?;
        let rows = tx.search_audit(&f).await?;
        drop(tx);
        self.record_trail_read(actor, company, &describe_filter(&f)).await?;
        Ok(rows)
    }

    /// The trail of one object, for whoever may see the object itself.
    pub async fn object_trail(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        object_type: &str,
        subject: &str,
    ) -> AppResult<Vec<StoredAuditEvent>> {
        let needed = match object_type {
            "partner" => Permission::new(Module::Partners, Action::Read),
            "employee" | "employee_document" => crate::employees::SENSITIVE,
            "partner_access" => Permission::new(Module::Admin, Action::Manage),
            _ => Permission::new(Module::Audit, Action::Read),
        };
        if !actor.can(company.id, Permission::new(Module::Audit, Action::Read)) {
            actor.require(company.id, needed)?;
        }
        let f = AuditFilter {
            company: Some(company.id),
            object_type: Some(object_type.to_string()),
            subject: Some(subject.to_string()),
            limit: PAGE_SIZE_MAX,
            ..AuditFilter::default()
        };
        let mut tx = self.store.begin_read().await?;
        let mut rows = tx.search_audit(&f).await?;
        drop(tx);
        if let Some(p) = actor.period_limit(company.id) {
            rows.retain(|r| p.contains_time(r.event.at));
        }
        self.record_trail_read(actor, company, &format!("{object_type} {subject}"))
            .await?;
        Ok(rows)
    }

    async fn record_trail_read(&self, actor: &Actor, company: &CompanyRecord, what: &str) -> AppResult<()> {
        let mut tx = self.store.begin().await?;
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "audit.read",
            company.code.as_str(),
            what,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // ----------------------------------------------------------------- jobs

    pub(crate) async fn enqueue(
        &self,
        tx: &mut Box<dyn Tx>,
        kind: &str,
        payload: String,
        run_at: Timestamp,
    ) -> AppResult<JobId> {
        let id = JobId::from_uuid(self.ids.new_uuid());
        tx.enqueue_job(&NewJob {
            id,
            company_id: None,
            kind: kind.to_string(),
            payload,
            run_at,
            max_attempts: JOB_ATTEMPTS_MAX,
            created_at: self.clock.now(),
        })
        .await?;
        Ok(id)
    }

    /// Enqueues `count` probe jobs so an administrator can watch workers pick
    /// them up; returns their ids.
    pub async fn enqueue_probes(&self, actor: &Actor, count: u32) -> AppResult<Vec<JobId>> {
        actor.require_system_admin()?;
        if count == 0 || count > JOB_PROBE_COUNT_MAX {
            return Err(AppError::invalid(kontor_core::ParseError::new(
                "count",
                format!("Count must be between 1 and {JOB_PROBE_COUNT_MAX}."),
                format!("Die Anzahl muss zwischen 1 und {JOB_PROBE_COUNT_MAX} liegen."),
            )));
        }
        let mut tx = self.store.begin().await?;
        let now = self.clock.now();
        let mut ids = Vec::with_capacity(count as usize);
        for i in 0..count {
            ids.push(
                self.enqueue(&mut tx, KIND_DIAGNOSTICS_PROBE, format!("{{\"n\":{i}}}"), now)
                    .await?,
            );
        }
        self.audit(
            &mut tx,
            actor,
            None,
            "jobs.probe",
            KIND_DIAGNOSTICS_PROBE,
            format!("{count} jobs"),
        )
        .await?;
        tx.commit().await?;
        Ok(ids)
    }

    /// Makes sure the periodic maintenance jobs are queued.
    pub async fn schedule_maintenance(&self) -> AppResult<()> {
        let mut tx = self.store.begin().await?;
        if !tx.pending_job_of_kind(KIND_SESSIONS_PURGE).await? {
            let at = self.clock.now().plus_millis(jobs::SESSIONS_PURGE_INTERVAL_MS);
            self.enqueue(&mut tx, KIND_SESSIONS_PURGE, "{}".into(), at).await?;
        }
        if !tx.pending_job_of_kind(jobs::KIND_MAIL_POLL).await? && tx.mail_accounts().await?.iter().any(|a| a.enabled) {
            self.enqueue(&mut tx, jobs::KIND_MAIL_POLL, "{}".into(), self.clock.now())
                .await?;
        }
        self.schedule_workflow_timers(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn list_jobs(&self, actor: &Actor, state: Option<JobState>, limit: u32) -> AppResult<Vec<JobRecord>> {
        actor.require_system_admin()?;
        let mut tx = self.store.begin_read().await?;
        Ok(tx.list_jobs(state, limit.clamp(1, PAGE_SIZE_MAX)).await?)
    }

    pub async fn job_counts(&self, actor: &Actor) -> AppResult<JobCounts> {
        actor.require_system_admin()?;
        let mut tx = self.store.begin_read().await?;
        Ok(tx.job_counts().await?)
    }

    pub async fn job_runs(&self, actor: &Actor, id: JobId) -> AppResult<Vec<JobRun>> {
        actor.require_system_admin()?;
        let mut tx = self.store.begin_read().await?;
        Ok(tx.job_runs(id).await?)
    }

    /// Gives a dead job a fresh set of attempts.
    pub async fn requeue_job(&self, actor: &Actor, id: JobId) -> AppResult<()> {
        actor.require_system_admin()?;
        let mut tx = self.store.begin().await?;
        if !tx.requeue_dead_job(id, self.clock.now()).await? {
            return Err(AppError::NotFound {
                what: "dead job",
                key: id.to_string(),
            });
        }
        self.audit(&mut tx, actor, None, "jobs.requeue", &id.to_string(), "")
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Runs one claimed job. Errors are returned as text for the job record.
    pub async fn run_job(&self, job: &JobRecord) -> Result<(), String> {
        match job.kind.as_str() {
            KIND_SESSIONS_PURGE => {
                let now = self.clock.now();
                let result: AppResult<u64> = async {
                    let mut tx = self.store.begin().await?;
                    let n = tx
                        .purge_sessions(
                            now.plus_secs(-self.settings.session_idle_secs),
                            now.plus_secs(-self.settings.session_absolute_secs),
                        )
                        .await?;
                    // Schedule the next run in the same transaction.
                    self.enqueue(
                        &mut tx,
                        KIND_SESSIONS_PURGE,
                        "{}".into(),
                        now.plus_millis(jobs::SESSIONS_PURGE_INTERVAL_MS),
                    )
                    .await?;
                    tx.commit().await?;
                    Ok(n)
                }
                .await;
                result
                    .map(|n| tracing::debug!(purged = n, "expired sessions purged"))
                    .map_err(|e| e.to_string())
            }
            KIND_DIAGNOSTICS_PROBE => Ok(()),
            jobs::KIND_DOCUMENT_PROCESS => self.run_document_job(job).await,
            jobs::KIND_MAIL_POLL => self.run_mail_poll_job().await,
            jobs::KIND_WORKFLOW_RUN => self.run_workflow_job(job).await,
            jobs::KIND_WORKFLOW_TIMERS => self.run_timers_job().await,
            other => Err(format!(
                "unknown job kind '{other}'; this kontor version knows {:?}",
                jobs::KNOWN_KINDS
            )),
        }
    }

    /// Claims and runs due jobs one after another until none is due or
    /// `max` ran; returns how many ran. For the command line (`kontor
    /// import` processes what it stored) and tests; servers run workers.
    pub async fn run_due_jobs(&self, worker: &str, max: usize) -> AppResult<usize> {
        let lease = |now: Timestamp| now.plus_millis(5 * 60 * 1000);
        let mut n = 0;
        if max == 0 {
            return Ok(0);
        }
        let now = self.clock.now();
        let mut next = self.store.claim_job(worker, now, lease(now)).await?;
        while let Some(job) = next {
            let started = self.clock.now();
            let outcome = match self.run_job(&job).await {
                Ok(()) => crate::records::JobOutcome::Done,
                Err(error) => crate::records::JobOutcome::Failed {
                    error,
                    retry_at: self.retry_at(&job),
                },
            };
            n += 1;
            let now = self.clock.now();
            // The next job is claimed in the transaction that records this one.
            let claim = (n < max).then(|| lease(now));
            next = self
                .store
                .finish_job_and_claim(&job, worker, started, &outcome, now, claim)
                .await?;
        }
        Ok(n)
    }

    /// When a failed attempt number `attempts` is tried again.
    pub(crate) fn retry_at_attempt(&self, attempts: i64) -> Timestamp {
        jobs::retry_at(self.clock.now(), attempts)
    }

    pub fn retry_at(&self, job: &JobRecord) -> Timestamp {
        jobs::retry_at(self.clock.now(), job.attempts)
    }

    // ----------------------------------------------------------------- checks

    /// Integrity check of the stored data (`kontor admin check`).
    pub async fn check(&self, actor: &Actor) -> AppResult<Vec<String>> {
        actor.require_system_admin()?;
        let mut problems = self.store.integrity_problems().await?;
        let mut tx = self.store.begin_read().await?;
        for u in tx.list_users().await? {
            if argon2::password_hash::PasswordHash::new(&u.password_hash).is_err() {
                problems.push(format!("user {}: stored password hash is malformed", u.username));
            }
        }
        Ok(problems)
    }

    /// Walks the whole audit chain (`kontor audit verify`).
    pub async fn verify_audit(&self, actor: &Actor) -> AppResult<crate::audit::ChainReport> {
        actor.require_system_admin()?;
        let mut verifier = crate::audit::ChainVerifier::default();
        let mut after = 0i64;
        loop {
            let mut tx = self.store.begin_read().await?;
            let page = tx.audit_chain(after, 1000).await?;
            drop(tx);
            let Some(last) = page.last() else { break };
            after = last.seq;
            if !page.iter().all(|row| verifier.feed(row)) {
                break;
            }
        }
        Ok(verifier.finish())
    }

    /// Audit entries written in `[from, to)`, as one contiguous section of
    /// the chain (`kontor audit export`). The export itself is audited.
    pub async fn audit_section(
        &self,
        actor: &Actor,
        from: Timestamp,
        to: Timestamp,
    ) -> AppResult<Vec<crate::records::StoredAuditEvent>> {
        actor.require_system_admin()?;
        let mut out: Vec<crate::records::StoredAuditEvent> = Vec::new();
        let mut after = 0i64;
        'pages: loop {
            let mut tx = self.store.begin_read().await?;
            let page = tx.audit_chain(after, 1000).await?;
            drop(tx);
            let Some(last) = page.last() else { break };
            after = last.seq;
            for e in page {
                if out.is_empty() && e.event.at < from {
                    continue;
                }
                // The section is contiguous: it ends at the first entry at or after `to`.
                if e.event.at >= to {
                    break 'pages;
                }
                out.push(e);
            }
        }
        let mut tx = self.store.begin().await?;
        let detail = format!("{} entries, {} to {} ms", out.len(), from.millis(), to.millis());
        self.audit(&mut tx, actor, None, "audit.export", "audit_events", detail)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    pub async fn ready(&self) -> AppResult<()> {
        Ok(self.store.ping().await?)
    }
}

pub(crate) async fn load_memberships(tx: &mut Box<dyn Tx>, user: UserId, now: Timestamp) -> AppResult<Vec<Membership>> {
    let mut out: Vec<Membership> = Vec::new();
    for (c, key) in tx.memberships_of(user).await? {
        let (role, custom) = match (Role::parse(&key), key.strip_prefix("custom:")) {
            (Some(role), _) => (role, None),
            (None, Some(k)) => {
                // A custom role that was since removed grants nothing.
                let Some(def) = tx.custom_roles(c.id).await?.into_iter().find(|r| r.key == k) else {
                    continue;
                };
                (
                    Role::Mitarbeiter,
                    Some(crate::actor::CustomRole {
                        key: def.key,
                        name: def.name,
                        permissions: def.permissions,
                        require_2fa: def.require_2fa,
                    }),
                )
            }
            (None, None) => {
                return Err(AppError::Store(crate::ports::StoreError::Corrupt(format!(
                    "memberships.role holds an unknown role '{key}'"
                ))))
            }
        };
        out.push(Membership {
            company_id: c.id,
            company_code: c.code,
            company_name: c.name.as_str().to_string(),
            role,
            partner: None,
            custom,
        });
    }
    // External partners: only grants that are in force right now, so expiry
    // and revocation take effect on the very next request.
    for (c, g) in tx.grants_of_user(user).await? {
        if g.active_at(now) {
            out.push(Membership {
                company_id: c.id,
                company_code: c.code,
                company_name: c.name.as_str().to_string(),
                role: g.role,
                partner: Some(crate::actor::PartnerScope {
                    grant: g.id,
                    firm: g.firm,
                    valid_until: g.valid_until,
                    period: g.period,
                }),
                custom: None,
            });
        }
    }
    out.sort_by(|a, b| {
        a.company_code
            .cmp(&b.company_code)
            .then(a.role_key().cmp(&b.role_key()))
    });
    Ok(out)
}

/// Whether any of the person's roles (or being installation administrator,
/// which counts as the `admin` role) requires two-factor sign-in.
async fn requires_two_factor(tx: &mut Box<dyn Tx>, user: &UserRecord, memberships: &[Membership]) -> AppResult<bool> {
    let policies = tx.role_policies().await?;
    let required = |r: Role| policies.iter().any(|(p, req)| *p == r && *req);
    Ok((user.system_admin && required(Role::Admin))
        || memberships.iter().any(|m| match &m.custom {
            Some(c) => c.require_2fa,
            None => required(m.role),
        }))
}

pub(crate) fn user_actor(user: &UserRecord, memberships: Vec<Membership>) -> Actor {
    Actor {
        kind: ActorKind::User(user.id),
        label: format!("user:{}", user.username),
        system_admin: user.system_admin,
        memberships,
        client_addr: None,
        scope: None,
    }
}

fn build_context(record: SessionRecord, user: UserRecord, actor: Actor) -> SessionContext {
    let company = record
        .company_id
        .and_then(|id| actor.memberships.iter().find(|m| m.company_id == id))
        .or_else(|| actor.memberships.first())
        .cloned();
    SessionContext {
        token_hash: record.token_hash,
        csrf_token: record.csrf_token,
        user,
        actor,
        company,
        via_token: false,
        enroll_only: record.enroll_only,
    }
}

fn describe_filter(f: &AuditFilter) -> String {
    let mut parts = Vec::new();
    for (k, v) in [
        ("object_type", f.object_type.clone()),
        ("subject", f.subject.clone()),
        ("actor", f.actor.clone()),
        ("action", f.action.clone()),
        ("from", f.from.map(kontor_core::period::date_of)),
        ("to", f.to.map(kontor_core::period::date_of)),
    ] {
        if let Some(v) = v {
            parts.push(format!("{k}={v}"));
        }
    }
    if parts.is_empty() {
        "all".into()
    } else {
        parts.join(" ")
    }
}

/// The one unique business key of a partner is its personal account.
fn account_taken(e: crate::ports::StoreError, account: Option<u32>) -> AppError {
    match (e, account) {
        (crate::ports::StoreError::Duplicate(_), Some(a)) => AppError::AlreadyExists {
            what: "personal account",
            key: a.to_string(),
        },
        (other, _) => other.into(),
    }
}

/// A partner's state for change documents (business data, shown in clear).
fn partner_state(p: &PartnerRecord) -> Vec<crate::audit::FieldState> {
    use crate::audit::FieldState as F;
    let d = &p.data;
    vec![
        F::plain("name", Some(&d.name)),
        F::plain("kind", Some(d.kind.key())),
        F::plain("vat_id", d.vat_id.as_ref().map(|v| v.to_string())),
        F::plain("iban", d.iban.as_ref().map(|v| v.as_str().to_string())),
        F::plain("email", d.email.as_ref()),
        F::plain("street", d.street.as_ref()),
        F::plain("postcode", d.postcode.as_ref()),
        F::plain("city", d.city.as_ref()),
        F::plain("country", Some(&d.country)),
        F::plain("account", d.account.map(|a| a.to_string())),
        F::plain("bank_confirmed_by", p.bank_confirmed.as_ref().map(|(by, _)| by.clone())),
    ]
}

fn describe_partner_change(old: &PartnerDraft, new: &PartnerDraft) -> String {
    let mut changed = Vec::new();
    if old.name != new.name {
        changed.push("name");
    }
    if old.kind != new.kind {
        changed.push("kind");
    }
    if old.vat_id != new.vat_id {
        changed.push("vat_id");
    }
    if old.iban != new.iban {
        changed.push("iban");
    }
    if old.email != new.email {
        changed.push("email");
    }
    if old.account != new.account {
        changed.push("account");
    }
    if (&old.street, &old.postcode, &old.city, &old.country) != (&new.street, &new.postcode, &new.city, &new.country) {
        changed.push("address");
    }
    format!(
        "changed: {}",
        if changed.is_empty() {
            "nothing".into()
        } else {
            changed.join(", ")
        }
    )
}
