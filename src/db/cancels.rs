//! Queries on `cancel_requests` and `cancel_attempts`.

use sqlx::SqliteConnection;

use super::Pool;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CancelRequestRow {
    pub id: i64,
    pub order_id: i64,
    pub partner_reference_no: String,
    pub actor: String,
    pub reason: String,
    pub request_body: String,
    pub state: String,
    pub last_code: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CancelAttemptRow {
    pub id: i64,
    pub cancel_request_id: i64,
    pub attempt_no: i64,
    pub external_id: String,
    pub request_timestamp: String,
    pub request_headers: String,
    pub sent_at: i64,
    pub http_status: Option<i64>,
    pub response_code: Option<String>,
    pub response_message: Option<String>,
    pub response_body: Option<String>,
    pub transport_error: Option<String>,
    pub latency_ms: Option<i64>,
    pub catalog_code: Option<String>,
    pub finished_at: Option<i64>,
}

/// Moves an order from a cancellable status to CANCELLING; false when it was not cancellable
/// (another cancel got there first, or the order is already cancelled). This compare-and-set
/// is what makes a second DANA call for one order impossible.
pub async fn claim_order_for_cancel(
    conn: &mut SqliteConnection,
    order_id: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE orders SET status = 'CANCELLING', updated_at = ? WHERE id = ? AND status IN ('PAID', 'CANCEL_FAILED')",
    )
    .bind(now)
    .bind(order_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_order_status(
    conn: &mut SqliteConnection,
    order_id: i64,
    status: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE orders SET status = ?, updated_at = ? WHERE id = ?")
        .bind(status)
        .bind(now)
        .bind(order_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn insert_request(
    conn: &mut SqliteConnection,
    order_id: i64,
    partner_reference_no: &str,
    actor: &str,
    reason: &str,
    request_body: &str,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO cancel_requests (order_id, partner_reference_no, actor, reason, request_body, state, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, 'IN_FLIGHT', ?, ?)",
    )
    .bind(order_id)
    .bind(partner_reference_no)
    .bind(actor)
    .bind(reason)
    .bind(request_body)
    .bind(now)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.last_insert_rowid())
}

pub async fn set_request_state(
    conn: &mut SqliteConnection,
    id: i64,
    state: &str,
    last_code: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE cancel_requests SET state = ?, last_code = ?, updated_at = ? WHERE id = ?")
        .bind(state)
        .bind(last_code)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records an attempt before it is sent.
pub async fn insert_attempt(
    conn: &mut SqliteConnection,
    cancel_request_id: i64,
    attempt_no: u32,
    external_id: &str,
    request_timestamp: &str,
    request_headers: &str,
    sent_at: i64,
) -> Result<i64, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO cancel_attempts (cancel_request_id, attempt_no, external_id, request_timestamp, request_headers, sent_at) \
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(cancel_request_id)
    .bind(attempt_no)
    .bind(external_id)
    .bind(request_timestamp)
    .bind(request_headers)
    .bind(sent_at)
    .execute(conn)
    .await?;
    Ok(done.last_insert_rowid())
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
    conn: &mut SqliteConnection,
    id: i64,
    result: &AttemptResultRow,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE cancel_attempts SET http_status = ?, response_code = ?, response_message = ?, response_body = ?, \
         transport_error = ?, latency_ms = ?, catalog_code = ?, finished_at = ? WHERE id = ?",
    )
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

pub async fn requests_for_order(
    pool: &Pool,
    order_id: i64,
) -> Result<Vec<CancelRequestRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, order_id, partner_reference_no, actor, reason, request_body, state, last_code, created_at, updated_at \
         FROM cancel_requests WHERE order_id = ? ORDER BY id",
    )
    .bind(order_id)
    .fetch_all(pool)
    .await
}

pub async fn attempts_for_request(
    pool: &Pool,
    cancel_request_id: i64,
) -> Result<Vec<CancelAttemptRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, cancel_request_id, attempt_no, external_id, request_timestamp, request_headers, sent_at, http_status, \
         response_code, response_message, response_body, transport_error, latency_ms, catalog_code, finished_at \
         FROM cancel_attempts WHERE cancel_request_id = ? ORDER BY attempt_no",
    )
    .bind(cancel_request_id)
    .fetch_all(pool)
    .await
}
