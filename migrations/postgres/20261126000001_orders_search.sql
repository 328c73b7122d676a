-- Name and reference search that stays fast at millions of orders (PostgreSQL only; the SQLite
-- twin of this version is empty: FTS5 already answers these shapes there).
--
-- 1. The name vector is stored, so a row found by walking a sort index is checked without
--    re-parsing its name. Same expression as the index it replaces.
ALTER TABLE orders ADD COLUMN name_tsv tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', cd_unaccent(customer_name))) STORED;
DROP INDEX orders_name_tsv;
CREATE INDEX orders_name_tsv ON orders USING gin (name_tsv);

-- 2. The two sort walks carry what filters and the name check read, so a filtered page or a
--    search with many matches is answered from the index alone.
DROP INDEX orders_paid_at;
CREATE INDEX orders_paid_at ON orders (paid_at, id, amount_minor) INCLUDE (status, name_tsv);
DROP INDEX orders_amount;
CREATE INDEX orders_amount ON orders (amount_minor, id) INCLUDE (paid_at, status, name_tsv);

-- 3. Every word that occurs in a customer name. A prefix search ('budi':*) is a partial-match
--    scan of the GIN index, 3 to 20 ms; spelled as the exact words it covers ('budi' | 'budiman')
--    it is a few posting-list lookups. Kept complete by the triggers below (words of deleted
--    orders stay: harmless, they match nothing). Nobody edits it by hand.
CREATE TABLE order_name_lexemes (lexeme TEXT COLLATE "C" PRIMARY KEY);
INSERT INTO order_name_lexemes
    SELECT DISTINCT unnest(tsvector_to_array(name_tsv)) FROM orders
    ON CONFLICT DO NOTHING;

-- Inserts: once per statement over all new rows (a 500-row batch is one trigger call).
CREATE FUNCTION cd_order_name_lexemes_add_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO order_name_lexemes (lexeme)
        SELECT DISTINCT unnest(tsvector_to_array(n.name_tsv)) FROM new_rows n
        ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER orders_name_lexemes_insert AFTER INSERT ON orders
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cd_order_name_lexemes_add_rows();

-- Updates: only when a name changes (status updates, the cancel flow's, pay nothing).
CREATE FUNCTION cd_order_name_lexemes_add_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO order_name_lexemes (lexeme)
        SELECT unnest(tsvector_to_array(NEW.name_tsv))
        ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER orders_name_lexemes_update AFTER UPDATE OF customer_name ON orders
    FOR EACH ROW WHEN (OLD.customer_name IS DISTINCT FROM NEW.customer_name)
    EXECUTE FUNCTION cd_order_name_lexemes_add_row();

-- Rewrites each prefix operand 'abc':* of a tsquery into the stored words starting with it,
-- ('abc' | 'abcd'), byte order as tsvector prefix matching compares. A prefix covering more
-- than 64 words keeps its prefix form (still exact, just not faster). Returns NULL, which
-- matches no row, when a prefix covers no stored word and the query only joins with & or <->.
CREATE FUNCTION cd_expand_name_prefixes(q tsquery) RETURNS tsquery
    LANGUAGE plpgsql STABLE PARALLEL SAFE STRICT AS $$
DECLARE
    rest text := q::text;
    result text := '';
    m text[];
    lex text;
    alts text;
    covered bigint;
    missing boolean := false;
    only_and boolean := true;
BEGIN
    LOOP
        m := regexp_match(rest, '^(.*?)''((?:[^''\\]|''''|\\.)*)''(:\*)?(.*)$', 's');
        EXIT WHEN m IS NULL;
        result := result || m[1];
        only_and := only_and AND m[1] !~ '[|!]';
        IF m[3] IS NULL THEN
            result := result || '''' || m[2] || '''';
        ELSE
            lex := regexp_replace(replace(m[2], '''''', ''''), '\\(.)', '\1', 'g');
            SELECT count(*),
                   string_agg('''' || replace(replace(w.lexeme, '\', '\\'), '''', '''''') || '''',
                              ' | ' ORDER BY w.lexeme)
              INTO covered, alts
              FROM (SELECT l.lexeme FROM order_name_lexemes l
                     WHERE l.lexeme >= lex AND l.lexeme < lex || U&'\+10FFFF'
                     ORDER BY l.lexeme LIMIT 65) AS w;
            missing := missing OR covered = 0;
            result := result || CASE WHEN covered = 0 OR covered > 64
                                     THEN '''' || m[2] || ''':*'
                                     ELSE '(' || alts || ')' END;
        END IF;
        rest := m[4];
    END LOOP;
    IF missing AND only_and AND rest !~ '[|!]' THEN
        RETURN NULL;
    END IF;
    RETURN (result || rest)::tsquery;
END $$;
