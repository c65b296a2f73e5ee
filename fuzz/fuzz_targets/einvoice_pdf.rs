//! Any bytes through the PDF attachment extraction (including the repair
//! scan): an error or attachments, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kontor_einvoice::pdf::invoice_xml(data);
    let _ = kontor_einvoice::pdf::attachments(data);
});
