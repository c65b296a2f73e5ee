//! Any bytes through validation with every rule set (EN 16931, XRechnung,
//! Peppol, kontor's content checks), the HTML view and both writers: a
//! report, a page and XML, never a panic.
#![no_main]

use kontor_einvoice::validate::{validate_with, Options};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let report = validate_with(data, Options { force_xrechnung: true });
    if let Ok(r) = kontor_einvoice::read::read(data) {
        let _ = kontor_einvoice::render::html(&r.invoice, &report, kontor_einvoice::render::Lang::De);
        let ubl = kontor_einvoice::write::ubl(&r.invoice);
        let cii = kontor_einvoice::write::cii(&r.invoice);
        // What kontor writes, kontor reads.
        assert!(kontor_einvoice::read::read(&ubl).is_ok());
        assert!(kontor_einvoice::read::read(&cii).is_ok());
    }
});
