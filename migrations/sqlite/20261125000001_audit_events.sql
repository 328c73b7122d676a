-- The audit trail: append-only, each row hashed together with the previous row's hash, so an
-- edited, inserted or deleted row breaks the chain from that point (`cancel-desk audit verify`).
CREATE TABLE audit_events (
    id            INTEGER PRIMARY KEY,
    -- Unix milliseconds
    occurred_at   INTEGER NOT NULL,
    actor         TEXT    NOT NULL CHECK (length(actor) BETWEEN 1 AND 320),
    action        TEXT    NOT NULL CHECK (length(action) BETWEEN 1 AND 64),
    outcome       TEXT    NOT NULL CHECK (outcome IN ('success', 'failure', 'pending', 'forbidden', 'info')),
    order_ref     TEXT    CHECK (order_ref IS NULL OR length(order_ref) BETWEEN 1 AND 64),
    response_code TEXT    CHECK (response_code IS NULL OR length(response_code) BETWEEN 1 AND 16),
    -- JSON object, stored exactly as hashed
    details       TEXT    NOT NULL,
    prev_hash     TEXT    NOT NULL UNIQUE CHECK (length(prev_hash) = 64),
    hash          TEXT    NOT NULL UNIQUE CHECK (length(hash) = 64)
);

CREATE INDEX audit_events_occurred_at ON audit_events (occurred_at, id);
CREATE INDEX audit_events_order_ref ON audit_events (order_ref, id);
CREATE INDEX audit_events_actor ON audit_events (actor, id);
CREATE INDEX audit_events_action ON audit_events (action, id);

CREATE TRIGGER audit_events_refuse_update BEFORE UPDATE ON audit_events BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;

CREATE TRIGGER audit_events_refuse_delete BEFORE DELETE ON audit_events BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
