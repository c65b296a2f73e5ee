//! The GoBD export: `index.xml` is valid against the GDPdU DTD (checked by
//! xmllint, a real validating parser) and every CSV it names exists with the
//! declared number of columns in every row. Needs xmllint (libxml2-utils);
//! skipped without it unless `KONTOR_REQUIRE_XMLLINT=1` (CI sets it).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use kontor_ledger::account::{AccountNo, Chart, ChartKind};
use kontor_ledger::date::Date;
use kontor_ledger::entry::{Entry, Posting};
use kontor_ledger::gobd::{self, ExportEntry, ExportHeader};
use kontor_ledger::money::Cents;
use kontor_ledger::tax::TaxCode;

fn acc(s: &str) -> AccountNo {
    AccountNo::parse(s).unwrap()
}

fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

/// Fields of one CSV line (`;`, `"` quoting with doubled quotes).
fn fields(line: &str) -> usize {
    let mut n = 1;
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => n += 1,
            _ => {}
        }
    }
    n
}

#[test]
fn index_xml_is_valid_and_every_table_has_its_declared_columns() {
    let chart = Chart::standard(ChartKind::Skr03);
    let mut entries = Vec::new();
    let mut sale = TaxCode::USt19.lines(chart, acc("8400"), Cents(11900)).unwrap();
    sale.push(Posting::new(acc("10001"), Cents(11900)));
    let mut e = Entry::new(
        sale,
        d("2026-03-02"),
        d("2026-03-01"),
        "Rechnung \"Müller\"; Beratung",
        "RE-1",
    )
    .unwrap();
    e.vat_date = Some(d("2026-02-27"));
    e.provenance.source = Some("import.jsonl#T1".into());
    entries.push(e);
    let pay = Entry::new(
        vec![
            Posting::new(acc("1200"), Cents(11900)),
            Posting::new(acc("10001"), Cents(-11900)),
        ],
        d("2026-03-10"),
        d("2026-03-10"),
        "Zahlung",
        "RE-1",
    )
    .unwrap();
    entries.push(pay.clone());
    entries.push(pay.reversal(d("2026-03-11"), "Storno Zahlung"));
    let ids: Vec<String> = (0..entries.len()).map(|i| format!("id-{i}")).collect();
    let export_entries: Vec<ExportEntry<'_>> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| ExportEntry {
            number: i as i64 + 1,
            id: &ids[i],
            entry: e,
            reverses: (i == 2).then_some(ids[1].as_str()),
            fixed: i == 0,
        })
        .collect();
    let header = ExportHeader {
        company: "Muster GmbH & Co. <KG>",
        location: "Musterstadt",
        from: d("2026-01-01"),
        to: d("2026-12-31"),
        created: "2026-11-28",
        partner_names: &[(10001, "Kunde Nord AG".to_string())].into_iter().collect(),
    };
    let files = gobd::export(chart, &header, &export_entries);
    let dir = tempfile_dir();
    for (name, bytes) in &files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert!(names.contains(&"index.xml") && names.contains(&gobd::DTD_NAME));

    let index = std::fs::read_to_string(dir.join("index.xml")).unwrap();
    let declared = gobd::declared_columns(&index);
    assert_eq!(declared.len(), 4);
    for (file, n) in &declared {
        let csv = std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(!csv.is_empty(), "{file} is empty");
        assert!(csv.ends_with("\r\n"));
        for line in csv.split("\r\n").filter(|l| !l.is_empty()) {
            assert_eq!(fields(line), *n, "{file}: {line}");
        }
    }
    let journal = std::fs::read_to_string(dir.join("buchungsjournal.csv")).unwrap();
    assert!(journal.contains("\"Rechnung \"\"Müller\"\"; Beratung\""));
    assert!(journal.contains(";-100,00;") && journal.contains(";119,00;"));
    assert!(journal.contains(";27.02.2026;"));

    let xmllint = Command::new("xmllint")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !xmllint {
        assert!(
            std::env::var("KONTOR_REQUIRE_XMLLINT").is_err(),
            "KONTOR_REQUIRE_XMLLINT is set but xmllint is missing"
        );
        eprintln!("skipped the DTD validation: xmllint not installed");
        return;
    }
    let out = Command::new("xmllint")
        .args(["--noout", "--valid"])
        .arg(dir.join("index.xml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "index.xml is not valid: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A broken index is caught: the validator really checks.
    let broken = index.replace("<Version>1.0</Version>", "");
    std::fs::write(dir.join("broken.xml"), broken).unwrap();
    let out = Command::new("xmllint")
        .args(["--noout", "--valid"])
        .arg(dir.join("broken.xml"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("kontor-gobd-{}-{}", std::process::id(), line!()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
