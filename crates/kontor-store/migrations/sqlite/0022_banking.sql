-- Money moves (docs/banking.md): bank accounts per company, imported
-- statements (a fingerprint per statement makes a re-import a no-op),
-- their lines (a content key per line keeps overlapping imports from
-- doubling), and payment runs. Rows keep their query keys as columns and
-- the rest as a JSON body.

CREATE TABLE bank_accounts (
    id TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies(id),
    iban TEXT NOT NULL,
    ledger_account INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX bank_accounts_iban ON bank_accounts(company_id, iban);

CREATE TABLE bank_statements (
    id TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies(id),
    bank_account_id TEXT NOT NULL REFERENCES bank_accounts(id),
    fingerprint TEXT NOT NULL,
    closing_date TEXT,
    body TEXT NOT NULL,
    imported_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX bank_statements_fingerprint ON bank_statements(company_id, fingerprint);
CREATE INDEX bank_statements_account ON bank_statements(company_id, bank_account_id, closing_date);

CREATE TABLE bank_lines (
    id TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies(id),
    bank_account_id TEXT NOT NULL REFERENCES bank_accounts(id),
    statement_id TEXT NOT NULL REFERENCES bank_statements(id),
    line_key TEXT NOT NULL,
    booking_date TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    state TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX bank_lines_key ON bank_lines(company_id, bank_account_id, line_key);
CREATE INDEX bank_lines_state ON bank_lines(company_id, state, booking_date);

CREATE TABLE payment_runs (
    id TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies(id),
    number INTEGER NOT NULL,
    state TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX payment_runs_number ON payment_runs(company_id, number);
