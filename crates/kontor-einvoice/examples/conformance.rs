//! Compares kontor's verdicts and failed rules with the reference
//! (`../shared/corpus/einvoice/expected.tsv`) for the rule ids kontor
//! implements so far, and prints where they differ.
//!
//! `cargo run -p kontor-einvoice --example conformance [ubl|cii|all]`

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let which = std::env::args().nth(1).unwrap_or_else(|| "ubl".into());
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/einvoice");
    let tsv = std::fs::read_to_string(corpus.join("expected.tsv"))?;
    // Rule ids kontor checks: a reference id outside this set is not compared yet.
    let implemented: BTreeSet<String> = kontor_einvoice::validate::IMPLEMENTED
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut rows = Vec::new();
    for line in tsv.lines().skip(1) {
        let c: Vec<&str> = line.split('\t').collect();
        if c[1] == "vefa-testset" || (which == "ubl" && !c[1].starts_with("ubl")) || (which == "cii" && c[1] != "cii") {
            continue;
        }
        let report = kontor_einvoice::validate::validate(&std::fs::read(corpus.join(c[0])).unwrap_or_default());
        rows.push((c[0].to_string(), c[3].to_string(), report));
    }
    let mut missed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut extra: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut agree = 0;
    for (path, expected, report) in &rows {
        let want: BTreeSet<&str> = expected.split(',').filter(|r| implemented.contains(*r)).collect();
        let got: BTreeSet<&str> = report.failed_rules().into_iter().collect();
        if want == got {
            agree += 1;
        }
        for r in want.difference(&got) {
            missed.entry((*r).into()).or_default().push(path.clone());
        }
        for r in got.difference(&want) {
            extra.entry((*r).into()).or_default().push(path.clone());
        }
    }
    println!(
        "{} files, {agree} agree on the {} implemented rule ids",
        rows.len(),
        implemented.len()
    );
    for (label, map) in [
        ("missed (reference fails, kontor does not)", &missed),
        ("extra (kontor fails, reference does not)", &extra),
    ] {
        println!("\n{label}:");
        for (rule, files) in map {
            println!("  {rule}: {} e.g. {}", files.len(), files[0]);
        }
    }
    Ok(())
}
