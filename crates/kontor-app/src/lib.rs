//! kontor-app: the application layer.
//!
//! Main design decision: every use-case is a method on [`App`] that takes the
//! acting [`Actor`], checks the permission it needs, does its work inside one
//! store transaction and writes its audit event in that same transaction.
//! Adapters (HTTP, CLI, workers) never talk to the store directly; they call
//! a use-case. The store, blob store, clock, id generator and randomness are
//! ports passed in, so the layer runs the same on SQLite, PostgreSQL and in
//! tests with a manual clock.

pub mod actor;
pub mod audit;
pub mod banking;
pub mod crypto;
pub mod documents;
pub mod dsgvo;
pub mod error;
pub mod invoice_process;
pub mod jobs;
pub mod ledger;
pub mod mail_intake;
pub mod ocel;
pub mod partner_access;
pub mod pipeline;
pub mod ports;
pub mod records;
pub mod roles;
pub mod security;
pub mod sod;
pub mod throttle;
pub mod twofactor;
pub mod workflow;

mod app;
mod demo;
mod demo_archive;
mod demo_processes;
pub mod employees;
pub mod personnel;

pub use actor::{Actor, ActorKind, Membership};
pub use app::{App, AppSettings, LoginOutcome, Page, SessionContext, SignIn};
pub use demo::{DemoSummary, DEMO_COMPANIES};
pub use error::{AppError, AppResult};
pub use ports::{BlobError, BlobRef, BlobStore, Random, Store, StoreBackend, StoreError, Tx};
