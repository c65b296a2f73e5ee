-- The employee's own account (own payslips, own data) and the personnel
-- file: documents kept in the blob store, referenced by their SHA-256.
ALTER TABLE employees ADD COLUMN user_id TEXT REFERENCES users(id);
CREATE UNIQUE INDEX employees_company_user ON employees(company_id, user_id);

CREATE TABLE employee_documents (
    id TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies(id),
    employee_id TEXT NOT NULL REFERENCES employees(id),
    kind TEXT NOT NULL CHECK (kind IN ('payslip', 'contract', 'certificate', 'other')),
    period TEXT,
    title TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    blob TEXT NOT NULL,
    size BIGINT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX employee_documents_employee ON employee_documents(company_id, employee_id, uploaded_at);
