-- A cancel DANA refused with a "retry periodically" code (4035714, 4035715, 4045700, 5005700) is
-- retried on a slower schedule of its own. Its request is RETRYING (open: still one per order,
-- still leased by the worker) and its order CANCEL_RETRYING ("Cancel failed, retrying
-- periodically": still paid, not cancellable again while the retries run).
ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN
    ('UNPAID', 'CLOSED', 'PAID', 'CANCELLING', 'CANCEL_PENDING', 'CANCEL_RETRYING', 'CANCELLED',
     'CANCEL_FAILED'));
ALTER TABLE cancel_requests DROP CONSTRAINT cancel_requests_state_check;
ALTER TABLE cancel_requests ADD CONSTRAINT cancel_requests_state_check CHECK (state IN
    ('IN_FLIGHT', 'PENDING', 'RETRYING', 'SUCCEEDED', 'FAILED'));
DROP INDEX cancel_requests_one_open_per_order;
CREATE UNIQUE INDEX cancel_requests_one_open_per_order
    ON cancel_requests (order_id) WHERE state IN ('IN_FLIGHT', 'PENDING', 'RETRYING');
DROP INDEX cancel_requests_due;
CREATE INDEX cancel_requests_due ON cancel_requests (next_attempt_at)
    WHERE state IN ('IN_FLIGHT', 'PENDING', 'RETRYING');
