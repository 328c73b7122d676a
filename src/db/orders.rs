//! Queries on `orders`. The list is keyset-paginated: each page is one index walk from a cursor,
//! never an OFFSET scan, and nothing counts the whole table.

use super::sql::Sql;
use super::{Engine, Pool, engine};
use crate::orders::query::{Cursor, OrderFilter, PageRequest};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrderRow {
    pub id: i64,
    pub partner_reference_no: String,
    pub reference_no: Option<String>,
    pub merchant_id: String,
    pub sub_merchant_id: Option<String>,
    pub external_store_id: Option<String>,
    pub amount_minor: i64,
    pub currency: String,
    pub status: String,
    pub paid_at: i64,
    pub customer_name: String,
    pub customer_phone_masked: String,
    pub item_description: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An order to insert (seeding, imports).
#[derive(Debug, Clone)]
pub struct NewOrder {
    pub partner_reference_no: String,
    pub reference_no: Option<String>,
    pub merchant_id: String,
    pub sub_merchant_id: Option<String>,
    pub external_store_id: Option<String>,
    pub amount_minor: i64,
    pub currency: String,
    pub status: &'static str,
    pub paid_at: i64,
    pub customer_name: String,
    pub customer_phone_masked: String,
    pub item_description: String,
}

const COLUMNS: &str = "id, partner_reference_no, reference_no, merchant_id, sub_merchant_id, \
    external_store_id, amount_minor, currency, status, paid_at, customer_name, \
    customer_phone_masked, item_description, created_at, updated_at";

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
const DENSE_MATCHES: i64 = 2_000;

pub async fn list_page(
    pool: &Pool,
    filter: &OrderFilter,
    limit: usize,
) -> Result<PageRows, sqlx::Error> {
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
    let dir = if walk_desc { "DESC" } else { "ASC" };

    let search = match &filter.search {
        None => None,
        Some(text) => match MatchSet::for_text(text, engine(pool)) {
            None => {
                return Ok(PageRows {
                    rows: Vec::new(),
                    more: false,
                });
            }
            Some(set) => {
                let dense = set.count_up_to(pool, DENSE_MATCHES).await? >= DENSE_MATCHES;
                Some((set, dense))
            }
        },
    };

    // Deferred join: the inner query orders and limits ids using index columns only; just the
    // rows of the page are then read whole.
    let mut qb = Sql::new(
        engine(pool),
        format!("SELECT {COLUMNS} FROM orders WHERE id IN (SELECT id FROM orders WHERE 1 = 1"),
    );
    if let Some(status) = filter.status {
        qb.push(" AND status = ").bind(status.as_str());
    }
    if let Some(from) = filter.paid_from {
        qb.push(" AND paid_at >= ").bind(from.start_epoch_seconds());
    }
    if let Some(to) = filter.paid_to {
        qb.push(" AND paid_at < ")
            .bind(to.start_epoch_seconds() + 86_400);
    }
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
    if let Some(c) = cursor {
        let op = if walk_desc { "<" } else { ">" };
        qb.push(format!(" AND ({key}, id) {op} ("))
            .bind(c.key)
            .push(", ")
            .bind(c.id)
            .push(")");
    }
    qb.push(format!(" ORDER BY {key} {dir}, id {dir} LIMIT "))
        .bind(i64::try_from(limit + 1).unwrap_or(i64::MAX))
        .push(format!(") ORDER BY {key} {dir}, id {dir}"));

    let (text, args) = qb.into_parts();
    let mut rows: Vec<OrderRow> = sqlx::query_as_with(&text, args).fetch_all(pool).await?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    if !forward {
        rows.reverse();
    }
    Ok(PageRows { rows, more })
}

/// The ids a search text matches: a prefix of either reference (references hold no spaces), or
/// name words by prefix.
struct MatchSet {
    reference_prefix: Option<String>,
    name_query: Option<String>,
    engine: Engine,
}

impl MatchSet {
    fn for_text(text: &str, engine: Engine) -> Option<Self> {
        let reference_prefix = (!text.contains(char::is_whitespace)).then(|| text.to_string());
        let name_query = match engine {
            Engine::Sqlite => name_match_expression(text),
            Engine::Postgres => name_tsquery(text),
        };
        (reference_prefix.is_some() || name_query.is_some()).then_some(Self {
            reference_prefix,
            name_query,
            engine,
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
                // Byte order on both engines ("C" collation on PostgreSQL, as its index).
                let column = match self.engine {
                    Engine::Sqlite => column.to_string(),
                    Engine::Postgres => format!("{column} COLLATE \"C\""),
                };
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
            match self.engine {
                Engine::Sqlite => qb
                    .push("SELECT rowid FROM orders_name_fts WHERE orders_name_fts MATCH ")
                    .bind(expr.clone()),
                Engine::Postgres => qb
                    .push(
                        "SELECT id FROM orders WHERE to_tsvector('simple', cd_unaccent(customer_name)) \
                         @@ to_tsquery('simple', cd_unaccent(",
                    )
                    .bind(expr.clone())
                    .push("))"),
            };
        }
    }

    /// How many ids match, counting no further than `cap`.
    async fn count_up_to(&self, pool: &Pool, cap: i64) -> Result<i64, sqlx::Error> {
        let mut qb = Sql::new(self.engine, "SELECT COUNT(*) FROM (");
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

/// Rows per INSERT statement: 14 bound columns each, well under SQLite's 32,766 variables and
/// PostgreSQL's 65,535.
pub const INSERT_BATCH: usize = 500;

/// Inserts orders inside the caller's transaction, `INSERT_BATCH` rows per statement.
pub async fn insert_many(
    conn: &mut super::Connection,
    orders: &[NewOrder],
    now: i64,
) -> Result<(), sqlx::Error> {
    let engine = if conn.backend_name() == "SQLite" {
        Engine::Sqlite
    } else {
        Engine::Postgres
    };
    for chunk in orders.chunks(INSERT_BATCH) {
        let mut qb = Sql::new(
            engine,
            "INSERT INTO orders (partner_reference_no, reference_no, merchant_id, sub_merchant_id, \
             external_store_id, amount_minor, currency, status, paid_at, customer_name, \
             customer_phone_masked, item_description, created_at, updated_at) VALUES ",
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
                .bind(o.customer_name.as_str())
                .push(", ")
                .bind(o.customer_phone_masked.as_str())
                .push(", ")
                .bind(o.item_description.as_str())
                .push(", ")
                .bind(now)
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
