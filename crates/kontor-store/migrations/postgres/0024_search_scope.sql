-- Type filters look documents up per company and type. (SQLite also moves its full-text rows into
-- per-company ranges in this step; PostgreSQL's text search keeps its
-- tsvector beside each text and needs no such change.)
CREATE INDEX documents_type ON documents(company_id, doc_type);
