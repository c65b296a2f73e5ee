-- Search scoped inside the full-text index (docs/benchmarks.md, "Document
-- search"; ADR 0010): every company gets a document book, and the
-- full-text row id of a document's text lies in its company's range
-- (book << 40 ... (book + 1) << 40), in the upper half of it when the
-- document is of a sensitive type (payslips, seen only with payroll
-- access). A search then counts and ranks what the searcher may see in
-- FTS5 alone, within one row-id range, without joining every match to its
-- document. A document never changes company; when its type changes
-- between sensitive and not, the store moves its text to the other half
-- (kontor_store documents::update).

CREATE TABLE document_books (
    book INTEGER PRIMARY KEY,
    company_id TEXT NOT NULL UNIQUE REFERENCES companies(id)
);
INSERT INTO document_books (company_id) SELECT id FROM companies ORDER BY created_at, id;

-- Existing texts move into their company's range (old numbers are small,
-- the new ones start at 1 << 40, so no two collide on the way).
UPDATE document_texts SET seq = (
    SELECT (b.book << 40) + (CASE WHEN d.doc_type IN ('payslip') THEN 1 << 39 ELSE 0 END) + document_texts.seq
    FROM documents d JOIN document_books b ON b.company_id = d.company_id
    WHERE d.id = document_texts.document_id
);

-- The index is contentless: its rows cannot be renumbered, only rebuilt
-- from the kept texts. kontor rebuilds it when it opens the database and
-- this marker is present (kontor_store::SqlStore::open), in one
-- transaction, then removes the marker.
DROP TABLE documents_fts;
CREATE VIRTUAL TABLE documents_fts USING fts5(
    body, parts, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0', prefix='2 3'
);
CREATE TABLE document_fts_rebuild (pending INTEGER NOT NULL);
INSERT INTO document_fts_rebuild (pending) SELECT 1 WHERE EXISTS (SELECT 1 FROM document_texts);

-- Type filters look documents up per company and type.
CREATE INDEX documents_type ON documents(company_id, doc_type);
