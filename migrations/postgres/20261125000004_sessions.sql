-- PostgreSQL twin of migrations/sqlite/20261125000004_sessions.sql (same version, same schema).
-- Differs: integers are BIGINT. Both tables are keyed by text, so no identity column.
-- Server-side sessions. Only a SHA-256 of the session token is stored, so the table alone
-- cannot be replayed as cookies.
CREATE TABLE sessions (
    token_hash    TEXT    PRIMARY KEY CHECK (length(token_hash) = 64),
    user_id       BIGINT  NOT NULL REFERENCES users (id),
    created_at    BIGINT  NOT NULL,
    last_seen_at  BIGINT  NOT NULL,
    -- idle expiry: last_seen_at + the configured idle time
    expires_at    BIGINT  NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed sign-ins per account and per address, to slow down and then lock out guessing.
CREATE TABLE login_throttle (
    throttle_key      TEXT    PRIMARY KEY,
    failures          BIGINT  NOT NULL,
    first_failure_at  BIGINT  NOT NULL,
    locked_until      BIGINT
);
