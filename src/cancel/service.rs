//! Cancelling an order:
//! 1. one transaction moves the order PAID/CANCEL_FAILED → CANCELLING (a compare-and-set, so a
//!    double click, a second tab or a second staff member gets "not cancellable" instead of a
//!    second DANA call), records the cancel request with its exact body, records attempt 1
//!    before it is sent, and audits the intent;
//! 2. each DANA answer is recorded and audited; a total timeout is sent again (same body, fresh
//!    X-EXTERNAL-ID) up to the catalog's 3 attempts, each recorded before it goes out;
//! 3. the catalog's outcome settles the order: CANCELLED, CANCEL_PENDING (pending codes and
//!    unknown outcomes, for the retry queue) or CANCEL_FAILED (DANA refused; still paid).

use serde_json::json;
use sqlx::SqliteConnection;

use crate::audit::{self, AuditError, NewEvent};
use crate::dana::catalog::{self, CatalogEntry, Outcome};
use crate::dana::client::{AttemptResult, CancelAttempt, DanaClient, SignedRequest};
use crate::dana::types::{Amount, CancelOrderRequest, FieldError};
use crate::db::cancels::{self, AttemptResultRow};
use crate::db::{self, orders::OrderRow};
use crate::money::Money;
use crate::orders::model::OrderStatus;

pub const MAX_REASON_CHARS: usize = 256;

#[derive(Debug, thiserror::Error)]
pub enum CancelError {
    #[error("reason: {0}")]
    InvalidReason(&'static str),
    #[error("order {0} was not found")]
    OrderNotFound(String),
    #[error("order {reference} cannot be cancelled now: it is {status}")]
    NotCancellable { reference: String, status: String },
    #[error("the order does not fit DANA's request: {0}")]
    InvalidRequest(#[from] FieldError),
    #[error("the order's amount is out of range")]
    BadAmount,
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// One attempt as the caller shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptSummary {
    pub number: u32,
    pub external_id: String,
    pub entry: &'static CatalogEntry,
    pub http_status: Option<u16>,
    pub response_code: Option<String>,
    pub response_message: Option<String>,
    pub latency_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelOutcome {
    pub cancel_request_id: i64,
    pub order_status: OrderStatus,
    pub attempts: Vec<AttemptSummary>,
}

impl CancelOutcome {
    /// The catalog row that settled the cancel (the last attempt's).
    pub fn entry(&self) -> &'static CatalogEntry {
        self.attempts
            .last()
            .map(|a| a.entry)
            .unwrap_or_else(catalog::unexpected)
    }
}

/// A reason staff typed: trimmed, 1 to 256 characters, no control characters.
pub fn check_reason(reason: &str) -> Result<String, CancelError> {
    let reason = reason.trim();
    let n = reason.chars().count();
    if n == 0 {
        Err(CancelError::InvalidReason("a reason is required"))
    } else if n > MAX_REASON_CHARS {
        Err(CancelError::InvalidReason("at most 256 characters"))
    } else if reason.chars().any(char::is_control) {
        Err(CancelError::InvalidReason("must be one line of text"))
    } else {
        Ok(reason.to_string())
    }
}

/// The Cancel Order request for an order: every attempt sends exactly this body.
fn request_for(order: &OrderRow, reason: &str) -> Result<CancelOrderRequest, CancelError> {
    let amount = Money::from_minor(order.amount_minor).map_err(|_| CancelError::BadAmount)?;
    Ok(CancelOrderRequest {
        original_partner_reference_no: order.partner_reference_no.clone(),
        original_reference_no: order.reference_no.clone(),
        original_external_id: None,
        merchant_id: order.merchant_id.clone(),
        sub_merchant_id: order.sub_merchant_id.clone(),
        reason: Some(reason.to_string()),
        external_store_id: order.external_store_id.clone(),
        amount: Some(Amount::from_money(amount, &order.currency)),
        additional_info: None,
    })
}

fn headers_json(signed: &SignedRequest) -> String {
    serde_json::to_string(&signed.headers).expect("headers serialise")
}

fn audit_outcome(outcome: Outcome) -> audit::Outcome {
    match outcome {
        Outcome::Success => audit::Outcome::Success,
        Outcome::Pending => audit::Outcome::Pending,
        Outcome::Failed => audit::Outcome::Failure,
    }
}

/// Where each catalog outcome leaves the order and its cancel request.
fn settled_states(outcome: Outcome) -> (OrderStatus, &'static str) {
    match outcome {
        Outcome::Success => (OrderStatus::Cancelled, "SUCCEEDED"),
        Outcome::Pending => (OrderStatus::CancelPending, "PENDING"),
        Outcome::Failed => (OrderStatus::CancelFailed, "FAILED"),
    }
}

fn summary(attempt: &CancelAttempt) -> (AttemptSummary, AttemptResultRow) {
    let entry = attempt.entry();
    let mut row = AttemptResultRow {
        latency_ms: attempt.latency.as_millis() as i64,
        catalog_code: entry.code.to_string(),
        ..AttemptResultRow::default()
    };
    match &attempt.result {
        AttemptResult::Answered {
            http_status,
            body,
            classification,
            ..
        } => {
            row.http_status = Some(i64::from(*http_status));
            row.response_code = classification.response_code.clone();
            row.response_message = classification.response_message.clone();
            row.response_body = Some(body.clone());
        }
        AttemptResult::TimedOut => {
            row.transport_error = Some(format!(
                "no answer within {} ms",
                attempt.latency.as_millis()
            ))
        }
        AttemptResult::Transport(err) => row.transport_error = Some(err.clone()),
    }
    let view = AttemptSummary {
        number: attempt.number,
        external_id: attempt.request.external_id.clone(),
        entry,
        http_status: row.http_status.map(|s| s as u16),
        response_code: row.response_code.clone(),
        response_message: row.response_message.clone(),
        latency_ms: row.latency_ms as u64,
    };
    (view, row)
}

async fn begin(pool: &db::Pool) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

async fn record_attempt_intent(
    conn: &mut SqliteConnection,
    request_id: i64,
    number: u32,
    signed: &SignedRequest,
) -> Result<i64, sqlx::Error> {
    cancels::insert_attempt(
        conn,
        request_id,
        number,
        &signed.external_id,
        &signed.timestamp,
        &headers_json(signed),
        audit::now_ms(),
    )
    .await
}

/// Cancels one order at DANA on behalf of `actor` (a staff e-mail).
pub async fn cancel_order(
    pool: &db::Pool,
    dana: &DanaClient,
    actor: &str,
    partner_reference_no: &str,
    reason: &str,
) -> Result<CancelOutcome, CancelError> {
    let reason = check_reason(reason)?;

    // 1. The intent, all or nothing.
    let mut tx = begin(pool).await?;
    let order = db::orders::find_by_partner_reference(&mut *tx, partner_reference_no)
        .await?
        .ok_or_else(|| CancelError::OrderNotFound(partner_reference_no.to_string()))?;
    let now = crate::time::now_epoch();
    if !cancels::claim_order_for_cancel(&mut tx, order.id, now).await? {
        return Err(CancelError::NotCancellable {
            reference: order.partner_reference_no,
            status: order.status,
        });
    }
    let request = request_for(&order, &reason)?;
    let mut signed = dana.sign_cancel(&request)?;
    let body = String::from_utf8_lossy(&signed.body).into_owned();
    let request_id = cancels::insert_request(
        &mut tx,
        order.id,
        &order.partner_reference_no,
        actor,
        &reason,
        &body,
        now,
    )
    .await?;
    let mut attempt_id = record_attempt_intent(&mut tx, request_id, 1, &signed).await?;
    let intent = NewEvent {
        actor: actor.to_string(),
        action: "cancel.intent",
        outcome: audit::Outcome::Pending,
        order_ref: Some(order.partner_reference_no.clone()),
        response_code: None,
        details: json!({
            "cancel_request": request_id,
            "reason": reason,
            "amount": request.amount.as_ref().map(|a| format!("{} {}", a.value, a.currency)),
            "request_body": body,
        }),
    };
    audit::append_in(&mut tx, &intent, audit::now_ms()).await?;
    tx.commit().await?;

    // 2. Attempts, each recorded before the next one goes out.
    let max_attempts = catalog::total_timeout().max_attempts.unwrap_or(1);
    let mut attempts = Vec::new();
    let mut number = 1;
    loop {
        let attempt = dana.send(signed, number).await;
        let (view, row) = summary(&attempt);
        let entry = view.entry;
        let mut tx = begin(pool).await?;
        let now = crate::time::now_epoch();
        cancels::finish_attempt(&mut tx, attempt_id, &row, audit::now_ms()).await?;
        let event = NewEvent {
            actor: actor.to_string(),
            action: "dana.attempt",
            outcome: audit_outcome(entry.outcome),
            order_ref: Some(order.partner_reference_no.clone()),
            response_code: Some(entry.code.to_string()),
            details: json!({
                "cancel_request": request_id,
                "attempt": number,
                "x_external_id": view.external_id,
                "x_timestamp": attempt.request.timestamp,
                "request_headers": attempt
                    .request
                    .headers
                    .iter()
                    .map(|(name, value)| (name.to_string(), serde_json::Value::String(value.clone())))
                    .collect::<serde_json::Map<_, _>>(),
                "request_body": String::from_utf8_lossy(&attempt.request.body),
                "http_status": row.http_status,
                "response_code": row.response_code,
                "response_message": row.response_message,
                "response_body": row.response_body,
                "transport_error": row.transport_error,
                "latency_ms": row.latency_ms,
            }),
        };
        audit::append_in(&mut tx, &event, audit::now_ms()).await?;
        attempts.push(view);

        let no_answer = entry.code == catalog::TOTAL_TIMEOUT;
        if no_answer && number < max_attempts {
            number += 1;
            signed = dana.sign_cancel(&request)?;
            attempt_id = record_attempt_intent(&mut tx, request_id, number, &signed).await?;
            tx.commit().await?;
            continue;
        }

        // 3. Settle.
        let (order_status, request_state) = settled_states(entry.outcome);
        cancels::set_order_status(&mut tx, order.id, order_status.as_str(), now).await?;
        cancels::set_request_state(&mut tx, request_id, request_state, entry.code, now).await?;
        let settled = NewEvent {
            actor: actor.to_string(),
            action: "cancel.settled",
            outcome: audit_outcome(entry.outcome),
            order_ref: Some(order.partner_reference_no.clone()),
            response_code: Some(entry.code.to_string()),
            details: json!({
                "cancel_request": request_id,
                "order_status": order_status.as_str(),
                "attempts": number,
                "explanation": entry.explanation,
            }),
        };
        audit::append_in(&mut tx, &settled, audit::now_ms()).await?;
        tx.commit().await?;
        return Ok(CancelOutcome {
            cancel_request_id: request_id,
            order_status,
            attempts,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons() {
        assert!(check_reason("  ").is_err());
        assert_eq!(check_reason(" Customer asked ").unwrap(), "Customer asked");
        assert!(check_reason(&"r".repeat(256)).is_ok());
        assert!(check_reason(&"r".repeat(257)).is_err());
        assert!(check_reason("two\nlines").is_err());
    }

    #[test]
    fn every_outcome_settles_somewhere_distinct() {
        assert_eq!(settled_states(Outcome::Success).0, OrderStatus::Cancelled);
        assert_eq!(
            settled_states(Outcome::Pending).0,
            OrderStatus::CancelPending
        );
        assert_eq!(settled_states(Outcome::Failed).0, OrderStatus::CancelFailed);
    }
}
