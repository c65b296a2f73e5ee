-- The document archive (docs/documents.md): one row per original, stored
-- unaltered in the content-addressed blob store; the same content is kept
-- once per company (a second upload points to the first).
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies(id),
    blob TEXT NOT NULL,
    size INTEGER NOT NULL,
    media_type TEXT NOT NULL,
    name TEXT NOT NULL,
    doc_type TEXT NOT NULL,
    source TEXT NOT NULL,
    status TEXT NOT NULL,
    document_year INTEGER NOT NULL,
    retention_years INTEGER NOT NULL,
    legal_hold INTEGER NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (company_id, blob)
);
CREATE INDEX documents_company ON documents(company_id, id);
