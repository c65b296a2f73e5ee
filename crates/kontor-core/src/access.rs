//! Roles and permissions. A permission is a (module, action) pair; roles grant
//! permissions per company. This module holds the built-in defaults; the
//! application layer checks them on every use-case, never only the UI.

use std::fmt;

/// A functional area of kontor. The order is the navigation order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Module {
    Inbox,
    Documents,
    Invoices,
    Finance,
    Partners,
    Payroll,
    Contracts,
    Tasks,
    Controls,
    /// The audit trail (Protokoll).
    Audit,
    Admin,
}

impl Module {
    pub const ALL: [Module; 11] = [
        Module::Inbox,
        Module::Documents,
        Module::Invoices,
        Module::Finance,
        Module::Partners,
        Module::Payroll,
        Module::Contracts,
        Module::Tasks,
        Module::Controls,
        Module::Audit,
        Module::Admin,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Module::Inbox => "inbox",
            Module::Documents => "documents",
            Module::Invoices => "invoices",
            Module::Finance => "finance",
            Module::Partners => "partners",
            Module::Payroll => "payroll",
            Module::Contracts => "contracts",
            Module::Tasks => "tasks",
            Module::Controls => "controls",
            Module::Audit => "audit",
            Module::Admin => "admin",
        }
    }

    pub fn from_key(s: &str) -> Option<Module> {
        Module::ALL.into_iter().find(|m| m.key() == s)
    }
}

/// What someone may do within a module.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Read,
    Write,
    Approve,
    Export,
    Manage,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Permission {
    pub module: Module,
    pub action: Action,
}

impl Permission {
    pub const fn new(module: Module, action: Action) -> Self {
        Self { module, action }
    }
}

impl Action {
    pub const ALL: [Action; 5] = [
        Action::Read,
        Action::Write,
        Action::Approve,
        Action::Export,
        Action::Manage,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Write => "write",
            Action::Approve => "approve",
            Action::Export => "export",
            Action::Manage => "manage",
        }
    }
}

impl Permission {
    /// Parses `module:action`, e.g. `partners:read`.
    pub fn parse(s: &str) -> Option<Permission> {
        let (m, a) = s.trim().split_once(':')?;
        let module = Module::from_key(m)?;
        let action = Action::ALL.into_iter().find(|x| x.key() == a)?;
        Some(Permission::new(module, action))
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.module.key(), self.action.key())
    }
}

/// The built-in roles. External roles belong to partners outside the company.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Admin,
    Buchhaltung,
    Personal,
    Freigabe,
    Mitarbeiter,
    Steuerberater,
    Lohnbuero,
    Pruefer,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Admin,
        Role::Buchhaltung,
        Role::Personal,
        Role::Freigabe,
        Role::Mitarbeiter,
        Role::Steuerberater,
        Role::Lohnbuero,
        Role::Pruefer,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Buchhaltung => "buchhaltung",
            Role::Personal => "personal",
            Role::Freigabe => "freigabe",
            Role::Mitarbeiter => "mitarbeiter",
            Role::Steuerberater => "steuerberater",
            Role::Lohnbuero => "lohnbuero",
            Role::Pruefer => "pruefer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        let s = s.trim().to_ascii_lowercase();
        Role::ALL.into_iter().find(|r| r.key() == s)
    }

    /// External partners (tax advisor, payroll provider, auditor).
    pub fn is_external(self) -> bool {
        matches!(self, Role::Steuerberater | Role::Lohnbuero | Role::Pruefer)
    }

    /// Whether this role grants `perm` by default.
    pub fn grants(self, perm: Permission) -> bool {
        use Action::*;
        use Module::*;
        let (m, a) = (perm.module, perm.action);
        match self {
            Role::Admin => match m {
                Admin | Partners | Tasks | Controls | Inbox => matches!(a, Read | Write | Manage),
                Audit => matches!(a, Read | Export),
                // Document rules, legal hold and releasing deletions after
                // retention; reading documents is not part of it.
                Documents => a == Manage,
                _ => false,
            },
            Role::Buchhaltung => match m {
                // Approve on partners: confirming a bank account someone else entered.
                Partners => matches!(a, Read | Write | Export | Approve),
                Inbox | Documents | Invoices | Finance | Tasks | Contracts => {
                    matches!(a, Read | Write | Export)
                }
                Controls => a == Read,
                _ => false,
            },
            Role::Personal => match m {
                // Manage on payroll: the sensitive HR fields.
                Payroll => matches!(a, Read | Write | Export | Manage),
                Tasks | Documents => matches!(a, Read | Write | Export),
                Inbox => a == Read,
                _ => false,
            },
            Role::Freigabe => match m {
                Invoices | Finance | Payroll | Partners => matches!(a, Read | Approve),
                Documents => a == Read,
                Tasks => matches!(a, Read | Write),
                _ => false,
            },
            Role::Mitarbeiter => m == Tasks && matches!(a, Read | Write),
            Role::Steuerberater => match m {
                Finance | Documents | Invoices | Partners => matches!(a, Read | Export),
                _ => false,
            },
            Role::Lohnbuero => m == Payroll && matches!(a, Read | Write | Export | Manage),
            Role::Pruefer => match m {
                Finance | Documents | Invoices | Partners | Payroll | Contracts | Audit => {
                    matches!(a, Read | Export)
                }
                _ => false,
            },
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn role_keys_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.key()), Some(r));
        }
        assert_eq!(Role::parse("chef"), None);
    }

    #[test]
    fn external_roles_never_manage_or_write_finance() {
        for r in Role::ALL.into_iter().filter(|r| r.is_external()) {
            assert!(!r.grants(Permission::new(Module::Admin, Action::Manage)), "{r}");
            assert!(!r.grants(Permission::new(Module::Finance, Action::Write)), "{r}");
        }
    }

    #[test]
    fn permissions_round_trip_through_text() {
        for m in Module::ALL {
            for a in Action::ALL {
                let p = Permission::new(m, a);
                assert_eq!(Permission::parse(&p.to_string()), Some(p));
            }
        }
        assert_eq!(Permission::parse("partners"), None);
        assert_eq!(Permission::parse("partners:fly"), None);
    }

    #[test]
    fn admin_has_no_payroll_access_by_default() {
        assert!(!Role::Admin.grants(Permission::new(Module::Payroll, Action::Read)));
    }
}
