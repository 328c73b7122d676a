-- The pending-cancel queue. A cancel DANA has not settled (pending codes, time-outs, unexpected
-- answers, attempts cut off by a crash) stays PENDING with a due time; one worker at a time holds
-- it through a lease, so two server instances, or the worker and a person pressing "retry now",
-- never send the same attempt twice. Plain ADD COLUMNs and a partial index: portable to PostgreSQL.
ALTER TABLE cancel_requests ADD COLUMN next_attempt_at INTEGER;
ALTER TABLE cancel_requests ADD COLUMN lease_owner TEXT;
ALTER TABLE cancel_requests ADD COLUMN lease_until INTEGER;
-- Why a person must look (set when retrying stops); NULL while the worker handles it.
ALTER TABLE cancel_requests ADD COLUMN attention TEXT;
-- The latest transaction status DANA's Query Payment gave (00, 01, 02, 05, 07).
ALTER TABLE cancel_requests ADD COLUMN last_status TEXT;
ALTER TABLE cancel_requests ADD COLUMN resolved_by TEXT;
ALTER TABLE cancel_requests ADD COLUMN resolution_note TEXT;

CREATE INDEX cancel_requests_due ON cancel_requests (next_attempt_at)
    WHERE state IN ('IN_FLIGHT', 'PENDING');

-- Every Query Payment call made for a cancel, recorded whole like cancel attempts.
CREATE TABLE status_checks (
    id                  INTEGER PRIMARY KEY,
    cancel_request_id   INTEGER NOT NULL REFERENCES cancel_requests (id),
    actor               TEXT    NOT NULL,
    external_id         TEXT    NOT NULL UNIQUE CHECK (length(external_id) BETWEEN 1 AND 36),
    request_timestamp   TEXT    NOT NULL CHECK (length(request_timestamp) = 25),
    sent_at             INTEGER NOT NULL,
    http_status         INTEGER,
    response_code       TEXT,
    transaction_status  TEXT,
    response_body       TEXT,
    transport_error     TEXT,
    latency_ms          INTEGER NOT NULL,
    catalog_code        TEXT    NOT NULL,
    finished_at         INTEGER NOT NULL
);
CREATE INDEX status_checks_request ON status_checks (cancel_request_id, id);
