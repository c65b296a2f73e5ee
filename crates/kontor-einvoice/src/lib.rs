//! kontor-einvoice: electronic invoices after EN 16931.
//!
//! Main design decision: the crate is pure (bytes in, values out) and reads
//! every syntax through one safe XML layer (`xml`) into a small element tree,
//! so the readers, the rules and the writers never see untrusted XML text.
//! The tree refuses DTDs (no entity expansion, no external entities) and
//! bounds size, depth and element count.

pub mod cii;
pub mod codes;
pub mod model;
pub mod path;
pub mod pdf;
pub mod read;
pub mod render;
pub mod ubl;
pub mod validate;
pub mod write;
pub mod xml;
pub mod zugferd;
