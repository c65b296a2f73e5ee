-- Finance ledger (crates/kontor-ledger; docs/ledger.md). Dates are days
-- since 1970-01-01, periods yyyymm, amounts integer cents (debit positive).
ALTER TABLE companies ADD COLUMN chart TEXT NOT NULL DEFAULT 'skr03' CHECK (chart IN ('skr03', 'skr04'));

CREATE TABLE ledger_counters (
    company_id TEXT PRIMARY KEY REFERENCES companies(id),
    next_number BIGINT NOT NULL
);

CREATE TABLE ledger_entries (
    id TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies(id),
    number BIGINT NOT NULL,
    batch TEXT NOT NULL,
    posting_date BIGINT NOT NULL,
    document_date BIGINT NOT NULL,
    vat_date BIGINT,
    period BIGINT NOT NULL,
    text TEXT NOT NULL,
    reference TEXT NOT NULL,
    tax_code TEXT,
    document_id TEXT,
    source TEXT,
    import_key TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    reverses TEXT REFERENCES ledger_entries(id),
    fixed_at BIGINT,
    UNIQUE (company_id, number),
    UNIQUE (company_id, import_key)
);
CREATE INDEX ledger_entries_period ON ledger_entries(company_id, period, number);
CREATE INDEX ledger_entries_reverses ON ledger_entries(reverses);

CREATE TABLE ledger_postings (
    entry_id TEXT NOT NULL REFERENCES ledger_entries(id),
    line BIGINT NOT NULL,
    company_id TEXT NOT NULL,
    account BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    tax_code TEXT,
    posting_date BIGINT NOT NULL,
    PRIMARY KEY (entry_id, line)
);
CREATE INDEX ledger_postings_account ON ledger_postings(company_id, account, posting_date);

CREATE TABLE ledger_sums (
    company_id TEXT NOT NULL,
    account BIGINT NOT NULL,
    currency TEXT NOT NULL,
    period BIGINT NOT NULL,
    debit BIGINT NOT NULL,
    credit BIGINT NOT NULL,
    PRIMARY KEY (company_id, account, currency, period)
);

-- Debit and credit per account over the whole journal (the same data as
-- the monthly sums, summed), so that the full trial balance reads one row
-- per account.
CREATE TABLE ledger_totals (
    company_id TEXT NOT NULL,
    account BIGINT NOT NULL,
    currency TEXT NOT NULL,
    debit BIGINT NOT NULL,
    credit BIGINT NOT NULL,
    PRIMARY KEY (company_id, account, currency)
);

-- Which entries went to DATEV in which export (a second export of the
-- same period leaves them out unless asked).
CREATE TABLE ledger_datev_exports (
    company_id TEXT NOT NULL REFERENCES companies(id),
    entry_id TEXT NOT NULL REFERENCES ledger_entries(id),
    export_id TEXT NOT NULL,
    exported_at BIGINT NOT NULL,
    PRIMARY KEY (company_id, entry_id, export_id)
);
CREATE INDEX ledger_datev_exports_entry ON ledger_datev_exports(company_id, entry_id);

CREATE TABLE ledger_closed_periods (
    company_id TEXT NOT NULL REFERENCES companies(id),
    period BIGINT NOT NULL,
    closed_by TEXT NOT NULL,
    closed_at BIGINT NOT NULL,
    PRIMARY KEY (company_id, period)
);

-- GoBD: postings never change, entries are never deleted and change only
-- from draft to fixed; nothing is booked into a closed period.
CREATE FUNCTION ledger_refuse() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0];
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER ledger_postings_no_change BEFORE UPDATE OR DELETE ON ledger_postings
FOR EACH ROW EXECUTE FUNCTION ledger_refuse('ledger postings cannot be changed or deleted; book a reversal');
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
FOR EACH ROW EXECUTE FUNCTION ledger_refuse('ledger entries cannot be deleted; book a reversal');
CREATE TRIGGER ledger_closed_periods_no_delete BEFORE DELETE ON ledger_closed_periods
FOR EACH ROW EXECUTE FUNCTION ledger_refuse('a closed period stays closed');

CREATE FUNCTION ledger_entries_only_fixing() RETURNS trigger AS $$
BEGIN
    IF OLD.fixed_at IS NOT NULL OR NEW.fixed_at IS NULL
       OR (NEW.id, NEW.company_id, NEW.number, NEW.batch, NEW.posting_date, NEW.document_date, NEW.period,
           NEW.text, NEW.reference, NEW.created_by, NEW.created_at)
          IS DISTINCT FROM
          (OLD.id, OLD.company_id, OLD.number, OLD.batch, OLD.posting_date, OLD.document_date, OLD.period,
           OLD.text, OLD.reference, OLD.created_by, OLD.created_at)
       OR NEW.vat_date IS DISTINCT FROM OLD.vat_date OR NEW.tax_code IS DISTINCT FROM OLD.tax_code
       OR NEW.document_id IS DISTINCT FROM OLD.document_id OR NEW.source IS DISTINCT FROM OLD.source
       OR NEW.import_key IS DISTINCT FROM OLD.import_key OR NEW.reverses IS DISTINCT FROM OLD.reverses THEN
        RAISE EXCEPTION 'ledger entries can only be fixed (festgeschrieben), not changed';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_entries_only_fixing BEFORE UPDATE ON ledger_entries
FOR EACH ROW EXECUTE FUNCTION ledger_entries_only_fixing();

CREATE FUNCTION ledger_entries_open_period() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM ledger_closed_periods c WHERE c.company_id = NEW.company_id AND c.period = NEW.period) THEN
        RAISE EXCEPTION 'the period is closed';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_entries_open_period BEFORE INSERT ON ledger_entries
FOR EACH ROW EXECUTE FUNCTION ledger_entries_open_period();
