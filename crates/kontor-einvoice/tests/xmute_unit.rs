//! The XRechnung test instances (`expected-unit.tsv`, rows of kind `xmute`):
//! the `<?xmute …?>` processing instructions of the KoSIT schematron test
//! files are expanded as the corpus README describes (each instruction
//! alone, on a fresh copy, applied to the next sibling element or to its
//! attribute), and every mutated invoice must raise the rules it names as
//! invalid, must not raise those it names as valid, and must fail exactly
//! the rules the reference failed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use kontor_einvoice::validate::{validate_with, Options};

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/einvoice")
}

/// One `<?xmute …?>` instruction: its attributes and where it ends.
struct Instruction {
    attrs: HashMap<String, String>,
    end: usize,
}

fn instructions(doc: &str) -> Vec<Instruction> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(p) = doc[at..].find("<?xmute") {
        // Instructions inside comments do not count.
        if let Some(c) = doc[at..].find("<!--").filter(|c| *c < p) {
            at += c + doc[at + c..].find("-->").expect("closed comment") + 3;
            continue;
        }
        let start = at + p;
        let end = start + doc[start..].find("?>").expect("closed instruction") + 2;
        out.push(Instruction {
            attrs: pi_attrs(&doc[start + 7..end - 2]),
            end,
        });
        at = end;
    }
    out
}

/// `name="value"` pairs; a repeated name keeps every value, comma-joined.
fn pi_attrs(s: &str) -> HashMap<String, String> {
    let mut map: HashMap<String, String> = HashMap::new();
    let mut rest = s;
    while let Some(eq) = rest.find('=') {
        let name = rest[..eq].trim().to_string();
        let after = rest[eq + 1..].trim_start();
        let quote = after.chars().next().unwrap_or('"');
        let body = &after[1..];
        let close = body.find(quote).unwrap_or(body.len());
        let value = body[..close].to_string();
        map.entry(name)
            .and_modify(|v| {
                v.push(',');
                v.push_str(&value);
            })
            .or_insert(value);
        rest = &body[(close + 1).min(body.len())..];
    }
    map
}

/// Skips whitespace, comments and processing instructions from `at`.
fn skip_misc(doc: &str, mut at: usize) -> usize {
    loop {
        let rest = &doc[at..];
        let trimmed = rest.trim_start();
        at += rest.len() - trimmed.len();
        if trimmed.starts_with("<!--") {
            at += trimmed.find("-->").unwrap() + 3;
        } else if trimmed.starts_with("<?") {
            at += trimmed.find("?>").unwrap() + 2;
        } else {
            return at;
        }
    }
}

/// The end of the tag starting at `at` (index after `>`), respecting quotes.
fn tag_end(doc: &str, at: usize) -> usize {
    let b = doc.as_bytes();
    let mut i = at;
    let mut quote = 0u8;
    while i < b.len() {
        let c = b[i];
        if quote != 0 {
            if c == quote {
                quote = 0;
            }
        } else if c == b'"' || c == b'\'' {
            quote = c;
        } else if c == b'>' {
            return i + 1;
        }
        i += 1;
    }
    b.len()
}

/// The element starting at `start`: (end of start tag, start of end tag, end).
fn element(doc: &str, start: usize) -> (usize, usize, usize) {
    let open_end = tag_end(doc, start);
    if doc[..open_end].ends_with("/>") {
        return (open_end, open_end, open_end);
    }
    let mut depth = 1;
    let mut at = open_end;
    loop {
        let p = at + doc[at..].find('<').unwrap();
        let rest = &doc[p..];
        if rest.starts_with("<!--") {
            at = p + rest.find("-->").unwrap() + 3;
        } else if rest.starts_with("<![CDATA[") {
            at = p + rest.find("]]>").unwrap() + 3;
        } else if rest.starts_with("<?") {
            at = p + rest.find("?>").unwrap() + 2;
        } else if rest.starts_with("</") {
            depth -= 1;
            let e = tag_end(doc, p);
            if depth == 0 {
                return (open_end, p, e);
            }
            at = e;
        } else {
            let e = tag_end(doc, p);
            if !doc[..e].ends_with("/>") {
                depth += 1;
            }
            at = e;
        }
    }
}

/// The span of attribute `name="…"` inside a start tag, and of its value.
fn attribute(doc: &str, start: usize, open_end: usize, name: &str) -> Option<(usize, usize, usize, usize)> {
    let tag = &doc[start..open_end];
    let mut from = 0;
    while let Some(p) = tag[from..].find(name) {
        let i = from + p;
        let before = tag.as_bytes()[i - 1];
        let after = tag[i + name.len()..].trim_start();
        if before.is_ascii_whitespace() && after.starts_with('=') {
            let eq = i + name.len() + tag[i + name.len()..].find('=').unwrap();
            let q = eq + 1 + tag[eq + 1..].find(['"', '\'']).unwrap();
            let quote = tag.as_bytes()[q] as char;
            let close = q + 1 + tag[q + 1..].find(quote).unwrap();
            return Some((start + i, start + close + 1, start + q + 1, start + close));
        }
        from = i + name.len();
    }
    None
}

/// The mutated documents of instruction `n` (one, or one per `code` value).
fn mutate(doc: &str, ins: &Instruction) -> Vec<String> {
    let target = skip_misc(doc, ins.end);
    let (open_end, close_start, end) = element(doc, target);
    let mutator = ins.attrs.get("mutator").map(String::as_str).unwrap_or("identity");
    let attr = ins.attrs.get("attribute");
    let splice = |from: usize, to: usize, with: &str| format!("{}{}{}", &doc[..from], with, &doc[to..]);
    match (mutator, attr) {
        ("identity", _) => vec![doc.to_string()],
        ("remove", None) => vec![splice(target, end, "")],
        ("remove", Some(a)) => match attribute(doc, target, open_end, a) {
            Some((s, e, _, _)) => vec![splice(s - 1, e, "")],
            None => vec![doc.to_string()],
        },
        ("empty", None) => {
            if close_start == open_end && doc[..open_end].ends_with("/>") {
                vec![doc.to_string()]
            } else {
                vec![splice(open_end, close_start, "")]
            }
        }
        ("empty", Some(a)) => match attribute(doc, target, open_end, a) {
            Some((_, _, vs, ve)) => vec![splice(vs, ve, "")],
            None => vec![doc.to_string()],
        },
        ("code", attr) => {
            let values: Vec<&str> = ins
                .attrs
                .get("values")
                .map(|v| v.split(',').map(str::trim).collect())
                .unwrap_or_default();
            values
                .iter()
                .map(|v| match attr {
                    None => splice(open_end, close_start, v),
                    Some(a) => match attribute(doc, target, open_end, a) {
                        Some((_, _, vs, ve)) => splice(vs, ve, v),
                        None => {
                            let insert = open_end - if doc[..open_end].ends_with("/>") { 2 } else { 1 };
                            splice(insert, insert, &format!(" {a}=\"{v}\""))
                        }
                    },
                })
                .collect()
        }
        (other, _) => panic!("unknown mutator {other}"),
    }
}

#[test]
fn xrechnung_test_instances_meet_their_expectations() {
    let tsv = std::fs::read_to_string(corpus().join("expected-unit.tsv")).expect("the shared corpus beside the clone");
    let mut docs: HashMap<String, (String, Vec<Instruction>)> = HashMap::new();
    let (mut rows, mut expectation_met, mut same_set) = (0, 0, 0);
    let mut problems = Vec::new();
    for row in tsv.lines().skip(1) {
        let c: Vec<&str> = row.split('\t').collect();
        if c[1] != "xmute" {
            continue;
        }
        rows += 1;
        let (file, id) = c[0].split_once("#xmute-").unwrap();
        let (n, k) = match id.split_once('.') {
            Some((n, k)) => (n.parse::<usize>().unwrap(), k.parse::<usize>().unwrap()),
            None => (id.parse::<usize>().unwrap(), 1),
        };
        let (doc, ins) = docs.entry(file.to_string()).or_insert_with(|| {
            let doc = std::fs::read_to_string(corpus().join(file)).unwrap();
            let ins = instructions(&doc);
            (doc, ins)
        });
        let variants = mutate(doc, &ins[n - 1]);
        let mutated = &variants[k - 1];
        // The reference ran the XRechnung rules on every instance of the
        // XRechnung test suite, whatever the mutated BT-24 says.
        let report = validate_with(mutated.as_bytes(), Options { force_xrechnung: true });
        for f in &report.findings {
            assert!(!f.de.starts_with("Regel "), "no own wording for {}", f.rule);
        }
        let fired: BTreeSet<&str> = report.findings.iter().map(|f| f.rule.as_str()).collect();
        let failed: BTreeSet<&str> = report.failed_rules().into_iter().collect();
        let list =
            |s: &str| -> BTreeSet<String> { s.split(',').filter(|r| !r.is_empty()).map(str::to_string).collect() };
        let (must, must_not, reference) = (list(c[5]), list(c[6]), list(c[4]));
        let missing: Vec<&String> = must.iter().filter(|r| !fired.contains(r.as_str())).collect();
        let wrong: Vec<&String> = must_not.iter().filter(|r| failed.contains(r.as_str())).collect();
        if missing.is_empty() && wrong.is_empty() {
            expectation_met += 1;
        } else {
            problems.push(format!("{}: must fire {missing:?}, must not fire {wrong:?}", c[0]));
        }
        // Where the reference's EN 16931 stylesheet aborted, it reported
        // only the XRechnung rules; compare those.
        let en_aborted = reference.contains("XSLT-ERROR:en16931");
        let xrechnung_rule = |r: &str| r.starts_with("BR-DE") || r.starts_with("BR-TMP") || r.starts_with("PEPPOL");
        let reference: BTreeSet<&str> = reference
            .iter()
            .map(String::as_str)
            .filter(|r| *r != "XSD" && !r.starts_with("XSLT-ERROR"))
            .collect();
        let failed: BTreeSet<&str> = failed
            .into_iter()
            .filter(|r| *r != "XSD" && (!en_aborted || xrechnung_rule(r)))
            .collect();
        if reference == failed {
            same_set += 1;
        } else {
            problems.push(format!(
                "{}: failed rules differ: missed {:?}, extra {:?}",
                c[0],
                reference.difference(&failed).collect::<Vec<_>>(),
                failed.difference(&reference).collect::<Vec<_>>()
            ));
        }
    }
    println!(
        "{rows} instances: {expectation_met} meet their expectation, {same_set} fail exactly the reference's rules"
    );
    assert!(rows > 1000, "{rows} rows");
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
