-- SQLite twin of migrations/postgres/20261126000008_periodic_retries_and_refunds.sql.
-- 1. A cancel DANA refused with a "retry periodically" code (4035714, 4035715, 4045700, 5005700)
--    is retried on a slower schedule of its own. Its request is RETRYING (open: still one per
--    order, still leased by the worker) and its order CANCEL_RETRYING ("Cancel failed, retrying
--    periodically": still paid, not cancellable again while the retries run).
-- 2. Refunds (DANA's Refund Order): orders gain PARTIALLY_REFUNDED and REFUNDED, and
--    `refund_reserved_minor`, the sum of refunds open or made. A refund reserves its amount in
--    the same statement that checks the order's status and that the sum stays within the paid
--    amount, so concurrent refunds can never exceed it (the CHECK says so too).
-- SQLite cannot change a CHECK, so orders and cancel_requests are rebuilt as in 20261126000005
-- (ids, indexes and references kept; foreign keys deferred to the commit of sqlx's transaction).
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
                              ('UNPAID', 'CLOSED', 'PAID', 'CANCELLING', 'CANCEL_PENDING', 'CANCEL_RETRYING',
                               'CANCELLED', 'CANCEL_FAILED', 'PARTIALLY_REFUNDED', 'REFUNDED')),
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
    last_source_at        INTEGER NOT NULL DEFAULT 0,
    refund_reserved_minor INTEGER NOT NULL DEFAULT 0
                          CHECK (refund_reserved_minor >= 0 AND refund_reserved_minor <= amount_minor)
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

CREATE TABLE cancel_requests_rebuilt (
    id                    INTEGER PRIMARY KEY,
    order_id              INTEGER NOT NULL REFERENCES orders (id),
    partner_reference_no  TEXT    NOT NULL,
    actor                 TEXT    NOT NULL CHECK (length(actor) BETWEEN 1 AND 320),
    reason                TEXT    NOT NULL CHECK (length(reason) BETWEEN 1 AND 256),
    request_body          TEXT    NOT NULL,
    state                 TEXT    NOT NULL
                          CHECK (state IN ('IN_FLIGHT', 'PENDING', 'RETRYING', 'SUCCEEDED', 'FAILED')),
    last_code             TEXT,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    next_attempt_at       INTEGER,
    lease_owner           TEXT,
    lease_until           INTEGER,
    attention             TEXT,
    last_status           TEXT,
    resolved_by           TEXT,
    resolution_note       TEXT
);
CREATE TEMP TABLE cancel_requests_copy AS SELECT * FROM cancel_requests;
DROP TABLE cancel_requests;
ALTER TABLE cancel_requests_rebuilt RENAME TO cancel_requests;
INSERT INTO cancel_requests (id, order_id, partner_reference_no, actor, reason, request_body,
    state, last_code, created_at, updated_at, next_attempt_at, lease_owner, lease_until,
    attention, last_status, resolved_by, resolution_note)
SELECT id, order_id, partner_reference_no, actor, reason, request_body,
    state, last_code, created_at, updated_at, next_attempt_at, lease_owner, lease_until,
    attention, last_status, resolved_by, resolution_note
FROM temp.cancel_requests_copy;
DROP TABLE temp.cancel_requests_copy;
CREATE UNIQUE INDEX cancel_requests_one_open_per_order
    ON cancel_requests (order_id) WHERE state IN ('IN_FLIGHT', 'PENDING', 'RETRYING');
CREATE INDEX cancel_requests_order ON cancel_requests (order_id, id);
CREATE INDEX cancel_requests_due ON cancel_requests (next_attempt_at)
    WHERE state IN ('IN_FLIGHT', 'PENDING', 'RETRYING');

-- Refunds: one row per refund with the exact body every attempt sends (its partnerRefundNo is
-- DANA's idempotency key), written with its first attempt before anything is sent.
CREATE TABLE refunds (
    id                    INTEGER PRIMARY KEY,
    order_id              INTEGER NOT NULL REFERENCES orders (id),
    partner_reference_no  TEXT    NOT NULL,
    partner_refund_no     TEXT    NOT NULL UNIQUE CHECK (length(partner_refund_no) BETWEEN 1 AND 64),
    actor                 TEXT    NOT NULL CHECK (length(actor) BETWEEN 1 AND 320),
    reason                TEXT    NOT NULL CHECK (length(reason) BETWEEN 1 AND 256),
    amount_minor          INTEGER NOT NULL CHECK (amount_minor > 0),
    currency              TEXT    NOT NULL CHECK (length(currency) = 3),
    request_body          TEXT    NOT NULL,
    state                 TEXT    NOT NULL CHECK (state IN ('IN_FLIGHT', 'PENDING', 'SUCCEEDED', 'FAILED')),
    -- The refund catalog row of the last finished attempt (a DANA code, TIMEOUT or UNEXPECTED)
    last_code             TEXT,
    -- DANA's refundNo and refundTime, once it refunded
    refund_no             TEXT,
    refund_time           TEXT,
    next_attempt_at       INTEGER,
    lease_owner           TEXT,
    lease_until           INTEGER,
    attention             TEXT,
    resolved_by           TEXT,
    resolution_note       TEXT,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL
);
CREATE INDEX refunds_order ON refunds (order_id, id);
CREATE INDEX refunds_due ON refunds (next_attempt_at) WHERE state IN ('IN_FLIGHT', 'PENDING');

CREATE TABLE refund_attempts (
    id                 INTEGER PRIMARY KEY,
    refund_id          INTEGER NOT NULL REFERENCES refunds (id),
    attempt_no         INTEGER NOT NULL CHECK (attempt_no >= 1),
    external_id        TEXT    NOT NULL UNIQUE CHECK (length(external_id) BETWEEN 1 AND 36),
    request_timestamp  TEXT    NOT NULL CHECK (length(request_timestamp) = 25),
    request_headers    TEXT    NOT NULL,
    sent_at            INTEGER NOT NULL,
    http_status        INTEGER,
    response_code      TEXT,
    response_message   TEXT,
    response_body      TEXT,
    transport_error    TEXT,
    latency_ms         INTEGER,
    catalog_code       TEXT,
    finished_at        INTEGER,
    UNIQUE (refund_id, attempt_no)
);
