//! kontor-core: the vocabulary every kontor module shares.
//!
//! Main design decision: this crate is pure. It holds types that can only be
//! built valid (parse, don't validate) and the ports for time and identity
//! (`Clock`, `IdGen`), but performs no I/O and reads no clock itself, so every
//! rule here is testable with plain values. A concept that two domain crates
//! need moves down into this crate instead of one domain crate depending on
//! another.

pub mod access;
pub mod employee;
pub mod ids;
pub mod lang;
pub mod limits;
pub mod partner;
pub mod period;
pub mod sod;
pub mod text;
pub mod time;

pub use access::{Action, Module, Permission, Role};
pub use employee::{EmployeeDraft, EmployeeInput, SensitiveHr, Steuerklasse, SvNumber, TaxId};
pub use ids::*;
pub use lang::Lang;
pub use partner::{Iban, PartnerDraft, PartnerInput, PartnerKind, VatId};
pub use period::{Period, YearMonth};
pub use text::{fields, CompanyCode, CompanyName, DisplayName, Field, ParseError, Username};
pub use time::{Clock, IdGen, Timestamp};
