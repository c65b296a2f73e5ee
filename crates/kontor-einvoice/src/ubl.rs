//! Reading UBL 2.1 `Invoice` and `CreditNote` into the model (the EN 16931
//! UBL binding, as used by XRechnung and Peppol BIS 3).

use crate::model::*;
use crate::path::{all, attr, first, text};
use crate::xml::Element;

fn id(e: &Element, path: &str) -> Option<Id> {
    first(e, path).map(|x| Id {
        value: x.value().to_string(),
        scheme: x.attr("schemeID").map(str::to_string),
    })
}

fn amount(e: &Element, path: &str) -> Option<Amount> {
    first(e, path).map(|x| Amount::parse(x.value(), x.attr("currencyID").map(str::to_string)))
}

fn address(e: Option<&Element>) -> Option<Address> {
    let a = e?;
    Some(Address {
        line1: text(a, "cbc:StreetName"),
        line2: text(a, "cbc:AdditionalStreetName"),
        line3: text(a, "cac:AddressLine/cbc:Line"),
        city: text(a, "cbc:CityName"),
        postcode: text(a, "cbc:PostalZone"),
        subdivision: text(a, "cbc:CountrySubentity"),
        country: text(a, "cac:Country/cbc:IdentificationCode"),
    })
}

fn party(p: Option<&Element>, seller: bool) -> Party {
    let Some(p) = p else { return Party::default() };
    let mut out = Party {
        name: text(p, "cac:PartyLegalEntity/cbc:RegistrationName"),
        trading_name: text(p, "cac:PartyName/cbc:Name"),
        legal_registration: id(p, "cac:PartyLegalEntity/cbc:CompanyID"),
        legal_info: text(p, "cac:PartyLegalEntity/cbc:CompanyLegalForm"),
        electronic_address: id(p, "cbc:EndpointID"),
        address: address(first(p, "cac:PostalAddress")),
        ..Party::default()
    };
    out.identifiers = all(p, "cac:PartyIdentification/cbc:ID")
        .into_iter()
        // The SEPA creditor identifier (BT-90) shares the element.
        .filter(|x| !(seller && x.attr("schemeID") == Some("SEPA")))
        .map(|x| Id {
            value: x.value().to_string(),
            scheme: x.attr("schemeID").map(str::to_string),
        })
        .collect();
    // Identifiers without scheme first, as CII must order them.
    out.identifiers.sort_by_key(|i| i.scheme.is_some());
    for ts in all(p, "cac:PartyTaxScheme") {
        let company = text(ts, "cbc:CompanyID");
        if text(ts, "cac:TaxScheme/cbc:ID").as_deref() == Some("VAT") {
            out.vat_id = out.vat_id.or(company);
        } else {
            out.tax_registration = out.tax_registration.or(company);
        }
    }
    if let Some(c) = first(p, "cac:Contact") {
        out.contact = Some(Contact {
            name: text(c, "cbc:Name"),
            phone: text(c, "cbc:Telephone"),
            email: text(c, "cbc:ElectronicMail"),
        });
    }
    out
}

fn allowance_charge(a: &Element) -> AllowanceCharge {
    AllowanceCharge {
        charge: text(a, "cbc:ChargeIndicator").is_some_and(|v| v == "true"),
        amount: amount(a, "cbc:Amount"),
        base: amount(a, "cbc:BaseAmount"),
        percent: amount(a, "cbc:MultiplierFactorNumeric"),
        vat_category: text(a, "cac:TaxCategory/cbc:ID"),
        vat_rate: amount(a, "cac:TaxCategory/cbc:Percent"),
        reason: text(a, "cbc:AllowanceChargeReason"),
        reason_code: text(a, "cbc:AllowanceChargeReasonCode"),
    }
}

fn period(e: Option<&Element>) -> Option<Period> {
    let p = e?;
    Some(Period {
        start: text(p, "cbc:StartDate"),
        end: text(p, "cbc:EndDate"),
    })
}

fn line(l: &Element, credit: bool) -> Line {
    let qty = if credit {
        "cbc:CreditedQuantity"
    } else {
        "cbc:InvoicedQuantity"
    };
    let item = first(l, "cac:Item");
    let price = first(l, "cac:Price");
    Line {
        id: text(l, "cbc:ID"),
        note: text(l, "cbc:Note"),
        object_id: all(l, "cac:DocumentReference")
            .into_iter()
            .find(|d| text(d, "cbc:DocumentTypeCode").as_deref() == Some("130"))
            .and_then(|d| id(d, "cbc:ID")),
        quantity: first(l, qty).map(|x| Amount::parse(x.value(), None)),
        unit: attr(l, qty, "unitCode"),
        net_amount: amount(l, "cbc:LineExtensionAmount"),
        order_line_ref: text(l, "cac:OrderLineReference/cbc:LineID"),
        accounting_ref: text(l, "cbc:AccountingCost"),
        period: period(first(l, "cac:InvoicePeriod")),
        allowances_charges: all(l, "cac:AllowanceCharge")
            .into_iter()
            .map(allowance_charge)
            .collect(),
        price: Price {
            net: price.and_then(|p| amount(p, "cbc:PriceAmount")),
            discount: price.and_then(|p| amount(p, "cac:AllowanceCharge/cbc:Amount")),
            gross: price.and_then(|p| amount(p, "cac:AllowanceCharge/cbc:BaseAmount")),
            base_quantity: price
                .and_then(|p| first(p, "cbc:BaseQuantity"))
                .map(|x| Amount::parse(x.value(), None)),
            base_unit: price.and_then(|p| attr(p, "cbc:BaseQuantity", "unitCode")),
        },
        vat_category: item.and_then(|i| text(i, "cac:ClassifiedTaxCategory/cbc:ID")),
        vat_rate: item.and_then(|i| amount(i, "cac:ClassifiedTaxCategory/cbc:Percent")),
        item: item
            .map(|i| Item {
                name: text(i, "cbc:Name"),
                description: text(i, "cbc:Description"),
                seller_id: text(i, "cac:SellersItemIdentification/cbc:ID"),
                buyer_id: text(i, "cac:BuyersItemIdentification/cbc:ID"),
                standard_id: id(i, "cac:StandardItemIdentification/cbc:ID"),
                classifications: all(i, "cac:CommodityClassification/cbc:ItemClassificationCode")
                    .into_iter()
                    .map(|c| {
                        (
                            Id {
                                value: c.value().to_string(),
                                scheme: c.attr("listID").map(str::to_string),
                            },
                            c.attr("listVersionID").map(str::to_string),
                        )
                    })
                    .collect(),
                origin_country: text(i, "cac:OriginCountry/cbc:IdentificationCode"),
                attributes: all(i, "cac:AdditionalItemProperty")
                    .into_iter()
                    .map(|p| {
                        (
                            text(p, "cbc:Name").unwrap_or_default(),
                            text(p, "cbc:Value").unwrap_or_default(),
                        )
                    })
                    .collect(),
            })
            .unwrap_or_default(),
    }
}

/// Reads a UBL invoice or credit note; `root` must be one.
pub fn read(root: &Element, syntax: Syntax) -> Invoice {
    let credit = syntax == Syntax::UblCreditNote;
    let mut inv = Invoice::empty(syntax);
    inv.specification = text(root, "cbc:CustomizationID");
    inv.process = text(root, "cbc:ProfileID");
    inv.number = text(root, "cbc:ID");
    inv.issue_date = text(root, "cbc:IssueDate");
    inv.type_code = text(
        root,
        if credit {
            "cbc:CreditNoteTypeCode"
        } else {
            "cbc:InvoiceTypeCode"
        },
    );
    inv.currency = text(root, "cbc:DocumentCurrencyCode");
    inv.tax_currency = text(root, "cbc:TaxCurrencyCode");
    inv.tax_point_date = text(root, "cbc:TaxPointDate");
    inv.tax_point_code = text(root, "cac:InvoicePeriod/cbc:DescriptionCode");
    inv.due_date = if credit {
        text(root, "cac:PaymentMeans/cbc:PaymentDueDate")
    } else {
        text(root, "cbc:DueDate")
    };
    inv.buyer_reference = text(root, "cbc:BuyerReference");
    inv.project_reference = text(root, "cac:ProjectReference/cbc:ID");
    inv.contract_reference = text(root, "cac:ContractDocumentReference/cbc:ID");
    inv.purchase_order_reference = text(root, "cac:OrderReference/cbc:ID");
    inv.sales_order_reference = text(root, "cac:OrderReference/cbc:SalesOrderID");
    inv.receiving_advice_reference = text(root, "cac:ReceiptDocumentReference/cbc:ID");
    inv.despatch_advice_reference = text(root, "cac:DespatchDocumentReference/cbc:ID");
    inv.tender_reference = text(root, "cac:OriginatorDocumentReference/cbc:ID");
    inv.buyer_accounting_reference = text(root, "cbc:AccountingCost");
    // As written: discount lines (BR-DE-18) depend on the line breaks.
    inv.payment_terms = first(root, "cac:PaymentTerms/cbc:Note").map(|n| n.text.to_string());
    inv.third_party_payments = all(root, "cac:PrepaidPayment")
        .into_iter()
        .map(|p| ThirdPartyPayment {
            kind: text(p, "cbc:ID"),
            amount: amount(p, "cbc:PaidAmount"),
            description: text(p, "cbc:InstructionID"),
        })
        .collect();
    inv.notes = all(root, "cbc:Note")
        .into_iter()
        .map(|n| Note {
            subject: None,
            text: n.value().to_string(),
        })
        .collect();
    inv.preceding = all(root, "cac:BillingReference/cac:InvoiceDocumentReference")
        .into_iter()
        .map(|r| PrecedingInvoice {
            number: text(r, "cbc:ID"),
            date: text(r, "cbc:IssueDate"),
        })
        .collect();
    for d in all(root, "cac:AdditionalDocumentReference") {
        if text(d, "cbc:DocumentTypeCode").as_deref() == Some("130") {
            inv.invoiced_object = id(d, "cbc:ID");
            continue;
        }
        inv.supporting_documents.push(SupportingDocument {
            id: text(d, "cbc:ID"),
            description: text(d, "cbc:DocumentDescription"),
            uri: text(d, "cac:Attachment/cac:ExternalReference/cbc:URI"),
            attachment: first(d, "cac:Attachment/cbc:EmbeddedDocumentBinaryObject").map(|b| Attachment {
                mime: b.attr("mimeCode").map(str::to_string),
                filename: b.attr("filename").map(str::to_string),
                base64: b.value().to_string(),
            }),
        });
    }
    let seller = first(root, "cac:AccountingSupplierParty/cac:Party");
    inv.seller = party(seller, true);
    inv.buyer = party(first(root, "cac:AccountingCustomerParty/cac:Party"), false);
    inv.payee = first(root, "cac:PayeeParty").map(|p| Payee {
        name: text(p, "cac:PartyName/cbc:Name"),
        identifier: all(p, "cac:PartyIdentification/cbc:ID")
            .into_iter()
            .find(|x| x.attr("schemeID") != Some("SEPA"))
            .map(|x| Id {
                value: x.value().to_string(),
                scheme: x.attr("schemeID").map(str::to_string),
            }),
        legal_registration: id(p, "cac:PartyLegalEntity/cbc:CompanyID"),
    });
    inv.tax_representative = first(root, "cac:TaxRepresentativeParty").map(|p| TaxRepresentative {
        name: text(p, "cac:PartyName/cbc:Name"),
        vat_id: text(p, "cac:PartyTaxScheme/cbc:CompanyID"),
        address: address(first(p, "cac:PostalAddress")),
    });
    inv.delivery = first(root, "cac:Delivery").map(|d| Delivery {
        party_name: text(d, "cac:DeliveryParty/cac:PartyName/cbc:Name"),
        location: id(d, "cac:DeliveryLocation/cbc:ID"),
        date: text(d, "cbc:ActualDeliveryDate"),
        address: address(first(d, "cac:DeliveryLocation/cac:Address")),
    });
    inv.period = period(first(root, "cac:InvoicePeriod"));
    let means = all(root, "cac:PaymentMeans");
    if !means.is_empty() || first(root, "cac:PaymentTerms").is_some() {
        let m = means.first().copied();
        let creditor = [seller, first(root, "cac:PayeeParty")]
            .into_iter()
            .flatten()
            .flat_map(|p| all(p, "cac:PartyIdentification/cbc:ID"))
            .find(|x| x.attr("schemeID") == Some("SEPA"))
            .map(|x| x.value().to_string());
        inv.payment = Some(Payment {
            means_code: m.and_then(|m| text(m, "cbc:PaymentMeansCode")),
            means_text: m.and_then(|m| attr(m, "cbc:PaymentMeansCode", "name")),
            remittance: m.and_then(|m| text(m, "cbc:PaymentID")),
            credit_transfers: means
                .iter()
                .flat_map(|m| all(m, "cac:PayeeFinancialAccount"))
                .map(|a| CreditTransfer {
                    account: text(a, "cbc:ID"),
                    account_name: text(a, "cbc:Name"),
                    provider: text(a, "cac:FinancialInstitutionBranch/cbc:ID"),
                })
                .collect(),
            card: m.and_then(|m| first(m, "cac:CardAccount")).map(|c| {
                (
                    text(c, "cbc:PrimaryAccountNumberID").unwrap_or_default(),
                    text(c, "cbc:HolderName"),
                )
            }),
            mandate: m.and_then(|m| text(m, "cac:PaymentMandate/cbc:ID")),
            creditor_id: creditor,
            debited_account: m.and_then(|m| text(m, "cac:PaymentMandate/cac:PayerFinancialAccount/cbc:ID")),
        });
    }
    inv.allowances_charges = all(root, "cac:AllowanceCharge")
        .into_iter()
        .map(allowance_charge)
        .collect();
    let currency = inv.currency.clone();
    for tt in all(root, "cac:TaxTotal") {
        let tax = amount(tt, "cbc:TaxAmount");
        // BT-110 is the tax total in the invoice currency (with the breakdown);
        // a second one in the accounting currency is BT-111.
        let in_doc_currency = tax.as_ref().and_then(|t| t.currency.clone()) == currency
            || (currency.is_none() && !all(tt, "cac:TaxSubtotal").is_empty());
        if in_doc_currency && inv.totals.vat.is_none() {
            inv.totals.vat = tax;
            inv.vat_breakdown = all(tt, "cac:TaxSubtotal")
                .into_iter()
                .map(|s| VatBreakdown {
                    taxable: amount(s, "cbc:TaxableAmount"),
                    tax: amount(s, "cbc:TaxAmount"),
                    category: text(s, "cac:TaxCategory/cbc:ID"),
                    rate: amount(s, "cac:TaxCategory/cbc:Percent"),
                    exemption_reason: text(s, "cac:TaxCategory/cbc:TaxExemptionReason"),
                    exemption_code: text(s, "cac:TaxCategory/cbc:TaxExemptionReasonCode"),
                })
                .collect();
        } else {
            inv.totals.vat_accounting = tax;
        }
    }
    if let Some(t) = first(root, "cac:LegalMonetaryTotal") {
        inv.totals.line_net = amount(t, "cbc:LineExtensionAmount");
        inv.totals.without_vat = amount(t, "cbc:TaxExclusiveAmount");
        inv.totals.with_vat = amount(t, "cbc:TaxInclusiveAmount");
        inv.totals.allowances = amount(t, "cbc:AllowanceTotalAmount");
        inv.totals.charges = amount(t, "cbc:ChargeTotalAmount");
        inv.totals.prepaid = amount(t, "cbc:PrepaidAmount");
        inv.totals.rounding = amount(t, "cbc:PayableRoundingAmount");
        inv.totals.payable = amount(t, "cbc:PayableAmount");
    }
    let line_path = if credit {
        "cac:CreditNoteLine"
    } else {
        "cac:InvoiceLine"
    };
    inv.lines = all(root, line_path).into_iter().map(|l| line(l, credit)).collect();
    inv
}
