//! EN 16931 rules on UN/CEFACT CII D16B (`rsm:CrossIndustryInvoice`), with
//! the semantics of the official CII schematron: string comparisons are
//! exact unless the rule normalises, `//x` means anywhere in the document,
//! several nodes compare true if any of them does.

use rust_decimal::Decimal;

use super::tree::Doc;
use super::xpath::{decimal, decimals_at_most, exists, round2, string_value, sum};
use super::Severity::{Fatal, Warning};
use super::Sink;
use crate::codes::{self, in_list};
use crate::path::{all, first, RAM, UDT};
use crate::xml::Element;

const ROOT: &str = "/rsm:CrossIndustryInvoice";
const AGR: &str = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement";
const DEL: &str = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeDelivery";
const SET: &str = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement";
const LINES: &str = "rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem";

/// XPath `normalize-space`.
fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `normalize-space(path) != ''` on the first node.
fn filled(e: &Element, path: &str) -> bool {
    first(e, path).is_some_and(|x| !norm(&string_value(x)).is_empty())
}

/// `path = 'value'`: some node's string value equals `value` exactly.
fn eq(e: &Element, path: &str, value: &str) -> bool {
    all(e, path).iter().any(|x| string_value(x) == value)
}

/// `upper-case(ram:TypeCode) = 'VAT'`.
fn is_vat(tax: &Element) -> bool {
    all(tax, "ram:TypeCode")
        .iter()
        .any(|t| string_value(t).to_uppercase() == "VAT")
}

/// `ram:ChargeIndicator/udt:Indicator` compared with a boolean: the text
/// cast to `xs:boolean` (None when it is not a boolean).
fn indicator(ac: &Element) -> Option<bool> {
    all(ac, "ram:ChargeIndicator/udt:Indicator")
        .iter()
        .find_map(|i| match string_value(i).trim() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        })
}

/// `xs:decimal` of every node at `path`.
fn numbers(e: &Element, path: &str) -> Vec<Option<Decimal>> {
    all(e, path)
        .iter()
        .map(|x| crate::model::parse_decimal(string_value(x).trim()))
        .collect()
}

/// `path op n` as a general comparison (any numeric node).
fn any_num(e: &Element, path: &str, f: impl Fn(Decimal) -> bool) -> bool {
    numbers(e, path).into_iter().flatten().any(f)
}

/// XPath `round()` to an integer, halves up.
fn round0(x: Decimal) -> Decimal {
    (x + Decimal::new(5, 1)).floor()
}

pub(super) fn en16931(d: &Doc, s: &mut Sink) {
    document(d, s);
    totals(d, s);
    allowances_charges(d, s);
    lines(d, s);
    parties_and_payment(d, s);
    vat_breakdown(d, s);
    vat_categories(d, s);
    code_lists(d, s);
    syntax(d, s);
}

fn document(d: &Doc, s: &mut Sink) {
    let r = d.r;
    for (rule, path) in [
        ("BR-01", "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"),
        ("BR-02", "rsm:ExchangedDocument/ram:ID"),
        ("BR-04", "rsm:ExchangedDocument/ram:TypeCode"),
        ("BR-05", "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/ram:InvoiceCurrencyCode"),
        ("BR-06", "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:SellerTradeParty/ram:Name"),
        ("BR-07", "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:BuyerTradeParty/ram:Name"),
        (
            "BR-09",
            "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:SellerTradeParty/ram:PostalTradeAddress/ram:CountryID",
        ),
        (
            "BR-11",
            "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:BuyerTradeParty/ram:PostalTradeAddress/ram:CountryID",
        ),
    ] {
        if !filled(r, path) {
            s.hit(rule, Fatal, &format!("{ROOT}/{path}"), None);
        }
    }
    let issue = all(r, "rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString")
        .into_iter()
        .find(|x| x.attr("format") == Some("102"));
    if issue.is_none_or(|x| norm(&string_value(x)).is_empty()) {
        s.hit(
            "BR-03",
            Fatal,
            &format!("{ROOT}/rsm:ExchangedDocument/ram:IssueDateTime"),
            None,
        );
    }
    for (rule, party) in [("BR-08", "SellerTradeParty"), ("BR-10", "BuyerTradeParty")] {
        if !exists(r, &format!("{AGR}/ram:{party}/ram:PostalTradeAddress")) {
            s.hit(rule, Fatal, &format!("{ROOT}/{AGR}/ram:{party}"), None);
        }
    }
    if d.named("IncludedSupplyChainTradeLineItem").next().is_none() {
        s.hit("BR-16", Fatal, ROOT, None);
    }
    for (rule, party) in [("BR-62", "SellerTradeParty"), ("BR-63", "BuyerTradeParty")] {
        let comm = all(r, &format!("{AGR}/ram:{party}/ram:URIUniversalCommunication"));
        if let Some(c) = comm.first() {
            let scheme = first(c, "ram:URIID").and_then(|u| u.attr("schemeID")).unwrap_or("");
            if norm(scheme).is_empty() {
                s.hit(
                    rule,
                    Fatal,
                    &format!("{ROOT}/{AGR}/ram:{party}/ram:URIUniversalCommunication"),
                    None,
                );
            }
        }
    }
    // BR-55: preceding invoice references.
    for p in all(r, &format!("{SET}/ram:InvoiceReferencedDocument")) {
        if !filled(p, "ram:IssuerAssignedID") {
            s.hit(
                "BR-55",
                Fatal,
                &format!("{ROOT}/{SET}/ram:InvoiceReferencedDocument"),
                None,
            );
        }
    }
    for (i, n) in d.named("AdditionalReferencedDocument") {
        if !filled(n.el, "ram:IssuerAssignedID") {
            s.hit("BR-52", Fatal, d.path(i), None);
        }
    }
    // Split payment (B) is Italian only and does not mix with S.
    let codes: Vec<String> = d.named("CategoryCode").map(|(_, n)| string_value(n.el)).collect();
    if codes.iter().any(|c| c == "B") {
        if d.named("CountryID").any(|(_, n)| string_value(n.el) != "IT") {
            s.hit("BR-B-01", Fatal, ROOT, Some("B"));
        }
        if codes.iter().any(|c| c == "S") {
            s.hit("BR-B-02", Fatal, ROOT, Some("B"));
        }
    }
}

fn totals(d: &Doc, s: &mut Sink) {
    let r = d.r;
    let inv_cur: Vec<String> = all(r, &format!("{SET}/ram:InvoiceCurrencyCode"))
        .iter()
        .map(|x| string_value(x))
        .collect();
    let tax_cur: Vec<String> = all(r, &format!("{SET}/ram:TaxCurrencyCode"))
        .iter()
        .map(|x| string_value(x))
        .collect();
    let line_total = round2(sum(
        r,
        "rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
    ));
    let doc_acs = all(r, &format!("{SET}/ram:SpecifiedTradeAllowanceCharge"));
    let ac_sum = |charge: bool| {
        round2(
            doc_acs
                .iter()
                .filter(|a| indicator(a) == Some(charge))
                .flat_map(|a| numbers(a, "ram:ActualAmount"))
                .flatten()
                .sum(),
        )
    };
    let has_ac = |charge: bool| doc_acs.iter().any(|a| indicator(a) == Some(charge));
    let vat_sum = round2(sum(r, &format!("{SET}/ram:ApplicableTradeTax/ram:CalculatedAmount")));
    for (i, n) in d.named("SpecifiedTradeSettlementHeaderMonetarySummation") {
        let m = n.el;
        let loc = d.path(i).to_string();
        for (rule, el) in [
            ("BR-12", "ram:LineTotalAmount"),
            ("BR-13", "ram:TaxBasisTotalAmount"),
            ("BR-14", "ram:GrandTotalAmount"),
            ("BR-15", "ram:DuePayableAmount"),
        ] {
            if !exists(m, el) {
                s.hit(rule, Fatal, &loc, None);
            }
        }
        if !tax_cur.is_empty() {
            let in_tax_cur = all(m, "ram:TaxTotalAmount")
                .iter()
                .any(|t| t.attr("currencyID").is_some_and(|c| tax_cur.iter().any(|x| x == c)));
            let same = tax_cur.iter().any(|t| inv_cur.contains(t));
            if !in_tax_cur || same {
                s.hit("BR-53", Fatal, &loc, tax_cur.first().map(String::as_str));
            }
        }
        let bt106 = decimal(m, "ram:LineTotalAmount");
        if bt106 != Some(line_total) {
            s.hit(
                "BR-CO-10",
                Fatal,
                &format!("{loc}/ram:LineTotalAmount"),
                bt106.map(|x| x.to_string()).as_deref(),
            );
        }
        for (rule, el, charge) in [
            ("BR-CO-11", "ram:AllowanceTotalAmount", false),
            ("BR-CO-12", "ram:ChargeTotalAmount", true),
        ] {
            let ok = (!has_ac(charge) && !exists(m, el)) || any_num(m, el, |v| v == ac_sum(charge));
            if !ok {
                s.hit(rule, Fatal, &format!("{loc}/{el}"), None);
            }
        }
        let l = decimal(m, "ram:LineTotalAmount");
        let a = if exists(m, "ram:AllowanceTotalAmount") {
            decimal(m, "ram:AllowanceTotalAmount")
        } else {
            Some(Decimal::ZERO)
        };
        let c = if exists(m, "ram:ChargeTotalAmount") {
            decimal(m, "ram:ChargeTotalAmount")
        } else {
            Some(Decimal::ZERO)
        };
        let tb = decimal(m, "ram:TaxBasisTotalAmount");
        let ok13 = matches!((tb, l, a, c), (Some(tb), Some(l), Some(a), Some(c)) if tb == round2(l - a + c));
        if !ok13 {
            s.hit("BR-CO-13", Fatal, &format!("{loc}/ram:TaxBasisTotalAmount"), None);
        }
        // BR-CO-16: an absent or zero paid/rounding amount may be left out.
        let due = decimal(m, "ram:DuePayableAmount");
        let grand = decimal(m, "ram:GrandTotalAmount");
        let paid = decimal(m, "ram:TotalPrepaidAmount");
        let rounding = decimal(m, "ram:RoundingAmount");
        let zero = |x: Option<Decimal>| x.is_none_or(|v| v.is_zero());
        let ok16 = match (due, grand) {
            (Some(du), Some(g)) => {
                matches!((paid, rounding), (Some(p), Some(ro)) if du == g - p + ro)
                    || (rounding.is_some_and(|ro| du == g + ro) && zero(paid))
                    || (paid.is_some_and(|p| du == g - p) && zero(rounding))
                    || (du == g && zero(paid) && zero(rounding))
            }
            _ => false,
        };
        if !ok16 {
            s.hit("BR-CO-16", Fatal, &format!("{loc}/ram:DuePayableAmount"), None);
        }
        for (rule, el) in [
            ("BR-DEC-09", "ram:LineTotalAmount"),
            ("BR-DEC-10", "ram:AllowanceTotalAmount"),
            ("BR-DEC-11", "ram:ChargeTotalAmount"),
            ("BR-DEC-12", "ram:TaxBasisTotalAmount"),
            ("BR-DEC-14", "ram:GrandTotalAmount"),
            ("BR-DEC-16", "ram:TotalPrepaidAmount"),
            ("BR-DEC-17", "ram:RoundingAmount"),
            ("BR-DEC-18", "ram:DuePayableAmount"),
        ] {
            if !decimals_at_most(m, el, 2) {
                s.hit(rule, Fatal, &format!("{loc}/{el}"), None);
            }
        }
        let ttas = all(m, "ram:TaxTotalAmount");
        let two_places =
            |t: &Element| crate::model::parse_decimal(string_value(t).trim()).is_some_and(|v| v == round2(v));
        let cur_of = |t: &Element| t.attr("currencyID").map(str::to_string);
        if !ttas.is_empty() {
            let ok13 = ttas.iter().any(|t| match cur_of(t) {
                Some(c) if inv_cur.contains(&c) => two_places(t),
                _ => true,
            });
            if !ok13 {
                s.hit("BR-DEC-13", Fatal, &format!("{loc}/ram:TaxTotalAmount"), None);
            }
            let ok15 = tax_cur.is_empty()
                || ttas
                    .iter()
                    .any(|t| cur_of(t).is_some_and(|c| tax_cur.contains(&c)) && two_places(t));
            if !ok15 {
                s.hit("BR-DEC-15", Fatal, &format!("{loc}/ram:TaxTotalAmount"), None);
            }
        }
        for t in &ttas {
            if cur_of(t).is_some_and(|c| inv_cur.contains(&c)) {
                let v = crate::model::parse_decimal(string_value(t).trim());
                if v != Some(vat_sum) {
                    s.hit(
                        "BR-CO-14",
                        Fatal,
                        &format!("{loc}/ram:TaxTotalAmount"),
                        Some(&string_value(t)),
                    );
                }
            }
        }
    }
    // BR-CO-15, per invoice currency.
    let m = first(r, &format!("{SET}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"));
    for cur in &inv_cur {
        let Some(m) = m else {
            s.hit("BR-CO-15", Fatal, ROOT, None);
            continue;
        };
        let grand = decimal(m, "ram:GrandTotalAmount");
        let basis = decimal(m, "ram:TaxBasisTotalAmount");
        let in_cur: Vec<&Element> = all(m, "ram:TaxTotalAmount")
            .into_iter()
            .filter(|t| t.attr("currencyID") == Some(cur.as_str()))
            .collect();
        let with_vat = in_cur.len() == 1
            && match (
                grand,
                basis,
                crate::model::parse_decimal(string_value(in_cur[0]).trim()),
            ) {
                (Some(g), Some(b), Some(v)) => g == round2(b + v),
                _ => false,
            };
        let without = matches!((grand, basis), (Some(g), Some(b)) if g == b);
        if !(with_vat || without) {
            s.hit(
                "BR-CO-15",
                Fatal,
                &format!("{ROOT}/{SET}/ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:GrandTotalAmount"),
                grand.map(|g| g.to_string()).as_deref(),
            );
        }
    }
}

fn allowances_charges(d: &Doc, s: &mut Sink) {
    for (i, n) in d.named("SpecifiedTradeAllowanceCharge") {
        let a = n.el;
        let loc = d.path(i).to_string();
        if !exists(a, "ram:ChargeIndicator") {
            s.hit("BR-66", Fatal, &loc, None);
        }
        let header = d.parent_name(i) == "ApplicableHeaderTradeSettlement";
        let line = d.parent_name(i) == "SpecifiedLineTradeSettlement";
        for (text, charge) in [("false", false), ("true", true)] {
            if !eq(a, "ram:ChargeIndicator/udt:Indicator", text) {
                continue;
            }
            let has_reason = exists(a, "ram:Reason") || exists(a, "ram:ReasonCode");
            let has_amount = exists(a, "ram:ActualAmount");
            if header {
                let (amount, cat, reason, co, d1, d2) = if charge {
                    ("BR-36", "BR-37", "BR-38", "BR-CO-22", "BR-DEC-05", "BR-DEC-06")
                } else {
                    ("BR-31", "BR-32", "BR-33", "BR-CO-21", "BR-DEC-01", "BR-DEC-02")
                };
                if !has_amount {
                    s.hit(amount, Fatal, &loc, None);
                }
                let has_cat = all(a, "ram:CategoryTradeTax")
                    .iter()
                    .any(|t| is_vat(t) && exists(t, "ram:CategoryCode"));
                if !has_cat {
                    s.hit(cat, Fatal, &loc, None);
                }
                if !has_reason {
                    s.hit(reason, Fatal, &loc, None);
                    s.hit(co, Fatal, &loc, None);
                }
                if !decimals_at_most(a, "ram:ActualAmount", 2) {
                    s.hit(d1, Fatal, &format!("{loc}/ram:ActualAmount"), None);
                }
                if !decimals_at_most(a, "ram:BasisAmount", 2) {
                    s.hit(d2, Fatal, &format!("{loc}/ram:BasisAmount"), None);
                }
            }
            if line {
                let (amount, reason, co, d1, d2) = if charge {
                    ("BR-43", "BR-44", "BR-CO-24", "BR-DEC-27", "BR-DEC-28")
                } else {
                    ("BR-41", "BR-42", "BR-CO-23", "BR-DEC-24", "BR-DEC-25")
                };
                if !has_amount {
                    s.hit(amount, Fatal, &loc, None);
                }
                if !has_reason {
                    s.hit(reason, Fatal, &loc, None);
                    s.hit(co, Fatal, &loc, None);
                }
                if !decimals_at_most(a, "ram:ActualAmount", 2) {
                    s.hit(d1, Fatal, &format!("{loc}/ram:ActualAmount"), None);
                }
                if !decimals_at_most(a, "ram:BasisAmount", 2) {
                    s.hit(d2, Fatal, &format!("{loc}/ram:BasisAmount"), None);
                }
            }
        }
    }
}

fn lines(d: &Doc, s: &mut Sink) {
    let has_breakdown = exists(d.r, &format!("{SET}/ram:ApplicableTradeTax"));
    for (i, n) in d.named("IncludedSupplyChainTradeLineItem") {
        let l = n.el;
        let loc = d.path(i).to_string();
        if !filled(l, "ram:AssociatedDocumentLineDocument/ram:LineID") {
            s.hit("BR-21", Fatal, &loc, None);
        }
        let qty = all(l, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity");
        if qty.is_empty() {
            s.hit("BR-22", Fatal, &loc, None);
        }
        if !qty.iter().any(|q| q.attr("unitCode").is_some()) {
            s.hit("BR-23", Fatal, &loc, None);
        }
        let net_total =
            "ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount";
        if !exists(l, net_total) {
            s.hit("BR-24", Fatal, &loc, None);
        }
        if !filled(l, "ram:SpecifiedTradeProduct/ram:Name") {
            s.hit("BR-25", Fatal, &loc, None);
        }
        let net = "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:ChargeAmount";
        if !exists(l, net) {
            s.hit("BR-26", Fatal, &loc, None);
        }
        if !any_num(l, net, |v| v >= Decimal::ZERO) {
            s.hit("BR-27", Fatal, &format!("{loc}/ram:SpecifiedLineTradeAgreement"), None);
        }
        let gross = "ram:SpecifiedLineTradeAgreement/ram:GrossPriceProductTradePrice/ram:ChargeAmount";
        if exists(l, gross) && !any_num(l, gross, |v| v >= Decimal::ZERO) {
            s.hit("BR-28", Fatal, &format!("{loc}/ram:SpecifiedLineTradeAgreement"), None);
        }
        if let Some(g) = first(l, "ram:SpecifiedTradeProduct/ram:GlobalID") {
            if norm(g.attr("schemeID").unwrap_or("")).is_empty() {
                s.hit(
                    "BR-64",
                    Fatal,
                    &format!("{loc}/ram:SpecifiedTradeProduct/ram:GlobalID"),
                    None,
                );
            }
        }
        let has_cat = all(l, "ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax")
            .iter()
            .any(|t| is_vat(t) && exists(t, "ram:CategoryCode"));
        if !has_cat {
            s.hit("BR-CO-04", Fatal, &loc, None);
        }
        if !has_breakdown {
            s.hit("BR-CO-18", Fatal, ROOT, None);
        }
        if !decimals_at_most(l, net_total, 2) {
            s.hit("BR-DEC-23", Fatal, &format!("{loc}/{net_total}"), None);
        }
    }
    for (i, n) in d.named("BillingSpecifiedPeriod") {
        let (order, filled_rule) = match d.parent_name(i) {
            "SpecifiedLineTradeSettlement" => ("BR-30", "BR-CO-20"),
            "ApplicableHeaderTradeSettlement" => ("BR-29", "BR-CO-19"),
            _ => continue,
        };
        let p = n.el;
        let loc = d.path(i).to_string();
        let date = |el: &str| -> Vec<String> {
            all(p, &format!("{el}/udt:DateTimeString"))
                .into_iter()
                .filter(|x| x.attr("format") == Some("102"))
                .map(string_value)
                .collect()
        };
        if exists(p, "ram:EndDateTime") && exists(p, "ram:StartDateTime") {
            let (st, en) = (date("ram:StartDateTime"), date("ram:EndDateTime"));
            // Untyped values compare as strings.
            if !en.iter().any(|e| st.iter().any(|b| e >= b)) {
                s.hit(order, Fatal, &loc, None);
            }
        }
        if !exists(p, "ram:StartDateTime") && !exists(p, "ram:EndDateTime") {
            s.hit(filled_rule, Fatal, &loc, None);
        }
    }
    for (i, n) in d.named("ApplicableProductCharacteristic") {
        if !(exists(n.el, "ram:Description") && exists(n.el, "ram:Value")) {
            s.hit("BR-54", Fatal, d.path(i), None);
        }
    }
    for (i, n) in d.named("DesignatedProductClassification") {
        if let Some(c) = first(n.el, "ram:ClassCode") {
            if norm(c.attr("listID").unwrap_or("")).is_empty() {
                s.hit("BR-65", Fatal, d.path(i), None);
            }
        }
    }
}

fn parties_and_payment(d: &Doc, s: &mut Sink) {
    let r = d.r;
    if let Some(del) = first(r, DEL) {
        let addr = exists(del, "ram:ShipToTradeParty/ram:PostalTradeAddress");
        if addr && !filled(del, "ram:ShipToTradeParty/ram:PostalTradeAddress/ram:CountryID") {
            s.hit(
                "BR-57",
                Fatal,
                &format!("{ROOT}/{DEL}/ram:ShipToTradeParty/ram:PostalTradeAddress"),
                None,
            );
        }
    }
    for (i, n) in d.named("ApplicableTradeSettlementFinancialCard") {
        let len = first(n.el, "ram:ID").map_or(0, |x| string_value(x).chars().count());
        if len > 10 {
            s.hit("BR-51", Fatal, d.path(i), None);
        }
    }
    for (i, n) in d.named("SpecifiedTradeSettlementPaymentMeans") {
        let pm = n.el;
        if !exists(pm, "ram:TypeCode") {
            s.hit("BR-49", Fatal, d.path(i), None);
        }
        if eq(pm, "ram:TypeCode", "30") || eq(pm, "ram:TypeCode", "58") {
            // BR-50: the creditor account of a credit transfer has an identifier.
            for acc in all(pm, "ram:PayeePartyCreditorFinancialAccount") {
                if !filled(acc, "ram:IBANID") && !filled(acc, "ram:ProprietaryID") {
                    let loc = format!("{}/ram:PayeePartyCreditorFinancialAccount", d.path(i));
                    s.hit("BR-50", Fatal, &loc, None);
                }
            }
            for acc in all(pm, "ram:PayerPartyDebtorFinancialAccount") {
                if !exists(acc, "ram:IBANID") && !exists(acc, "ram:ProprietaryID") {
                    let loc = format!("{}/ram:PayerPartyDebtorFinancialAccount", d.path(i));
                    s.hit("BR-61", Fatal, &loc, None);
                }
            }
        }
    }
    for (i, n) in d.named("PayeeTradeParty") {
        let p = n.el;
        // `../../ram:ApplicableHeaderTradeAgreement/ram:SellerTradeParty`
        let seller = d
            .up(i, 2)
            .and_then(|g| first(d.nodes[g].el, "ram:ApplicableHeaderTradeAgreement/ram:SellerTradeParty"));
        let same = |path: &str| {
            seller.is_some_and(|sp| {
                let theirs: Vec<String> = all(sp, path).into_iter().map(string_value).collect();
                all(p, path).into_iter().any(|x| theirs.contains(&string_value(x)))
            })
        };
        let ok = exists(p, "ram:Name")
            && !same("ram:Name")
            && !same("ram:ID")
            && !same("ram:SpecifiedLegalOrganization/ram:ID");
        if !ok {
            s.hit("BR-17", Fatal, d.path(i), None);
        }
    }
    for (i, n) in d.named("SellerTradeParty") {
        let p = n.el;
        let ok = exists(p, "ram:ID")
            || exists(p, "ram:GlobalID")
            || exists(p, "ram:SpecifiedLegalOrganization/ram:ID")
            || vat_ids(p, &["VA"]);
        if !ok {
            s.hit("BR-CO-26", Fatal, d.path(i), None);
        }
    }
    for (i, n) in d.named("SellerTaxRepresentativeTradeParty") {
        let p = n.el;
        let loc = d.path(i).to_string();
        if !exists(p, "ram:Name") {
            s.hit("BR-18", Fatal, &loc, None);
        }
        if !exists(p, "ram:PostalTradeAddress") {
            s.hit("BR-19", Fatal, &loc, None);
        }
        if !exists(p, "ram:PostalTradeAddress/ram:CountryID") {
            s.hit("BR-20", Fatal, &loc, None);
        }
        let va = all(p, "ram:SpecifiedTaxRegistration/ram:ID")
            .into_iter()
            .find(|x| x.attr("schemeID") == Some("VA"));
        if va.is_none_or(|x| norm(&string_value(x)).is_empty()) {
            s.hit("BR-56", Fatal, &loc, None);
        }
    }
    for (i, n) in d.named("ID") {
        if d.parent_name(i) == "SpecifiedTaxRegistration" && n.el.attr("schemeID") == Some("VA") {
            let v = string_value(n.el);
            let prefix: String = v.chars().take(2).collect();
            if prefix.chars().count() < 2 || !in_list(VAT_PREFIXES, &prefix) || prefix.contains(' ') {
                s.hit("BR-CO-09", Fatal, d.path(i), Some(&v));
            }
        }
    }
}

/// Country prefixes BR-CO-09 accepts (ISO 3166-1 plus EL for Greece and
/// XI for Northern Ireland, 1A for Kosovo).
const VAT_PREFIXES: &str = "1A AD AE AF AG AI AL AM AN AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BL BJ BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH EL ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XI YE YT ZA ZM ZW";

/// `ram:SpecifiedTaxRegistration/ram:ID[@schemeID = (schemes)]` below a party.
fn vat_ids(party: &Element, schemes: &[&str]) -> bool {
    all(party, "ram:SpecifiedTaxRegistration/ram:ID")
        .iter()
        .any(|x| x.attr("schemeID").is_some_and(|s| schemes.contains(&s)))
}

fn vat_breakdown(d: &Doc, s: &mut Sink) {
    let r = d.r;
    let tax_point = d.named("TaxPointDate").next().is_some();
    let due_code = d.named("DueDateTypeCode").next().is_some();
    for (i, n) in d.named("ApplicableTradeTax") {
        if d.parent_name(i) != "ApplicableHeaderTradeSettlement" {
            continue;
        }
        let t = n.el;
        let loc = d.path(i).to_string();
        let vat = is_vat(t);
        if !exists(t, "ram:BasisAmount") {
            s.hit("BR-45", Fatal, &loc, None);
        }
        if !exists(t, "ram:CalculatedAmount") {
            s.hit("BR-46", Fatal, &loc, None);
        }
        if !(vat && exists(t, "ram:CategoryCode")) {
            s.hit("BR-47", Fatal, &loc, None);
        }
        if !(vat && (exists(t, "ram:RateApplicablePercent") || eq(t, "ram:CategoryCode", "O"))) {
            s.hit("BR-48", Fatal, &loc, None);
        }
        if tax_point && due_code {
            s.hit("BR-CO-03", Fatal, &loc, None);
        }
        // BR-CO-17
        let vat_norm = all(t, "ram:TypeCode")
            .iter()
            .any(|x| norm(&string_value(x)).to_uppercase() == "VAT");
        let rate = if vat_norm {
            decimal(t, "ram:RateApplicablePercent")
        } else {
            None
        };
        let calc = decimal(t, "ram:CalculatedAmount");
        let basis = decimal(t, "ram:BasisAmount");
        let ok = match (rate, calc) {
            (Some(rt), Some(c)) if round0(rt).is_zero() => round0(c).is_zero(),
            (Some(rt), Some(c)) => match basis {
                Some(b) => {
                    let expect = round2(b.abs() * (rt / Decimal::ONE_HUNDRED));
                    c.abs() - Decimal::ONE <= expect && c.abs() + Decimal::ONE >= expect
                }
                None => false,
            },
            (None, Some(c)) => round0(c).is_zero(),
            _ => false,
        };
        if !ok {
            s.hit("BR-CO-17", Fatal, &loc, calc.map(|c| c.to_string()).as_deref());
        }
        if !decimals_at_most(t, "ram:BasisAmount", 2) {
            s.hit("BR-DEC-19", Fatal, &format!("{loc}/ram:BasisAmount"), None);
        }
        if !decimals_at_most(t, "ram:CalculatedAmount", 2) {
            s.hit("BR-DEC-20", Fatal, &format!("{loc}/ram:CalculatedAmount"), None);
        }
    }
    // Breakdown presence per category used (BR-S-01 … BR-AG-01).
    let header: Vec<&Element> = d
        .named("ApplicableTradeTax")
        .filter(|(i, _)| d.parent_name(*i) == "ApplicableHeaderTradeSettlement")
        .map(|(_, n)| n.el)
        .collect();
    let line: Vec<&Element> = d
        .named("ApplicableTradeTax")
        .filter(|(i, _)| d.parent_name(*i) == "SpecifiedLineTradeSettlement")
        .map(|(_, n)| n.el)
        .collect();
    let ctt: Vec<&Element> = d.named("CategoryTradeTax").map(|(_, n)| n.el).collect();
    let count = |v: &[&Element], code: &str| v.iter().filter(|t| eq(t, "ram:CategoryCode", code)).count();
    for (code, rule) in [("S", "BR-S-01"), ("L", "BR-AF-01"), ("M", "BR-AG-01")] {
        let (h, l, c) = (count(&header, code), count(&line, code), count(&ctt, code));
        let ok = (l + h >= 2 || l == 0) && (c + h >= 2 || c == 0);
        if !ok {
            s.hit(rule, Fatal, ROOT, Some(code));
        }
    }
    for (code, rule) in [
        ("Z", "BR-Z-01"),
        ("E", "BR-E-01"),
        ("AE", "BR-AE-01"),
        ("K", "BR-IC-01"),
        ("G", "BR-G-01"),
    ] {
        let (h, l, c) = (count(&header, code), count(&line, code), count(&ctt, code));
        let ok = (h == 0 && l == 0 && c == 0) || (h == 1 && (l > 0 || c > 0));
        if !ok {
            s.hit(rule, Fatal, ROOT, Some(code));
        }
    }
    let (h, l, c) = (count(&header, "O"), count(&line, "O"), count(&ctt, "O"));
    if !(h == 0 || (h == 1 && (l > 0 || c > 0))) {
        s.hit("BR-O-01", Fatal, ROOT, Some("O"));
    }
    let _ = r;
}

/// Which party identifiers a VAT category rule -02/-03/-04 demands.
#[derive(Clone, Copy, PartialEq)]
enum Ids {
    /// Seller VAT or tax registration id, or tax representative VAT id.
    SellerVaFc,
    /// SellerVaFc and the buyer's VAT id or legal registration (AE).
    SellerVaFcBuyerAny,
    /// Seller or representative VAT id, and the buyer's VAT id (K).
    SellerVaBuyerVa,
    /// Seller or representative VAT id (G).
    SellerVa,
    /// No seller or representative VAT id (O).
    NoneAllowed,
}

#[derive(Clone, Copy, PartialEq)]
enum Rate {
    Positive,
    Zero,
    NonNegative,
    Absent,
}

struct Cat {
    code: &'static str,
    prefix: &'static str,
    ids: Ids,
    line_rate: Rate,
    ac_rate: Rate,
}

const CATS: [Cat; 9] = [
    Cat {
        code: "S",
        prefix: "BR-S",
        ids: Ids::SellerVaFc,
        line_rate: Rate::Positive,
        ac_rate: Rate::Positive,
    },
    Cat {
        code: "Z",
        prefix: "BR-Z",
        ids: Ids::SellerVaFc,
        line_rate: Rate::Zero,
        ac_rate: Rate::Zero,
    },
    Cat {
        code: "E",
        prefix: "BR-E",
        ids: Ids::SellerVaFc,
        line_rate: Rate::Zero,
        ac_rate: Rate::Zero,
    },
    Cat {
        code: "AE",
        prefix: "BR-AE",
        ids: Ids::SellerVaFcBuyerAny,
        line_rate: Rate::Zero,
        ac_rate: Rate::Zero,
    },
    Cat {
        code: "K",
        prefix: "BR-IC",
        ids: Ids::SellerVaBuyerVa,
        line_rate: Rate::Zero,
        ac_rate: Rate::Zero,
    },
    Cat {
        code: "G",
        prefix: "BR-G",
        ids: Ids::SellerVa,
        line_rate: Rate::Zero,
        ac_rate: Rate::Zero,
    },
    Cat {
        code: "O",
        prefix: "BR-O",
        ids: Ids::NoneAllowed,
        line_rate: Rate::Absent,
        ac_rate: Rate::Absent,
    },
    Cat {
        code: "L",
        prefix: "BR-AF",
        ids: Ids::SellerVaFc,
        line_rate: Rate::Positive,
        ac_rate: Rate::Positive,
    },
    Cat {
        code: "M",
        prefix: "BR-AG",
        ids: Ids::SellerVaFc,
        line_rate: Rate::NonNegative,
        ac_rate: Rate::Positive,
    },
];

fn rate_ok(rule: Rate, t: &Element) -> bool {
    let p = "ram:RateApplicablePercent";
    match rule {
        Rate::Positive => any_num(t, p, |v| v > Decimal::ZERO),
        Rate::Zero => any_num(t, p, |v| v.is_zero()),
        Rate::NonNegative => any_num(t, p, |v| v >= Decimal::ZERO),
        Rate::Absent => !exists(t, p),
    }
}

fn vat_categories(d: &Doc, s: &mut Sink) {
    let r = d.r;
    let agr_seller = format!("{AGR}/ram:SellerTradeParty");
    let agr_rep = format!("{AGR}/ram:SellerTaxRepresentativeTradeParty");
    let abs_seller_vafc = all(r, &agr_seller).iter().any(|p| vat_ids(p, &["VA", "FC"]));
    let abs_seller_va = all(r, &agr_seller).iter().any(|p| vat_ids(p, &["VA"]));
    let abs_rep_va = all(r, &agr_rep).iter().any(|p| vat_ids(p, &["VA"]));
    let any_party = |name: &str, schemes: &[&str]| d.named(name).any(|(_, n)| vat_ids(n.el, schemes));
    let any_seller_vafc = any_party("SellerTradeParty", &["VA", "FC"]);
    let any_seller_va = any_party("SellerTradeParty", &["VA"]);
    let any_rep_va = any_party("SellerTaxRepresentativeTradeParty", &["VA"]);
    let any_buyer_va = any_party("BuyerTradeParty", &["VA"]);
    let any_buyer_legal = d
        .named("BuyerTradeParty")
        .any(|(_, n)| exists(n.el, "ram:SpecifiedLegalOrganization/ram:ID"));
    let ids_ok = |ids: Ids| match ids {
        Ids::SellerVaFc => abs_seller_vafc || abs_rep_va,
        Ids::SellerVaFcBuyerAny => (any_seller_vafc || any_rep_va) && (any_buyer_va || any_buyer_legal),
        Ids::SellerVaBuyerVa => (any_seller_va || any_rep_va) && any_buyer_va,
        Ids::SellerVa => any_seller_va || any_rep_va,
        Ids::NoneAllowed => !abs_seller_va && !abs_rep_va,
    };
    let doc_acs = all(r, &format!("{SET}/ram:SpecifiedTradeAllowanceCharge"));
    let line_settlements = all(
        r,
        "rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedLineTradeSettlement",
    );
    // Σ lines + Σ charges − Σ allowances of a category (optionally one rate).
    let base = |code: &str, rate: Option<Decimal>| -> Decimal {
        let lines: Decimal = line_settlements
            .iter()
            .filter(|ls| {
                eq(ls, "ram:ApplicableTradeTax/ram:CategoryCode", code)
                    && rate
                        .is_none_or(|rt| any_num(ls, "ram:ApplicableTradeTax/ram:RateApplicablePercent", |v| v == rt))
            })
            .flat_map(|ls| {
                numbers(
                    ls,
                    "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
                )
            })
            .flatten()
            .sum();
        let acs = |charge: bool| -> Decimal {
            doc_acs
                .iter()
                .filter(|a| {
                    indicator(a) == Some(charge)
                        && eq(a, "ram:CategoryTradeTax/ram:CategoryCode", code)
                        && rate
                            .is_none_or(|rt| any_num(a, "ram:CategoryTradeTax/ram:RateApplicablePercent", |v| v == rt))
                })
                .flat_map(|a| numbers(a, "ram:ActualAmount"))
                .flatten()
                .sum()
        };
        round2(lines) + round2(acs(true)) - round2(acs(false))
    };
    for cat in &CATS {
        let code = cat.code;
        let p = cat.prefix;
        // Lines, allowances and charges of this category (VAT scheme).
        for (i, n) in d.named("ApplicableTradeTax") {
            let t = n.el;
            let in_line = d.parent_name(i) == "SpecifiedLineTradeSettlement"
                && d.up(i, 2)
                    .is_some_and(|g| d.nodes[g].el.name == "IncludedSupplyChainTradeLineItem");
            if !in_line || !eq(t, "ram:CategoryCode", code) || !is_vat(t) {
                continue;
            }
            let loc = d.path(i);
            if !ids_ok(cat.ids) {
                s.hit(&format!("{p}-02"), Fatal, loc, Some(code));
            }
            if !rate_ok(cat.line_rate, t) {
                s.hit(&format!("{p}-05"), Fatal, loc, Some(code));
            }
        }
        for (i, n) in d.named("CategoryTradeTax") {
            let t = n.el;
            if !eq(t, "ram:CategoryCode", code) || !is_vat(t) {
                continue;
            }
            let Some(ac) = d.parent(i).filter(|a| a.name == "SpecifiedTradeAllowanceCharge") else {
                continue;
            };
            let (ids_rule, rate_rule) = match indicator(ac) {
                Some(false) => ("03", "06"),
                Some(true) => ("04", "07"),
                None => continue,
            };
            let loc = d.path(i);
            if !ids_ok(cat.ids) {
                s.hit(&format!("{p}-{ids_rule}"), Fatal, loc, Some(code));
            }
            if !rate_ok(cat.ac_rate, t) {
                s.hit(&format!("{p}-{rate_rule}"), Fatal, loc, Some(code));
            }
        }
        // The breakdown of this category.
        for (i, n) in d.named("ApplicableTradeTax") {
            if d.parent_name(i) != "ApplicableHeaderTradeSettlement" {
                continue;
            }
            let t = n.el;
            let loc = d.path(i).to_string();
            let has_reason = exists(t, "ram:ExemptionReason") || exists(t, "ram:ExemptionReasonCode");
            match code {
                "S" | "Z" => {
                    // Context: the CategoryCode element with this exact text (no VAT check).
                    if !eq(t, "ram:CategoryCode", code) {
                        continue;
                    }
                    let basis = numbers(t, "ram:BasisAmount");
                    let calc = decimal(t, "ram:CalculatedAmount");
                    if code == "S" {
                        for rt in numbers(t, "ram:RateApplicablePercent").into_iter().flatten() {
                            let want = base("S", Some(rt));
                            if !basis.iter().flatten().any(|b| *b == want) {
                                s.hit("BR-S-08", Fatal, &loc, Some(&want.to_string()));
                            }
                        }
                        let ok9 = match (calc, decimal(t, "ram:BasisAmount")) {
                            (Some(c), Some(b)) => {
                                numbers(t, "ram:RateApplicablePercent").into_iter().flatten().any(|rt| {
                                    let expect = round0(b.abs() * rt) / Decimal::ONE_HUNDRED;
                                    c.abs() - Decimal::ONE < expect && c.abs() + Decimal::ONE > expect
                                })
                            }
                            _ => false,
                        };
                        if !ok9 {
                            s.hit("BR-S-09", Fatal, &loc, calc.map(|c| c.to_string()).as_deref());
                        }
                    } else {
                        let want = base("Z", None);
                        if !basis
                            .iter()
                            .flatten()
                            .any(|b| *b - Decimal::ONE < want && *b + Decimal::ONE > want)
                        {
                            s.hit("BR-Z-08", Fatal, &loc, Some(&want.to_string()));
                        }
                        if !any_num(t, "ram:CalculatedAmount", |v| v.is_zero()) {
                            s.hit("BR-Z-09", Fatal, &loc, None);
                        }
                    }
                    if has_reason {
                        s.hit(&format!("{p}-10"), Fatal, &loc, None);
                    }
                }
                "E" | "AE" | "G" | "K" => {
                    if !eq(t, "ram:CategoryCode", code) || !is_vat(t) {
                        continue;
                    }
                    let want = base(code, None);
                    if !any_num(t, "ram:BasisAmount", |b| {
                        b - Decimal::ONE < want && b + Decimal::ONE > want
                    }) {
                        s.hit(&format!("{p}-08"), Fatal, &loc, Some(&want.to_string()));
                    }
                    if !any_num(t, "ram:CalculatedAmount", |v| v.is_zero()) {
                        s.hit(&format!("{p}-09"), Fatal, &loc, None);
                    }
                    if !has_reason {
                        s.hit(&format!("{p}-10"), Fatal, &loc, None);
                    }
                    if code == "K" {
                        let delivered = exists(
                            r,
                            &format!(
                                "{DEL}/ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime/udt:DateTimeString"
                            ),
                        );
                        let period = exists(r, &format!("{SET}/ram:BillingSpecifiedPeriod/ram:StartDateTime"))
                            || exists(r, &format!("{SET}/ram:BillingSpecifiedPeriod/ram:EndDateTime"));
                        if !(delivered || period) {
                            s.hit("BR-IC-11", Fatal, &loc, None);
                        }
                        if !exists(
                            r,
                            &format!("{DEL}/ram:ShipToTradeParty/ram:PostalTradeAddress/ram:CountryID"),
                        ) {
                            s.hit("BR-IC-12", Fatal, &loc, None);
                        }
                    }
                }
                "O" => {
                    if !eq(t, "ram:CategoryCode", code) || !is_vat(t) {
                        continue;
                    }
                    let want = base("O", None);
                    if !any_num(t, "ram:BasisAmount", |b| b == want) {
                        s.hit("BR-O-08", Fatal, &loc, Some(&want.to_string()));
                    }
                    if !any_num(t, "ram:CalculatedAmount", |v| v.is_zero()) {
                        s.hit("BR-O-09", Fatal, &loc, None);
                    }
                    if !has_reason {
                        s.hit("BR-O-10", Fatal, &loc, None);
                    }
                    let other_tax = d
                        .named("ApplicableTradeTax")
                        .any(|(_, x)| all(x.el, "ram:CategoryCode").iter().any(|c| string_value(c) != "O"));
                    if other_tax {
                        s.hit("BR-O-11", Fatal, &loc, None);
                        s.hit("BR-O-12", Fatal, &loc, None);
                    }
                    let other_ac = d
                        .named("CategoryTradeTax")
                        .any(|(_, x)| all(x.el, "ram:CategoryCode").iter().any(|c| string_value(c) != "O"));
                    if other_ac {
                        s.hit("BR-O-13", Fatal, &loc, None);
                        s.hit("BR-O-14", Fatal, &loc, None);
                    }
                }
                // L, M: the taxable amount check refers to the parent's
                // rate and so holds vacuously; -09 is always true.
                _ => {
                    if !eq(t, "ram:CategoryCode", code) || !is_vat(t) {
                        continue;
                    }
                    if has_reason {
                        s.hit(&format!("{p}-10"), Fatal, &loc, None);
                    }
                }
            }
        }
    }
}

fn code_lists(d: &Doc, s: &mut Sink) {
    use codes::*;
    let mut check = |rule: &str, i: usize, value: &str, ok: bool| {
        if !ok {
            s.hit(rule, Fatal, d.path(i), Some(value));
        }
    };
    for (i, n) in d.nodes.iter().enumerate() {
        let e = n.el;
        if e.ns != RAM {
            continue;
        }
        let parent = d.parent_name(i);
        let v = std::cell::LazyCell::new(|| string_value(e));
        match e.name.as_str() {
            "TaxTotalAmount" => {
                if let Some(c) = e.attr("currencyID") {
                    check("BR-CL-03", i, c, in_list(ISO4217, c));
                }
            }
            "InvoiceCurrencyCode" => check("BR-CL-04", i, &v, in_list(ISO4217, &v)),
            "TaxCurrencyCode" => check("BR-CL-05", i, &v, in_list(ISO4217, &v)),
            "DueDateTypeCode" => check("BR-CL-06", i, &v, in_list("5 29 72", &v)),
            "ReferenceTypeCode" => check("BR-CL-07", i, &v, in_list(UNTDID1153, &v)),
            "SubjectCode" => check("BR-CL-08", i, &v, in_list(UNTDID4451, &v)),
            "ClassCode" => {
                if let Some(l) = e.attr("listID") {
                    check("BR-CL-13", i, l, in_list(UNTDID7143, l));
                }
            }
            "CountryID" => check("BR-CL-14", i, &v, in_list(ISO3166, &v)),
            "ID" if parent == "OriginTradeCountry" => check("BR-CL-15", i, &v, in_list(ISO3166, &v)),
            "TypeCode" if parent == "SpecifiedTradeSettlementPaymentMeans" => {
                let t = norm(&v);
                check("BR-CL-16", i, &v, is_payment_means(&t) && !t.contains(' '))
            }
            "CategoryCode" if parent == "CategoryTradeTax" => check("BR-CL-17", i, &v, in_list(VAT_CATEGORIES, &v)),
            "CategoryCode" if parent == "ApplicableTradeTax" => check("BR-CL-18", i, &v, in_list(VAT_CATEGORIES, &v)),
            "ReasonCode" if parent == "SpecifiedTradeAllowanceCharge" => {
                let charge = d.parent(i).and_then(indicator);
                match charge {
                    Some(false) => check("BR-CL-19", i, &v, in_list(ALLOWANCE_REASONS, &v)),
                    Some(true) => check("BR-CL-20", i, &v, in_list(UNTDID7161, &v)),
                    None => {}
                }
            }
            "BasisQuantity" | "BilledQuantity" => {
                if let Some(u) = e.attr("unitCode") {
                    check("BR-CL-23", i, u, in_list(REC20, u));
                }
            }
            "TypeCode" if parent == "ExchangedDocument" => check("BR-CL-01", i, &v, in_list(UNTDID1001, &v)),
            "GlobalID" => {
                if let Some(sc) = e.attr("schemeID") {
                    let rule = if d.has_ancestor(i, "SpecifiedTradeProduct") {
                        (parent == "SpecifiedTradeProduct").then_some("BR-CL-21")
                    } else if d.has_ancestor(i, "ShipToTradeParty") {
                        let delivery = d
                            .up(i, 2)
                            .is_some_and(|g| d.nodes[g].el.name == "ApplicableHeaderTradeDelivery");
                        (parent == "ShipToTradeParty" && delivery).then_some("BR-CL-26")
                    } else {
                        Some("BR-CL-10")
                    };
                    if let Some(rule) = rule {
                        check(rule, i, sc, in_list(ISO6523_ICD, sc));
                    }
                }
            }
            "ID" if e.attr("schemeID").is_some() && !d.has_ancestor(i, "SpecifiedTaxRegistration") => {
                let sc = e.attr("schemeID").unwrap_or("");
                check("BR-CL-11", i, sc, in_list(ISO6523_ICD, sc))
            }
            "URIID" if parent == "URIUniversalCommunication" => {
                if let Some(sc) = e.attr("schemeID") {
                    check("BR-CL-25", i, sc, in_list(CEF_EAS, sc));
                }
            }
            "ExemptionReasonCode" => check("BR-CL-22", i, &v, in_list(VATEX, &v.to_uppercase())),
            "AttachmentBinaryObject" => {
                if let Some(m) = e.attr("mimeCode") {
                    check("BR-CL-24", i, m, MIME_TYPES.contains(&m));
                }
            }
            _ => {}
        }
    }
}

/// The syntax rules of the CII binding that make an invoice invalid
/// (CII-SR-*, CII-DT-*), and the warnings the XRechnung scenarios raise to
/// errors (CII-SR-452/453/454).
fn syntax(d: &Doc, s: &mut Sink) {
    let r = d.r;
    if let Some(ctx) = first(r, "rsm:ExchangedDocumentContext") {
        let loc = format!("{ROOT}/rsm:ExchangedDocumentContext");
        if all(ctx, "ram:GuidelineSpecifiedDocumentContextParameter").len() != 1 {
            s.hit(
                "CII-SR-009",
                Fatal,
                &loc,
                Some("GuidelineSpecifiedDocumentContextParameter"),
            );
        }
        if all(ctx, "ram:GuidelineSpecifiedDocumentContextParameter/ram:ID").len() != 1 {
            s.hit(
                "CII-SR-010",
                Fatal,
                &loc,
                Some("GuidelineSpecifiedDocumentContextParameter/ID"),
            );
        }
    }
    if let Some(doc) = first(r, "rsm:ExchangedDocument") {
        if all(doc, "ram:TypeCode").len() != 1 {
            s.hit(
                "CII-SR-014",
                Fatal,
                &format!("{ROOT}/rsm:ExchangedDocument"),
                Some("TypeCode"),
            );
        }
        for t in all(doc, "ram:TypeCode") {
            for (rule, a) in [
                ("CII-DT-010", "listID"),
                ("CII-DT-011", "listAgencyID"),
                ("CII-DT-012", "listVersionID"),
            ] {
                if t.attr(a).is_some() {
                    s.hit(
                        rule,
                        Fatal,
                        &format!("{ROOT}/rsm:ExchangedDocument/ram:TypeCode"),
                        Some(&format!("@{a}")),
                    );
                }
            }
        }
    }
    for (rule, a) in [("CII-DT-013", "languageID"), ("CII-DT-014", "languageLocaleID")] {
        if r.attr(a).is_some() {
            s.hit(rule, Fatal, ROOT, Some(&format!("@{a}")));
        }
    }
    for line in all(r, LINES) {
        let loc = format!("{ROOT}/{LINES}");
        if let Some(p) = first(line, "ram:SpecifiedTradeProduct") {
            let ids = all(p, "ram:GlobalID");
            if !ids.is_empty() && !ids.iter().any(|g| g.attr("schemeID").is_some()) {
                s.hit("CII-SR-046", Fatal, &loc, Some("GlobalID/@schemeID"));
            }
            if exists(p, "ram:OriginTradeCountry") && all(p, "ram:OriginTradeCountry/ram:ID").len() != 1 {
                s.hit("CII-SR-090", Fatal, &loc, Some("OriginTradeCountry/ID"));
            }
            for c in all(p, "ram:ApplicableProductCharacteristic") {
                if all(c, "ram:Description").len() != 1 {
                    s.hit(
                        "CII-SR-069",
                        Fatal,
                        &loc,
                        Some("ApplicableProductCharacteristic/Description"),
                    );
                }
                if all(c, "ram:Value").len() != 1 {
                    s.hit("CII-SR-072", Fatal, &loc, Some("ApplicableProductCharacteristic/Value"));
                }
            }
        }
        for a in all(line, "ram:SpecifiedLineTradeAgreement") {
            let n = all(a, "ram:NetPriceProductTradePrice/ram:ChargeAmount").len();
            if n != 1 {
                s.hit(
                    "CII-SR-439",
                    Fatal,
                    &loc,
                    Some("NetPriceProductTradePrice/ChargeAmount"),
                );
            }
            if n > 1 {
                s.hit(
                    "CII-SR-441",
                    Fatal,
                    &loc,
                    Some("NetPriceProductTradePrice/ChargeAmount"),
                );
            }
        }
        for st in all(line, "ram:SpecifiedLineTradeSettlement") {
            if all(st, "ram:ApplicableTradeTax").len() != 1 {
                s.hit("CII-SR-454", Warning, &loc, Some("ApplicableTradeTax"));
            }
        }
    }
    for (i, n) in d.named("AppliedTradeAllowanceCharge") {
        if d.parent_name(i) == "GrossPriceProductTradePrice" && all(n.el, "ram:ActualAmount").len() > 1 {
            s.hit("CII-SR-440", Fatal, d.path(i), Some("ActualAmount"));
        }
    }
    if let Some(agr) = first(r, AGR) {
        let loc = format!("{ROOT}/{AGR}");
        for (rule, path) in [
            ("CII-SR-455", "ram:SellerTradeParty/ram:DefinedTradeContact"),
            ("CII-SR-456", "ram:BuyerTradeParty/ram:DefinedTradeContact"),
            ("CII-SR-459", "ram:SellerTradeParty/ram:URIUniversalCommunication"),
            ("CII-SR-460", "ram:BuyerTradeParty/ram:URIUniversalCommunication"),
        ] {
            if all(agr, path).len() > 1 {
                s.hit(rule, Fatal, &loc, Some(path));
            }
        }
    }
    if let Some(set) = first(r, SET) {
        let loc = format!("{ROOT}/{SET}");
        if all(set, "ram:ApplicableTradeTax/ram:TaxPointDate").len() > 1 {
            s.hit("CII-SR-461", Fatal, &loc, Some("ApplicableTradeTax/TaxPointDate"));
        }
        let mut codes: Vec<String> = d.named("DueDateTypeCode").map(|(_, n)| string_value(n.el)).collect();
        codes.sort();
        codes.dedup();
        if codes.len() > 1 {
            s.hit("CII-SR-462", Fatal, &loc, Some("DueDateTypeCode"));
        }
        // A credit transfer (30, 58) names the account it goes to.
        let transfer_without_account = all(set, "ram:SpecifiedTradeSettlementPaymentMeans").iter().any(|pm| {
            all(pm, "ram:TypeCode")
                .iter()
                .any(|t| ["30", "58"].contains(&norm(&string_value(t)).as_str()))
                && !exists(pm, "ram:PayeePartyCreditorFinancialAccount/ram:IBANID")
                && !exists(pm, "ram:PayeePartyCreditorFinancialAccount/ram:ProprietaryID")
        });
        if transfer_without_account {
            s.hit("CII-SR-470", Fatal, &loc, Some("PayeePartyCreditorFinancialAccount"));
        }
        if all(set, "ram:SpecifiedTradePaymentTerms").len() > 1 {
            s.hit("CII-SR-452", Warning, &loc, Some("SpecifiedTradePaymentTerms"));
        }
        if all(set, "ram:SpecifiedTradePaymentTerms/ram:Description").len() > 1 {
            s.hit(
                "CII-SR-453",
                Warning,
                &loc,
                Some("SpecifiedTradePaymentTerms/Description"),
            );
        }
    }
    // Data type restrictions on elements by their name.
    let special_ids = [
        "/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
        "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:ID",
    ];
    let billed_unit = all(r, LINES).iter().any(|l| {
        all(l, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity")
            .iter()
            .any(|q| q.attr("unitCode").is_some())
    });
    for (i, n) in d.nodes.iter().enumerate() {
        let e = n.el;
        let loc = || d.path(i);
        let attr_rule = |s: &mut Sink, rule: &str, a: &str| {
            if e.attr(a).is_some() {
                s.hit(rule, Fatal, loc(), Some(&format!("@{a}")));
            }
        };
        if e.ns == UDT && e.name == "DateTimeString" && e.attr("format") == Some("102") && !date_102(&string_value(e)) {
            s.hit("CII-DT-097", Fatal, loc(), Some(&string_value(e)));
        }
        if e.ns != RAM {
            continue;
        }
        let name = e.name.as_str();
        let parent = d.parent_name(i);
        let strict_id = special_ids.iter().any(|p| name == "ID" && loc() == *p)
            || (name == "LineID" && parent == "AssociatedDocumentLineDocument" && in_lines(loc()))
            || (name == "SellerAssignedID" && parent == "SpecifiedTradeProduct" && in_lines(loc()));
        if strict_id {
            for (rule, a) in [
                ("CII-DT-001", "schemeName"),
                ("CII-DT-002", "schemeAgencyName"),
                ("CII-DT-003", "schemeDataURI"),
                ("CII-DT-004", "schemeURI"),
                ("CII-DT-005", "schemeID"),
                ("CII-DT-006", "schemeAgencyID"),
                ("CII-DT-007", "schemeVersionID"),
            ] {
                attr_rule(s, rule, a);
            }
        }
        if name.ends_with("ID") {
            for (rule, a) in [
                ("CII-DT-0010", "schemeName"),
                ("CII-DT-0020", "schemeAgencyName"),
                ("CII-DT-0030", "schemeDataURI"),
                ("CII-DT-0040", "schemeURI"),
            ] {
                attr_rule(s, rule, a);
            }
        }
        if name == "TypeCode" {
            attr_rule(s, "CII-DT-008", "name");
            attr_rule(s, "CII-DT-009", "listURI");
        }
        if name.ends_with("ReferencedDocument") {
            let additional = name == "AdditionalReferencedDocument";
            let type_is = |c: &str| eq(e, "ram:TypeCode", c);
            let rules: [(&str, &str, bool); 16] = [
                ("CII-DT-015", "URIID", additional && type_is("916")),
                ("CII-DT-016", "StatusCode", false),
                ("CII-DT-017", "CopyIndicator", false),
                (
                    "CII-DT-018",
                    "TypeCode",
                    additional && (type_is("50") || type_is("130") || type_is("916")),
                ),
                ("CII-DT-019", "GlobalID", false),
                ("CII-DT-020", "RevisionID", false),
                ("CII-DT-021", "Name", additional && type_is("916")),
                ("CII-DT-022", "AttachmentBinaryObject", additional && type_is("916")),
                ("CII-DT-023", "Information", false),
                ("CII-DT-024", "ReferenceTypeCode", additional && type_is("130")),
                ("CII-DT-025", "SectionName", false),
                ("CII-DT-026", "PreviousRevisionID", false),
                (
                    "CII-DT-027",
                    "FormattedIssueDateTime",
                    name == "InvoiceReferencedDocument",
                ),
                ("CII-DT-028", "EffectiveSpecifiedPeriod", false),
                ("CII-DT-029", "IssuerTradeParty", false),
                ("CII-DT-030", "AttachedSpecifiedBinaryFile", false),
            ];
            for (rule, child, allowed) in rules {
                if !allowed && exists(e, &format!("ram:{child}")) {
                    s.hit(rule, Fatal, loc(), Some(child));
                }
            }
        }
        if name.ends_with("Amount") && name != "TaxTotalAmount" {
            attr_rule(s, "CII-DT-031", "currencyID");
            attr_rule(s, "CII-DT-032", "currencyCodeListVersionID");
        }
        if name.ends_with("Quantity") {
            if e.attr("unitCode").is_some() && !billed_unit {
                s.hit("CII-DT-033", Fatal, loc(), Some("@unitCode"));
            }
            attr_rule(s, "CII-DT-034", "unitCodeListID");
            attr_rule(s, "CII-DT-035", "unitCodeListAgencyID");
            attr_rule(s, "CII-DT-036", "unitCodeListAgencyName");
        }
        if name.ends_with("TradeTax") && exists(e, "ram:TypeCode") && !eq(e, "ram:TypeCode", "VAT") {
            s.hit("CII-DT-037", Fatal, loc(), Some("TypeCode"));
        }
        if name == "BillingSpecifiedPeriod" {
            for (rule, child) in [
                ("CII-DT-068", "StartDateTime/udt:DateTime"),
                ("CII-DT-069", "DurationMeasure"),
                ("CII-DT-070", "InclusiveIndicator"),
                ("CII-DT-071", "Description"),
                ("CII-DT-072", "EndDateTime/udt:DateTime"),
                ("CII-DT-073", "CompleteDateTime"),
                ("CII-DT-074", "OpenIndicator"),
                ("CII-DT-075", "SeasonCode"),
                ("CII-DT-076", "ID"),
                ("CII-DT-077", "Name"),
                ("CII-DT-078", "SequenceNumeric"),
                ("CII-DT-079", "StartDateFlexibilityCode"),
                ("CII-DT-080", "ContinuousIndicator"),
                ("CII-DT-081", "PurposeCode"),
            ] {
                if exists(e, &format!("ram:{child}")) {
                    s.hit(rule, Fatal, loc(), Some(child));
                }
            }
        }
        if name == "PostalTradeAddress" {
            for (rule, child) in [
                ("CII-DT-082", "ID"),
                ("CII-DT-083", "PostOfficeBox"),
                ("CII-DT-084", "BuildingName"),
                ("CII-DT-086", "LineFour"),
                ("CII-DT-087", "LineFive"),
                ("CII-DT-088", "StreetName"),
                ("CII-DT-089", "CitySubDivisionName"),
                ("CII-DT-090", "CountryName"),
                ("CII-DT-091", "CountrySubDivisionID"),
                ("CII-DT-092", "AttentionOf"),
                ("CII-DT-093", "CareOf"),
                ("CII-DT-094", "BuildingNumber"),
                ("CII-DT-095", "DepartmentName"),
                ("CII-DT-096", "AdditionalStreetName"),
            ] {
                if exists(e, &format!("ram:{child}")) {
                    s.hit(rule, Fatal, loc(), Some(child));
                }
            }
        }
    }
}

/// The location is inside an invoice line of the transaction.
fn in_lines(loc: &str) -> bool {
    loc.starts_with("/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem")
}

/// `^\s*(\d{4})(1[0-2]|0[1-9])(3[01]|[12][0-9]|0[1-9])\s*$`
fn date_102(v: &str) -> bool {
    let t = v.trim();
    let b = t.as_bytes();
    if b.len() != 8 || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let month: u32 = t[4..6].parse().unwrap_or(0);
    let day: u32 = t[6..8].parse().unwrap_or(0);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_format_102() {
        assert!(date_102("20240131"));
        assert!(date_102(" 20241231 "));
        assert!(!date_102("2024-01-31"));
        assert!(!date_102("20241301"));
        assert!(!date_102("20240100"));
    }
}
