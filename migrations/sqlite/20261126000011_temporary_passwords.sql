-- A password an admin made in the browser (add, reset) is for the first sign-in only: until the
-- person chooses their own, this holds when it was made (Unix milliseconds); NULL: their own.
ALTER TABLE users ADD COLUMN temporary_password_at INTEGER;
