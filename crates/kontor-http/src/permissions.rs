//! The access table: for every API route and every built-in role, allow or
//! deny. It is the contract the running server is tested against (on SQLite
//! and PostgreSQL) and the source of `docs/permissions.md`. The application
//! layer enforces the rules; a unit test checks that this table says what
//! the role → permission rules of `kontor_core::access` imply.

use kontor_core::{Action, Module, Permission, Role};

/// What a route requires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Requires {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user.
    SignedIn,
    /// A permission in the company named in the path.
    Company(Permission),
    /// A permission in the company, or the record is the caller's own
    /// (an employee's own personnel file). The role flags show access to
    /// someone else's record.
    CompanyOrOwn(Permission),
    /// Member of the company; the answer is the caller's own record.
    Own,
    /// Whoever may read the object in the path (or `audit:read`). The flags
    /// show access to a business partner's trail.
    Object,
    /// An installation administrator (the demo's `admin`).
    InstallationAdmin,
}

const A: bool = true;
const D: bool = false;

/// Column order of the role flags.
pub const ROLE_ORDER: [Role; 8] = Role::ALL;

pub struct RouteAccess {
    pub method: &'static str,
    pub path: &'static str,
    pub requires: Requires,
    /// admin, buchhaltung, personal, freigabe, mitarbeiter, steuerberater, lohnbuero, pruefer
    pub roles: [bool; 8],
}

const fn p(module: Module, action: Action) -> Requires {
    Requires::Company(Permission::new(module, action))
}

pub const API_ACCESS: &[RouteAccess] = &[
    RouteAccess {
        method: "POST",
        path: "/api/v1/auth/login",
        requires: Requires::Public,
        roles: [A, A, A, A, A, A, A, A],
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/auth/logout",
        requires: Requires::SignedIn,
        roles: [A, A, A, A, A, A, A, A],
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/me",
        requires: Requires::SignedIn,
        roles: [A, A, A, A, A, A, A, A],
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/companies",
        requires: Requires::SignedIn,
        roles: [A, A, A, A, A, A, A, A],
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/companies",
        requires: Requires::InstallationAdmin,
        roles: [A, D, D, D, D, D, D, D],
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/companies/{code}/partners",
        requires: p(Module::Partners, Action::Read),
        roles: [A, A, D, A, D, A, D, A],
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/companies/{code}/partners",
        requires: p(Module::Partners, Action::Write),
        roles: [A, A, D, D, D, D, D, D],
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/companies/{code}/partners/{id}",
        requires: p(Module::Partners, Action::Read),
        roles: [A, A, D, A, D, A, D, A],
    },
    RouteAccess {
        method: "PUT",
        path: "/api/v1/companies/{code}/partners/{id}",
        requires: p(Module::Partners, Action::Write),
        roles: [A, A, D, D, D, D, D, D],
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/companies/{code}/partners/{id}/confirm-bank",
        requires: p(Module::Partners, Action::Approve),
        roles: [D, A, D, A, D, D, D, D],
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/companies/{code}/audit",
        requires: p(Module::Audit, Action::Read),
        roles: [A, D, D, D, D, D, D, A],
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/companies/{code}/audit/{object_type}/{id}",
        requires: Requires::Object,
        roles: [A, A, D, A, D, A, D, A],
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/users",
        requires: Requires::InstallationAdmin,
        roles: [A, D, D, D, D, D, D, D],
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/users",
        requires: Requires::InstallationAdmin,
        roles: [A, D, D, D, D, D, D, D],
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/admin/jobs",
        requires: Requires::InstallationAdmin,
        roles: [A, D, D, D, D, D, D, D],
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/admin/jobs/{id}/requeue",
        requires: Requires::InstallationAdmin,
        roles: [A, D, D, D, D, D, D, D],
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/admin/login-locks",
        requires: Requires::InstallationAdmin,
        roles: [A, D, D, D, D, D, D, D],
    },
    RouteAccess {
        method: "DELETE",
        path: "/api/v1/admin/login-locks/{key}",
        requires: Requires::InstallationAdmin,
        roles: [A, D, D, D, D, D, D, D],
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/companies/{code}/employees",
        requires: p(Module::Payroll, Action::Read),
        roles: [D, D, A, A, D, D, A, A],
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/companies/{code}/employees",
        requires: p(Module::Payroll, Action::Write),
        roles: [D, D, A, D, D, D, A, D],
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/companies/{code}/employees/{id}",
        requires: p(Module::Payroll, Action::Read),
        roles: [D, D, A, A, D, D, A, A],
    },
    RouteAccess {
        method: "PUT",
        path: "/api/v1/companies/{code}/employees/{id}",
        requires: p(Module::Payroll, Action::Write),
        roles: [D, D, A, D, D, D, A, D],
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/tokens",
        requires: Requires::SignedIn,
        roles: [A, A, A, A, A, A, A, A],
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/tokens",
        requires: Requires::SignedIn,
        roles: [A, A, A, A, A, A, A, A],
    },
    RouteAccess {
        method: "DELETE",
        path: "/api/v1/tokens/{id}",
        requires: Requires::SignedIn,
        roles: [A, A, A, A, A, A, A, A],
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/companies/{code}/partner-access",
        requires: p(Module::Admin, Action::Manage),
        roles: [A, D, D, D, D, D, D, D],
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/companies/{code}/partner-access",
        requires: p(Module::Admin, Action::Manage),
        roles: [A, D, D, D, D, D, D, D],
    },
    RouteAccess {
        method: "DELETE",
        path: "/api/v1/companies/{code}/partner-access/{id}",
        requires: p(Module::Admin, Action::Manage),
        roles: [A, D, D, D, D, D, D, D],
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/invitations/accept",
        requires: Requires::Public,
        roles: [A, A, A, A, A, A, A, A],
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/companies/{code}/employees/{id}/documents",
        requires: Requires::CompanyOrOwn(Permission::new(Module::Payroll, Action::Manage)),
        roles: [D, D, A, D, D, D, A, D],
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/companies/{code}/employees/{id}/documents",
        requires: p(Module::Payroll, Action::Manage),
        roles: [D, D, A, D, D, D, A, D],
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/companies/{code}/employees/{id}/documents/{doc}",
        requires: Requires::CompanyOrOwn(Permission::new(Module::Payroll, Action::Manage)),
        roles: [D, D, A, D, D, D, A, D],
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/companies/{code}/documents",
        requires: p(Module::Documents, Action::Read),
        roles: [D, A, A, A, D, A, D, A],
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/companies/{code}/documents",
        requires: p(Module::Documents, Action::Write),
        roles: [D, A, A, D, D, D, D, D],
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/companies/{code}/documents/{id}",
        requires: p(Module::Documents, Action::Read),
        roles: [D, A, A, A, D, A, D, A],
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/companies/{code}/documents/search",
        requires: p(Module::Documents, Action::Read),
        roles: [D, A, A, A, D, A, D, A],
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/companies/{code}/documents/{id}/confirm",
        requires: p(Module::Documents, Action::Write),
        roles: [D, A, A, D, D, D, D, D],
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/companies/{code}/documents/{id}/reprocess",
        requires: p(Module::Documents, Action::Write),
        roles: [D, A, A, D, D, D, D, D],
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/companies/{code}/tasks",
        requires: p(Module::Tasks, Action::Read),
        roles: [A, A, A, A, A, D, D, D],
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/companies/{code}/tasks/{id}/complete",
        requires: p(Module::Tasks, Action::Write),
        roles: [A, A, A, A, A, D, D, D],
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/companies/{code}/processes/{key}/ocel",
        requires: p(Module::Tasks, Action::Manage),
        roles: [A, D, D, D, D, D, D, D],
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/companies/{code}/bank/accounts",
        requires: p(Module::Finance, Action::Read),
        roles: [D, A, D, A, D, A, D, A],
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/companies/{code}/bank/statements",
        requires: p(Module::Finance, Action::Write),
        roles: [D, A, D, D, D, D, D, D],
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/companies/{code}/bank/lines",
        requires: p(Module::Finance, Action::Read),
        roles: [D, A, D, A, D, A, D, A],
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/companies/{code}/payment-runs/{id}/pain",
        requires: p(Module::Finance, Action::Read),
        roles: [D, A, D, A, D, A, D, A],
    },
    RouteAccess {
        method: "PUT",
        path: "/api/v1/companies/{code}/employees/{id}/account",
        requires: p(Module::Payroll, Action::Manage),
        roles: [D, D, A, D, D, D, A, D],
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/companies/{code}/me/employee",
        requires: Requires::Own,
        roles: [A, A, A, A, A, A, A, A],
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/companies/{code}/roles",
        requires: p(Module::Admin, Action::Manage),
        roles: [A, D, D, D, D, D, D, D],
    },
    RouteAccess {
        method: "PUT",
        path: "/api/v1/companies/{code}/roles/{key}",
        requires: p(Module::Admin, Action::Manage),
        roles: [A, D, D, D, D, D, D, D],
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/companies/{code}/employees/{id}/dsgvo-export",
        requires: Requires::CompanyOrOwn(Permission::new(Module::Payroll, Action::Manage)),
        roles: [D, D, A, D, D, D, A, D],
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/companies/{code}/employees/{id}/restrict",
        requires: p(Module::Payroll, Action::Manage),
        roles: [D, D, A, D, D, D, A, D],
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/companies/{code}/employees/{id}/erase",
        requires: p(Module::Payroll, Action::Manage),
        roles: [D, D, A, D, D, D, A, D],
    },
];

/// `docs/permissions.md`, rendered from [`API_ACCESS`].
pub fn markdown() -> String {
    let mut out = String::from(
        "# Permissions\n\nGenerated from `crates/kontor-http/src/permissions.rs` (`kontor permissions`); do not edit by hand.\n\n\
         Each API route and what each built-in role may do with it, in a company where the user has that role. \
         ✅ allowed, ❌ refused (HTTP 403). `admin` is also the installation administrator in the demo. \
         Records of a company the user does not belong to are never visible (HTTP 404).\n\n",
    );
    out.push_str("| method | route | requires |");
    for r in ROLE_ORDER {
        out.push_str(&format!(" {} |", r.key()));
    }
    out.push_str("\n|---|---|---|");
    for _ in ROLE_ORDER {
        out.push_str(":-:|");
    }
    out.push('\n');
    for row in API_ACCESS {
        let req = match row.requires {
            Requires::Public => "anyone".to_string(),
            Requires::SignedIn => "signed in".to_string(),
            Requires::InstallationAdmin => "installation administrator".to_string(),
            Requires::Company(p) => format!("`{p}` in the company"),
            Requires::CompanyOrOwn(p) => format!("`{p}` in the company, or the caller's own record"),
            Requires::Own => "member of the company; only the caller's own record".to_string(),
            Requires::Object => "read access to the object (e.g. `partners:read`), or `audit:read`".to_string(),
        };
        out.push_str(&format!("| {} | `{}` | {} |", row.method, row.path, req));
        for allowed in row.roles {
            out.push_str(if allowed { " ✅ |" } else { " ❌ |" });
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// The explicit flags agree with the role rules the use-cases enforce.
    #[test]
    fn table_agrees_with_the_role_rules() {
        for row in API_ACCESS {
            for (i, role) in ROLE_ORDER.iter().enumerate() {
                let implied = match row.requires {
                    Requires::Public | Requires::SignedIn | Requires::Own => true,
                    Requires::Object => {
                        role.grants(Permission::new(Module::Partners, Action::Read))
                            || role.grants(Permission::new(Module::Audit, Action::Read))
                    }
                    Requires::InstallationAdmin => *role == Role::Admin,
                    Requires::Company(p) | Requires::CompanyOrOwn(p) => role.grants(p),
                };
                assert_eq!(row.roles[i], implied, "{} {} for {}", row.method, row.path, role.key());
            }
        }
    }

    #[test]
    fn the_committed_document_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/permissions.md");
        if std::env::var("KONTOR_UPDATE_DOCS").is_ok_and(|v| v == "1") {
            std::fs::write(path, markdown()).unwrap();
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == markdown(),
            "docs/permissions.md is stale: run `KONTOR_UPDATE_DOCS=1 cargo test -p kontor-http permissions`"
        );
    }
}
