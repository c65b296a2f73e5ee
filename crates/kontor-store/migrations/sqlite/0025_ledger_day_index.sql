-- Postings indexed by day first instead of by account first
-- (docs/benchmarks.md, "Ledger"). Journals arrive roughly in date order, so
-- new index rows land in the last few days' pages; the account-first index
-- spread every import batch over the whole index (one insertion point per
-- account) and rewrote most of its pages at every commit. The account
-- ledger (Kontoblatt) looks up the months in which the account has postings
-- in ledger_sums and reads only those days; partial-month sums read a day
-- range directly.
DROP INDEX ledger_postings_account;
CREATE INDEX ledger_postings_day ON ledger_postings(book, posting_date, account);
