//! Queries on `orders`. The list is keyset-paginated: each page is one index walk from a cursor,
//! never an OFFSET scan, and nothing counts the whole table.

use super::sql::Sql;
use super::{Engine, Pool, engine, engine_of};
use crate::ids::OrderId;
use crate::orders::model::OrderSource;
use crate::orders::query::{Cursor, OrderFilter, PageRequest};
use crate::time::Timestamp;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrderRow {
    pub id: OrderId,
    pub partner_reference_no: String,
    pub reference_no: Option<String>,
    pub merchant_id: String,
    pub sub_merchant_id: Option<String>,
    pub external_store_id: Option<String>,
    pub amount_minor: i64,
    pub currency: String,
    pub status: String,
    pub paid_at: Timestamp,
    /// Unknown (`None`) for an order known only from DANA's notification, until the merchant's
    /// system sends it.
    pub customer_name: Option<String>,
    pub customer_phone_masked: Option<String>,
    pub item_description: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub source: String,
    pub last_source: String,
    pub last_source_at: Timestamp,
}

/// An order to insert (seeding, imports), or an order's new values (intake updates).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    pub partner_reference_no: String,
    pub reference_no: Option<String>,
    pub merchant_id: String,
    pub sub_merchant_id: Option<String>,
    pub external_store_id: Option<String>,
    pub amount_minor: i64,
    pub currency: String,
    pub status: &'static str,
    pub paid_at: Timestamp,
    /// Unknown (`None`) for an order known only from DANA's notification, until the merchant's
    /// system sends it.
    pub customer_name: Option<String>,
    pub customer_phone_masked: Option<String>,
    pub item_description: Option<String>,
    pub source: OrderSource,
}

const COLUMNS: &str = "id, partner_reference_no, reference_no, merchant_id, sub_merchant_id, \
    external_store_id, amount_minor, currency, status, paid_at, customer_name, \
    customer_phone_masked, item_description, created_at, updated_at, source, last_source, \
    last_source_at";

/// Rows of one page in display order, and whether more rows lie beyond it in the direction read.
pub struct PageRows {
    pub rows: Vec<OrderRow>,
    pub more: bool,
}

/// The words of a name search (split on anything not alphanumeric), each to be matched as the
/// prefix of a name token; none when the text has no word characters.
fn name_words(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect()
}

/// Turns free text into an FTS5 prefix query over name tokens: `budi sant` → `"budi"* "sant"*`.
/// Returns `None` when the text has no word characters.
pub fn name_match_expression(text: &str) -> Option<String> {
    let terms: Vec<String> = name_words(text)
        .into_iter()
        .map(|t| format!("\"{t}\"*"))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

/// The same for PostgreSQL's `to_tsquery('simple', …)`: `budi sant` → `budi:* & sant:*`. Words
/// hold only alphanumerics, so nothing in them is tsquery syntax.
pub fn name_tsquery(text: &str) -> Option<String> {
    let terms: Vec<String> = name_words(text)
        .into_iter()
        .map(|t| format!("{}:*", t.to_lowercase()))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" & "))
}

/// The smallest string greater than every string that starts with `prefix` (byte order).
fn prefix_upper_bound(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

/// Above this many search matches, walking the sort index and probing the match set finds a
/// page sooner than collecting and sorting every match (dense matches sit close together).
/// SQLite only: PostgreSQL plans each search branch itself (see [`list_search_postgres`]).
const DENSE_MATCHES: i64 = 2_000;

/// How a page is read: the sort key, the direction of the index walk, and where it starts.
struct Walk {
    key: &'static str,
    dir: &'static str,
    cursor: Option<(Cursor, &'static str)>,
    /// `limit + 1`: one more than shown tells whether more lie beyond.
    fetch: i64,
}

impl Walk {
    fn new(filter: &OrderFilter, limit: usize) -> (Self, bool) {
        let key = if filter.sort.by_amount() {
            "amount_minor"
        } else {
            "paid_at"
        };
        let (cursor, forward): (Option<Cursor>, bool) = match filter.page {
            PageRequest::First => (None, true),
            PageRequest::After(c) => (Some(c), true),
            PageRequest::Before(c) => (Some(c), false),
        };
        // Reading backwards (a `before` page) walks the index the other way, then flips the rows.
        let walk_desc = filter.sort.descending() == forward;
        let walk = Walk {
            key,
            dir: if walk_desc { "DESC" } else { "ASC" },
            cursor: cursor.map(|c| (c, if walk_desc { "<" } else { ">" })),
            fetch: i64::try_from(limit + 1).unwrap_or(i64::MAX),
        };
        (walk, forward)
    }

    /// ` AND …` for the filters and the cursor.
    fn push_conditions(&self, qb: &mut Sql<'_>, filter: &OrderFilter) {
        if let Some(status) = filter.status {
            qb.push(" AND status = ").bind(status.as_str());
        }
        if let Some(from) = filter.paid_from {
            qb.push(" AND paid_at >= ")
                .bind(Timestamp::from_seconds(from.start_epoch_seconds()));
        }
        if let Some(to) = filter.paid_to {
            qb.push(" AND paid_at < ")
                .bind(Timestamp::from_seconds(to.start_epoch_seconds()).plus_seconds(86_400));
        }
        if let Some((c, op)) = self.cursor {
            let key = self.key;
            qb.push(format!(" AND ({key}, id) {op} ("))
                .bind(c.key)
                .push(", ")
                .bind(c.id)
                .push(")");
        }
    }

    /// ` ORDER BY … LIMIT n`
    fn push_order_limit(&self, qb: &mut Sql<'_>) {
        let (key, dir) = (self.key, self.dir);
        qb.push(format!(" ORDER BY {key} {dir}, id {dir} LIMIT "))
            .bind(self.fetch);
    }

    fn order_by(&self) -> String {
        let (key, dir) = (self.key, self.dir);
        format!(" ORDER BY {key} {dir}, id {dir}")
    }
}

pub async fn list_page(
    pool: &Pool,
    filter: &OrderFilter,
    limit: usize,
) -> Result<PageRows, sqlx::Error> {
    let (walk, forward) = Walk::new(filter, limit);
    let rows = match (&filter.search, engine(pool)) {
        (Some(text), Engine::Postgres) => list_search_postgres(pool, filter, text, &walk).await?,
        (search, _) => {
            let search = match search {
                None => None,
                Some(text) => match MatchSet::for_text(text) {
                    None => Some(None),
                    Some(set) => {
                        let dense = set.count_up_to(pool, DENSE_MATCHES).await? >= DENSE_MATCHES;
                        Some(Some((set, dense)))
                    }
                },
            };
            match search {
                // Text without a word or reference character matches nothing.
                Some(None) => Vec::new(),
                Some(Some(found)) => list_walk(pool, filter, &walk, Some(found)).await?,
                None => list_walk(pool, filter, &walk, None).await?,
            }
        }
    };
    let mut rows = rows;
    let more = rows.len() > limit;
    rows.truncate(limit);
    if !forward {
        rows.reverse();
    }
    Ok(PageRows { rows, more })
}

/// One walk of the sort index, optionally restricted to a search's match set. Deferred join:
/// the inner query orders and limits ids using index columns only; just the rows of the page
/// are then read whole.
async fn list_walk(
    pool: &Pool,
    filter: &OrderFilter,
    walk: &Walk,
    search: Option<(MatchSet, bool)>,
) -> Result<Vec<OrderRow>, sqlx::Error> {
    let mut qb = Sql::new(
        engine(pool),
        format!("SELECT {COLUMNS} FROM orders WHERE id IN (SELECT id FROM orders WHERE 1 = 1"),
    );
    walk.push_conditions(&mut qb, filter);
    if let Some((set, dense)) = &search {
        // `+id` keeps the planner from driving the query by the match set when it is large.
        qb.push(if *dense {
            " AND +id IN ("
        } else {
            " AND id IN ("
        });
        set.push_sql(&mut qb);
        qb.push(")");
    }
    walk.push_order_limit(&mut qb);
    qb.push(")").push(walk.order_by());
    let (text, args) = qb.into_parts();
    sqlx::query_as_with(&text, args).fetch_all(pool).await
}

/// A search on PostgreSQL: the top of each branch that can match (partner reference prefix,
/// DANA reference prefix, name words), each an ordered, limited walk with the filters and the
/// cursor, merged and limited again. The first `n` of a union are the first `n` of the union of
/// each branch's first `n` (the key and id order rows uniquely), so the page is exact; each
/// branch is planned on its own, by its own index. Run unprepared, so each is planned for its
/// actual values: a cached generic plan cannot tell a 1-row reference from 12,000 "Budi"s.
async fn list_search_postgres(
    pool: &Pool,
    filter: &OrderFilter,
    text: &str,
    walk: &Walk,
) -> Result<Vec<OrderRow>, sqlx::Error> {
    let reference_prefix = (!text.contains(char::is_whitespace)).then(|| text.to_string());
    let name_query = match name_tsquery(text) {
        None => None,
        Some(query) => expand_name_prefixes(pool, &query).await?,
    };
    if reference_prefix.is_none() && name_query.is_none() {
        return Ok(Vec::new());
    }
    let key = walk.key;
    let mut qb = Sql::new(
        Engine::Postgres,
        format!("SELECT {COLUMNS} FROM orders WHERE id IN (SELECT id FROM ("),
    );
    let mut first = true;
    let mut branch = |qb: &mut Sql<'_>| {
        if !first {
            qb.push(" UNION ");
        }
        first = false;
        qb.push(format!("(SELECT {key}, id FROM orders WHERE 1 = 1"));
        walk.push_conditions(qb, filter);
    };
    if let Some(prefix) = &reference_prefix {
        for column in ["partner_reference_no", "reference_no"] {
            branch(&mut qb);
            // Byte order, as the "C"-collated index.
            qb.push(format!(" AND {column} COLLATE \"C\" >= "))
                .bind(prefix.clone())
                .push(format!(" AND {column} COLLATE \"C\" < "))
                .bind(prefix_upper_bound(prefix));
            walk.push_order_limit(&mut qb);
            qb.push(")");
        }
    }
    if let Some(query) = name_query {
        branch(&mut qb);
        qb.push(" AND name_tsv @@ CAST(")
            .bind(query)
            .push(" AS tsquery)");
        walk.push_order_limit(&mut qb);
        qb.push(")");
    }
    qb.push(") AS matches");
    walk.push_order_limit(&mut qb);
    qb.push(")").push(walk.order_by());
    let (text, args) = qb.into_parts();
    sqlx::query_as_with(&text, args)
        .persistent(false)
        .fetch_all(pool)
        .await
}

/// `budi:* & sant:*` with each prefix spelled as the name words it covers (`('budi' |
/// 'budiman') & ('santo' | 'santoso')`), which the name index answers by lookups instead of a
/// partial-match scan; `None` when a word covers no stored name word (nothing can match).
async fn expand_name_prefixes(pool: &Pool, query: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT CAST(cd_expand_name_prefixes(to_tsquery('simple', cd_unaccent($1))) AS TEXT)",
    )
    .bind(query)
    .persistent(false)
    .fetch_one(pool)
    .await
}

/// The ids a search text matches on SQLite: a prefix of either reference (references hold no
/// spaces), or name words by prefix.
struct MatchSet {
    reference_prefix: Option<String>,
    name_query: Option<String>,
}

impl MatchSet {
    fn for_text(text: &str) -> Option<Self> {
        let reference_prefix = (!text.contains(char::is_whitespace)).then(|| text.to_string());
        let name_query = name_match_expression(text);
        (reference_prefix.is_some() || name_query.is_some()).then_some(Self {
            reference_prefix,
            name_query,
        })
    }

    /// `SELECT id … UNION ALL SELECT id …`: one branch per index that can answer.
    fn push_sql(&self, qb: &mut Sql<'_>) {
        let mut first = true;
        if let Some(prefix) = &self.reference_prefix {
            for column in ["partner_reference_no", "reference_no"] {
                if !first {
                    qb.push(" UNION ALL ");
                }
                first = false;
                // Byte order (BINARY collation, as the index).
                qb.push(format!("SELECT id FROM orders WHERE {column} >= "))
                    .bind(prefix.clone())
                    .push(format!(" AND {column} < "))
                    .bind(prefix_upper_bound(prefix));
            }
        }
        if let Some(expr) = &self.name_query {
            if !first {
                qb.push(" UNION ALL ");
            }
            qb.push("SELECT rowid FROM orders_name_fts WHERE orders_name_fts MATCH ")
                .bind(expr.clone());
        }
    }

    /// How many ids match, counting no further than `cap`.
    async fn count_up_to(&self, pool: &Pool, cap: i64) -> Result<i64, sqlx::Error> {
        let mut qb = Sql::new(Engine::Sqlite, "SELECT COUNT(*) FROM (");
        self.push_sql(&mut qb);
        qb.push(" LIMIT ").bind(cap).push(") AS matches");
        let (text, args) = qb.into_parts();
        sqlx::query_scalar_with(&text, args).fetch_one(pool).await
    }
}

/// Works on the pool or inside a transaction.
pub async fn find_by_partner_reference<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    reference: &str,
) -> Result<Option<OrderRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM orders WHERE partner_reference_no = $1"
    ))
    .bind(reference)
    .fetch_optional(executor)
    .await
}

/// The stored orders among `references`, in no particular order (one query per 500).
pub async fn find_many_by_partner_reference(
    conn: &mut super::Connection,
    references: &[&str],
) -> Result<Vec<OrderRow>, sqlx::Error> {
    let mut found = Vec::new();
    for chunk in references.chunks(INSERT_BATCH) {
        let mut qb = Sql::new(
            engine_of(conn),
            format!("SELECT {COLUMNS} FROM orders WHERE partner_reference_no IN ("),
        );
        for (i, reference) in chunk.iter().enumerate() {
            if i > 0 {
                qb.push(", ");
            }
            qb.bind(*reference);
        }
        qb.push(")");
        let (text, args) = qb.into_parts();
        // Unprepared: a cached prepared statement gets PostgreSQL's generic plan, made while the
        // table was small (an import into an empty table), which then scans the table on every
        // lookup; each lookup planned afresh probes the unique index.
        found.extend(
            sqlx::query_as_with::<_, OrderRow, _>(&text, args)
                .persistent(false)
                .fetch_all(&mut *conn)
                .await?,
        );
    }
    Ok(found)
}

/// Writes an order's new values from an intake source, only while its status is still
/// `expected` (a cancel that began meanwhile wins). Returns whether it was written.
pub async fn update_from_intake(
    conn: &mut super::Connection,
    id: OrderId,
    expected: &str,
    o: &NewOrder,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE orders SET reference_no = $1, merchant_id = $2, sub_merchant_id = $3, \
         external_store_id = $4, amount_minor = $5, currency = $6, status = $7, paid_at = $8, \
         customer_name = $9, customer_phone_masked = $10, item_description = $11, \
         updated_at = $12, last_source = $13, last_source_at = $14 \
         WHERE id = $15 AND status = $16",
    )
    .bind(o.reference_no.as_deref())
    .bind(o.merchant_id.as_str())
    .bind(o.sub_merchant_id.as_deref())
    .bind(o.external_store_id.as_deref())
    .bind(o.amount_minor)
    .bind(o.currency.as_str())
    .bind(o.status)
    .bind(o.paid_at)
    .bind(o.customer_name.as_deref())
    .bind(o.customer_phone_masked.as_deref())
    .bind(o.item_description.as_deref())
    .bind(now)
    .bind(o.source.as_str())
    .bind(now)
    .bind(id)
    .bind(expected)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn max_id(pool: &Pool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM orders")
        .fetch_one(pool)
        .await
}

pub async fn is_empty(pool: &Pool) -> Result<bool, sqlx::Error> {
    let any: Option<i64> = sqlx::query_scalar("SELECT id FROM orders LIMIT 1")
        .fetch_optional(pool)
        .await?;
    Ok(any.is_none())
}

/// Rows per INSERT statement: 17 bound columns each, well under SQLite's 32,766 variables and
/// PostgreSQL's 65,535.
pub const INSERT_BATCH: usize = 500;

/// Inserts orders inside the caller's transaction, `INSERT_BATCH` rows per statement.
pub async fn insert_many(
    conn: &mut super::Connection,
    orders: &[NewOrder],
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    let engine = engine_of(conn);
    for chunk in orders.chunks(INSERT_BATCH) {
        let mut qb = Sql::new(
            engine,
            "INSERT INTO orders (partner_reference_no, reference_no, merchant_id, sub_merchant_id, \
             external_store_id, amount_minor, currency, status, paid_at, customer_name, \
             customer_phone_masked, item_description, created_at, updated_at, source, last_source, \
             last_source_at) VALUES ",
        );
        for (i, o) in chunk.iter().enumerate() {
            qb.push(if i == 0 { "(" } else { ", (" });
            qb.bind(o.partner_reference_no.as_str())
                .push(", ")
                .bind(o.reference_no.as_deref())
                .push(", ")
                .bind(o.merchant_id.as_str())
                .push(", ")
                .bind(o.sub_merchant_id.as_deref())
                .push(", ")
                .bind(o.external_store_id.as_deref())
                .push(", ")
                .bind(o.amount_minor)
                .push(", ")
                .bind(o.currency.as_str())
                .push(", ")
                .bind(o.status)
                .push(", ")
                .bind(o.paid_at)
                .push(", ")
                .bind(o.customer_name.as_deref())
                .push(", ")
                .bind(o.customer_phone_masked.as_deref())
                .push(", ")
                .bind(o.item_description.as_deref())
                .push(", ")
                .bind(now)
                .push(", ")
                .bind(now)
                .push(", ")
                .bind(o.source.as_str())
                .push(", ")
                .bind(o.source.as_str())
                .push(", ")
                .bind(now)
                .push(")");
        }
        let (text, args) = qb.into_parts();
        sqlx::query_with(&text, args).execute(&mut *conn).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_expression_quotes_each_word_as_prefix() {
        assert_eq!(
            name_match_expression("Budi  Sant").as_deref(),
            Some("\"Budi\"* \"Sant\"*")
        );
        assert_eq!(
            name_match_expression("o'neil \"x\"").as_deref(),
            Some("\"o\"* \"neil\"* \"x\"*")
        );
        assert_eq!(name_match_expression("--- !"), None);
        assert_eq!(
            name_tsquery("Budi  Sant").as_deref(),
            Some("budi:* & sant:*")
        );
        assert_eq!(
            name_tsquery("o'neil:*|x").as_deref(),
            Some("o:* & neil:* & x:*")
        );
        assert_eq!(name_tsquery("!!"), None);
    }
}
