-- Orders the merchant's system sends before DANA took the payment are UNPAID; DANA's Finish
-- Notify with latestTransactionStatus 05 closes such an order (CLOSED: never paid, nothing to
-- cancel). Neither can be cancelled. For them `paid_at` holds when the order was placed (the
-- list's time column), until a notify of payment sets DANA's paid time.
ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN
    ('UNPAID', 'CLOSED', 'PAID', 'CANCELLING', 'CANCEL_PENDING', 'CANCELLED', 'CANCEL_FAILED'));
