-- Finance ledger (crates/kontor-ledger; docs/ledger.md). Dates are days
-- since 1970-01-01, periods yyyymm, amounts integer cents (debit positive).
ALTER TABLE companies ADD COLUMN chart TEXT NOT NULL DEFAULT 'skr03' CHECK (chart IN ('skr03', 'skr04'));

CREATE TABLE ledger_counters (
    company_id TEXT PRIMARY KEY REFERENCES companies(id),
    next_number INTEGER NOT NULL
);

CREATE TABLE ledger_entries (
    id TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies(id),
    number INTEGER NOT NULL,
    batch TEXT NOT NULL,
    posting_date INTEGER NOT NULL,
    document_date INTEGER NOT NULL,
    vat_date INTEGER,
    period INTEGER NOT NULL,
    text TEXT NOT NULL,
    reference TEXT NOT NULL,
    tax_code TEXT,
    document_id TEXT,
    source TEXT,
    import_key TEXT,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    reverses TEXT REFERENCES ledger_entries(id),
    fixed_at INTEGER,
    UNIQUE (company_id, number),
    UNIQUE (company_id, import_key)
);
CREATE INDEX ledger_entries_period ON ledger_entries(company_id, period, number);
CREATE INDEX ledger_entries_reverses ON ledger_entries(reverses);

CREATE TABLE ledger_postings (
    entry_id TEXT NOT NULL REFERENCES ledger_entries(id),
    line INTEGER NOT NULL,
    company_id TEXT NOT NULL,
    account INTEGER NOT NULL,
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL,
    tax_code TEXT,
    posting_date INTEGER NOT NULL,
    PRIMARY KEY (entry_id, line)
);
CREATE INDEX ledger_postings_account ON ledger_postings(company_id, account, posting_date);

-- Debit and credit per account and month, kept with every insert, so that
-- balances never scan the journal.
CREATE TABLE ledger_sums (
    company_id TEXT NOT NULL,
    account INTEGER NOT NULL,
    currency TEXT NOT NULL,
    period INTEGER NOT NULL,
    debit INTEGER NOT NULL,
    credit INTEGER NOT NULL,
    PRIMARY KEY (company_id, account, currency, period)
);

-- Debit and credit per account over the whole journal (the same data as
-- the monthly sums, summed), so that the full trial balance reads one row
-- per account.
CREATE TABLE ledger_totals (
    company_id TEXT NOT NULL,
    account INTEGER NOT NULL,
    currency TEXT NOT NULL,
    debit INTEGER NOT NULL,
    credit INTEGER NOT NULL,
    PRIMARY KEY (company_id, account, currency)
);

-- Which entries went to DATEV in which export (a second export of the
-- same period leaves them out unless asked).
CREATE TABLE ledger_datev_exports (
    company_id TEXT NOT NULL REFERENCES companies(id),
    entry_id TEXT NOT NULL REFERENCES ledger_entries(id),
    export_id TEXT NOT NULL,
    exported_at INTEGER NOT NULL,
    PRIMARY KEY (company_id, entry_id, export_id)
);
CREATE INDEX ledger_datev_exports_entry ON ledger_datev_exports(company_id, entry_id);

CREATE TABLE ledger_closed_periods (
    company_id TEXT NOT NULL REFERENCES companies(id),
    period INTEGER NOT NULL,
    closed_by TEXT NOT NULL,
    closed_at INTEGER NOT NULL,
    PRIMARY KEY (company_id, period)
);

-- GoBD: what is in the journal stays as it is. Postings are never changed
-- or deleted; entries are never deleted and change only once, from draft
-- to fixed (Festschreibung). Nothing is booked into a closed period.
CREATE TRIGGER ledger_postings_no_update BEFORE UPDATE ON ledger_postings
BEGIN SELECT RAISE(ABORT, 'ledger postings cannot be changed; book a reversal'); END;
CREATE TRIGGER ledger_postings_no_delete BEFORE DELETE ON ledger_postings
BEGIN SELECT RAISE(ABORT, 'ledger postings cannot be deleted; book a reversal'); END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger entries cannot be deleted; book a reversal'); END;
CREATE TRIGGER ledger_entries_only_fixing BEFORE UPDATE ON ledger_entries
WHEN OLD.fixed_at IS NOT NULL
  OR NEW.fixed_at IS NULL
  OR NEW.id IS NOT OLD.id OR NEW.company_id IS NOT OLD.company_id OR NEW.number IS NOT OLD.number
  OR NEW.batch IS NOT OLD.batch OR NEW.posting_date IS NOT OLD.posting_date
  OR NEW.document_date IS NOT OLD.document_date OR NEW.vat_date IS NOT OLD.vat_date
  OR NEW.period IS NOT OLD.period OR NEW.text IS NOT OLD.text OR NEW.reference IS NOT OLD.reference
  OR NEW.tax_code IS NOT OLD.tax_code OR NEW.document_id IS NOT OLD.document_id OR NEW.source IS NOT OLD.source
  OR NEW.import_key IS NOT OLD.import_key OR NEW.created_by IS NOT OLD.created_by
  OR NEW.created_at IS NOT OLD.created_at OR NEW.reverses IS NOT OLD.reverses
BEGIN SELECT RAISE(ABORT, 'ledger entries can only be fixed (festgeschrieben), not changed'); END;
CREATE TRIGGER ledger_entries_open_period BEFORE INSERT ON ledger_entries
WHEN EXISTS (SELECT 1 FROM ledger_closed_periods c WHERE c.company_id = NEW.company_id AND c.period = NEW.period)
BEGIN SELECT RAISE(ABORT, 'the period is closed'); END;
CREATE TRIGGER ledger_closed_periods_no_delete BEFORE DELETE ON ledger_closed_periods
BEGIN SELECT RAISE(ABORT, 'a closed period stays closed'); END;
