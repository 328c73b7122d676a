-- PostgreSQL twin of migrations/sqlite/20261125000006_audit_keyed.sql (same version, same schema).
-- Differs: integers are BIGINT; the triggers call the plpgsql function of the audit_events
-- migration (same names and message as SQLite's), and TRUNCATE is refused too (it fires no row
-- triggers, and an emptied table would read as legacy_events = 0).
-- The audit chain is keyed from here on: each row's hash is an HMAC-SHA256 with a secret kept
-- outside the database (CANCEL_DESK_AUDIT_KEY_PATH). Rows written before this migration keep
-- their plain SHA-256; this one-row table remembers how many there were, so `audit verify` checks
-- rows 1..legacy_events the old way, expects the `audit.chain_keyed` marker next (appended at the
-- first start after the upgrade) and the HMAC on it and every later row. A fresh database has
-- legacy_events = 0: every row keyed, no marker. Like audit_events, the row cannot be changed.
CREATE TABLE audit_chain (
    id            BIGINT  PRIMARY KEY CHECK (id = 1),
    legacy_events BIGINT  NOT NULL CHECK (legacy_events >= 0)
);

INSERT INTO audit_chain (id, legacy_events)
    SELECT 1, COALESCE(MAX(id), 0) FROM audit_events;

CREATE TRIGGER audit_chain_refuse_update BEFORE UPDATE ON audit_chain
    FOR EACH ROW EXECUTE FUNCTION cd_refuse_append_only_change();

CREATE TRIGGER audit_chain_refuse_delete BEFORE DELETE ON audit_chain
    FOR EACH ROW EXECUTE FUNCTION cd_refuse_append_only_change();

CREATE TRIGGER audit_chain_refuse_truncate BEFORE TRUNCATE ON audit_chain
    FOR EACH STATEMENT EXECUTE FUNCTION cd_refuse_append_only_change();
