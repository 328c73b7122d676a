-- One unit for every stored time: Unix milliseconds (UTC), as the audit trail, attempts and
-- status checks already had. The tables below held Unix seconds.
UPDATE orders SET paid_at = paid_at * 1000, created_at = created_at * 1000,
    updated_at = updated_at * 1000;
UPDATE users SET disabled_at = disabled_at * 1000, created_at = created_at * 1000,
    updated_at = updated_at * 1000;
UPDATE cancel_requests SET created_at = created_at * 1000, updated_at = updated_at * 1000,
    next_attempt_at = next_attempt_at * 1000, lease_until = lease_until * 1000;
UPDATE sessions SET created_at = created_at * 1000, last_seen_at = last_seen_at * 1000,
    expires_at = expires_at * 1000;
UPDATE login_throttle SET first_failure_at = first_failure_at * 1000,
    locked_until = locked_until * 1000;
