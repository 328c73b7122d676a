-- The language a person chose in the top bar ('en' or 'id'); NULL: not chosen, the browser's
-- Accept-Language decides. Put back into the language cookie when they sign in on any device.
ALTER TABLE users ADD COLUMN language TEXT;
