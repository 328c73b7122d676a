//! Queries on `audit_events` and `audit_chain`. The chain's rules (hashing, linking, keying,
//! verification) are the audit module's; this is only how rows are stored and read.

use crate::time::Timestamp;
use futures_util::TryStreamExt;

use super::sql::Sql;
use super::{Connection, Pool};
use crate::audit::query::AuditFilter;

/// One row of `audit_events`, exactly as stored and hashed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EventRow {
    pub id: i64,
    /// Unix milliseconds.
    pub occurred_at: Timestamp,
    pub actor: String,
    pub action: String,
    pub outcome: String,
    pub order_ref: Option<String>,
    pub response_code: Option<String>,
    /// A JSON object, stored exactly as hashed.
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

const COLUMNS: &str =
    "id, occurred_at, actor, action, outcome, order_ref, response_code, details, prev_hash, hash";

/// How many rows at the start of the chain predate its key (0 for a database created keyed, or
/// when the row is missing).
pub async fn legacy_events(conn: &mut Connection) -> Result<i64, sqlx::Error> {
    Ok(
        sqlx::query_scalar::<_, i64>("SELECT legacy_events FROM audit_chain WHERE id = 1")
            .fetch_optional(&mut *conn)
            .await?
            .unwrap_or(0),
    )
}

/// The newest event's id and hash, and [`legacy_events`], in one statement (an append reads
/// both on the request path).
pub async fn head_and_legacy(
    conn: &mut Connection,
) -> Result<(Option<(i64, String)>, i64), sqlx::Error> {
    let (id, hash, legacy): (Option<i64>, Option<String>, i64) = sqlx::query_as(
        "SELECT (SELECT id FROM audit_events ORDER BY id DESC LIMIT 1), \
                (SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1), \
                COALESCE((SELECT legacy_events FROM audit_chain WHERE id = 1), 0)",
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok((id.zip(hash), legacy))
}

/// The newest event's id and hash.
pub async fn head(conn: &mut Connection) -> Result<Option<(i64, String)>, sqlx::Error> {
    sqlx::query_as("SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await
}

/// The event count, head id and head hash, read in one statement (one state of the chain).
pub async fn count_and_head(pool: &Pool) -> Result<Option<(i64, i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM audit_events), id, hash FROM audit_events \
         ORDER BY id DESC LIMIT 1",
    )
    .fetch_optional(pool)
    .await
}

pub async fn insert(conn: &mut Connection, row: &EventRow) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "INSERT INTO audit_events ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    ))
    .bind(row.id)
    .bind(row.occurred_at)
    .bind(&row.actor)
    .bind(&row.action)
    .bind(&row.outcome)
    .bind(&row.order_ref)
    .bind(&row.response_code)
    .bind(&row.details)
    .bind(&row.prev_hash)
    .bind(&row.hash)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn hash_of(pool: &Pool, id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT hash FROM audit_events WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
}

pub async fn max_id(pool: &Pool) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT MAX(id) FROM audit_events")
        .fetch_one(pool)
        .await
}

pub async fn count_up_to(pool: &Pool, id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE id <= $1")
        .bind(id)
        .fetch_one(pool)
        .await
}

/// Every event, oldest first, streamed.
pub fn all_in_order(
    pool: &Pool,
) -> impl futures_util::Stream<Item = Result<EventRow, sqlx::Error>> + Send + '_ {
    sqlx::query_as::<sqlx::Any, EventRow>(
        "SELECT id, occurred_at, actor, action, outcome, order_ref, response_code, details, prev_hash, hash \
         FROM audit_events ORDER BY id",
    )
    .fetch(pool)
}

/// Pushes the filter's conditions (not the page position) onto a query.
fn push_filter(qb: &mut Sql<'_>, f: &AuditFilter) {
    if let Some(v) = &f.actor {
        qb.push(" AND actor = ").bind(v.clone());
    }
    if let Some(v) = &f.order {
        qb.push(" AND order_ref = ").bind(v.clone());
    }
    if let Some(v) = &f.action {
        qb.push(" AND action = ").bind(v.clone());
    }
    if let Some(v) = &f.outcome {
        qb.push(" AND outcome = ").bind(v.clone());
    }
    if let Some(v) = &f.code {
        qb.push(" AND response_code = ").bind(v.clone());
    }
    if let Some(v) = f.from_ms {
        qb.push(" AND occurred_at >= ").bind(v);
    }
    if let Some(v) = f.to_ms {
        qb.push(" AND occurred_at < ").bind(v);
    }
}

fn select_filtered(engine: super::Engine, f: &AuditFilter) -> Sql<'static> {
    let mut qb = Sql::new(
        engine,
        format!("SELECT {COLUMNS} FROM audit_events WHERE 1 = 1"),
    );
    push_filter(&mut qb, f);
    qb
}

/// One page, newest first; `more` tells whether rows lie beyond it in the direction read.
pub async fn list_page(
    pool: &Pool,
    f: &AuditFilter,
    limit: usize,
) -> Result<(Vec<EventRow>, bool), sqlx::Error> {
    let mut qb = select_filtered(super::engine(pool), f);
    let reading_newer = f.after.is_some();
    if let Some(before) = f.before {
        qb.push(" AND id < ").bind(before);
    }
    if let Some(after) = f.after {
        qb.push(" AND id > ").bind(after);
    }
    qb.push(if reading_newer {
        " ORDER BY id ASC LIMIT "
    } else {
        " ORDER BY id DESC LIMIT "
    })
    .bind(i64::try_from(limit + 1).unwrap_or(i64::MAX));
    let (text, args) = qb.into_parts();
    let mut rows: Vec<EventRow> = sqlx::query_as_with(&text, args).fetch_all(pool).await?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    if reading_newer {
        rows.reverse();
    }
    Ok((rows, more))
}

/// Every event of the filter, oldest first, streamed row by row (for the CSV export).
pub fn stream_filtered(
    pool: Pool,
    f: AuditFilter,
) -> impl futures_util::Stream<Item = Result<EventRow, sqlx::Error>> + Send + 'static {
    // A bounded channel fed by a task that owns the query: memory stays at one batch however
    // many rows the filter matches.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<EventRow, sqlx::Error>>(256);
    tokio::spawn(async move {
        let mut qb = select_filtered(super::engine(&pool), &f);
        qb.push(" ORDER BY id ASC");
        let (text, args) = qb.into_parts();
        let mut rows = sqlx::query_as_with::<_, EventRow, _>(&text, args).fetch(&pool);
        while let Some(row) = rows.try_next().await.transpose() {
            if tx.send(row).await.is_err() {
                break; // the client went away
            }
        }
    });
    // Fused: a body encoder (gzip, brotli) polls once more after the end, which a bare
    // `unfold` answers with a panic that cuts the download short.
    futures_util::StreamExt::fuse(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }))
}
