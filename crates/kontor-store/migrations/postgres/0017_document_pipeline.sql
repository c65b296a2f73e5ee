-- The document pipeline (docs/documents.md): what kontor recognised and a
-- person confirmed, the extracted text and its full-text index, versions,
-- retention deletion, admin rules and what kontor learned from corrections.
ALTER TABLE documents ADD COLUMN doc_date TEXT;
-- YYYYMM of the document date (else of arrival): partners see documents of
-- their granted months only.
ALTER TABLE documents ADD COLUMN month BIGINT NOT NULL DEFAULT 0;
ALTER TABLE documents ADD COLUMN correspondent TEXT;
ALTER TABLE documents ADD COLUMN partner_id TEXT;
ALTER TABLE documents ADD COLUMN amount_cents BIGINT;
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
ALTER TABLE documents ADD COLUMN confirmed_at BIGINT;
ALTER TABLE documents ADD COLUMN version_of TEXT;
ALTER TABLE documents ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE documents ADD COLUMN deleted_at BIGINT;
ALTER TABLE documents ADD COLUMN deleted_by TEXT;
ALTER TABLE documents ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
UPDATE documents SET month = document_year * 100 + 1, updated_at = created_at;
CREATE INDEX documents_status ON documents(company_id, status);
CREATE INDEX documents_date ON documents(company_id, doc_date);
CREATE INDEX documents_versions ON documents(version_of);

-- Text extracted from an original (text layer, OCR, e-invoice): derived,
-- kept beside the original, replaced when the pipeline runs again.
CREATE TABLE document_texts (
    document_id TEXT PRIMARY KEY REFERENCES documents(id),
    method TEXT NOT NULL,
    pages BIGINT NOT NULL,
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- kontor normalises words itself (kontor_documents::search); 'simple'
    -- keeps them as they are: body weighted A, compound parts D.
    tsv tsvector NOT NULL
);
CREATE INDEX document_texts_tsv ON document_texts USING GIN (tsv);

CREATE TABLE document_rules (
    id TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies(id),
    position BIGINT NOT NULL,
    field TEXT NOT NULL,
    pattern TEXT NOT NULL,
    set_type TEXT,
    set_correspondent TEXT,
    add_tag TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX document_rules_company ON document_rules(company_id, position);

-- How people confirmed documents that carried a key (IBAN, VAT id, sender):
-- the counts behind learned suggestions.
CREATE TABLE document_learning (
    company_id TEXT NOT NULL,
    key TEXT NOT NULL,
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (company_id, key, field, value)
);
