//! The work-queue SQL that cancels and refunds share: leases, due times, attempts recorded
//! before they are sent and finished after. One statement per operation, written once for both
//! tables (`Queue` names the table, its attempts table and the attempts' key column).

use super::{Connection, Pool};
use crate::time::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queue {
    /// `cancel_requests` and `cancel_attempts`.
    Cancels,
    /// `refunds` and `refund_attempts`.
    Refunds,
}

/// The states in which an item is still the queue's business.
const OPEN: &str = "('IN_FLIGHT', 'PENDING', 'RETRYING')";

impl Queue {
    fn items(self) -> &'static str {
        match self {
            Queue::Cancels => "cancel_requests",
            Queue::Refunds => "refunds",
        }
    }

    fn attempts(self) -> &'static str {
        match self {
            Queue::Cancels => "cancel_attempts",
            Queue::Refunds => "refund_attempts",
        }
    }

    fn parent(self) -> &'static str {
        match self {
            Queue::Cancels => "cancel_request_id",
            Queue::Refunds => "refund_id",
        }
    }
}

/// Takes the lease of an open item; false when someone else holds it or it is settled.
pub async fn claim_lease(
    pool: &Pool,
    queue: Queue,
    id: i64,
    owner: &str,
    until: Timestamp,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(&format!(
        "UPDATE {} SET lease_owner = $1, lease_until = $2 \
         WHERE id = $3 AND state IN {OPEN} AND (lease_until IS NULL OR lease_until < $4)",
        queue.items()
    ))
    .bind(owner)
    .bind(until)
    .bind(id)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Takes the lease of up to `limit` due items in one statement and returns their ids: due, not
/// waiting for a person, not leased. On PostgreSQL rows another server is claiming right now are
/// skipped (`FOR UPDATE SKIP LOCKED`) instead of waited for; SQLite has one writer.
pub async fn claim_due(
    pool: &Pool,
    queue: Queue,
    owner: &str,
    lease_until: Timestamp,
    now: Timestamp,
    limit: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    let lock = match super::engine(pool) {
        super::Engine::Sqlite => "",
        super::Engine::Postgres => " FOR UPDATE SKIP LOCKED",
    };
    let table = queue.items();
    sqlx::query_scalar(&format!(
        "UPDATE {table} SET lease_owner = $1, lease_until = $2 WHERE id IN (\
         SELECT id FROM {table} \
         WHERE state IN {OPEN} AND next_attempt_at <= $3 AND attention IS NULL \
           AND (lease_until IS NULL OR lease_until < $3) \
         ORDER BY next_attempt_at, id LIMIT $4{lock}) RETURNING id"
    ))
    .bind(owner)
    .bind(lease_until)
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Extends a lease this owner still holds, never shortening it (in the transaction that records
/// the next send); false when the lease was lost, and nothing may be sent.
pub async fn renew_lease(
    conn: &mut Connection,
    queue: Queue,
    id: i64,
    owner: &str,
    until: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(&format!(
        "UPDATE {} SET lease_until = CASE WHEN lease_until > $1 THEN lease_until ELSE $2 END \
         WHERE id = $3 AND lease_owner = $4 AND state IN {OPEN}",
        queue.items()
    ))
    .bind(until)
    .bind(until)
    .bind(id)
    .bind(owner)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Puts an open item back in the queue (its state set by the caller): due at
/// `next_attempt_at`, no lease, and `attention` set when a person must look.
pub async fn requeue(
    conn: &mut Connection,
    queue: Queue,
    id: i64,
    next_attempt_at: Timestamp,
    attention: Option<&str>,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "UPDATE {} SET next_attempt_at = $1, attention = $2, \
         lease_owner = NULL, lease_until = NULL, updated_at = $3 WHERE id = $4",
        queue.items()
    ))
    .bind(next_attempt_at)
    .bind(attention)
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Frees the lease only if `owner` still holds it.
pub async fn release_lease_held_by(
    pool: &Pool,
    queue: Queue,
    id: i64,
    owner: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "UPDATE {} SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2",
        queue.items()
    ))
    .bind(id)
    .bind(owner)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn release_lease(
    conn: &mut Connection,
    queue: Queue,
    id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "UPDATE {} SET lease_owner = NULL, lease_until = NULL WHERE id = $1",
        queue.items()
    ))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets an item's state and the catalog row its last attempt ended in.
pub async fn set_state(
    conn: &mut Connection,
    queue: Queue,
    id: i64,
    state: &str,
    last_code: &str,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "UPDATE {} SET state = $1, last_code = $2, updated_at = $3 WHERE id = $4",
        queue.items()
    ))
    .bind(state)
    .bind(last_code)
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks an item as having an attempt on the wire; due again when the lease runs out, so a
/// crash mid-attempt is picked up by the next worker.
pub async fn mark_in_flight(
    conn: &mut Connection,
    queue: Queue,
    id: i64,
    lease_until: Timestamp,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "UPDATE {} SET state = 'IN_FLIGHT', next_attempt_at = $1, updated_at = $2 WHERE id = $3",
        queue.items()
    ))
    .bind(lease_until)
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Settled by hand: who, and their note.
pub async fn set_resolution(
    conn: &mut Connection,
    queue: Queue,
    id: i64,
    resolved_by: &str,
    note: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "UPDATE {} SET resolved_by = $1, resolution_note = $2 WHERE id = $3",
        queue.items()
    ))
    .bind(resolved_by)
    .bind(note)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// An attempt as recorded before it is sent.
pub struct NewAttempt<'a> {
    pub number: u32,
    pub external_id: &'a str,
    pub request_timestamp: &'a str,
    pub request_headers: &'a str,
    pub sent_at: Timestamp,
}

/// Records an attempt before it is sent; returns its id.
pub async fn insert_attempt(
    conn: &mut Connection,
    queue: Queue,
    parent: i64,
    attempt: &NewAttempt<'_>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(&format!(
        "INSERT INTO {} ({}, attempt_no, external_id, request_timestamp, request_headers, sent_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        queue.attempts(),
        queue.parent()
    ))
    .bind(parent)
    .bind(i64::from(attempt.number))
    .bind(attempt.external_id)
    .bind(attempt.request_timestamp)
    .bind(attempt.request_headers)
    .bind(attempt.sent_at)
    .fetch_one(conn)
    .await
}

/// What came back for an attempt.
#[derive(Debug, Clone, Default)]
pub struct AttemptResultRow {
    pub http_status: Option<i64>,
    pub response_code: Option<String>,
    pub response_message: Option<String>,
    pub response_body: Option<String>,
    pub transport_error: Option<String>,
    pub latency_ms: i64,
    pub catalog_code: String,
}

pub async fn finish_attempt(
    conn: &mut Connection,
    queue: Queue,
    id: i64,
    result: &AttemptResultRow,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "UPDATE {} SET http_status = $1, response_code = $2, response_message = $3, response_body = $4, \
         transport_error = $5, latency_ms = $6, catalog_code = $7, finished_at = $8 WHERE id = $9",
        queue.attempts()
    ))
    .bind(result.http_status)
    .bind(&result.response_code)
    .bind(&result.response_message)
    .bind(&result.response_body)
    .bind(&result.transport_error)
    .bind(result.latency_ms)
    .bind(&result.catalog_code)
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Each attempt's catalog row, in attempt order (`None` while in flight).
pub async fn attempt_codes(
    conn: &mut Connection,
    queue: Queue,
    parent: i64,
) -> Result<Vec<Option<String>>, sqlx::Error> {
    sqlx::query_scalar(&format!(
        "SELECT catalog_code FROM {} WHERE {} = $1 ORDER BY attempt_no",
        queue.attempts(),
        queue.parent()
    ))
    .bind(parent)
    .fetch_all(conn)
    .await
}
