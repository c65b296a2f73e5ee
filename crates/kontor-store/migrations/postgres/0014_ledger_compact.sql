-- Compact ledger storage (docs/benchmarks.md, "Ledger"): every company gets
-- a small integer book; entries are keyed (book, number) and postings
-- (book, number, line), without the company's UUID text in every row and
-- index. The data of 0013 is carried over unchanged.

CREATE TABLE ledger_books (
    book BIGSERIAL PRIMARY KEY,
    company_id TEXT NOT NULL UNIQUE REFERENCES companies(id),
    next_number BIGINT NOT NULL
);
INSERT INTO ledger_books (company_id, next_number)
SELECT company_id, next_number FROM ledger_counters ORDER BY company_id;

CREATE TABLE ledger_entries_v14 (
    book BIGINT NOT NULL REFERENCES ledger_books(book),
    number BIGINT NOT NULL,
    id TEXT NOT NULL UNIQUE,
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
    reverses TEXT,
    fixed_at BIGINT,
    PRIMARY KEY (book, number),
    UNIQUE (book, import_key)
);
INSERT INTO ledger_entries_v14
SELECT b.book, e.number, e.id, e.batch, e.posting_date, e.document_date, e.vat_date, e.period, e.text,
       e.reference, e.tax_code, e.document_id, e.source, e.import_key, e.created_by, e.created_at,
       e.reverses, e.fixed_at
FROM ledger_entries e JOIN ledger_books b ON b.company_id = e.company_id;

CREATE TABLE ledger_postings_v14 (
    book BIGINT NOT NULL,
    number BIGINT NOT NULL,
    line BIGINT NOT NULL,
    account BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    tax_code TEXT,
    posting_date BIGINT NOT NULL,
    PRIMARY KEY (book, number, line),
    FOREIGN KEY (book, number) REFERENCES ledger_entries_v14(book, number)
);
INSERT INTO ledger_postings_v14
SELECT b.book, e.number, p.line, p.account, p.amount, p.currency, p.tax_code, p.posting_date
FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id JOIN ledger_books b ON b.company_id = e.company_id;

-- Monthly and whole-journal sums per account, keyed by book as well.
CREATE TABLE ledger_sums_v14 (
    book BIGINT NOT NULL,
    account BIGINT NOT NULL,
    currency TEXT NOT NULL,
    period BIGINT NOT NULL,
    debit BIGINT NOT NULL,
    credit BIGINT NOT NULL,
    PRIMARY KEY (book, account, currency, period)
);
INSERT INTO ledger_sums_v14
SELECT b.book, s.account, s.currency, s.period, s.debit, s.credit
FROM ledger_sums s JOIN ledger_books b ON b.company_id = s.company_id;
CREATE TABLE ledger_totals_v14 (
    book BIGINT NOT NULL,
    account BIGINT NOT NULL,
    currency TEXT NOT NULL,
    debit BIGINT NOT NULL,
    credit BIGINT NOT NULL,
    PRIMARY KEY (book, account, currency)
);
INSERT INTO ledger_totals_v14
SELECT b.book, t.account, t.currency, t.debit, t.credit
FROM ledger_totals t JOIN ledger_books b ON b.company_id = t.company_id;

ALTER TABLE ledger_datev_exports DROP CONSTRAINT ledger_datev_exports_entry_id_fkey;
DROP TABLE ledger_postings;
DROP TABLE ledger_entries;
DROP TABLE ledger_counters;
DROP TABLE ledger_sums;
DROP TABLE ledger_totals;
DROP FUNCTION ledger_entries_only_fixing();
DROP FUNCTION ledger_entries_open_period();
ALTER TABLE ledger_entries_v14 RENAME TO ledger_entries;
ALTER TABLE ledger_postings_v14 RENAME TO ledger_postings;
ALTER TABLE ledger_sums_v14 RENAME TO ledger_sums;
ALTER TABLE ledger_totals_v14 RENAME TO ledger_totals;
ALTER TABLE ledger_datev_exports ADD CONSTRAINT ledger_datev_exports_entry_id_fkey
    FOREIGN KEY (entry_id) REFERENCES ledger_entries(id);

CREATE INDEX ledger_entries_period ON ledger_entries(book, period, number);
CREATE INDEX ledger_entries_reverses ON ledger_entries(reverses) WHERE reverses IS NOT NULL;
CREATE INDEX ledger_postings_account ON ledger_postings(book, account, posting_date);

-- GoBD, as in 0013: postings never change, entries are never deleted and
-- change only from draft to fixed; nothing is booked into a closed period.
CREATE TRIGGER ledger_postings_no_change BEFORE UPDATE OR DELETE ON ledger_postings
FOR EACH ROW EXECUTE FUNCTION ledger_refuse('ledger postings cannot be changed or deleted; book a reversal');
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
FOR EACH ROW EXECUTE FUNCTION ledger_refuse('ledger entries cannot be deleted; book a reversal');
CREATE TRIGGER ledger_books_no_delete BEFORE DELETE ON ledger_books
FOR EACH ROW EXECUTE FUNCTION ledger_refuse('a company''s ledger book cannot be deleted');

CREATE FUNCTION ledger_entries_only_fixing() RETURNS trigger AS $$
BEGIN
    IF OLD.fixed_at IS NOT NULL OR NEW.fixed_at IS NULL
       OR (NEW.id, NEW.book, NEW.number, NEW.batch, NEW.posting_date, NEW.document_date, NEW.period,
           NEW.text, NEW.reference, NEW.created_by, NEW.created_at)
          IS DISTINCT FROM
          (OLD.id, OLD.book, OLD.number, OLD.batch, OLD.posting_date, OLD.document_date, OLD.period,
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
    IF EXISTS (SELECT 1 FROM ledger_closed_periods c JOIN ledger_books b ON b.company_id = c.company_id
               WHERE b.book = NEW.book AND c.period = NEW.period) THEN
        RAISE EXCEPTION 'the period is closed';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_entries_open_period BEFORE INSERT ON ledger_entries
FOR EACH ROW EXECUTE FUNCTION ledger_entries_open_period();
