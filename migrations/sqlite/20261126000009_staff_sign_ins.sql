-- The staff page shows when each account last signed in (Unix milliseconds; NULL: never).
ALTER TABLE users ADD COLUMN last_sign_in_at INTEGER;
