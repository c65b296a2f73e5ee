-- Files derived from an original (docs/documents.md): thumbnails of the
-- first page, made on first view and kept beside the original in the
-- content-addressed blob store, never in its place.
CREATE TABLE document_derived (
    document_id TEXT NOT NULL REFERENCES documents(id),
    kind TEXT NOT NULL,
    blob TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (document_id, kind)
);
CREATE INDEX document_derived_blob ON document_derived(blob);
