//! `kontor einvoice …` as users call it: exit codes, the JSON lines shape,
//! directories, show and convert.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::PathBuf;
use std::process::Command;

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/einvoice")
}

fn kontor(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kontor")).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn validate_reports_text_and_json_lines_with_the_documented_exit_codes() {
    let valid = corpus().join("cen-en16931/ubl/examples/ubl-tc434-example1.xml");
    let invalid = corpus().join("zugferd-corpus/XML-Rechnung/FX/EN16931_RechnungsUebertragung.pdf");
    let (code, out, _) = kontor(&["einvoice", "validate", valid.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("gültig"));

    let (code, out, _) = kontor(&[
        "einvoice",
        "validate",
        "--format",
        "jsonl",
        valid.to_str().unwrap(),
        invalid.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    let lines: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["file"], valid.to_str().unwrap());
    assert_eq!(lines[0]["syntax"], "ubl-invoice");
    assert_eq!(lines[0]["container"], serde_json::Value::Null);
    assert_eq!(lines[0]["verdict"], "valid");
    assert_eq!(lines[0]["error_class"], serde_json::Value::Null);
    assert_eq!(lines[1]["container"], "pdf");
    assert_eq!(lines[1]["syntax"], "cii");
    assert_eq!(lines[1]["verdict"], "invalid");
    assert_eq!(lines[1]["error_class"], "business-rule");
    assert_eq!(lines[1]["failed_rules"], serde_json::json!(["BR-CL-25"]));
    let f = &lines[1]["findings"][0];
    for key in ["rule", "severity", "location", "value", "message_de", "message_en"] {
        assert!(f.get(key).is_some(), "finding has {key}");
    }

    // A directory is searched recursively.
    let (code, out, _) = kontor(&[
        "einvoice",
        "validate",
        "--format",
        "jsonl",
        corpus().join("cen-en16931/cii").to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.lines().count(), 10);

    // Usage errors: exit 2.
    assert_eq!(kontor(&["einvoice", "validate", "/no/such/file.xml"]).0, 2);
    assert_eq!(kontor(&["einvoice", "validate"]).0, 2);
    assert_eq!(
        kontor(&["einvoice", "validate", "--format", "yaml", valid.to_str().unwrap()]).0,
        2
    );
    // Hostile input is a format error, not a crash.
    let dir = tempfile::tempdir().unwrap();
    let xxe = dir.path().join("xxe.xml");
    std::fs::write(
        &xxe,
        "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>",
    )
    .unwrap();
    let (code, out, _) = kontor(&["einvoice", "validate", "--format", "jsonl", xxe.to_str().unwrap()]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["error_class"], "format");
    assert_eq!(v["syntax"], "unknown");
}

#[test]
fn show_renders_html_and_convert_writes_a_valid_invoice_in_the_other_syntax() {
    let ubl = corpus().join("cen-en16931/ubl/examples/ubl-tc434-example1.xml");
    let (code, out, _) = kontor(&["einvoice", "show", "--lang", "en", ubl.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(out.starts_with("<!DOCTYPE html>") && out.contains("Valid e-invoice"));

    let dir = tempfile::tempdir().unwrap();
    let cii = dir.path().join("invoice-cii.xml");
    let (code, out, err) = kontor(&[
        "einvoice",
        "convert",
        ubl.to_str().unwrap(),
        "--to",
        "cii",
        "--out",
        cii.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = kontor(&["einvoice", "validate", "--format", "jsonl", cii.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("\"syntax\":\"cii\""));
    let back = dir.path().join("invoice-ubl.xml");
    let (code, _, _) = kontor(&[
        "einvoice",
        "convert",
        cii.to_str().unwrap(),
        "--to",
        "ubl",
        "--out",
        back.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
}
