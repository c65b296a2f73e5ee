//! The tamper-evident audit trail: how an entry's hash is computed and how
//! a chain of entries is verified. Pure functions, so the store, the CLI and
//! an auditor's own tool (docs/audit.md) compute the same thing.

use sha2::{Digest, Sha256};

use crate::records::{AuditEvent, StoredAuditEvent};

/// Marks the first entry of a chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// SHA-256 (hex) over the entry's fields and the previous entry's hash.
/// Every field is written as `<byte length>:<bytes>\n`, so no choice of field
/// contents can make two different entries hash alike. Entries that record a
/// change (`kontor-audit-v2`) add the change document as a twelfth field.
pub fn entry_hash(prev_hash: &str, e: &AuditEvent) -> String {
    let at = e.at.millis().to_string();
    let company = e.company_id.map(|c| c.to_string()).unwrap_or_default();
    let id = e.id.to_string();
    let client = e.client_addr.clone().unwrap_or_default();
    let tag = if e.change.is_some() {
        "kontor-audit-v2"
    } else {
        "kontor-audit-v1"
    };
    let mut fields: Vec<&str> = vec![
        tag,
        prev_hash,
        &id,
        &at,
        &company,
        &e.actor,
        &e.action,
        &e.object_type,
        &e.subject,
        &e.detail,
        &client,
    ];
    if let Some(c) = &e.change {
        fields.push(c);
    }
    let mut h = Sha256::new();
    for f in fields {
        h.update(f.len().to_string().as_bytes());
        h.update(b":");
        h.update(f.as_bytes());
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}

/// One field of a record's state, for change documents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldState {
    pub name: &'static str,
    pub value: Option<String>,
    /// Protected values never appear in the trail, only that they changed.
    pub sensitive: bool,
}

impl FieldState {
    pub fn plain(name: &'static str, value: Option<impl ToString>) -> Self {
        Self {
            name,
            value: value.map(|v| v.to_string()),
            sensitive: false,
        }
    }
    pub fn sensitive(name: &'static str, value: Option<impl ToString>) -> Self {
        Self {
            name,
            value: value.map(|v| v.to_string()),
            sensitive: true,
        }
    }
}

/// SHA-256 (hex) of a record's state: every field as `<name>=<length>:<value>`.
pub fn state_digest(state: &[FieldState]) -> String {
    let mut h = Sha256::new();
    for f in state {
        let v = f.value.as_deref().unwrap_or("");
        h.update(format!("{}={}:{}\n", f.name, v.len(), v).as_bytes());
    }
    hex::encode(h.finalize())
}

/// The change document of an audit entry: digests of the state before and
/// after (absent for creation and deletion) and, field by field, what
/// changed. Protected fields show only that they changed.
pub fn change_document(before: Option<&[FieldState]>, after: Option<&[FieldState]>) -> String {
    let mut fields = Vec::new();
    let empty: &[FieldState] = &[];
    let (b, a) = (before.unwrap_or(empty), after.unwrap_or(empty));
    let mut names: Vec<&'static str> = a.iter().map(|f| f.name).collect();
    for f in b {
        if !names.contains(&f.name) {
            names.push(f.name);
        }
    }
    for name in names {
        let old = b.iter().find(|f| f.name == name);
        let new = a.iter().find(|f| f.name == name);
        let (ov, nv) = (old.and_then(|f| f.value.clone()), new.and_then(|f| f.value.clone()));
        if ov == nv {
            continue;
        }
        let sensitive = old.is_some_and(|f| f.sensitive) || new.is_some_and(|f| f.sensitive);
        fields.push(if sensitive {
            serde_json::json!({"field": name, "protected": true})
        } else {
            serde_json::json!({"field": name, "before": ov, "after": nv})
        });
    }
    serde_json::json!({
        "before": before.map(state_digest),
        "after": after.map(state_digest),
        "fields": fields,
    })
    .to_string()
}

/// The object type an action is about: the part before the first dot
/// (`partner.update` → `partner`).
pub fn object_type_of(action: &str) -> &str {
    action.split('.').next().unwrap_or(action)
}

/// Result of walking the chain.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChainReport {
    /// Entries checked.
    pub entries: u64,
    /// Entries before the chain began (written before the chain existed).
    pub unchained_legacy: u64,
    /// The first entry that breaks the chain, and why.
    pub first_broken: Option<(i64, String)>,
}

/// Walks entries in sequence order, carrying the state across pages.
#[derive(Debug, Default)]
pub struct ChainVerifier {
    report: ChainReport,
    last_hash: Option<String>,
    last_seq: Option<i64>,
}

impl ChainVerifier {
    /// A verifier for a section of the chain whose first entry follows the
    /// entry with hash `prev_hash` (an export's anchor).
    pub fn starting_after(prev_hash: &str) -> Self {
        Self {
            last_hash: Some(prev_hash.to_string()),
            ..Self::default()
        }
    }

    /// Feeds the next entry; returns false once the chain is broken.
    pub fn feed(&mut self, row: &StoredAuditEvent) -> bool {
        if self.report.first_broken.is_some() {
            return false;
        }
        self.report.entries += 1;
        let broken = |why: String| Some((row.seq, why));
        let (Some(prev), Some(hash)) = (&row.prev_hash, &row.hash) else {
            if self.last_hash.is_none() {
                self.report.unchained_legacy += 1;
                self.last_seq = Some(row.seq);
                return true;
            }
            self.report.first_broken = broken("the entry has no hash".into());
            return false;
        };
        let expected_prev = self.last_hash.as_deref().unwrap_or(GENESIS);
        if prev != expected_prev {
            let why = match self.last_seq {
                Some(s) => format!("it does not follow entry {s}: an entry before it was deleted, inserted or moved"),
                None => "the first chained entry does not start the chain: entries before it were deleted".into(),
            };
            self.report.first_broken = broken(why);
            return false;
        }
        if entry_hash(prev, &row.event) != *hash {
            self.report.first_broken = broken("its content does not match its hash: the entry was changed".into());
            return false;
        }
        self.last_hash = Some(hash.clone());
        self.last_seq = Some(row.seq);
        true
    }

    pub fn finish(self) -> ChainReport {
        self.report
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod change_tests {
    use super::*;
    use kontor_core::{AuditEventId, Timestamp};

    fn event(change: Option<String>) -> AuditEvent {
        AuditEvent {
            id: AuditEventId::from_uuid(uuid::Uuid::from_u128(7)),
            company_id: None,
            actor: "user:erika".into(),
            action: "partner.update".into(),
            object_type: "partner".into(),
            subject: "p1".into(),
            detail: String::new(),
            client_addr: None,
            at: Timestamp::from_millis(1),
            change,
        }
    }

    #[test]
    fn the_change_document_is_covered_by_the_hash() {
        let doc = change_document(
            Some(&[FieldState::plain("iban", Some("DE1"))]),
            Some(&[FieldState::plain("iban", Some("DE2"))]),
        );
        let a = entry_hash(GENESIS, &event(Some(doc.clone())));
        let b = entry_hash(GENESIS, &event(Some(doc.replace("DE2", "DE3"))));
        assert_ne!(a, b, "a changed field diff changes the hash");
        assert_ne!(a, entry_hash(GENESIS, &event(None)), "dropping the change is detected");
    }

    #[test]
    fn protected_fields_show_only_that_they_changed() {
        let doc = change_document(
            Some(&[
                FieldState::sensitive("tax_id", Some("47123456788")),
                FieldState::plain("city", Some("Köln")),
            ]),
            Some(&[
                FieldState::sensitive("tax_id", Some("51938274654")),
                FieldState::plain("city", Some("Köln")),
            ]),
        );
        assert!(!doc.contains("47123456788") && !doc.contains("51938274654"), "{doc}");
        let v: serde_json::Value = serde_json::from_str(&doc).unwrap();
        assert_eq!(
            v["fields"].as_array().unwrap().len(),
            1,
            "unchanged fields are left out"
        );
        assert_eq!(v["fields"][0]["field"], "tax_id");
        assert_eq!(v["fields"][0]["protected"], true);
        assert_ne!(v["before"], v["after"]);
        let created = change_document(None, Some(&[FieldState::plain("city", Some("Köln"))]));
        let v: serde_json::Value = serde_json::from_str(&created).unwrap();
        assert!(v["before"].is_null() && v["after"].is_string());
    }
}
