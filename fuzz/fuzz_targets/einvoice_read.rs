//! Any bytes through the whole reader (PDF detection, XML tree, UBL/CII):
//! an error or an invoice, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kontor_einvoice::read::read(data);
});
