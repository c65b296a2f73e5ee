//! The generated PAP against every reference case: the 5,000 corpus cases
//! (`../shared/corpus/payroll/lst2026_cases.jsonl`) and the 207 recorded
//! results of the BMF test interface
//! (`../shared/spec/payroll/bmf_interface_vectors_2026.jsonl`); all 12
//! outputs must agree to the cent.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use kontor_payroll::pap::{LstInput, LstOutput};

fn shared(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared")
        .join(rel)
}

fn check(file: &str, expected_cases: usize) {
    let path = shared(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut n = 0;
    let mut wrong = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        let id = case["id"].as_str().unwrap_or("?").to_string();
        let input = LstInput::from_json(case["input"].as_object().expect("input object"))
            .unwrap_or_else(|p| panic!("{id}: input refused: {p:?}"));
        let got = input.compute().output();
        let want: LstOutput = serde_json::from_value(case["output"].clone()).expect("12 outputs");
        if got != want {
            wrong.push(format!("{id}: got {got:?}\n  want {want:?}"));
        }
        n += 1;
    }
    assert_eq!(n, expected_cases, "{file}: number of cases");
    assert!(
        wrong.is_empty(),
        "{file}: {} of {n} cases differ:\n{}",
        wrong.len(),
        wrong.iter().take(10).cloned().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn every_corpus_case_matches_all_twelve_outputs() {
    check("corpus/payroll/lst2026_cases.jsonl", 5000);
}

#[test]
fn every_bmf_interface_vector_matches_all_twelve_outputs() {
    check("spec/payroll/bmf_interface_vectors_2026.jsonl", 207);
}
