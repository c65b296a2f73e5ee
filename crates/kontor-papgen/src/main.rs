//! `kontor-papgen PAP.xml OUT.rs`: writes the Rust module for a BMF PAP XML.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [xml_path, out_path] = args.as_slice() else {
        eprintln!("usage: kontor-papgen PAP.xml OUT.rs\n\nexample: cargo run -p kontor-papgen -- crates/kontor-payroll/pap/Lohnsteuer2026.xml crates/kontor-payroll/src/pap/lst2026.rs");
        return ExitCode::from(2);
    };
    let xml = match std::fs::read(xml_path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot read {xml_path}: {e}");
            return ExitCode::from(2);
        }
    };
    let source = std::path::Path::new(xml_path)
        .file_name()
        .map(|n| format!("pap/{}", n.to_string_lossy()))
        .unwrap_or_else(|| xml_path.clone());
    match kontor_papgen::generate_from_bytes(&xml, &source) {
        Ok(code) => match std::fs::write(out_path, code) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: cannot write {out_path}: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("error: {xml_path}: {e}");
            ExitCode::FAILURE
        }
    }
}
