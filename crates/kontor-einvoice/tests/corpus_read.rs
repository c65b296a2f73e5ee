//! Every invoice of the shared corpus is read: the syntax, the container and
//! the specification identifier (BT-24) agree with the reference
//! (`expected.tsv`), and the basic business terms are found.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::PathBuf;

use kontor_einvoice::read::{read, ReadError};

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/einvoice")
}

#[test]
fn every_corpus_invoice_reads_with_the_reference_syntax_and_bt24() {
    let tsv = std::fs::read_to_string(corpus().join("expected.tsv")).expect("the shared corpus beside the clone");
    let mut read_ok = 0;
    let mut problems = Vec::new();
    for row in tsv.lines().skip(1) {
        let c: Vec<&str> = row.split('\t').collect();
        let (path, syntax, verdict, failed, bt24, container) =
            (c[0], c[1], c[2], c[3], c[4], c.get(8).copied().unwrap_or(""));
        if syntax == "vefa-testset" {
            continue;
        }
        let bytes = std::fs::read(corpus().join(path)).unwrap();
        match read(&bytes) {
            Ok(r) => {
                read_ok += 1;
                if r.invoice.syntax.key() != syntax {
                    problems.push(format!("{path}: syntax {} ≠ {syntax}", r.invoice.syntax.key()));
                }
                if r.invoice.specification.as_deref().unwrap_or("") != bt24 {
                    problems.push(format!("{path}: BT-24 {:?} ≠ {bt24:?}", r.invoice.specification));
                }
                let want_container = container.strip_prefix("pdf:");
                if r.container.as_deref() != want_container {
                    problems.push(format!("{path}: container {:?} ≠ {want_container:?}", r.container));
                }
                if verdict == "valid" && (r.invoice.number.is_none() || r.invoice.totals.payable.is_none()) {
                    problems.push(format!("{path}: a valid invoice without BT-1 or BT-115 as read"));
                }
            }
            // Only inputs the reference also could not treat as invoices may fail to read.
            Err(ReadError::Pdf(_)) if failed.contains("PDF-NO-INVOICE-XML") => {}
            Err(e) => problems.push(format!("{path}: {}", e.message().1)),
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(read_ok > 500, "{read_ok}");
}
