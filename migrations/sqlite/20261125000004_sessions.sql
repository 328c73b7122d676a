-- Server-side sessions. Only a SHA-256 of the session token is stored, so the table alone
-- cannot be replayed as cookies.
CREATE TABLE sessions (
    token_hash    TEXT    PRIMARY KEY CHECK (length(token_hash) = 64),
    user_id       INTEGER NOT NULL REFERENCES users (id),
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    -- idle expiry: last_seen_at + the configured idle time
    expires_at    INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed sign-ins per account and per address, to slow down and then lock out guessing.
CREATE TABLE login_throttle (
    throttle_key      TEXT    PRIMARY KEY,
    failures          INTEGER NOT NULL,
    first_failure_at  INTEGER NOT NULL,
    locked_until      INTEGER
);
