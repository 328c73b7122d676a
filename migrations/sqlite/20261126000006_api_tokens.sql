-- Bearer tokens for machines: the merchant's order system posts orders with one. Only the
-- SHA-256 of a token is stored (a token is 256 random bits, so a plain hash suffices; the
-- token itself is shown once, at creation). A revoked token stays, so the audit trail's
-- `token:NAME` always names a row. Times are Unix milliseconds.
CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64),
    token_sha256  TEXT    NOT NULL UNIQUE CHECK (length(token_sha256) = 64),
    scope         TEXT    NOT NULL CHECK (scope IN ('orders:write')),
    created_at    INTEGER NOT NULL,
    created_by    TEXT    NOT NULL,
    revoked_at    INTEGER,
    last_used_at  INTEGER
);
