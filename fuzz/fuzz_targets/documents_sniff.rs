//! Any bytes as an incoming file and its name: the type is told from the
//! content and the name is made safe; never a panic, never a name with a
//! path separator or control character.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kontor_documents::sniff(data);
    let name = String::from_utf8_lossy(data);
    let safe = kontor_documents::safe_name(&name);
    assert!(!safe.is_empty() && !safe.contains(['/', '\\']) && !safe.chars().any(char::is_control));
});
