//! External partners: an administrator of a company invites a tax advisor,
//! payroll provider or auditor with a role, a validity window and (for the
//! finance roles) a period of months. The invitation is a one-time link whose
//! token only the invitee sees; the store keeps its SHA-256. Accepting binds
//! the grant to an account (a new one, or the firm's existing one, which may
//! serve several client companies). Memberships are loaded on every request
//! from the grants in force at that moment, so expiry and revocation act on
//! the next request, without waiting for sessions to end.

use kontor_core::period::date_start;
use kontor_core::{
    Action, CompanyId, DisplayName, GrantId, Lang, Module, ParseError, Period, Permission, Role, Timestamp, UserId,
    Username,
};

use crate::actor::Actor;
use crate::app::{App, LoginOutcome, SignIn};
use crate::error::{AppError, AppResult};
use crate::records::{CompanyRecord, PartnerGrantRecord, UserRecord};
use crate::security;

/// Administering a company's partner access.
pub const MANAGE: Permission = Permission::new(Module::Admin, Action::Manage);
/// How long an invitation link stays usable.
pub const INVITATION_DAYS: i64 = 14;
/// Longest validity window of one grant.
pub const GRANT_DAYS_MAX: i64 = 3 * 366;
const DAY_MS: i64 = 86_400_000;

/// What an administrator fills in to invite a partner.
#[derive(Clone, Copy, Debug, Default)]
pub struct InviteInput<'a> {
    pub role: &'a str,
    pub firm: &'a str,
    pub email: Option<&'a str>,
    /// First day of access (`YYYY-MM-DD`); today when empty.
    pub valid_from: Option<&'a str>,
    /// Last day of access (`YYYY-MM-DD`, inclusive).
    pub valid_until: &'a str,
    /// Months the partner may see, e.g. `2026` or `2025-07..2026-06`;
    /// required for tax advisors and auditors.
    pub period: Option<&'a str>,
}

/// A new invitation: the record plus the one-time token (shown once).
#[derive(Clone, Debug)]
pub struct Invitation {
    pub grant: PartnerGrantRecord,
    pub token: String,
    /// Set when the link went out by mail; then it is not shown to the admin.
    pub mailed_to: Option<String>,
    /// Why mailing failed (the admin then passes the link on).
    pub mail_error: Option<String>,
}

impl Invitation {
    /// The path of the acceptance page; adapters prefix their base URL.
    pub fn path(&self) -> String {
        format!("/invite/{}", self.token)
    }
}

/// What the invitee sees before accepting.
#[derive(Clone, Debug)]
pub struct InvitationView {
    pub grant: PartnerGrantRecord,
    pub company_name: String,
}

/// Accepting an invitation, with a new account or an existing one.
#[derive(Clone, Copy, Debug)]
pub struct Acceptance<'a> {
    pub token: &'a str,
    /// `Some(display name)`: create the account `username`; `None`: sign in
    /// with the existing account `username`.
    pub new_account: Option<&'a str>,
    pub username: &'a str,
    pub password: &'a str,
    pub second_factor: Option<&'a str>,
    pub client: Option<&'a str>,
}

fn invalid(field: &'static str, en: impl Into<String>, de: impl Into<String>) -> ParseError {
    ParseError::new(field, en, de)
}

/// Checks the invitation form; all problems at once.
fn parse_invite(input: &InviteInput<'_>, now: Timestamp) -> AppResult<ParsedInvite> {
    let mut errors = Vec::new();
    let role = match Role::parse(input.role) {
        Some(r) if r.is_external() => Some(r),
        _ => {
            errors.push(invalid(
                "role",
                "Choose the partner's role: steuerberater, lohnbuero or pruefer.",
                "Wählen Sie die Rolle des Partners: steuerberater, lohnbuero oder pruefer.",
            ));
            None
        }
    };
    let firm = input.firm.trim();
    if firm.is_empty() || firm.chars().count() > 200 {
        errors.push(invalid(
            "firm",
            "Name the partner's firm (up to 200 characters).",
            "Geben Sie die Kanzlei bzw. Firma des Partners an (bis 200 Zeichen).",
        ));
    }
    let email = input.email.map(str::trim).filter(|e| !e.is_empty());
    if let Some(e) = email {
        if !e.contains('@') || e.len() > 254 || e.chars().any(char::is_whitespace) {
            errors.push(invalid(
                "email",
                format!("'{e}' is not an e-mail address."),
                format!("'{e}' ist keine E-Mail-Adresse."),
            ));
        }
    }
    let today = Timestamp::from_millis(now.millis().div_euclid(DAY_MS) * DAY_MS);
    let from = match input.valid_from.map(str::trim).filter(|s| !s.is_empty()) {
        None => Some(today),
        Some(s) => {
            let d = date_start(s);
            if d.is_none() {
                errors.push(invalid(
                    "valid_from",
                    "The first day of access must be a date like 2026-12-01.",
                    "Der erste Zugriffstag muss ein Datum wie 2026-12-01 sein.",
                ));
            }
            d
        }
    };
    let until = match date_start(input.valid_until) {
        // Inclusive last day: access ends at midnight after it.
        Some(d) => Some(Timestamp::from_millis(d.millis() + DAY_MS)),
        None => {
            errors.push(invalid(
                "valid_until",
                "The last day of access must be a date like 2027-06-30.",
                "Der letzte Zugriffstag muss ein Datum wie 2027-06-30 sein.",
            ));
            None
        }
    };
    if let (Some(f), Some(u)) = (from, until) {
        if u <= f || u <= now {
            errors.push(invalid(
                "valid_until",
                "The last day of access must lie after the first one and in the future.",
                "Der letzte Zugriffstag muss nach dem ersten und in der Zukunft liegen.",
            ));
        } else if u.millis() - f.millis() > GRANT_DAYS_MAX * DAY_MS {
            errors.push(invalid(
                "valid_until",
                "Partner access can be granted for at most three years at a time.",
                "Partnerzugriff wird für höchstens drei Jahre am Stück gewährt.",
            ));
        }
    }
    let period = match input.period.map(str::trim).filter(|s| !s.is_empty()) {
        Some(p) => Period::parse(p).map_err(|e| errors.push(e)).ok(),
        None => None,
    };
    let finance = matches!(role, Some(Role::Steuerberater | Role::Pruefer));
    if finance && period.is_none() && !errors.iter().any(|e| e.field == "periods") {
        errors.push(invalid(
            "periods",
            "Tax advisors and auditors see only granted periods: enter e.g. 2026 or 2025-07..2026-06.",
            "Steuerberater und Prüfer sehen nur freigegebene Zeiträume: z. B. 2026 oder 2025-07..2026-06 eingeben.",
        ));
    }
    match (role, from, until) {
        (Some(role), Some(valid_from), Some(valid_until)) if errors.is_empty() => Ok(ParsedInvite {
            role,
            firm: firm.to_string(),
            email: email.map(str::to_string),
            valid_from,
            valid_until,
            // Only the finance roles are period-bound.
            period: if finance { period } else { None },
        }),
        _ => Err(AppError::Invalid(errors)),
    }
}

struct ParsedInvite {
    role: Role,
    firm: String,
    email: Option<String>,
    valid_from: Timestamp,
    valid_until: Timestamp,
    period: Option<Period>,
}

/// The invitation mail (German first, English second, like the UI).
fn invitation_mail(inv: &Invitation, company: &str, base: &str, to: &str) -> crate::ports::Mail {
    let g = &inv.grant;
    let until = kontor_core::period::date_of(Timestamp::from_millis(g.valid_until.millis() - 1));
    let link_until = kontor_core::period::date_of(g.invite_expires_at);
    let period = g.period.map(|p| p.to_string()).unwrap_or_else(|| "–".into());
    let link = format!("{base}{}", inv.path());
    crate::ports::Mail {
        to: to.to_string(),
        subject: format!("Einladung zu kontor: {company} / Invitation to kontor: {company}"),
        text: format!(
            "Guten Tag,\n\n{company} lädt {firm} als {role} in kontor ein.\n\
             Zugriff bis: {until}\nFreigegebener Zeitraum: {period}\n\n\
             Einladung annehmen (einmal verwendbar, gültig bis {link_until}):\n{link}\n\n\
             ---\n\n{company} invites {firm} to kontor as {role}.\nAccess until: {until}\n\
             Granted period: {period}\n\nAccept the invitation (one use, valid until {link_until}):\n{link}\n",
            firm = g.firm,
            role = g.role,
        ),
    }
}

fn describe(g: &PartnerGrantRecord) -> String {
    let period = g.period.map(|p| format!(", period {p}")).unwrap_or_default();
    format!(
        "{} for {} ({}), {}..{}{}",
        g.role,
        g.firm,
        g.email.as_deref().unwrap_or("no e-mail"),
        kontor_core::period::date_of(g.valid_from),
        kontor_core::period::date_of(Timestamp::from_millis(g.valid_until.millis() - 1)),
        period
    )
}

impl App {
    /// Invites an external partner to `company`. Returns the one-time token.
    pub async fn invite_partner(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        input: &InviteInput<'_>,
    ) -> AppResult<Invitation> {
        actor.require(company.id, MANAGE)?;
        let now = self.now();
        let p = parse_invite(input, now)?;
        let token = security::new_token(self.random());
        let grant = PartnerGrantRecord {
            id: GrantId::from_uuid(self.ids().new_uuid()),
            company_id: company.id,
            role: p.role,
            firm: p.firm,
            email: p.email,
            user_id: None,
            valid_from: p.valid_from,
            valid_until: p.valid_until,
            period: p.period,
            invite_hash: Some(security::sha256_hex(&token)),
            invite_expires_at: Timestamp::from_millis(
                (now.millis() + INVITATION_DAYS * DAY_MS).min(p.valid_until.millis()),
            ),
            accepted_at: None,
            revoked_at: None,
            created_by: actor.label.clone(),
            created_at: now,
        };
        let mut tx = self.store().begin().await?;
        tx.insert_grant(&grant).await?;
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "partner_access.invite",
            &grant.id.to_string(),
            describe(&grant),
        )
        .await?;
        tx.commit().await?;
        let mut inv = Invitation {
            grant,
            token,
            mailed_to: None,
            mail_error: None,
        };
        if let (Some((mailer, base)), Some(to)) = (self.mailer(), inv.grant.email.clone()) {
            // The link goes straight to the partner; it is never stored.
            let mail = invitation_mail(&inv, &company.name.to_string(), base, &to);
            match mailer.send(&mail).await {
                Ok(()) => inv.mailed_to = Some(to),
                Err(e) => {
                    tracing::warn!(error = %e, "invitation mail failed; the link is shown to the administrator");
                    inv.mail_error = Some(e);
                }
            }
            let mut tx = self.store().begin().await?;
            let (action, detail) = match &inv.mailed_to {
                Some(to) => ("partner_access.mailed", format!("to {to}")),
                None => ("partner_access.mail_failed", inv.mail_error.clone().unwrap_or_default()),
            };
            self.audit(
                &mut tx,
                actor,
                Some(company.id),
                action,
                &inv.grant.id.to_string(),
                detail,
            )
            .await?;
            tx.commit().await?;
        }
        Ok(inv)
    }

    /// The partner access of a company, newest first.
    pub async fn partner_accesses(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
    ) -> AppResult<Vec<(PartnerGrantRecord, Option<UserRecord>)>> {
        actor.require(company.id, MANAGE)?;
        let mut tx = self.store().begin_read().await?;
        let grants = tx.grants_of_company(company.id).await?;
        let mut out = Vec::with_capacity(grants.len());
        for g in grants {
            let user = match g.user_id {
                Some(u) => tx.user_by_id(u).await?,
                None => None,
            };
            out.push((g, user));
        }
        Ok(out)
    }

    /// Ends a partner's access (or withdraws an invitation) at once.
    pub async fn revoke_partner_access(&self, actor: &Actor, company: &CompanyRecord, id: GrantId) -> AppResult<()> {
        actor.require(company.id, MANAGE)?;
        let mut tx = self.store().begin().await?;
        let grant = tx.grant(company.id, id).await?.ok_or_else(|| AppError::NotFound {
            what: "partner access",
            key: id.to_string(),
        })?;
        if !tx.revoke_grant(company.id, id, self.now()).await? {
            return Err(AppError::Conflict {
                en: "This partner access was already revoked.".into(),
                de: "Dieser Partnerzugang wurde bereits widerrufen.".into(),
            });
        }
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "partner_access.revoke",
            &id.to_string(),
            describe(&grant),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The invitation behind a link, if it can still be accepted.
    pub async fn invitation(&self, token: &str) -> AppResult<InvitationView> {
        let mut tx = self.store().begin_read().await?;
        let grant = tx
            .grant_by_invite(&security::sha256_hex(token.trim()))
            .await?
            .filter(|g| g.invitation_open_at(self.now()))
            .ok_or(AppError::InvitationUnusable)?;
        let company_name = tx
            .list_companies()
            .await?
            .into_iter()
            .find(|c| c.id == grant.company_id)
            .map(|c| c.name.as_str().to_string())
            .unwrap_or_default();
        Ok(InvitationView { grant, company_name })
    }

    /// Accepts an invitation and signs the partner in. With a new account,
    /// the account and the acceptance are one transaction; with an existing
    /// one, the password (and second factor) are checked first, throttled
    /// like every sign-in.
    pub async fn accept_invitation(&self, a: &Acceptance<'_>) -> AppResult<LoginOutcome> {
        let hash = security::sha256_hex(a.token.trim());
        let now = self.now();
        let sign_in = SignIn {
            username: a.username,
            password: a.password,
            second_factor: a.second_factor,
            client: a.client,
            allow_enrollment: true,
        };
        let actor_for = |user: &UserRecord| {
            Actor {
                label: format!("user:{}", user.username),
                ..Actor::system("invitation")
            }
            .from_addr(a.client.map(str::to_string))
        };
        if let Some(display_name) = a.new_account {
            let mut errors = Vec::new();
            let username = Username::parse(a.username).map_err(|e| errors.push(e)).ok();
            let display = DisplayName::parse(display_name).map_err(|e| errors.push(e)).ok();
            let _ = security::check_password_policy(a.password).map_err(|e| errors.push(e));
            let (Some(username), Some(display), true) = (username, display, errors.is_empty()) else {
                return Err(AppError::Invalid(errors));
            };
            let password_hash = security::hash_password(a.password, self.random())?;
            let mut tx = self.store().begin().await?;
            let grant = tx
                .grant_by_invite(&hash)
                .await?
                .filter(|g| g.invitation_open_at(now))
                .ok_or(AppError::InvitationUnusable)?;
            if tx.user_by_name(&username).await?.is_some() {
                return Err(AppError::AlreadyExists {
                    what: "user",
                    key: username.to_string(),
                });
            }
            let user = UserRecord {
                id: UserId::from_uuid(self.ids().new_uuid()),
                username,
                display_name: display.as_str().to_string(),
                password_hash,
                lang: Lang::De,
                system_admin: false,
                disabled: false,
                created_at: now,
                updated_at: now,
                totp_secret: None,
                totp_enabled: false,
                totp_last_step: 0,
            };
            tx.insert_user(&user).await?;
            let actor = actor_for(&user);
            self.audit(
                &mut tx,
                &actor,
                None,
                "user.create",
                user.username.as_str(),
                "by invitation",
            )
            .await?;
            self.finish_acceptance(&mut tx, &actor, &grant, user.id).await?;
            tx.commit().await?;
            return self.sign_in(&sign_in).await;
        }
        // Existing account: make sure the link is good before asking for the password.
        self.invitation(a.token).await?;
        let outcome = self.sign_in(&sign_in).await?;
        let mut tx = self.store().begin().await?;
        let grant = tx
            .grant_by_invite(&hash)
            .await?
            .filter(|g| g.invitation_open_at(now))
            .ok_or(AppError::InvitationUnusable)?;
        let actor = actor_for(&outcome.session.user);
        self.finish_acceptance(&mut tx, &actor, &grant, outcome.session.user.id)
            .await?;
        tx.set_session_company(&outcome.session.token_hash, grant.company_id)
            .await?;
        tx.commit().await?;
        Ok(outcome)
    }

    async fn finish_acceptance(
        &self,
        tx: &mut Box<dyn crate::Tx>,
        actor: &Actor,
        grant: &PartnerGrantRecord,
        user: UserId,
    ) -> AppResult<()> {
        if !tx.accept_grant(grant.id, user, self.now()).await? {
            return Err(AppError::InvitationUnusable);
        }
        self.audit(
            tx,
            actor,
            Some(grant.company_id),
            "partner_access.accept",
            &grant.id.to_string(),
            describe(grant),
        )
        .await
    }

    /// The grants of a company by id, for CLI use (`kontor admin partner`).
    pub async fn company_of_grant(&self, actor: &Actor, company: CompanyId) -> AppResult<CompanyRecord> {
        let mut tx = self.store().begin_read().await?;
        let c = tx
            .list_companies()
            .await?
            .into_iter()
            .find(|c| c.id == company)
            .ok_or_else(|| AppError::NotFound {
                what: "company",
                key: company.to_string(),
            })?;
        if !actor.is_member(c.id) {
            return Err(AppError::NotFound {
                what: "company",
                key: company.to_string(),
            });
        }
        Ok(c)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        date_start("2026-11-27").unwrap()
    }

    #[test]
    fn finance_partners_need_a_period_and_payroll_partners_do_not_get_one() {
        let base = InviteInput {
            role: "steuerberater",
            firm: "Kanzlei Berg",
            valid_until: "2027-06-30",
            ..Default::default()
        };
        let Err(AppError::Invalid(errs)) = parse_invite(&base, now()) else {
            panic!("a tax advisor without period must be refused")
        };
        assert!(errs.iter().any(|e| e.field == "periods"));
        let ok = parse_invite(
            &InviteInput {
                period: Some("2026"),
                ..base
            },
            now(),
        )
        .unwrap();
        assert_eq!(ok.period.unwrap().to_string(), "2026-01..2026-12");
        assert_eq!(kontor_core::period::date_of(ok.valid_until), "2027-07-01");
        let lohn = parse_invite(
            &InviteInput {
                role: "lohnbuero",
                period: Some("2026"),
                ..base
            },
            now(),
        )
        .unwrap();
        assert_eq!(lohn.period, None);
    }

    #[test]
    fn internal_roles_past_windows_and_bad_dates_are_refused_together() {
        let Err(AppError::Invalid(errs)) = parse_invite(
            &InviteInput {
                role: "buchhaltung",
                firm: "",
                email: Some("kein mail"),
                valid_from: Some("2026-13-01"),
                valid_until: "2025-01-01",
                period: Some("2026"),
            },
            now(),
        ) else {
            panic!("must be refused")
        };
        let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
        for f in ["role", "firm", "email", "valid_from"] {
            assert!(fields.contains(&f), "{f} missing in {fields:?}");
        }
    }
}
