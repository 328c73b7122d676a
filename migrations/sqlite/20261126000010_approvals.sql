-- Four-eyes approvals: a cancel or refund at or above CANCEL_DESK_APPROVAL_THRESHOLD_IDR, and
-- every settling by hand, waits here for a second person. Times are Unix milliseconds.
CREATE TABLE approvals (
    id                    INTEGER PRIMARY KEY,
    kind                  TEXT    NOT NULL CHECK (kind IN ('cancel', 'refund', 'resolve_cancel', 'resolve_refund')),
    order_id              INTEGER NOT NULL REFERENCES orders (id),
    partner_reference_no  TEXT    NOT NULL,
    -- What would move: the order's amount (cancel), the refund's amount (refund), or the amount
    -- of the cancel or refund being settled.
    amount_minor          INTEGER NOT NULL CHECK (amount_minor >= 0),
    currency              TEXT    NOT NULL CHECK (length(currency) = 3),
    -- The reason sent to DANA (cancel, refund) or the resolution note (resolve kinds).
    reason                TEXT    NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    -- Resolve kinds: the resolution asked for, and the cancel request or refund it settles.
    resolution            TEXT    CHECK (resolution IN ('cancelled', 'not_cancelled', 'refunded', 'not_refunded')),
    target_id             INTEGER,
    requested_by          TEXT    NOT NULL CHECK (length(requested_by) BETWEEN 1 AND 320),
    requested_at          INTEGER NOT NULL,
    expires_at            INTEGER NOT NULL,
    state                 TEXT    NOT NULL CHECK (state IN ('WAITING', 'APPROVED', 'REJECTED', 'EXPIRED')),
    decided_by            TEXT,
    decided_at            INTEGER,
    decision_note         TEXT    CHECK (length(decision_note) <= 500),
    CHECK ((kind LIKE 'resolve_%') = (resolution IS NOT NULL AND target_id IS NOT NULL))
);
-- At most one request waits per order: a second would race the first for the same money.
CREATE UNIQUE INDEX approvals_one_waiting_per_order ON approvals (order_id) WHERE state = 'WAITING';
CREATE INDEX approvals_by_state ON approvals (state, requested_at);
CREATE INDEX approvals_order ON approvals (order_id, id);
