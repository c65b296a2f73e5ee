//! `kontor ledger import` and `kontor ledger balance` as users call them,
//! against hledger on the same generated journal
//! (`../shared/tools/gen_journal.py`). Needs python3 and hledger; skipped
//! without them unless `KONTOR_REQUIRE_HLEDGER=1` (CI sets it).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn available(cmd: &str) -> bool {
    Command::new(cmd)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn kontor(data: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kontor"))
        .args(args)
        .env("KONTOR_DATA_DIR", data)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn import_and_balance_agree_with_hledger_to_the_cent() {
    if !(available("python3") && available("hledger")) {
        assert!(
            std::env::var("KONTOR_REQUIRE_HLEDGER").is_err(),
            "python3 or hledger missing"
        );
        eprintln!("skipped: python3 or hledger not installed");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let journal = tmp.path().join("j");
    let tools = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/tools/gen_journal.py");
    let out = Command::new("python3")
        .arg(tools)
        .args(["--seed", "11", "--n", "3000", "--out"])
        .arg(&journal)
        .args(["--formats", "jsonl,hledger"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let data = tmp.path().join("data");
    let (code, _, err) = kontor(
        &data,
        &["admin", "company", "add", "--code", "fibu", "--name", "Fibu GmbH"],
    );
    assert_eq!(code, 0, "{err}");
    let file = journal.join("journal.jsonl");
    let (code, out, err) = kontor(
        &data,
        &[
            "ledger",
            "import",
            "--company",
            "fibu",
            "--format",
            "jsonl",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("3000 entries imported"), "{out}");
    let (code, out, _) = kontor(
        &data,
        &[
            "ledger",
            "import",
            "--company",
            "fibu",
            "--format",
            "jsonl",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0);
    assert!(
        out.contains("0 entries imported") && out.contains("3000 already imported"),
        "{out}"
    );

    let (code, csv, err) = kontor(&data, &["ledger", "balance", "--company", "fibu", "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("account;debit_cents;credit_cents;balance_cents"));
    let ours: BTreeMap<String, i64> = lines
        .map(|l| {
            let f: Vec<&str> = l.split(';').collect();
            (f[0].to_string(), f[3].parse().unwrap())
        })
        .filter(|(_, b)| *b != 0)
        .collect();

    let names: BTreeMap<String, String> = std::fs::read_to_string(journal.join("accounts.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split(';').collect();
            Some((f.get(3)?.to_string(), f.first()?.to_string()))
        })
        .collect();
    let out = Command::new("hledger")
        .arg("-f")
        .arg(journal.join("journal.hledger"))
        .args(["bal", "-O", "csv", "--flat", "--no-total"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let theirs: BTreeMap<String, i64> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split("\",\"").map(|s| s.trim_matches('"')).collect();
            let amount = f[1].trim_end_matches(" EUR");
            let (int, frac) = amount.split_once('.').unwrap_or((amount, "00"));
            let neg = int.starts_with('-');
            let cents = int.trim_start_matches('-').parse::<i64>().unwrap() * 100 + frac.parse::<i64>().unwrap();
            (names[f[0]].clone(), if neg { -cents } else { cents })
        })
        .collect();
    assert!(theirs.len() > 50);
    assert_eq!(ours, theirs);

    // DATEV: export 2021, import the file into a second company: same 2021 balances.
    let exports = tmp.path().join("exports");
    let args = |again: bool| {
        let mut a = vec![
            "ledger",
            "export",
            "datev",
            "--company",
            "fibu",
            "--from",
            "2021-01-01",
            "--to",
            "2021-12-31",
            "--out",
            exports.to_str().unwrap(),
            "--berater",
            "29098",
            "--mandant",
            "55003",
        ];
        if again {
            a.push("--again");
        }
        a.into_iter().map(str::to_string).collect::<Vec<String>>()
    };
    let run = |a: Vec<String>| kontor(&data, &a.iter().map(String::as_str).collect::<Vec<_>>());
    let (code, out, err) = run(args(false));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("(0 left out as exported before"), "{out}");
    let file = exports.join("EXTF_Buchungsstapel_2021-01-01_2021-12-31.csv");
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.starts_with(b"\"EXTF\";700;21;\"Buchungsstapel\";13;"));
    // A second export of the same period repeats nothing, unless asked.
    let (_, out, _) = run(args(false));
    assert!(out.starts_with("0 entries written"), "{out}");
    let (_, out, _) = run(args(true));
    assert!(!out.starts_with("0 entries"), "{out}");
    // The DATEV numbers are remembered: later exports may leave them out.
    let mut short = args(true);
    short.truncate(short.len() - 5);
    short.push("--again".into());
    let (code, out, err) = run(short);
    assert_eq!(code, 0, "{out}{err}");
    let again = std::fs::read(&file).unwrap();
    assert!(again.starts_with(b"\"EXTF\";700;21;\"Buchungsstapel\";13;"));
    assert!(String::from_utf8_lossy(&again[..200]).contains(";29098;55003;"));
    let (code, _, _) = kontor(
        &data,
        &["admin", "company", "add", "--code", "copy", "--name", "Kopie GmbH"],
    );
    assert_eq!(code, 0);
    let (code, out, err) = kontor(
        &data,
        &[
            "ledger",
            "import",
            "--company",
            "copy",
            "--format",
            "datev",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let year = ["--from", "2021-01-01", "--to", "2021-12-31", "--format", "csv"];
    let (_, original, _) = kontor(
        &data,
        &[&["ledger", "balance", "--company", "fibu"][..], &year[..]].concat(),
    );
    let (_, copied, _) = kontor(
        &data,
        &[&["ledger", "balance", "--company", "copy"][..], &year[..]].concat(),
    );
    assert!(original.lines().count() > 50);
    assert_eq!(copied, original);

    // A bad file: every problem listed, exit 1, nothing imported.
    let bad = tmp.path().join("bad.jsonl");
    std::fs::write(&bad, "{\"id\": \"x\", \"date\": \"2026-01-01\", \"postings\": [{\"account\": \"9999999\", \"amount_cents\": 1}]}\nnot json\n").unwrap();
    let (code, out, _) = kontor(
        &data,
        &[
            "ledger",
            "import",
            "--company",
            "fibu",
            "--format",
            "jsonl",
            bad.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1);
    assert!(
        out.contains("line 1 (x)") && out.contains("line 2") && out.contains("nothing was imported"),
        "{out}"
    );
}

#[test]
fn a_journal_that_is_not_utf8_is_refused_with_its_position() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let (code, _, err) = kontor(
        &data,
        &["admin", "company", "add", "--code", "fibu", "--name", "Fibu GmbH"],
    );
    assert_eq!(code, 0, "{err}");
    // Line 2 mixes UTF-8 ("Ä", two bytes) and Latin-1 ("Büro" with 0xfc for
    // ü): the column counts characters.
    let file = tmp.path().join("latin1.jsonl");
    let mut bytes = br#"{"id": "T1", "date": "2026-01-05", "postings": [{"account": "1200", "amount_cents": 5}, {"account": "8400", "amount_cents": -5}]}"#.to_vec();
    bytes.extend_from_slice("\n{\"id\": \"T2\", \"text\": \"Ä B".as_bytes());
    bytes.push(0xfc);
    bytes.extend_from_slice(b"ro\"}\n");
    std::fs::write(&file, bytes).unwrap();
    let (code, out, err) = kontor(
        &data,
        &[
            "ledger",
            "import",
            "--company",
            "fibu",
            "--format",
            "jsonl",
            file.to_str().unwrap(),
        ],
    );
    assert_ne!(code, 0, "{out}");
    assert!(err.contains("latin1.jsonl:2:26: not UTF-8 text (byte 0xfc)"), "{err}");
    assert!(err.contains("nothing was imported"), "{err}");
    let (_, csv, _) = kontor(&data, &["ledger", "balance", "--company", "fibu", "--format", "csv"]);
    assert_eq!(csv.lines().count(), 1, "only the header: {csv}");
}
