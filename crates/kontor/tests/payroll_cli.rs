//! `kontor payroll lohnsteuer --jsonl` as users call it: every case of the
//! payroll corpus and of the BMF interface vectors, all 12 outputs, through
//! the binary; refused lines are reported, not guessed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn shared(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared")
        .join(rel)
}

fn kontor_stdin(args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kontor"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || input.write_all(&data));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn reproduces(file: &str, cases: usize) {
    let input = std::fs::read(shared(file)).unwrap();
    let (code, out, err) = kontor_stdin(&["payroll", "lohnsteuer", "--jsonl"], &input);
    assert_eq!(code, 0, "{err}");
    let expected: Vec<serde_json::Value> = String::from_utf8(input)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let got: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(expected.len(), cases);
    assert_eq!(got.len(), cases);
    for (e, g) in expected.iter().zip(&got) {
        assert_eq!(e["id"], g["id"]);
        assert_eq!(e["output"], g["output"], "{}", e["id"]);
        assert_eq!(g["output"].as_object().unwrap().len(), 12);
    }
}

#[test]
fn lohnsteuer_reproduces_the_corpus() {
    reproduces("corpus/payroll/lst2026_cases.jsonl", 5000);
}

#[test]
fn lohnsteuer_reproduces_the_bmf_interface_vectors() {
    reproduces("spec/payroll/bmf_interface_vectors_2026.jsonl", 207);
}

#[test]
fn impossible_inputs_are_reported_per_line_and_the_rest_is_computed() {
    let lines = concat!(
        r#"{"id": "ok", "input": {"STKL": 1, "LZZ": 2, "RE4": 350000}}"#,
        "\n",
        r#"{"id": "bad", "input": {"STKL": 7, "LZZ": 2, "RE4": -5, "KVZ": "abc"}}"#,
        "\n",
        "not json\n",
        r#"{"id": "no-input"}"#,
        "\n",
    );
    let (code, out, _) = kontor_stdin(&["payroll", "lohnsteuer", "--jsonl"], lines.as_bytes());
    assert_eq!(code, 1);
    let got: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(got.len(), 4);
    assert!(got[0]["output"]["LSTLZZ"].as_i64().unwrap() > 0);
    let problems = got[1]["error"].as_array().unwrap();
    let fields: Vec<&str> = problems.iter().map(|p| p["field"].as_str().unwrap()).collect();
    assert!(
        fields.contains(&"STKL") && fields.contains(&"RE4") && fields.contains(&"KVZ"),
        "{problems:?}"
    );
    assert!(problems
        .iter()
        .all(|p| !p["de"].as_str().unwrap().is_empty() && !p["en"].as_str().unwrap().is_empty()));
    assert!(got[2]["error"][0]["en"]
        .as_str()
        .unwrap()
        .contains("line 3 is not JSON"));
    assert_eq!(got[3]["id"], "no-input");
    assert!(got[3]["error"][0]["en"].as_str().unwrap().contains("no \"input\""));
    // Without --jsonl: a usage error.
    let (code, _, err) = kontor_stdin(&["payroll", "lohnsteuer"], b"");
    assert_eq!(code, 2);
    assert!(err.contains("--jsonl"));
}

#[test]
fn gross_to_net_writes_payslips_with_their_trace_and_refuses_bad_lines() {
    let lines = concat!(
        r#"{"id": "anna-2026-03", "month": "2026-03", "person": {"birth_date": "1990-02-01", "children": 1, "children_under_25": 1}, "tax": {"steuerklasse": 1, "kinderfreibetraege": "0.5", "church": true, "state": "NW"}, "insurance": {"health": {"type": "statutory", "zusatzbeitrag": "2.9"}}, "components": [{"kind": "salary", "amount": "3800.00"}]}"#,
        "\n",
        r#"{"id": "bad", "month": "2026-03", "person": {"birth_date": "1990-02-01"}, "tax": {"steuerklasse": 9, "state": "NW"}, "insurance": {"health": {"type": "statutory"}}, "components": []}"#,
        "\n",
        r#"{"id": "float", "month": "2026-03", "person": {"birth_date": "1990-02-01"}, "tax": {"steuerklasse": 1, "state": "NW"}, "insurance": {"health": {"type": "statutory", "zusatzbeitrag": "2.9"}}, "components": [{"kind": "salary", "amount": 3800.5}]}"#,
        "\n",
    );
    let (code, out, _) = kontor_stdin(&["payroll", "gross-to-net", "--jsonl"], lines.as_bytes());
    assert_eq!(code, 1);
    let got: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(got.len(), 3);
    let slip = &got[0];
    assert_eq!(slip["id"], "anna-2026-03");
    assert_eq!(slip["gross"], "3800.00");
    assert_eq!(slip["employment"], "regular");
    assert!(slip["trace"]["steps"].as_array().unwrap().len() > 20);
    assert!(slip["trace"]["params"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["status"].is_string()));
    let net = kontor_payroll::dec::Dec::parse(slip["net"].as_str().unwrap()).unwrap();
    assert!(
        net > kontor_payroll::dec::Dec::from_i64(2000) && net < kontor_payroll::dec::Dec::from_i64(3000),
        "{net}"
    );
    let fields: Vec<&str> = got[1]["error"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"tax.steuerklasse") && fields.contains(&"insurance.zusatzbeitrag"),
        "{fields:?}"
    );
    assert_eq!(got[2]["id"], "float");
    assert!(got[2]["error"][0]["en"].as_str().unwrap().contains("floating-point"));
}
