//! The checked-in PAP module is exactly what the generator makes of the
//! checked-in PAP XML (so nobody edits generated code by hand, and the XML
//! is the unmodified BMF file).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

#[test]
fn the_generated_module_is_current() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let xml = std::fs::read(dir.join("pap/Lohnsteuer2026.xml")).expect("the PAP XML");
    let fresh = kontor_papgen::generate_from_bytes(&xml, "pap/Lohnsteuer2026.xml").expect("generates");
    let path = dir.join("src/pap/lst2026.rs");
    if std::env::var_os("KONTOR_UPDATE_GENERATED").is_some() {
        std::fs::write(&path, &fresh).expect("write");
    }
    let checked_in = std::fs::read_to_string(&path).expect("the generated module");
    assert!(
        checked_in == fresh,
        "src/pap/lst2026.rs is not what kontor-papgen generates; run\n  cargo run -p kontor-papgen -- crates/kontor-payroll/pap/Lohnsteuer2026.xml crates/kontor-payroll/src/pap/lst2026.rs"
    );
}

#[test]
fn the_pap_xml_is_the_unmodified_bmf_file() {
    use std::fmt::Write as _;
    let xml = std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("pap/Lohnsteuer2026.xml")).expect("xml");
    // SHA-256 as recorded in ../shared/spec/payroll/SOURCE.md.
    let generated = kontor_papgen::generate_from_bytes(&xml, "x").expect("generates");
    let mut want = String::new();
    let _ = write!(
        want,
        "SHA-256 63d8981646d139eba2f4dd990c13b43c4fb3883b402a5a40cddf253aa7aa96b4"
    );
    assert!(generated.contains(&want), "the PAP XML differs from the BMF file");
}
