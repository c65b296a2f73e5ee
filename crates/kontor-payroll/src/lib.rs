//! German payroll for 2026, pure: values in, values out.
//!
//! - [`dec`]: decimals with Java `BigDecimal` value semantics (the PAP's arithmetic).
//! - [`pap`]: the BMF Programmablaufplan for the Lohnsteuer, generated from
//!   the official XML, and its 35-input / 12-output interface.

pub mod dec;
pub mod pap;
