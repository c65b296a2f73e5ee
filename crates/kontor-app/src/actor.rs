//! Who is acting. Every use-case receives an `Actor` and checks permissions
//! against it; audit events record its label.

use kontor_core::{CompanyCode, CompanyId, Permission, Role, UserId};

use crate::error::{AppError, AppResult};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Membership {
    pub company_id: CompanyId,
    pub company_code: CompanyCode,
    pub company_name: String,
    pub role: Role,
    /// Set when the membership is an external partner's access: then it
    /// ends at `valid_until` and may be limited to a period.
    pub partner: Option<PartnerScope>,
    /// Set for a role the company's administrators defined; then its
    /// permissions replace those of `role` (which is only a placeholder).
    pub custom: Option<CustomRole>,
}

/// A custom role as a membership carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomRole {
    pub key: String,
    pub name: String,
    pub permissions: Vec<Permission>,
    pub require_2fa: bool,
}

impl Membership {
    /// Whether this membership grants `perm`.
    pub fn grants(&self, perm: Permission) -> bool {
        match &self.custom {
            Some(c) => c.permissions.contains(&perm),
            None => self.role.grants(perm),
        }
    }

    /// The stored role key: `buchhaltung`, or `custom:<key>`.
    pub fn role_key(&self) -> String {
        match &self.custom {
            Some(c) => format!("custom:{}", c.key),
            None => self.role.key().to_string(),
        }
    }
}

/// The scope of an external partner's access to one company.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartnerScope {
    pub grant: kontor_core::GrantId,
    pub firm: String,
    pub valid_until: kontor_core::Timestamp,
    /// Months the partner may see; `None`: not period-bound.
    pub period: Option<kontor_core::Period>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActorKind {
    /// A signed-in person.
    User(UserId),
    /// The operator at the command line, who holds the data directory anyway.
    Cli,
    /// kontor itself (background jobs, start-up).
    System,
}

#[derive(Clone, Debug)]
pub struct Actor {
    pub kind: ActorKind,
    /// What the audit trail records, e.g. `user:admin` or `cli:root`.
    pub label: String,
    /// Installation administrators manage users and companies.
    pub system_admin: bool,
    pub memberships: Vec<Membership>,
    /// Network address the request came from (HTTP), for the audit trail.
    pub client_addr: Option<String>,
    /// An API token's permissions: the actor may do only these, and only
    /// what its roles also grant. `None` for people and operators.
    pub scope: Option<Vec<Permission>>,
}

impl Actor {
    pub fn cli(os_user: &str) -> Self {
        Self {
            kind: ActorKind::Cli,
            label: format!("cli:{os_user}"),
            system_admin: true,
            memberships: vec![],
            client_addr: None,
            scope: None,
        }
    }

    pub fn system(what: &str) -> Self {
        Self {
            kind: ActorKind::System,
            label: format!("system:{what}"),
            system_admin: true,
            memberships: vec![],
            client_addr: None,
            scope: None,
        }
    }

    /// The same actor, acting from `addr`.
    pub fn from_addr(mut self, addr: Option<String>) -> Self {
        self.client_addr = addr;
        self
    }

    pub fn user_id(&self) -> Option<UserId> {
        match self.kind {
            ActorKind::User(id) => Some(id),
            _ => None,
        }
    }

    fn is_operator(&self) -> bool {
        matches!(self.kind, ActorKind::Cli | ActorKind::System)
    }

    /// The built-in roles held in `company` (custom roles are not listed).
    pub fn roles_in(&self, company: CompanyId) -> impl Iterator<Item = Role> + '_ {
        self.memberships
            .iter()
            .filter(move |m| m.company_id == company && m.custom.is_none())
            .map(|m| m.role)
    }

    pub fn can(&self, company: CompanyId, perm: Permission) -> bool {
        self.is_operator()
            || (self
                .memberships
                .iter()
                .any(|m| m.company_id == company && m.grants(perm))
                && self.scope.as_ref().is_none_or(|s| s.contains(&perm)))
    }

    pub fn require(&self, company: CompanyId, perm: Permission) -> AppResult<()> {
        if self.can(company, perm) {
            Ok(())
        } else {
            Err(AppError::Forbidden { permission: perm })
        }
    }

    /// Whether records of `month` are visible to the actor in `company`:
    /// always for the company's own people; for partners only within their
    /// granted period.
    pub fn sees_month(&self, company: CompanyId, month: kontor_core::YearMonth) -> bool {
        if self.is_operator() {
            return true;
        }
        let mut ms = self.memberships.iter().filter(|m| m.company_id == company).peekable();
        ms.peek().is_some()
            && ms.any(|m| match &m.partner {
                None => true,
                Some(p) => p.period.is_none_or(|per| per.contains(month)),
            })
    }

    /// The period the actor is limited to in `company`, if every membership
    /// there is period-bound (the widest such range wins).
    pub fn period_limit(&self, company: CompanyId) -> Option<kontor_core::Period> {
        if self.is_operator() {
            return None;
        }
        let mut limit: Option<kontor_core::Period> = None;
        for m in self.memberships.iter().filter(|m| m.company_id == company) {
            match m.partner.as_ref().and_then(|p| p.period) {
                None => return None,
                Some(p) => {
                    limit = Some(match limit {
                        None => p,
                        Some(l) => kontor_core::Period {
                            from: l.from.min(p.from),
                            to: l.to.max(p.to),
                        },
                    })
                }
            }
        }
        limit
    }

    pub fn require_system_admin(&self) -> AppResult<()> {
        if self.system_admin {
            Ok(())
        } else {
            Err(AppError::AdminOnly)
        }
    }

    pub fn is_member(&self, company: CompanyId) -> bool {
        self.is_operator() || self.memberships.iter().any(|m| m.company_id == company)
    }
}
