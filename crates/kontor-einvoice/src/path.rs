//! Navigating the element tree with short prefixed paths (`cac:Party/cbc:Name`).

use crate::xml::Element;

pub const UBL_INVOICE: &str = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";
pub const UBL_CREDIT_NOTE: &str = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2";
pub const CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
pub const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
pub const RSM: &str = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100";
pub const RAM: &str = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100";
pub const UDT: &str = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100";
pub const QDT: &str = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100";

fn ns(prefix: &str) -> &'static str {
    match prefix {
        "cac" => CAC,
        "cbc" => CBC,
        "rsm" => RSM,
        "ram" => RAM,
        "udt" => UDT,
        "qdt" => QDT,
        _ => "",
    }
}

fn split(step: &str) -> (&'static str, &str) {
    // Prefixes are a few bytes long: a plain loop beats a memchr call here.
    match step.bytes().position(|b| b == b':') {
        Some(i) => (ns(&step[..i]), &step[i + 1..]),
        None => ("", step),
    }
}

/// Calls `f` with `path` split into its (namespace, local name) steps, once,
/// so that a walk does not parse the rest of the path again for every
/// element it visits. Short paths (all of kontor's) stay on the stack.
fn with_steps<R>(path: &str, f: impl FnOnce(&[(&'static str, &str)]) -> R) -> R {
    let mut steps = [("", ""); 12];
    let mut len = 0;
    let b = path.as_bytes();
    let mut start = 0;
    // A plain byte loop: these paths are short, a memchr call costs more.
    for i in 0..=b.len() {
        if i == b.len() || b[i] == b'/' {
            if i > start {
                if len == steps.len() {
                    let long: Vec<_> = path.split('/').filter(|s| !s.is_empty()).map(split).collect();
                    return f(&long);
                }
                steps[len] = split(&path[start..i]);
                len += 1;
            }
            start = i + 1;
        }
    }
    f(&steps[..len])
}

/// All elements at `path` below `e`.
pub fn all<'a>(e: &'a Element, path: &str) -> Vec<&'a Element> {
    let mut out = Vec::new();
    with_steps(path, |steps| walk(e, steps, &mut out));
    out
}

fn walk<'a>(e: &'a Element, steps: &[(&str, &str)], out: &mut Vec<&'a Element>) {
    let Some(((n, name), rest)) = steps.split_first() else {
        out.push(e);
        return;
    };
    for c in e.children.iter().filter(|x| x.name == *name && x.ns == *n) {
        walk(c, rest, out);
    }
}

/// The first element at `path` (in document order), without collecting the rest.
pub fn first<'a>(e: &'a Element, path: &str) -> Option<&'a Element> {
    with_steps(path, |steps| first_at(e, steps))
}

fn first_at<'a>(e: &'a Element, steps: &[(&str, &str)]) -> Option<&'a Element> {
    let Some(((n, name), rest)) = steps.split_first() else {
        return Some(e);
    };
    e.children
        .iter()
        .filter(|x| x.name == *name && x.ns == *n)
        .find_map(|c| first_at(c, rest))
}

/// The trimmed text at `path`, if the element exists.
pub fn text(e: &Element, path: &str) -> Option<String> {
    first(e, path).map(|x| x.value().to_string())
}

/// An attribute of the element at `path`.
pub fn attr(e: &Element, path: &str, name: &str) -> Option<String> {
    first(e, path).and_then(|x| x.attr(name)).map(str::to_string)
}
