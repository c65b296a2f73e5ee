//! German payroll for 2026, pure: values in, values out.
//!
//! - [`dec`]: decimals with Java `BigDecimal` value semantics (the PAP's arithmetic).
//! - [`pap`]: the BMF Programmablaufplan for the Lohnsteuer, generated from
//!   the official XML, and its 35-input / 12-output interface.
//! - [`params`]: social-insurance parameters by validity date, from `params/sv*.toml`.
//! - [`sv`]: social-insurance contributions (regular, Minijob, Midijob, PKV subsidy, Umlagen).
//! - [`gross_to_net`]: one employee-month from pay components to payout and
//!   employer cost, with the explanation [`trace`].

pub mod dec;
pub mod gross_to_net;
pub mod pap;
pub mod params;
pub mod sv;
pub mod trace;
