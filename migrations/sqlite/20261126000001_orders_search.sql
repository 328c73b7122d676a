-- SQLite twin of migrations/postgres/20261126000001_orders_search.sql: nothing to do. FTS5
-- (orders_name_fts) answers prefix name searches from its own index, and the list's probe plan
-- for many matches needs no stored copy of the name.
SELECT 1;
