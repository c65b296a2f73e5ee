//! `kontor audit export` and `kontor audit verify --file`: a self-contained
//! JSON file holding a contiguous section of the audit chain, its anchor
//! (the hash the section's first entry follows) and the rules to check it,
//! so an auditor can verify it without kontor (docs/audit.md).

use std::path::Path;

use anyhow::{bail, Context, Result};
use kontor_app::audit::{ChainReport, ChainVerifier, GENESIS};
use kontor_app::records::{AuditEvent, StoredAuditEvent};
use kontor_core::{AuditEventId, CompanyId, Timestamp};
use serde::{Deserialize, Serialize};

const FORMAT: &str = "kontor-audit-export";

#[derive(Serialize, Deserialize)]
pub struct ExportFile {
    pub format: String,
    pub format_version: u32,
    pub exported_at: String,
    pub from: String,
    pub to: String,
    /// `prev_hash` of the first entry: the hash of the entry before the section.
    pub anchor: String,
    pub how_to_verify: String,
    pub entries: Vec<Entry>,
}

#[derive(Serialize, Deserialize)]
pub struct Entry {
    pub seq: i64,
    pub id: String,
    pub at: i64,
    pub company_id: Option<String>,
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub subject: String,
    pub detail: String,
    pub client_addr: Option<String>,
    /// Change document (before/after digests, field diff); hashed when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<String>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

const HOW_TO: &str = "Each entry's hash is the lower-case hex SHA-256 of eleven fields, each written as \
<byte length>:<UTF-8 bytes>\\n, in this order: the literal kontor-audit-v1, prev_hash, id, at (decimal), \
company_id (empty if none), actor, action, object_type, subject, detail, client_addr (empty if none). \
Entries with a change document use the literal kontor-audit-v2 instead and add the change as a twelfth field. \
Each entry's prev_hash must equal the previous entry's hash; the first entry's prev_hash is the anchor.";

pub fn to_file(section: &[StoredAuditEvent], from: &str, to: &str, exported_at: &str) -> ExportFile {
    ExportFile {
        format: FORMAT.into(),
        format_version: 1,
        exported_at: exported_at.into(),
        from: from.into(),
        to: to.into(),
        anchor: section
            .first()
            .and_then(|e| e.prev_hash.clone())
            .unwrap_or_else(|| GENESIS.to_string()),
        how_to_verify: HOW_TO.into(),
        entries: section
            .iter()
            .map(|e| Entry {
                seq: e.seq,
                id: e.event.id.to_string(),
                at: e.event.at.millis(),
                company_id: e.event.company_id.map(|c| c.to_string()),
                actor: e.event.actor.clone(),
                action: e.event.action.clone(),
                object_type: e.event.object_type.clone(),
                subject: e.event.subject.clone(),
                detail: e.event.detail.clone(),
                client_addr: e.event.client_addr.clone(),
                change: e.event.change.clone(),
                prev_hash: e.prev_hash.clone(),
                hash: e.hash.clone(),
            })
            .collect(),
    }
}

/// Verifies an export file on its own.
pub fn verify_file(path: &Path) -> Result<ChainReport> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let file: ExportFile =
        serde_json::from_str(&text).with_context(|| format!("{} is not a kontor audit export", path.display()))?;
    if file.format != FORMAT || file.format_version != 1 {
        bail!(
            "{} is format {} v{}, not {FORMAT} v1",
            path.display(),
            file.format,
            file.format_version
        );
    }
    let mut v = ChainVerifier::starting_after(&file.anchor);
    for e in &file.entries {
        let id: AuditEventId =
            e.id.parse()
                .with_context(|| format!("entry {}: id '{}' is not a UUID", e.seq, e.id))?;
        let company_id = match &e.company_id {
            Some(c) => Some(
                c.parse::<CompanyId>()
                    .with_context(|| format!("entry {}: company id '{c}' is not a UUID", e.seq))?,
            ),
            None => None,
        };
        let row = StoredAuditEvent {
            seq: e.seq,
            event: AuditEvent {
                id,
                company_id,
                actor: e.actor.clone(),
                action: e.action.clone(),
                object_type: e.object_type.clone(),
                subject: e.subject.clone(),
                detail: e.detail.clone(),
                client_addr: e.client_addr.clone(),
                at: Timestamp::from_millis(e.at),
                change: e.change.clone(),
            },
            prev_hash: e.prev_hash.clone(),
            hash: e.hash.clone(),
        };
        if !v.feed(&row) {
            break;
        }
    }
    Ok(v.finish())
}

/// Parses `YYYY-MM-DD` (UTC midnight) or RFC 3339.
pub fn parse_time(s: &str) -> Result<Timestamp> {
    use time::format_description::well_known::Rfc3339;
    let t = if s.len() == 10 {
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        time::Date::parse(s, &fmt).map(|d| d.midnight().assume_utc())
    } else {
        time::OffsetDateTime::parse(s, &Rfc3339)
    }
    .with_context(|| format!("'{s}' is not a date (YYYY-MM-DD) or an RFC 3339 time"))?;
    Ok(Timestamp::from_millis(
        i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX),
    ))
}
