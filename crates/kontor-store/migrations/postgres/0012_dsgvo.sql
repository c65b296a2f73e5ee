-- DSGVO: an employee who left is restricted (blocked for normal use) while
-- retention duties run; afterwards the record is anonymised.
ALTER TABLE employees ADD COLUMN exit_date TEXT;
ALTER TABLE employees ADD COLUMN restricted_at BIGINT;
ALTER TABLE employees ADD COLUMN retention_until TEXT;
ALTER TABLE employees ADD COLUMN restriction_basis TEXT;
ALTER TABLE employees ADD COLUMN erased_at BIGINT;
