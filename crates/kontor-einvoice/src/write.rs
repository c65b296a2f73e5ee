//! Writing the model as XRechnung / EN 16931 XML: UBL 2.1 `Invoice` or
//! `CreditNote`, and UN/CEFACT CII D16B. Elements follow the schema order of
//! each syntax; values are written as the model holds them (raw decimals,
//! dates in the form the syntax wants), so reading the output gives the
//! same model back.

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

use crate::model::*;

/// UNTDID 1001 codes that make a UBL document a `CreditNote`.
const CREDIT_NOTE_TYPES: [&str; 11] = [
    "81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532",
];

/// A small element writer over quick-xml: escaping is quick-xml's.
struct W {
    w: Writer<Vec<u8>>,
}

impl W {
    fn new() -> Self {
        let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
        // Writing into a Vec cannot fail.
        let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        Self { w }
    }

    fn open(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let mut s = BytesStart::new(name);
        for (k, v) in attrs {
            s.push_attribute((*k, *v));
        }
        let _ = self.w.write_event(Event::Start(s));
    }

    fn close(&mut self, name: &str) {
        let _ = self.w.write_event(Event::End(BytesEnd::new(name)));
    }

    /// `<name attrs>text</name>`.
    fn leaf_attrs(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        let mut s = BytesStart::new(name);
        for (k, v) in attrs {
            s.push_attribute((*k, *v));
        }
        let _ = self.w.write_event(Event::Start(s));
        let _ = self.w.write_event(Event::Text(BytesText::new(text)));
        let _ = self.w.write_event(Event::End(BytesEnd::new(name)));
    }

    fn leaf(&mut self, name: &str, text: Option<&str>) {
        if let Some(t) = text {
            self.leaf_attrs(name, &[], t);
        }
    }

    /// A leaf with an optional attribute.
    fn leaf_opt(&mut self, name: &str, attr: &str, value: Option<&str>, text: Option<&str>) {
        if let Some(t) = text {
            match value {
                Some(v) => self.leaf_attrs(name, &[(attr, v)], t),
                None => self.leaf_attrs(name, &[], t),
            }
        }
    }

    fn finish(self) -> Vec<u8> {
        let mut out = self.w.into_inner();
        out.push(b'\n');
        out
    }
}

fn s(o: &Option<String>) -> Option<&str> {
    o.as_deref()
}

fn raw(a: &Option<Amount>) -> Option<&str> {
    a.as_ref().map(|a| a.raw.as_str())
}

/// Whether the model is a credit note when written as UBL.
pub fn is_credit_note(inv: &Invoice) -> bool {
    match inv.syntax {
        Syntax::UblCreditNote => true,
        Syntax::UblInvoice => false,
        Syntax::Cii => inv.type_code.as_deref().is_some_and(|t| CREDIT_NOTE_TYPES.contains(&t)),
    }
}

/// The VAT point date code (BT-8): UBL uses UNTDID 2005, CII UNTDID 2475.
fn tax_point_code(code: &Option<String>, to_cii: bool) -> Option<String> {
    let pairs = [("3", "5"), ("35", "29"), ("432", "72")];
    code.as_ref().map(|c| {
        pairs
            .iter()
            .find_map(|(ubl, cii)| match to_cii {
                true if c == ubl => Some((*cii).to_string()),
                false if c == cii => Some((*ubl).to_string()),
                _ => None,
            })
            .unwrap_or_else(|| c.clone())
    })
}

// ------------------------------------------------------------------ UBL

const UBL_INV_NS: &str = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";
const UBL_CN_NS: &str = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2";

/// The model as a UBL 2.1 `Invoice` or `CreditNote`.
pub fn ubl(inv: &Invoice) -> Vec<u8> {
    let credit = is_credit_note(inv);
    let root = if credit { "CreditNote" } else { "Invoice" };
    let cur = inv.currency.clone().unwrap_or_default();
    // An amount with its currency: the model's, else the invoice currency.
    let amt = |w: &mut W, name: &str, a: &Option<Amount>| {
        if let Some(a) = a {
            let c = a.currency.clone().unwrap_or_else(|| cur.clone());
            w.leaf_attrs(name, &[("currencyID", &c)], &a.raw);
        }
    };
    let mut w = W::new();
    w.open(
        root,
        &[
            ("xmlns", if credit { UBL_CN_NS } else { UBL_INV_NS }),
            ("xmlns:cac", crate::path::CAC),
            ("xmlns:cbc", crate::path::CBC),
        ],
    );
    w.leaf("cbc:CustomizationID", s(&inv.specification));
    w.leaf("cbc:ProfileID", s(&inv.process));
    w.leaf("cbc:ID", s(&inv.number));
    w.leaf("cbc:IssueDate", s(&inv.issue_date));
    if credit {
        w.leaf("cbc:TaxPointDate", s(&inv.tax_point_date));
        w.leaf("cbc:CreditNoteTypeCode", s(&inv.type_code));
    } else {
        w.leaf("cbc:DueDate", s(&inv.due_date));
        w.leaf("cbc:InvoiceTypeCode", s(&inv.type_code));
    }
    for n in &inv.notes {
        let text = match &n.subject {
            Some(sub) if !n.text.starts_with('#') => format!("#{sub}#{}", n.text),
            _ => n.text.clone(),
        };
        w.leaf("cbc:Note", Some(&text));
    }
    if !credit {
        w.leaf("cbc:TaxPointDate", s(&inv.tax_point_date));
    }
    w.leaf("cbc:DocumentCurrencyCode", s(&inv.currency));
    w.leaf("cbc:TaxCurrencyCode", s(&inv.tax_currency));
    w.leaf("cbc:AccountingCost", s(&inv.buyer_accounting_reference));
    w.leaf("cbc:BuyerReference", s(&inv.buyer_reference));
    if inv.period.is_some() || inv.tax_point_code.is_some() {
        w.open("cac:InvoicePeriod", &[]);
        if let Some(p) = &inv.period {
            w.leaf("cbc:StartDate", s(&p.start));
            w.leaf("cbc:EndDate", s(&p.end));
        }
        w.leaf("cbc:DescriptionCode", s(&tax_point_code(&inv.tax_point_code, false)));
        w.close("cac:InvoicePeriod");
    }
    if inv.purchase_order_reference.is_some() || inv.sales_order_reference.is_some() {
        w.open("cac:OrderReference", &[]);
        // cbc:ID is mandatory in UBL; a sales order alone gets "NA".
        w.leaf("cbc:ID", Some(inv.purchase_order_reference.as_deref().unwrap_or("NA")));
        w.leaf("cbc:SalesOrderID", s(&inv.sales_order_reference));
        w.close("cac:OrderReference");
    }
    for p in &inv.preceding {
        w.open("cac:BillingReference", &[]);
        w.open("cac:InvoiceDocumentReference", &[]);
        w.leaf("cbc:ID", s(&p.number));
        w.leaf("cbc:IssueDate", s(&p.date));
        w.close("cac:InvoiceDocumentReference");
        w.close("cac:BillingReference");
    }
    let doc_ref = |w: &mut W, name: &str, id: &Option<String>| {
        if let Some(id) = id {
            w.open(name, &[]);
            w.leaf("cbc:ID", Some(id));
            w.close(name);
        }
    };
    doc_ref(&mut w, "cac:DespatchDocumentReference", &inv.despatch_advice_reference);
    doc_ref(&mut w, "cac:ReceiptDocumentReference", &inv.receiving_advice_reference);
    if !credit {
        doc_ref(&mut w, "cac:OriginatorDocumentReference", &inv.tender_reference);
    }
    doc_ref(&mut w, "cac:ContractDocumentReference", &inv.contract_reference);
    if let Some(o) = &inv.invoiced_object {
        w.open("cac:AdditionalDocumentReference", &[]);
        w.leaf_opt("cbc:ID", "schemeID", s(&o.scheme), Some(&o.value));
        w.leaf("cbc:DocumentTypeCode", Some("130"));
        w.close("cac:AdditionalDocumentReference");
    }
    for d in &inv.supporting_documents {
        w.open("cac:AdditionalDocumentReference", &[]);
        w.leaf("cbc:ID", s(&d.id));
        w.leaf("cbc:DocumentDescription", s(&d.description));
        if d.uri.is_some() || d.attachment.is_some() {
            w.open("cac:Attachment", &[]);
            if let Some(a) = &d.attachment {
                let mut attrs = Vec::new();
                if let Some(m) = &a.mime {
                    attrs.push(("mimeCode", m.as_str()));
                }
                if let Some(f) = &a.filename {
                    attrs.push(("filename", f.as_str()));
                }
                w.leaf_attrs("cbc:EmbeddedDocumentBinaryObject", &attrs, &a.base64);
            }
            if let Some(u) = &d.uri {
                w.open("cac:ExternalReference", &[]);
                w.leaf("cbc:URI", Some(u));
                w.close("cac:ExternalReference");
            }
            w.close("cac:Attachment");
        }
        w.close("cac:AdditionalDocumentReference");
    }
    if credit {
        doc_ref(&mut w, "cac:OriginatorDocumentReference", &inv.tender_reference);
    } else {
        doc_ref(&mut w, "cac:ProjectReference", &inv.project_reference);
    }
    let creditor = inv.payment.as_ref().and_then(|p| p.creditor_id.clone());
    w.open("cac:AccountingSupplierParty", &[]);
    ubl_party(
        &mut w,
        &inv.seller,
        true,
        creditor.as_deref().filter(|_| inv.payee.is_none()),
    );
    w.close("cac:AccountingSupplierParty");
    w.open("cac:AccountingCustomerParty", &[]);
    ubl_party(&mut w, &inv.buyer, false, None);
    w.close("cac:AccountingCustomerParty");
    if let Some(p) = &inv.payee {
        w.open("cac:PayeeParty", &[]);
        if p.identifier.is_some() || creditor.is_some() {
            if let Some(i) = &p.identifier {
                w.open("cac:PartyIdentification", &[]);
                w.leaf_opt("cbc:ID", "schemeID", s(&i.scheme), Some(&i.value));
                w.close("cac:PartyIdentification");
            }
            if let Some(c) = &creditor {
                w.open("cac:PartyIdentification", &[]);
                w.leaf_attrs("cbc:ID", &[("schemeID", "SEPA")], c);
                w.close("cac:PartyIdentification");
            }
        }
        if let Some(n) = &p.name {
            w.open("cac:PartyName", &[]);
            w.leaf("cbc:Name", Some(n));
            w.close("cac:PartyName");
        }
        if let Some(l) = &p.legal_registration {
            w.open("cac:PartyLegalEntity", &[]);
            w.leaf_opt("cbc:CompanyID", "schemeID", s(&l.scheme), Some(&l.value));
            w.close("cac:PartyLegalEntity");
        }
        w.close("cac:PayeeParty");
    }
    if let Some(t) = &inv.tax_representative {
        w.open("cac:TaxRepresentativeParty", &[]);
        if let Some(n) = &t.name {
            w.open("cac:PartyName", &[]);
            w.leaf("cbc:Name", Some(n));
            w.close("cac:PartyName");
        }
        ubl_address(&mut w, "cac:PostalAddress", &t.address);
        if let Some(v) = &t.vat_id {
            w.open("cac:PartyTaxScheme", &[]);
            w.leaf("cbc:CompanyID", Some(v));
            w.open("cac:TaxScheme", &[]);
            w.leaf("cbc:ID", Some("VAT"));
            w.close("cac:TaxScheme");
            w.close("cac:PartyTaxScheme");
        }
        w.close("cac:TaxRepresentativeParty");
    }
    if let Some(d) = &inv.delivery {
        w.open("cac:Delivery", &[]);
        w.leaf("cbc:ActualDeliveryDate", s(&d.date));
        if d.location.is_some() || d.address.is_some() {
            w.open("cac:DeliveryLocation", &[]);
            if let Some(l) = &d.location {
                w.leaf_opt("cbc:ID", "schemeID", s(&l.scheme), Some(&l.value));
            }
            ubl_address(&mut w, "cac:Address", &d.address);
            w.close("cac:DeliveryLocation");
        }
        if let Some(n) = &d.party_name {
            w.open("cac:DeliveryParty", &[]);
            w.open("cac:PartyName", &[]);
            w.leaf("cbc:Name", Some(n));
            w.close("cac:PartyName");
            w.close("cac:DeliveryParty");
        }
        w.close("cac:Delivery");
    }
    if let Some(p) = &inv.payment {
        let has_means =
            p.means_code.is_some() || !p.credit_transfers.is_empty() || p.card.is_some() || p.mandate.is_some();
        if has_means {
            // One payment means per credit transfer account (at least one).
            let n = p.credit_transfers.len().max(1);
            for i in 0..n {
                w.open("cac:PaymentMeans", &[]);
                let name = if i == 0 { s(&p.means_text) } else { None };
                w.leaf_opt("cbc:PaymentMeansCode", "name", name, s(&p.means_code));
                if credit && i == 0 {
                    w.leaf("cbc:PaymentDueDate", s(&inv.due_date));
                }
                w.leaf("cbc:PaymentID", s(&p.remittance));
                if i == 0 {
                    if let Some((number, holder)) = &p.card {
                        w.open("cac:CardAccount", &[]);
                        w.leaf("cbc:PrimaryAccountNumberID", Some(number));
                        w.leaf("cbc:NetworkID", Some("NA"));
                        w.leaf("cbc:HolderName", s(holder));
                        w.close("cac:CardAccount");
                    }
                }
                if let Some(t) = p.credit_transfers.get(i) {
                    w.open("cac:PayeeFinancialAccount", &[]);
                    w.leaf("cbc:ID", s(&t.account));
                    w.leaf("cbc:Name", s(&t.account_name));
                    if let Some(b) = &t.provider {
                        w.open("cac:FinancialInstitutionBranch", &[]);
                        w.leaf("cbc:ID", Some(b));
                        w.close("cac:FinancialInstitutionBranch");
                    }
                    w.close("cac:PayeeFinancialAccount");
                }
                if i == 0 && (p.mandate.is_some() || p.debited_account.is_some()) {
                    w.open("cac:PaymentMandate", &[]);
                    w.leaf("cbc:ID", s(&p.mandate));
                    if let Some(a) = &p.debited_account {
                        w.open("cac:PayerFinancialAccount", &[]);
                        w.leaf("cbc:ID", Some(a));
                        w.close("cac:PayerFinancialAccount");
                    }
                    w.close("cac:PaymentMandate");
                }
                w.close("cac:PaymentMeans");
            }
        }
    }
    if let Some(t) = &inv.payment_terms {
        w.open("cac:PaymentTerms", &[]);
        w.leaf("cbc:Note", Some(t));
        w.close("cac:PaymentTerms");
    }
    for t in &inv.third_party_payments {
        w.open("cac:PrepaidPayment", &[]);
        w.leaf("cbc:ID", s(&t.kind));
        amt(&mut w, "cbc:PaidAmount", &t.amount);
        w.leaf("cbc:InstructionID", s(&t.description));
        w.close("cac:PrepaidPayment");
    }
    for a in &inv.allowances_charges {
        ubl_allowance_charge(&mut w, a, &amt, true);
    }
    w.open("cac:TaxTotal", &[]);
    amt(&mut w, "cbc:TaxAmount", &inv.totals.vat);
    for b in &inv.vat_breakdown {
        w.open("cac:TaxSubtotal", &[]);
        amt(&mut w, "cbc:TaxableAmount", &b.taxable);
        amt(&mut w, "cbc:TaxAmount", &b.tax);
        w.open("cac:TaxCategory", &[]);
        w.leaf("cbc:ID", s(&b.category));
        w.leaf("cbc:Percent", raw(&b.rate));
        w.leaf("cbc:TaxExemptionReasonCode", s(&b.exemption_code));
        w.leaf("cbc:TaxExemptionReason", s(&b.exemption_reason));
        vat_scheme(&mut w);
        w.close("cac:TaxCategory");
        w.close("cac:TaxSubtotal");
    }
    w.close("cac:TaxTotal");
    if let Some(v) = &inv.totals.vat_accounting {
        w.open("cac:TaxTotal", &[]);
        let c = v
            .currency
            .clone()
            .or_else(|| inv.tax_currency.clone())
            .unwrap_or_default();
        w.leaf_attrs("cbc:TaxAmount", &[("currencyID", &c)], &v.raw);
        w.close("cac:TaxTotal");
    }
    w.open("cac:LegalMonetaryTotal", &[]);
    let t = &inv.totals;
    amt(&mut w, "cbc:LineExtensionAmount", &t.line_net);
    amt(&mut w, "cbc:TaxExclusiveAmount", &t.without_vat);
    amt(&mut w, "cbc:TaxInclusiveAmount", &t.with_vat);
    amt(&mut w, "cbc:AllowanceTotalAmount", &t.allowances);
    amt(&mut w, "cbc:ChargeTotalAmount", &t.charges);
    amt(&mut w, "cbc:PrepaidAmount", &t.prepaid);
    amt(&mut w, "cbc:PayableRoundingAmount", &t.rounding);
    amt(&mut w, "cbc:PayableAmount", &t.payable);
    w.close("cac:LegalMonetaryTotal");
    let (line_name, qty_name) = if credit {
        ("cac:CreditNoteLine", "cbc:CreditedQuantity")
    } else {
        ("cac:InvoiceLine", "cbc:InvoicedQuantity")
    };
    for l in &inv.lines {
        w.open(line_name, &[]);
        w.leaf("cbc:ID", s(&l.id));
        w.leaf("cbc:Note", s(&l.note));
        if let Some(q) = &l.quantity {
            match &l.unit {
                Some(u) => w.leaf_attrs(qty_name, &[("unitCode", u)], &q.raw),
                None => w.leaf_attrs(qty_name, &[], &q.raw),
            }
        }
        amt(&mut w, "cbc:LineExtensionAmount", &l.net_amount);
        w.leaf("cbc:AccountingCost", s(&l.accounting_ref));
        if let Some(p) = &l.period {
            w.open("cac:InvoicePeriod", &[]);
            w.leaf("cbc:StartDate", s(&p.start));
            w.leaf("cbc:EndDate", s(&p.end));
            w.close("cac:InvoicePeriod");
        }
        if let Some(o) = &l.order_line_ref {
            w.open("cac:OrderLineReference", &[]);
            w.leaf("cbc:LineID", Some(o));
            w.close("cac:OrderLineReference");
        }
        if let Some(o) = &l.object_id {
            w.open("cac:DocumentReference", &[]);
            w.leaf_opt("cbc:ID", "schemeID", s(&o.scheme), Some(&o.value));
            w.leaf("cbc:DocumentTypeCode", Some("130"));
            w.close("cac:DocumentReference");
        }
        for a in &l.allowances_charges {
            ubl_allowance_charge(&mut w, a, &amt, false);
        }
        w.open("cac:Item", &[]);
        let it = &l.item;
        w.leaf("cbc:Description", s(&it.description));
        w.leaf("cbc:Name", s(&it.name));
        let ident = |w: &mut W, name: &str, v: &Option<String>| {
            if let Some(v) = v {
                w.open(name, &[]);
                w.leaf("cbc:ID", Some(v));
                w.close(name);
            }
        };
        ident(&mut w, "cac:BuyersItemIdentification", &it.buyer_id);
        ident(&mut w, "cac:SellersItemIdentification", &it.seller_id);
        if let Some(sid) = &it.standard_id {
            w.open("cac:StandardItemIdentification", &[]);
            w.leaf_opt("cbc:ID", "schemeID", s(&sid.scheme), Some(&sid.value));
            w.close("cac:StandardItemIdentification");
        }
        if let Some(c) = &it.origin_country {
            w.open("cac:OriginCountry", &[]);
            w.leaf("cbc:IdentificationCode", Some(c));
            w.close("cac:OriginCountry");
        }
        for (c, version) in &it.classifications {
            w.open("cac:CommodityClassification", &[]);
            let mut attrs = Vec::new();
            if let Some(sc) = &c.scheme {
                attrs.push(("listID", sc.as_str()));
            }
            if let Some(v) = version {
                attrs.push(("listVersionID", v.as_str()));
            }
            w.leaf_attrs("cbc:ItemClassificationCode", &attrs, &c.value);
            w.close("cac:CommodityClassification");
        }
        w.open("cac:ClassifiedTaxCategory", &[]);
        w.leaf("cbc:ID", s(&l.vat_category));
        w.leaf("cbc:Percent", raw(&l.vat_rate));
        vat_scheme(&mut w);
        w.close("cac:ClassifiedTaxCategory");
        for (name, value) in &it.attributes {
            w.open("cac:AdditionalItemProperty", &[]);
            w.leaf("cbc:Name", Some(name));
            w.leaf("cbc:Value", Some(value));
            w.close("cac:AdditionalItemProperty");
        }
        w.close("cac:Item");
        let p = &l.price;
        w.open("cac:Price", &[]);
        amt(&mut w, "cbc:PriceAmount", &p.net);
        if let Some(b) = &p.base_quantity {
            match &p.base_unit {
                Some(u) => w.leaf_attrs("cbc:BaseQuantity", &[("unitCode", u)], &b.raw),
                None => w.leaf_attrs("cbc:BaseQuantity", &[], &b.raw),
            }
        }
        if p.discount.is_some() || p.gross.is_some() {
            w.open("cac:AllowanceCharge", &[]);
            w.leaf("cbc:ChargeIndicator", Some("false"));
            amt(&mut w, "cbc:Amount", &p.discount);
            amt(&mut w, "cbc:BaseAmount", &p.gross);
            w.close("cac:AllowanceCharge");
        }
        w.close("cac:Price");
        w.close(line_name);
    }
    w.close(root);
    w.finish()
}

fn vat_scheme(w: &mut W) {
    w.open("cac:TaxScheme", &[]);
    w.leaf("cbc:ID", Some("VAT"));
    w.close("cac:TaxScheme");
}

fn ubl_address(w: &mut W, name: &str, a: &Option<Address>) {
    let Some(a) = a else { return };
    w.open(name, &[]);
    w.leaf("cbc:StreetName", s(&a.line1));
    w.leaf("cbc:AdditionalStreetName", s(&a.line2));
    w.leaf("cbc:CityName", s(&a.city));
    w.leaf("cbc:PostalZone", s(&a.postcode));
    w.leaf("cbc:CountrySubentity", s(&a.subdivision));
    if let Some(l) = &a.line3 {
        w.open("cac:AddressLine", &[]);
        w.leaf("cbc:Line", Some(l));
        w.close("cac:AddressLine");
    }
    if let Some(c) = &a.country {
        w.open("cac:Country", &[]);
        w.leaf("cbc:IdentificationCode", Some(c));
        w.close("cac:Country");
    }
    w.close(name);
}

fn ubl_party(w: &mut W, p: &Party, seller: bool, creditor: Option<&str>) {
    w.open("cac:Party", &[]);
    if let Some(e) = &p.electronic_address {
        w.leaf_opt("cbc:EndpointID", "schemeID", s(&e.scheme), Some(&e.value));
    }
    for i in &p.identifiers {
        w.open("cac:PartyIdentification", &[]);
        w.leaf_opt("cbc:ID", "schemeID", s(&i.scheme), Some(&i.value));
        w.close("cac:PartyIdentification");
    }
    if let (true, Some(c)) = (seller, creditor) {
        w.open("cac:PartyIdentification", &[]);
        w.leaf_attrs("cbc:ID", &[("schemeID", "SEPA")], c);
        w.close("cac:PartyIdentification");
    }
    if let Some(n) = &p.trading_name {
        w.open("cac:PartyName", &[]);
        w.leaf("cbc:Name", Some(n));
        w.close("cac:PartyName");
    }
    ubl_address(w, "cac:PostalAddress", &p.address);
    for (id, scheme) in [(&p.vat_id, "VAT"), (&p.tax_registration, "FC")] {
        if let Some(v) = id {
            w.open("cac:PartyTaxScheme", &[]);
            w.leaf("cbc:CompanyID", Some(v));
            w.open("cac:TaxScheme", &[]);
            w.leaf("cbc:ID", Some(scheme));
            w.close("cac:TaxScheme");
            w.close("cac:PartyTaxScheme");
        }
    }
    if p.name.is_some() || p.legal_registration.is_some() || p.legal_info.is_some() {
        w.open("cac:PartyLegalEntity", &[]);
        w.leaf("cbc:RegistrationName", s(&p.name));
        if let Some(l) = &p.legal_registration {
            w.leaf_opt("cbc:CompanyID", "schemeID", s(&l.scheme), Some(&l.value));
        }
        w.leaf("cbc:CompanyLegalForm", s(&p.legal_info));
        w.close("cac:PartyLegalEntity");
    }
    if let Some(c) = &p.contact {
        w.open("cac:Contact", &[]);
        w.leaf("cbc:Name", s(&c.name));
        w.leaf("cbc:Telephone", s(&c.phone));
        w.leaf("cbc:ElectronicMail", s(&c.email));
        w.close("cac:Contact");
    }
    w.close("cac:Party");
}

fn ubl_allowance_charge(w: &mut W, a: &AllowanceCharge, amt: &dyn Fn(&mut W, &str, &Option<Amount>), document: bool) {
    w.open("cac:AllowanceCharge", &[]);
    w.leaf("cbc:ChargeIndicator", Some(if a.charge { "true" } else { "false" }));
    w.leaf("cbc:AllowanceChargeReasonCode", s(&a.reason_code));
    w.leaf("cbc:AllowanceChargeReason", s(&a.reason));
    w.leaf("cbc:MultiplierFactorNumeric", raw(&a.percent));
    amt(w, "cbc:Amount", &a.amount);
    amt(w, "cbc:BaseAmount", &a.base);
    if document && (a.vat_category.is_some() || a.vat_rate.is_some()) {
        w.open("cac:TaxCategory", &[]);
        w.leaf("cbc:ID", s(&a.vat_category));
        w.leaf("cbc:Percent", raw(&a.vat_rate));
        vat_scheme(w);
        w.close("cac:TaxCategory");
    }
    w.close("cac:AllowanceCharge");
}

// ------------------------------------------------------------------ CII

/// A date for CII (`YYYYMMDD`, format 102) from the model's ISO date.
fn cii_date(d: &str) -> String {
    let digits: String = d.chars().filter(char::is_ascii_digit).collect();
    if digits.len() == 8 {
        digits
    } else {
        d.to_string()
    }
}

fn cii_datetime(w: &mut W, name: &str, d: &Option<String>) {
    if let Some(d) = d {
        w.open(name, &[]);
        w.leaf_attrs("udt:DateTimeString", &[("format", "102")], &cii_date(d));
        w.close(name);
    }
}

/// The model as a UN/CEFACT CII D16B `CrossIndustryInvoice`.
pub fn cii(inv: &Invoice) -> Vec<u8> {
    let mut w = W::new();
    w.open(
        "rsm:CrossIndustryInvoice",
        &[
            ("xmlns:rsm", crate::path::RSM),
            ("xmlns:ram", crate::path::RAM),
            ("xmlns:qdt", crate::path::QDT),
            ("xmlns:udt", crate::path::UDT),
        ],
    );
    w.open("rsm:ExchangedDocumentContext", &[]);
    if let Some(p) = &inv.process {
        w.open("ram:BusinessProcessSpecifiedDocumentContextParameter", &[]);
        w.leaf("ram:ID", Some(p));
        w.close("ram:BusinessProcessSpecifiedDocumentContextParameter");
    }
    w.open("ram:GuidelineSpecifiedDocumentContextParameter", &[]);
    w.leaf("ram:ID", s(&inv.specification));
    w.close("ram:GuidelineSpecifiedDocumentContextParameter");
    w.close("rsm:ExchangedDocumentContext");

    w.open("rsm:ExchangedDocument", &[]);
    w.leaf("ram:ID", s(&inv.number));
    w.leaf("ram:TypeCode", s(&inv.type_code));
    cii_datetime(&mut w, "ram:IssueDateTime", &inv.issue_date);
    for n in &inv.notes {
        w.open("ram:IncludedNote", &[]);
        w.leaf("ram:Content", Some(&n.text));
        w.leaf("ram:SubjectCode", s(&n.subject));
        w.close("ram:IncludedNote");
    }
    w.close("rsm:ExchangedDocument");

    w.open("rsm:SupplyChainTradeTransaction", &[]);
    for l in &inv.lines {
        cii_line(&mut w, l);
    }
    // Agreement
    w.open("ram:ApplicableHeaderTradeAgreement", &[]);
    w.leaf("ram:BuyerReference", s(&inv.buyer_reference));
    cii_party(&mut w, "ram:SellerTradeParty", &inv.seller);
    cii_party(&mut w, "ram:BuyerTradeParty", &inv.buyer);
    if let Some(t) = &inv.tax_representative {
        w.open("ram:SellerTaxRepresentativeTradeParty", &[]);
        w.leaf("ram:Name", s(&t.name));
        cii_address(&mut w, &t.address);
        if let Some(v) = &t.vat_id {
            w.open("ram:SpecifiedTaxRegistration", &[]);
            w.leaf_attrs("ram:ID", &[("schemeID", "VA")], v);
            w.close("ram:SpecifiedTaxRegistration");
        }
        w.close("ram:SellerTaxRepresentativeTradeParty");
    }
    let issued = |w: &mut W, name: &str, v: &Option<String>| {
        if let Some(v) = v {
            w.open(name, &[]);
            w.leaf("ram:IssuerAssignedID", Some(v));
            w.close(name);
        }
    };
    issued(&mut w, "ram:SellerOrderReferencedDocument", &inv.sales_order_reference);
    issued(
        &mut w,
        "ram:BuyerOrderReferencedDocument",
        &inv.purchase_order_reference,
    );
    issued(&mut w, "ram:ContractReferencedDocument", &inv.contract_reference);
    for d in &inv.supporting_documents {
        w.open("ram:AdditionalReferencedDocument", &[]);
        w.leaf("ram:IssuerAssignedID", s(&d.id));
        w.leaf("ram:URIID", s(&d.uri));
        w.leaf("ram:TypeCode", Some("916"));
        w.leaf("ram:Name", s(&d.description));
        if let Some(a) = &d.attachment {
            let mut attrs = Vec::new();
            if let Some(m) = &a.mime {
                attrs.push(("mimeCode", m.as_str()));
            }
            if let Some(f) = &a.filename {
                attrs.push(("filename", f.as_str()));
            }
            w.leaf_attrs("ram:AttachmentBinaryObject", &attrs, &a.base64);
        }
        w.close("ram:AdditionalReferencedDocument");
    }
    if let Some(t) = &inv.tender_reference {
        w.open("ram:AdditionalReferencedDocument", &[]);
        w.leaf("ram:IssuerAssignedID", Some(t));
        w.leaf("ram:TypeCode", Some("50"));
        w.close("ram:AdditionalReferencedDocument");
    }
    if let Some(o) = &inv.invoiced_object {
        w.open("ram:AdditionalReferencedDocument", &[]);
        w.leaf("ram:IssuerAssignedID", Some(&o.value));
        w.leaf("ram:TypeCode", Some("130"));
        w.leaf("ram:ReferenceTypeCode", s(&o.scheme));
        w.close("ram:AdditionalReferencedDocument");
    }
    if let Some(p) = &inv.project_reference {
        w.open("ram:SpecifiedProcuringProject", &[]);
        w.leaf("ram:ID", Some(p));
        // The project name is mandatory in CII and not part of EN 16931.
        w.leaf("ram:Name", Some("Project reference"));
        w.close("ram:SpecifiedProcuringProject");
    }
    w.close("ram:ApplicableHeaderTradeAgreement");
    // Delivery
    w.open("ram:ApplicableHeaderTradeDelivery", &[]);
    if let Some(d) = &inv.delivery {
        if d.party_name.is_some() || d.location.is_some() || d.address.is_some() {
            w.open("ram:ShipToTradeParty", &[]);
            if let Some(l) = &d.location {
                match &l.scheme {
                    Some(sc) => w.leaf_attrs("ram:GlobalID", &[("schemeID", sc)], &l.value),
                    None => w.leaf("ram:ID", Some(&l.value)),
                }
            }
            w.leaf("ram:Name", s(&d.party_name));
            cii_address(&mut w, &d.address);
            w.close("ram:ShipToTradeParty");
        }
        if d.date.is_some() {
            w.open("ram:ActualDeliverySupplyChainEvent", &[]);
            cii_datetime(&mut w, "ram:OccurrenceDateTime", &d.date);
            w.close("ram:ActualDeliverySupplyChainEvent");
        }
    }
    issued(
        &mut w,
        "ram:DespatchAdviceReferencedDocument",
        &inv.despatch_advice_reference,
    );
    issued(
        &mut w,
        "ram:ReceivingAdviceReferencedDocument",
        &inv.receiving_advice_reference,
    );
    w.close("ram:ApplicableHeaderTradeDelivery");
    // Settlement
    w.open("ram:ApplicableHeaderTradeSettlement", &[]);
    let pay = inv.payment.as_ref();
    w.leaf("ram:CreditorReferenceID", pay.and_then(|p| s(&p.creditor_id)));
    w.leaf("ram:PaymentReference", pay.and_then(|p| s(&p.remittance)));
    // A VAT accounting currency equal to the invoice currency says nothing,
    // and CII forbids it (BR-53 on CII); it is left out.
    w.leaf(
        "ram:TaxCurrencyCode",
        s(&inv.tax_currency).filter(|t| Some(*t) != s(&inv.currency)),
    );
    w.leaf("ram:InvoiceCurrencyCode", s(&inv.currency));
    if let Some(p) = &inv.payee {
        w.open("ram:PayeeTradeParty", &[]);
        if let Some(i) = &p.identifier {
            match &i.scheme {
                Some(sc) => w.leaf_attrs("ram:GlobalID", &[("schemeID", sc)], &i.value),
                None => w.leaf("ram:ID", Some(&i.value)),
            }
        }
        w.leaf("ram:Name", s(&p.name));
        if let Some(l) = &p.legal_registration {
            w.open("ram:SpecifiedLegalOrganization", &[]);
            w.leaf_opt("ram:ID", "schemeID", s(&l.scheme), Some(&l.value));
            w.close("ram:SpecifiedLegalOrganization");
        }
        w.close("ram:PayeeTradeParty");
    }
    if let Some(p) = pay {
        let has_means =
            p.means_code.is_some() || !p.credit_transfers.is_empty() || p.card.is_some() || p.debited_account.is_some();
        if has_means {
            let n = p.credit_transfers.len().max(1);
            for i in 0..n {
                w.open("ram:SpecifiedTradeSettlementPaymentMeans", &[]);
                w.leaf("ram:TypeCode", s(&p.means_code));
                w.leaf("ram:Information", s(&p.means_text));
                if i == 0 {
                    if let Some((number, holder)) = &p.card {
                        w.open("ram:ApplicableTradeSettlementFinancialCard", &[]);
                        w.leaf("ram:ID", Some(number));
                        w.leaf("ram:CardholderName", s(holder));
                        w.close("ram:ApplicableTradeSettlementFinancialCard");
                    }
                    if let Some(a) = &p.debited_account {
                        w.open("ram:PayerPartyDebtorFinancialAccount", &[]);
                        w.leaf("ram:IBANID", Some(a));
                        w.close("ram:PayerPartyDebtorFinancialAccount");
                    }
                }
                if let Some(t) = p.credit_transfers.get(i) {
                    w.open("ram:PayeePartyCreditorFinancialAccount", &[]);
                    if let Some(acc) = &t.account {
                        let iban_like = acc.len() >= 4
                            && acc[..2].chars().all(|c| c.is_ascii_uppercase())
                            && acc[2..4].chars().all(|c| c.is_ascii_digit());
                        w.leaf(if iban_like { "ram:IBANID" } else { "ram:ProprietaryID" }, Some(acc));
                    }
                    w.leaf("ram:AccountName", s(&t.account_name));
                    w.close("ram:PayeePartyCreditorFinancialAccount");
                    if let Some(b) = &t.provider {
                        w.open("ram:PayeeSpecifiedCreditorFinancialInstitution", &[]);
                        w.leaf("ram:BICID", Some(b));
                        w.close("ram:PayeeSpecifiedCreditorFinancialInstitution");
                    }
                }
                w.close("ram:SpecifiedTradeSettlementPaymentMeans");
            }
        }
    }
    for (i, b) in inv.vat_breakdown.iter().enumerate() {
        w.open("ram:ApplicableTradeTax", &[]);
        w.leaf("ram:CalculatedAmount", raw(&b.tax));
        w.leaf("ram:TypeCode", Some("VAT"));
        w.leaf("ram:ExemptionReason", s(&b.exemption_reason));
        w.leaf("ram:BasisAmount", raw(&b.taxable));
        w.leaf("ram:CategoryCode", s(&b.category));
        w.leaf("ram:ExemptionReasonCode", s(&b.exemption_code));
        if i == 0 {
            if let Some(d) = &inv.tax_point_date {
                w.open("ram:TaxPointDate", &[]);
                w.leaf_attrs("udt:DateString", &[("format", "102")], &cii_date(d));
                w.close("ram:TaxPointDate");
            }
            w.leaf("ram:DueDateTypeCode", s(&tax_point_code(&inv.tax_point_code, true)));
        }
        w.leaf("ram:RateApplicablePercent", raw(&b.rate));
        w.close("ram:ApplicableTradeTax");
    }
    if let Some(p) = &inv.period {
        w.open("ram:BillingSpecifiedPeriod", &[]);
        cii_datetime(&mut w, "ram:StartDateTime", &p.start);
        cii_datetime(&mut w, "ram:EndDateTime", &p.end);
        w.close("ram:BillingSpecifiedPeriod");
    }
    for a in &inv.allowances_charges {
        cii_allowance_charge(&mut w, a, true);
    }
    let mandate = pay.and_then(|p| p.mandate.clone());
    if inv.payment_terms.is_some() || inv.due_date.is_some() || mandate.is_some() {
        w.open("ram:SpecifiedTradePaymentTerms", &[]);
        w.leaf("ram:Description", s(&inv.payment_terms));
        cii_datetime(&mut w, "ram:DueDateDateTime", &inv.due_date);
        w.leaf("ram:DirectDebitMandateID", mandate.as_deref());
        w.close("ram:SpecifiedTradePaymentTerms");
    }
    w.open("ram:SpecifiedTradeSettlementHeaderMonetarySummation", &[]);
    let t = &inv.totals;
    w.leaf("ram:LineTotalAmount", raw(&t.line_net));
    w.leaf("ram:ChargeTotalAmount", raw(&t.charges));
    w.leaf("ram:AllowanceTotalAmount", raw(&t.allowances));
    w.leaf("ram:TaxBasisTotalAmount", raw(&t.without_vat));
    if let Some(v) = &t.vat {
        let c = v.currency.clone().or_else(|| inv.currency.clone()).unwrap_or_default();
        w.leaf_attrs("ram:TaxTotalAmount", &[("currencyID", &c)], &v.raw);
    }
    if let Some(v) = &t.vat_accounting {
        let c = v
            .currency
            .clone()
            .or_else(|| inv.tax_currency.clone())
            .unwrap_or_default();
        w.leaf_attrs("ram:TaxTotalAmount", &[("currencyID", &c)], &v.raw);
    }
    w.leaf("ram:RoundingAmount", raw(&t.rounding));
    w.leaf("ram:GrandTotalAmount", raw(&t.with_vat));
    w.leaf("ram:TotalPrepaidAmount", raw(&t.prepaid));
    w.leaf("ram:DuePayableAmount", raw(&t.payable));
    w.close("ram:SpecifiedTradeSettlementHeaderMonetarySummation");
    for p in &inv.preceding {
        w.open("ram:InvoiceReferencedDocument", &[]);
        w.leaf("ram:IssuerAssignedID", s(&p.number));
        if let Some(d) = &p.date {
            w.open("ram:FormattedIssueDateTime", &[]);
            w.leaf_attrs("qdt:DateTimeString", &[("format", "102")], &cii_date(d));
            w.close("ram:FormattedIssueDateTime");
        }
        w.close("ram:InvoiceReferencedDocument");
    }
    if let Some(a) = &inv.buyer_accounting_reference {
        w.open("ram:ReceivableSpecifiedTradeAccountingAccount", &[]);
        w.leaf("ram:ID", Some(a));
        w.close("ram:ReceivableSpecifiedTradeAccountingAccount");
    }
    w.close("ram:ApplicableHeaderTradeSettlement");
    w.close("rsm:SupplyChainTradeTransaction");
    w.close("rsm:CrossIndustryInvoice");
    w.finish()
}

fn cii_address(w: &mut W, a: &Option<Address>) {
    let Some(a) = a else { return };
    w.open("ram:PostalTradeAddress", &[]);
    w.leaf("ram:PostcodeCode", s(&a.postcode));
    w.leaf("ram:LineOne", s(&a.line1));
    w.leaf("ram:LineTwo", s(&a.line2));
    w.leaf("ram:LineThree", s(&a.line3));
    w.leaf("ram:CityName", s(&a.city));
    w.leaf("ram:CountryID", s(&a.country));
    w.leaf("ram:CountrySubDivisionName", s(&a.subdivision));
    w.close("ram:PostalTradeAddress");
}

fn cii_party(w: &mut W, name: &str, p: &Party) {
    w.open(name, &[]);
    for i in p.identifiers.iter().filter(|i| i.scheme.is_none()) {
        w.leaf("ram:ID", Some(&i.value));
    }
    for i in p.identifiers.iter().filter(|i| i.scheme.is_some()) {
        w.leaf_opt("ram:GlobalID", "schemeID", s(&i.scheme), Some(&i.value));
    }
    w.leaf("ram:Name", s(&p.name));
    w.leaf("ram:Description", s(&p.legal_info));
    if p.legal_registration.is_some() || p.trading_name.is_some() {
        w.open("ram:SpecifiedLegalOrganization", &[]);
        if let Some(l) = &p.legal_registration {
            w.leaf_opt("ram:ID", "schemeID", s(&l.scheme), Some(&l.value));
        }
        w.leaf("ram:TradingBusinessName", s(&p.trading_name));
        w.close("ram:SpecifiedLegalOrganization");
    }
    if let Some(c) = &p.contact {
        w.open("ram:DefinedTradeContact", &[]);
        w.leaf("ram:PersonName", s(&c.name));
        if let Some(ph) = &c.phone {
            w.open("ram:TelephoneUniversalCommunication", &[]);
            w.leaf("ram:CompleteNumber", Some(ph));
            w.close("ram:TelephoneUniversalCommunication");
        }
        if let Some(e) = &c.email {
            w.open("ram:EmailURIUniversalCommunication", &[]);
            w.leaf("ram:URIID", Some(e));
            w.close("ram:EmailURIUniversalCommunication");
        }
        w.close("ram:DefinedTradeContact");
    }
    cii_address(w, &p.address);
    if let Some(e) = &p.electronic_address {
        w.open("ram:URIUniversalCommunication", &[]);
        w.leaf_opt("ram:URIID", "schemeID", s(&e.scheme), Some(&e.value));
        w.close("ram:URIUniversalCommunication");
    }
    for (id, scheme) in [(&p.vat_id, "VA"), (&p.tax_registration, "FC")] {
        if let Some(v) = id {
            w.open("ram:SpecifiedTaxRegistration", &[]);
            w.leaf_attrs("ram:ID", &[("schemeID", scheme)], v);
            w.close("ram:SpecifiedTaxRegistration");
        }
    }
    w.close(name);
}

fn cii_allowance_charge(w: &mut W, a: &AllowanceCharge, document: bool) {
    w.open("ram:SpecifiedTradeAllowanceCharge", &[]);
    w.open("ram:ChargeIndicator", &[]);
    w.leaf("udt:Indicator", Some(if a.charge { "true" } else { "false" }));
    w.close("ram:ChargeIndicator");
    w.leaf("ram:CalculationPercent", raw(&a.percent));
    w.leaf("ram:BasisAmount", raw(&a.base));
    w.leaf("ram:ActualAmount", raw(&a.amount));
    w.leaf("ram:ReasonCode", s(&a.reason_code));
    w.leaf("ram:Reason", s(&a.reason));
    if document && (a.vat_category.is_some() || a.vat_rate.is_some()) {
        w.open("ram:CategoryTradeTax", &[]);
        w.leaf("ram:TypeCode", Some("VAT"));
        w.leaf("ram:CategoryCode", s(&a.vat_category));
        w.leaf("ram:RateApplicablePercent", raw(&a.vat_rate));
        w.close("ram:CategoryTradeTax");
    }
    w.close("ram:SpecifiedTradeAllowanceCharge");
}

fn cii_line(w: &mut W, l: &Line) {
    w.open("ram:IncludedSupplyChainTradeLineItem", &[]);
    w.open("ram:AssociatedDocumentLineDocument", &[]);
    w.leaf("ram:LineID", s(&l.id));
    if let Some(n) = &l.note {
        w.open("ram:IncludedNote", &[]);
        w.leaf("ram:Content", Some(n));
        w.close("ram:IncludedNote");
    }
    w.close("ram:AssociatedDocumentLineDocument");
    let it = &l.item;
    w.open("ram:SpecifiedTradeProduct", &[]);
    if let Some(sid) = &it.standard_id {
        w.leaf_opt("ram:GlobalID", "schemeID", s(&sid.scheme), Some(&sid.value));
    }
    w.leaf("ram:SellerAssignedID", s(&it.seller_id));
    w.leaf("ram:BuyerAssignedID", s(&it.buyer_id));
    w.leaf("ram:Name", s(&it.name));
    w.leaf("ram:Description", s(&it.description));
    for (name, value) in &it.attributes {
        w.open("ram:ApplicableProductCharacteristic", &[]);
        w.leaf("ram:Description", Some(name));
        w.leaf("ram:Value", Some(value));
        w.close("ram:ApplicableProductCharacteristic");
    }
    for (c, version) in &it.classifications {
        w.open("ram:DesignatedProductClassification", &[]);
        let mut attrs = Vec::new();
        if let Some(sc) = &c.scheme {
            attrs.push(("listID", sc.as_str()));
        }
        if let Some(v) = version {
            attrs.push(("listVersionID", v.as_str()));
        }
        w.leaf_attrs("ram:ClassCode", &attrs, &c.value);
        w.close("ram:DesignatedProductClassification");
    }
    if let Some(c) = &it.origin_country {
        w.open("ram:OriginTradeCountry", &[]);
        w.leaf("ram:ID", Some(c));
        w.close("ram:OriginTradeCountry");
    }
    w.close("ram:SpecifiedTradeProduct");
    w.open("ram:SpecifiedLineTradeAgreement", &[]);
    if let Some(o) = &l.order_line_ref {
        w.open("ram:BuyerOrderReferencedDocument", &[]);
        w.leaf("ram:LineID", Some(o));
        w.close("ram:BuyerOrderReferencedDocument");
    }
    let p = &l.price;
    if p.gross.is_some() || p.discount.is_some() {
        w.open("ram:GrossPriceProductTradePrice", &[]);
        w.leaf("ram:ChargeAmount", raw(&p.gross));
        if let Some(d) = &p.discount {
            w.open("ram:AppliedTradeAllowanceCharge", &[]);
            w.open("ram:ChargeIndicator", &[]);
            w.leaf("udt:Indicator", Some("false"));
            w.close("ram:ChargeIndicator");
            w.leaf("ram:ActualAmount", Some(&d.raw));
            w.close("ram:AppliedTradeAllowanceCharge");
        }
        w.close("ram:GrossPriceProductTradePrice");
    }
    w.open("ram:NetPriceProductTradePrice", &[]);
    w.leaf("ram:ChargeAmount", raw(&p.net));
    if let Some(b) = &p.base_quantity {
        w.leaf_opt("ram:BasisQuantity", "unitCode", s(&p.base_unit), Some(&b.raw));
    }
    w.close("ram:NetPriceProductTradePrice");
    w.close("ram:SpecifiedLineTradeAgreement");
    w.open("ram:SpecifiedLineTradeDelivery", &[]);
    if let Some(q) = &l.quantity {
        w.leaf_opt("ram:BilledQuantity", "unitCode", s(&l.unit), Some(&q.raw));
    }
    w.close("ram:SpecifiedLineTradeDelivery");
    w.open("ram:SpecifiedLineTradeSettlement", &[]);
    w.open("ram:ApplicableTradeTax", &[]);
    w.leaf("ram:TypeCode", Some("VAT"));
    w.leaf("ram:CategoryCode", s(&l.vat_category));
    w.leaf("ram:RateApplicablePercent", raw(&l.vat_rate));
    w.close("ram:ApplicableTradeTax");
    if let Some(per) = &l.period {
        w.open("ram:BillingSpecifiedPeriod", &[]);
        cii_datetime(w, "ram:StartDateTime", &per.start);
        cii_datetime(w, "ram:EndDateTime", &per.end);
        w.close("ram:BillingSpecifiedPeriod");
    }
    for a in &l.allowances_charges {
        cii_allowance_charge(w, a, false);
    }
    w.open("ram:SpecifiedTradeSettlementLineMonetarySummation", &[]);
    w.leaf("ram:LineTotalAmount", raw(&l.net_amount));
    w.close("ram:SpecifiedTradeSettlementLineMonetarySummation");
    if let Some(o) = &l.object_id {
        w.open("ram:AdditionalReferencedDocument", &[]);
        w.leaf("ram:IssuerAssignedID", Some(&o.value));
        w.leaf("ram:TypeCode", Some("130"));
        w.leaf("ram:ReferenceTypeCode", s(&o.scheme));
        w.close("ram:AdditionalReferencedDocument");
    }
    if let Some(a) = &l.accounting_ref {
        w.open("ram:ReceivableSpecifiedTradeAccountingAccount", &[]);
        w.leaf("ram:ID", Some(a));
        w.close("ram:ReceivableSpecifiedTradeAccountingAccount");
    }
    w.close("ram:SpecifiedLineTradeSettlement");
    w.close("ram:IncludedSupplyChainTradeLineItem");
}
