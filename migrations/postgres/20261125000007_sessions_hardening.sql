-- PostgreSQL twin of migrations/sqlite/20261125000007_sessions_hardening.sql (same version, same
-- schema). Differs: integers are BIGINT. ADD COLUMN ... NOT NULL DEFAULT 0 fills existing rows as
-- SQLite does (without rewriting the table, since PostgreSQL 11).
-- Where each session was started from (shown to admins listing a user's sessions).
ALTER TABLE sessions ADD COLUMN client_addr TEXT;
-- Throttle rows are pruned once their window has passed.
CREATE INDEX login_throttle_first_failure ON login_throttle (first_failure_at);
-- Attempts refused while a key was locked: counted, and audited once per lock rather than one
-- event per refusal (a locked-out guesser must not be able to grow the audit trail).
ALTER TABLE login_throttle ADD COLUMN refused BIGINT NOT NULL DEFAULT 0;
