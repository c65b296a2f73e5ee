//! The document archive's use-cases: every channel (upload, API, command
//! line, watched folder, e-mail) hands files to [`App::ingest_document`],
//! which stores the original unaltered and content-addressed, once per
//! company, before anything else happens to it.

use bytes::Bytes;
use kontor_core::{Action, Module, Permission};
use kontor_documents::{safe_name, sniff, DocType};

use crate::pipeline::may_see;
pub use crate::pipeline::{
    Confirmation, SearchParams, Suggestion, STATUS_CONFIRMED, STATUS_DELETED, STATUS_FAILED, STATUS_PROCESSED,
    STATUS_STORED,
};

use crate::actor::Actor;
use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::ports::StoreError;
use crate::records::{CompanyRecord, DocumentRecord};

/// The largest file the archive takes (bytes).
pub const DOCUMENT_MAX: usize = 50 * 1024 * 1024;

fn documents(action: Action) -> Permission {
    Permission::new(Module::Documents, action)
}

/// Where a file came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Upload,
    Api,
    Cli,
    Folder,
    Email,
}

impl Source {
    pub fn key(self) -> &'static str {
        match self {
            Source::Upload => "upload",
            Source::Api => "api",
            Source::Cli => "cli",
            Source::Folder => "folder",
            Source::Email => "email",
        }
    }
}

/// What became of a file handed in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ingested {
    pub document: DocumentRecord,
    /// The company had this content already: `document` is the first one.
    pub duplicate: bool,
}

impl App {
    /// Takes a file into the archive. The original goes to the
    /// content-addressed store first (a crash after it leaves an
    /// unreferenced object, never a reference without content); the same
    /// content twice in one company is one document, reported as a
    /// duplicate. Empty files and files over [`DOCUMENT_MAX`] are refused.
    pub async fn ingest_document(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        name: &str,
        content: Bytes,
        source: Source,
    ) -> AppResult<Ingested> {
        self.ingest(actor, company, name, content, source, None, None).await
    }

    /// Stores `content` as a new version of document `of` (any version of
    /// it); the older versions stay as they are.
    pub async fn add_document_version(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        of: &str,
        name: &str,
        content: Bytes,
    ) -> AppResult<Ingested> {
        actor.require(company.id, documents(Action::Write))?;
        let doc = self.visible_document(actor, company, of).await?;
        let first = doc.version_of.clone().unwrap_or(doc.id.clone());
        let mut tx = self.store().begin_read().await?;
        let versions = tx.document_versions(company.id, &first).await?;
        drop(tx);
        let next = versions.iter().map(|v| v.version).max().unwrap_or(1) + 1;
        self.ingest(actor, company, name, content, Source::Upload, Some((first, next)), None)
            .await
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn ingest(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        name: &str,
        content: Bytes,
        source: Source,
        version_of: Option<(String, i32)>,
        parent: Option<&str>,
    ) -> AppResult<Ingested> {
        actor.require(company.id, documents(Action::Write))?;
        if content.is_empty() || content.len() > DOCUMENT_MAX {
            return Err(AppError::invalid(kontor_core::ParseError::new(
                "file",
                format!(
                    "{}: the file is {} bytes; the archive takes files from 1 byte to {} MB.",
                    safe_name(name),
                    content.len(),
                    DOCUMENT_MAX / 1024 / 1024
                ),
                format!(
                    "{}: die Datei hat {} Byte; das Archiv nimmt Dateien von 1 Byte bis {} MB.",
                    safe_name(name),
                    content.len(),
                    DOCUMENT_MAX / 1024 / 1024
                ),
            )));
        }
        let blob = crate::ports::BlobRef::of(&content);
        let mut tx = self.store().begin_read().await?;
        if let Some(first) = tx.document_by_blob(company.id, blob.as_str()).await? {
            return Ok(Ingested {
                document: first,
                duplicate: true,
            });
        }
        drop(tx);
        let media = sniff(&content);
        let size = i64::try_from(content.len()).unwrap_or(i64::MAX);
        let stored = self.blobs().put(content).await?;
        let now = self.now();
        let year = i32::from(kontor_core::YearMonth::of(now).year());
        let ym = kontor_core::YearMonth::of(now);
        let doc = DocumentRecord {
            id: self.ids().new_uuid().to_string(),
            company_id: company.id,
            blob: stored.as_str().to_string(),
            size,
            media_type: media.mime().to_string(),
            name: safe_name(name),
            doc_type: DocType::Other.key().to_string(),
            source: source.key().to_string(),
            status: STATUS_STORED.into(),
            document_year: year,
            retention_years: DocType::Other.retention_years(),
            legal_hold: false,
            created_by: actor.label.clone(),
            created_at: now,
            doc_date: None,
            month: i32::from(ym.year()) * 100 + i32::from(ym.month()),
            correspondent: None,
            partner_id: None,
            amount_cents: None,
            currency: None,
            invoice_number: None,
            iban: None,
            vat_id: None,
            tags: Vec::new(),
            einvoice: None,
            suggestion: None,
            failure: None,
            confirmed_by: None,
            confirmed_at: None,
            version_of: version_of.as_ref().map(|(first, _)| first.clone()),
            version: version_of.as_ref().map_or(1, |(_, v)| *v),
            deleted_at: None,
            deleted_by: None,
            updated_at: now,
            parent_id: parent.map(str::to_string),
        };
        let mut tx = self.store().begin().await?;
        match tx.insert_document(&doc).await {
            Ok(()) => {}
            // Someone stored the same content a moment ago.
            Err(StoreError::Duplicate(_)) => {
                drop(tx);
                let mut tx = self.store().begin_read().await?;
                let first = tx
                    .document_by_blob(company.id, &doc.blob)
                    .await?
                    .ok_or_else(|| AppError::Internal("a duplicate document vanished".into()))?;
                return Ok(Ingested {
                    document: first,
                    duplicate: true,
                });
            }
            Err(e) => return Err(e.into()),
        }
        self.enqueue_processing(&mut tx, company, &doc.id).await?;
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "document.ingest",
            &doc.id,
            format!(
                "{} via {} ({}, {} bytes)",
                doc.name, doc.source, doc.media_type, doc.size
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(Ingested {
            document: doc,
            duplicate: false,
        })
    }

    /// The archive's documents the actor may see, in arrival order, after
    /// `after` (an id).
    pub async fn documents(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        after: &str,
        limit: u32,
    ) -> AppResult<Vec<DocumentRecord>> {
        actor.require(company.id, documents(Action::Read))?;
        let mut tx = self.store().begin_read().await?;
        let mut list = tx.list_documents(company.id, after, limit.min(1_000)).await?;
        list.retain(|d| may_see(actor, company, d));
        Ok(list)
    }

    /// A document with its original; the look is audited.
    pub async fn open_document(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        id: &str,
    ) -> AppResult<(DocumentRecord, Bytes)> {
        let doc = self.visible_document(actor, company, id).await?;
        if doc.deleted_at.is_some() {
            return Err(AppError::Conflict {
                en: format!(
                    "{} was deleted after its retention period; only its record remains.",
                    doc.name
                ),
                de: format!(
                    "{} wurde nach Ablauf der Aufbewahrungsfrist gelöscht; nur der Nachweis bleibt.",
                    doc.name
                ),
            });
        }
        let blob = crate::ports::BlobRef::parse(&doc.blob)
            .ok_or_else(|| AppError::Internal(format!("document {} has a malformed content reference", doc.id)))?;
        let content = self.blobs().get(&blob).await?;
        let mut tx = self.store().begin().await?;
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "document.open",
            &doc.id,
            doc.name.clone(),
        )
        .await?;
        tx.commit().await?;
        Ok((doc, content))
    }
}
