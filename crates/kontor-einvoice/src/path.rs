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

/// The first step of `path` (without leading slashes) and the rest.
fn step(path: &str) -> (&str, &str) {
    let path = path.trim_start_matches('/');
    match path.bytes().position(|b| b == b'/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => (path, ""),
    }
}

/// All elements at `path` below `e`.
pub fn all<'a>(e: &'a Element, path: &str) -> Vec<&'a Element> {
    let mut out = Vec::new();
    walk(e, path, &mut out);
    out
}

fn walk<'a>(e: &'a Element, path: &str, out: &mut Vec<&'a Element>) {
    let (step, rest) = step(path);
    if step.is_empty() {
        out.push(e);
        return;
    }
    let (n, name) = split(step);
    for c in e.children.iter().filter(|x| x.name == name && x.ns == n) {
        walk(c, rest, out);
    }
}

/// The first element at `path` (in document order), without collecting the rest.
pub fn first<'a>(e: &'a Element, path: &str) -> Option<&'a Element> {
    let (step, rest) = step(path);
    if step.is_empty() {
        return Some(e);
    }
    let (n, name) = split(step);
    e.children
        .iter()
        .filter(|x| x.name == name && x.ns == n)
        .find_map(|c| first(c, rest))
}

/// The trimmed text at `path`, if the element exists.
pub fn text(e: &Element, path: &str) -> Option<String> {
    first(e, path).map(|x| x.value().to_string())
}

/// An attribute of the element at `path`.
pub fn attr(e: &Element, path: &str, name: &str) -> Option<String> {
    first(e, path).and_then(|x| x.attr(name)).map(str::to_string)
}
