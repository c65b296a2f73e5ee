-- Ledger rows keyed by time first (docs/benchmarks.md, "Ledger").
-- Journals arrive roughly in date order. Keyed by account first, every
-- import batch touched one place per account (25,000 accounts in the
-- benchmark) in the postings' account index and in the monthly sums, and
-- rewrote most of their pages at every commit; keyed by day or month first,
-- a batch's rows land together in the last few pages.
--
-- Postings: indexed by day. The account ledger (Kontoblatt) looks up the
-- months in which the account has postings in ledger_sums and reads only
-- those days; partial-month sums read a day range directly.
DROP INDEX ledger_postings_account;
CREATE INDEX ledger_postings_day ON ledger_postings(book, posting_date, account);

-- Monthly sums: keyed by month, then account.
CREATE TABLE ledger_sums_v25 (
    book INTEGER NOT NULL,
    period INTEGER NOT NULL,
    account INTEGER NOT NULL,
    currency TEXT NOT NULL,
    debit BIGINT NOT NULL,
    credit BIGINT NOT NULL,
    PRIMARY KEY (book, period, account, currency)
) WITHOUT ROWID;
INSERT INTO ledger_sums_v25 (book, period, account, currency, debit, credit)
SELECT book, period, account, currency, debit, credit FROM ledger_sums;
DROP TABLE ledger_sums;
ALTER TABLE ledger_sums_v25 RENAME TO ledger_sums;
