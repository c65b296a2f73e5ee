-- Separation of duties: who did which duty on which object (see
-- kontor_core::sod). Append-only, like the audit trail.
CREATE TABLE duties (
    id TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies(id),
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    duty TEXT NOT NULL,
    -- `user:<uuid>` for people, the actor label for operators.
    person TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX duties_object ON duties(company_id, object_type, object_id);

-- A partner's bank account must be confirmed by a second person before
-- payments may use it; a change clears the confirmation.
ALTER TABLE partners ADD COLUMN bank_confirmed_by TEXT;
ALTER TABLE partners ADD COLUMN bank_confirmed_at BIGINT;
