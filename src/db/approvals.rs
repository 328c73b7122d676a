//! Queries on `approvals`: four-eyes requests, from waiting to approved, rejected or expired.
//! Every decision is a compare-and-set on `state = 'WAITING'` that also checks the expiry, so two
//! people deciding at once get one winner, and nobody decides an expired request.

use super::Connection;
use crate::ids::{ApprovalId, OrderId};
use crate::time::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ApprovalRow {
    pub id: ApprovalId,
    pub kind: String,
    pub order_id: OrderId,
    pub partner_reference_no: String,
    pub amount_minor: i64,
    pub currency: String,
    pub reason: String,
    pub resolution: Option<String>,
    pub target_id: Option<i64>,
    pub requested_by: String,
    pub requested_at: Timestamp,
    pub expires_at: Timestamp,
    pub state: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<Timestamp>,
    pub decision_note: Option<String>,
}

const COLUMNS: &str = "id, kind, order_id, partner_reference_no, amount_minor, currency, reason, \
     resolution, target_id, requested_by, requested_at, expires_at, state, decided_by, decided_at, \
     decision_note";

/// A request as it is recorded.
#[derive(Debug, Clone)]
pub struct NewApproval<'a> {
    pub kind: &'a str,
    pub order_id: OrderId,
    pub partner_reference_no: &'a str,
    pub amount_minor: i64,
    pub currency: &'a str,
    pub reason: &'a str,
    pub resolution: Option<&'a str>,
    pub target_id: Option<i64>,
    pub requested_by: &'a str,
    pub requested_at: Timestamp,
    pub expires_at: Timestamp,
}

pub async fn insert(
    conn: &mut Connection,
    new: &NewApproval<'_>,
) -> Result<ApprovalId, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO approvals (kind, order_id, partner_reference_no, amount_minor, currency, reason, \
         resolution, target_id, requested_by, requested_at, expires_at, state) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'WAITING') RETURNING id",
    )
    .bind(new.kind)
    .bind(new.order_id)
    .bind(new.partner_reference_no)
    .bind(new.amount_minor)
    .bind(new.currency)
    .bind(new.reason)
    .bind(new.resolution)
    .bind(new.target_id)
    .bind(new.requested_by)
    .bind(new.requested_at)
    .bind(new.expires_at)
    .fetch_one(conn)
    .await?;
    Ok(ApprovalId(id))
}

pub async fn by_id(
    conn: &mut Connection,
    id: ApprovalId,
) -> Result<Option<ApprovalRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM approvals WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The request waiting for an order, if one is (expired ones included until they are swept).
pub async fn waiting_for_order(
    conn: &mut Connection,
    order_id: OrderId,
) -> Result<Option<ApprovalRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM approvals WHERE order_id = $1 AND state = 'WAITING'"
    ))
    .bind(order_id)
    .fetch_optional(conn)
    .await
}

/// Every request about an order, newest first.
pub async fn for_order(
    conn: &mut Connection,
    order_id: OrderId,
) -> Result<Vec<ApprovalRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM approvals WHERE order_id = $1 ORDER BY id DESC"
    ))
    .bind(order_id)
    .fetch_all(conn)
    .await
}

/// Waiting requests, oldest first.
pub async fn waiting(conn: &mut Connection, limit: i64) -> Result<Vec<ApprovalRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM approvals WHERE state = 'WAITING' ORDER BY requested_at, id LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Decided or expired requests, newest decision first.
pub async fn decided(conn: &mut Connection, limit: i64) -> Result<Vec<ApprovalRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM approvals WHERE state <> 'WAITING' ORDER BY decided_at DESC, id DESC LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// How many requests wait and have not expired.
pub async fn count_waiting(conn: &mut Connection, now: Timestamp) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM approvals WHERE state = 'WAITING' AND expires_at > $1")
        .bind(now)
        .fetch_one(conn)
        .await
}

/// Decides a waiting, unexpired request: `APPROVED` or `REJECTED`. False when it was decided
/// already, or has expired.
pub async fn decide(
    conn: &mut Connection,
    id: ApprovalId,
    state: &str,
    by: &str,
    note: Option<&str>,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE approvals SET state = $1, decided_by = $2, decided_at = $3, decision_note = $4 \
         WHERE id = $5 AND state = 'WAITING' AND expires_at > $6",
    )
    .bind(state)
    .bind(by)
    .bind(now)
    .bind(note)
    .bind(id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether any waiting request is past its expiry (a read, so the worker's pass takes no write
/// lock when nothing is due).
pub async fn any_due(conn: &mut Connection, now: Timestamp) -> Result<bool, sqlx::Error> {
    let due: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM approvals WHERE state = 'WAITING' AND expires_at <= $1 LIMIT 1",
    )
    .bind(now)
    .fetch_optional(conn)
    .await?;
    Ok(due.is_some())
}

/// Marks every waiting request past its expiry `EXPIRED` (only those of `order`, when given) and
/// returns them, for the audit trail.
pub async fn expire_due(
    conn: &mut Connection,
    now: Timestamp,
    order: Option<OrderId>,
) -> Result<Vec<ApprovalRow>, sqlx::Error> {
    let filter = if order.is_some() {
        "AND order_id = $2"
    } else {
        ""
    };
    let select = format!(
        "SELECT {COLUMNS} FROM approvals WHERE state = 'WAITING' AND expires_at <= $1 {filter} ORDER BY id"
    );
    let mut query = sqlx::query_as::<_, ApprovalRow>(&select).bind(now);
    if let Some(order) = order {
        query = query.bind(order);
    }
    let due = query.fetch_all(&mut *conn).await?;
    for row in &due {
        sqlx::query(
            "UPDATE approvals SET state = 'EXPIRED', decided_at = $1 WHERE id = $2 AND state = 'WAITING'",
        )
        .bind(now)
        .bind(row.id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(due)
}
