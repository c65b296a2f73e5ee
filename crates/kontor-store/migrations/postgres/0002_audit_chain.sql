-- Tamper-evident audit trail: each entry names what it is about and carries
-- the previous entry's hash and its own (see docs/audit.md).
ALTER TABLE audit_events ADD COLUMN object_type TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN client_addr TEXT;
ALTER TABLE audit_events ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_events ADD COLUMN hash TEXT;
