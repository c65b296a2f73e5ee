-- E-mail as a capture channel (docs/documents.md): attachments point to the
-- mail they came with; one IMAP mailbox per company, its password sealed
-- with the master key.
ALTER TABLE documents ADD COLUMN parent_id TEXT;
CREATE INDEX documents_parent ON documents(parent_id);

CREATE TABLE mail_accounts (
    company_id TEXT PRIMARY KEY REFERENCES companies(id),
    url TEXT NOT NULL,
    username TEXT NOT NULL,
    password_sealed TEXT NOT NULL,
    folder TEXT NOT NULL,
    done_folder TEXT NOT NULL,
    interval_secs BIGINT NOT NULL,
    enabled BIGINT NOT NULL,
    last_poll_at BIGINT,
    last_error TEXT,
    last_count BIGINT NOT NULL DEFAULT 0,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
