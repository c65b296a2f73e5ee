//! DATEV EXTF Buchungsstapel: the spec's example reproduced byte for byte,
//! a format test derived from the spec, and a round trip (export, import)
//! to the same balances on a generated journal.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use kontor_ledger::account::{AccountNo, Chart, ChartKind};
use kontor_ledger::balance::TrialBalance;
use kontor_ledger::date::Date;
use kontor_ledger::datev::{self, BatchHeader, HEADER_FIELDS, RECORD_FIELDS};
use kontor_ledger::entry::{Entry, Posting};
use kontor_ledger::money::Cents;
use kontor_ledger::tax::TaxCode;

fn acc(s: &str) -> AccountNo {
    AccountNo::parse(s).unwrap()
}

fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn spec() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/spec/accounting")
}

fn header(from: &str, to: &str, label: &str) -> BatchHeader {
    BatchHeader {
        berater: 29098,
        mandant: 55003,
        fiscal_year_start: d(&format!("{}-01-01", &from[..4])),
        from: d(from),
        to: d(to),
        label: label.into(),
        fixed: false,
        created: "20260205101500000".into(),
        chart: ChartKind::Skr03,
    }
}

/// The three postings of the spec's example (section 6).
fn example_entries(chart: &Chart) -> Vec<Entry> {
    let mut sale = TaxCode::USt19.lines(chart, acc("8400"), Cents(11900)).unwrap();
    sale.push(Posting::new(acc("10001"), Cents(11900)));
    let mut sale = Entry::new(
        sale,
        d("2026-01-05"),
        d("2026-01-05"),
        "Müller GmbH Beratung Januar",
        "RE2026-0001",
    )
    .unwrap();
    sale.vat_date = Some(d("2025-12-31"));
    let mut buy = TaxCode::VSt19.lines(chart, acc("4930"), Cents(5950)).unwrap();
    buy.push(Posting::new(acc("70001"), Cents(-5950)));
    let buy = Entry::new(buy, d("2026-01-08"), d("2026-01-08"), "Büro Schmidt Papier", "ER-4711").unwrap();
    let pay = Entry::new(
        vec![
            Posting::new(acc("1200"), Cents(11900)),
            Posting::new(acc("10001"), Cents(-11900)),
        ],
        d("2026-01-20"),
        d("2026-01-20"),
        "Zahlung RE2026-0001",
        "RE2026-0001",
    )
    .unwrap();
    vec![sale, buy, pay]
}

#[test]
fn the_spec_example_is_reproduced_byte_for_byte() {
    let chart = Chart::standard(ChartKind::Skr03);
    let entries = example_entries(chart);
    let refs: Vec<(&Entry, bool)> = entries.iter().map(|e| (e, false)).collect();
    let ours = datev::export(chart, &header("2026-01-01", "2026-01-31", "Buchungen 01/2026"), &refs).unwrap();
    let theirs = std::fs::read(spec().join("examples/EXTF_Buchungsstapel_example.csv")).unwrap();
    let (o, t) = (String::from_utf8_lossy(&ours), String::from_utf8_lossy(&theirs));
    for (i, (a, b)) in o.split("\r\n").zip(t.split("\r\n")).enumerate() {
        assert_eq!(a, b, "line {}", i + 1);
    }
    assert_eq!(ours, theirs);
}

#[test]
fn an_export_follows_the_format() {
    let chart = Chart::standard(ChartKind::Skr03);
    let mut entries = example_entries(chart);
    // More cases: 7 %, a reverse-charge purchase, a tax-free EU supply, a
    // split payroll-like entry, quotes and a character CP1252 lacks.
    let mut e = TaxCode::USt7.lines(chart, acc("8300"), Cents(10700)).unwrap();
    e.push(Posting::new(acc("10002"), Cents(10700)));
    entries.push(
        Entry::new(
            e,
            d("2026-01-10"),
            d("2026-01-10"),
            "Bücher \"Sonder\" ✓",
            "RE 2026/02 ä",
        )
        .unwrap(),
    );
    let mut e = TaxCode::Rc13b19.lines(chart, acc("3120"), Cents(100000)).unwrap();
    e.push(Posting::new(acc("70002"), Cents(-100000)));
    entries.push(Entry::new(e, d("2026-01-12"), d("2026-01-12"), "Bauleistung", "ER-5").unwrap());
    let mut e = TaxCode::Igl.lines(chart, acc("8125"), Cents(50000)).unwrap();
    e.push(Posting::new(acc("10003"), Cents(50000)));
    entries.push(Entry::new(e, d("2026-01-14"), d("2026-01-14"), "EU-Lieferung", "RE-9").unwrap());
    entries.push(
        Entry::new(
            vec![
                Posting::new(acc("4120"), Cents(300000)),
                Posting::new(acc("1741"), Cents(-45000)),
                Posting::new(acc("1742"), Cents(-60000)),
                Posting::new(acc("1755"), Cents(-195000)),
            ],
            d("2026-01-31"),
            d("2026-01-31"),
            "Gehälter 01/2026",
            "LOHN-2026-01",
        )
        .unwrap(),
    );
    let refs: Vec<(&Entry, bool)> = entries.iter().map(|e| (e, true)).collect();
    let bytes = datev::export(chart, &header("2026-01-01", "2026-01-31", "Januar"), &refs).unwrap();
    // CP1252: umlauts are single bytes; the checkmark (not in CP1252) became '?'.
    assert!(bytes.windows(2).any(|w| w == [b'B', 0xFC]), "ü as 0xFC");
    let (text, _, bad) = encoding_rs::WINDOWS_1252.decode(&bytes);
    assert!(!bad);
    assert!(text.ends_with("\r\n") && !text.replace("\r\n", "").contains('\n'));
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    let parsed = datev::parse(&bytes).unwrap();
    assert_eq!(parsed.header.len(), HEADER_FIELDS);
    assert_eq!(
        &parsed.header[..6],
        ["EXTF", "700", "21", "Buchungsstapel", "13", "20260205101500000"]
    );
    assert_eq!(parsed.header[20], "0", "batch not fixed");
    assert_eq!(parsed.header[26], "03");
    assert_eq!(lines[1], datev::COLUMN_HEADINGS);
    assert_eq!(parsed.records.len(), lines.len() - 2);
    for r in &parsed.records {
        assert!(r.amount.0 > 0);
        assert!(r.date >= d("2026-01-01") && r.date <= d("2026-01-31"));
        assert!(
            r.belegfeld1.len() <= 36
                && r.belegfeld1
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "$&%*+-/".contains(c))
        );
        assert!(r.fixed);
    }
    // parse() checked that every record has exactly RECORD_FIELDS fields.
    assert_eq!(RECORD_FIELDS, 125);
    for l in &lines[2..] {
        let amount = l.split(';').next().unwrap();
        assert!(amount.contains(',') && !amount.contains('.'), "{amount}");
    }
    let keys: Vec<(String, String, Option<String>)> = parsed
        .records
        .iter()
        .map(|r| (r.konto.to_string(), r.gegenkonto.to_string(), r.bu.clone()))
        .collect();
    // Automatikkonten 8400/8300/3120 carry no key; 4930 carries 9; tax lines never appear.
    assert!(keys.contains(&("10001".into(), "8400".into(), None)));
    assert!(keys.contains(&("10002".into(), "8300".into(), None)));
    assert!(keys.contains(&("70001".into(), "4930".into(), Some("9".into()))));
    assert!(keys.contains(&("70002".into(), "3120".into(), None)));
    assert!(keys.iter().all(
        |(k, g, _)| !["1776", "1771", "1576", "1577", "1787"].contains(&k.as_str())
            && !["1776", "1771", "1576", "1577", "1787"].contains(&g.as_str())
    ));
    // The payroll entry: one record per credit line, against the wage account.
    assert_eq!(keys.iter().filter(|(k, g, _)| k == "4120" || g == "4120").count(), 3);
    let text_of = parsed.records.iter().find(|r| r.belegfeld1 == "RE-2026/02--").unwrap();
    assert_eq!(text_of.text, "Bücher \"Sonder\" ?");
    // A batch across the fiscal year end is refused.
    assert!(datev::export(chart, &header("2026-12-01", "2027-01-31", "x"), &[]).is_err());
    // An entry outside the batch is refused.
    assert!(datev::export(chart, &header("2026-02-01", "2026-02-28", "x"), &refs).is_err());
}

/// Exports the 2021 entries of a generated journal, imports the file
/// again, and compares the balances.
#[test]
fn export_and_reimport_give_the_same_balances() {
    let chart = Chart::standard(ChartKind::Skr03);
    let tools = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/tools/gen_journal.py");
    let dir = std::env::temp_dir().join(format!("kontor-datev-{}", std::process::id()));
    let ok = std::process::Command::new("python3")
        .arg(&tools)
        .args(["--seed", "3", "--n", "4000", "--out"])
        .arg(&dir)
        .args(["--formats", "jsonl"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(std::env::var("KONTOR_REQUIRE_HLEDGER").is_err(), "python3 missing");
        return;
    }
    let text = std::fs::read_to_string(dir.join("journal.jsonl")).unwrap();
    let entries: Vec<Entry> = text
        .lines()
        .enumerate()
        .map(|(i, l)| kontor_ledger::jsonl::parse_line(chart, "j", i + 1, l).unwrap().entry)
        .filter(|e| e.posting_date.year() == 2021)
        .collect();
    assert!(entries.len() > 500, "{}", entries.len());
    let mut before = TrialBalance::new();
    entries.iter().for_each(|e| before.add_entry(e));
    let refs: Vec<(&Entry, bool)> = entries.iter().map(|e| (e, false)).collect();
    let bytes = datev::export(chart, &header("2021-01-01", "2021-12-31", "2021"), &refs).unwrap();
    let parsed = datev::parse(&bytes).unwrap();
    let mut after = TrialBalance::new();
    for r in &parsed.records {
        after.add_entry(&datev::entry_of(chart, r).unwrap());
    }
    assert_eq!(after.csv(), before.csv());
    let _ = std::fs::remove_dir_all(&dir);
}
