-- Two-factor sign-in (TOTP, RFC 6238) with one-time recovery codes, and
-- which roles require it.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_enabled BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN enroll_only BIGINT NOT NULL DEFAULT 0;
CREATE TABLE recovery_codes (
    user_id TEXT NOT NULL REFERENCES users(id),
    code_hash TEXT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (user_id, code_hash)
);
CREATE TABLE role_policies (
    role TEXT PRIMARY KEY,
    require_2fa BIGINT NOT NULL
);
INSERT INTO role_policies (role, require_2fa) VALUES
    ('admin', 1), ('buchhaltung', 0), ('personal', 1), ('freigabe', 0),
    ('mitarbeiter', 0), ('steuerberater', 1), ('lohnbuero', 1), ('pruefer', 1);
