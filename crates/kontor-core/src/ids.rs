//! Typed identifiers. Every entity has its own id type so that a `UserId` can
//! never be passed where a `CompanyId` is expected.

use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Uuid);

        impl $name {
            pub const fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

typed_id!(
    /// A person who can sign in.
    UserId
);
typed_id!(
    /// A company (Mandant) kept in this installation.
    CompanyId
);
typed_id!(
    /// A business partner (customer or supplier) of one company.
    PartnerId
);
typed_id!(
    /// A background job in the durable queue.
    JobId
);
typed_id!(
    /// An entry of the audit trail.
    AuditEventId
);
typed_id!(
    /// An API token of a user.
    ApiTokenId
);
typed_id!(
    /// An employee of one company.
    EmployeeId
);
typed_id!(
    /// Access of an external partner (tax advisor, payroll provider,
    /// auditor) to one company, from invitation to expiry or revocation.
    GrantId
);
typed_id!(
    /// A document in an employee's personnel file (e.g. a payslip).
    EmployeeDocumentId
);
typed_id!(
    /// A role an administrator defined for one company.
    CustomRoleId
);
