-- Employees (HR master data). The *_enc columns hold values sealed with the
-- installation's master key (v1:<key id>:<base64>), never plain text.
CREATE TABLE employees (
    id TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies(id),
    personnel_number TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    street TEXT,
    postcode TEXT,
    city TEXT,
    entry_date TEXT NOT NULL,
    steuerklasse BIGINT NOT NULL CHECK (steuerklasse BETWEEN 1 AND 6),
    children_tenths BIGINT NOT NULL,
    tax_id_enc TEXT,
    sv_number_enc TEXT,
    iban_enc TEXT,
    health_insurance_enc TEXT,
    denomination_enc TEXT,
    disability_enc TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    UNIQUE (company_id, personnel_number)
);
CREATE INDEX employees_company_id ON employees(company_id, id);
-- One sealed canary per master key: proves at start that the key file fits.
CREATE TABLE key_checks (
    key_id TEXT PRIMARY KEY,
    sealed TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
