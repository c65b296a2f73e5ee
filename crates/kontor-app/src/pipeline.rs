//! What happens to a document after its original is stored: a durable job
//! extracts its text (PDF text layer, OCR, e-invoice), recognises what it
//! is, applies the company's rules and what kontor learned from earlier
//! confirmations, and indexes it for search. People then confirm or correct
//! it in the inbox; later the archive keeps it for its retention period,
//! on legal hold if need be, and deletes it only when a person releases it.

use bytes::Bytes;
use kontor_core::{Action, Module, Permission, YearMonth};
use kontor_documents::recognise::{recognise, Date, Guess, Recognition};
use kontor_documents::search::{index_text, query_terms, tokens};
use kontor_documents::{deletable_from_year, DocType, MediaType};

use crate::actor::Actor;
use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::ports::{BlobRef, ExtractError, ExtractedText, Tx};
use crate::records::{CompanyRecord, DocumentQuery, DocumentRecord, DocumentRuleRecord, DocumentSort, JobRecord};

/// The original is stored; text and recognition are pending.
pub const STATUS_STORED: &str = "stored";
/// Recognised; waits for a person to confirm it (the inbox).
pub const STATUS_PROCESSED: &str = "processed";
/// A person confirmed type and correspondent.
pub const STATUS_CONFIRMED: &str = "confirmed";
/// Processing failed; the reason is in `failure` and it can be re-run.
pub const STATUS_FAILED: &str = "failed";
/// Deleted after its retention period; only the record remains.
pub const STATUS_DELETED: &str = "deleted";

/// The job that runs the pipeline for one document.
pub const KIND_DOCUMENT_PROCESS: &str = "document.process";

/// A page of search results holds at most this many documents.
pub const SEARCH_PAGE_MAX: u32 = 200;

/// Fewer letters and digits than this per page: a scan, so OCR it.
const TEXT_LAYER_MIN_PER_PAGE: usize = 20;

fn perm(module: Module, action: Action) -> Permission {
    Permission::new(module, action)
}

/// Whether the actor may see this document at all: documents read access,
/// payroll access for sensitive types, and, for partners, a document month
/// inside their granted period.
pub(crate) fn may_see(actor: &Actor, company: &CompanyRecord, d: &DocumentRecord) -> bool {
    let sensitive = DocType::parse(&d.doc_type).is_some_and(DocType::is_sensitive);
    actor.can(company.id, perm(Module::Documents, Action::Read))
        && (!sensitive || actor.can(company.id, perm(Module::Payroll, Action::Read)))
        && u16::try_from(d.month / 100)
            .ok()
            .zip(u8::try_from(d.month % 100).ok())
            .and_then(|(y, m)| YearMonth::new(y, m))
            .is_some_and(|ym| actor.sees_month(company.id, ym))
}

/// What kontor proposed for a document and why.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Suggestion {
    pub doc_type: Option<Guess<String>>,
    pub correspondent: Option<Guess<String>>,
    pub date: Option<String>,
    pub amount_cents: Option<i64>,
    pub invoice_number: Option<String>,
    pub tags: Vec<String>,
    /// Where the proposal came from: `text`, `einvoice`, `partner`,
    /// `learned`, `rule:<id>`.
    pub sources: Vec<String>,
    /// The keys (IBAN, VAT id, sender) a confirmation teaches kontor about.
    pub keys: Vec<String>,
    /// How the text was read: `pdf-text`, `ocr`, `einvoice`, `plain`, `none`.
    pub text_method: String,
}

impl Suggestion {
    pub fn parse(json: Option<&str>) -> Suggestion {
        json.and_then(|j| serde_json::from_str(j).ok()).unwrap_or_default()
    }
}

/// What a person confirms in the inbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confirmation {
    pub doc_type: DocType,
    pub correspondent: Option<String>,
    pub doc_date: Option<String>,
    pub amount_cents: Option<i64>,
    pub tags: Vec<String>,
}

/// A search as a person asks it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchParams {
    pub text: String,
    pub doc_type: Option<DocType>,
    pub correspondent: Option<String>,
    pub tag: Option<String>,
    pub statuses: Vec<String>,
    pub date_from: Option<String>,
    pub date_to: Option<String>,
    pub amount_min: Option<i64>,
    pub amount_max: Option<i64>,
    pub sort: DocumentSort,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
}

/// One page of search results.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchResult {
    pub documents: Vec<DocumentRecord>,
    /// All matches the actor may see.
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

/// A tag as stored: lower case, no commas, at most 40 characters.
pub fn clean_tag(t: &str) -> Option<String> {
    let t: String = t
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| *c != ',' && !c.is_control())
        .take(40)
        .collect();
    (!t.trim().is_empty()).then(|| t.trim().to_string())
}

fn invalid(field: &'static str, en: String, de: String) -> AppError {
    AppError::invalid(kontor_core::ParseError::new(field, en, de))
}

/// Cents of a decimal written with a point (`1190.5`, `-12.34`).
pub(crate) fn decimal_cents(raw: &str) -> Option<i64> {
    let raw = raw.trim();
    let (neg, raw) = raw.strip_prefix('-').map_or((false, raw), |r| (true, r));
    let (int, frac) = raw.split_once('.').unwrap_or((raw, ""));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut cents: i64 = int.parse::<i64>().ok()?.checked_mul(100)?;
    let f: String = frac.chars().chain("00".chars()).take(2).collect();
    cents = cents.checked_add(f.parse::<i64>().ok()?)?;
    Some(if neg { -cents } else { cents })
}

/// `2026-03-14` or `20260314` as an ISO date.
fn einvoice_date(s: &str) -> Option<String> {
    let s = s.trim();
    if let Some(d) = Date::parse_iso(s) {
        return Some(d.iso());
    }
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        return Date::new(s[..4].parse().ok()?, s[4..6].parse().ok()?, s[6..].parse().ok()?).map(Date::iso);
    }
    None
}

/// What an e-invoice says about itself, as text and as a recognition.
fn read_einvoice(content: &[u8]) -> Option<(String, Recognition, String)> {
    let read = kontor_einvoice::read::read(content).ok()?;
    let inv = &read.invoice;
    let credit = matches!(inv.type_code.as_deref(), Some("381" | "396" | "532"))
        || matches!(inv.syntax, kontor_einvoice::model::Syntax::UblCreditNote);
    let syntax = match (&read.container, inv.syntax) {
        (Some(_), _) => "zugferd",
        (None, kontor_einvoice::model::Syntax::Cii) => "cii",
        (None, _) => "ubl",
    };
    let mut text = String::new();
    let mut line = |s: String| {
        text.push_str(&s);
        text.push('\n');
    };
    line(format!(
        "{} {}",
        if credit { "Gutschrift" } else { "Rechnung" },
        inv.number.clone().unwrap_or_default()
    ));
    if let Some(d) = &inv.issue_date {
        line(format!("Rechnungsdatum {d}"));
    }
    for (label, p) in [("Verkäufer", &inv.seller), ("Käufer", &inv.buyer)] {
        line(format!("{label}: {}", p.name.clone().unwrap_or_default()));
        if let Some(v) = &p.vat_id {
            line(format!("USt-IdNr. {v}"));
        }
        if let Some(a) = &p.address {
            line(
                format!("{a:?}")
                    .chars()
                    .filter(|c| !matches!(c, '{' | '}' | '"'))
                    .collect(),
            );
        }
    }
    for l in &inv.lines {
        line(format!("{l:?}").chars().take(300).collect());
    }
    for n in &inv.notes {
        line(format!("{n:?}").chars().take(500).collect());
    }
    let payable = inv.totals.payable.as_ref().and_then(|a| decimal_cents(&a.raw));
    if let Some(p) = &inv.totals.payable {
        line(format!(
            "Zahlbetrag {} {}",
            p.raw,
            inv.currency.clone().unwrap_or_default()
        ));
    }
    let ibans: Vec<String> = inv
        .payment
        .as_ref()
        .map(|p| {
            p.credit_transfers
                .iter()
                .filter_map(|t| t.account.clone())
                .map(|a| {
                    a.chars()
                        .filter(|c| !c.is_whitespace())
                        .collect::<String>()
                        .to_uppercase()
                })
                .filter(|a| kontor_documents::recognise::iban_valid(a))
                .collect()
        })
        .unwrap_or_default();
    for i in &ibans {
        line(format!("IBAN {i}"));
    }
    let rec = Recognition {
        doc_type: Guess {
            value: if credit { DocType::CreditNote } else { DocType::Invoice },
            confidence: 99,
        },
        correspondent: inv.seller.name.clone().map(|value| Guess { value, confidence: 99 }),
        date: inv
            .issue_date
            .as_deref()
            .and_then(einvoice_date)
            .and_then(|d| Date::parse_iso(&d)),
        amount_cents: payable,
        currency: inv.currency.clone(),
        invoice_number: inv.number.clone(),
        ibans,
        vat_ids: inv.seller.vat_id.clone().into_iter().collect(),
    };
    Some((text, rec, syntax.to_string()))
}

/// The text of an e-mail or XML that is not an e-invoice: tags dropped.
fn plain_text(content: &[u8], media: MediaType) -> String {
    let s = String::from_utf8_lossy(content);
    if media == MediaType::Xml {
        kontor_documents::email::strip_tags(&s)
    } else {
        s.into_owned()
    }
}

impl App {
    pub(crate) async fn enqueue_processing(
        &self,
        tx: &mut Box<dyn Tx>,
        company: &CompanyRecord,
        document_id: &str,
    ) -> AppResult<()> {
        let payload = serde_json::json!({ "company": company.id.to_string(), "document": document_id }).to_string();
        self.enqueue(tx, KIND_DOCUMENT_PROCESS, payload, self.now()).await?;
        Ok(())
    }

    /// A document the actor may see; `NotFound` otherwise (the same answer
    /// as for a document that does not exist). A look at a sensitive
    /// document is audited by the caller through [`App::audit_sensitive_view`].
    pub async fn visible_document(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        id: &str,
    ) -> AppResult<DocumentRecord> {
        actor.require(company.id, perm(Module::Documents, Action::Read))?;
        let mut tx = self.store().begin_read().await?;
        let doc = tx.document(company.id, id).await?;
        doc.filter(|d| may_see(actor, company, d))
            .ok_or_else(|| AppError::NotFound {
                what: "document",
                key: id.to_string(),
            })
    }

    /// A document with its text, versions and history; views of sensitive
    /// documents are audited.
    pub async fn document_details(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        id: &str,
    ) -> AppResult<(DocumentRecord, Option<(String, i64, String)>, Vec<DocumentRecord>)> {
        let doc = self.visible_document(actor, company, id).await?;
        let mut tx = self.store().begin_read().await?;
        let text = tx.document_text(&doc.id).await?;
        let first = doc.version_of.clone().unwrap_or(doc.id.clone());
        let mut versions = tx.document_versions(company.id, &first).await?;
        drop(tx);
        versions.retain(|d| may_see(actor, company, d));
        if DocType::parse(&doc.doc_type).is_some_and(DocType::is_sensitive) {
            let mut tx = self.store().begin().await?;
            self.audit(
                &mut tx,
                actor,
                Some(company.id),
                "document.view",
                &doc.id,
                doc.name.clone(),
            )
            .await?;
            tx.commit().await?;
        }
        Ok((doc, text, versions))
    }

    /// What a document is linked to: the e-mail it came with, the
    /// attachments it carries (both as far as the actor may see them), and
    /// its history from the audit trail.
    pub async fn document_links(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        doc: &DocumentRecord,
    ) -> AppResult<(
        Option<DocumentRecord>,
        Vec<DocumentRecord>,
        Vec<crate::records::AuditEvent>,
    )> {
        let doc = self.visible_document(actor, company, &doc.id).await?;
        let mut tx = self.store().begin_read().await?;
        let parent = match &doc.parent_id {
            Some(p) => tx.document(company.id, p).await?.filter(|d| may_see(actor, company, d)),
            None => None,
        };
        let mut children = tx.document_children(company.id, &doc.id).await?;
        children.retain(|d| may_see(actor, company, d));
        let history = tx
            .search_audit(&crate::records::AuditFilter {
                company: Some(company.id),
                subject: Some(doc.id.clone()),
                limit: 100,
                ..Default::default()
            })
            .await?
            .into_iter()
            .map(|e| e.event)
            .collect();
        Ok((parent, children, history))
    }

    /// Runs the pipeline for the document a job names. A file that cannot
    /// be read (corrupt PDF) ends as `failed` with the reason at once; a
    /// missing or crashing tool is retried, and marks the document failed
    /// only when the last attempt fails too.
    pub(crate) async fn run_document_job(&self, job: &JobRecord) -> Result<(), String> {
        let v: serde_json::Value = serde_json::from_str(&job.payload).map_err(|e| format!("malformed payload: {e}"))?;
        let (Some(company), Some(document)) = (v["company"].as_str(), v["document"].as_str()) else {
            return Err("payload lacks company or document".into());
        };
        let company = self
            .company_by_id(company)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("company {company} does not exist"))?;
        // `attempts` counts this run (the claim increments it).
        let last_attempt = job.attempts >= job.max_attempts;
        match self.process_document(&company, document).await {
            Ok(Processed::StretchRun) => Ok(()),
            Ok(Processed::Stored) => self
                .drive_started(company.id, crate::invoice_process::PROCESS_INCOMING_INVOICE, document)
                .await
                .map_err(|e| e.to_string()),
            Err(ProcessError::Unreadable(reason)) => self
                .mark_failed(&company, document, &reason)
                .await
                .map_err(|e| e.to_string()),
            Err(ProcessError::Retry(reason)) => {
                if last_attempt {
                    self.mark_failed(&company, document, &reason)
                        .await
                        .map_err(|e| e.to_string())?;
                }
                Err(reason)
            }
        }
    }

    async fn company_by_id(&self, id: &str) -> AppResult<Option<CompanyRecord>> {
        let mut tx = self.store().begin_read().await?;
        Ok(tx.list_companies().await?.into_iter().find(|c| c.id.to_string() == id))
    }

    async fn mark_failed(&self, company: &CompanyRecord, id: &str, reason: &str) -> AppResult<()> {
        let mut tx = self.store().begin().await?;
        let Some(mut doc) = tx.document(company.id, id).await? else {
            return Ok(());
        };
        if doc.deleted_at.is_some() {
            return Ok(());
        }
        doc.status = STATUS_FAILED.into();
        doc.failure = Some(reason.chars().take(2_000).collect());
        doc.updated_at = self.now();
        tx.update_document(&doc).await?;
        self.audit(
            &mut tx,
            &Actor::system("documents"),
            Some(company.id),
            "document.failed",
            &doc.id,
            format!("{}: {reason}", doc.name),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn extract(&self, media: MediaType, content: &Bytes) -> Result<(ExtractedText, String), ProcessError> {
        let extractor = || {
            self.extractor()
                .ok_or_else(|| ProcessError::Retry("no text extractor is configured (Poppler and Tesseract)".into()))
        };
        let from = |e: ExtractError| match e {
            ExtractError::Unreadable(r) => ProcessError::Unreadable(r),
            ExtractError::Unavailable(r) => ProcessError::Retry(r),
        };
        match media {
            MediaType::Pdf => {
                let layer = extractor()?.pdf_text(content.clone()).await.map_err(from)?;
                let letters = layer.text.chars().filter(|c| c.is_alphanumeric()).count();
                if letters >= TEXT_LAYER_MIN_PER_PAGE * usize::try_from(layer.pages.max(1)).unwrap_or(1) {
                    Ok((layer, "pdf-text".into()))
                } else {
                    let ocr = extractor()?.ocr(media, content.clone()).await.map_err(from)?;
                    Ok((ocr, "ocr".into()))
                }
            }
            m if m.is_image() => {
                let ocr = extractor()?.ocr(media, content.clone()).await.map_err(from)?;
                Ok((ocr, "ocr".into()))
            }
            MediaType::Email => Ok((
                ExtractedText {
                    text: kontor_documents::email::parse_email(content)
                        .map(|e| e.text())
                        .unwrap_or_else(|| plain_text(content, media)),
                    pages: 1,
                },
                "email".into(),
            )),
            MediaType::Xml | MediaType::Text => Ok((
                ExtractedText {
                    text: plain_text(content, media),
                    pages: 1,
                },
                "plain".into(),
            )),
            _ => Ok((
                ExtractedText {
                    text: String::new(),
                    pages: 0,
                },
                "none".into(),
            )),
        }
    }

    async fn process_document(&self, company: &CompanyRecord, id: &str) -> Result<Processed, ProcessError> {
        let retry = |e: AppError| ProcessError::Retry(e.to_string());
        let mut tx = self.store().begin_read().await.map_err(|e| retry(e.into()))?;
        let Some(doc) = tx.document(company.id, id).await.map_err(|e| retry(e.into()))? else {
            return Ok(Processed::Stored);
        };
        drop(tx);
        if doc.deleted_at.is_some() {
            return Ok(Processed::Stored);
        }
        let blob = BlobRef::parse(&doc.blob)
            .ok_or_else(|| ProcessError::Unreadable(format!("malformed content reference {}", doc.blob)))?;
        let content = self
            .blobs()
            .get(&blob)
            .await
            .map_err(|e| ProcessError::Retry(e.to_string()))?;
        let media = MediaType::from_mime(&doc.media_type);

        // E-invoices (XML, or a PDF with the XML inside) speak for themselves.
        let einvoice = if matches!(media, MediaType::Xml | MediaType::Pdf) {
            let c = content.clone();
            read_einvoice(&c)
        } else {
            None
        };
        let (text, method, pages, mut rec, syntax) = match einvoice {
            Some((summary, rec, syntax)) if media == MediaType::Xml => {
                (summary, "einvoice".to_string(), 1, rec, Some(syntax))
            }
            Some((summary, rec, syntax)) => {
                let (layer, method) = self.extract(media, &content).await?;
                (
                    format!("{}\n{summary}", layer.text),
                    method,
                    layer.pages,
                    rec,
                    Some(syntax),
                )
            }
            None => {
                if media == MediaType::Xml && content.len() > 16 {
                    // An XML that claims to be an invoice but cannot be read as one.
                    if let Err(e) = kontor_einvoice::read::read(&content) {
                        let (_, de) = e.message();
                        if String::from_utf8_lossy(&content[..content.len().min(4096)]).contains("Invoice") {
                            return Err(ProcessError::Unreadable(format!("E-Rechnung nicht lesbar: {de}")));
                        }
                    }
                }
                let (t, method) = self.extract(media, &content).await?;
                let rec = recognise(&t.text, &[company.name.to_string()]);
                (t.text, method, t.pages, rec, None)
            }
        };

        let mut tx = self.store().begin_read().await.map_err(|e| retry(e.into()))?;
        let partners = tx
            .list_partners(company.id, None, 10_000)
            .await
            .map_err(|e| retry(e.into()))?;
        let rules = tx.document_rules(company.id).await.map_err(|e| retry(e.into()))?;
        let mut sources = vec![if syntax.is_some() {
            "einvoice".to_string()
        } else {
            "text".to_string()
        }];

        // The sender by VAT id or IBAN of a known partner, else by name.
        let mut partner_id = None;
        let lowered = text.to_lowercase();
        let by_ids = partners.iter().find(|p| {
            p.data
                .vat_id
                .as_ref()
                .is_some_and(|v| rec.vat_ids.contains(&v.to_string()))
                || p.data.iban.as_ref().is_some_and(|i| rec.ibans.contains(&i.to_string()))
        });
        let by_name = || {
            partners
                .iter()
                .filter(|p| p.data.name.len() >= 4 && lowered.contains(&p.data.name.to_lowercase()))
                .max_by_key(|p| p.data.name.len())
        };
        if let Some((p, confidence)) = by_ids.map(|p| (p, 97)).or_else(|| by_name().map(|p| (p, 85))) {
            if rec.correspondent.as_ref().is_none_or(|c| c.confidence < confidence) {
                rec.correspondent = Some(Guess {
                    value: p.data.name.clone(),
                    confidence,
                });
                sources.push("partner".into());
            }
            partner_id = Some(p.id.to_string());
        }

        let mut keys: Vec<String> = Vec::new();
        keys.extend(rec.ibans.iter().map(|i| format!("iban:{i}")));
        keys.extend(rec.vat_ids.iter().map(|v| format!("vat:{v}")));
        if let Some(c) = &rec.correspondent {
            let t = tokens(&c.value).join(" ");
            if !t.is_empty() {
                keys.push(format!("sender:{t}"));
            }
        }
        let learned = tx
            .document_learning(company.id, &keys)
            .await
            .map_err(|e| retry(e.into()))?;
        drop(tx);

        let mut doc_type = Guess {
            value: rec.doc_type.value.key().to_string(),
            confidence: rec.doc_type.confidence,
        };
        let mut correspondent = rec.correspondent.clone();
        for field in ["type", "correspondent"] {
            let mut counts: Vec<(String, i64)> = Vec::new();
            for (_, f, value, n) in learned.iter().filter(|(_, f, _, _)| f == field) {
                let _ = f;
                match counts.iter_mut().find(|(v, _)| v == value) {
                    Some(c) => c.1 += n,
                    None => counts.push((value.clone(), *n)),
                }
            }
            let total: i64 = counts.iter().map(|(_, n)| n).sum();
            if let Some((value, n)) = counts.into_iter().max_by_key(|(_, n)| *n) {
                let confidence = u8::try_from((50 + 10 * n).min(95) * n / total.max(1)).unwrap_or(0);
                let current = if field == "type" {
                    Some(doc_type.confidence)
                } else {
                    correspondent.as_ref().map(|c| c.confidence)
                };
                if current.is_none_or(|c| confidence > c) {
                    let g = Guess { value, confidence };
                    if field == "type" {
                        doc_type = g;
                    } else {
                        correspondent = Some(g);
                    }
                    sources.push("learned".into());
                }
            }
        }

        let mut tags: Vec<String> = Vec::new();
        let (mut type_by_rule, mut corr_by_rule) = (false, false);
        for r in &rules {
            let pattern = r.pattern.to_lowercase();
            let hit = match r.field.as_str() {
                "text" => lowered.contains(&pattern),
                "correspondent" => correspondent
                    .as_ref()
                    .is_some_and(|c| c.value.to_lowercase().contains(&pattern)),
                "iban" => rec.ibans.iter().any(|i| i.to_lowercase() == pattern.replace(' ', "")),
                "vat_id" => rec.vat_ids.iter().any(|v| v.to_lowercase() == pattern.replace(' ', "")),
                "name" => doc.name.to_lowercase().contains(&pattern),
                _ => false,
            };
            if !hit {
                continue;
            }
            sources.push(format!("rule:{}", r.id));
            if let (Some(t), false) = (&r.set_type, type_by_rule) {
                doc_type = Guess {
                    value: t.clone(),
                    confidence: 100,
                };
                type_by_rule = true;
            }
            if let (Some(c), false) = (&r.set_correspondent, corr_by_rule) {
                correspondent = Some(Guess {
                    value: c.clone(),
                    confidence: 100,
                });
                corr_by_rule = true;
            }
            if let Some(t) = r.add_tag.as_deref().and_then(clean_tag) {
                if !tags.contains(&t) {
                    tags.push(t);
                }
            }
        }

        let suggestion = Suggestion {
            doc_type: Some(doc_type.clone()),
            correspondent: correspondent.clone(),
            date: rec.date.map(Date::iso),
            amount_cents: rec.amount_cents,
            invoice_number: rec.invoice_number.clone(),
            tags: tags.clone(),
            sources,
            keys,
            text_method: method.clone(),
        };

        let found = Found {
            doc_type,
            correspondent,
            partner_id,
            tags,
            syntax,
            suggestion,
            method,
            pages,
            text,
        };
        // A new incoming e-invoice runs the first stretch of its process in
        // the same transaction (one commit fewer); its validation is done
        // here, before the writer lock.
        let stretch = DocType::parse(&found.doc_type.value) == Some(DocType::Invoice);
        let mut prepared =
            (stretch && found.syntax.is_some()).then(|| crate::invoice_process::einvoice_facts(&content));
        match self
            .store_processed(company, id, &rec, &found, prepared.take(), stretch)
            .await
            .map_err(retry)?
        {
            Stored::StretchFailed => {
                // Store what was recognised alone; the job then drives the
                // process as for any other document.
                match self
                    .store_processed(company, id, &rec, &found, None, false)
                    .await
                    .map_err(retry)?
                {
                    Stored::StretchFailed => Err(ProcessError::Retry("the first stretch failed".into())),
                    _ => Ok(Processed::Stored),
                }
            }
            Stored::WithStretch => Ok(Processed::StretchRun),
            Stored::Alone | Stored::Missing => Ok(Processed::Stored),
        }
    }

    /// Writes what the pipeline recognised and starts an incoming invoice's
    /// process; with `stretch`, also runs the process's first stretch, all
    /// in one transaction. When the stretch fails, nothing is written.
    async fn store_processed(
        &self,
        company: &CompanyRecord,
        id: &str,
        rec: &Recognition,
        found: &Found,
        prepared: Option<crate::invoice_process::Prepared>,
        stretch: bool,
    ) -> AppResult<Stored> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let Some(mut doc) = tx.document(company.id, id).await? else {
            return Ok(Stored::Missing);
        };
        if doc.deleted_at.is_some() {
            return Ok(Stored::Missing);
        }
        if doc.status != STATUS_CONFIRMED {
            let t = DocType::parse(&found.doc_type.value).unwrap_or(DocType::Other);
            doc.doc_type = t.key().to_string();
            doc.retention_years = t.retention_years();
            doc.correspondent = found.correspondent.clone().map(|c| c.value);
            doc.partner_id = found.partner_id.clone();
            doc.doc_date = rec.date.map(Date::iso);
            if let Some(d) = rec.date {
                doc.document_year = d.year;
                doc.month = d.year * 100 + i32::from(d.month);
            }
            doc.amount_cents = rec.amount_cents;
            doc.currency = rec.currency.clone();
            doc.invoice_number = rec.invoice_number.clone();
            for t in &found.tags {
                if !doc.tags.contains(t) {
                    doc.tags.push(t.clone());
                }
            }
            doc.status = STATUS_PROCESSED.into();
        }
        doc.iban = rec.ibans.first().cloned();
        doc.vat_id = rec.vat_ids.first().cloned();
        doc.einvoice = found.syntax.clone();
        doc.suggestion = serde_json::to_string(&found.suggestion).ok();
        doc.failure = None;
        doc.updated_at = now;
        tx.update_document(&doc).await?;
        // An incoming invoice starts its process (once per document).
        let started = if doc.doc_type == DocType::Invoice.key() {
            self.start_invoice_process(&mut tx, &doc).await?
        } else {
            None
        };
        let index = index_text(&index_source(&doc, &found.text));
        tx.put_document_text(&doc.id, &found.method, found.pages, &found.text, &index, now)
            .await?;
        let mut outcome = Stored::Alone;
        if let (true, Some(instance)) = (stretch, started) {
            let mut ctx = crate::invoice_process::StretchCtx {
                prepared,
                ..Default::default()
            };
            let mut done = 0;
            if let Err(e) = self
                .advance_in(&mut tx, company.id, &instance, None, &mut done, &mut ctx)
                .await
            {
                tracing::debug!(%instance, error = ?e, "the first stretch failed in the pipeline; it runs on its own");
                return Ok(Stored::StretchFailed);
            }
            outcome = Stored::WithStretch;
        }
        tx.commit().await?;
        Ok(outcome)
    }

    /// Confirms (and corrects) what kontor recognised; the correction
    /// teaches kontor for the next document with the same IBAN, VAT id or
    /// sender.
    pub async fn confirm_document(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        id: &str,
        c: &Confirmation,
    ) -> AppResult<DocumentRecord> {
        actor.require(company.id, perm(Module::Documents, Action::Write))?;
        if c.doc_type.is_sensitive() && !actor.can(company.id, perm(Module::Payroll, Action::Read)) {
            return Err(AppError::Forbidden {
                permission: perm(Module::Payroll, Action::Read),
            });
        }
        let date = match c.doc_date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            None => None,
            Some(d) => Some(Date::parse_iso(d).ok_or_else(|| {
                invalid(
                    "doc_date",
                    format!("'{d}' is not a date; write it as YYYY-MM-DD, e.g. 2026-03-14."),
                    format!("'{d}' ist kein Datum; bitte als JJJJ-MM-TT schreiben, z. B. 2026-03-14."),
                )
            })?),
        };
        let correspondent = c
            .correspondent
            .as_deref()
            .map(|s| s.trim().chars().take(200).collect::<String>())
            .filter(|s| !s.is_empty());
        let mut doc = self.visible_document(actor, company, id).await?;
        if doc.deleted_at.is_some() {
            return Err(AppError::NotFound {
                what: "document",
                key: id.to_string(),
            });
        }
        let suggestion = Suggestion::parse(doc.suggestion.as_deref());
        let mut changes = Vec::new();
        if suggestion.doc_type.as_ref().map(|g| g.value.as_str()) != Some(c.doc_type.key()) {
            changes.push(format!(
                "type {} → {}",
                suggestion.doc_type.as_ref().map_or("-", |g| g.value.as_str()),
                c.doc_type.key()
            ));
        }
        if suggestion.correspondent.as_ref().map(|g| &g.value) != correspondent.as_ref() {
            changes.push(format!(
                "correspondent {} → {}",
                suggestion.correspondent.as_ref().map_or("-", |g| g.value.as_str()),
                correspondent.as_deref().unwrap_or("-")
            ));
        }
        let now = self.now();
        doc.doc_type = c.doc_type.key().to_string();
        doc.retention_years = c.doc_type.retention_years();
        doc.correspondent = correspondent.clone();
        doc.doc_date = date.map(Date::iso);
        if let Some(d) = date {
            doc.document_year = d.year;
            doc.month = d.year * 100 + i32::from(d.month);
        }
        doc.amount_cents = c.amount_cents;
        let mut tags: Vec<String> = c.tags.iter().filter_map(|t| clean_tag(t)).collect();
        tags.dedup();
        doc.tags = tags;
        doc.status = STATUS_CONFIRMED.into();
        doc.confirmed_by = Some(actor.label.clone());
        doc.confirmed_at = Some(now);
        doc.updated_at = now;
        let mut tx = self.store().begin().await?;
        tx.update_document(&doc).await?;
        for key in &suggestion.keys {
            tx.learn_document(company.id, key, "type", c.doc_type.key()).await?;
            if let Some(corr) = &correspondent {
                tx.learn_document(company.id, key, "correspondent", corr).await?;
            }
        }
        if let Some((method, pages, text)) = tx.document_text(&doc.id).await? {
            let index = index_text(&index_source(&doc, &text));
            tx.put_document_text(&doc.id, &method, pages, &text, &index, now)
                .await?;
        }
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "document.confirm",
            &doc.id,
            if changes.is_empty() {
                format!("{}: as proposed", doc.name)
            } else {
                format!("{}: {}", doc.name, changes.join(", "))
            },
        )
        .await?;
        tx.commit().await?;
        Ok(doc)
    }

    /// Runs the pipeline again (after a failure, or with new rules).
    pub async fn reprocess_document(&self, actor: &Actor, company: &CompanyRecord, id: &str) -> AppResult<()> {
        actor.require(company.id, perm(Module::Documents, Action::Write))?;
        let mut doc = self.visible_document(actor, company, id).await?;
        if doc.deleted_at.is_some() {
            return Err(AppError::NotFound {
                what: "document",
                key: id.to_string(),
            });
        }
        let mut tx = self.store().begin().await?;
        if doc.status == STATUS_FAILED {
            doc.status = STATUS_STORED.into();
        }
        doc.failure = None;
        doc.updated_at = self.now();
        tx.update_document(&doc).await?;
        self.enqueue_processing(&mut tx, company, &doc.id).await?;
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "document.reprocess",
            &doc.id,
            doc.name.clone(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Full-text search with filters, only over documents the actor may
    /// see: the rights are part of the query, so neither hits nor counts
    /// reveal anything else.
    pub async fn search_documents(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        p: &SearchParams,
    ) -> AppResult<SearchResult> {
        actor.require(company.id, perm(Module::Documents, Action::Read))?;
        let per_page = p.per_page.clamp(1, SEARCH_PAGE_MAX);
        let page = p.page.max(1);
        for (field, d) in [("date_from", &p.date_from), ("date_to", &p.date_to)] {
            if let Some(d) = d {
                if Date::parse_iso(d).is_none() {
                    return Err(invalid(
                        field,
                        format!("'{d}' is not a date; write it as YYYY-MM-DD."),
                        format!("'{d}' ist kein Datum; bitte als JJJJ-MM-TT schreiben."),
                    ));
                }
            }
        }
        let hidden_types = if actor.can(company.id, perm(Module::Payroll, Action::Read)) {
            Vec::new()
        } else {
            DocType::ALL
                .into_iter()
                .filter(|t| t.is_sensitive())
                .map(|t| t.key().to_string())
                .collect()
        };
        let months = actor.period_limit(company.id).map(|per| {
            (
                i32::from(per.from.year()) * 100 + i32::from(per.from.month()),
                i32::from(per.to.year()) * 100 + i32::from(per.to.month()),
            )
        });
        let q = DocumentQuery {
            company_id: Some(company.id),
            terms: query_terms(&p.text),
            doc_type: p.doc_type.map(|t| t.key().to_string()),
            correspondent: p.correspondent.clone().filter(|c| !c.trim().is_empty()),
            tag: p.tag.as_deref().and_then(clean_tag),
            statuses: p.statuses.clone(),
            date_from: p.date_from.clone(),
            date_to: p.date_to.clone(),
            amount_min: p.amount_min,
            amount_max: p.amount_max,
            months,
            hidden_types,
            sort: p.sort,
            limit: per_page,
            offset: (page - 1).saturating_mul(per_page),
        };
        let mut tx = self.store().begin_read().await?;
        let (documents, total) = tx.search_documents(&q).await?;
        Ok(SearchResult {
            documents,
            total,
            page,
            per_page,
        })
    }

    /// The inbox: documents waiting for a person (processing, to confirm,
    /// failed), oldest first.
    pub async fn document_inbox(&self, actor: &Actor, company: &CompanyRecord, page: u32) -> AppResult<SearchResult> {
        self.search_documents(
            actor,
            company,
            &SearchParams {
                statuses: vec![STATUS_STORED.into(), STATUS_PROCESSED.into(), STATUS_FAILED.into()],
                sort: DocumentSort::DateAsc,
                page,
                per_page: 100,
                ..SearchParams::default()
            },
        )
        .await
    }

    // ------------------------------------------------------------- rules

    pub async fn document_rules(&self, actor: &Actor, company: &CompanyRecord) -> AppResult<Vec<DocumentRuleRecord>> {
        actor.require(company.id, perm(Module::Documents, Action::Read))?;
        let mut tx = self.store().begin_read().await?;
        Ok(tx.document_rules(company.id).await?)
    }

    /// Adds a rule: when `field` contains `pattern`, set type,
    /// correspondent and/or a tag. Administrators and accounting manage them.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_document_rule(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        field: &str,
        pattern: &str,
        set_type: Option<DocType>,
        set_correspondent: Option<&str>,
        add_tag: Option<&str>,
    ) -> AppResult<DocumentRuleRecord> {
        actor.require(company.id, perm(Module::Documents, Action::Manage))?;
        if !["text", "correspondent", "iban", "vat_id", "name"].contains(&field) {
            return Err(invalid(
                "field",
                format!("'{field}' is not a rule field; use text, correspondent, iban, vat_id or name."),
                format!("'{field}' ist kein Regelfeld; möglich sind text, correspondent, iban, vat_id, name."),
            ));
        }
        let pattern = pattern.trim();
        if pattern.is_empty() || pattern.chars().count() > 200 {
            return Err(invalid(
                "pattern",
                "The pattern must have 1 to 200 characters.".into(),
                "Das Muster muss 1 bis 200 Zeichen haben.".into(),
            ));
        }
        let set_correspondent = set_correspondent.map(str::trim).filter(|s| !s.is_empty());
        let add_tag = add_tag.and_then(clean_tag);
        if set_type.is_none() && set_correspondent.is_none() && add_tag.is_none() {
            return Err(invalid(
                "action",
                "A rule must set a type, a correspondent or a tag.".into(),
                "Eine Regel muss einen Typ, einen Korrespondenten oder ein Schlagwort setzen.".into(),
            ));
        }
        let mut tx = self.store().begin().await?;
        let position = tx
            .document_rules(company.id)
            .await?
            .iter()
            .map(|r| r.position)
            .max()
            .unwrap_or(0)
            + 1;
        let rule = DocumentRuleRecord {
            id: self.ids().new_uuid().to_string(),
            company_id: company.id,
            position,
            field: field.to_string(),
            pattern: pattern.to_string(),
            set_type: set_type.map(|t| t.key().to_string()),
            set_correspondent: set_correspondent.map(str::to_string),
            add_tag,
            created_by: actor.label.clone(),
            created_at: self.now(),
        };
        tx.insert_document_rule(&rule).await?;
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "document.rule.add",
            &rule.id,
            format!("if {} contains '{}'", rule.field, rule.pattern),
        )
        .await?;
        tx.commit().await?;
        Ok(rule)
    }

    pub async fn delete_document_rule(&self, actor: &Actor, company: &CompanyRecord, id: &str) -> AppResult<()> {
        actor.require(company.id, perm(Module::Documents, Action::Manage))?;
        let mut tx = self.store().begin().await?;
        if !tx.delete_document_rule(company.id, id).await? {
            return Err(AppError::NotFound {
                what: "rule",
                key: id.to_string(),
            });
        }
        self.audit(&mut tx, actor, Some(company.id), "document.rule.delete", id, "")
            .await?;
        tx.commit().await?;
        Ok(())
    }

    // --------------------------------------------------------- retention

    /// Puts a document on legal hold (or lifts it): while on hold it is
    /// never deleted, whatever its retention says.
    pub async fn set_legal_hold(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        id: &str,
        hold: bool,
        reason: &str,
    ) -> AppResult<DocumentRecord> {
        actor.require(company.id, perm(Module::Documents, Action::Manage))?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(invalid(
                "reason",
                "Say why (e.g. the tax audit 2026 or the lawsuit it belongs to).".into(),
                "Bitte den Grund angeben (z. B. Betriebsprüfung 2026 oder das Verfahren).".into(),
            ));
        }
        let mut tx = self.store().begin().await?;
        let mut doc = tx.document(company.id, id).await?.ok_or_else(|| AppError::NotFound {
            what: "document",
            key: id.to_string(),
        })?;
        doc.legal_hold = hold;
        doc.updated_at = self.now();
        tx.update_document(&doc).await?;
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            if hold { "document.hold" } else { "document.release_hold" },
            &doc.id,
            format!("{}: {reason}", doc.name),
        )
        .await?;
        tx.commit().await?;
        Ok(doc)
    }

    /// Documents whose retention has ended (counted from the end of their
    /// calendar year), not on legal hold: what kontor proposes to delete.
    pub async fn deletion_proposals(&self, actor: &Actor, company: &CompanyRecord) -> AppResult<Vec<DocumentRecord>> {
        actor.require(company.id, perm(Module::Documents, Action::Manage))?;
        let year = i32::from(YearMonth::of(self.now()).year());
        let mut tx = self.store().begin_read().await?;
        Ok(tx.documents_past_retention(company.id, year, 1_000).await?)
    }

    /// Deletes documents a person released: only after their retention
    /// ended and never on legal hold. The original and its text go; the
    /// record stays, marked deleted, and the audit trail says who did it.
    pub async fn delete_documents(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        ids: &[String],
    ) -> AppResult<Vec<DocumentRecord>> {
        actor.require(company.id, perm(Module::Documents, Action::Manage))?;
        let now = self.now();
        let year = i32::from(YearMonth::of(now).year());
        let mut tx = self.store().begin().await?;
        let mut deleted = Vec::new();
        let mut blobs = Vec::new();
        for id in ids {
            let mut doc = tx.document(company.id, id).await?.ok_or_else(|| AppError::NotFound {
                what: "document",
                key: id.clone(),
            })?;
            if doc.deleted_at.is_some() {
                continue;
            }
            let from = deletable_from_year(doc.document_year, doc.retention_years);
            if doc.legal_hold {
                return Err(AppError::Conflict {
                    en: format!("{} is on legal hold and cannot be deleted.", doc.name),
                    de: format!("{} ist gesperrt (Legal Hold) und kann nicht gelöscht werden.", doc.name),
                });
            }
            if year < from {
                return Err(AppError::Conflict {
                    en: format!(
                        "{} must be kept until the end of {} ({} years from {}); it can be deleted from 1 January {from}.",
                        doc.name,
                        from - 1,
                        doc.retention_years,
                        doc.document_year
                    ),
                    de: format!(
                        "{} ist bis Ende {} aufzubewahren ({} Jahre ab {}); löschbar ab 1. Januar {from}.",
                        doc.name,
                        from - 1,
                        doc.retention_years,
                        doc.document_year
                    ),
                });
            }
            tx.delete_document_text(&doc.id).await?;
            let derived = tx.delete_document_derived(&doc.id).await?;
            blobs.push(doc.blob.clone());
            doc.blob = format!("deleted:{}:{}", doc.blob, doc.id);
            doc.status = STATUS_DELETED.into();
            doc.deleted_at = Some(now);
            doc.deleted_by = Some(actor.label.clone());
            doc.updated_at = now;
            tx.update_document(&doc).await?;
            self.audit(
                &mut tx,
                actor,
                Some(company.id),
                "document.delete",
                &doc.id,
                format!(
                    "{} ({}, {} of {}, kept {} years, sha256 {})",
                    doc.name,
                    doc.doc_type,
                    doc.media_type,
                    doc.document_year,
                    doc.retention_years,
                    blobs.last().map_or("", String::as_str)
                ),
            )
            .await?;
            deleted.push(doc);
            blobs.extend(derived);
        }
        tx.commit().await?;
        // The content goes once nothing refers to it any more (another
        // company may hold the same file).
        for b in blobs {
            let mut tx = self.store().begin_read().await?;
            let refs = tx.blob_references(&b).await?;
            drop(tx);
            if refs == 0 {
                if let Some(r) = BlobRef::parse(&b) {
                    if let Err(e) = self.blobs().delete(&r).await {
                        tracing::warn!(blob = %b, error = %e, "deleted document's content stays in the blob store");
                    }
                }
            }
        }
        Ok(deleted)
    }

    /// A small picture of the document's first page: PDFs are rendered on
    /// first request and the picture is kept beside the original (a
    /// derived file); pictures are their own thumbnail; other types have
    /// none. Looks at sensitive documents are audited.
    pub async fn document_thumbnail(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        id: &str,
    ) -> AppResult<Option<(String, Bytes)>> {
        let doc = self.visible_document(actor, company, id).await?;
        if doc.deleted_at.is_some() {
            return Ok(None);
        }
        if DocType::parse(&doc.doc_type).is_some_and(DocType::is_sensitive) {
            let mut tx = self.store().begin().await?;
            self.audit(
                &mut tx,
                actor,
                Some(company.id),
                "document.view",
                &doc.id,
                format!("{} (thumbnail)", doc.name),
            )
            .await?;
            tx.commit().await?;
        }
        let media = MediaType::from_mime(&doc.media_type);
        let original = || async {
            let blob = BlobRef::parse(&doc.blob)
                .ok_or_else(|| AppError::Internal(format!("document {} has a malformed content reference", doc.id)))?;
            AppResult::Ok(self.blobs().get(&blob).await?)
        };
        if matches!(media, MediaType::Png | MediaType::Jpeg) {
            return Ok(Some((doc.media_type.clone(), original().await?)));
        }
        if media != MediaType::Pdf {
            return Ok(None);
        }
        let mut tx = self.store().begin_read().await?;
        let made = tx.document_derived(&doc.id, "thumbnail").await?;
        drop(tx);
        if let Some(b) = made.as_deref().and_then(BlobRef::parse) {
            return Ok(Some(("image/png".into(), self.blobs().get(&b).await?)));
        }
        let Some(extractor) = self.extractor() else {
            return Ok(None);
        };
        let png = match extractor.thumbnail(original().await?).await {
            Ok(png) => png,
            // A PDF Poppler cannot draw has no thumbnail; the document stays usable.
            Err(ExtractError::Unreadable(_)) => return Ok(None),
            Err(ExtractError::Unavailable(e)) => return Err(AppError::Internal(e)),
        };
        let stored = self.blobs().put(png.clone()).await?;
        let mut tx = self.store().begin().await?;
        tx.put_document_derived(&doc.id, "thumbnail", stored.as_str(), self.now())
            .await?;
        tx.commit().await?;
        Ok(Some(("image/png".into(), png)))
    }

    /// The extracted text of a visible document.
    pub async fn document_text(&self, actor: &Actor, company: &CompanyRecord, id: &str) -> AppResult<Option<String>> {
        let doc = self.visible_document(actor, company, id).await?;
        let mut tx = self.store().begin_read().await?;
        Ok(tx.document_text(&doc.id).await?.map(|(_, _, t)| t))
    }
}

/// What the index holds for a document: its name, correspondent, invoice
/// number and tags besides the text.
fn index_source(doc: &DocumentRecord, text: &str) -> String {
    kontor_documents::search::index_source(
        &doc.name,
        doc.correspondent.as_deref(),
        doc.invoice_number.as_deref(),
        &doc.tags,
        text,
    )
}

/// What the pipeline recognised in a document, to be stored.
struct Found {
    doc_type: Guess<String>,
    correspondent: Option<Guess<String>>,
    partner_id: Option<String>,
    tags: Vec<String>,
    syntax: Option<String>,
    suggestion: Suggestion,
    method: String,
    pages: i64,
    text: String,
}

/// How `store_processed` ended.
enum Stored {
    /// The document is gone (deleted meanwhile): nothing to do.
    Missing,
    /// Stored; a process it started (if any) has not run yet.
    Alone,
    /// Stored together with the first stretch of the process it started.
    WithStretch,
    /// The stretch failed; nothing was written.
    StretchFailed,
}

/// What processing a document did.
enum Processed {
    Stored,
    /// The incoming-invoice process's first stretch ran too.
    StretchRun,
}

enum ProcessError {
    /// The file cannot be read; retrying will not change that.
    Unreadable(String),
    /// Worth retrying (a tool or the storage failed).
    Retry(String),
}

impl App {
    /// Starts an export of the archive's originals (`kontor documents
    /// export`): every document the actor may see, one audit event for the
    /// whole export.
    pub async fn begin_document_export(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
    ) -> AppResult<Vec<DocumentRecord>> {
        actor.require(company.id, perm(Module::Documents, Action::Export))?;
        let mut all = Vec::new();
        let mut after = String::new();
        loop {
            let mut tx = self.store().begin_read().await?;
            let page = tx.list_documents(company.id, &after, 1_000).await?;
            drop(tx);
            let Some(last) = page.last() else { break };
            after = last.id.clone();
            all.extend(
                page.into_iter()
                    .filter(|d| d.deleted_at.is_none() && may_see(actor, company, d)),
            );
        }
        let mut tx = self.store().begin().await?;
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "document.export",
            &company.code.to_string(),
            format!("{} documents", all.len()),
        )
        .await?;
        tx.commit().await?;
        Ok(all)
    }

    /// The original of a document listed by [`App::begin_document_export`].
    pub async fn export_original(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        d: &DocumentRecord,
    ) -> AppResult<Bytes> {
        actor.require(company.id, perm(Module::Documents, Action::Export))?;
        if d.company_id != company.id || !may_see(actor, company, d) {
            return Err(AppError::NotFound {
                what: "document",
                key: d.id.clone(),
            });
        }
        let blob = BlobRef::parse(&d.blob)
            .ok_or_else(|| AppError::Internal(format!("document {} has a malformed content reference", d.id)))?;
        Ok(self.blobs().get(&blob).await?)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn decimals_to_cents() {
        assert_eq!(decimal_cents("1190.00"), Some(119_000));
        assert_eq!(decimal_cents("1190.5"), Some(119_050));
        assert_eq!(decimal_cents("-12"), Some(-1_200));
        assert_eq!(decimal_cents("1,5"), None);
        assert_eq!(einvoice_date("20260314").as_deref(), Some("2026-03-14"));
    }

    #[test]
    fn tags_are_clean() {
        assert_eq!(clean_tag("  Miete,2026 ").as_deref(), Some("miete2026"));
        assert_eq!(clean_tag(" , "), None);
    }
}
