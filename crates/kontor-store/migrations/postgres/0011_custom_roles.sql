-- Roles an administrator defines for one company: a set of permissions
-- (`module:action`, comma-separated). Memberships name them `custom:<key>`.
CREATE TABLE custom_roles (
    id TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies(id),
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    permissions TEXT NOT NULL,
    require_2fa BIGINT NOT NULL CHECK (require_2fa IN (0, 1)),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (company_id, key)
);
