-- Where each order came from, and which source last wrote its data and when: `notify` (DANA's
-- Finish Notify), `api` (the order intake API), `import` (a CSV import), `seed` (demo data).
-- Orders before this version were all seeded. A cancel changes an order's status, not these.
ALTER TABLE orders ADD COLUMN source TEXT NOT NULL DEFAULT 'seed'
    CHECK (source IN ('notify', 'api', 'import', 'seed'));
ALTER TABLE orders ADD COLUMN last_source TEXT NOT NULL DEFAULT 'seed'
    CHECK (last_source IN ('notify', 'api', 'import', 'seed'));
ALTER TABLE orders ADD COLUMN last_source_at INTEGER NOT NULL DEFAULT 0;
UPDATE orders SET last_source_at = created_at;
