//! The audit trail store: appending events to the hash chain, verifying it, reading it back.

use futures_util::TryStreamExt;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::{Sqlite, SqliteConnection};

use crate::db::Pool;

/// The hash the first event links to.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Detail keys that would carry secrets; an event naming one is refused.
const SECRET_KEYS: &[&str] = &[
    "password",
    "private_key",
    "privatekey",
    "session",
    "secret",
    "signature_key",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    Pending,
    Forbidden,
    Info,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Pending => "pending",
            Outcome::Forbidden => "forbidden",
            Outcome::Info => "info",
        }
    }
}

/// An event to record.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// Who: a staff e-mail, or `system` for the server itself.
    pub actor: String,
    /// What, as `area.verb` (`login.failed`, `cancel.intent`, `dana.attempt`, …).
    pub action: &'static str,
    pub outcome: Outcome,
    pub order_ref: Option<String>,
    pub response_code: Option<String>,
    /// Everything else, as a JSON object.
    pub details: Value,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EventRow {
    pub id: i64,
    pub occurred_at: i64,
    pub actor: String,
    pub action: String,
    pub outcome: String,
    pub order_ref: Option<String>,
    pub response_code: Option<String>,
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("audit details must be a JSON object")]
    DetailsNotObject,
    #[error("audit details may not carry {0:?}: secrets never enter the audit trail")]
    SecretInDetails(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

fn find_secret_key(value: &Value) -> Option<String> {
    match value {
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let lower = k.to_ascii_lowercase().replace(['-', ' '], "_");
            if SECRET_KEYS.iter().any(|s| lower.contains(s)) {
                Some(k.clone())
            } else {
                find_secret_key(v)
            }
        }),
        Value::Array(items) => items.iter().find_map(find_secret_key),
        _ => None,
    }
}

/// SHA-256 over the canonical form of a row (a JSON array of its fields in a fixed order); the
/// row's own `hash` field is not part of it.
pub fn row_hash(row: &EventRow) -> String {
    let canonical = serde_json::to_vec(&(
        row.id,
        row.occurred_at,
        &row.actor,
        &row.action,
        &row.outcome,
        &row.order_ref,
        &row.response_code,
        &row.details,
        &row.prev_hash,
    ))
    .expect("a tuple of plain values serialises");
    Sha256::digest(&canonical)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Appends an event inside the caller's transaction (so an event and the change it records
/// commit together). The transaction should hold the write lock (`BEGIN IMMEDIATE` on SQLite);
/// `UNIQUE(prev_hash)` refuses a second event linking to the same predecessor regardless.
pub async fn append_in(
    conn: &mut SqliteConnection,
    event: &NewEvent,
    now_ms: i64,
) -> Result<EventRow, AuditError> {
    if !event.details.is_object() {
        return Err(AuditError::DetailsNotObject);
    }
    if let Some(key) = find_secret_key(&event.details) {
        return Err(AuditError::SecretInDetails(key));
    }
    let last: Option<(i64, String)> =
        sqlx::query_as("SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?;
    let (id, prev_hash) = match last {
        Some((id, hash)) => (id + 1, hash),
        None => (1, GENESIS_HASH.to_string()),
    };
    let mut row = EventRow {
        id,
        occurred_at: now_ms,
        actor: event.actor.clone(),
        action: event.action.to_string(),
        outcome: event.outcome.as_str().to_string(),
        order_ref: event.order_ref.clone(),
        response_code: event.response_code.clone(),
        details: event.details.to_string(),
        prev_hash,
        hash: String::new(),
    };
    row.hash = row_hash(&row);
    sqlx::query(
        "INSERT INTO audit_events (id, occurred_at, actor, action, outcome, order_ref, response_code, details, prev_hash, hash) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
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
    Ok(row)
}

/// Appends an event in its own write transaction.
pub async fn append(pool: &Pool, event: &NewEvent) -> Result<EventRow, AuditError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let row = append_in(&mut tx, event, now_ms()).await?;
    tx.commit().await?;
    Ok(row)
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Where the chain stops matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub id: i64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub events: u64,
    pub first_break: Option<ChainBreak>,
}

/// Walks the whole chain in order (streaming, not loading it all) and names the first row whose
/// hash, link or position does not match.
pub async fn verify(pool: &Pool) -> Result<VerifyReport, sqlx::Error> {
    let mut rows = sqlx::query_as::<Sqlite, EventRow>(
        "SELECT id, occurred_at, actor, action, outcome, order_ref, response_code, details, prev_hash, hash \
         FROM audit_events ORDER BY id",
    )
    .fetch(pool);
    let mut expected_prev = GENESIS_HASH.to_string();
    let mut expected_id = 1;
    let mut events = 0;
    while let Some(row) = rows.try_next().await? {
        let reason = if row.id != expected_id {
            Some(format!(
                "expected event #{expected_id} here: an event is missing"
            ))
        } else if row.prev_hash != expected_prev {
            Some("its link to the previous event does not match".to_string())
        } else if row_hash(&row) != row.hash {
            Some("its content does not match its hash (the row was changed)".to_string())
        } else {
            None
        };
        if let Some(reason) = reason {
            return Ok(VerifyReport {
                events,
                first_break: Some(ChainBreak { id: row.id, reason }),
            });
        }
        events += 1;
        expected_id = row.id + 1;
        expected_prev = row.hash;
    }
    Ok(VerifyReport {
        events,
        first_break: None,
    })
}

/// Pushes the filter's conditions (not the page position) onto a query.
fn push_filter(qb: &mut sqlx::QueryBuilder<'_, Sqlite>, f: &super::query::AuditFilter) {
    if let Some(v) = &f.actor {
        qb.push(" AND actor = ").push_bind(v.clone());
    }
    if let Some(v) = &f.order {
        qb.push(" AND order_ref = ").push_bind(v.clone());
    }
    if let Some(v) = &f.action {
        qb.push(" AND action = ").push_bind(v.clone());
    }
    if let Some(v) = &f.outcome {
        qb.push(" AND outcome = ").push_bind(v.clone());
    }
    if let Some(v) = &f.code {
        qb.push(" AND response_code = ").push_bind(v.clone());
    }
    if let Some(v) = f.from_ms {
        qb.push(" AND occurred_at >= ").push_bind(v);
    }
    if let Some(v) = f.to_ms {
        qb.push(" AND occurred_at < ").push_bind(v);
    }
}

const SELECT_EVENTS: &str = "SELECT id, occurred_at, actor, action, outcome, order_ref, response_code, details, prev_hash, hash \
     FROM audit_events WHERE 1 = 1";

/// One page, newest first; `more` tells whether rows lie beyond it in the direction read.
pub async fn list_page(
    pool: &Pool,
    f: &super::query::AuditFilter,
    limit: usize,
) -> Result<(Vec<EventRow>, bool), sqlx::Error> {
    let mut qb = sqlx::QueryBuilder::<Sqlite>::new(SELECT_EVENTS);
    push_filter(&mut qb, f);
    let reading_newer = f.after.is_some();
    if let Some(before) = f.before {
        qb.push(" AND id < ").push_bind(before);
    }
    if let Some(after) = f.after {
        qb.push(" AND id > ").push_bind(after);
    }
    qb.push(if reading_newer {
        " ORDER BY id ASC LIMIT "
    } else {
        " ORDER BY id DESC LIMIT "
    })
    .push_bind(i64::try_from(limit + 1).unwrap_or(i64::MAX));
    let mut rows: Vec<EventRow> = qb.build_query_as().fetch_all(pool).await?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    if reading_newer {
        rows.reverse();
    }
    Ok((rows, more))
}

/// Every event of the filter, oldest first, streamed row by row (for the CSV export).
pub fn stream_all(
    pool: Pool,
    f: super::query::AuditFilter,
) -> impl futures_util::Stream<Item = Result<EventRow, sqlx::Error>> + Send + 'static {
    // A bounded channel fed by a task that owns the query: memory stays at one batch however
    // many rows the filter matches.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<EventRow, sqlx::Error>>(256);
    tokio::spawn(async move {
        let mut qb = sqlx::QueryBuilder::<Sqlite>::new(SELECT_EVENTS);
        push_filter(&mut qb, &f);
        qb.push(" ORDER BY id ASC");
        let mut rows = qb.build_query_as::<EventRow>().fetch(&pool);
        while let Some(row) = rows.try_next().await.transpose() {
            if tx.send(row).await.is_err() {
                break; // the client went away
            }
        }
    });
    futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_secret_keys_at_any_depth() {
        assert_eq!(find_secret_key(&json!({"reason": "x"})), None);
        assert_eq!(
            find_secret_key(&json!({"user": {"Password": "x"}})).as_deref(),
            Some("Password")
        );
        assert_eq!(
            find_secret_key(&json!({"list": [{"session_id": 1}]})).as_deref(),
            Some("session_id")
        );
    }

    #[test]
    fn the_hash_covers_every_field_but_itself() {
        let row = EventRow {
            id: 1,
            occurred_at: 2,
            actor: "a".into(),
            action: "b".into(),
            outcome: "success".into(),
            order_ref: Some("r".into()),
            response_code: Some("c".into()),
            details: "{}".into(),
            prev_hash: GENESIS_HASH.into(),
            hash: String::new(),
        };
        let base = row_hash(&row);
        assert_eq!(base.len(), 64);
        assert_eq!(
            base,
            row_hash(&EventRow {
                hash: "x".into(),
                ..row.clone()
            })
        );
        assert_ne!(
            base,
            row_hash(&EventRow {
                details: "{\"x\":1}".into(),
                ..row.clone()
            })
        );
        assert_ne!(
            base,
            row_hash(&EventRow {
                order_ref: None,
                ..row.clone()
            })
        );
        assert_ne!(
            base,
            row_hash(&EventRow {
                id: 2,
                ..row.clone()
            })
        );
        assert_ne!(
            base,
            row_hash(&EventRow {
                prev_hash: base.clone(),
                ..row
            })
        );
    }
}
