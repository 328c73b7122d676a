-- CSV files an admin uploaded on /orders/import, kept until imported (or a day old) so the
-- preview, the import and the error file read the same bytes on whichever server answers.
CREATE TABLE order_uploads (
    id           INTEGER PRIMARY KEY,
    token        TEXT    NOT NULL UNIQUE CHECK (length(token) = 32),
    uploaded_by  TEXT    NOT NULL,
    file_name    TEXT    NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
    content      BLOB    NOT NULL,
    size_bytes   INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    imported_at  INTEGER,
    summary      TEXT
);
CREATE INDEX order_uploads_created_at ON order_uploads (created_at);
