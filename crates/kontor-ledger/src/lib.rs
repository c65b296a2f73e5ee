//! Double-entry bookkeeping for German companies, pure (values in, values
//! out):
//! - [`money`], [`date`]: integer cents and compact dates;
//! - [`account`]: account numbers and the SKR03/SKR04 charts;
//! - [`entry`]: entries that balance by construction, with provenance and
//!   reversal;
//! - [`tax`]: VAT codes, their accounts, Kennzahlen and DATEV keys;
//! - [`ustva`]: the UStVA Kennzahlen with drill-down;
//! - [`balance`]: the trial balance;
//! - [`reports`]: GuV and Bilanz from the HGB positions, open items;
//! - [`jsonl`]: the neutral JSON Lines import format;
//! - [`datev`]: DATEV EXTF Buchungsstapel export and import;
//! - [`gobd`]: the GoBD data export (Z3) with `index.xml` per the GDPdU standard.

pub mod account;
pub mod balance;
pub mod date;
pub mod datev;
pub mod entry;
pub mod gobd;
pub mod jsonl;
pub mod money;
pub mod reports;
pub mod tax;
pub mod ustva;
