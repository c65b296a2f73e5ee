//! EN 16931 rules on UBL 2.1 (`Invoice`, `CreditNote`).

use rust_decimal::Decimal;

use super::xpath::{decimal, decimals_at_most, exists, non_empty, round2, string_value, sum};
use super::Sink;
use crate::model::Syntax;
use crate::path::{all, first};
use crate::xml::Element;

/// Effective boolean value of `xs:decimal(path)`: present and not zero.
fn truthy(e: &Element, path: &str) -> bool {
    decimal(e, path).is_some_and(|d| !d.is_zero())
}

pub(super) fn en16931(d: &super::tree::Doc, syntax: Syntax, s: &mut Sink) {
    let root = d.r;
    let doc = if syntax == Syntax::UblCreditNote {
        "/CreditNote"
    } else {
        "/Invoice"
    };
    document(root, doc, s);
    totals(root, doc, s);
    allowances_charges(root, doc, s);
    parties(root, doc, s);
    vat_document(d, doc, s);
    vat_parties(d, doc, s);
    lines(d, doc, s);
    vat_categories(d, doc, s);
    parties_payment_breakdown(d, doc, s);
    code_lists(d, doc, s);
    scheme_code_lists(d, s);
    syntax_rules(d, doc, s);
    cardinality(d, doc, s);
}

fn document(r: &Element, doc: &str, s: &mut Sink) {
    let required: [(&str, &str, &str, &str); 7] = [
        (
            "BR-01",
            "cbc:CustomizationID",
            "Die Spezifikationskennung (BT-24) fehlt.",
            "The specification identifier (BT-24) is missing.",
        ),
        (
            "BR-02",
            "cbc:ID",
            "Die Rechnungsnummer (BT-1) fehlt.",
            "The invoice number (BT-1) is missing.",
        ),
        (
            "BR-03",
            "cbc:IssueDate",
            "Das Rechnungsdatum (BT-2) fehlt.",
            "The invoice issue date (BT-2) is missing.",
        ),
        (
            "BR-05",
            "cbc:DocumentCurrencyCode",
            "Der Währungscode der Rechnung (BT-5) fehlt.",
            "The invoice currency code (BT-5) is missing.",
        ),
        (
            "BR-06",
            "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
            "Der Name des Verkäufers (BT-27) fehlt.",
            "The seller name (BT-27) is missing.",
        ),
        (
            "BR-07",
            "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
            "Der Name des Käufers (BT-44) fehlt.",
            "The buyer name (BT-44) is missing.",
        ),
        (
            "BR-04",
            "cbc:InvoiceTypeCode|cbc:CreditNoteTypeCode",
            "Der Rechnungsartcode (BT-3) fehlt.",
            "The invoice type code (BT-3) is missing.",
        ),
    ];
    for (rule, path, de, en) in required {
        let present = path.split('|').any(|p| non_empty(r, p));
        if !present {
            s.fatal(rule, doc, None, de, en);
        }
    }
    if !exists(r, "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress") {
        s.fatal(
            "BR-08",
            doc,
            None,
            "Die Anschrift des Verkäufers (BG-5) fehlt.",
            "The seller postal address (BG-5) is missing.",
        );
    }
    if !exists(r, "cac:AccountingCustomerParty/cac:Party/cac:PostalAddress") {
        s.fatal(
            "BR-10",
            doc,
            None,
            "Die Anschrift des Käufers (BG-8) fehlt.",
            "The buyer postal address (BG-8) is missing.",
        );
    }
    if !exists(r, "cac:InvoiceLine") && !exists(r, "cac:CreditNoteLine") {
        s.fatal(
            "BR-16",
            doc,
            None,
            "Die Rechnung hat keine Rechnungsposition (BG-25).",
            "The invoice has no invoice line (BG-25).",
        );
    }
    for tc in all(r, "cbc:TaxCurrencyCode") {
        let code = string_value(tc);
        let found = all(r, "cac:TaxTotal/cbc:TaxAmount")
            .iter()
            .any(|a| a.attr("currencyID") == Some(code.as_str()));
        if !found {
            s.fatal(
                "BR-53",
                &format!("{doc}/cbc:TaxCurrencyCode"),
                Some(&code),
                "Zur Steuerwährung (BT-6) fehlt der Umsatzsteuerbetrag in dieser Währung (BT-111).",
                "The VAT total in the accounting currency (BT-111) is missing although BT-6 is given.",
            );
        }
    }
    for (i, d) in all(r, "cac:AdditionalDocumentReference").iter().enumerate() {
        if !non_empty(d, "cbc:ID") {
            s.fatal(
                "BR-52",
                &format!("{doc}/cac:AdditionalDocumentReference[{}]", i + 1),
                None,
                "Ein rechnungsbegründendes Dokument (BG-24) hat keine Kennung (BT-122).",
                "A supporting document (BG-24) has no reference (BT-122).",
            );
        }
    }
}

fn totals(r: &Element, doc: &str, s: &mut Sink) {
    let Some(t) = first(r, "cac:LegalMonetaryTotal") else {
        return;
    };
    let loc = format!("{doc}/cac:LegalMonetaryTotal");
    for (rule, el, de, en) in [
        (
            "BR-12",
            "cbc:LineExtensionAmount",
            "Die Summe der Positionsnettobeträge (BT-106) fehlt.",
            "The sum of line net amounts (BT-106) is missing.",
        ),
        (
            "BR-13",
            "cbc:TaxExclusiveAmount",
            "Der Gesamtbetrag ohne Umsatzsteuer (BT-109) fehlt.",
            "The total without VAT (BT-109) is missing.",
        ),
        (
            "BR-14",
            "cbc:TaxInclusiveAmount",
            "Der Gesamtbetrag mit Umsatzsteuer (BT-112) fehlt.",
            "The total with VAT (BT-112) is missing.",
        ),
        (
            "BR-15",
            "cbc:PayableAmount",
            "Der fällige Zahlbetrag (BT-115) fehlt.",
            "The amount due for payment (BT-115) is missing.",
        ),
    ] {
        if !exists(t, el) {
            s.fatal(rule, &loc, None, de, en);
        }
    }
    let line_sum = round2(sum(r, "cac:InvoiceLine/cbc:LineExtensionAmount"));
    let credit_sum = round2(sum(r, "cac:CreditNoteLine/cbc:LineExtensionAmount"));
    let bt106 = decimal(t, "cbc:LineExtensionAmount");
    if !(bt106 == Some(line_sum) || bt106 == Some(credit_sum)) {
        s.fatal(
            "BR-CO-10",
            &format!("{loc}/cbc:LineExtensionAmount"),
            bt106.map(|d| d.to_string()).as_deref(),
            "Die Summe der Positionsnettobeträge (BT-106) stimmt nicht mit den Positionen (BT-131) überein.",
            "The sum of line net amounts (BT-106) does not match the lines (BT-131).",
        );
    }
    let doc_ac = |charge: bool| -> Vec<&Element> {
        all(r, "cac:AllowanceCharge")
            .into_iter()
            .filter(|a| string_value_trim(a, "cbc:ChargeIndicator") == Some(if charge { "true" } else { "false" }))
            .collect()
    };
    let allowances = doc_ac(false);
    let charges = doc_ac(true);
    let sum_of = |v: &[&Element]| round2(v.iter().filter_map(|a| decimal(a, "cbc:Amount")).sum());
    let ok107 = decimal(t, "cbc:AllowanceTotalAmount") == Some(sum_of(&allowances))
        || (!exists(t, "cbc:AllowanceTotalAmount") && allowances.is_empty());
    if !ok107 {
        s.fatal(
            "BR-CO-11",
            &format!("{loc}/cbc:AllowanceTotalAmount"),
            None,
            "Die Summe der Nachlässe auf Dokumentenebene (BT-107) stimmt nicht mit den Nachlässen (BT-92) überein.",
            "The sum of document level allowances (BT-107) does not match the allowances (BT-92).",
        );
    }
    let ok108 = decimal(t, "cbc:ChargeTotalAmount") == Some(sum_of(&charges))
        || (!exists(t, "cbc:ChargeTotalAmount") && charges.is_empty());
    if !ok108 {
        s.fatal(
            "BR-CO-12",
            &format!("{loc}/cbc:ChargeTotalAmount"),
            None,
            "Die Summe der Zuschläge auf Dokumentenebene (BT-108) stimmt nicht mit den Zuschlägen (BT-99) überein.",
            "The sum of document level charges (BT-108) does not match the charges (BT-99).",
        );
    }
    let (has_c, has_a) = (
        exists(t, "cbc:ChargeTotalAmount"),
        exists(t, "cbc:AllowanceTotalAmount"),
    );
    let v = |p: &str| decimal(t, p);
    let bt109 = v("cbc:TaxExclusiveAmount");
    let expected109 = match (
        v("cbc:LineExtensionAmount"),
        v("cbc:ChargeTotalAmount"),
        v("cbc:AllowanceTotalAmount"),
    ) {
        (Some(l), c, a) if has_c && has_a => c.zip(a).map(|(c, a)| round2(l + c - a)),
        (Some(l), _, a) if !has_c && has_a => a.map(|a| round2(l - a)),
        (Some(l), c, _) if has_c && !has_a => c.map(|c| round2(l + c)),
        (Some(l), _, _) => Some(l),
        _ => None,
    };
    if bt109.is_none() || bt109 != expected109 {
        s.fatal(
            "BR-CO-13",
            &format!("{loc}/cbc:TaxExclusiveAmount"),
            bt109.map(|d| d.to_string()).as_deref(),
            "Der Gesamtbetrag ohne Umsatzsteuer (BT-109) ist nicht Positionssumme minus Nachlässe plus Zuschläge.",
            "The total without VAT (BT-109) is not the line total minus allowances plus charges.",
        );
    }
    let (prepaid, rounding) = (truthy(t, "cbc:PrepaidAmount"), truthy(t, "cbc:PayableRoundingAmount"));
    let (payable, with_vat) = (v("cbc:PayableAmount"), v("cbc:TaxInclusiveAmount"));
    let pre = v("cbc:PrepaidAmount").unwrap_or_default();
    let rnd = v("cbc:PayableRoundingAmount").unwrap_or_default();
    let ok16 = match (payable, with_vat) {
        (Some(p), Some(w)) => match (prepaid, rounding) {
            (true, false) => p == round2(w - pre),
            (false, false) => p == w,
            (true, true) => round2(p - rnd) == round2(w - pre),
            (false, true) => round2(p - rnd) == w,
        },
        _ => false,
    };
    if !ok16 {
        s.fatal(
            "BR-CO-16",
            &format!("{loc}/cbc:PayableAmount"),
            payable.map(|d| d.to_string()).as_deref(),
            "Der Zahlbetrag (BT-115) ist nicht Gesamtbetrag mit Umsatzsteuer minus gezahlter Betrag plus Rundung.",
            "The amount due (BT-115) is not the total with VAT minus the paid amount plus rounding.",
        );
    }
    for (rule, el, bt) in [
        ("BR-DEC-09", "cbc:LineExtensionAmount", "BT-106"),
        ("BR-DEC-10", "cbc:AllowanceTotalAmount", "BT-107"),
        ("BR-DEC-11", "cbc:ChargeTotalAmount", "BT-108"),
        ("BR-DEC-12", "cbc:TaxExclusiveAmount", "BT-109"),
        ("BR-DEC-14", "cbc:TaxInclusiveAmount", "BT-112"),
        ("BR-DEC-16", "cbc:PrepaidAmount", "BT-113"),
        ("BR-DEC-17", "cbc:PayableRoundingAmount", "BT-114"),
        ("BR-DEC-18", "cbc:PayableAmount", "BT-115"),
    ] {
        if !decimals_at_most(t, el, 2) {
            s.fatal(
                rule,
                &format!("{loc}/{el}"),
                first(t, el).map(string_value).as_deref(),
                &format!("{bt} hat mehr als zwei Nachkommastellen."),
                &format!("{bt} has more than two decimals."),
            );
        }
    }
}

fn string_value_trim<'a>(e: &'a Element, path: &str) -> Option<&'a str> {
    first(e, path).map(|x| x.text.as_str().trim())
}

fn allowances_charges(r: &Element, doc: &str, s: &mut Sink) {
    for (i, a) in all(r, "cac:AllowanceCharge").iter().enumerate() {
        let loc = format!("{doc}/cac:AllowanceCharge[{}]", i + 1);
        let charge = match string_value_trim(a, "cbc:ChargeIndicator") {
            Some("true") => true,
            Some("false") => false,
            _ => continue,
        };
        let vat = all(a, "cac:TaxCategory").iter().any(|tc| {
            all(tc, "cac:TaxScheme/cbc:ID")
                .iter()
                .any(|id| string_value(id).trim().to_uppercase() == "VAT")
                && exists(tc, "cbc:ID")
        });
        let reason = exists(a, "cbc:AllowanceChargeReason") || exists(a, "cbc:AllowanceChargeReasonCode");
        let (r_amount, r_vat, r_reason, r_co, d_amount, d_base, what_de, what_en) = if charge {
            (
                "BR-36",
                "BR-37",
                "BR-38",
                "BR-CO-22",
                "BR-DEC-05",
                "BR-DEC-06",
                "Zuschlag",
                "charge",
            )
        } else {
            (
                "BR-31",
                "BR-32",
                "BR-33",
                "BR-CO-21",
                "BR-DEC-01",
                "BR-DEC-02",
                "Nachlass",
                "allowance",
            )
        };
        if !exists(a, "cbc:Amount") {
            s.fatal(
                r_amount,
                &loc,
                None,
                &format!("Einem {what_de} auf Dokumentenebene fehlt der Betrag."),
                &format!("A document level {what_en} has no amount."),
            );
        }
        if !vat {
            s.fatal(
                r_vat,
                &loc,
                None,
                &format!("Einem {what_de} auf Dokumentenebene fehlt die Umsatzsteuerkategorie."),
                &format!("A document level {what_en} has no VAT category code."),
            );
        }
        if !reason {
            s.fatal(
                r_reason,
                &loc,
                None,
                &format!("Einem {what_de} auf Dokumentenebene fehlen Grund und Grundcode."),
                &format!("A document level {what_en} has neither reason nor reason code."),
            );
            s.fatal(
                r_co,
                &loc,
                None,
                &format!("Einem {what_de} auf Dokumentenebene fehlen Grund und Grundcode."),
                &format!("A document level {what_en} has neither reason nor reason code."),
            );
        }
        if !decimals_at_most(a, "cbc:Amount", 2) {
            s.fatal(
                d_amount,
                &loc,
                None,
                "Der Betrag hat mehr als zwei Nachkommastellen.",
                "The amount has more than two decimals.",
            );
        }
        if !decimals_at_most(a, "cbc:BaseAmount", 2) {
            s.fatal(
                d_base,
                &loc,
                None,
                "Der Basisbetrag hat mehr als zwei Nachkommastellen.",
                "The base amount has more than two decimals.",
            );
        }
    }
}

fn parties(r: &Element, doc: &str, s: &mut Sink) {
    for a in all(r, "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress") {
        if !non_empty(a, "cac:Country/cbc:IdentificationCode") {
            s.fatal(
                "BR-09",
                &format!("{doc}/cac:AccountingSupplierParty/cac:Party/cac:PostalAddress"),
                None,
                "Der Anschrift des Verkäufers fehlt der Ländercode (BT-40).",
                "The seller address has no country code (BT-40).",
            );
        }
    }
    for a in all(r, "cac:AccountingCustomerParty/cac:Party/cac:PostalAddress") {
        if !non_empty(a, "cac:Country/cbc:IdentificationCode") {
            s.fatal(
                "BR-11",
                &format!("{doc}/cac:AccountingCustomerParty/cac:Party/cac:PostalAddress"),
                None,
                "Der Anschrift des Käufers fehlt der Ländercode (BT-55).",
                "The buyer address has no country code (BT-55).",
            );
        }
    }
    for e in all(r, "cac:AccountingSupplierParty/cac:Party/cbc:EndpointID") {
        if e.attr("schemeID").is_none() {
            s.fatal(
                "BR-62",
                &format!("{doc}/cac:AccountingSupplierParty/cac:Party/cbc:EndpointID"),
                Some(&string_value(e)),
                "Der elektronischen Adresse des Verkäufers (BT-34) fehlt die Schemakennung.",
                "The seller electronic address (BT-34) has no scheme identifier.",
            );
        }
    }
    for e in all(r, "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID") {
        if e.attr("schemeID").is_none() {
            s.fatal(
                "BR-63",
                &format!("{doc}/cac:AccountingCustomerParty/cac:Party/cbc:EndpointID"),
                Some(&string_value(e)),
                "Der elektronischen Adresse des Käufers (BT-49) fehlt die Schemakennung.",
                "The buyer electronic address (BT-49) has no scheme identifier.",
            );
        }
    }
    for a in all(r, "cac:Delivery/cac:DeliveryLocation/cac:Address") {
        if !exists(a, "cac:Country/cbc:IdentificationCode") {
            s.fatal(
                "BR-57",
                &format!("{doc}/cac:Delivery/cac:DeliveryLocation/cac:Address"),
                None,
                "Der Lieferanschrift (BG-15) fehlt der Ländercode (BT-80).",
                "The deliver-to address (BG-15) has no country code (BT-80).",
            );
        }
    }
    for c in all(r, "cac:PaymentMeans/cac:CardAccount") {
        let n = first(c, "cbc:PrimaryAccountNumberID")
            .map(|x| string_value(x).chars().count())
            .unwrap_or(0);
        if !(4..=6).contains(&n) {
            s.fatal(
                "BR-51",
                &format!("{doc}/cac:PaymentMeans/cac:CardAccount"),
                None,
                "Von der Kartennummer (BT-87) dürfen nur die letzten 4 bis 6 Ziffern angegeben sein.",
                "Only the last 4 to 6 digits of the card number (BT-87) may be given.",
            );
        }
    }
}

/// `cac:TaxCategory` / `cac:ClassifiedTaxCategory` elements of the VAT scheme.
fn is_vat(tc: &Element) -> bool {
    all(tc, "cac:TaxScheme/cbc:ID")
        .iter()
        .any(|id| string_value(id).trim().to_uppercase() == "VAT")
}

/// Every element named `name` anywhere below `e` (XPath `//name`).
/// `//ns:name` below the root, in document order (from the document's index).
fn descendants<'a>(d: &super::tree::Doc<'a>, ns: &str, name: &str, out: &mut Vec<&'a Element>) {
    out.extend(d.named_ns(ns, name).filter(|(i, _)| *i != 0).map(|(_, n)| n.el));
}

fn category_ids(tc: &Element) -> Vec<String> {
    all(tc, "cbc:ID")
        .iter()
        .map(|i| string_value(i).trim().to_string())
        .collect()
}

/// VAT category codes used anywhere (lines, allowances, charges, breakdown).
fn categories_used<'a>(d: &super::tree::Doc<'a>) -> Vec<String> {
    let mut tcs = Vec::new();
    descendants(d, crate::path::CAC, "TaxCategory", &mut tcs);
    descendants(d, crate::path::CAC, "ClassifiedTaxCategory", &mut tcs);
    tcs.into_iter().filter(|t| is_vat(t)).flat_map(category_ids).collect()
}

/// Rules across the VAT breakdown: one breakdown per category used
/// (BR-S-01, BR-Z-01, BR-E-01, BR-AE-01, BR-IC-01, BR-G-01, BR-O-01,
/// BR-AF-01, BR-AG-01), BR-CO-15, BR-CO-18, BR-CO-03, BR-DEC-13/15.
pub(super) fn vat_document<'a>(d: &super::tree::Doc<'a>, doc: &str, s: &mut Sink) {
    let r: &'a Element = d.r;
    let used = categories_used(d);
    let breakdown: Vec<String> = all(r, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory")
        .into_iter()
        .filter(|t| is_vat(t))
        .flat_map(category_ids)
        .collect();
    for (code, rule, name_de, name_en) in [
        (
            "AE",
            "BR-AE-01",
            "Umkehrung der Steuerschuldnerschaft",
            "reverse charge",
        ),
        ("E", "BR-E-01", "steuerbefreit", "exempt from VAT"),
        ("G", "BR-G-01", "Ausfuhr außerhalb der EU", "export outside the EU"),
        (
            "K",
            "BR-IC-01",
            "innergemeinschaftliche Lieferung",
            "intra-community supply",
        ),
        ("Z", "BR-Z-01", "Nullsatz", "zero rated"),
        ("O", "BR-O-01", "nicht steuerbar", "not subject to VAT"),
    ] {
        if used.iter().any(|c| c == code) && breakdown.iter().filter(|c| *c == code).count() != 1 {
            s.fatal(
                rule,
                doc,
                Some(code),
                &format!("Die Kategorie „{name_de}“ ({code}) wird verwendet, die Umsatzsteueraufschlüsselung (BG-23) enthält sie aber nicht genau einmal."),
                &format!("The VAT category {name_en} ({code}) is used, but the VAT breakdown (BG-23) does not contain it exactly once."),
            );
        }
    }
    if !exists(r, "cac:TaxTotal/cac:TaxSubtotal") {
        s.fatal(
            "BR-CO-18",
            doc,
            None,
            "Die Rechnung hat keine Umsatzsteueraufschlüsselung (BG-23).",
            "The invoice has no VAT breakdown (BG-23).",
        );
    }
    if exists(r, "cbc:TaxPointDate") && exists(r, "cac:InvoicePeriod/cbc:DescriptionCode") {
        s.fatal(
            "BR-CO-03",
            doc,
            None,
            "Steuerzeitpunkt (BT-7) und Steuerzeitpunktcode (BT-8) schließen einander aus.",
            "The VAT point date (BT-7) and its code (BT-8) exclude each other.",
        );
    }
    for cur in all(r, "cbc:DocumentCurrencyCode") {
        let code = string_value(cur);
        let amounts: Vec<Option<Decimal>> = all(r, "cac:TaxTotal/cbc:TaxAmount")
            .into_iter()
            .filter(|a| a.attr("currencyID") == Some(code.as_str()))
            .map(|a| crate::model::parse_decimal(string_value(a).trim()))
            .collect();
        let vat = amounts.into_iter().flatten().reduce(|a, b| a + b);
        let with = decimal(r, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount");
        let without = decimal(r, "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount");
        let ok = match (with, without, vat) {
            (Some(w), Some(x), Some(v)) => w == round2(x + v),
            _ => false,
        };
        if !ok {
            s.fatal(
                "BR-CO-15",
                &format!("{doc}/cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount"),
                with.map(|d| d.to_string()).as_deref(),
                "Der Gesamtbetrag mit Umsatzsteuer (BT-112) ist nicht Betrag ohne Umsatzsteuer (BT-109) plus Umsatzsteuer (BT-110).",
                "The total with VAT (BT-112) is not the total without VAT (BT-109) plus the VAT total (BT-110).",
            );
        }
    }
    // BR-DEC-13 / BR-DEC-15 compare the amount's currency with the currency
    // element *below the tax amount* (as the official rule is written), which
    // never exists: both hold vacuously. kontor checks the decimals itself,
    // as warnings, in its content checks.
}

/// XPath `normalize-space`.
fn normalize(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `cbc:ChargeIndicator` as `xs:boolean` (absent or not a boolean: None).
fn charge_indicator(a: &Element) -> Option<bool> {
    match first(a, "cbc:ChargeIndicator")
        .map(|c| string_value(c).trim().to_string())
        .as_deref()
    {
        Some("true") | Some("1") => Some(true),
        Some("false") | Some("0") => Some(false),
        _ => None,
    }
}

/// Tax categories with `normalize-space(cbc:ID) = code`, optionally only of the VAT scheme.
fn with_code<'a>(tcs: &[&'a Element], code: &str, vat_only: bool) -> Vec<&'a Element> {
    tcs.iter()
        .copied()
        .filter(|t| all(t, "cbc:ID").iter().any(|i| normalize(&string_value(i)) == code))
        .filter(|t| !vat_only || is_vat(t))
        .collect()
}

struct VatFacts<'a> {
    /// `//cac:ClassifiedTaxCategory`
    line_cats: Vec<&'a Element>,
    /// `//cac:AllowanceCharge[ChargeIndicator=false()]/cac:TaxCategory` (any level)
    allowance_cats: Vec<&'a Element>,
    /// the same for charges
    charge_cats: Vec<&'a Element>,
    /// document level only: `/Invoice/cac:AllowanceCharge[...]/cac:TaxCategory`
    doc_allowance_cats: Vec<&'a Element>,
    doc_charge_cats: Vec<&'a Element>,
    /// `//cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID` (any scheme)
    seller_any_tax_id: bool,
    seller_vat_id: bool,
    taxrep_vat_id: bool,
    buyer_vat_id: bool,
    buyer_legal_id: bool,
}

fn tax_scheme_ids<'a>(d: &super::tree::Doc<'a>, party: &str, vat_only: bool) -> bool {
    let mut parties = Vec::new();
    descendants(d, crate::path::CAC, party, &mut parties);
    parties.iter().any(|p| {
        let scope: Vec<&Element> = if party == "TaxRepresentativeParty" {
            vec![p]
        } else {
            all(p, "cac:Party")
        };
        scope.iter().any(|x| {
            all(x, "cac:PartyTaxScheme")
                .iter()
                .any(|pts| exists(pts, "cbc:CompanyID") && (!vat_only || is_vat(pts)))
        })
    })
}

fn vat_facts<'a>(d: &super::tree::Doc<'a>) -> VatFacts<'a> {
    let r: &'a Element = d.r;
    let mut line_cats = Vec::new();
    descendants(d, crate::path::CAC, "ClassifiedTaxCategory", &mut line_cats);
    let mut acs = Vec::new();
    descendants(d, crate::path::CAC, "AllowanceCharge", &mut acs);
    fn cats_of<'a>(acs: &[&'a Element], charge: bool) -> Vec<&'a Element> {
        acs.iter()
            .filter(|a| charge_indicator(a) == Some(charge))
            .flat_map(|a| all(a, "cac:TaxCategory"))
            .collect()
    }
    let allowance_cats = cats_of(&acs, false);
    let charge_cats = cats_of(&acs, true);
    let doc_acs = all(r, "cac:AllowanceCharge");
    let doc_allowance_cats = cats_of(&doc_acs, false);
    let doc_charge_cats = cats_of(&doc_acs, true);
    let mut customers = Vec::new();
    descendants(d, crate::path::CAC, "AccountingCustomerParty", &mut customers);
    VatFacts {
        line_cats,
        allowance_cats,
        charge_cats,
        doc_allowance_cats,
        doc_charge_cats,
        seller_any_tax_id: tax_scheme_ids(d, "AccountingSupplierParty", false),
        seller_vat_id: tax_scheme_ids(d, "AccountingSupplierParty", true),
        taxrep_vat_id: tax_scheme_ids(d, "TaxRepresentativeParty", true),
        buyer_vat_id: tax_scheme_ids(d, "AccountingCustomerParty", true),
        buyer_legal_id: customers
            .iter()
            .any(|c| exists(c, "cac:Party/cac:PartyLegalEntity/cbc:CompanyID")),
    }
}

/// The seller/buyer identifier rules per VAT category (…-02, -03, -04) and
/// the "not subject to VAT" exclusions (BR-O-02 … 04, 11 … 14).
pub(super) fn vat_parties<'a>(d: &super::tree::Doc<'a>, doc: &str, s: &mut Sink) {
    let r: &'a Element = d.r;
    let f = vat_facts(d);
    let seller_a = f.seller_any_tax_id || f.taxrep_vat_id;
    let seller_b = f.seller_vat_id || f.taxrep_vat_id;
    let buyer_ae = f.buyer_vat_id || f.buyer_legal_id;
    // (code, rule prefix, category name de/en, condition, needs text de, en)
    let table: [(&str, &str, &str, &str, bool, &str, &str); 8] = [
        (
            "S",
            "BR-S",
            "Normalsatz",
            "standard rated",
            seller_a,
            "die Umsatzsteuer-IdNr. oder Steuernummer des Verkäufers (BT-31/32) oder seines Steuervertreters (BT-63)",
            "the seller's VAT or tax registration id (BT-31/32) or the tax representative's VAT id (BT-63)",
        ),
        (
            "Z",
            "BR-Z",
            "Nullsatz",
            "zero rated",
            seller_a,
            "die Umsatzsteuer-IdNr. oder Steuernummer des Verkäufers (BT-31/32) oder seines Steuervertreters (BT-63)",
            "the seller's VAT or tax registration id (BT-31/32) or the tax representative's VAT id (BT-63)",
        ),
        (
            "E",
            "BR-E",
            "steuerbefreit",
            "exempt",
            seller_a,
            "die Umsatzsteuer-IdNr. oder Steuernummer des Verkäufers (BT-31/32) oder seines Steuervertreters (BT-63)",
            "the seller's VAT or tax registration id (BT-31/32) or the tax representative's VAT id (BT-63)",
        ),
        (
            "AE",
            "BR-AE",
            "Umkehrung der Steuerschuldnerschaft",
            "reverse charge",
            seller_a && buyer_ae,
            "Kennungen von Verkäufer (BT-31/32/63) und Käufer (BT-48 oder BT-47)",
            "identifiers of the seller (BT-31/32/63) and the buyer (BT-48 or BT-47)",
        ),
        (
            "K",
            "BR-IC",
            "innergemeinschaftliche Lieferung",
            "intra-community supply",
            seller_b && f.buyer_vat_id,
            "die Umsatzsteuer-IdNr. von Verkäufer (BT-31 oder BT-63) und Käufer (BT-48)",
            "the VAT ids of the seller (BT-31 or BT-63) and the buyer (BT-48)",
        ),
        (
            "G",
            "BR-G",
            "Ausfuhr",
            "export outside the EU",
            seller_b,
            "die Umsatzsteuer-IdNr. des Verkäufers (BT-31) oder seines Steuervertreters (BT-63)",
            "the seller's VAT id (BT-31) or the tax representative's (BT-63)",
        ),
        (
            "L",
            "BR-AF",
            "IGIC",
            "IGIC",
            seller_a,
            "die Umsatzsteuer-IdNr. oder Steuernummer des Verkäufers (BT-31/32) oder seines Steuervertreters (BT-63)",
            "the seller's VAT or tax registration id (BT-31/32) or the tax representative's VAT id (BT-63)",
        ),
        (
            "M",
            "BR-AG",
            "IPSI",
            "IPSI",
            seller_a,
            "die Umsatzsteuer-IdNr. oder Steuernummer des Verkäufers (BT-31/32) oder seines Steuervertreters (BT-63)",
            "the seller's VAT or tax registration id (BT-31/32) or the tax representative's VAT id (BT-63)",
        ),
    ];
    for (code, prefix, de_name, en_name, ok, need_de, need_en) in table {
        // (suffix, categories, where) — G-03's trigger ignores the scheme, as written.
        let groups: [(&str, &Vec<&Element>, &str, &str); 3] = [
            ("02", &f.line_cats, "eine Position", "a line"),
            ("03", &f.allowance_cats, "ein Nachlass", "an allowance"),
            ("04", &f.charge_cats, "ein Zuschlag", "a charge"),
        ];
        for (suffix, cats, what_de, what_en) in groups {
            let trigger_vat = !(code == "G" && suffix == "03");
            let guard_vat = !(code == "S" && suffix == "02");
            let triggered = !with_code(cats, code, trigger_vat).is_empty();
            // BR-AF-04's guard compares the code without normalising spaces.
            let guarded = if code == "L" && suffix == "04" {
                cats.iter()
                    .any(|t| is_vat(t) && all(t, "cbc:ID").iter().any(|i| string_value(i) == code))
            } else {
                !with_code(cats, code, guard_vat).is_empty()
            };
            if guarded && !(triggered && ok) {
                s.fatal(
                    &format!("{prefix}-{suffix}"),
                    doc,
                    Some(code),
                    &format!(
                        "Wenn {what_de} die Kategorie „{de_name}“ ({code}) hat, muss die Rechnung {need_de} enthalten."
                    ),
                    &format!(
                        "When {what_en} has the VAT category {en_name} ({code}), the invoice must contain {need_en}."
                    ),
                );
            }
        }
    }
    // Not subject to VAT: no VAT ids at all.
    let any_vat_id = f.seller_vat_id || f.taxrep_vat_id || f.buyer_vat_id;
    for (rule, cats, what_de, what_en) in [
        ("BR-O-02", &f.line_cats, "eine Position", "a line"),
        ("BR-O-03", &f.doc_allowance_cats, "ein Nachlass", "an allowance"),
        ("BR-O-04", &f.doc_charge_cats, "ein Zuschlag", "a charge"),
    ] {
        if !with_code(cats, "O", true).is_empty() && any_vat_id {
            s.fatal(
                rule,
                doc,
                Some("O"),
                &format!("Wenn {what_de} „nicht steuerbar“ (O) ist, darf die Rechnung keine Umsatzsteuer-IdNr. (BT-31, BT-63, BT-48) enthalten."),
                &format!("When {what_en} is not subject to VAT (O), the invoice must not contain VAT ids (BT-31, BT-63, BT-48)."),
            );
        }
    }
    let breakdown: Vec<&Element> = all(r, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory")
        .into_iter()
        .filter(|t| is_vat(t))
        .collect();
    let has_o = !with_code(&breakdown, "O", true).is_empty();
    if has_o {
        let not_o = |cats: &[&Element]| {
            cats.iter()
                .filter(|t| is_vat(t))
                .any(|t| all(t, "cbc:ID").iter().any(|i| normalize(&string_value(i)) != "O"))
        };
        for (rule, bad, de, en) in [
            (
                "BR-O-11",
                not_o(&breakdown),
                "Neben „nicht steuerbar“ (O) darf es keine weitere Umsatzsteueraufschlüsselung geben.",
                "Next to 'not subject to VAT' (O) there may be no other VAT breakdown.",
            ),
            (
                "BR-O-12",
                not_o(&f.line_cats),
                "Bei „nicht steuerbar“ (O) müssen alle Positionen „nicht steuerbar“ sein.",
                "With 'not subject to VAT' (O) every line must be not subject to VAT.",
            ),
            (
                "BR-O-13",
                not_o(&f.allowance_cats),
                "Bei „nicht steuerbar“ (O) müssen alle Nachlässe „nicht steuerbar“ sein.",
                "With 'not subject to VAT' (O) every allowance must be not subject to VAT.",
            ),
            (
                "BR-O-14",
                not_o(&f.charge_cats),
                "Bei „nicht steuerbar“ (O) müssen alle Zuschläge „nicht steuerbar“ sein.",
                "With 'not subject to VAT' (O) every charge must be not subject to VAT.",
            ),
        ] {
            if bad {
                s.fatal(rule, doc, Some("O"), de, en);
            }
        }
    }
    if !with_code(&breakdown, "K", true).is_empty() {
        let delivery_date = all(r, "cac:Delivery/cbc:ActualDeliveryDate")
            .first()
            .is_some_and(|d| string_value(d).chars().count() > 1);
        let period = all(r, "cac:InvoicePeriod").iter().any(|p| !p.children.is_empty());
        if !(delivery_date || period) {
            s.fatal("BR-IC-11", doc, None, "Bei innergemeinschaftlicher Lieferung muss das Lieferdatum (BT-72) oder der Abrechnungszeitraum (BG-14) angegeben sein.", "An intra-community supply needs the actual delivery date (BT-72) or the invoicing period (BG-14).");
        }
        let country = all(
            r,
            "cac:Delivery/cac:DeliveryLocation/cac:Address/cac:Country/cbc:IdentificationCode",
        )
        .first()
        .is_some_and(|c| string_value(c).chars().count() > 1);
        if !country {
            s.fatal(
                "BR-IC-12",
                doc,
                None,
                "Bei innergemeinschaftlicher Lieferung muss das Lieferland (BT-80) angegeben sein.",
                "An intra-community supply needs the deliver-to country code (BT-80).",
            );
        }
    }
    // IGIC and IPSI: used if and only if in the breakdown (at least once).
    for (code, rule, name) in [("L", "BR-AF-01", "IGIC"), ("M", "BR-AG-01", "IPSI")] {
        let mut acs = Vec::new();
        descendants(d, crate::path::CAC, "AllowanceCharge", &mut acs);
        let ac_cats: Vec<&Element> = acs.iter().flat_map(|a| all(a, "cac:TaxCategory")).collect();
        let used = with_code(&ac_cats, code, true).len() + with_code(&f.line_cats, code, true).len();
        let subtotal_cats = all(r, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory");
        let exact = subtotal_cats
            .iter()
            .filter(|t| all(t, "cbc:ID").iter().any(|i| string_value(i) == code))
            .count();
        let normalized = with_code(&subtotal_cats, code, true).len();
        let ok = (used > 0 && exact > 0) || (used == 0 && normalized == 0);
        if !ok {
            s.fatal(
                rule,
                doc,
                Some(code),
                &format!("Wird {name} ({code}) verwendet, muss die Umsatzsteueraufschlüsselung die Kategorie enthalten, und nur dann."),
                &format!("When {name} ({code}) is used the VAT breakdown must contain the category, and only then."),
            );
        }
    }
    // BR-S-01 counts standard-rated categories regardless of their scheme.
    let mut all_cats: Vec<&Element> = f.line_cats.clone();
    let mut acs = Vec::new();
    descendants(d, crate::path::CAC, "AllowanceCharge", &mut acs);
    all_cats.extend(acs.iter().flat_map(|a| all(a, "cac:TaxCategory")));
    let used_s = !with_code(&all_cats, "S", false).is_empty();
    let breakdown_s = !with_code(&all(r, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory"), "S", false).is_empty();
    if used_s != breakdown_s {
        s.fatal(
            "BR-S-01",
            doc,
            Some("S"),
            "Wird der Normalsatz (S) verwendet, muss die Umsatzsteueraufschlüsselung ihn enthalten (und umgekehrt).",
            "When the standard rate (S) is used, the VAT breakdown must contain it (and the other way round).",
        );
    }
}

/// Line rules: BR-21 … 28, BR-CO-04, BR-DEC-23, line allowances and charges
/// (BR-41 … 44, BR-CO-23/24, BR-DEC-24/25/27/28), periods (BR-29/30,
/// BR-CO-19/20), BR-54, BR-64, BR-65.
pub(super) fn lines<'a>(d: &super::tree::Doc<'a>, doc: &str, s: &mut Sink) {
    let r: &'a Element = d.r;
    let mut lines_found = all(r, "cac:InvoiceLine");
    lines_found.extend(all(r, "cac:CreditNoteLine"));
    for (i, l) in lines_found.iter().enumerate() {
        let loc = format!(
            "{doc}/{}[{}]",
            if l.name == "InvoiceLine" {
                "cac:InvoiceLine"
            } else {
                "cac:CreditNoteLine"
            },
            i + 1
        );
        let checks: [(&str, bool, &str, &str); 8] = [
            (
                "BR-21",
                non_empty(l, "cbc:ID"),
                "Der Position fehlt die Kennung (BT-126).",
                "The line has no identifier (BT-126).",
            ),
            (
                "BR-22",
                exists(l, "cbc:InvoicedQuantity") || exists(l, "cbc:CreditedQuantity"),
                "Der Position fehlt die Menge (BT-129).",
                "The line has no quantity (BT-129).",
            ),
            (
                "BR-23",
                first(l, "cbc:InvoicedQuantity").is_some_and(|q| q.attr("unitCode").is_some())
                    || first(l, "cbc:CreditedQuantity").is_some_and(|q| q.attr("unitCode").is_some()),
                "Der Position fehlt die Mengeneinheit (BT-130).",
                "The line has no unit of measure (BT-130).",
            ),
            (
                "BR-24",
                exists(l, "cbc:LineExtensionAmount"),
                "Der Position fehlt der Nettobetrag (BT-131).",
                "The line has no net amount (BT-131).",
            ),
            (
                "BR-25",
                non_empty(l, "cac:Item/cbc:Name"),
                "Der Position fehlt der Artikelname (BT-153).",
                "The line has no item name (BT-153).",
            ),
            (
                "BR-26",
                exists(l, "cac:Price/cbc:PriceAmount"),
                "Der Position fehlt der Nettopreis (BT-146).",
                "The line has no net price (BT-146).",
            ),
            (
                "BR-27",
                all(l, "cac:Price/cbc:PriceAmount")
                    .iter()
                    .any(|p| crate::model::parse_decimal(string_value(p).trim()).is_some_and(|d| d >= Decimal::ZERO)),
                "Der Nettopreis (BT-146) darf nicht negativ sein.",
                "The net price (BT-146) must not be negative.",
            ),
            (
                "BR-28",
                !exists(l, "cac:Price/cac:AllowanceCharge/cbc:BaseAmount")
                    || all(l, "cac:Price/cac:AllowanceCharge/cbc:BaseAmount").iter().any(|p| {
                        crate::model::parse_decimal(string_value(p).trim()).is_some_and(|d| d >= Decimal::ZERO)
                    }),
                "Der Bruttopreis (BT-148) darf nicht negativ sein.",
                "The gross price (BT-148) must not be negative.",
            ),
        ];
        for (rule, ok, de, en) in checks {
            if !ok {
                s.fatal(rule, &loc, None, de, en);
            }
        }
        let categorized = all(l, "cac:Item/cac:ClassifiedTaxCategory")
            .iter()
            .any(|t| is_vat(t) && exists(t, "cbc:ID"));
        if !categorized {
            s.fatal(
                "BR-CO-04",
                &loc,
                None,
                "Der Position fehlt die Umsatzsteuerkategorie (BT-151).",
                "The line has no VAT category code (BT-151).",
            );
        }
        if !decimals_at_most(l, "cbc:LineExtensionAmount", 2) {
            s.fatal(
                "BR-DEC-23",
                &loc,
                None,
                "Der Nettobetrag der Position (BT-131) hat mehr als zwei Nachkommastellen.",
                "The line net amount (BT-131) has more than two decimals.",
            );
        }
        for a in all(l, "cac:AllowanceCharge") {
            let Some(charge) = charge_indicator(a) else { continue };
            let (r_amount, r_reason, r_co, d_amount, d_base, de, en) = if charge {
                (
                    "BR-43",
                    "BR-44",
                    "BR-CO-24",
                    "BR-DEC-27",
                    "BR-DEC-28",
                    "Zuschlag auf Positionsebene",
                    "line charge",
                )
            } else {
                (
                    "BR-41",
                    "BR-42",
                    "BR-CO-23",
                    "BR-DEC-24",
                    "BR-DEC-25",
                    "Nachlass auf Positionsebene",
                    "line allowance",
                )
            };
            if !exists(a, "cbc:Amount") {
                s.fatal(
                    r_amount,
                    &loc,
                    None,
                    &format!("Einem {de} fehlt der Betrag."),
                    &format!("A {en} has no amount."),
                );
            }
            if !(exists(a, "cbc:AllowanceChargeReason") || exists(a, "cbc:AllowanceChargeReasonCode")) {
                s.fatal(
                    r_reason,
                    &loc,
                    None,
                    &format!("Einem {de} fehlen Grund und Grundcode."),
                    &format!("A {en} has neither reason nor reason code."),
                );
                s.fatal(
                    r_co,
                    &loc,
                    None,
                    &format!("Einem {de} fehlen Grund und Grundcode."),
                    &format!("A {en} has neither reason nor reason code."),
                );
            }
            if !decimals_at_most(a, "cbc:Amount", 2) {
                s.fatal(
                    d_amount,
                    &loc,
                    None,
                    "Der Betrag hat mehr als zwei Nachkommastellen.",
                    "The amount has more than two decimals.",
                );
            }
            if !decimals_at_most(a, "cbc:BaseAmount", 2) {
                s.fatal(
                    d_base,
                    &loc,
                    None,
                    "Der Basisbetrag hat mehr als zwei Nachkommastellen.",
                    "The base amount has more than two decimals.",
                );
            }
        }
        for p in all(l, "cac:InvoicePeriod") {
            period_rules(p, &loc, "BR-30", "BR-CO-20", "BT-134", "BT-135", s);
        }
        for c in all(l, "cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode") {
            if c.attr("listID").is_none() {
                s.fatal(
                    "BR-65",
                    &loc,
                    Some(&string_value(c)),
                    "Der Artikelklassifizierung (BT-158) fehlt die Schemakennung.",
                    "The item classification (BT-158) has no scheme identifier.",
                );
            }
        }
        for c in all(l, "cac:Item/cac:StandardItemIdentification/cbc:ID") {
            if c.attr("schemeID").is_none() {
                s.fatal(
                    "BR-64",
                    &loc,
                    Some(&string_value(c)),
                    "Der Standardkennung des Artikels (BT-157) fehlt die Schemakennung.",
                    "The item standard identifier (BT-157) has no scheme identifier.",
                );
            }
        }
    }
    for p in all(r, "cac:InvoicePeriod") {
        period_rules(
            p,
            &format!("{doc}/cac:InvoicePeriod"),
            "BR-29",
            "BR-CO-19",
            "BT-73",
            "BT-74",
            s,
        );
    }
    let mut props = Vec::new();
    descendants(d, crate::path::CAC, "AdditionalItemProperty", &mut props);
    for p in props {
        if !(exists(p, "cbc:Name") && exists(p, "cbc:Value")) {
            s.fatal(
                "BR-54",
                doc,
                None,
                "Einem Artikelattribut (BG-32) fehlen Name (BT-160) oder Wert (BT-161).",
                "An item attribute (BG-32) lacks its name (BT-160) or value (BT-161).",
            );
        }
    }
}

fn iso_date(e: &Element, path: &str) -> Option<String> {
    let v = string_value(first(e, path)?).trim().to_string();
    (v.len() == 10 && kontor_date_ok(&v)).then_some(v)
}

fn kontor_date_ok(v: &str) -> bool {
    let b = v.as_bytes();
    b[4] == b'-'
        && b[7] == b'-'
        && v[..4].parse::<u32>().is_ok()
        && v[5..7].parse::<u32>().is_ok_and(|m| (1..=12).contains(&m))
        && v[8..].parse::<u32>().is_ok_and(|d| (1..=31).contains(&d))
}

fn period_rules(
    p: &Element,
    loc: &str,
    order_rule: &str,
    filled_rule: &str,
    bt_start: &str,
    bt_end: &str,
    s: &mut Sink,
) {
    if let (Some(start), Some(end)) = (iso_date(p, "cbc:StartDate"), iso_date(p, "cbc:EndDate")) {
        if end < start {
            s.fatal(
                order_rule,
                loc,
                Some(&format!("{start} – {end}")),
                &format!("Das Ende des Zeitraums ({bt_end}) liegt vor seinem Beginn ({bt_start})."),
                &format!("The period ends ({bt_end}) before it starts ({bt_start})."),
            );
        }
    }
    // BT-8 alone (the VAT point date code) also counts for the invoicing period.
    let code_only = filled_rule == "BR-CO-19" && exists(p, "cbc:DescriptionCode");
    if !(exists(p, "cbc:StartDate") || exists(p, "cbc:EndDate") || code_only) {
        s.fatal(
            filled_rule,
            loc,
            None,
            &format!("Ein angegebener Zeitraum braucht Beginn ({bt_start}) oder Ende ({bt_end})."),
            &format!("A period given needs a start ({bt_start}) or an end ({bt_end})."),
        );
    }
}

/// How a VAT category constrains rates, amounts and exemption reasons.
#[derive(Clone, Copy)]
enum RateRule {
    /// Rate greater than zero (standard rate).
    Positive,
    /// Rate zero.
    Zero,
    /// Zero or greater (IGIC, IPSI).
    NonNegative,
    /// No rate at all (not subject to VAT).
    Absent,
}

struct CategoryRules {
    code: &'static str,
    prefix: &'static str,
    rate: RateRule,
    /// -08 per rate with a tolerance of 1 (S, IGIC, IPSI) or exact.
    per_rate: bool,
    /// -09 tax = taxable × rate (S, IGIC, IPSI) or tax = 0.
    computed_tax: bool,
    /// -10 an exemption reason is required (true) or forbidden (false).
    reason_required: bool,
}

const CATEGORIES: [CategoryRules; 9] = [
    CategoryRules {
        code: "S",
        prefix: "BR-S",
        rate: RateRule::Positive,
        per_rate: true,
        computed_tax: true,
        reason_required: false,
    },
    CategoryRules {
        code: "Z",
        prefix: "BR-Z",
        rate: RateRule::Zero,
        per_rate: false,
        computed_tax: false,
        reason_required: false,
    },
    CategoryRules {
        code: "E",
        prefix: "BR-E",
        rate: RateRule::Zero,
        per_rate: false,
        computed_tax: false,
        reason_required: true,
    },
    CategoryRules {
        code: "AE",
        prefix: "BR-AE",
        rate: RateRule::Zero,
        per_rate: false,
        computed_tax: false,
        reason_required: true,
    },
    CategoryRules {
        code: "K",
        prefix: "BR-IC",
        rate: RateRule::Zero,
        per_rate: false,
        computed_tax: false,
        reason_required: true,
    },
    CategoryRules {
        code: "G",
        prefix: "BR-G",
        rate: RateRule::Zero,
        per_rate: false,
        computed_tax: false,
        reason_required: true,
    },
    CategoryRules {
        code: "O",
        prefix: "BR-O",
        rate: RateRule::Absent,
        per_rate: false,
        computed_tax: false,
        reason_required: true,
    },
    CategoryRules {
        code: "L",
        prefix: "BR-AF",
        rate: RateRule::NonNegative,
        per_rate: true,
        computed_tax: true,
        reason_required: false,
    },
    CategoryRules {
        code: "M",
        prefix: "BR-AG",
        rate: RateRule::NonNegative,
        per_rate: true,
        computed_tax: true,
        reason_required: false,
    },
];

/// Numbers of all nodes at `path` (general comparisons use every node).
fn numbers(e: &Element, path: &str) -> Vec<Option<Decimal>> {
    all(e, path)
        .iter()
        .map(|x| crate::model::parse_decimal(string_value(x).trim()))
        .collect()
}

/// XPath `round()` to an integer, halves up.
fn round0(x: Decimal) -> Decimal {
    (x + Decimal::new(5, 1)).floor()
}

fn rate_ok(rule: RateRule, tc: &Element) -> bool {
    let rates = numbers(tc, "cbc:Percent");
    match rule {
        RateRule::Positive => rates.iter().any(|r| r.is_some_and(|r| r > Decimal::ZERO)),
        RateRule::Zero => rates.iter().any(|r| r.is_some_and(|r| r.is_zero())),
        RateRule::NonNegative => rates.iter().any(|r| r.is_some_and(|r| r >= Decimal::ZERO)),
        RateRule::Absent => rates.is_empty(),
    }
}

/// Sum of line net amounts plus document charges minus document allowances
/// of category `code` (optionally only those with the rounded rate).
fn category_base(r: &Element, code: &str, rate: Option<Decimal>) -> Decimal {
    let has = |tcs: Vec<&Element>| {
        tcs.iter().any(|t| {
            all(t, "cbc:ID").iter().any(|i| normalize(&string_value(i)) == code)
                && rate.is_none_or(|rate| {
                    numbers(t, "cbc:Percent")
                        .iter()
                        .any(|p| p.is_some_and(|p| round0(p) == rate))
                })
        })
    };
    let mut total = Decimal::ZERO;
    for line_path in ["cac:InvoiceLine", "cac:CreditNoteLine"] {
        for l in all(r, line_path) {
            if has(all(l, "cac:Item/cac:ClassifiedTaxCategory")) {
                total += decimal(l, "cbc:LineExtensionAmount").unwrap_or_default();
            }
        }
    }
    for a in all(r, "cac:AllowanceCharge") {
        if !has(all(a, "cac:TaxCategory")) {
            continue;
        }
        let amount = decimal(a, "cbc:Amount").unwrap_or_default();
        match charge_indicator(a) {
            Some(true) => total += amount,
            Some(false) => total -= amount,
            None => {}
        }
    }
    total
}

/// Rules per VAT category on rates (…-05/06/07) and on the breakdown
/// (…-08 taxable amount, -09 tax amount, -10 exemption reason).
pub(super) fn vat_categories<'a>(d: &super::tree::Doc<'a>, doc: &str, s: &mut Sink) {
    let r: &'a Element = d.r;
    let mut line_cats = Vec::new();
    for lp in ["cac:InvoiceLine", "cac:CreditNoteLine"] {
        line_cats.extend(all(r, &format!("{lp}/cac:Item/cac:ClassifiedTaxCategory")));
    }
    let mut acs = Vec::new();
    descendants(d, crate::path::CAC, "AllowanceCharge", &mut acs);
    let has_lines = exists(r, "cac:InvoiceLine") || exists(r, "cac:CreditNoteLine");
    for c in CATEGORIES {
        let rate_text = |de: &str, en: &str| -> (String, String) {
            let (rd, re) = match c.rate {
                RateRule::Positive => ("größer als 0", "greater than zero"),
                RateRule::Zero => ("0", "zero"),
                RateRule::NonNegative => ("0 oder größer", "zero or greater"),
                RateRule::Absent => ("nicht angegeben", "absent"),
            };
            (
                format!("Bei Kategorie {} muss der Steuersatz {de} {rd} sein.", c.code),
                format!("With VAT category {} the rate of {en} must be {re}.", c.code),
            )
        };
        for t in with_code(&line_cats, c.code, true) {
            if !rate_ok(c.rate, t) {
                let (de, en) = rate_text("der Position (BT-152)", "the line (BT-152)");
                s.fatal(&format!("{}-05", c.prefix), doc, Some(c.code), &de, &en);
            }
        }
        for (charge, suffix, de_what, en_what) in [
            (false, "06", "des Nachlasses (BT-96)", "the allowance (BT-96)"),
            (true, "07", "des Zuschlags (BT-103)", "the charge (BT-103)"),
        ] {
            let cats: Vec<&Element> = acs
                .iter()
                .filter(|a| charge_indicator(a) == Some(charge))
                .flat_map(|a| all(a, "cac:TaxCategory"))
                .collect();
            for t in with_code(&cats, c.code, true) {
                if !rate_ok(c.rate, t) {
                    let (de, en) = rate_text(de_what, en_what);
                    s.fatal(&format!("{}-{suffix}", c.prefix), doc, Some(c.code), &de, &en);
                }
            }
        }
        for sub in all(r, "cac:TaxTotal/cac:TaxSubtotal") {
            for t in with_code(&all(sub, "cac:TaxCategory"), c.code, true) {
                let taxable = decimal(sub, "cbc:TaxableAmount");
                let ok08 = if c.per_rate {
                    numbers(t, "cbc:Percent").iter().all(|p| {
                        let Some(p) = p else { return false };
                        let base = category_base(r, c.code, Some(round0(*p)));
                        has_lines && taxable.is_some_and(|x| x - Decimal::ONE < base && x + Decimal::ONE > base)
                    })
                } else {
                    has_lines && taxable == Some(category_base(r, c.code, None))
                };
                if !ok08 {
                    s.fatal(
                        &format!("{}-08", c.prefix),
                        doc,
                        taxable.map(|d| d.to_string()).as_deref(),
                        &format!("Die Bemessungsgrundlage (BT-116) der Kategorie {} entspricht nicht den Positionen, Nachlässen und Zuschlägen dieser Kategorie.", c.code),
                        &format!("The taxable amount (BT-116) of category {} does not match its lines, allowances and charges.", c.code),
                    );
                }
                let taxes = numbers(sub, "cbc:TaxAmount");
                let ok09 = if c.computed_tax {
                    let tax = decimal(sub, "cbc:TaxAmount");
                    let pct = decimal(t, "cbc:Percent");
                    match (tax, taxable, pct) {
                        (Some(tax), Some(base), Some(pct)) => {
                            let expected = round2(base.abs() * (pct / Decimal::ONE_HUNDRED));
                            tax.abs() - Decimal::ONE < expected && tax.abs() + Decimal::ONE > expected
                        }
                        _ => false,
                    }
                } else {
                    taxes.iter().any(|t| t.is_some_and(|t| t.is_zero()))
                };
                if !ok09 {
                    s.fatal(
                        &format!("{}-09", c.prefix),
                        doc,
                        None,
                        &format!(
                            "Der Steuerbetrag (BT-117) der Kategorie {} ist falsch berechnet.",
                            c.code
                        ),
                        &format!("The VAT amount (BT-117) of category {} is wrong.", c.code),
                    );
                }
                let has_reason = exists(t, "cbc:TaxExemptionReason") || exists(t, "cbc:TaxExemptionReasonCode");
                if has_reason != c.reason_required {
                    let (de, en) = if c.reason_required {
                        (
                            "braucht einen Befreiungsgrund (BT-120 oder BT-121)",
                            "needs an exemption reason (BT-120 or BT-121)",
                        )
                    } else {
                        (
                            "darf keinen Befreiungsgrund (BT-120, BT-121) haben",
                            "must not have an exemption reason (BT-120, BT-121)",
                        )
                    };
                    s.fatal(
                        &format!("{}-10", c.prefix),
                        doc,
                        None,
                        &format!("Die Aufschlüsselung der Kategorie {} {de}.", c.code),
                        &format!("The breakdown of category {} {en}.", c.code),
                    );
                }
            }
        }
    }
}

/// ISO 3166-1 alpha-2 codes plus `EL` (Greece's VAT prefix), space-separated,
/// as BR-CO-09 searches them.
const VAT_PREFIXES: &str = "AD AE AF AG AI AL AM AN AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BL BJ BM BN BO BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CX CY CZ DE DJ DK DM DO DZ EC EE EG EH EL ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR ST SV SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// Payee, tax representative, payment instructions, preceding invoices,
/// seller identification, VAT breakdown amounts and VAT id prefixes.
pub(super) fn parties_payment_breakdown<'a>(d: &super::tree::Doc<'a>, doc: &str, s: &mut Sink) {
    let r: &'a Element = d.r;
    let seller = first(r, "cac:AccountingSupplierParty/cac:Party");
    for p in all(r, "cac:PayeeParty") {
        let same = |path: &str| {
            let mine: Vec<String> = all(p, path).iter().map(|x| string_value(x)).collect();
            seller.is_some_and(|sp| all(sp, path).iter().any(|x| mine.contains(&string_value(x))))
        };
        let ok = exists(p, "cac:PartyName/cbc:Name")
            && !same("cac:PartyName/cbc:Name")
            && !same("cac:PartyIdentification/cbc:ID")
            && !same("cac:PartyLegalEntity/cbc:RegistrationName");
        if !ok {
            s.fatal(
                "BR-17",
                &format!("{doc}/cac:PayeeParty"),
                None,
                "Ein vom Verkäufer abweichender Zahlungsempfänger (BG-10) braucht einen eigenen Namen (BT-59).",
                "A payee (BG-10) other than the seller needs its own name (BT-59).",
            );
        }
    }
    for t in all(r, "cac:TaxRepresentativeParty") {
        let loc = format!("{doc}/cac:TaxRepresentativeParty");
        if !non_empty(t, "cac:PartyName/cbc:Name") {
            s.fatal(
                "BR-18",
                &loc,
                None,
                "Dem Steuervertreter (BG-11) fehlt der Name (BT-62).",
                "The tax representative (BG-11) has no name (BT-62).",
            );
        }
        if !exists(t, "cac:PostalAddress") {
            s.fatal(
                "BR-19",
                &loc,
                None,
                "Dem Steuervertreter (BG-11) fehlt die Anschrift (BG-12).",
                "The tax representative (BG-11) has no address (BG-12).",
            );
        }
        let vat = all(t, "cac:PartyTaxScheme")
            .iter()
            .any(|pts| is_vat(pts) && exists(pts, "cbc:CompanyID"));
        if !vat {
            s.fatal(
                "BR-56",
                &loc,
                None,
                "Dem Steuervertreter (BG-11) fehlt die Umsatzsteuer-IdNr. (BT-63).",
                "The tax representative (BG-11) has no VAT id (BT-63).",
            );
        }
        for a in all(t, "cac:PostalAddress") {
            if !non_empty(a, "cac:Country/cbc:IdentificationCode") {
                s.fatal(
                    "BR-20",
                    &loc,
                    None,
                    "Der Anschrift des Steuervertreters fehlt der Ländercode (BT-69).",
                    "The tax representative's address has no country code (BT-69).",
                );
            }
        }
    }
    for (i, m) in all(r, "cac:PaymentMeans").iter().enumerate() {
        let loc = format!("{doc}/cac:PaymentMeans[{}]", i + 1);
        if !exists(m, "cbc:PaymentMeansCode") {
            s.fatal(
                "BR-49",
                &loc,
                None,
                "Der Zahlungsanweisung (BG-16) fehlt der Code der Zahlungsart (BT-81).",
                "The payment instructions (BG-16) have no payment means code (BT-81).",
            );
        }
        let codes: Vec<String> = all(m, "cbc:PaymentMeansCode").iter().map(|c| string_value(c)).collect();
        let transfer_exact = codes.iter().any(|c| c == "30" || c == "58");
        if transfer_exact {
            for acc in all(m, "cac:PayeeFinancialAccount") {
                if !non_empty(acc, "cbc:ID") {
                    s.fatal(
                        "BR-50",
                        &loc,
                        None,
                        "Bei Überweisung fehlt die Kontokennung (BT-84).",
                        "A credit transfer needs the account identifier (BT-84).",
                    );
                }
            }
        }
        let normalized: Vec<String> = if codes.is_empty() {
            vec![String::new()]
        } else {
            codes.iter().map(|c| normalize(c)).collect()
        };
        let transfer = normalized.iter().any(|c| c == "30" || c == "58");
        let not_transfer = normalized.iter().any(|c| c != "30") && normalized.iter().any(|c| c != "58");
        let ok61 = (exists(m, "cac:PayeeFinancialAccount/cbc:ID") && transfer) || not_transfer;
        if !ok61 {
            s.fatal(
                "BR-61",
                &loc,
                None,
                "Bei Überweisung (Code 30 oder 58) muss die Kontokennung (BT-84) angegeben sein.",
                "With a credit transfer (code 30 or 58) the account identifier (BT-84) must be given.",
            );
        }
    }
    for b in all(r, "cac:BillingReference") {
        if !exists(b, "cac:InvoiceDocumentReference/cbc:ID") {
            s.fatal(
                "BR-55",
                &format!("{doc}/cac:BillingReference"),
                None,
                "Dem Verweis auf eine vorausgegangene Rechnung (BG-3) fehlt deren Nummer (BT-25).",
                "The preceding invoice reference (BG-3) has no invoice number (BT-25).",
            );
        }
    }
    for sp in all(r, "cac:AccountingSupplierParty") {
        let ok = all(sp, "cac:Party/cac:PartyTaxScheme")
            .iter()
            .any(|pts| is_vat(pts) && exists(pts, "cbc:CompanyID"))
            || exists(sp, "cac:Party/cac:PartyIdentification/cbc:ID")
            || exists(sp, "cac:Party/cac:PartyLegalEntity/cbc:CompanyID");
        if !ok {
            s.fatal("BR-CO-26", &format!("{doc}/cac:AccountingSupplierParty"), None, "Der Verkäufer braucht eine Kennung (BT-29), eine Registernummer (BT-30) oder eine Umsatzsteuer-IdNr. (BT-31).", "The seller needs an identifier (BT-29), a legal registration id (BT-30) or a VAT id (BT-31).");
        }
    }
    {
        for tt in all(r, "cac:TaxTotal") {
            if !exists(tt, "cac:TaxSubtotal") {
                continue;
            }
            let total = decimal(tt, "cbc:TaxAmount");
            if total != Some(round2(sum(tt, "cac:TaxSubtotal/cbc:TaxAmount"))) {
                s.fatal(
                    "BR-CO-14",
                    &format!("{doc}/cac:TaxTotal"),
                    total.map(|d| d.to_string()).as_deref(),
                    "Die Umsatzsteuer gesamt (BT-110) ist nicht die Summe der Steuerbeträge je Kategorie (BT-117).",
                    "The VAT total (BT-110) is not the sum of the category amounts (BT-117).",
                );
            }
        }
    }
    let mut subtotals = Vec::new();
    for tt in all(r, "cac:TaxTotal") {
        subtotals.extend(all(tt, "cac:TaxSubtotal"));
    }
    for (i, st) in subtotals.iter().enumerate() {
        let loc = format!("{doc}/cac:TaxTotal/cac:TaxSubtotal[{}]", i + 1);
        let vat_cats: Vec<&Element> = all(st, "cac:TaxCategory").into_iter().filter(|t| is_vat(t)).collect();
        if !exists(st, "cbc:TaxableAmount") {
            s.fatal(
                "BR-45",
                &loc,
                None,
                "Der Aufschlüsselung fehlt die Bemessungsgrundlage (BT-116).",
                "The breakdown has no taxable amount (BT-116).",
            );
        }
        if !exists(st, "cbc:TaxAmount") {
            s.fatal(
                "BR-46",
                &loc,
                None,
                "Der Aufschlüsselung fehlt der Steuerbetrag (BT-117).",
                "The breakdown has no tax amount (BT-117).",
            );
        }
        if !vat_cats.iter().any(|t| exists(t, "cbc:ID")) {
            s.fatal(
                "BR-47",
                &loc,
                None,
                "Der Aufschlüsselung fehlt die Umsatzsteuerkategorie (BT-118).",
                "The breakdown has no VAT category code (BT-118).",
            );
        }
        let rate_or_o = vat_cats.iter().any(|t| exists(t, "cbc:Percent"))
            || vat_cats.iter().any(|t| {
                all(t, "cbc:ID")
                    .first()
                    .is_some_and(|i| normalize(&string_value(i)) == "O")
            });
        if !rate_or_o {
            s.fatal(
                "BR-48",
                &loc,
                None,
                "Der Aufschlüsselung fehlt der Steuersatz (BT-119).",
                "The breakdown has no VAT rate (BT-119).",
            );
        }
        let pct = vat_cats.iter().find_map(|t| decimal(t, "cbc:Percent"));
        let tax = decimal(st, "cbc:TaxAmount");
        let taxable = decimal(st, "cbc:TaxableAmount");
        let ok17 = match (pct, tax) {
            (Some(p), Some(t)) if round0(p).is_zero() => round0(t).is_zero(),
            (Some(p), Some(t)) => taxable.is_some_and(|b| {
                let expected = round2(b.abs() * (p / Decimal::ONE_HUNDRED));
                t.abs() - Decimal::ONE < expected && t.abs() + Decimal::ONE > expected
            }),
            (None, Some(t)) => round0(t).is_zero(),
            _ => false,
        };
        if !ok17 {
            s.fatal(
                "BR-CO-17",
                &loc,
                tax.map(|d| d.to_string()).as_deref(),
                "Der Steuerbetrag (BT-117) ist nicht Bemessungsgrundlage (BT-116) mal Steuersatz (BT-119).",
                "The tax amount (BT-117) is not the taxable amount (BT-116) times the rate (BT-119).",
            );
        }
        if !decimals_at_most(st, "cbc:TaxableAmount", 2) {
            s.fatal(
                "BR-DEC-19",
                &loc,
                None,
                "Die Bemessungsgrundlage (BT-116) hat mehr als zwei Nachkommastellen.",
                "The taxable amount (BT-116) has more than two decimals.",
            );
        }
        if !decimals_at_most(st, "cbc:TaxAmount", 2) {
            s.fatal(
                "BR-DEC-20",
                &loc,
                None,
                "Der Steuerbetrag (BT-117) hat mehr als zwei Nachkommastellen.",
                "The tax amount (BT-117) has more than two decimals.",
            );
        }
    }
    let mut schemes = Vec::new();
    descendants(d, crate::path::CAC, "PartyTaxScheme", &mut schemes);
    for pts in schemes.into_iter().filter(|p| is_vat(p)) {
        let id = all(pts, "cbc:CompanyID")
            .first()
            .map(|c| string_value(c))
            .unwrap_or_default();
        let prefix: String = id.chars().take(2).collect();
        if !VAT_PREFIXES.contains(&prefix) {
            s.fatal(
                "BR-CO-09",
                doc,
                Some(&id),
                "Die Umsatzsteuer-IdNr. beginnt nicht mit einem Ländercode (ISO 3166-1, für Griechenland EL).",
                "The VAT id does not start with a country code (ISO 3166-1, EL for Greece).",
            );
        }
    }
}

/// Code list rules (BR-CL-*) on UBL.
pub(super) fn code_lists(d: &super::tree::Doc, doc: &str, s: &mut Sink) {
    use crate::codes::*;
    use crate::path::{CAC as A, CBC as B};
    let found = |ns: &str, name: &str| -> Vec<&Element> { d.named_ns(ns, name).map(|(_, n)| n.el).collect() };
    let bad = |s: &mut Sink, rule: &str, value: &str, de: &str, en: &str| {
        s.fatal(rule, doc, Some(value), de, en);
    };
    for name in [
        "Amount",
        "BaseAmount",
        "PriceAmount",
        "TaxAmount",
        "TaxableAmount",
        "LineExtensionAmount",
        "TaxExclusiveAmount",
        "TaxInclusiveAmount",
        "AllowanceTotalAmount",
        "ChargeTotalAmount",
        "PrepaidAmount",
        "PayableRoundingAmount",
        "PayableAmount",
    ] {
        for e in found(B, name) {
            let cur = e.attr("currencyID").unwrap_or("");
            if !in_list(ISO4217, cur) {
                bad(
                    s,
                    "BR-CL-03",
                    cur,
                    "Die Währung eines Betrags ist kein ISO-4217-Code.",
                    "An amount's currency is not an ISO 4217 code.",
                );
            }
        }
    }
    for (rule, name) in [("BR-CL-04", "DocumentCurrencyCode"), ("BR-CL-05", "TaxCurrencyCode")] {
        for e in found(B, name) {
            if !in_list(ISO4217, &string_value(e)) {
                bad(
                    s,
                    rule,
                    &string_value(e),
                    "Der Währungscode ist kein ISO-4217-Code.",
                    "The currency code is not an ISO 4217 code.",
                );
            }
        }
    }
    for p in found(A, "InvoicePeriod") {
        for e in all(p, "cbc:DescriptionCode") {
            if !in_list(DATE_CODES, &string_value(e)) {
                bad(
                    s,
                    "BR-CL-06",
                    &string_value(e),
                    "Der Steuerzeitpunktcode (BT-8) muss 3, 35 oder 432 sein.",
                    "The VAT point date code (BT-8) must be 3, 35 or 432.",
                );
            }
        }
    }
    let mut refs = found(A, "AdditionalDocumentReference");
    refs.extend(found(A, "DocumentReference"));
    for d in refs {
        if !all(d, "cbc:DocumentTypeCode").iter().any(|c| string_value(c) == "130") {
            continue;
        }
        for id in all(d, "cbc:ID") {
            if let Some(scheme) = id.attr("schemeID") {
                if !in_list(UNTDID1153, scheme) {
                    bad(
                        s,
                        "BR-CL-07",
                        scheme,
                        "Das Schema der Objektkennung (BT-18-1, BT-128-1) ist kein UNTDID-1153-Code.",
                        "The object identifier scheme (BT-18-1, BT-128-1) is not a UNTDID 1153 code.",
                    );
                }
            }
        }
    }
    for cc in found(A, "CommodityClassification") {
        for c in all(cc, "cbc:ItemClassificationCode") {
            if let Some(list) = c.attr("listID") {
                if !in_list(UNTDID7143, list) {
                    bad(
                        s,
                        "BR-CL-13",
                        list,
                        "Das Schema der Artikelklassifizierung (BT-158-1) ist kein UNTDID-7143-Code.",
                        "The item classification scheme (BT-158-1) is not a UNTDID 7143 code.",
                    );
                }
            }
        }
    }
    for (rule, parent) in [("BR-CL-14", "Country"), ("BR-CL-15", "OriginCountry")] {
        for c in found(A, parent) {
            for e in all(c, "cbc:IdentificationCode") {
                if !in_list(ISO3166, &string_value(e)) {
                    bad(
                        s,
                        rule,
                        &string_value(e),
                        "Der Ländercode ist kein ISO-3166-1-Code.",
                        "The country code is not an ISO 3166-1 code.",
                    );
                }
            }
        }
    }
    for m in found(A, "PaymentMeans") {
        for e in all(m, "cbc:PaymentMeansCode") {
            let v = string_value(e);
            let words: Vec<&str> = v.split_whitespace().collect();
            if !(words.len() == 1 && is_payment_means(words[0])) {
                bad(
                    s,
                    "BR-CL-16",
                    &v,
                    "Der Code der Zahlungsart (BT-81) ist kein UNCL-4461-Code.",
                    "The payment means code (BT-81) is not a UNCL 4461 code.",
                );
            }
        }
    }
    for (rule, parent) in [("BR-CL-17", "TaxCategory"), ("BR-CL-18", "ClassifiedTaxCategory")] {
        for t in found(A, parent) {
            for e in all(t, "cbc:ID") {
                if !in_list(VAT_CATEGORIES, &string_value(e)) {
                    bad(
                        s,
                        rule,
                        &string_value(e),
                        "Die Umsatzsteuerkategorie ist kein UNCL-5305-Code.",
                        "The VAT category is not a UNCL 5305 code.",
                    );
                }
            }
        }
    }
    for a in found(A, "AllowanceCharge") {
        let (rule, list, de, en) = match charge_indicator(a) {
            Some(false) => (
                "BR-CL-19",
                ALLOWANCE_REASONS,
                "Der Nachlassgrundcode ist kein UNCL-5189-Code.",
                "The allowance reason code is not a UNCL 5189 code.",
            ),
            Some(true) => (
                "BR-CL-20",
                UNTDID7161,
                "Der Zuschlagsgrundcode ist kein UNCL-7161-Code.",
                "The charge reason code is not a UNCL 7161 code.",
            ),
            None => continue,
        };
        for e in all(a, "cbc:AllowanceChargeReasonCode") {
            if !in_list(list, &string_value(e)) {
                bad(s, rule, &string_value(e), de, en);
            }
        }
    }
    let mut quantities = found(B, "InvoicedQuantity");
    quantities.extend(found(B, "BaseQuantity"));
    for q in quantities {
        if let Some(unit) = q.attr("unitCode") {
            if !in_list(REC20, unit) {
                bad(
                    s,
                    "BR-CL-23",
                    unit,
                    "Die Mengeneinheit ist kein Code der UN/ECE-Empfehlung 20/21.",
                    "The unit of measure is not a UN/ECE Recommendation 20/21 code.",
                );
            }
        }
    }
    for b in found(B, "EmbeddedDocumentBinaryObject") {
        if let Some(mime) = b.attr("mimeCode") {
            if !MIME_TYPES.contains(&mime) {
                bad(
                    s,
                    "BR-CL-24",
                    mime,
                    "Der MIME-Typ einer Anlage ist nicht zulässig (PDF, PNG, JPEG, CSV, XLSX, ODS).",
                    "An attachment's MIME type is not allowed (PDF, PNG, JPEG, CSV, XLSX, ODS).",
                );
            }
        }
    }
}

/// UNTDID 1001 codes of credit notes; the rest of the invoice-related list
/// is for invoices.
const CREDIT_NOTE_TYPES: &str = "81 83 261 262 296 308 381 396 420 458 532";

/// Code lists on identifier schemes and document types (BR-CL-01, -10,
/// -11, -21, -22, -25, -26).
pub(super) fn scheme_code_lists(d: &super::tree::Doc, s: &mut Sink) {
    use super::Severity::Fatal;
    use crate::codes::{in_list, CEF_EAS, ISO6523_ICD, UNTDID1001, VATEX};
    for (i, n) in d.nodes.iter().enumerate() {
        let e = n.el;
        let loc = || d.path(i);
        let scheme = e.attr("schemeID");
        let parent = d.parent_name(i);
        match (e.name.as_str(), parent) {
            ("InvoiceTypeCode", _) => {
                let v = string_value(e);
                if !in_list(UNTDID1001, &v) || in_list(CREDIT_NOTE_TYPES, &v) {
                    s.hit("BR-CL-01", Fatal, loc(), Some(&v));
                }
            }
            ("CreditNoteTypeCode", _) => {
                let v = string_value(e);
                if !in_list(CREDIT_NOTE_TYPES, &v) {
                    s.hit("BR-CL-01", Fatal, loc(), Some(&v));
                }
            }
            ("ID", "PartyIdentification") => {
                if let Some(sc) = scheme {
                    let sepa = in_list("SEPA", sc)
                        && (d.has_ancestor(i, "AccountingSupplierParty") || d.has_ancestor(i, "PayeeParty"));
                    if !in_list(ISO6523_ICD, sc) && !sepa {
                        s.hit("BR-CL-10", Fatal, loc(), Some(sc));
                    }
                }
            }
            ("CompanyID", "PartyLegalEntity") => {
                if let Some(sc) = scheme.filter(|sc| !in_list(ISO6523_ICD, sc)) {
                    s.hit("BR-CL-11", Fatal, loc(), Some(sc));
                }
            }
            ("ID", "StandardItemIdentification") => {
                if let Some(sc) = scheme.filter(|sc| !in_list(ISO6523_ICD, sc)) {
                    s.hit("BR-CL-21", Fatal, loc(), Some(sc));
                }
            }
            ("TaxExemptionReasonCode", _) => {
                let v = string_value(e);
                if !in_list(VATEX, &v.to_uppercase()) {
                    s.hit("BR-CL-22", Fatal, loc(), Some(&v));
                }
            }
            ("EndpointID", _) => {
                if let Some(sc) = scheme.filter(|sc| !in_list(CEF_EAS, sc)) {
                    s.hit("BR-CL-25", Fatal, loc(), Some(sc));
                }
            }
            ("ID", "DeliveryLocation") => {
                if let Some(sc) = scheme.filter(|sc| !in_list(ISO6523_ICD, sc)) {
                    s.hit("BR-CL-26", Fatal, loc(), Some(sc));
                }
            }
            _ => {}
        }
    }
}

/// UBL syntax binding rules.
pub(super) fn syntax_rules<'a>(d: &super::tree::Doc<'a>, doc: &str, s: &mut Sink) {
    let mut schemes = Vec::new();
    descendants(d, crate::path::CAC, "PartyTaxScheme", &mut schemes);
    for pts in schemes {
        if !exists(pts, "cbc:CompanyID") || !exists(pts, "cac:TaxScheme/cbc:ID") {
            s.fatal(
                "UBL-SR-53",
                doc,
                None,
                "Eine Steuerregistrierung (PartyTaxScheme) braucht Kennung (CompanyID) und Steuerart (TaxScheme).",
                "A tax registration (PartyTaxScheme) needs its identifier (CompanyID) and tax scheme (TaxScheme).",
            );
        }
    }
}

/// Every element (any namespace) below `e` whose name ends with `suffix`.
fn named_like<'a>(e: &'a Element, out: &mut Vec<(&'a Element, bool)>, under_price_ac: bool) {
    for c in &e.children {
        let price_ac = under_price_ac || (e.name == "Price" && c.name == "AllowanceCharge");
        out.push((c, price_ac));
        named_like(c, out, price_ac);
    }
}

fn count(e: &Element, path: &str) -> usize {
    all(e, path).len()
}

/// Cardinality and data type rules of the UBL binding (UBL-SR-*, UBL-DT-*).
pub(super) fn cardinality<'a>(d: &super::tree::Doc<'a>, doc: &str, s: &mut Sink) {
    let r: &'a Element = d.r;
    // UBL-SR-48: every line has exactly one classified tax category.
    for line in ["cac:InvoiceLine", "cac:CreditNoteLine"] {
        for l in all(r, line) {
            if all(l, "cac:Item/cac:ClassifiedTaxCategory").len() != 1 {
                s.hit(
                    "UBL-SR-48",
                    super::Severity::Fatal,
                    &format!("{doc}/{line}"),
                    Some("Item/ClassifiedTaxCategory"),
                );
            }
        }
    }
    let credit = doc == "/CreditNote";
    let vat_ids = |party: &str, vat: bool| {
        all(r, &format!("{party}/cac:Party/cac:PartyTaxScheme"))
            .into_iter()
            .filter(|p| {
                all(p, "cac:TaxScheme/cbc:ID")
                    .iter()
                    .any(|i| (string_value(i).to_uppercase() == "VAT") == vat)
            })
            .map(|p| count(p, if vat { "cbc:CompanyID" } else { "cbc:ID" }))
            .sum::<usize>()
    };
    let at_most_one: Vec<(&str, usize, &str)> = vec![
        (
            "UBL-SR-01",
            count(r, "cac:ContractDocumentReference/cbc:ID"),
            "Vertragsnummer (BT-12)",
        ),
        (
            "UBL-SR-02",
            count(r, "cac:ReceiptDocumentReference/cbc:ID"),
            "Wareneingangsmeldung (BT-15)",
        ),
        (
            "UBL-SR-03",
            count(r, "cac:DespatchDocumentReference/cbc:ID"),
            "Versandanzeige (BT-16)",
        ),
        (
            "UBL-SR-04",
            all(r, "cac:AdditionalDocumentReference")
                .iter()
                .filter(|d| all(d, "cbc:DocumentTypeCode").iter().any(|c| string_value(c) == "130"))
                .map(|d| count(d, "cbc:ID"))
                .sum(),
            "Objektkennung (BT-18)",
        ),
        (
            "UBL-SR-05",
            count(r, "cac:PaymentTerms/cbc:Note"),
            "Zahlungsbedingungen (BT-20)",
        ),
        (
            "UBL-SR-06",
            count(r, "cac:InvoiceDocumentReference"),
            "vorausgegangene Rechnung",
        ),
        (
            "UBL-SR-08",
            count(r, "cac:InvoicePeriod"),
            "Abrechnungszeitraum (BG-14)",
        ),
        (
            "UBL-SR-09",
            count(
                r,
                "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
            ),
            "Name des Verkäufers (BT-27)",
        ),
        (
            "UBL-SR-10",
            count(r, "cac:AccountingSupplierParty/cac:Party/cac:PartyName/cbc:Name"),
            "Handelsname des Verkäufers (BT-28)",
        ),
        (
            "UBL-SR-11",
            count(
                r,
                "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID",
            ),
            "Registernummer des Verkäufers (BT-30)",
        ),
        (
            "UBL-SR-12",
            vat_ids("cac:AccountingSupplierParty", true),
            "Umsatzsteuer-IdNr. des Verkäufers (BT-31)",
        ),
        (
            "UBL-SR-13",
            vat_ids("cac:AccountingSupplierParty", false),
            "Steuernummer des Verkäufers (BT-32)",
        ),
        (
            "UBL-SR-14",
            count(
                r,
                "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyLegalForm",
            ),
            "rechtliche Zusatzangaben (BT-33)",
        ),
        (
            "UBL-SR-15",
            count(
                r,
                "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
            ),
            "Name des Käufers (BT-44)",
        ),
        (
            "UBL-SR-16",
            count(
                r,
                "cac:AccountingCustomerParty/cac:Party/cac:PartyIdentification/cbc:ID",
            ),
            "Kennung des Käufers (BT-46)",
        ),
        (
            "UBL-SR-17",
            count(
                r,
                "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID",
            ),
            "Registernummer des Käufers (BT-47)",
        ),
        (
            "UBL-SR-18",
            vat_ids("cac:AccountingCustomerParty", true),
            "Umsatzsteuer-IdNr. des Käufers (BT-48)",
        ),
        ("UBL-SR-24", count(r, "cac:Delivery"), "Lieferinformation (BG-13)"),
        (
            "UBL-SR-39",
            count(r, "cac:ProjectReference/cbc:ID"),
            "Projektreferenz (BT-11)",
        ),
        (
            "UBL-SR-40",
            count(r, "cac:AccountingCustomerParty/cac:Party/cac:PartyName/cbc:Name"),
            "Handelsname des Käufers (BT-45)",
        ),
        (
            "UBL-SR-45",
            count(r, "cac:PaymentMeans/cbc:PaymentDueDate"),
            "Fälligkeitsdatum",
        ),
        (
            "UBL-SR-46",
            all(r, "cac:PaymentMeans/cbc:PaymentMeansCode")
                .iter()
                .filter(|c| c.attr("name").is_some())
                .count(),
            "Text zur Zahlungsart (BT-82)",
        ),
    ];
    for (rule, n, what) in at_most_one {
        if n > 1 {
            s.fatal(
                rule,
                doc,
                None,
                &format!("{what} darf höchstens einmal vorkommen."),
                &format!("{rule}: may occur at most once ({what})."),
            );
        }
    }
    let mut sepa = Vec::new();
    descendants(d, crate::path::CAC, "PartyIdentification", &mut sepa);
    let sepa_ids = sepa
        .iter()
        .flat_map(|p| all(p, "cbc:ID"))
        .filter(|i| i.attr("schemeID").is_some_and(|s| s.to_uppercase() == "SEPA"))
        .count();
    if sepa_ids > 1 {
        s.fatal(
            "UBL-SR-29",
            doc,
            None,
            "Die Gläubiger-ID (BT-90) darf höchstens einmal vorkommen.",
            "The creditor identifier (BT-90) may occur at most once.",
        );
    }
    let means = all(r, "cac:PaymentMeans");
    // Several payment instructions must agree on remittance and means code.
    let distinct = |path: &str| {
        let mut v: Vec<String> = all(r, path).iter().map(|x| string_value(x)).collect();
        v.sort();
        v.dedup();
        v.len()
    };
    if distinct("cac:PaymentMeans/cbc:PaymentID") > 1 {
        s.fatal(
            "UBL-SR-44",
            doc,
            None,
            "Alle Zahlungsanweisungen müssen denselben Verwendungszweck (BT-83) haben.",
            "All payment instructions must carry the same remittance information (BT-83).",
        );
    }
    if distinct("cac:PaymentMeans/cbc:PaymentMeansCode") > 1 {
        s.fatal(
            "UBL-SR-47",
            doc,
            None,
            "Alle Zahlungsanweisungen müssen denselben Code der Zahlungsart (BT-81) haben.",
            "All payment instructions must have the same payment means code (BT-81).",
        );
    }
    for m in &means {
        for (rule, path, what) in [
            ("UBL-SR-26", "cbc:PaymentID", "Verwendungszweck (BT-83)"),
            ("UBL-SR-27", "cbc:InstructionNote", "Zahlungsanweisungstext"),
            ("UBL-SR-28", "cac:PaymentMandate/cbc:ID", "Mandatsreferenz (BT-89)"),
        ] {
            if count(m, path) > 1 {
                s.fatal(
                    rule,
                    doc,
                    None,
                    &format!("{what} darf je Zahlungsart höchstens einmal vorkommen."),
                    &format!("{rule}: may occur at most once per payment means."),
                );
            }
        }
    }
    let line_name = if credit {
        "cac:CreditNoteLine"
    } else {
        "cac:InvoiceLine"
    };
    for l in all(r, line_name) {
        for (rule, path, what) in [
            ("UBL-SR-34", "cbc:Note", "Positionsnotiz (BT-127)"),
            (
                "UBL-SR-35",
                "cac:OrderLineReference/cbc:LineID",
                "Bestellpositionsreferenz (BT-132)",
            ),
            ("UBL-SR-36", "cac:InvoicePeriod", "Positionszeitraum (BG-26)"),
            (
                "UBL-SR-37",
                "cac:Price/cac:AllowanceCharge/cbc:Amount",
                "Preisnachlass (BT-147)",
            ),
            (
                "UBL-SR-38",
                "cac:Item/cac:ClassifiedTaxCategory/cbc:TaxExemptionReason",
                "Befreiungsgrund der Position",
            ),
        ] {
            if count(l, path) > 1 {
                s.fatal(
                    rule,
                    doc,
                    None,
                    &format!("{what} darf je Position höchstens einmal vorkommen."),
                    &format!("{rule}: may occur at most once per line."),
                );
            }
        }
    }
    for b in all(r, "cac:BillingReference") {
        if !exists(b, "cac:InvoiceDocumentReference/cbc:ID") {
            s.fatal(
                "UBL-SR-07",
                doc,
                None,
                "Einem Verweis auf eine vorausgegangene Rechnung fehlt deren Nummer.",
                "A preceding invoice reference lacks its number.",
            );
        }
    }
    let seller_names: Vec<String> = all(
        r,
        "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
    )
    .iter()
    .map(|x| string_value(x))
    .collect();
    for p in all(r, "cac:PayeeParty") {
        let names: Vec<String> = all(p, "cac:PartyName/cbc:Name")
            .iter()
            .map(|x| string_value(x))
            .collect();
        let differs = names.iter().any(|n| seller_names.iter().any(|sn| sn != n));
        let checks = [
            ("UBL-SR-19", names.len()),
            (
                "UBL-SR-20",
                all(p, "cac:PartyIdentification/cbc:ID")
                    .iter()
                    .filter(|i| i.attr("schemeID").unwrap_or("").to_uppercase() != "SEPA")
                    .count(),
            ),
            ("UBL-SR-21", count(p, "cac:PartyLegalEntity/cbc:CompanyID")),
        ];
        for (rule, n) in checks {
            if !(n <= 1 && differs) {
                s.fatal(rule, doc, None, "Angaben zum Zahlungsempfänger (BG-10) dürfen nur einmal vorkommen, und nur wenn er nicht der Verkäufer ist.", "Payee data (BG-10) may occur only once, and only when the payee is not the seller.");
            }
        }
    }
    for t in all(r, "cac:TaxRepresentativeParty") {
        if count(t, "cac:Party/cac:PartyName/cbc:Name") > 1 {
            s.fatal(
                "UBL-SR-22",
                doc,
                None,
                "Der Name des Steuervertreters darf höchstens einmal vorkommen.",
                "The tax representative's name may occur at most once.",
            );
        }
        if count(t, "cac:Party/cac:PartyTaxScheme/cbc:CompanyID") > 1 {
            s.fatal(
                "UBL-SR-23",
                doc,
                None,
                "Die Umsatzsteuer-IdNr. des Steuervertreters darf höchstens einmal vorkommen.",
                "The tax representative's VAT id may occur at most once.",
            );
        }
    }
    let mut subtotals = Vec::new();
    descendants(d, crate::path::CAC, "TaxSubtotal", &mut subtotals);
    for st in subtotals {
        if count(st, "cac:TaxCategory/cbc:TaxExemptionReason") > 1 {
            s.fatal(
                "UBL-SR-32",
                doc,
                None,
                "Der Befreiungsgrund (BT-120) darf je Aufschlüsselung höchstens einmal vorkommen.",
                "The exemption reason (BT-120) may occur at most once per breakdown.",
            );
        }
    }
    for p in all(r, "cac:AccountingSupplierParty/cac:Party") {
        if count(p, "cac:PartyTaxScheme") > 2 {
            s.fatal(
                "UBL-SR-42",
                doc,
                None,
                "Der Verkäufer darf höchstens zwei Steuerregistrierungen haben.",
                "The seller may have at most two tax registrations.",
            );
        }
    }
    let mut docs = Vec::new();
    descendants(d, crate::path::CAC, "AdditionalDocumentReference", &mut docs);
    for d in docs {
        if count(d, "cbc:DocumentType") > 1 {
            s.fatal(
                "UBL-SR-33",
                doc,
                None,
                "Die Dokumentbeschreibung darf höchstens einmal vorkommen.",
                "The document description may occur at most once.",
            );
        }
        let codes: Vec<String> = all(d, "cbc:DocumentTypeCode").iter().map(|c| string_value(c)).collect();
        let ok43 = codes.iter().any(|c| c == "130")
            || (credit && codes.iter().any(|c| c == "50"))
            || (!all(d, "cbc:ID").iter().any(|i| i.attr("scheme").is_some()) && codes.is_empty());
        if !ok43 {
            s.fatal(
                "UBL-SR-43",
                doc,
                None,
                "Eine Schemakennung ist nur für die Objektkennung (Dokumentart 130) zulässig.",
                "A scheme identifier is allowed only for the invoiced object (document type 130).",
            );
        }
    }
    let mut deliveries = Vec::new();
    descendants(d, crate::path::CAC, "Delivery", &mut deliveries);
    for d in deliveries {
        if count(d, "cac:DeliveryParty/cac:PartyName/cbc:Name") > 1 {
            s.fatal(
                "UBL-SR-25",
                doc,
                None,
                "Der Name des Warenempfängers (BT-70) darf höchstens einmal vorkommen.",
                "The deliver-to party name (BT-70) may occur at most once.",
            );
        }
    }
    let mut acs = Vec::new();
    descendants(d, crate::path::CAC, "AllowanceCharge", &mut acs);
    for a in acs {
        let rule = match charge_indicator(a) {
            Some(false) => "UBL-SR-30",
            Some(true) => "UBL-SR-31",
            None => continue,
        };
        if count(a, "cbc:AllowanceChargeReason") > 1 {
            s.fatal(
                rule,
                doc,
                None,
                "Der Grund eines Nachlasses oder Zuschlags darf höchstens einmal vorkommen.",
                "An allowance or charge reason may occur at most once.",
            );
        }
    }
    // Data types: amounts with at most two decimals (prices excepted), binary objects with MIME type and file name.
    let mut every = Vec::new();
    named_like(r, &mut every, false);
    for (e, under_price_ac) in every {
        if e.name.ends_with("Amount") && !e.name.ends_with("PriceAmount") && !under_price_ac {
            let v = string_value(e);
            if v.split_once('.').is_some_and(|(_, f)| f.chars().count() > 2) {
                s.fatal(
                    "UBL-DT-01",
                    doc,
                    Some(&v),
                    "Beträge dürfen höchstens zwei Nachkommastellen haben.",
                    "Amounts may have at most two decimals.",
                );
            }
        }
        if e.name.ends_with("BinaryObject") {
            if e.attr("mimeCode").is_none() {
                s.fatal(
                    "UBL-DT-06",
                    doc,
                    None,
                    "Einer Anlage fehlt der MIME-Typ (mimeCode).",
                    "An attachment has no MIME type (mimeCode).",
                );
            }
            if e.attr("filename").is_none() {
                s.fatal(
                    "UBL-DT-07",
                    doc,
                    None,
                    "Einer Anlage fehlt der Dateiname (filename).",
                    "An attachment has no file name (filename).",
                );
            }
        }
    }
}
