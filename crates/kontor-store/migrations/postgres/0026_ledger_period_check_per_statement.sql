-- Closed periods are checked once per INSERT statement instead of once per
-- row (docs/benchmarks.md, "Ledger": the row trigger ran a query for each
-- of a bulk import's entries). The rule is unchanged: an insert that puts
-- any entry into a closed period fails as a whole.
DROP TRIGGER ledger_entries_open_period ON ledger_entries;
DROP FUNCTION ledger_entries_open_period();
CREATE FUNCTION ledger_entries_open_period() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM inserted n
               JOIN ledger_books b ON b.book = n.book
               JOIN ledger_closed_periods c ON c.company_id = b.company_id AND c.period = n.period) THEN
        RAISE EXCEPTION 'the period is closed';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_entries_open_period AFTER INSERT ON ledger_entries
REFERENCING NEW TABLE AS inserted
FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_open_period();
