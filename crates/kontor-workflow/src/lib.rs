//! kontor's workflow rules, pure: what a process is ([`ProcessDef`]: steps
//! of four kinds, transitions with conditions, a version), how automated a
//! step is ([`AutomationLevel`]) and when its result goes to a person
//! ([`ReviewPolicy::decide`]), when a step's measured error rate lowers its
//! level ([`ReviewStats::demotion`]), and who may approve
//! ([`ApprovalRule`], [`check_approver`]). The engine that stores
//! instances and runs them as jobs lives in kontor-app; this crate decides.

pub mod approval;
pub mod automation;
pub mod definition;

pub use approval::{check_approver, ApprovalRule, Refusal};
pub use automation::{AutomationLevel, Review, ReviewPolicy, ReviewStats};
pub use definition::{
    bank_statement, incoming_invoice, payment_run, Condition, DefError, Facts, ProcessDef, ProcessParams, StepDef,
    StepKind, Transition,
};
