//! The trial balance of a generated journal equals, to the cent, what
//! hledger prints for the same journal (`../shared/tools/gen_journal.py`
//! writes it in both formats). Needs python3 and hledger; skipped without
//! them unless `KONTOR_REQUIRE_HLEDGER=1` (CI sets it).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use kontor_ledger::account::{AccountNo, Chart, ChartKind};
use kontor_ledger::balance::TrialBalance;
use kontor_ledger::entry::Currency;
use kontor_ledger::jsonl::parse_line;
use kontor_ledger::money::Cents;

fn tools() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/tools")
}

fn available(cmd: &str) -> bool {
    Command::new(cmd)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn trial_balance_equals_hledger_bal() {
    if !(available("python3") && available("hledger")) {
        assert!(
            std::env::var("KONTOR_REQUIRE_HLEDGER").is_err(),
            "KONTOR_REQUIRE_HLEDGER is set but python3 or hledger is missing"
        );
        eprintln!("skipped: python3 or hledger not installed");
        return;
    }
    let dir = std::env::temp_dir().join(format!("kontor-hledger-{}", std::process::id()));
    let out = Command::new("python3")
        .arg(tools().join("gen_journal.py"))
        .args(["--seed", "7", "--n", "5000", "--out"])
        .arg(&dir)
        .args(["--formats", "jsonl,hledger"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // kontor: parse every line, accumulate.
    let chart = Chart::standard(ChartKind::Skr03);
    let text = std::fs::read_to_string(dir.join("journal.jsonl")).unwrap();
    let mut tb = TrialBalance::new();
    let mut n = 0;
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let t = parse_line(chart, "journal.jsonl", i + 1, line).unwrap_or_else(|e| panic!("{e}"));
        tb.add_entry(&t.entry);
        n += 1;
    }
    assert_eq!(n, 5000);
    assert_eq!(tb.total_balance(Currency::EUR), Cents::ZERO);

    // hledger: balance per account, names mapped to numbers by accounts.csv.
    let names: BTreeMap<String, String> = std::fs::read_to_string(dir.join("accounts.csv"))
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
        .arg(dir.join("journal.hledger"))
        .args(["bal", "-O", "csv", "--flat", "--no-total"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut theirs: BTreeMap<String, i64> = BTreeMap::new();
    for line in String::from_utf8(out.stdout).unwrap().lines().skip(1) {
        let f: Vec<&str> = line.split("\",\"").map(|s| s.trim_matches('"')).collect();
        let account = names
            .get(f[0])
            .unwrap_or_else(|| panic!("unmapped hledger account {}", f[0]));
        let amount = f[1].trim_end_matches(" EUR");
        theirs.insert(
            account.clone(),
            Cents::parse(amount).unwrap_or_else(|| panic!("amount {amount}")).0,
        );
    }
    let ours: BTreeMap<String, i64> = tb
        .rows()
        .filter(|(_, _, t)| !t.balance().is_zero())
        .map(|(a, _, t)| (a.to_string(), t.balance().0))
        .collect();
    assert!(theirs.len() > 50, "{}", theirs.len());
    assert_eq!(ours, theirs);
    // Every number hledger names is a valid kontor account.
    assert!(theirs.keys().all(|a| AccountNo::parse(a).is_some()));
    let _ = std::fs::remove_dir_all(&dir);
}
