//! Queries on `refunds` and `refund_attempts`, and the refund reservation on `orders`. The queue
//! operations (leases, due times, attempts) are shared with cancels in `queue.rs`.

use super::queue::{self, Queue};
use super::{Connection, Pool};
use crate::ids::{OrderId, RefundAttemptId, RefundId};
use crate::time::Timestamp;

/// The order statuses a refund may start from: paid, a cancel that failed, or refunded in part.
pub const REFUNDABLE: &str = "('PAID', 'CANCEL_FAILED', 'PARTIALLY_REFUNDED')";

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RefundRow {
    pub id: RefundId,
    pub order_id: OrderId,
    pub partner_reference_no: String,
    pub partner_refund_no: String,
    pub actor: String,
    pub reason: String,
    pub amount_minor: i64,
    pub currency: String,
    pub request_body: String,
    pub state: String,
    pub last_code: Option<String>,
    pub refund_no: Option<String>,
    pub refund_time: Option<String>,
    pub next_attempt_at: Option<Timestamp>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<Timestamp>,
    pub attention: Option<String>,
    pub resolved_by: Option<String>,
    pub resolution_note: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

const REFUND_COLUMNS: &str = "id, order_id, partner_reference_no, partner_refund_no, actor, reason, amount_minor, \
     currency, request_body, state, last_code, refund_no, refund_time, next_attempt_at, lease_owner, lease_until, \
     attention, resolved_by, resolution_note, created_at, updated_at";

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RefundAttemptRow {
    pub id: RefundAttemptId,
    pub refund_id: RefundId,
    pub attempt_no: i64,
    pub external_id: String,
    pub request_timestamp: String,
    pub sent_at: Timestamp,
    pub http_status: Option<i64>,
    pub response_code: Option<String>,
    pub response_message: Option<String>,
    pub transport_error: Option<String>,
    pub latency_ms: Option<i64>,
    pub catalog_code: Option<String>,
    pub finished_at: Option<Timestamp>,
}

/// Reserves `amount_minor` of an order for a refund: only from a refundable status, and only
/// while everything reserved stays within the paid amount. One statement, so two refunds at once
/// can never both fit where one does. False when the order is not refundable or the amount does
/// not fit.
pub async fn reserve(
    conn: &mut Connection,
    order_id: OrderId,
    amount_minor: i64,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(&format!(
        "UPDATE orders SET refund_reserved_minor = refund_reserved_minor + $1, updated_at = $2 \
         WHERE id = $3 AND status IN {REFUNDABLE} AND refund_reserved_minor + $4 <= amount_minor"
    ))
    .bind(amount_minor)
    .bind(now)
    .bind(order_id)
    .bind(amount_minor)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives back a refund's reservation (the refund was not made).
pub async fn release(
    conn: &mut Connection,
    order_id: OrderId,
    amount_minor: i64,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE orders SET refund_reserved_minor = refund_reserved_minor - $1, updated_at = $2 WHERE id = $3",
    )
    .bind(amount_minor)
    .bind(now)
    .bind(order_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The amount reserved by refunds open or made.
pub async fn reserved(conn: &mut Connection, order_id: OrderId) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT refund_reserved_minor FROM orders WHERE id = $1")
        .bind(order_id)
        .fetch_one(conn)
        .await
}

/// The amount DANA refunded for an order.
pub async fn refunded(conn: &mut Connection, order_id: OrderId) -> Result<i64, sqlx::Error> {
    // PostgreSQL sums BIGINT as NUMERIC: cast back to the integer both engines decode.
    sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM refunds \
         WHERE order_id = $1 AND state = 'SUCCEEDED'",
    )
    .bind(order_id)
    .fetch_one(conn)
    .await
}

/// A refund as recorded before its first attempt.
pub struct NewRefund<'a> {
    pub order_id: OrderId,
    pub partner_reference_no: &'a str,
    pub partner_refund_no: &'a str,
    pub actor: &'a str,
    pub reason: &'a str,
    pub amount_minor: i64,
    pub currency: &'a str,
    pub request_body: &'a str,
}

/// Records a refund IN_FLIGHT, leased by its creator until `lease_until`.
pub async fn insert(
    conn: &mut Connection,
    refund: &NewRefund<'_>,
    owner: &str,
    lease_until: Timestamp,
    now: Timestamp,
) -> Result<RefundId, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO refunds (order_id, partner_reference_no, partner_refund_no, actor, reason, amount_minor, currency, \
         request_body, state, created_at, updated_at, next_attempt_at, lease_owner, lease_until) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'IN_FLIGHT', $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(refund.order_id)
    .bind(refund.partner_reference_no)
    .bind(refund.partner_refund_no)
    .bind(refund.actor)
    .bind(refund.reason)
    .bind(refund.amount_minor)
    .bind(refund.currency)
    .bind(refund.request_body)
    .bind(now)
    .bind(now)
    .bind(lease_until)
    .bind(owner)
    .bind(lease_until)
    .fetch_one(conn)
    .await
}

pub async fn by_id(conn: &mut Connection, id: RefundId) -> Result<Option<RefundRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {REFUND_COLUMNS} FROM refunds WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
}

pub async fn for_order(pool: &Pool, order_id: OrderId) -> Result<Vec<RefundRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {REFUND_COLUMNS} FROM refunds WHERE order_id = $1 ORDER BY id"
    ))
    .bind(order_id)
    .fetch_all(pool)
    .await
}

/// Open refunds, oldest first, at most `limit`.
pub async fn open(pool: &Pool, limit: i64) -> Result<Vec<RefundRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {REFUND_COLUMNS} FROM refunds WHERE state IN ('IN_FLIGHT', 'PENDING') \
         ORDER BY created_at, id LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(pool)
    .await
}

pub async fn attempts(
    pool: &Pool,
    refund_id: RefundId,
) -> Result<Vec<RefundAttemptRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, refund_id, attempt_no, external_id, request_timestamp, sent_at, http_status, response_code, \
         response_message, transport_error, latency_ms, catalog_code, finished_at \
         FROM refund_attempts WHERE refund_id = $1 ORDER BY attempt_no",
    )
    .bind(refund_id)
    .fetch_all(pool)
    .await
}

/// DANA's refundNo and refundTime, from its success answer.
pub async fn set_dana_refund(
    conn: &mut Connection,
    id: RefundId,
    refund_no: Option<&str>,
    refund_time: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE refunds SET refund_no = $1, refund_time = $2 WHERE id = $3")
        .bind(refund_no)
        .bind(refund_time)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The order's status after a refund settled: REFUNDED when DANA refunded all of it,
/// PARTIALLY_REFUNDED when some; unchanged when none.
pub async fn set_order_refund_status(
    conn: &mut Connection,
    order_id: OrderId,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE orders SET status = CASE \
           WHEN (SELECT COALESCE(SUM(amount_minor), 0) FROM refunds WHERE order_id = $1 AND state = 'SUCCEEDED') >= amount_minor \
             THEN 'REFUNDED' ELSE 'PARTIALLY_REFUNDED' END, updated_at = $2 \
         WHERE id = $3 AND EXISTS (SELECT 1 FROM refunds WHERE order_id = $4 AND state = 'SUCCEEDED')",
    )
    .bind(order_id)
    .bind(now)
    .bind(order_id)
    .bind(order_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Each attempt's refund catalog row, in attempt order.
pub async fn attempt_codes(
    conn: &mut Connection,
    id: RefundId,
) -> Result<Vec<Option<String>>, sqlx::Error> {
    queue::attempt_codes(conn, Queue::Refunds, id.get()).await
}
