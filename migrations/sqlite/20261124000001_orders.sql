-- Orders as Cancel Desk knows them: everything DANA's Cancel Order request needs
-- (references, merchant, sub-merchant, store, amount) and what staff need to find an order.
-- Times are Unix seconds (UTC); amounts are integer minor units (IDR: sen). No floats.
CREATE TABLE orders (
    id                    INTEGER PRIMARY KEY,
    partner_reference_no  TEXT    NOT NULL UNIQUE
                          CHECK (length(partner_reference_no) BETWEEN 1 AND 64),
    reference_no          TEXT    CHECK (reference_no IS NULL OR length(reference_no) BETWEEN 1 AND 64),
    merchant_id           TEXT    NOT NULL CHECK (length(merchant_id) BETWEEN 1 AND 64),
    sub_merchant_id       TEXT    CHECK (sub_merchant_id IS NULL OR length(sub_merchant_id) BETWEEN 1 AND 32),
    external_store_id     TEXT    CHECK (external_store_id IS NULL OR length(external_store_id) BETWEEN 1 AND 64),
    -- 16 digits + point + 2 decimals = DANA's 19-character amount.value
    amount_minor          INTEGER NOT NULL CHECK (amount_minor >= 0 AND amount_minor <= 999999999999999999),
    currency              TEXT    NOT NULL CHECK (length(currency) = 3),
    status                TEXT    NOT NULL CHECK (status IN
                              ('PAID', 'CANCELLING', 'CANCEL_PENDING', 'CANCELLED', 'CANCEL_FAILED')),
    paid_at               INTEGER NOT NULL,
    customer_name         TEXT    NOT NULL CHECK (length(customer_name) BETWEEN 1 AND 128),
    customer_phone_masked TEXT    NOT NULL CHECK (length(customer_phone_masked) BETWEEN 1 AND 32),
    item_description      TEXT    NOT NULL CHECK (length(item_description) BETWEEN 1 AND 256),
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL
);

-- Keyset pagination: each list ordering is an index walk, with or without a status filter.
-- The id makes every position unique (and is spelled out for PostgreSQL). The amount after it
-- changes no order but covers "a paid-at range, sorted by amount" without reading the table.
CREATE INDEX orders_paid_at ON orders (paid_at, id, amount_minor);
CREATE INDEX orders_amount ON orders (amount_minor, id);
CREATE INDEX orders_status_paid_at ON orders (status, paid_at, id, amount_minor);
CREATE INDEX orders_status_amount ON orders (status, amount_minor, id);
-- Search by DANA reference (the partner reference has its UNIQUE index).
CREATE INDEX orders_reference_no ON orders (reference_no);

-- Search by customer name: a full-text index over the name, kept in step by triggers.
-- (SQLite-specific; PostgreSQL will use a tsvector index instead.)
CREATE VIRTUAL TABLE orders_name_fts USING fts5(
    customer_name,
    content = 'orders',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER orders_name_fts_insert AFTER INSERT ON orders BEGIN
    INSERT INTO orders_name_fts (rowid, customer_name) VALUES (new.id, new.customer_name);
END;

CREATE TRIGGER orders_name_fts_delete AFTER DELETE ON orders BEGIN
    INSERT INTO orders_name_fts (orders_name_fts, rowid, customer_name)
    VALUES ('delete', old.id, old.customer_name);
END;

CREATE TRIGGER orders_name_fts_update AFTER UPDATE OF customer_name ON orders BEGIN
    INSERT INTO orders_name_fts (orders_name_fts, rowid, customer_name)
    VALUES ('delete', old.id, old.customer_name);
    INSERT INTO orders_name_fts (rowid, customer_name) VALUES (new.id, new.customer_name);
END;
