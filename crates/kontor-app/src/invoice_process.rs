//! The incoming-invoice process: what its automatic steps do. A document
//! recognised as an invoice starts it; validation (e-invoice rules, or the
//! fields a PDF or scan must show), supplier match, duplicate check and
//! booking proposal run as automatic steps at their levels; approval is a
//! human task (or kontor's, under an auto-approval rule a person set);
//! posting books the invoice on the supplier's creditor account with the
//! document linked, where it is an open item for payment.

use std::collections::BTreeMap;

use kontor_core::{PartnerDraft, PartnerId, PartnerInput, PartnerKind};
use kontor_ledger::account::{AccountNo, Chart, ChartKind};
use kontor_ledger::date::Date;
use kontor_ledger::entry::{Entry, Posting};
use kontor_ledger::money::Cents;
use kontor_ledger::tax::TaxCode;
use kontor_workflow::{AutomationLevel, ProcessDef, StepDef};

use crate::actor::Actor;
use crate::app::App;
use crate::error::AppResult;
use crate::pipeline::decimal_cents;
use crate::ports::{BlobRef, Tx};
use crate::records::{
    BookingProposal, CompanyRecord, DocumentRecord, IncomingInvoiceRecord, InstanceData, InstanceRecord, InvoiceData,
    PartnerRecord, TaskRecord,
};
use crate::workflow::{conflict, StepError, StepResult, TaskDecision};

pub const PROCESS_INCOMING_INVOICE: &str = "incoming_invoice";

/// Invoice states.
pub mod invoice_state {
    pub const RECEIVED: &str = "received";
    pub const INVALID: &str = "invalid";
    pub const DUPLICATE: &str = "duplicate";
    pub const POSTED: &str = "posted";
}

/// `1.234,56 €`
pub(crate) fn money(c: i64) -> String {
    let sign = if c < 0 { "-" } else { "" };
    let c = c.unsigned_abs();
    let euros = (c / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in euros.chars().enumerate() {
        if i > 0 && (euros.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped},{:02} €", c % 100)
}

fn retry<E: std::fmt::Display>(e: E) -> StepError {
    StepError::Retry(e.to_string())
}

/// The default expense account of a chart (Betriebsbedarf).
fn default_expense(kind: ChartKind) -> u32 {
    match kind {
        ChartKind::Skr03 => 4980,
        ChartKind::Skr04 => 6850,
    }
}

/// The tax code for a VAT rate and category of an invoice line group.
fn tax_code_for(rate_percent: i64, category: Option<&str>) -> Option<Option<TaxCode>> {
    match (category, rate_percent) {
        (Some("AE"), 19) | (Some("AE"), 0) => Some(Some(TaxCode::Rc13b19)),
        (Some("K"), 19) | (Some("K"), 0) => Some(Some(TaxCode::Ige19)),
        (Some("K"), 7) => Some(Some(TaxCode::Ige7)),
        (_, 19) => Some(Some(TaxCode::VSt19)),
        (_, 7) => Some(Some(TaxCode::VSt7)),
        (_, 0) => Some(None),
        _ => None,
    }
}

impl App {
    /// Starts the incoming-invoice process for a processed document (in the
    /// pipeline's transaction); the uploader counts as its submitter.
    pub(crate) async fn start_invoice_process(
        &self,
        tx: &mut Box<dyn Tx>,
        doc: &DocumentRecord,
    ) -> AppResult<Option<String>> {
        let data = InstanceData {
            amount_cents: doc.amount_cents,
            involved: vec![doc.created_by.clone()],
            values: BTreeMap::from([(
                "title".to_string(),
                format!(
                    "{} {}",
                    doc.correspondent.clone().unwrap_or_else(|| doc.name.clone()),
                    doc.invoice_number.clone().unwrap_or_default()
                )
                .trim()
                .to_string(),
            )]),
            ..InstanceData::default()
        };
        // No job: the pipeline runs the first stretch in its own transaction
        // or right after it commits (`drive_started`), and again if its job
        // is repeated.
        self.start_process(
            tx,
            doc.company_id,
            PROCESS_INCOMING_INVOICE,
            &doc.id,
            data,
            "system:documents",
            false,
        )
        .await
    }

    /// The expensive part of the next step, done before the write
    /// transaction (SQLite has one writer: parsing an XML while holding it
    /// would stall every other writer).
    pub(crate) async fn prepare_step(&self, company: kontor_core::CompanyId, instance: &str) -> Option<Prepared> {
        let mut tx = self.store().begin_read().await.ok()?;
        let inst = tx.instance(company, instance).await.ok()??;
        if inst.process_key != PROCESS_INCOMING_INVOICE || inst.step != "validate" {
            return None;
        }
        let doc = tx.document(company, &inst.subject).await.ok()??;
        drop(tx);
        doc.einvoice.as_ref()?;
        let blob = BlobRef::parse(&doc.blob)?;
        let bytes = self.blobs().get(&blob).await.ok()?;
        Some(einvoice_facts(&bytes))
    }

    /// Runs one automatic step of a process.
    pub(crate) async fn automatic_step(
        &self,
        tx: &mut Box<dyn Tx>,
        inst: &mut InstanceRecord,
        step: &StepDef,
        _level: AutomationLevel,
        ctx: &mut StretchCtx,
    ) -> Result<StepResult, StepError> {
        match (inst.process_key.as_str(), step.key.as_str()) {
            (PROCESS_INCOMING_INVOICE, "validate") => self.step_validate(tx, inst, ctx).await,
            (PROCESS_INCOMING_INVOICE, "match_supplier") => self.step_match_supplier(tx, inst, ctx).await,
            (PROCESS_INCOMING_INVOICE, "duplicate_check") => self.step_duplicate_check(tx, inst, ctx).await,
            (PROCESS_INCOMING_INVOICE, "propose_booking") => self.step_propose_booking(tx, inst, ctx).await,
            (PROCESS_INCOMING_INVOICE, "post") => self.step_post(tx, inst, ctx).await,
            (crate::banking::PROCESS_PAYMENT_RUN | crate::banking::PROCESS_BANK_STATEMENT, _) => {
                self.banking_step(tx, inst, step, _level).await
            }
            (p, s) => Err(StepError::Incident(format!(
                "this kontor version has no automatic step '{s}' in process '{p}'"
            ))),
        }
    }

    async fn invoice_of(
        &self,
        tx: &mut Box<dyn Tx>,
        inst: &InstanceRecord,
        ctx: &mut StretchCtx,
    ) -> Result<IncomingInvoiceRecord, StepError> {
        if let Some(i) = ctx.invoice.as_ref().filter(|i| i.document_id == inst.subject) {
            return Ok(i.clone());
        }
        let i = tx
            .invoice_by_document(inst.company_id, &inst.subject)
            .await?
            .ok_or_else(|| StepError::Incident(format!("no invoice record for document {}", inst.subject)))?;
        ctx.invoice = Some(i.clone());
        Ok(i)
    }

    async fn step_validate(
        &self,
        tx: &mut Box<dyn Tx>,
        inst: &mut InstanceRecord,
        ctx: &mut StretchCtx,
    ) -> Result<StepResult, StepError> {
        let doc = tx
            .document(inst.company_id, &inst.subject)
            .await?
            .ok_or_else(|| StepError::Incident(format!("document {} is gone", inst.subject)))?;
        let now = self.now();
        let mut data = InvoiceData {
            einvoice: doc.einvoice.clone(),
            currency: doc.currency.clone(),
            iban: doc.iban.clone(),
            vat_id: doc.vat_id.clone(),
            seller_name: doc.correspondent.clone(),
            ..InvoiceData::default()
        };
        let mut number = doc.invoice_number.clone();
        let mut issue_date = doc.doc_date.clone();
        let mut gross = doc.amount_cents;
        let mut findings: Vec<String> = Vec::new();
        let mut seller_email = None;
        if doc.einvoice.is_some() {
            let facts = match ctx.prepared.take() {
                Some(p) => p,
                None => {
                    let blob = BlobRef::parse(&doc.blob)
                        .ok_or_else(|| StepError::Incident(format!("malformed content reference {}", doc.blob)))?;
                    einvoice_facts(&self.blobs().get(&blob).await.map_err(retry)?)
                }
            };
            findings.extend(facts.findings);
            if let Some(inv) = facts.invoice {
                number = inv.number.clone().or(number);
                issue_date = inv.issue_date.clone().or(issue_date);
                data.due_date = inv.due_date.clone();
                if let (Some(terms), Some(date)) = (inv.payment_terms.as_deref(), inv.issue_date.as_deref()) {
                    data.skonto = kontor_banking::matching::skonto_terms(terms, date);
                }
                data.seller_name = inv.seller.name.clone().or(data.seller_name);
                data.vat_id = inv.seller.vat_id.clone().or(data.vat_id);
                data.currency = inv.currency.clone().or(data.currency);
                seller_email = inv.seller.contact.as_ref().and_then(|c| c.email.clone());
                let payable = inv
                    .totals
                    .payable
                    .as_ref()
                    .or(inv.totals.with_vat.as_ref())
                    .and_then(|a| decimal_cents(&a.raw));
                gross = payable.or(gross);
                for b in &inv.vat_breakdown {
                    let taxable = b.taxable.as_ref().and_then(|a| decimal_cents(&a.raw)).unwrap_or(0);
                    let tax = b.tax.as_ref().and_then(|a| decimal_cents(&a.raw)).unwrap_or(0);
                    let rate = b.rate.as_ref().and_then(|a| decimal_cents(&a.raw)).unwrap_or(0) / 100;
                    let code = tax_code_for(rate, b.category.as_deref());
                    // Reverse charge: the supplier gets the net amount.
                    let amount = match code {
                        Some(Some(c)) if c.reverse_charge() || matches!(c, TaxCode::Ige19 | TaxCode::Ige7) => taxable,
                        _ => taxable + tax,
                    };
                    data.vat_split.push((rate, amount));
                }
                if data.iban.is_none() {
                    data.iban = inv
                        .payment
                        .as_ref()
                        .and_then(|p| p.credit_transfers.iter().find_map(|t| t.account.clone()))
                        .map(|a| a.split_whitespace().collect::<String>().to_uppercase());
                }
                if inv
                    .type_code
                    .as_deref()
                    .is_some_and(|t| matches!(t, "381" | "396" | "532"))
                {
                    findings.push("Gutschrift: wird nicht als Eingangsrechnung gebucht".into());
                }
            }
        } else {
            if number.is_none() {
                findings.push("Rechnungsnummer fehlt (§ 14 Abs. 4 Nr. 4 UStG)".into());
            }
            if issue_date.is_none() {
                findings.push("Rechnungsdatum fehlt (§ 14 Abs. 4 Nr. 3 UStG)".into());
            }
            if gross.is_none() {
                findings.push("Rechnungsbetrag nicht erkannt".into());
            }
            if data.seller_name.is_none() {
                findings.push("Absender nicht erkannt".into());
            }
            if let Some(g) = gross {
                // A PDF or scan: kontor assumes the standard rate until a person corrects it.
                data.vat_split.push((19, g));
            }
        }
        if data.currency.as_deref().is_some_and(|c| c != "EUR") {
            findings.push(format!(
                "Währung {} wird noch nicht gebucht (nur EUR)",
                data.currency.clone().unwrap_or_default()
            ));
        }
        if data.vat_split.is_empty() {
            if let Some(g) = gross {
                data.vat_split.push((19, g));
            }
        }
        if data.vat_split.iter().any(|(r, _)| !matches!(r, 0 | 7 | 19)) {
            findings.push("Steuersatz weder 19 %, 7 % noch 0 %".into());
        }
        data.findings = findings.clone();
        let valid = findings.is_empty();
        let existing = tx.invoice_by_document(inst.company_id, &doc.id).await?;
        let mut inv = existing.unwrap_or_else(|| IncomingInvoiceRecord {
            id: self.ids().new_uuid().to_string(),
            company_id: inst.company_id,
            document_id: doc.id.clone(),
            partner_id: None,
            number: None,
            issue_date: None,
            gross_cents: None,
            state: invoice_state::RECEIVED.into(),
            data: InvoiceData::default(),
            created_at: now,
            updated_at: now,
        });
        let was_new = inv.created_at == now && inv.data == InvoiceData::default();
        inv.partner_id = inv.partner_id.clone().or(doc.partner_id.clone());
        inv.number = number.clone();
        inv.issue_date = issue_date.clone();
        inv.gross_cents = gross;
        inv.state = if valid {
            invoice_state::RECEIVED.into()
        } else {
            invoice_state::INVALID.into()
        };
        data.booking = inv.data.booking.clone();
        inv.data = data;
        inv.updated_at = now;
        if was_new {
            tx.insert_invoice(&inv).await.map_err(|e| match e {
                crate::ports::StoreError::Duplicate(_) => StepError::Retry("invoice record raced".into()),
                e => retry(e),
            })?;
        } else {
            tx.update_invoice(&inv).await?;
            ctx.invoice = Some(inv.clone());
        }
        let title = format!(
            "{} {} {}",
            inv.data.seller_name.clone().unwrap_or_else(|| doc.name.clone()),
            number.clone().unwrap_or_default(),
            gross.map(money).unwrap_or_default()
        )
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
        let mut values = BTreeMap::from([("invoice_id".to_string(), inv.id.clone()), ("title".to_string(), title)]);
        if let Some(p) = &inv.partner_id {
            values.insert("partner_id".into(), p.clone());
        }
        if !valid {
            let (subject, body) = clarification_reply(&inv);
            values.insert("reply_to".into(), seller_email.unwrap_or_default());
            values.insert("reply_subject".into(), subject);
            values.insert("reply_body".into(), body);
        }
        Ok(StepResult {
            outcome: Some(if valid { "valid" } else { "invalid" }.into()),
            confidence: 100,
            amount_cents: gross,
            values,
            detail: if valid { "valid".into() } else { findings.join("; ") },
            ..StepResult::default()
        })
    }

    async fn step_match_supplier(
        &self,
        tx: &mut Box<dyn Tx>,
        inst: &mut InstanceRecord,
        ctx: &mut StretchCtx,
    ) -> Result<StepResult, StepError> {
        let mut inv = self.invoice_of(tx, inst, ctx).await?;
        let partners = tx.list_partners(inst.company_id, None, 10_000).await?;
        let suppliers = partners.iter().filter(|p| p.data.kind != PartnerKind::Customer);
        let norm = |s: &str| s.split_whitespace().collect::<String>().to_uppercase();
        let mut best: Option<(&PartnerRecord, u8, &str)> = None;
        for p in suppliers {
            let by_vat = inv.data.vat_id.as_deref().is_some_and(|v| {
                p.data
                    .vat_id
                    .as_ref()
                    .is_some_and(|pv| norm(&pv.to_string()) == norm(v))
            });
            let by_iban = inv
                .data
                .iban
                .as_deref()
                .is_some_and(|i| p.data.iban.as_ref().is_some_and(|pi| norm(&pi.to_string()) == norm(i)));
            let by_name = inv
                .data
                .seller_name
                .as_deref()
                .is_some_and(|n| n.trim().to_lowercase() == p.data.name.trim().to_lowercase());
            let hit = if by_vat {
                Some((97, "vat_id"))
            } else if by_iban {
                Some((95, "iban"))
            } else if by_name {
                Some((80, "name"))
            } else if inv.partner_id.as_deref() == Some(p.id.to_string().as_str()) {
                Some((85, "document"))
            } else {
                None
            };
            if let Some((c, how)) = hit {
                if best.is_none_or(|(_, bc, _)| c > bc) {
                    best = Some((p, c, how));
                }
            }
        }
        let mut values = BTreeMap::new();
        let proposal;
        let (confidence, detail) = match best {
            Some((p, c, how)) => {
                inv.partner_id = Some(p.id.to_string());
                values.insert("partner_id".to_string(), p.id.to_string());
                proposal = serde_json::json!({
                    "partner_id": p.id.to_string(),
                    "partner_name": p.data.name,
                    "matched_by": how,
                    "confidence": c,
                });
                (c, format!("{} by {how}", p.data.name))
            }
            None => {
                inv.partner_id = None;
                proposal = serde_json::json!({
                    "create": {
                        "name": inv.data.seller_name,
                        "vat_id": inv.data.vat_id,
                        "iban": inv.data.iban,
                    }
                });
                (0, "no supplier found".to_string())
            }
        };
        inv.updated_at = self.now();
        tx.update_invoice(&inv).await?;
        ctx.invoice = Some(inv.clone());
        Ok(StepResult {
            outcome: Some(if best.is_some() { "matched" } else { "unknown" }.into()),
            confidence,
            values,
            proposal,
            detail,
            ..StepResult::default()
        })
    }

    async fn step_duplicate_check(
        &self,
        tx: &mut Box<dyn Tx>,
        inst: &mut InstanceRecord,
        ctx: &mut StretchCtx,
    ) -> Result<StepResult, StepError> {
        let mut inv = self.invoice_of(tx, inst, ctx).await?;
        let dups = tx.invoice_duplicates(inst.company_id, &inv).await?;
        let Some(first) = dups.first() else {
            return Ok(StepResult {
                outcome: Some("unique".into()),
                confidence: 100,
                detail: "no duplicate".into(),
                ..StepResult::default()
            });
        };
        // Same supplier and number: certain. Same amount and date only: a
        // person decides (a second purchase on one day is possible).
        let certain = inv.partner_id.is_some() && first.partner_id == inv.partner_id && first.number == inv.number;
        let detail = format!(
            "{} of invoice {} (document {}, {})",
            if certain { "duplicate" } else { "possible duplicate" },
            first.number.clone().unwrap_or_default(),
            first.document_id,
            first.state
        );
        let proposal = serde_json::json!({
            "duplicate_of": {
                "number": first.number,
                "date": first.issue_date,
                "gross_cents": first.gross_cents,
                "document_id": first.document_id,
            },
            "certain": certain,
        });
        if !certain {
            return Ok(StepResult {
                outcome: Some("possible_duplicate".into()),
                confidence: 50,
                flags: BTreeMap::from([("duplicate".to_string(), true)]),
                proposal,
                detail,
                ..StepResult::default()
            });
        }
        inv.state = invoice_state::DUPLICATE.into();
        inv.data.duplicate_of = Some(first.id.clone());
        inv.updated_at = self.now();
        tx.update_invoice(&inv).await?;
        ctx.invoice = Some(inv.clone());
        self.audit(
            tx,
            &Actor::system("workflow"),
            Some(inst.company_id),
            "invoice.duplicate",
            &inv.document_id,
            detail.clone(),
        )
        .await?;
        Ok(StepResult {
            outcome: Some("duplicate".into()),
            confidence: 100,
            flags: BTreeMap::from([("duplicate".to_string(), true)]),
            proposal,
            detail,
            ..StepResult::default()
        })
    }

    async fn step_propose_booking(
        &self,
        tx: &mut Box<dyn Tx>,
        inst: &mut InstanceRecord,
        ctx: &mut StretchCtx,
    ) -> Result<StepResult, StepError> {
        let mut inv = self.invoice_of(tx, inst, ctx).await?;
        let chart = ChartKind::parse(&tx.company_chart(inst.company_id).await?).unwrap_or(ChartKind::Skr03);
        let dominant = inv
            .data
            .vat_split
            .iter()
            .max_by_key(|(_, a)| a.abs())
            .map_or(19, |(r, _)| *r);
        let tax_code = match dominant {
            19 => "VSt19",
            7 => "VSt7",
            _ => "",
        };
        // What this supplier's earlier invoices were booked to.
        let mut counts: BTreeMap<(u32, Option<String>), u32> = BTreeMap::new();
        let mut seen = 0u32;
        if let Some(p) = &inv.partner_id {
            for earlier in tx.partner_invoices(inst.company_id, p, 20).await? {
                if let Some(b) = earlier.data.booking {
                    *counts.entry((b.account, b.cost_center)).or_default() += 1;
                    seen += 1;
                }
            }
        }
        let booking = match counts.into_iter().max_by_key(|(_, n)| *n) {
            Some(((account, cost_center), n)) => {
                let base = (60 + 8 * n).min(97);
                let confidence = u8::try_from(base * n / seen.max(1)).unwrap_or(0);
                BookingProposal {
                    account,
                    tax_code: tax_code.into(),
                    cost_center,
                    confidence,
                    source: format!("learned:{n}/{seen}"),
                }
            }
            None => BookingProposal {
                account: default_expense(chart),
                tax_code: tax_code.into(),
                cost_center: None,
                confidence: 50,
                source: "default".into(),
            },
        };
        let mut values = BTreeMap::new();
        if let Some(cc) = &booking.cost_center {
            values.insert("cost_center".to_string(), cc.clone());
        }
        let proposal = serde_json::to_value(&booking).unwrap_or_default();
        let detail = format!(
            "account {} {} ({}, {} %)",
            booking.account, booking.tax_code, booking.source, booking.confidence
        );
        let confidence = booking.confidence;
        inv.data.booking = Some(booking);
        inv.updated_at = self.now();
        tx.update_invoice(&inv).await?;
        ctx.invoice = Some(inv.clone());
        Ok(StepResult {
            outcome: Some("proposed".into()),
            confidence,
            values,
            proposal,
            detail,
            ..StepResult::default()
        })
    }

    /// Books the approved invoice: expense and input VAT against the
    /// supplier's creditor account, the document linked. Runs only after
    /// the approval step (the definition puts it there) and in the same
    /// transaction as the step's end, so it happens exactly once.
    async fn step_post(
        &self,
        tx: &mut Box<dyn Tx>,
        inst: &mut InstanceRecord,
        ctx: &mut StretchCtx,
    ) -> Result<StepResult, StepError> {
        let mut inv = self.invoice_of(tx, inst, ctx).await?;
        if let Some(e) = &inv.data.entry_id {
            return Ok(StepResult {
                outcome: Some("posted".into()),
                confidence: 100,
                detail: format!("already posted as {e}"),
                ..StepResult::default()
            });
        }
        let booking = inv
            .data
            .booking
            .clone()
            .ok_or_else(|| StepError::Incident("no booking proposal to post".into()))?;
        let partner_id = inv
            .partner_id
            .clone()
            .ok_or_else(|| StepError::Incident("no supplier assigned".into()))?;
        let company = tx
            .list_companies()
            .await?
            .into_iter()
            .find(|c| c.id == inst.company_id)
            .ok_or_else(|| StepError::Incident("company is gone".into()))?;
        let creditor = self.creditor_account(tx, &company, &partner_id).await?;
        let kind = ChartKind::parse(&tx.company_chart(inst.company_id).await?).unwrap_or(ChartKind::Skr03);
        let chart = Chart::standard(kind);
        let account = AccountNo::from_number(booking.account)
            .filter(|a| chart.account(*a).is_some())
            .ok_or_else(|| StepError::Incident(format!("account {} is not in the chart", booking.account)))?;
        let mut postings: Vec<Posting> = Vec::new();
        for (rate, amount) in &inv.data.vat_split {
            let code = if booking.tax_code.is_empty() {
                tax_code_for(*rate, None).flatten()
            } else {
                match *rate {
                    19 | 7 if booking.tax_code.starts_with("VSt") => tax_code_for(*rate, None).flatten(),
                    _ => TaxCode::parse(&booking.tax_code).filter(|_| *rate != 0),
                }
            };
            match code {
                Some(c) => postings.extend(
                    c.lines(chart, account, Cents(*amount))
                        .map_err(|e| StepError::Incident(e.to_string()))?,
                ),
                None => postings.push(Posting::new(account, Cents(*amount))),
            }
        }
        let total: i64 = postings.iter().map(|p| p.amount.0).sum();
        postings.push(Posting::new(creditor, Cents(-total)));
        postings.retain(|p| !p.amount.is_zero());
        let today = kontor_core::period::date_of(self.now());
        let date = inv
            .issue_date
            .as_deref()
            .and_then(Date::parse)
            .or_else(|| Date::parse(&today))
            .ok_or_else(|| StepError::Incident("no usable invoice date".into()))?;
        let number = inv.number.clone().unwrap_or_default();
        let text: String = format!("{} Rg. {}", inv.data.seller_name.clone().unwrap_or_default(), number)
            .chars()
            .take(60)
            .collect();
        let mut entry =
            Entry::new(postings, date, date, text, number.clone()).map_err(|e| StepError::Incident(e.to_string()))?;
        entry.provenance.document = Some(inv.document_id.clone());
        entry.provenance.source = Some(format!("process:{}:{}", inst.process_key, inst.id));
        entry.tax_code = TaxCode::parse(&booking.tax_code);
        self.check_open(tx, &company, &[&entry]).await?;
        let journal_no = tx.ledger_allocate_numbers(company.id, 1).await?;
        let actor = Actor::system("workflow");
        let record = self.record(
            &actor,
            &company,
            &format!("process:{}", inst.process_key),
            journal_no,
            entry,
            None,
        );
        tx.ledger_insert(std::sync::Arc::from([record.clone()])).await?;
        inv.state = invoice_state::POSTED.into();
        inv.data.entry_id = Some(record.id.clone());
        inv.data.entry_number = Some(journal_no);
        inv.updated_at = self.now();
        tx.update_invoice(&inv).await?;
        ctx.invoice = Some(inv.clone());
        self.audit(
            tx,
            &actor,
            Some(company.id),
            "ledger.post",
            &record.id,
            format!(
                "journal number {journal_no}: incoming invoice {number} (document {}), after approval",
                inv.document_id
            ),
        )
        .await?;
        Ok(StepResult {
            outcome: Some("posted".into()),
            confidence: 100,
            values: BTreeMap::from([("entry_id".to_string(), record.id.clone())]),
            detail: format!("journal number {journal_no}"),
            ..StepResult::default()
        })
    }

    /// The supplier's creditor account; one is assigned (the next free
    /// number from 70000) if the supplier has none yet.
    async fn creditor_account(
        &self,
        tx: &mut Box<dyn Tx>,
        company: &CompanyRecord,
        partner_id: &str,
    ) -> Result<AccountNo, StepError> {
        let pid: PartnerId = partner_id
            .parse()
            .map_err(|_| StepError::Incident(format!("malformed supplier id {partner_id}")))?;
        let mut p = tx
            .partner(company.id, pid)
            .await?
            .ok_or_else(|| StepError::Incident(format!("supplier {partner_id} is gone")))?;
        if let Some(a) = p.data.account.and_then(AccountNo::from_number) {
            return Ok(a);
        }
        let next = next_creditor_number(tx, company.id).await?;
        let account = AccountNo::from_number(next)
            .filter(|_| next <= 99_999)
            .ok_or_else(|| StepError::Incident("no free creditor account number left".into()))?;
        let expected = p.version;
        p.data.account = Some(next);
        p.version += 1;
        p.updated_at = self.now();
        if !tx.update_partner(&p, expected).await? {
            return Err(StepError::Retry("the supplier changed meanwhile".into()));
        }
        self.audit(
            tx,
            &Actor::system("workflow"),
            Some(company.id),
            "partner.account",
            partner_id,
            format!("creditor account {next} assigned for posting"),
        )
        .await?;
        Ok(account)
    }

    /// An approval kontor gives itself under the process's auto-approval
    /// rule: a known supplier, a booking nobody needed to review, an
    /// amount at most the rule's limit. Returns the rule as text.
    pub(crate) async fn auto_approval(
        &self,
        tx: &mut Box<dyn Tx>,
        def: &ProcessDef,
        inst: &InstanceRecord,
        ctx: &mut StretchCtx,
    ) -> Result<Option<String>, StepError> {
        let Some(limit) = def.params.auto_approve_max_cents else {
            return Ok(None);
        };
        let Some(amount) = inst.data.amount_cents else {
            return Ok(None);
        };
        if amount > limit || amount <= 0 || !inst.data.values.contains_key("partner_id") {
            return Ok(None);
        }
        let inv = self.invoice_of(tx, inst, ctx).await?;
        if inv.data.booking.is_none() {
            return Ok(None);
        }
        Ok(Some(format!(
            "auto-approval rule: known supplier, amount {} at most {}",
            money(amount),
            money(limit)
        )))
    }

    /// What a person sees with a task: the invoice and kontor's proposal,
    /// or the prepared reply to the sender.
    pub(crate) async fn task_proposal(
        &self,
        tx: &mut Box<dyn Tx>,
        inst: &InstanceRecord,
        step: &StepDef,
    ) -> Result<serde_json::Value, StepError> {
        match inst.process_key.as_str() {
            crate::banking::PROCESS_PAYMENT_RUN => {
                return Ok(serde_json::json!({
                    "link": format!("/bank/runs/{}", inst.subject),
                    "iban_changed": inst.data.values.get("iban_changed"),
                }))
            }
            crate::banking::PROCESS_BANK_STATEMENT => {
                return Ok(serde_json::json!({ "link": format!("/bank/lines?statement={}", inst.subject) }))
            }
            PROCESS_INCOMING_INVOICE => {}
            _ => return Ok(serde_json::Value::Null),
        }
        let inv = tx.invoice_by_document(inst.company_id, &inst.subject).await?;
        let Some(inv) = inv else {
            return Ok(serde_json::Value::Null);
        };
        let mut v = serde_json::json!({
            "invoice": {
                "seller": inv.data.seller_name,
                "number": inv.number,
                "date": inv.issue_date,
                "due": inv.data.due_date,
                "gross_cents": inv.gross_cents,
                "vat_id": inv.data.vat_id,
                "iban": inv.data.iban,
                "einvoice": inv.data.einvoice,
            },
            "booking": inv.data.booking,
            "findings": inv.data.findings,
        });
        if step.key == "clarify" {
            v["reply"] = serde_json::json!({
                "to": inst.data.values.get("reply_to"),
                "subject": inst.data.values.get("reply_subject"),
                "body": inst.data.values.get("reply_body"),
            });
        }
        Ok(v)
    }

    /// Applies a person's corrections of kontor's proposal.
    pub(crate) async fn apply_correction(
        &self,
        tx: &mut Box<dyn Tx>,
        actor: &Actor,
        inst: &mut InstanceRecord,
        task: &TaskRecord,
        decision: &TaskDecision,
    ) -> AppResult<()> {
        if inst.process_key != PROCESS_INCOMING_INVOICE {
            return Ok(());
        }
        let Some(mut inv) = tx.invoice_by_document(inst.company_id, &inst.subject).await? else {
            return Ok(());
        };
        let company = tx
            .list_companies()
            .await?
            .into_iter()
            .find(|c| c.id == inst.company_id)
            .ok_or_else(|| conflict("Firma fehlt.", "Company missing."))?;
        match task.data.step.as_str() {
            "match_supplier" => {
                if let Some(p) = decision.changes.get("partner_id").filter(|p| !p.is_empty()) {
                    let pid: PartnerId = p
                        .parse()
                        .map_err(|_| conflict("Lieferant unbekannt.", "Unknown supplier."))?;
                    let partner = tx
                        .partner(company.id, pid)
                        .await?
                        .ok_or_else(|| conflict("Lieferant unbekannt.", "Unknown supplier."))?;
                    inv.partner_id = Some(partner.id.to_string());
                } else if decision.changes.get("create").is_some_and(|c| c == "1") {
                    let created = self
                        .create_supplier_from_invoice(tx, actor, &company, &inv, decision)
                        .await?;
                    inv.partner_id = Some(created.id.to_string());
                } else if inv.partner_id.is_none() || decision.outcome == "corrected" {
                    return Err(conflict(
                        "Bitte einen Lieferanten wählen oder anlegen.",
                        "Please choose or create a supplier.",
                    ));
                }
                if let Some(p) = &inv.partner_id {
                    inst.data.values.insert("partner_id".into(), p.clone());
                }
            }
            "duplicate_check" => {
                // "Not a duplicate": the person overrules kontor.
                if decision.outcome == "corrected" || decision.changes.get("duplicate").is_some_and(|d| d == "0") {
                    inst.data.flags.insert("duplicate".into(), false);
                    inv.state = invoice_state::RECEIVED.into();
                    inv.data.duplicate_of = None;
                } else {
                    inv.state = invoice_state::DUPLICATE.into();
                }
            }
            "propose_booking" => {
                let mut b = inv.data.booking.clone().unwrap_or_default();
                if let Some(a) = decision.changes.get("account") {
                    b.account = a.trim().parse().map_err(|_| {
                        conflict(
                            format!("Konto „{a}“ ist keine Kontonummer."),
                            format!("Account '{a}' is not an account number."),
                        )
                    })?;
                    let kind = ChartKind::parse(&tx.company_chart(company.id).await?).unwrap_or(ChartKind::Skr03);
                    if AccountNo::from_number(b.account).is_none_or(|n| Chart::standard(kind).account(n).is_none()) {
                        return Err(conflict(
                            format!("Konto {a} gibt es im Kontenrahmen nicht."),
                            format!("Account {a} is not in the chart."),
                        ));
                    }
                }
                if let Some(t) = decision.changes.get("tax_code") {
                    if !t.is_empty() && TaxCode::parse(t).is_none() {
                        return Err(conflict(
                            format!("Steuerschlüssel „{t}“ unbekannt."),
                            format!("Unknown tax code '{t}'."),
                        ));
                    }
                    b.tax_code = t.clone();
                }
                if let Some(cc) = decision.changes.get("cost_center") {
                    let cc = cc.trim();
                    b.cost_center = (!cc.is_empty()).then(|| cc.to_string());
                    match &b.cost_center {
                        Some(c) => {
                            inst.data.values.insert("cost_center".into(), c.clone());
                        }
                        None => {
                            inst.data.values.remove("cost_center");
                        }
                    }
                }
                if !decision.changes.is_empty() {
                    b.confidence = 100;
                    b.source = format!("person:{}", actor.label);
                }
                inv.data.booking = Some(b);
            }
            _ => {}
        }
        inv.updated_at = self.now();
        tx.update_invoice(&inv).await?;
        Ok(())
    }

    async fn create_supplier_from_invoice(
        &self,
        tx: &mut Box<dyn Tx>,
        actor: &Actor,
        company: &CompanyRecord,
        inv: &IncomingInvoiceRecord,
        decision: &TaskDecision,
    ) -> AppResult<PartnerRecord> {
        actor.require(
            company.id,
            kontor_core::Permission::new(kontor_core::Module::Partners, kontor_core::Action::Write),
        )?;
        let name = decision
            .changes
            .get("name")
            .cloned()
            .or_else(|| inv.data.seller_name.clone())
            .unwrap_or_default();
        // What the invoice says is taken only where it is valid; a person
        // completes the rest in the partner register.
        let vat = decision
            .changes
            .get("vat_id")
            .cloned()
            .or_else(|| inv.data.vat_id.clone().filter(|v| kontor_core::VatId::parse(v).is_ok()));
        let iban = decision
            .changes
            .get("iban")
            .cloned()
            .or_else(|| inv.data.iban.clone().filter(|i| kontor_core::Iban::parse(i).is_ok()));
        let account = next_creditor_number(tx, company.id).await?.to_string();
        let input = PartnerInput {
            name: &name,
            kind: "supplier",
            vat_id: vat.as_deref().filter(|v| !v.is_empty()),
            iban: iban.as_deref().filter(|v| !v.is_empty()),
            country: Some("DE"),
            account: Some(&account),
            ..PartnerInput::default()
        };
        let data = PartnerDraft::parse(&input).map_err(crate::error::AppError::Invalid)?;
        let now = self.now();
        let partner = PartnerRecord {
            id: PartnerId::from_uuid(self.ids().new_uuid()),
            company_id: company.id,
            data,
            created_at: now,
            updated_at: now,
            version: 1,
            bank_confirmed: None,
        };
        self.insert_partner_in(tx, actor, company, &partner).await?;
        Ok(partner)
    }

    /// The incoming invoice of a document, if the process saw it.
    pub async fn incoming_invoice(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        document_id: &str,
    ) -> AppResult<Option<(IncomingInvoiceRecord, Option<InstanceRecord>)>> {
        actor.require(
            company.id,
            kontor_core::Permission::new(kontor_core::Module::Invoices, kontor_core::Action::Read),
        )?;
        let mut tx = self.store().begin_read().await?;
        let inv = tx.invoice_by_document(company.id, document_id).await?;
        let inst = tx
            .instance_by_subject(company.id, PROCESS_INCOMING_INVOICE, document_id)
            .await?;
        Ok(inv.map(|i| (i, inst)))
    }
}

/// What a stretch of steps of one instance carries from step to step: the
/// prepared e-invoice facts and the invoice record (read once, not per step).
#[derive(Default)]
pub(crate) struct StretchCtx {
    pub(crate) prepared: Option<Prepared>,
    pub(crate) invoice: Option<IncomingInvoiceRecord>,
}

/// What validation and reading found in an e-invoice.
pub(crate) struct Prepared {
    findings: Vec<String>,
    invoice: Option<kontor_einvoice::model::Invoice>,
}

pub(crate) fn einvoice_facts(bytes: &[u8]) -> Prepared {
    let report = kontor_einvoice::validate::validate(bytes);
    Prepared {
        findings: report
            .findings
            .iter()
            .filter(|f| f.severity == kontor_einvoice::validate::Severity::Fatal)
            .map(|f| format!("{}: {}", f.rule, f.de))
            .collect(),
        invoice: kontor_einvoice::read::read(bytes).ok().map(|r| r.invoice),
    }
}

/// The next free creditor account number (from 70001, after the highest in use).
async fn next_creditor_number(
    tx: &mut Box<dyn Tx>,
    company: kontor_core::CompanyId,
) -> Result<u32, crate::ports::StoreError> {
    Ok(tx
        .list_partners(company, None, 100_000)
        .await?
        .iter()
        .filter_map(|x| x.data.account)
        .filter(|a| *a >= 70_000)
        .max()
        .map_or(70_001, |m| m + 1))
}

/// A prepared reply asking the sender for a corrected invoice.
fn clarification_reply(inv: &IncomingInvoiceRecord) -> (String, String) {
    let nr = inv.number.clone().unwrap_or_else(|| "ohne Nummer".into());
    let subject = format!("Ihre Rechnung {nr}: Korrektur erforderlich");
    let mut body = format!(
        "Sehr geehrte Damen und Herren,\n\nIhre Rechnung {nr} vom {} können wir so nicht verarbeiten. \
         Die Prüfung nach EN 16931 / XRechnung ergab:\n\n",
        inv.issue_date.clone().unwrap_or_else(|| "(ohne Datum)".into())
    );
    for f in inv.data.findings.iter().take(20) {
        body.push_str("- ");
        body.push_str(f);
        body.push('\n');
    }
    body.push_str("\nBitte senden Sie uns eine korrigierte Rechnung.\n\nMit freundlichen Grüßen\n");
    (subject, body)
}
