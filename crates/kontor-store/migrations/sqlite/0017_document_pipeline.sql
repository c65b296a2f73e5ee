-- The document pipeline (docs/documents.md): what kontor recognised and a
-- person confirmed, the extracted text and its full-text index, versions,
-- retention deletion, admin rules and what kontor learned from corrections.
ALTER TABLE documents ADD COLUMN doc_date TEXT;
-- YYYYMM of the document date (else of arrival): partners see documents of
-- their granted months only.
ALTER TABLE documents ADD COLUMN month INTEGER NOT NULL DEFAULT 0;
ALTER TABLE documents ADD COLUMN correspondent TEXT;
ALTER TABLE documents ADD COLUMN partner_id TEXT;
ALTER TABLE documents ADD COLUMN amount_cents INTEGER;
ALTER TABLE documents ADD COLUMN currency TEXT;
ALTER TABLE documents ADD COLUMN invoice_number TEXT;
ALTER TABLE documents ADD COLUMN iban TEXT;
ALTER TABLE documents ADD COLUMN vat_id TEXT;
-- Tags, each enclosed in commas: ',miete,2026,'.
ALTER TABLE documents ADD COLUMN tags TEXT NOT NULL DEFAULT ',';
ALTER TABLE documents ADD COLUMN einvoice TEXT;
ALTER TABLE documents ADD COLUMN suggestion TEXT;
ALTER TABLE documents ADD COLUMN failure TEXT;
ALTER TABLE documents ADD COLUMN confirmed_by TEXT;
ALTER TABLE documents ADD COLUMN confirmed_at INTEGER;
ALTER TABLE documents ADD COLUMN version_of TEXT;
ALTER TABLE documents ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE documents ADD COLUMN deleted_at INTEGER;
ALTER TABLE documents ADD COLUMN deleted_by TEXT;
ALTER TABLE documents ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
UPDATE documents SET month = document_year * 100 + 1, updated_at = created_at;
CREATE INDEX documents_status ON documents(company_id, status);
CREATE INDEX documents_date ON documents(company_id, doc_date);
CREATE INDEX documents_versions ON documents(version_of);

-- Text extracted from an original (text layer, OCR, e-invoice): derived,
-- kept beside the original, replaced when the pipeline runs again.
CREATE TABLE document_texts (
    seq INTEGER PRIMARY KEY,
    document_id TEXT NOT NULL UNIQUE REFERENCES documents(id),
    method TEXT NOT NULL,
    pages INTEGER NOT NULL,
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
-- Full-text index: rowid = document_texts.seq; body and compound parts as
-- kontor normalised them (kontor_documents::search).
CREATE VIRTUAL TABLE documents_fts USING fts5(
    body, parts, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0', prefix='2 3'
);

CREATE TABLE document_rules (
    id TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies(id),
    position INTEGER NOT NULL,
    field TEXT NOT NULL,
    pattern TEXT NOT NULL,
    set_type TEXT,
    set_correspondent TEXT,
    add_tag TEXT,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX document_rules_company ON document_rules(company_id, position);

-- How people confirmed documents that carried a key (IBAN, VAT id, sender):
-- the counts behind learned suggestions.
CREATE TABLE document_learning (
    company_id TEXT NOT NULL,
    key TEXT NOT NULL,
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (company_id, key, field, value)
);
