//! Validation against the reference verdicts of the shared corpus
//! (`expected.tsv`): the same verdict for every file, and the same set of
//! failed rule ids (without the reference's pseudo ids `XSD` and
//! `XSLT-ERROR:*`) for at least 99 % of them. Differences are printed so a
//! failure says which rules disagree on which file.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::collections::BTreeSet;
use std::path::PathBuf;

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/einvoice")
}

#[test]
fn verdicts_and_failed_rules_agree_with_the_reference() {
    let tsv = std::fs::read_to_string(corpus().join("expected.tsv")).expect("the shared corpus beside the clone");
    let (mut files, mut same_set) = (0, 0);
    let mut verdict_differs = Vec::new();
    let mut set_differs = Vec::new();
    for row in tsv.lines().skip(1) {
        let c: Vec<&str> = row.split('\t').collect();
        if c[1] == "vefa-testset" {
            continue;
        }
        files += 1;
        let report = kontor_einvoice::validate::validate(&std::fs::read(corpus().join(c[0])).unwrap());
        let got_verdict = if report.valid() { "valid" } else { "invalid" };
        if got_verdict != c[2] {
            verdict_differs.push(format!("{}: reference {}, kontor {got_verdict}", c[0], c[2]));
        }
        let want: BTreeSet<&str> = c[3]
            .split(',')
            .filter(|r| !r.is_empty() && *r != "XSD" && !r.starts_with("XSLT-ERROR"))
            .collect();
        let got: BTreeSet<&str> = report.failed_rules().into_iter().collect();
        if want == got {
            same_set += 1;
        } else {
            set_differs.push(format!(
                "{}: missed {:?}, extra {:?}",
                c[0],
                want.difference(&got).collect::<Vec<_>>(),
                got.difference(&want).collect::<Vec<_>>()
            ));
        }
        // Every finding is complete: rule, location and both messages.
        for f in &report.findings {
            assert!(
                !f.location.is_empty() && !f.de.is_empty() && !f.en.is_empty(),
                "{}: {f:?}",
                c[0]
            );
            assert!(!f.de.starts_with("Regel "), "no own wording for {}", f.rule);
        }
    }
    println!("{files} files, {same_set} with the same failed-rule set");
    assert!(files > 500, "the corpus has {files} files");
    assert!(
        verdict_differs.is_empty(),
        "verdicts differ:\n{}",
        verdict_differs.join("\n")
    );
    assert!(
        same_set * 100 >= files * 99,
        "only {same_set} of {files} rule sets agree:\n{}",
        set_differs.join("\n")
    );
}
