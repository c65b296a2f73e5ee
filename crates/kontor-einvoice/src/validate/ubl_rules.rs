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

pub(super) fn en16931(root: &Element, syntax: Syntax, s: &mut Sink) {
    let doc = if syntax == Syntax::UblCreditNote {
        "/CreditNote"
    } else {
        "/Invoice"
    };
    document(root, doc, s);
    totals(root, doc, s);
    allowances_charges(root, doc, s);
    parties(root, doc, s);
    vat_document(root, doc, s);
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
    // BR-CO-25 applies to invoices only (credit notes were exempted).
    let invoice = doc == "/Invoice";
    if let Some(p) = first(r, "cac:LegalMonetaryTotal/cbc:PayableAmount").filter(|_| invoice) {
        let positive =
            super::xpath::decimal(r, "cac:LegalMonetaryTotal/cbc:PayableAmount").is_some_and(|d| d > Decimal::ZERO);
        let has_due = exists(r, "cbc:DueDate") || exists(r, "cac:PaymentTerms/cbc:Note");
        if positive && !has_due {
            s.fatal(
                "BR-CO-25",
                &format!("{doc}/cac:LegalMonetaryTotal/cbc:PayableAmount"),
                Some(&string_value(p)),
                "Bei einem positiven Zahlbetrag (BT-115) muss ein Fälligkeitsdatum (BT-9) oder Zahlungsbedingungen (BT-20) angegeben sein.",
                "With a positive amount due (BT-115), a due date (BT-9) or payment terms (BT-20) must be given.",
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
fn descendants<'a>(e: &'a Element, ns: &str, name: &str, out: &mut Vec<&'a Element>) {
    for c in &e.children {
        if c.name == name && c.ns == ns {
            out.push(c);
        }
        descendants(c, ns, name, out);
    }
}

fn category_ids(tc: &Element) -> Vec<String> {
    all(tc, "cbc:ID")
        .iter()
        .map(|i| string_value(i).trim().to_string())
        .collect()
}

/// VAT category codes used anywhere (lines, allowances, charges, breakdown).
fn categories_used(r: &Element) -> Vec<String> {
    let mut tcs = Vec::new();
    descendants(r, crate::path::CAC, "TaxCategory", &mut tcs);
    descendants(r, crate::path::CAC, "ClassifiedTaxCategory", &mut tcs);
    tcs.into_iter().filter(|t| is_vat(t)).flat_map(category_ids).collect()
}

/// Rules across the VAT breakdown: one breakdown per category used
/// (BR-S-01, BR-Z-01, BR-E-01, BR-AE-01, BR-IC-01, BR-G-01, BR-O-01,
/// BR-AF-01, BR-AG-01), BR-CO-15, BR-CO-18, BR-CO-03, BR-DEC-13/15.
pub(super) fn vat_document(r: &Element, doc: &str, s: &mut Sink) {
    let used = categories_used(r);
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
        ("L", "BR-AF-01", "IGIC (Kanaren)", "IGIC (Canary Islands)"),
        ("M", "BR-AG-01", "IPSI (Ceuta/Melilla)", "IPSI (Ceuta/Melilla)"),
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
