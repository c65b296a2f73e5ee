//! The CEN unit test sets (`expected-unit.tsv`, rows of kind `vefa`): each
//! test fragment must raise (or must not raise) the rule in its scope. Every
//! rule kontor implements is checked against all of its unit tests.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::collections::HashMap;
use std::path::PathBuf;

use kontor_einvoice::validate::{validate_tree, IMPLEMENTED};
use kontor_einvoice::xml::{parse, Element, Limits};

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/einvoice")
}

/// The invoice roots of a test set, in order (`#test-1` is the first).
fn fragments(set: &Element) -> Vec<Element> {
    set.children
        .iter()
        .filter(|t| t.name == "test")
        .map(|t| {
            t.children
                .iter()
                .find(|c| c.name != "assert")
                .cloned()
                .unwrap_or_default()
        })
        .collect()
}

#[test]
fn every_implemented_rule_meets_its_cen_unit_tests() {
    let tsv = std::fs::read_to_string(corpus().join("expected-unit.tsv")).expect("the shared corpus");
    let mut sets: HashMap<String, Vec<Element>> = HashMap::new();
    let (mut checked, mut failures) = (0, Vec::new());
    for row in tsv.lines().skip(1) {
        let c: Vec<&str> = row.split('\t').collect();
        if c[1] != "vefa" || !c[2].starts_with("ubl") {
            continue;
        }
        let (file, test) = c[0].split_once("#test-").unwrap();
        let (expect_error, expect_success) = (c[5], c[6]);
        let rule = if expect_error.is_empty() {
            expect_success
        } else {
            expect_error
        };
        if !IMPLEMENTED.contains(&rule) {
            continue;
        }
        let frags = sets.entry(file.to_string()).or_insert_with(|| {
            let bytes = std::fs::read(corpus().join(file)).unwrap();
            fragments(&parse(&bytes, Limits::default()).unwrap())
        });
        let n: usize = test.parse().unwrap();
        let report = validate_tree(&frags[n - 1]);
        // Beyond the scoped rule: every implemented rule the reference
        // reported for this fragment, and no other.
        let reference: Vec<&str> = c[4].split(',').filter(|r| IMPLEMENTED.contains(r)).collect();
        let mut ours: Vec<&str> = report
            .failed_rules()
            .into_iter()
            .filter(|r| IMPLEMENTED.contains(r))
            .collect();
        ours.sort_unstable();
        let mut want = reference.clone();
        want.sort_unstable();
        if ours != want {
            failures.push(format!("{}: failed rules {ours:?}, reference {want:?}", c[0]));
        }
        let fired = report.failed_rules().contains(&rule) || report.warnings().contains(&rule);
        let want = !expect_error.is_empty();
        if fired != want {
            failures.push(format!(
                "{}: {rule} {} but {}",
                c[0],
                if want { "must fire" } else { "must not fire" },
                if fired { "fired" } else { "did not" }
            ));
        }
        checked += 1;
    }
    eprintln!("{checked} CEN unit tests checked");
    assert!(checked > 100, "{checked}");
    assert!(
        failures.is_empty(),
        "{} of {checked} unit tests fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
