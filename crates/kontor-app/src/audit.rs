//! The tamper-evident audit trail: how an entry's hash is computed and how
//! a chain of entries is verified. Pure functions, so the store, the CLI and
//! an auditor's own tool (docs/audit.md) compute the same thing.

use sha2::{Digest, Sha256};

use crate::records::{AuditEvent, StoredAuditEvent};

/// Marks the first entry of a chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// SHA-256 (hex) over the entry's fields and the previous entry's hash.
/// Every field is written as `<byte length>:<bytes>\n`, so no choice of field
/// contents can make two different entries hash alike.
pub fn entry_hash(prev_hash: &str, e: &AuditEvent) -> String {
    let at = e.at.millis().to_string();
    let company = e.company_id.map(|c| c.to_string()).unwrap_or_default();
    let id = e.id.to_string();
    let client = e.client_addr.clone().unwrap_or_default();
    let fields: [&str; 11] = [
        "kontor-audit-v1",
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
    let mut h = Sha256::new();
    for f in fields {
        h.update(f.len().to_string().as_bytes());
        h.update(b":");
        h.update(f.as_bytes());
        h.update(b"\n");
    }
    hex::encode(h.finalize())
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
