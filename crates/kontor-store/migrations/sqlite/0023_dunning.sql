-- Dunning notices (docs/banking.md): one row per reminder sent for an
-- open customer item; the next level and the pause between letters are
-- decided from them. Append-only like letters that left the house.
CREATE TABLE dunning_notices (
    id TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies(id),
    item_key TEXT NOT NULL,
    level INTEGER NOT NULL,
    sent_on TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX dunning_notices_level ON dunning_notices(company_id, item_key, level);
