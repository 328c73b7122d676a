-- PostgreSQL twin of migrations/sqlite/20261125000001_audit_events.sql (same version, same schema).
-- Differs: integers are BIGINT; the id stays a plain primary key (the app always gives it: it is
-- the chain position); SQLite's RAISE(ABORT) triggers become one plpgsql function raising the
-- same message, used by triggers of the same names, plus a statement trigger refusing TRUNCATE
-- (which fires no row triggers).
-- The audit trail: append-only, each row hashed together with the previous row's hash, so an
-- edited, inserted or deleted row breaks the chain from that point (`cancel-desk audit verify`).
CREATE TABLE audit_events (
    id            BIGINT  PRIMARY KEY,
    -- Unix milliseconds
    occurred_at   BIGINT  NOT NULL,
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

-- Refuses the change outright; the message names the table ("audit_events is append-only"),
-- as SQLite's RAISE(ABORT, ...) does. Shared by audit_chain's triggers.
CREATE FUNCTION cd_refuse_append_only_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;

CREATE TRIGGER audit_events_refuse_update BEFORE UPDATE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION cd_refuse_append_only_change();

CREATE TRIGGER audit_events_refuse_delete BEFORE DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION cd_refuse_append_only_change();

CREATE TRIGGER audit_events_refuse_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION cd_refuse_append_only_change();
