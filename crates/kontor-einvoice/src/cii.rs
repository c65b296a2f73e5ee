//! Reading UN/CEFACT Cross Industry Invoice D16B (XRechnung CII, ZUGFeRD 2.x,
//! Factur-X) into the model.

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

/// A CII date (`udt:DateTimeString` / `udt:DateString` with format 102) as
/// ISO `YYYY-MM-DD`; other forms are kept as written.
pub fn date(e: &Element, path: &str) -> Option<String> {
    let d = first(e, path)?;
    let v = d.value();
    if d.attr("format").unwrap_or("102") == "102" && v.len() == 8 && v.bytes().all(|b| b.is_ascii_digit()) {
        Some(format!("{}-{}-{}", &v[..4], &v[4..6], &v[6..]))
    } else {
        Some(v.to_string())
    }
}

fn address(e: Option<&Element>) -> Option<Address> {
    let a = e?;
    Some(Address {
        line1: text(a, "ram:LineOne"),
        line2: text(a, "ram:LineTwo"),
        line3: text(a, "ram:LineThree"),
        city: text(a, "ram:CityName"),
        postcode: text(a, "ram:PostcodeCode"),
        subdivision: text(a, "ram:CountrySubDivisionName"),
        country: text(a, "ram:CountryID"),
    })
}

fn party(p: Option<&Element>) -> Party {
    let Some(p) = p else { return Party::default() };
    let mut identifiers: Vec<Id> = all(p, "ram:ID")
        .into_iter()
        .map(|x| Id {
            value: x.value().to_string(),
            scheme: None,
        })
        .collect();
    identifiers.extend(all(p, "ram:GlobalID").into_iter().map(|x| Id {
        value: x.value().to_string(),
        scheme: x.attr("schemeID").map(str::to_string),
    }));
    let mut out = Party {
        name: text(p, "ram:Name"),
        trading_name: text(p, "ram:SpecifiedLegalOrganization/ram:TradingBusinessName"),
        identifiers,
        legal_registration: id(p, "ram:SpecifiedLegalOrganization/ram:ID"),
        legal_info: text(p, "ram:Description"),
        electronic_address: id(p, "ram:URIUniversalCommunication/ram:URIID"),
        address: address(first(p, "ram:PostalTradeAddress")),
        ..Party::default()
    };
    for r in all(p, "ram:SpecifiedTaxRegistration/ram:ID") {
        match r.attr("schemeID") {
            Some("VA") => out.vat_id = out.vat_id.take().or(Some(r.value().to_string())),
            Some("FC") => out.tax_registration = out.tax_registration.take().or(Some(r.value().to_string())),
            _ => {}
        }
    }
    if let Some(c) = first(p, "ram:DefinedTradeContact") {
        out.contact = Some(Contact {
            name: text(c, "ram:PersonName").or_else(|| text(c, "ram:DepartmentName")),
            phone: text(c, "ram:TelephoneUniversalCommunication/ram:CompleteNumber"),
            email: text(c, "ram:EmailURIUniversalCommunication/ram:URIID"),
        });
    }
    out
}

fn allowance_charge(a: &Element) -> AllowanceCharge {
    AllowanceCharge {
        charge: text(a, "ram:ChargeIndicator/udt:Indicator").is_some_and(|v| v == "true"),
        amount: amount(a, "ram:ActualAmount"),
        base: amount(a, "ram:BasisAmount"),
        percent: amount(a, "ram:CalculationPercent"),
        vat_category: text(a, "ram:CategoryTradeTax/ram:CategoryCode"),
        vat_rate: amount(a, "ram:CategoryTradeTax/ram:RateApplicablePercent"),
        reason: text(a, "ram:Reason"),
        reason_code: text(a, "ram:ReasonCode"),
    }
}

fn period(e: Option<&Element>) -> Option<Period> {
    let p = e?;
    Some(Period {
        start: date(p, "ram:StartDateTime/udt:DateTimeString"),
        end: date(p, "ram:EndDateTime/udt:DateTimeString"),
    })
}

fn line(l: &Element) -> Line {
    let product = first(l, "ram:SpecifiedTradeProduct");
    let agreement = first(l, "ram:SpecifiedLineTradeAgreement");
    let settlement = first(l, "ram:SpecifiedLineTradeSettlement");
    let gross = agreement.and_then(|a| first(a, "ram:GrossPriceProductTradePrice"));
    let net = agreement.and_then(|a| first(a, "ram:NetPriceProductTradePrice"));
    Line {
        id: text(l, "ram:AssociatedDocumentLineDocument/ram:LineID"),
        note: text(l, "ram:AssociatedDocumentLineDocument/ram:IncludedNote/ram:Content"),
        object_id: settlement.and_then(|s| {
            all(s, "ram:AdditionalReferencedDocument")
                .into_iter()
                .find(|d| text(d, "ram:TypeCode").as_deref() == Some("130"))
                .map(|d| Id {
                    value: text(d, "ram:IssuerAssignedID").unwrap_or_default(),
                    scheme: text(d, "ram:ReferenceTypeCode"),
                })
        }),
        quantity: first(l, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity").map(|x| Amount::parse(x.value(), None)),
        unit: attr(l, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity", "unitCode"),
        net_amount: settlement.and_then(|s| {
            amount(
                s,
                "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
            )
        }),
        order_line_ref: agreement.and_then(|a| text(a, "ram:BuyerOrderReferencedDocument/ram:LineID")),
        accounting_ref: settlement.and_then(|s| text(s, "ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID")),
        period: settlement.and_then(|s| period(first(s, "ram:BillingSpecifiedPeriod"))),
        allowances_charges: settlement
            .map(|s| {
                all(s, "ram:SpecifiedTradeAllowanceCharge")
                    .into_iter()
                    .map(allowance_charge)
                    .collect()
            })
            .unwrap_or_default(),
        price: Price {
            net: net.and_then(|p| amount(p, "ram:ChargeAmount")),
            discount: gross.and_then(|p| amount(p, "ram:AppliedTradeAllowanceCharge/ram:ActualAmount")),
            gross: gross.and_then(|p| amount(p, "ram:ChargeAmount")),
            base_quantity: net
                .and_then(|p| first(p, "ram:BasisQuantity"))
                .map(|x| Amount::parse(x.value(), None)),
            base_unit: net.and_then(|p| attr(p, "ram:BasisQuantity", "unitCode")),
        },
        vat_category: settlement.and_then(|s| text(s, "ram:ApplicableTradeTax/ram:CategoryCode")),
        vat_rate: settlement.and_then(|s| amount(s, "ram:ApplicableTradeTax/ram:RateApplicablePercent")),
        item: product
            .map(|p| Item {
                name: text(p, "ram:Name"),
                description: text(p, "ram:Description"),
                seller_id: text(p, "ram:SellerAssignedID"),
                buyer_id: text(p, "ram:BuyerAssignedID"),
                standard_id: id(p, "ram:GlobalID"),
                classifications: all(p, "ram:DesignatedProductClassification/ram:ClassCode")
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
                origin_country: text(p, "ram:OriginTradeCountry/ram:ID"),
                attributes: all(p, "ram:ApplicableProductCharacteristic")
                    .into_iter()
                    .map(|c| {
                        (
                            text(c, "ram:Description").unwrap_or_default(),
                            text(c, "ram:Value").unwrap_or_default(),
                        )
                    })
                    .collect(),
            })
            .unwrap_or_default(),
    }
}

/// Reads a CII invoice; `root` must be `rsm:CrossIndustryInvoice`.
pub fn read(root: &Element) -> Invoice {
    let mut inv = Invoice::empty(Syntax::Cii);
    inv.process = text(
        root,
        "rsm:ExchangedDocumentContext/ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID",
    );
    inv.specification = text(
        root,
        "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
    );
    if let Some(doc) = first(root, "rsm:ExchangedDocument") {
        inv.number = text(doc, "ram:ID");
        inv.type_code = text(doc, "ram:TypeCode");
        inv.issue_date = date(doc, "ram:IssueDateTime/udt:DateTimeString");
        inv.notes = all(doc, "ram:IncludedNote")
            .into_iter()
            .map(|n| Note {
                subject: text(n, "ram:SubjectCode"),
                text: text(n, "ram:Content").unwrap_or_default(),
            })
            .collect();
    }
    let Some(tx) = first(root, "rsm:SupplyChainTradeTransaction") else {
        return inv;
    };
    inv.lines = all(tx, "ram:IncludedSupplyChainTradeLineItem")
        .into_iter()
        .map(line)
        .collect();
    if let Some(a) = first(tx, "ram:ApplicableHeaderTradeAgreement") {
        inv.buyer_reference = text(a, "ram:BuyerReference");
        inv.seller = party(first(a, "ram:SellerTradeParty"));
        inv.buyer = party(first(a, "ram:BuyerTradeParty"));
        inv.tax_representative = first(a, "ram:SellerTaxRepresentativeTradeParty").map(|p| TaxRepresentative {
            name: text(p, "ram:Name"),
            vat_id: text(p, "ram:SpecifiedTaxRegistration/ram:ID"),
            address: address(first(p, "ram:PostalTradeAddress")),
        });
        inv.sales_order_reference = text(a, "ram:SellerOrderReferencedDocument/ram:IssuerAssignedID");
        inv.purchase_order_reference = text(a, "ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID");
        inv.contract_reference = text(a, "ram:ContractReferencedDocument/ram:IssuerAssignedID");
        inv.project_reference = text(a, "ram:SpecifiedProcuringProject/ram:ID");
        for d in all(a, "ram:AdditionalReferencedDocument") {
            match text(d, "ram:TypeCode").as_deref() {
                Some("130") => {
                    inv.invoiced_object = Some(Id {
                        value: text(d, "ram:IssuerAssignedID").unwrap_or_default(),
                        scheme: text(d, "ram:ReferenceTypeCode"),
                    })
                }
                Some("50") => inv.tender_reference = text(d, "ram:IssuerAssignedID"),
                _ => inv.supporting_documents.push(SupportingDocument {
                    id: text(d, "ram:IssuerAssignedID"),
                    description: text(d, "ram:Name"),
                    uri: text(d, "ram:URIID"),
                    attachment: first(d, "ram:AttachmentBinaryObject").map(|b| Attachment {
                        mime: b.attr("mimeCode").map(str::to_string),
                        filename: b.attr("filename").map(str::to_string),
                        base64: b.value().to_string(),
                    }),
                }),
            }
        }
    }
    if let Some(d) = first(tx, "ram:ApplicableHeaderTradeDelivery") {
        let ship = first(d, "ram:ShipToTradeParty");
        let date = date(
            d,
            "ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime/udt:DateTimeString",
        );
        if ship.is_some() || date.is_some() {
            inv.delivery = Some(Delivery {
                party_name: ship.and_then(|s| text(s, "ram:Name")),
                location: ship.and_then(|s| id(s, "ram:ID").or_else(|| id(s, "ram:GlobalID"))),
                date,
                address: address(ship.and_then(|s| first(s, "ram:PostalTradeAddress"))),
            });
        }
        inv.despatch_advice_reference = text(d, "ram:DespatchAdviceReferencedDocument/ram:IssuerAssignedID");
        inv.receiving_advice_reference = text(d, "ram:ReceivingAdviceReferencedDocument/ram:IssuerAssignedID");
    }
    if let Some(s) = first(tx, "ram:ApplicableHeaderTradeSettlement") {
        inv.currency = text(s, "ram:InvoiceCurrencyCode");
        inv.tax_currency = text(s, "ram:TaxCurrencyCode");
        inv.payee = first(s, "ram:PayeeTradeParty").map(|p| Payee {
            name: text(p, "ram:Name"),
            identifier: id(p, "ram:ID").or_else(|| id(p, "ram:GlobalID")),
            legal_registration: id(p, "ram:SpecifiedLegalOrganization/ram:ID"),
        });
        inv.period = period(first(s, "ram:BillingSpecifiedPeriod"));
        inv.allowances_charges = all(s, "ram:SpecifiedTradeAllowanceCharge")
            .into_iter()
            .map(allowance_charge)
            .collect();
        let taxes = all(s, "ram:ApplicableTradeTax");
        inv.tax_point_date = taxes.iter().find_map(|t| date(t, "ram:TaxPointDate/udt:DateString"));
        inv.tax_point_code = taxes.iter().find_map(|t| text(t, "ram:DueDateTypeCode"));
        inv.vat_breakdown = taxes
            .into_iter()
            .map(|t| VatBreakdown {
                taxable: amount(t, "ram:BasisAmount"),
                tax: amount(t, "ram:CalculatedAmount"),
                category: text(t, "ram:CategoryCode"),
                rate: amount(t, "ram:RateApplicablePercent"),
                exemption_reason: text(t, "ram:ExemptionReason"),
                exemption_code: text(t, "ram:ExemptionReasonCode"),
            })
            .collect();
        let terms = all(s, "ram:SpecifiedTradePaymentTerms");
        // As written: discount lines (BR-DE-18) depend on the line breaks.
        inv.payment_terms = terms
            .iter()
            .find_map(|t| first(t, "ram:Description").map(|d| d.text.to_string()));
        inv.due_date = terms
            .iter()
            .find_map(|t| date(t, "ram:DueDateDateTime/udt:DateTimeString"));
        let means = all(s, "ram:SpecifiedTradeSettlementPaymentMeans");
        let mandate = terms.iter().find_map(|t| text(t, "ram:DirectDebitMandateID"));
        let creditor = text(s, "ram:CreditorReferenceID");
        let remittance = text(s, "ram:PaymentReference");
        if !means.is_empty() || mandate.is_some() || creditor.is_some() || inv.payment_terms.is_some() {
            let m = means.first().copied();
            inv.payment = Some(Payment {
                means_code: m.and_then(|m| text(m, "ram:TypeCode")),
                means_text: m.and_then(|m| text(m, "ram:Information")),
                remittance,
                credit_transfers: means
                    .iter()
                    .filter_map(|m| {
                        let acc = first(m, "ram:PayeePartyCreditorFinancialAccount")?;
                        Some(CreditTransfer {
                            account: text(acc, "ram:IBANID").or_else(|| text(acc, "ram:ProprietaryID")),
                            account_name: text(acc, "ram:AccountName"),
                            provider: text(m, "ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID"),
                        })
                    })
                    .collect(),
                card: m
                    .and_then(|m| first(m, "ram:ApplicableTradeSettlementFinancialCard"))
                    .map(|c| (text(c, "ram:ID").unwrap_or_default(), text(c, "ram:CardholderName"))),
                mandate,
                creditor_id: creditor,
                debited_account: m.and_then(|m| text(m, "ram:PayerPartyDebtorFinancialAccount/ram:IBANID")),
            });
        }
        if let Some(t) = first(s, "ram:SpecifiedTradeSettlementHeaderMonetarySummation") {
            inv.totals.line_net = amount(t, "ram:LineTotalAmount");
            inv.totals.charges = amount(t, "ram:ChargeTotalAmount");
            inv.totals.allowances = amount(t, "ram:AllowanceTotalAmount");
            inv.totals.without_vat = amount(t, "ram:TaxBasisTotalAmount");
            let currency = inv.currency.clone();
            for tt in all(t, "ram:TaxTotalAmount") {
                let a = Amount::parse(tt.value(), tt.attr("currencyID").map(str::to_string));
                if inv.totals.vat.is_none() && (a.currency == currency || a.currency.is_none()) {
                    inv.totals.vat = Some(a);
                } else {
                    inv.totals.vat_accounting = Some(a);
                }
            }
            inv.totals.rounding = amount(t, "ram:RoundingAmount");
            inv.totals.with_vat = amount(t, "ram:GrandTotalAmount");
            inv.totals.prepaid = amount(t, "ram:TotalPrepaidAmount");
            inv.totals.payable = amount(t, "ram:DuePayableAmount");
        }
        inv.preceding = all(s, "ram:InvoiceReferencedDocument")
            .into_iter()
            .map(|r| PrecedingInvoice {
                number: text(r, "ram:IssuerAssignedID"),
                date: date(r, "ram:FormattedIssueDateTime/qdt:DateTimeString"),
            })
            .collect();
        inv.buyer_accounting_reference = text(s, "ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID");
    }
    inv
}
