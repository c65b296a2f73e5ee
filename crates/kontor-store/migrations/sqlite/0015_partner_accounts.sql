-- A business partner's personal account in the ledger (Debitor 10000–69999,
-- Kreditor 70000–99999), unique per company; DATEV's Debitoren/Kreditoren
-- master data and the GoBD export name the personal accounts from here.
ALTER TABLE partners ADD COLUMN account INTEGER;
CREATE UNIQUE INDEX partners_account ON partners(company_id, account) WHERE account IS NOT NULL;

-- The numbers DATEV knows the company by (Beraternummer of the tax advisor,
-- Mandantennummer), remembered from the last DATEV export.
CREATE TABLE ledger_settings (
    company_id TEXT PRIMARY KEY REFERENCES companies(id),
    datev_berater INTEGER NOT NULL,
    datev_mandant INTEGER NOT NULL
);
