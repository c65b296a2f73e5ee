//! Validation: the EN 16931 rules (CEN validation artefacts 1.3.16) and, for
//! XRechnung invoices, the XRechnung CIUS, checked on the element tree of the
//! syntax the invoice came in, as the official schematron does. Every finding
//! names its rule, severity, location and value, with a message in German and
//! English in kontor's own words.
//!
//! Status (work in progress, not yet used by the product): the framework and
//! the first UBL rule groups (document level, totals, document allowances and
//! charges, parties). CII rules, code lists, VAT category rules, syntax rules
//! and the XRechnung CIUS follow; until then `validate` checks UBL only and
//! must not be offered to users. `cargo run -p kontor-einvoice --example
//! conformance` measures the agreement with the reference verdicts.

mod cii_rules;
mod content;
mod messages;
mod tree;
mod ubl_rules;
mod xpath;
mod xr_rules;

use crate::model::Syntax;
use crate::read::ReadError;

/// Rule ids the checks implement so far (for the conformance measurement).
pub const IMPLEMENTED: &[&str] = &[
    "BR-01",
    "BR-02",
    "BR-03",
    "BR-04",
    "BR-05",
    "BR-06",
    "BR-07",
    "BR-08",
    "BR-09",
    "BR-10",
    "BR-11",
    "BR-12",
    "BR-13",
    "BR-14",
    "BR-15",
    "BR-16",
    "BR-31",
    "BR-32",
    "BR-33",
    "BR-36",
    "BR-37",
    "BR-38",
    "BR-51",
    "BR-52",
    "BR-53",
    "BR-57",
    "BR-62",
    "BR-63",
    "BR-CO-10",
    "BR-CO-11",
    "BR-CO-12",
    "BR-CO-13",
    "BR-CO-16",
    "BR-CO-21",
    "BR-CO-22",
    "BR-DEC-01",
    "BR-DEC-02",
    "BR-DEC-05",
    "BR-DEC-06",
    "BR-DEC-09",
    "BR-DEC-10",
    "BR-DEC-11",
    "BR-DEC-12",
    "BR-DEC-14",
    "BR-DEC-16",
    "BR-DEC-17",
    "BR-DEC-18",
    "BR-AE-01",
    "BR-E-01",
    "BR-G-01",
    "BR-IC-01",
    "BR-Z-01",
    "BR-O-01",
    "BR-AF-01",
    "BR-AG-01",
    "BR-CO-18",
    "BR-CO-03",
    "BR-CO-15",
    "BR-S-01",
    "BR-S-02",
    "BR-S-03",
    "BR-S-04",
    "BR-Z-02",
    "BR-Z-03",
    "BR-Z-04",
    "BR-E-02",
    "BR-E-03",
    "BR-E-04",
    "BR-AE-02",
    "BR-AE-03",
    "BR-AE-04",
    "BR-IC-02",
    "BR-IC-03",
    "BR-IC-04",
    "BR-IC-11",
    "BR-IC-12",
    "BR-G-02",
    "BR-G-03",
    "BR-G-04",
    "BR-AF-02",
    "BR-AF-03",
    "BR-AF-04",
    "BR-AG-02",
    "BR-AG-03",
    "BR-AG-04",
    "BR-O-02",
    "BR-O-03",
    "BR-O-04",
    "BR-O-11",
    "BR-O-12",
    "BR-O-13",
    "BR-O-14",
    "BR-21",
    "BR-22",
    "BR-23",
    "BR-24",
    "BR-25",
    "BR-26",
    "BR-27",
    "BR-28",
    "BR-CO-04",
    "BR-DEC-23",
    "BR-41",
    "BR-42",
    "BR-43",
    "BR-44",
    "BR-CO-23",
    "BR-CO-24",
    "BR-DEC-24",
    "BR-DEC-25",
    "BR-DEC-27",
    "BR-DEC-28",
    "BR-29",
    "BR-30",
    "BR-CO-19",
    "BR-CO-20",
    "BR-54",
    "BR-64",
    "BR-65",
    "BR-S-05",
    "BR-S-06",
    "BR-S-07",
    "BR-S-08",
    "BR-S-09",
    "BR-S-10",
    "BR-Z-05",
    "BR-Z-06",
    "BR-Z-07",
    "BR-Z-08",
    "BR-Z-09",
    "BR-Z-10",
    "BR-E-05",
    "BR-E-06",
    "BR-E-07",
    "BR-E-08",
    "BR-E-09",
    "BR-E-10",
    "BR-AE-05",
    "BR-AE-06",
    "BR-AE-07",
    "BR-AE-08",
    "BR-AE-09",
    "BR-AE-10",
    "BR-IC-05",
    "BR-IC-06",
    "BR-IC-07",
    "BR-IC-08",
    "BR-IC-09",
    "BR-IC-10",
    "BR-G-05",
    "BR-G-06",
    "BR-G-07",
    "BR-G-08",
    "BR-G-09",
    "BR-G-10",
    "BR-O-05",
    "BR-O-06",
    "BR-O-07",
    "BR-O-08",
    "BR-O-09",
    "BR-O-10",
    "BR-AF-05",
    "BR-AF-06",
    "BR-AF-07",
    "BR-AF-08",
    "BR-AF-09",
    "BR-AF-10",
    "BR-AG-05",
    "BR-AG-06",
    "BR-AG-07",
    "BR-AG-08",
    "BR-AG-09",
    "BR-AG-10",
    "BR-17",
    "BR-18",
    "BR-19",
    "BR-20",
    "BR-56",
    "BR-49",
    "BR-50",
    "BR-61",
    "BR-55",
    "BR-CO-26",
    "BR-CO-14",
    "BR-45",
    "BR-46",
    "BR-47",
    "BR-48",
    "BR-CO-17",
    "BR-DEC-19",
    "BR-DEC-20",
    "BR-CO-09",
    "UBL-SR-53",
    "UBL-SR-01",
    "UBL-SR-02",
    "UBL-SR-03",
    "UBL-SR-04",
    "UBL-SR-05",
    "UBL-SR-06",
    "UBL-SR-07",
    "UBL-SR-08",
    "UBL-SR-09",
    "UBL-SR-10",
    "UBL-SR-11",
    "UBL-SR-12",
    "UBL-SR-13",
    "UBL-SR-14",
    "UBL-SR-15",
    "UBL-SR-16",
    "UBL-SR-17",
    "UBL-SR-18",
    "UBL-SR-19",
    "UBL-SR-20",
    "UBL-SR-21",
    "UBL-SR-22",
    "UBL-SR-23",
    "UBL-SR-24",
    "UBL-SR-25",
    "UBL-SR-26",
    "UBL-SR-27",
    "UBL-SR-28",
    "UBL-SR-29",
    "UBL-SR-30",
    "UBL-SR-31",
    "UBL-SR-32",
    "UBL-SR-33",
    "UBL-SR-34",
    "UBL-SR-35",
    "UBL-SR-36",
    "UBL-SR-37",
    "UBL-SR-38",
    "UBL-SR-39",
    "UBL-SR-40",
    "UBL-SR-42",
    "UBL-SR-43",
    "UBL-SR-44",
    "UBL-SR-45",
    "UBL-SR-46",
    "UBL-SR-47",
    "UBL-SR-48",
    "UBL-DT-01",
    "UBL-DT-06",
    "UBL-DT-07",
    "BR-CL-01",
    "BR-CL-10",
    "BR-CL-11",
    "BR-CL-21",
    "BR-CL-22",
    "BR-CL-25",
    "BR-CL-26",
    "BR-CL-03",
    "BR-CL-04",
    "BR-CL-05",
    "BR-CL-06",
    "BR-CL-07",
    "BR-CL-13",
    "BR-CL-14",
    "BR-CL-15",
    "BR-CL-16",
    "BR-CL-17",
    "BR-CL-18",
    "BR-CL-19",
    "BR-CL-20",
    "BR-CL-23",
    "BR-CL-24",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Severity {
    /// Makes the invoice invalid.
    Fatal,
    Warning,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    /// XPath-like location of the offending element.
    pub location: String,
    pub value: Option<String>,
    pub de: String,
    pub en: String,
}

/// The BMF's classes of defects (letter of 15 October 2025).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorClass {
    /// Not readable as an EN 16931 invoice at all.
    Format,
    /// Readable, but breaks business rules.
    BusinessRule,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub syntax: Option<Syntax>,
    pub container: Option<String>,
    pub customization_id: Option<String>,
    pub findings: Vec<Finding>,
    pub error_class: Option<ErrorClass>,
}

impl Report {
    pub fn valid(&self) -> bool {
        self.error_class.is_none()
    }

    /// Ids of the fatal rules that fired, sorted, once each.
    pub fn failed_rules(&self) -> Vec<&str> {
        self.ids(Severity::Fatal)
    }

    pub fn warnings(&self) -> Vec<&str> {
        self.ids(Severity::Warning)
    }

    fn ids(&self, s: Severity) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .findings
            .iter()
            .filter(|f| f.severity == s)
            .map(|f| f.rule.as_str())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// Collects findings while the rules run.
#[derive(Default)]
pub(crate) struct Sink {
    pub findings: Vec<Finding>,
}

impl Sink {
    pub fn fatal(&mut self, rule: &str, location: &str, value: Option<&str>, de: &str, en: &str) {
        self.push(rule, Severity::Fatal, location, value, de, en);
    }

    #[allow(dead_code)] // the warning-level rules come with the next rule groups
    pub fn warn(&mut self, rule: &str, location: &str, value: Option<&str>, de: &str, en: &str) {
        self.push(rule, Severity::Warning, location, value, de, en);
    }

    /// A finding worded from kontor's message catalogue (`messages.rs`).
    pub fn hit(&mut self, rule: &str, severity: Severity, location: &str, value: Option<&str>) {
        let (de, en) = messages::text(rule, value);
        self.push(rule, severity, location, value, &de, &en);
    }

    pub(crate) fn push(
        &mut self,
        rule: &str,
        severity: Severity,
        location: &str,
        value: Option<&str>,
        de: &str,
        en: &str,
    ) {
        self.findings.push(Finding {
            rule: rule.to_string(),
            severity,
            location: location.to_string(),
            value: value.map(str::to_string),
            de: de.to_string(),
            en: en.to_string(),
        });
    }
}

/// The reference applies the XRechnung CIUS when BT-24 mentions XRechnung.
pub fn is_xrechnung(bt24: &str) -> bool {
    bt24.contains("xrechnung")
}

/// The XRechnung 3.0 scenarios the KoSIT validator configuration knows by
/// their exact specification identifier (BT-24).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    Standard,
    Extension,
    Cvd,
}

pub const XRECHNUNG_30: &str = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0";

pub fn scenario(bt24: &str) -> Option<Scenario> {
    match bt24.strip_prefix(XRECHNUNG_30)? {
        "" => Some(Scenario::Standard),
        "#conformant#urn:xeinkauf.de:kosit:extension:xrechnung_3.0" => Some(Scenario::Extension),
        "#compliant#urn:xeinkauf.de:kosit:xrechnung:cvd_0.9" => Some(Scenario::Cvd),
        _ => None,
    }
}

/// The KoSIT configuration's severity changes for XRechnung scenarios.
fn adjust(findings: &mut [Finding], sc: Scenario) {
    let to_warning: &[&str] = match sc {
        Scenario::Standard => &["BR-CL-21", "BR-CL-23"],
        Scenario::Extension => &[
            "BR-CL-21", "BR-CL-23", "BR-CL-10", "BR-CL-11", "BR-CL-24", "BR-CL-25", "BR-CL-26", "BR-CO-16",
        ],
        Scenario::Cvd => &["BR-CL-21", "BR-CL-23", "BR-CL-13"],
    };
    let to_fatal = ["CII-SR-452", "CII-SR-453", "CII-SR-454", "UBL-CR-646"];
    for f in findings {
        if to_warning.contains(&f.rule.as_str()) {
            f.severity = Severity::Warning;
        } else if to_fatal.contains(&f.rule.as_str()) {
            f.severity = Severity::Fatal;
        }
    }
}

/// An `xs:boolean` charge indicator is a schema requirement: anything else
/// (e.g. `TRUE`, `yes`) is a format error kontor reports under the id `XSD`,
/// where the official stylesheets abort.
fn schema_booleans(d: &tree::Doc<'_>, s: &mut Sink) {
    let mut at: Vec<usize> = d
        .named_ns(crate::path::CBC, "ChargeIndicator")
        .map(|(i, _)| i)
        .chain(
            d.named_ns(crate::path::UDT, "Indicator")
                .filter(|(i, _)| d.parent_name(*i) == "ChargeIndicator")
                .map(|(i, _)| i),
        )
        .collect();
    at.sort_unstable();
    for i in at {
        let v = d.nodes[i].el.text.trim();
        if !matches!(v, "true" | "false" | "1" | "0") {
            // The location by local names, e.g. `/Invoice/cac:AllowanceCharge/…`
            // without prefixes: `/Invoice/AllowanceCharge/ChargeIndicator`.
            let mut names = Vec::new();
            let mut n = Some(i);
            while let Some(k) = n {
                names.push(d.nodes[k].el.name.as_str());
                n = d.nodes[k].parent;
            }
            names.reverse();
            let loc = format!("/{}", names.join("/"));
            s.push(
                "XSD",
                Severity::Fatal,
                &loc,
                Some(v),
                "Ein Zuschlagskennzeichen muss true oder false sein; die Rechnung verletzt das XML-Schema.",
                "A charge indicator must be true or false; the invoice violates the XML schema.",
            );
        }
    }
}

/// The BMF class of a report's fatal findings: schema violations are format
/// errors, everything else business-rule errors.
fn classify(findings: &[Finding]) -> Option<ErrorClass> {
    let fatal: Vec<&Finding> = findings.iter().filter(|f| f.severity == Severity::Fatal).collect();
    if fatal.iter().any(|f| f.rule == "XSD") {
        Some(ErrorClass::Format)
    } else if fatal.is_empty() {
        None
    } else {
        Some(ErrorClass::BusinessRule)
    }
}

/// Runs the rules on an already parsed invoice root (UBL or CII), e.g. the
/// fragments of the CEN unit test sets.
pub fn validate_tree(root: &crate::xml::Element) -> Report {
    let mut sink = Sink::default();
    let syntax = crate::read::syntax_of(root);
    let doc = tree::Doc::new(root);
    match syntax {
        Some(Syntax::UblInvoice) | Some(Syntax::UblCreditNote) => {
            ubl_rules::en16931(&doc, syntax.unwrap_or(Syntax::UblInvoice), &mut sink)
        }
        Some(Syntax::Cii) => cii_rules::en16931(&doc, &mut sink),
        None => {}
    }
    schema_booleans(&doc, &mut sink);
    let bt24 = match syntax {
        Some(Syntax::Cii) => crate::path::text(
            root,
            "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
        ),
        Some(_) => crate::path::text(root, "cbc:CustomizationID"),
        None => None,
    };
    if let (Some(sx), Some(b)) = (syntax, bt24.as_deref()) {
        if is_xrechnung(b) {
            xr_rules::xrechnung(&tree::Doc::new(root), sx, &mut sink);
        }
        if let Some(sc) = scenario(b) {
            adjust(&mut sink.findings, sc);
        }
    }
    let error_class = classify(&sink.findings);
    Report {
        syntax,
        container: None,
        customization_id: None,
        findings: sink.findings,
        error_class,
    }
}

/// How to validate beyond what the invoice says of itself.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Apply the XRechnung CIUS even when BT-24 does not name XRechnung
    /// (e.g. for invoices to public authorities that must be XRechnung).
    pub force_xrechnung: bool,
}

/// Validates any input (XML or PDF with embedded XML).
pub fn validate(bytes: &[u8]) -> Report {
    validate_with(bytes, Options::default())
}

/// Validates with explicit options.
pub fn validate_with(bytes: &[u8], options: Options) -> Report {
    let r = match crate::read::parse(bytes) {
        Ok(r) => r,
        Err(e) => {
            let (de, en) = e.message();
            let rule = match e {
                ReadError::Pdf(_) => "PDF-NO-INVOICE-XML",
                ReadError::Xml(_) => "XML-WELLFORMED",
                ReadError::UnknownSyntax { .. } => "SYNTAX",
            };
            return Report {
                syntax: None,
                container: None,
                customization_id: None,
                findings: vec![Finding {
                    rule: rule.into(),
                    severity: Severity::Fatal,
                    location: "/".into(),
                    value: None,
                    de,
                    en,
                }],
                error_class: Some(ErrorClass::Format),
            };
        }
    };
    let mut sink = Sink::default();
    // The document flattened once for all rule sets.
    let doc = tree::Doc::new(&r.root);
    match r.invoice.syntax {
        Syntax::Cii => cii_rules::en16931(&doc, &mut sink),
        s => ubl_rules::en16931(&doc, s, &mut sink),
    }
    schema_booleans(&doc, &mut sink);
    if options.force_xrechnung || r.invoice.specification.as_deref().is_some_and(is_xrechnung) {
        xr_rules::xrechnung(&doc, r.invoice.syntax, &mut sink);
    }
    content::check(&r.invoice, &mut sink);
    if let Some(sc) = r.invoice.specification.as_deref().and_then(scenario) {
        adjust(&mut sink.findings, sc);
    }
    let error_class = classify(&sink.findings);
    Report {
        syntax: Some(r.invoice.syntax),
        container: r.container,
        customization_id: r.invoice.specification,
        findings: sink.findings,
        error_class,
    }
}
