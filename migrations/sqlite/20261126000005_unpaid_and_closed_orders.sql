-- SQLite twin of migrations/postgres/20261126000005_unpaid_and_closed_orders.sql: two more
-- statuses, UNPAID (sent by the merchant's system before payment) and CLOSED (DANA's notify 05:
-- never paid). SQLite cannot change a CHECK, so the table is rebuilt exactly as in
-- 20261126000004 (ids, the FTS5 index and every cancel's order kept; foreign keys deferred to
-- the commit of sqlx's transaction).
PRAGMA defer_foreign_keys = ON;
CREATE TABLE orders_rebuilt (
    id                    INTEGER PRIMARY KEY,
    partner_reference_no  TEXT    NOT NULL UNIQUE
                          CHECK (length(partner_reference_no) BETWEEN 1 AND 64),
    reference_no          TEXT    CHECK (reference_no IS NULL OR length(reference_no) BETWEEN 1 AND 64),
    merchant_id           TEXT    NOT NULL CHECK (length(merchant_id) BETWEEN 1 AND 64),
    sub_merchant_id       TEXT    CHECK (sub_merchant_id IS NULL OR length(sub_merchant_id) BETWEEN 1 AND 32),
    external_store_id     TEXT    CHECK (external_store_id IS NULL OR length(external_store_id) BETWEEN 1 AND 64),
    amount_minor          INTEGER NOT NULL CHECK (amount_minor >= 0 AND amount_minor <= 999999999999999999),
    currency              TEXT    NOT NULL CHECK (length(currency) = 3),
    status                TEXT    NOT NULL CHECK (status IN
                              ('UNPAID', 'CLOSED', 'PAID', 'CANCELLING', 'CANCEL_PENDING', 'CANCELLED',
                               'CANCEL_FAILED')),
    paid_at               INTEGER NOT NULL,
    customer_name         TEXT    CHECK (customer_name IS NULL OR length(customer_name) BETWEEN 1 AND 128),
    customer_phone_masked TEXT    CHECK (customer_phone_masked IS NULL
                                         OR length(customer_phone_masked) BETWEEN 1 AND 32),
    item_description      TEXT    CHECK (item_description IS NULL
                                         OR length(item_description) BETWEEN 1 AND 256),
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    source                TEXT    NOT NULL DEFAULT 'seed'
                          CHECK (source IN ('notify', 'api', 'import', 'seed')),
    last_source           TEXT    NOT NULL DEFAULT 'seed'
                          CHECK (last_source IN ('notify', 'api', 'import', 'seed')),
    last_source_at        INTEGER NOT NULL DEFAULT 0
);
-- The rows wait in a temporary copy and go into the rebuilt table only after it is named
-- `orders`: SQLite counts the cancels the drop left without an order, and only rows inserted
-- into `orders` itself count them back.
CREATE TEMP TABLE orders_copy AS SELECT * FROM orders;
DROP TABLE orders;
ALTER TABLE orders_rebuilt RENAME TO orders;
INSERT INTO orders (id, partner_reference_no, reference_no, merchant_id, sub_merchant_id,
    external_store_id, amount_minor, currency, status, paid_at, customer_name,
    customer_phone_masked, item_description, created_at, updated_at, source, last_source,
    last_source_at)
SELECT id, partner_reference_no, reference_no, merchant_id, sub_merchant_id,
    external_store_id, amount_minor, currency, status, paid_at, customer_name,
    customer_phone_masked, item_description, created_at, updated_at, source, last_source,
    last_source_at
FROM temp.orders_copy;
DROP TABLE temp.orders_copy;
CREATE INDEX orders_paid_at ON orders (paid_at, id, amount_minor);
CREATE INDEX orders_amount ON orders (amount_minor, id);
CREATE INDEX orders_status_paid_at ON orders (status, paid_at, id, amount_minor);
CREATE INDEX orders_status_amount ON orders (status, amount_minor, id);
CREATE INDEX orders_reference_no ON orders (reference_no);
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
