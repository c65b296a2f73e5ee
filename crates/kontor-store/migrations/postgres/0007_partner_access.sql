-- Access of external partners (tax advisor, payroll provider, auditor) to one
-- company: invited by a one-time link (only its SHA-256 is kept), valid in a
-- time window, for finance roles limited to a range of months, revocable.
CREATE TABLE partner_grants (
    id TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies(id),
    role TEXT NOT NULL,
    firm TEXT NOT NULL,
    email TEXT,
    user_id TEXT REFERENCES users(id),
    valid_from BIGINT NOT NULL,
    valid_until BIGINT NOT NULL,
    period_from TEXT,
    period_to TEXT,
    invite_hash TEXT UNIQUE,
    invite_expires_at BIGINT NOT NULL,
    accepted_at BIGINT,
    revoked_at BIGINT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CHECK (valid_until > valid_from)
);
CREATE INDEX partner_grants_company ON partner_grants(company_id, created_at);
CREATE INDEX partner_grants_user ON partner_grants(user_id);
