-- Cancel requests and every attempt at DANA. A request is written, with the exact body every
-- attempt will send, in the same transaction that moves its order to CANCELLING; each attempt
-- row is written before its HTTP call and completed after it, so a crash leaves an attempt with
-- no `finished_at`: an unknown outcome to reconcile, never a lost cancel.
CREATE TABLE cancel_requests (
    id                    INTEGER PRIMARY KEY,
    order_id              INTEGER NOT NULL REFERENCES orders (id),
    partner_reference_no  TEXT    NOT NULL,
    actor                 TEXT    NOT NULL CHECK (length(actor) BETWEEN 1 AND 320),
    reason                TEXT    NOT NULL CHECK (length(reason) BETWEEN 1 AND 256),
    request_body          TEXT    NOT NULL,
    state                 TEXT    NOT NULL CHECK (state IN ('IN_FLIGHT', 'PENDING', 'SUCCEEDED', 'FAILED')),
    -- The catalog row of the last finished attempt (a DANA code, TIMEOUT or UNEXPECTED)
    last_code             TEXT,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL
);

-- At most one open cancel per order, whatever the application does.
CREATE UNIQUE INDEX cancel_requests_one_open_per_order
    ON cancel_requests (order_id) WHERE state IN ('IN_FLIGHT', 'PENDING');
CREATE INDEX cancel_requests_order ON cancel_requests (order_id, id);

CREATE TABLE cancel_attempts (
    id                 INTEGER PRIMARY KEY,
    cancel_request_id  INTEGER NOT NULL REFERENCES cancel_requests (id),
    attempt_no         INTEGER NOT NULL CHECK (attempt_no >= 1),
    external_id        TEXT    NOT NULL UNIQUE CHECK (length(external_id) BETWEEN 1 AND 36),
    request_timestamp  TEXT    NOT NULL CHECK (length(request_timestamp) = 25),
    -- JSON array of [name, value]; the signature is not a secret, the key never appears
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
    UNIQUE (cancel_request_id, attempt_no)
);
