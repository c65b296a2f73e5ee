-- Failed sign-ins per account and per client address, for throttling.
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    locked_until BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL
);
CREATE INDEX login_throttle_locked ON login_throttle(locked_until);
