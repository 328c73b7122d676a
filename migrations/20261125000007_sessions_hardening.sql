-- Where each session was started from (shown to admins listing a user's sessions).
ALTER TABLE sessions ADD COLUMN client_addr TEXT;
-- Throttle rows are pruned once their window has passed.
CREATE INDEX login_throttle_first_failure ON login_throttle (first_failure_at);
