//! Queries on `cancel_requests` and `cancel_attempts`.

use super::Pool;
pub use super::queue::AttemptResultRow;
use super::queue::{self, Queue};
use crate::ids::{AttemptId, CancelRequestId, OrderId};
use crate::time::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CancelRequestRow {
    pub id: CancelRequestId,
    pub order_id: OrderId,
    pub partner_reference_no: String,
    pub actor: String,
    pub reason: String,
    pub request_body: String,
    pub state: String,
    pub last_code: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub next_attempt_at: Option<Timestamp>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<Timestamp>,
    pub attention: Option<String>,
    pub last_status: Option<String>,
    pub resolved_by: Option<String>,
    pub resolution_note: Option<String>,
}

impl CancelRequestRow {
    /// The stored state; the column's CHECK allows nothing else.
    pub fn state(&self) -> crate::cancel::model::RequestState {
        crate::cancel::model::RequestState::parse(&self.state)
            .expect("cancel_requests.state is checked by the schema")
    }
}

const REQUEST_COLUMNS: &str = "id, order_id, partner_reference_no, actor, reason, request_body, state, last_code, \
     created_at, updated_at, next_attempt_at, lease_owner, lease_until, attention, last_status, resolved_by, resolution_note";

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CancelAttemptRow {
    pub id: AttemptId,
    pub cancel_request_id: CancelRequestId,
    pub attempt_no: i64,
    pub external_id: String,
    pub request_timestamp: String,
    pub request_headers: String,
    pub sent_at: Timestamp,
    pub http_status: Option<i64>,
    pub response_code: Option<String>,
    pub response_message: Option<String>,
    pub response_body: Option<String>,
    pub transport_error: Option<String>,
    pub latency_ms: Option<i64>,
    pub catalog_code: Option<String>,
    pub finished_at: Option<Timestamp>,
}

/// Moves an order from a cancellable status to CANCELLING; false when it was not cancellable
/// (another cancel got there first, or the order is already cancelled). This compare-and-set
/// is what makes a second DANA call for one order impossible. An order with a refund open or
/// made is not cancellable: DANA would return its money twice.
pub async fn claim_order_for_cancel(
    conn: &mut crate::db::Connection,
    order_id: OrderId,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE orders SET status = 'CANCELLING', updated_at = $1 WHERE id = $2 AND status IN ('PAID', 'CANCEL_FAILED') AND refund_reserved_minor = 0",
    )
    .bind(now)
    .bind(order_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_order_status(
    conn: &mut crate::db::Connection,
    order_id: OrderId,
    status: &str,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE orders SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(status)
        .bind(now)
        .bind(order_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The lease a new request starts with: its creator sends the first attempt. If the creator
/// dies, the lease runs out and the request falls due for the worker.
pub struct Lease<'a> {
    pub owner: &'a str,
    pub until: Timestamp,
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_request(
    conn: &mut crate::db::Connection,
    order_id: OrderId,
    partner_reference_no: &str,
    actor: &str,
    reason: &str,
    request_body: &str,
    lease: Lease<'_>,
    now: Timestamp,
) -> Result<CancelRequestId, sqlx::Error> {
    let id: CancelRequestId = sqlx::query_scalar(
        "INSERT INTO cancel_requests (order_id, partner_reference_no, actor, reason, request_body, state, \
         created_at, updated_at, next_attempt_at, lease_owner, lease_until) \
         VALUES ($1, $2, $3, $4, $5, 'IN_FLIGHT', $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(order_id)
    .bind(partner_reference_no)
    .bind(actor)
    .bind(reason)
    .bind(request_body)
    .bind(now)
    .bind(now)
    .bind(lease.until)
    .bind(lease.owner)
    .bind(lease.until)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

pub async fn request_by_id(
    conn: &mut crate::db::Connection,
    id: CancelRequestId,
) -> Result<Option<CancelRequestRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {REQUEST_COLUMNS} FROM cancel_requests WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Takes the lease of an open request; false when someone else holds it or it is settled.
pub async fn claim_lease(
    pool: &Pool,
    id: CancelRequestId,
    owner: &str,
    until: Timestamp,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    queue::claim_lease(pool, Queue::Cancels, id.get(), owner, until, now).await
}

/// Takes the lease of up to `limit` due cancels (see [`queue::claim_due`]).
pub async fn claim_due(
    pool: &Pool,
    owner: &str,
    lease_until: Timestamp,
    now: Timestamp,
    limit: i64,
) -> Result<Vec<CancelRequestId>, sqlx::Error> {
    let ids = queue::claim_due(pool, Queue::Cancels, owner, lease_until, now, limit).await?;
    Ok(ids.into_iter().map(CancelRequestId).collect())
}

/// Extends a lease this owner still holds (see [`queue::renew_lease`]).
pub async fn renew_lease(
    conn: &mut crate::db::Connection,
    id: CancelRequestId,
    owner: &str,
    until: Timestamp,
) -> Result<bool, sqlx::Error> {
    queue::renew_lease(conn, Queue::Cancels, id.get(), owner, until).await
}

/// Puts an open request back in the queue (see [`queue::requeue`]).
pub async fn requeue(
    conn: &mut crate::db::Connection,
    id: CancelRequestId,
    next_attempt_at: Timestamp,
    attention: Option<&str>,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    queue::requeue(
        conn,
        Queue::Cancels,
        id.get(),
        next_attempt_at,
        attention,
        now,
    )
    .await
}

/// Frees the lease only if `owner` still holds it.
pub async fn release_lease_held_by(
    pool: &Pool,
    id: CancelRequestId,
    owner: &str,
) -> Result<(), sqlx::Error> {
    queue::release_lease_held_by(pool, Queue::Cancels, id.get(), owner).await
}

pub async fn release_lease(
    conn: &mut crate::db::Connection,
    id: CancelRequestId,
) -> Result<(), sqlx::Error> {
    queue::release_lease(conn, Queue::Cancels, id.get()).await
}

pub async fn set_last_status(
    conn: &mut crate::db::Connection,
    id: CancelRequestId,
    status: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE cancel_requests SET last_status = $1 WHERE id = $2")
        .bind(status)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_resolution(
    conn: &mut crate::db::Connection,
    id: CancelRequestId,
    resolved_by: &str,
    note: &str,
) -> Result<(), sqlx::Error> {
    queue::set_resolution(conn, Queue::Cancels, id.get(), resolved_by, note).await
}

/// A Query Payment exchange, recorded after it ends (it changes nothing at DANA).
#[derive(Debug, Clone, Default)]
pub struct StatusCheckRow {
    pub actor: String,
    pub external_id: String,
    pub request_timestamp: String,
    pub sent_at: Timestamp,
    pub http_status: Option<i64>,
    pub response_code: Option<String>,
    pub transaction_status: Option<String>,
    pub response_body: Option<String>,
    pub transport_error: Option<String>,
    pub latency_ms: i64,
    pub catalog_code: String,
    pub finished_at: Timestamp,
}

pub async fn insert_status_check(
    conn: &mut crate::db::Connection,
    cancel_request_id: CancelRequestId,
    row: &StatusCheckRow,
) -> Result<i64, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO status_checks (cancel_request_id, actor, external_id, request_timestamp, sent_at, http_status, \
         response_code, transaction_status, response_body, transport_error, latency_ms, catalog_code, finished_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(cancel_request_id)
    .bind(&row.actor)
    .bind(&row.external_id)
    .bind(&row.request_timestamp)
    .bind(row.sent_at)
    .bind(row.http_status)
    .bind(&row.response_code)
    .bind(&row.transaction_status)
    .bind(&row.response_body)
    .bind(&row.transport_error)
    .bind(row.latency_ms)
    .bind(&row.catalog_code)
    .bind(row.finished_at)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// One row of the operations queue.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingRow {
    pub id: CancelRequestId,
    /// The request's state (IN_FLIGHT, PENDING or RETRYING).
    pub state: String,
    pub partner_reference_no: String,
    pub customer_name: Option<String>,
    pub amount_minor: i64,
    pub currency: String,
    pub order_status: String,
    pub actor: String,
    pub reason: String,
    pub last_code: Option<String>,
    pub last_status: Option<String>,
    pub attention: Option<String>,
    pub next_attempt_at: Option<Timestamp>,
    pub lease_until: Option<Timestamp>,
    pub created_at: Timestamp,
    pub attempts: i64,
}

/// Open cancels, oldest first, at most `limit` (the queue is small by nature: every row is a
/// cancel DANA has not settled).
pub async fn open_requests(pool: &Pool, limit: i64) -> Result<Vec<PendingRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.id, r.state, r.partner_reference_no, o.customer_name, o.amount_minor, o.currency, o.status AS order_status, \
                r.actor, r.reason, r.last_code, r.last_status, r.attention, r.next_attempt_at, r.lease_until, r.created_at, \
                (SELECT COUNT(*) FROM cancel_attempts a WHERE a.cancel_request_id = r.id) AS attempts \
         FROM cancel_requests r JOIN orders o ON o.id = r.order_id \
         WHERE r.state IN ('IN_FLIGHT', 'PENDING', 'RETRYING') ORDER BY r.created_at, r.id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Queue depth by state: (retrying, waiting, needs attention) at `now`.
pub async fn queue_depth(pool: &Pool, now: Timestamp) -> Result<(i64, i64, i64), sqlx::Error> {
    let (retrying, waiting, attention): (Option<i64>, Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT \
           SUM(CASE WHEN attention IS NULL AND lease_until >= $1 THEN 1 ELSE 0 END), \
           SUM(CASE WHEN attention IS NULL AND (lease_until IS NULL OR lease_until < $2) THEN 1 ELSE 0 END), \
           SUM(CASE WHEN attention IS NOT NULL THEN 1 ELSE 0 END) \
         FROM cancel_requests WHERE state IN ('IN_FLIGHT', 'PENDING', 'RETRYING')",
    )
    .bind(now)
    .bind(now)
    .fetch_one(pool)
    .await?;
    Ok((
        retrying.unwrap_or(0),
        waiting.unwrap_or(0),
        attention.unwrap_or(0),
    ))
}

/// The due time of the oldest item the worker should already have taken, if any.
pub async fn oldest_due(pool: &Pool, now: Timestamp) -> Result<Option<Timestamp>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT MIN(next_attempt_at) FROM cancel_requests \
         WHERE state IN ('IN_FLIGHT', 'PENDING', 'RETRYING') AND attention IS NULL AND next_attempt_at <= $1",
    )
    .bind(now)
    .fetch_one(pool)
    .await
}

pub async fn set_request_state(
    conn: &mut crate::db::Connection,
    id: CancelRequestId,
    state: crate::cancel::model::RequestState,
    last_code: &str,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    queue::set_state(
        conn,
        Queue::Cancels,
        id.get(),
        state.as_str(),
        last_code,
        now,
    )
    .await
}

/// Records an attempt before it is sent.
pub async fn insert_attempt(
    conn: &mut crate::db::Connection,
    cancel_request_id: CancelRequestId,
    attempt: &queue::NewAttempt<'_>,
) -> Result<AttemptId, sqlx::Error> {
    let id = queue::insert_attempt(conn, Queue::Cancels, cancel_request_id.get(), attempt).await?;
    Ok(AttemptId(id))
}

pub async fn finish_attempt(
    conn: &mut crate::db::Connection,
    id: AttemptId,
    result: &AttemptResultRow,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    queue::finish_attempt(conn, Queue::Cancels, id.get(), result, now).await
}

pub async fn requests_for_order(
    pool: &Pool,
    order_id: OrderId,
) -> Result<Vec<CancelRequestRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {REQUEST_COLUMNS} FROM cancel_requests WHERE order_id = $1 ORDER BY id"
    ))
    .bind(order_id)
    .fetch_all(pool)
    .await
}

pub async fn attempts_for_request(
    pool: &Pool,
    cancel_request_id: CancelRequestId,
) -> Result<Vec<CancelAttemptRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, cancel_request_id, attempt_no, external_id, request_timestamp, request_headers, sent_at, http_status, \
         response_code, response_message, response_body, transport_error, latency_ms, catalog_code, finished_at \
         FROM cancel_attempts WHERE cancel_request_id = $1 ORDER BY attempt_no",
    )
    .bind(cancel_request_id)
    .fetch_all(pool)
    .await
}

/// Each attempt's catalog row, in attempt order (`None` while in flight).
pub async fn attempt_codes(
    conn: &mut crate::db::Connection,
    cancel_request_id: CancelRequestId,
) -> Result<Vec<Option<String>>, sqlx::Error> {
    queue::attempt_codes(conn, Queue::Cancels, cancel_request_id.get()).await
}

/// Marks a request as having an attempt on the wire (see [`queue::mark_in_flight`]).
pub async fn mark_in_flight(
    conn: &mut crate::db::Connection,
    id: CancelRequestId,
    lease_until: Timestamp,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    queue::mark_in_flight(conn, Queue::Cancels, id.get(), lease_until, now).await
}

/// Attempts recorded as sent whose answer was never stored: the process that sent them stopped.
pub async fn interrupted_attempts(pool: &Pool, now: Timestamp) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM cancel_attempts a JOIN cancel_requests r ON r.id = a.cancel_request_id \
         WHERE a.finished_at IS NULL AND (r.lease_until IS NULL OR r.lease_until < $1)",
    )
    .bind(now)
    .fetch_one(pool)
    .await
}
