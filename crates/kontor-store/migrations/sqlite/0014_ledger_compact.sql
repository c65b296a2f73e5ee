-- Compact ledger storage (docs/benchmarks.md, "Ledger"): every company gets
-- a small integer book; entries are keyed (book, number) and postings
-- (book, number, line), without the company's UUID text in every row and
-- index. The data of 0013 is carried over unchanged.
-- Postings carry no foreign key to their entry here: the check costs a
-- fifth of the import time, every posting is written in the same statement
-- batch as its entry, and `kontor admin check` reports postings without one.

CREATE TABLE ledger_books (
    book INTEGER PRIMARY KEY,
    company_id TEXT NOT NULL UNIQUE REFERENCES companies(id),
    next_number INTEGER NOT NULL
);
INSERT INTO ledger_books (company_id, next_number)
SELECT company_id, next_number FROM ledger_counters ORDER BY company_id;

CREATE TABLE ledger_entries_v14 (
    book INTEGER NOT NULL,
    number INTEGER NOT NULL,
    id TEXT NOT NULL UNIQUE,
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
    reverses TEXT,
    fixed_at INTEGER,
    PRIMARY KEY (book, number),
    UNIQUE (book, import_key)
) WITHOUT ROWID;
INSERT INTO ledger_entries_v14
SELECT b.book, e.number, e.id, e.batch, e.posting_date, e.document_date, e.vat_date, e.period, e.text,
       e.reference, e.tax_code, e.document_id, e.source, e.import_key, e.created_by, e.created_at,
       e.reverses, e.fixed_at
FROM ledger_entries e JOIN ledger_books b ON b.company_id = e.company_id;

CREATE TABLE ledger_postings_v14 (
    book INTEGER NOT NULL,
    number INTEGER NOT NULL,
    line INTEGER NOT NULL,
    account INTEGER NOT NULL,
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL,
    tax_code TEXT,
    posting_date INTEGER NOT NULL,
    PRIMARY KEY (book, number, line)
) WITHOUT ROWID;
INSERT INTO ledger_postings_v14
SELECT b.book, e.number, p.line, p.account, p.amount, p.currency, p.tax_code, p.posting_date
FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id JOIN ledger_books b ON b.company_id = e.company_id;

-- Monthly and whole-journal sums per account, keyed by book as well.
CREATE TABLE ledger_sums_v14 (
    book INTEGER NOT NULL,
    account INTEGER NOT NULL,
    currency TEXT NOT NULL,
    period INTEGER NOT NULL,
    debit INTEGER NOT NULL,
    credit INTEGER NOT NULL,
    PRIMARY KEY (book, account, currency, period)
) WITHOUT ROWID;
INSERT INTO ledger_sums_v14
SELECT b.book, s.account, s.currency, s.period, s.debit, s.credit
FROM ledger_sums s JOIN ledger_books b ON b.company_id = s.company_id;
CREATE TABLE ledger_totals_v14 (
    book INTEGER NOT NULL,
    account INTEGER NOT NULL,
    currency TEXT NOT NULL,
    debit INTEGER NOT NULL,
    credit INTEGER NOT NULL,
    PRIMARY KEY (book, account, currency)
) WITHOUT ROWID;
INSERT INTO ledger_totals_v14
SELECT b.book, t.account, t.currency, t.debit, t.credit
FROM ledger_totals t JOIN ledger_books b ON b.company_id = t.company_id;

CREATE TEMP TABLE ledger_datev_exports_v14 AS SELECT * FROM ledger_datev_exports;

DROP TRIGGER ledger_postings_no_update;
DROP TRIGGER ledger_postings_no_delete;
DROP TRIGGER ledger_entries_no_delete;
DROP TRIGGER ledger_entries_only_fixing;
DROP TRIGGER ledger_entries_open_period;
DROP TABLE ledger_datev_exports;
DROP TABLE ledger_postings;
DROP TABLE ledger_entries;
DROP TABLE ledger_counters;
DROP TABLE ledger_sums;
DROP TABLE ledger_totals;
ALTER TABLE ledger_entries_v14 RENAME TO ledger_entries;
ALTER TABLE ledger_postings_v14 RENAME TO ledger_postings;
ALTER TABLE ledger_sums_v14 RENAME TO ledger_sums;
ALTER TABLE ledger_totals_v14 RENAME TO ledger_totals;

CREATE INDEX ledger_entries_period ON ledger_entries(book, period, number);
CREATE INDEX ledger_entries_reverses ON ledger_entries(reverses) WHERE reverses IS NOT NULL;
CREATE INDEX ledger_postings_account ON ledger_postings(book, account, posting_date);

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
INSERT INTO ledger_datev_exports SELECT company_id, entry_id, export_id, exported_at FROM temp.ledger_datev_exports_v14;
DROP TABLE temp.ledger_datev_exports_v14;

-- GoBD, as in 0013: postings are never changed or deleted; entries are never
-- deleted and change only once, from draft to fixed (Festschreibung);
-- nothing is booked into a closed period.
CREATE TRIGGER ledger_postings_no_update BEFORE UPDATE ON ledger_postings
BEGIN SELECT RAISE(ABORT, 'ledger postings cannot be changed; book a reversal'); END;
CREATE TRIGGER ledger_postings_no_delete BEFORE DELETE ON ledger_postings
BEGIN SELECT RAISE(ABORT, 'ledger postings cannot be deleted; book a reversal'); END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger entries cannot be deleted; book a reversal'); END;
CREATE TRIGGER ledger_entries_only_fixing BEFORE UPDATE ON ledger_entries
WHEN OLD.fixed_at IS NOT NULL
  OR NEW.fixed_at IS NULL
  OR NEW.id IS NOT OLD.id OR NEW.book IS NOT OLD.book OR NEW.number IS NOT OLD.number
  OR NEW.batch IS NOT OLD.batch OR NEW.posting_date IS NOT OLD.posting_date
  OR NEW.document_date IS NOT OLD.document_date OR NEW.vat_date IS NOT OLD.vat_date
  OR NEW.period IS NOT OLD.period OR NEW.text IS NOT OLD.text OR NEW.reference IS NOT OLD.reference
  OR NEW.tax_code IS NOT OLD.tax_code OR NEW.document_id IS NOT OLD.document_id OR NEW.source IS NOT OLD.source
  OR NEW.import_key IS NOT OLD.import_key OR NEW.created_by IS NOT OLD.created_by
  OR NEW.created_at IS NOT OLD.created_at OR NEW.reverses IS NOT OLD.reverses
BEGIN SELECT RAISE(ABORT, 'ledger entries can only be fixed (festgeschrieben), not changed'); END;
CREATE TRIGGER ledger_entries_open_period BEFORE INSERT ON ledger_entries
WHEN EXISTS (SELECT 1 FROM ledger_closed_periods c JOIN ledger_books b ON b.company_id = c.company_id
             WHERE b.book = NEW.book AND c.period = NEW.period)
BEGIN SELECT RAISE(ABORT, 'the period is closed'); END;
CREATE TRIGGER ledger_books_no_delete BEFORE DELETE ON ledger_books
BEGIN SELECT RAISE(ABORT, 'a company''s ledger book cannot be deleted'); END;
