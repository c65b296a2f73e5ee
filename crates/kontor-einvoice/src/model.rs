//! The semantic model of EN 16931-1: one invoice, whatever syntax it came in.
//! Fields carry the business term (BT) or group (BG) they hold. Values stay
//! as the document wrote them (`Text`, `Amount::raw`): rules about lexical
//! form (decimal places, date format) need the original, and writing the
//! invoice again must not change it.

use rust_decimal::Decimal;

/// The syntax an invoice was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Syntax {
    UblInvoice,
    UblCreditNote,
    Cii,
}

impl Syntax {
    pub fn key(self) -> &'static str {
        match self {
            Syntax::UblInvoice => "ubl-invoice",
            Syntax::UblCreditNote => "ubl-creditnote",
            Syntax::Cii => "cii",
        }
    }
}

/// An identifier with its optional scheme (e.g. BT-29 with BT-29-1).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Id {
    pub value: String,
    pub scheme: Option<String>,
}

/// A decimal as written, and its value when it is a number.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Amount {
    pub raw: String,
    pub value: Option<Decimal>,
    /// The currency attribute where the syntax has one (UBL `currencyID`).
    pub currency: Option<String>,
}

impl Amount {
    pub fn parse(raw: &str, currency: Option<String>) -> Self {
        let t = raw.trim();
        Self {
            raw: t.to_string(),
            value: parse_decimal(t),
            currency,
        }
    }
}

/// An XML Schema decimal (`-12.50`, `+3`, `.5`); no exponent, no grouping.
pub fn parse_decimal(t: &str) -> Option<Decimal> {
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    let ok = !body.is_empty()
        && body.chars().all(|c| c.is_ascii_digit() || c == '.')
        && body.matches('.').count() <= 1
        && body != ".";
    if !ok {
        return None;
    }
    let normalized = if body.starts_with('.') {
        format!("{}0{body}", if t.starts_with('-') { "-" } else { "" })
    } else {
        t.trim_start_matches('+').to_string()
    };
    normalized.parse().ok()
}

/// BG-5 / BG-8 / BG-12 / BG-15: a postal address.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Address {
    /// BT-35 / BT-50 / BT-64 / BT-75
    pub line1: Option<String>,
    /// BT-36 / BT-51 / BT-65 / BT-76
    pub line2: Option<String>,
    /// BT-162 / BT-163 / BT-164 / BT-165
    pub line3: Option<String>,
    /// BT-37 / BT-52 / BT-66 / BT-77
    pub city: Option<String>,
    /// BT-38 / BT-53 / BT-67 / BT-78
    pub postcode: Option<String>,
    /// BT-39 / BT-54 / BT-68 / BT-79
    pub subdivision: Option<String>,
    /// BT-40 / BT-55 / BT-69 / BT-80
    pub country: Option<String>,
}

/// BG-6 / BG-9: a contact.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Contact {
    /// BT-41 / BT-56
    pub name: Option<String>,
    /// BT-42 / BT-57
    pub phone: Option<String>,
    /// BT-43 / BT-58
    pub email: Option<String>,
}

/// BG-4 seller / BG-7 buyer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Party {
    /// BT-27 / BT-44
    pub name: Option<String>,
    /// BT-28 / BT-45
    pub trading_name: Option<String>,
    /// BT-29 / BT-46 (with scheme BT-29-1 / BT-46-1); the seller may have several.
    pub identifiers: Vec<Id>,
    /// BT-30 / BT-47 (with scheme)
    pub legal_registration: Option<Id>,
    /// BT-31 / BT-48
    pub vat_id: Option<String>,
    /// BT-32 (seller only): tax registration (Steuernummer)
    pub tax_registration: Option<String>,
    /// BT-33 (seller only): additional legal information
    pub legal_info: Option<String>,
    /// BT-34 / BT-49 (with scheme BT-34-1 / BT-49-1)
    pub electronic_address: Option<Id>,
    /// BG-5 / BG-8
    pub address: Option<Address>,
    /// BG-6 / BG-9
    pub contact: Option<Contact>,
}

/// BG-10: the payee, when not the seller.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Payee {
    /// BT-59
    pub name: Option<String>,
    /// BT-60
    pub identifier: Option<Id>,
    /// BT-61
    pub legal_registration: Option<Id>,
}

/// BG-11: the seller's tax representative.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TaxRepresentative {
    /// BT-62
    pub name: Option<String>,
    /// BT-63
    pub vat_id: Option<String>,
    /// BG-12
    pub address: Option<Address>,
}

/// BG-14 / BG-26: a period.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Period {
    /// BT-73 / BT-134
    pub start: Option<String>,
    /// BT-74 / BT-135
    pub end: Option<String>,
}

/// BG-13: delivery information.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Delivery {
    /// BT-70
    pub party_name: Option<String>,
    /// BT-71 (with scheme)
    pub location: Option<Id>,
    /// BT-72
    pub date: Option<String>,
    /// BG-15
    pub address: Option<Address>,
}

/// BG-17: credit transfer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreditTransfer {
    /// BT-84 (IBAN or other account id)
    pub account: Option<String>,
    /// BT-85
    pub account_name: Option<String>,
    /// BT-86 (BIC)
    pub provider: Option<String>,
}

/// BG-16: payment instructions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Payment {
    /// BT-81
    pub means_code: Option<String>,
    /// BT-82
    pub means_text: Option<String>,
    /// BT-83
    pub remittance: Option<String>,
    /// BG-17
    pub credit_transfers: Vec<CreditTransfer>,
    /// BG-18: BT-87 (card number, last digits), BT-88 (holder)
    pub card: Option<(String, Option<String>)>,
    /// BG-19: BT-89 mandate reference
    pub mandate: Option<String>,
    /// BT-90: creditor identifier
    pub creditor_id: Option<String>,
    /// BT-91: debited account
    pub debited_account: Option<String>,
}

/// BG-20 / BG-21 (document) and BG-27 / BG-28 (line): an allowance or charge.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllowanceCharge {
    /// true: charge; false: allowance
    pub charge: bool,
    /// BT-92 / BT-99 / BT-136 / BT-141
    pub amount: Option<Amount>,
    /// BT-93 / BT-100 / BT-137 / BT-142
    pub base: Option<Amount>,
    /// BT-94 / BT-101 / BT-138 / BT-143
    pub percent: Option<Amount>,
    /// BT-95 / BT-102 (document level only)
    pub vat_category: Option<String>,
    /// BT-96 / BT-103 (document level only)
    pub vat_rate: Option<Amount>,
    /// BT-97 / BT-104 / BT-139 / BT-144
    pub reason: Option<String>,
    /// BT-98 / BT-105 / BT-140 / BT-145
    pub reason_code: Option<String>,
}

/// BG-22: document totals.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// BT-106
    pub line_net: Option<Amount>,
    /// BT-107
    pub allowances: Option<Amount>,
    /// BT-108
    pub charges: Option<Amount>,
    /// BT-109
    pub without_vat: Option<Amount>,
    /// BT-110 (in the invoice currency)
    pub vat: Option<Amount>,
    /// BT-111 (in the accounting currency BT-6)
    pub vat_accounting: Option<Amount>,
    /// BT-112
    pub with_vat: Option<Amount>,
    /// BT-113
    pub prepaid: Option<Amount>,
    /// BT-114
    pub rounding: Option<Amount>,
    /// BT-115
    pub payable: Option<Amount>,
}

/// BG-23: one VAT breakdown line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VatBreakdown {
    /// BT-116
    pub taxable: Option<Amount>,
    /// BT-117
    pub tax: Option<Amount>,
    /// BT-118
    pub category: Option<String>,
    /// BT-119
    pub rate: Option<Amount>,
    /// BT-120
    pub exemption_reason: Option<String>,
    /// BT-121
    pub exemption_code: Option<String>,
}

/// BG-24: an additional supporting document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SupportingDocument {
    /// BT-122
    pub id: Option<String>,
    /// BT-123
    pub description: Option<String>,
    /// BT-124
    pub uri: Option<String>,
    /// BT-125 with mime code and file name; base64 as written.
    pub attachment: Option<Attachment>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attachment {
    pub mime: Option<String>,
    pub filename: Option<String>,
    pub base64: String,
}

/// BG-29: price details.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Price {
    /// BT-146
    pub net: Option<Amount>,
    /// BT-147
    pub discount: Option<Amount>,
    /// BT-148
    pub gross: Option<Amount>,
    /// BT-149
    pub base_quantity: Option<Amount>,
    /// BT-150
    pub base_unit: Option<String>,
}

/// BG-31: item information.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Item {
    /// BT-153
    pub name: Option<String>,
    /// BT-154
    pub description: Option<String>,
    /// BT-155
    pub seller_id: Option<String>,
    /// BT-156
    pub buyer_id: Option<String>,
    /// BT-157 (with scheme)
    pub standard_id: Option<Id>,
    /// BT-158 (with scheme BT-158-1 and version BT-158-2)
    pub classifications: Vec<(Id, Option<String>)>,
    /// BT-159
    pub origin_country: Option<String>,
    /// BG-32: BT-160 name, BT-161 value
    pub attributes: Vec<(String, String)>,
}

/// BG-25: an invoice line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Line {
    /// BT-126
    pub id: Option<String>,
    /// BT-127
    pub note: Option<String>,
    /// BT-128 (with scheme)
    pub object_id: Option<Id>,
    /// BT-129
    pub quantity: Option<Amount>,
    /// BT-130
    pub unit: Option<String>,
    /// BT-131
    pub net_amount: Option<Amount>,
    /// BT-132
    pub order_line_ref: Option<String>,
    /// BT-133
    pub accounting_ref: Option<String>,
    /// BG-26
    pub period: Option<Period>,
    /// BG-27 / BG-28
    pub allowances_charges: Vec<AllowanceCharge>,
    /// BG-29
    pub price: Price,
    /// BT-151
    pub vat_category: Option<String>,
    /// BT-152
    pub vat_rate: Option<Amount>,
    /// BG-31, BG-32
    pub item: Item,
}

/// BG-DEX-09 (XRechnung extension): a payment by a third party.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ThirdPartyPayment {
    /// BT-DEX-001: type of the third-party payment
    pub kind: Option<String>,
    /// BT-DEX-002: amount
    pub amount: Option<Amount>,
    /// BT-DEX-003: description
    pub description: Option<String>,
}

/// BG-1: a note.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Note {
    /// BT-21
    pub subject: Option<String>,
    /// BT-22
    pub text: String,
}

/// BG-3: a preceding invoice.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PrecedingInvoice {
    /// BT-25
    pub number: Option<String>,
    /// BT-26
    pub date: Option<String>,
}

/// An EN 16931 invoice or credit note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invoice {
    pub syntax: Syntax,
    /// BT-24: specification identifier (CustomizationID / guideline)
    pub specification: Option<String>,
    /// BT-23: business process (ProfileID / business process context)
    pub process: Option<String>,
    /// BT-1
    pub number: Option<String>,
    /// BT-2 (ISO date `YYYY-MM-DD`; CII's `102` format is converted)
    pub issue_date: Option<String>,
    /// BT-3
    pub type_code: Option<String>,
    /// BT-5
    pub currency: Option<String>,
    /// BT-6
    pub tax_currency: Option<String>,
    /// BT-7
    pub tax_point_date: Option<String>,
    /// BT-8
    pub tax_point_code: Option<String>,
    /// BT-9
    pub due_date: Option<String>,
    /// BT-10
    pub buyer_reference: Option<String>,
    /// BT-11
    pub project_reference: Option<String>,
    /// BT-12
    pub contract_reference: Option<String>,
    /// BT-13
    pub purchase_order_reference: Option<String>,
    /// BT-14
    pub sales_order_reference: Option<String>,
    /// BT-15
    pub receiving_advice_reference: Option<String>,
    /// BT-16
    pub despatch_advice_reference: Option<String>,
    /// BT-17
    pub tender_reference: Option<String>,
    /// BT-18 (with scheme)
    pub invoiced_object: Option<Id>,
    /// BT-19
    pub buyer_accounting_reference: Option<String>,
    /// BT-20
    pub payment_terms: Option<String>,
    /// BG-1
    pub notes: Vec<Note>,
    /// BG-3
    pub preceding: Vec<PrecedingInvoice>,
    /// BG-4
    pub seller: Party,
    /// BG-7
    pub buyer: Party,
    /// BG-10
    pub payee: Option<Payee>,
    /// BG-11
    pub tax_representative: Option<TaxRepresentative>,
    /// BG-13
    pub delivery: Option<Delivery>,
    /// BG-14
    pub period: Option<Period>,
    /// BG-16
    pub payment: Option<Payment>,
    /// BG-20 / BG-21
    pub allowances_charges: Vec<AllowanceCharge>,
    /// BG-22
    pub totals: Totals,
    /// BG-23
    pub vat_breakdown: Vec<VatBreakdown>,
    /// BG-24
    pub supporting_documents: Vec<SupportingDocument>,
    /// BG-DEX-09 (XRechnung extension, UBL only)
    pub third_party_payments: Vec<ThirdPartyPayment>,
    /// BG-25
    pub lines: Vec<Line>,
}

impl Invoice {
    pub fn empty(syntax: Syntax) -> Self {
        Self {
            syntax,
            specification: None,
            process: None,
            number: None,
            issue_date: None,
            type_code: None,
            currency: None,
            tax_currency: None,
            tax_point_date: None,
            tax_point_code: None,
            due_date: None,
            buyer_reference: None,
            project_reference: None,
            contract_reference: None,
            purchase_order_reference: None,
            sales_order_reference: None,
            receiving_advice_reference: None,
            despatch_advice_reference: None,
            tender_reference: None,
            invoiced_object: None,
            buyer_accounting_reference: None,
            payment_terms: None,
            notes: vec![],
            preceding: vec![],
            seller: Party::default(),
            buyer: Party::default(),
            payee: None,
            tax_representative: None,
            delivery: None,
            period: None,
            payment: None,
            allowances_charges: vec![],
            totals: Totals::default(),
            vat_breakdown: vec![],
            supporting_documents: vec![],
            third_party_payments: vec![],
            lines: vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_decimals_parse_and_others_do_not() {
        assert_eq!(parse_decimal("12.50").map(|d| d.to_string()), Some("12.50".into()));
        assert_eq!(parse_decimal("+3").map(|d| d.to_string()), Some("3".into()));
        assert_eq!(parse_decimal("-.5").map(|d| d.to_string()), Some("-0.5".into()));
        for bad in ["", "1,5", "1e3", "abc", "1.2.3", ".", "-"] {
            assert_eq!(parse_decimal(bad), None, "{bad}");
        }
    }
}
