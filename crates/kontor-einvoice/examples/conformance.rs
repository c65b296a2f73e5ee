//! Compares kontor's verdicts and failed rules with the reference
//! (`../shared/corpus/einvoice/expected.tsv`): the verdict of every file and
//! the whole set of failed rule ids (without the reference's pseudo ids
//! `XSD` and `XSLT-ERROR:*`), and prints where they differ.
//!
//! `cargo run -p kontor-einvoice --example conformance [ubl|cii|pdf|all]`

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let which = std::env::args().nth(1).unwrap_or_else(|| "all".into());
    let verbose = std::env::args().any(|a| a == "-v");
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/einvoice");
    let tsv = std::fs::read_to_string(corpus.join("expected.tsv"))?;
    let mut rows = Vec::new();
    for line in tsv.lines().skip(1) {
        let c: Vec<&str> = line.split('\t').collect();
        let keep = match which.as_str() {
            "ubl" => c[1].starts_with("ubl"),
            "cii" => c[1] == "cii",
            "pdf" => c[1] == "pdf",
            _ => true,
        };
        if c[1] == "vefa-testset" || !keep {
            continue;
        }
        let report = kontor_einvoice::validate::validate(&std::fs::read(corpus.join(c[0])).unwrap_or_default());
        rows.push((c[0].to_string(), c[2].to_string(), c[3].to_string(), report));
    }
    let mut missed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut extra: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let (mut same_set, mut same_verdict) = (0, 0);
    for (path, verdict, expected, report) in &rows {
        let want: BTreeSet<&str> = expected
            .split(',')
            .filter(|r| !r.is_empty() && *r != "XSD" && !r.starts_with("XSLT-ERROR"))
            .collect();
        let got: BTreeSet<&str> = report.failed_rules().into_iter().collect();
        let got_verdict = if report.valid() { "valid" } else { "invalid" };
        if got_verdict == verdict {
            same_verdict += 1;
        } else {
            println!("VERDICT {path}: reference {verdict}, kontor {got_verdict}");
        }
        if want == got {
            same_set += 1;
        } else if verbose {
            println!(
                "SET {path}: missed {:?} extra {:?}",
                want.difference(&got).collect::<Vec<_>>(),
                got.difference(&want).collect::<Vec<_>>()
            );
        }
        for r in want.difference(&got) {
            missed.entry((*r).into()).or_default().push(path.clone());
        }
        for r in got.difference(&want) {
            extra.entry((*r).into()).or_default().push(path.clone());
        }
    }
    let n = rows.len();
    println!(
        "{n} files: same verdict {same_verdict} ({:.1} %), same failed-rule set {same_set} ({:.1} %)",
        100.0 * same_verdict as f64 / n.max(1) as f64,
        100.0 * same_set as f64 / n.max(1) as f64
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
