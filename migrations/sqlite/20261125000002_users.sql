-- Staff accounts. E-mails are stored lower-case; passwords only as Argon2id PHC strings.
CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    email          TEXT    NOT NULL UNIQUE CHECK (length(email) BETWEEN 3 AND 320),
    role           TEXT    NOT NULL CHECK (role IN ('finance', 'operations', 'supervisor', 'admin')),
    password_hash  TEXT    NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    -- Unix seconds; NULL while the account is active
    disabled_at    INTEGER,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
