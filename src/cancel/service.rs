//! Cancelling an order:
//! 1. one transaction moves the order PAID/CANCEL_FAILED → CANCELLING (a compare-and-set, so a
//!    double click, a second tab or a second staff member gets "not cancellable" instead of a
//!    second DANA call), records the cancel request with its exact body and a lease held by this
//!    server, records attempt 1 before it is sent, and audits the intent;
//! 2. DANA's answer is recorded and audited;
//! 3. the catalog's outcome settles the order, CANCELLED or CANCEL_FAILED (DANA refused; still
//!    paid), or queues it as CANCEL_PENDING (pending codes and unknown outcomes) for the worker
//!    (`queue.rs`), which retries it with the same body and checks DANA's status first whenever
//!    the outcome is unknown.

use serde_json::json;

use crate::audit::key::AuditKey;
use crate::audit::{self, AuditError, NewEvent};
use crate::dana::catalog::{self, CatalogEntry, Outcome};
use crate::dana::client::{AttemptResult, CancelAttempt, DanaClient, SignedRequest};
use crate::dana::types::{Amount, CancelOrderRequest, FieldError};
use crate::db::cancels::Lease;
use crate::db::cancels::{self, AttemptResultRow};
use crate::db::{self, orders::OrderRow};
use crate::money::Money;
use crate::orders::model::OrderStatus;

use super::model::RequestState;

use super::policy::QueuePolicy;

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
    #[error("cancel {0} is being worked on right now; try again in a moment")]
    Busy(i64),
    #[error("cancel {0} is not open")]
    NotOpen(i64),
    #[error("{field}: {message}")]
    InvalidInput {
        field: &'static str,
        message: &'static str,
    },
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
    /// When pending: when the worker acts next (Unix seconds), or why a person must look.
    pub queued: Option<Queued>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Queued {
    RetryAt(i64),
    NeedsAttention(String),
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

pub(super) fn headers_json(signed: &SignedRequest) -> String {
    serde_json::to_string(&signed.headers).expect("headers serialise")
}

pub(super) fn audit_outcome(outcome: Outcome) -> audit::Outcome {
    match outcome {
        Outcome::Success => audit::Outcome::Success,
        Outcome::Pending => audit::Outcome::Pending,
        Outcome::Failed => audit::Outcome::Failure,
    }
}

/// Where each catalog outcome leaves the order and its cancel request.
fn settled_states(outcome: Outcome) -> (OrderStatus, RequestState) {
    match outcome {
        Outcome::Success => (OrderStatus::Cancelled, RequestState::Succeeded),
        Outcome::Pending => (OrderStatus::CancelPending, RequestState::Pending),
        Outcome::Failed => (OrderStatus::CancelFailed, RequestState::Failed),
    }
}

pub(super) fn summary(attempt: &CancelAttempt) -> (AttemptSummary, AttemptResultRow) {
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

pub(super) async fn begin(pool: &db::Pool) -> Result<crate::db::Transaction, sqlx::Error> {
    crate::db::begin_write(pool).await
}

pub(super) async fn record_attempt_intent(
    conn: &mut crate::db::Connection,
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

/// An open cancel as the service and the worker act on it.
#[derive(Debug, Clone)]
pub(super) struct OpenCancel {
    pub request_id: i64,
    pub order_id: i64,
    pub reference: String,
    pub body: String,
    pub created_at: i64,
    pub last_code: Option<String>,
}

impl OpenCancel {
    pub fn from_row(row: &cancels::CancelRequestRow) -> Self {
        Self {
            request_id: row.id,
            order_id: row.order_id,
            reference: row.partner_reference_no.clone(),
            body: row.request_body.clone(),
            created_at: row.created_at,
            last_code: row.last_code.clone(),
        }
    }
}

/// Cancels orders at DANA and works the pending queue. Cheap to clone.
#[derive(Clone)]
pub struct CancelService {
    pub(super) pool: db::Pool,
    pub(super) dana: DanaClient,
    pub(super) policy: std::sync::Arc<QueuePolicy>,
    /// Names this server in leases and in the audit trail's worker actor.
    pub(super) instance: std::sync::Arc<str>,
    /// Keys the audit events this service writes.
    pub(super) audit_key: AuditKey,
    /// Where DANA requests are counted and timed.
    pub(super) metrics: crate::metrics::Metrics,
}

impl std::fmt::Debug for CancelService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CancelService")
            .field("instance", &self.instance)
            .field("policy", &self.policy)
            .finish()
    }
}

/// A name for this server process, unique enough to tell two instances on one database apart.
pub fn instance_id() -> String {
    use rand::Rng;
    format!(
        "pid{}-{:06x}",
        std::process::id(),
        rand::rng().random_range(0..0x100_0000)
    )
}

impl CancelService {
    pub fn new(pool: db::Pool, dana: DanaClient, policy: QueuePolicy, audit_key: AuditKey) -> Self {
        Self::with_instance(pool, dana, policy, audit_key, instance_id())
    }

    pub fn with_instance(
        pool: db::Pool,
        dana: DanaClient,
        policy: QueuePolicy,
        audit_key: AuditKey,
        instance: String,
    ) -> Self {
        Self {
            pool,
            dana,
            policy: std::sync::Arc::new(policy),
            instance: instance.into(),
            audit_key,
            metrics: crate::metrics::Metrics::new(),
        }
    }

    /// Records into `metrics` (the app state's registry) instead of a registry of its own.
    pub fn with_metrics(mut self, metrics: crate::metrics::Metrics) -> Self {
        self.metrics = metrics;
        self
    }

    pub fn pool(&self) -> &db::Pool {
        &self.pool
    }

    pub fn dana(&self) -> &DanaClient {
        &self.dana
    }

    pub fn policy(&self) -> &QueuePolicy {
        &self.policy
    }

    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// The actor the audit trail names for what the worker does on its own.
    pub fn worker_actor(&self) -> String {
        format!("worker@{}", self.instance)
    }

    /// Cancels one order at DANA on behalf of `actor` (a staff e-mail): the intent, the first
    /// attempt, then settled or queued.
    pub async fn cancel_order(
        &self,
        actor: &str,
        partner_reference_no: &str,
        reason: &str,
    ) -> Result<CancelOutcome, CancelError> {
        let reason = check_reason(reason)?;

        // 1. The intent, all or nothing.
        let mut tx = begin(&self.pool).await?;
        let order = db::orders::find_by_partner_reference(&mut *tx, partner_reference_no)
            .await?
            .ok_or_else(|| CancelError::OrderNotFound(partner_reference_no.to_string()))?;
        let now = crate::db::now_on(&mut tx).await?;
        if !cancels::claim_order_for_cancel(&mut tx, order.id, now).await? {
            return Err(CancelError::NotCancellable {
                reference: order.partner_reference_no,
                status: order.status,
            });
        }
        let request = request_for(&order, &reason)?;
        let signed = self.dana.sign_cancel(&request)?;
        let body = String::from_utf8_lossy(&signed.body).into_owned();
        let lease = Lease {
            owner: &self.instance,
            until: now + self.policy.lease_seconds,
        };
        let request_id = cancels::insert_request(
            &mut tx,
            order.id,
            &order.partner_reference_no,
            actor,
            &reason,
            &body,
            lease,
            now,
        )
        .await?;
        let attempt_id = record_attempt_intent(&mut tx, request_id, 1, &signed).await?;
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
        audit::append_in(&mut tx, &self.audit_key, &intent, audit::now_ms()).await?;
        tx.commit().await?;

        // 2. The first attempt; 3. settled or queued.
        let open = OpenCancel {
            request_id,
            order_id: order.id,
            reference: order.partner_reference_no.clone(),
            body,
            created_at: now,
            last_code: None,
        };
        let attempt = self.dana.send(signed, 1).await;
        let (view, conclusion) = self
            .conclude_attempt(&open, attempt_id, &attempt, actor, false)
            .await?;
        Ok(CancelOutcome {
            cancel_request_id: request_id,
            order_status: conclusion.order_status,
            attempts: vec![view],
            queued: conclusion.queued,
        })
    }

    /// Records an attempt's end and audits it, then settles or queues the cancel, in one
    /// transaction.
    pub(super) async fn conclude_attempt(
        &self,
        open: &OpenCancel,
        attempt_id: i64,
        attempt: &CancelAttempt,
        actor: &str,
        interrupted: bool,
    ) -> Result<(AttemptSummary, Conclusion), CancelError> {
        let (view, row) = summary(attempt);
        let mut tx = begin(&self.pool).await?;
        cancels::finish_attempt(&mut tx, attempt_id, &row, audit::now_ms()).await?;
        self.audit_attempt(&mut tx, open, attempt, &view, &row, actor, interrupted)
            .await?;
        let conclusion = self.after_answer(&mut tx, open, view.entry, actor).await?;
        tx.commit().await?;
        self.metrics
            .record_cancel_attempt(view.entry.code, attempt.latency);
        Ok((view, conclusion))
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) async fn audit_attempt(
        &self,
        conn: &mut crate::db::Connection,
        open: &OpenCancel,
        attempt: &CancelAttempt,
        view: &AttemptSummary,
        row: &AttemptResultRow,
        actor: &str,
        interrupted: bool,
    ) -> Result<(), CancelError> {
        let event = NewEvent {
            actor: actor.to_string(),
            action: "dana.attempt",
            outcome: audit_outcome(view.entry.outcome),
            order_ref: Some(open.reference.clone()),
            response_code: Some(view.entry.code.to_string()),
            details: json!({
                "cancel_request": open.request_id,
                "attempt": view.number,
                "x_external_id": view.external_id,
                "x_timestamp": attempt.request.timestamp,
                "request_headers": attempt.request.headers_object(),
                "request_body": String::from_utf8_lossy(&attempt.request.body),
                "http_status": row.http_status,
                "response_code": row.response_code,
                "response_message": row.response_message,
                "response_body": row.response_body,
                "transport_error": row.transport_error,
                "latency_ms": row.latency_ms,
                "interrupted": interrupted,
            }),
        };
        audit::append_in(conn, &self.audit_key, &event, audit::now_ms()).await?;
        Ok(())
    }

    /// Settles a cancel on a Success or Failed answer, or queues it on a Pending one: retried
    /// after the backoff, or held for a person once the time-out rule or the age limit is hit.
    pub(super) async fn after_answer(
        &self,
        conn: &mut crate::db::Connection,
        open: &OpenCancel,
        entry: &'static CatalogEntry,
        actor: &str,
    ) -> Result<Conclusion, CancelError> {
        let now = crate::db::now_on(conn).await?;
        if entry.outcome != Outcome::Pending {
            let status = self
                .settle(conn, open, entry.outcome, entry.code, actor, "answer", now)
                .await?;
            return Ok(Conclusion {
                order_status: status,
                queued: None,
            });
        }
        let tries = cancels::attempt_count(&mut *conn, open.request_id).await? as usize;
        let attention = if entry.outcome_unknown && tries >= total_timeout_limit() as usize {
            Some(format!(
                "DANA gave no usable answer to {tries} attempts in all, so Cancel Desk stopped sending (DANA's rule: at most {} attempts). Check the status with DANA; if DANA support confirms the outcome, resolve it with a note.",
                total_timeout_limit()
            ))
        } else if now - open.created_at >= self.policy.max_age_seconds {
            Some(format!(
                "Still pending after {} minutes; Cancel Desk stopped retrying. Check the status with DANA, retry now, or resolve it with a note.",
                self.policy.max_age_seconds / 60
            ))
        } else {
            None
        };
        let next = now + self.policy.delay_after(tries);
        self.queue(
            conn,
            open,
            entry.code,
            next,
            attention.as_deref(),
            actor,
            now,
        )
        .await
    }

    /// Leaves a cancel PENDING: due at `next`, or waiting for a person.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn queue(
        &self,
        conn: &mut crate::db::Connection,
        open: &OpenCancel,
        code: &str,
        next: i64,
        attention: Option<&str>,
        actor: &str,
        now: i64,
    ) -> Result<Conclusion, CancelError> {
        cancels::set_order_status(
            conn,
            open.order_id,
            OrderStatus::CancelPending.as_str(),
            now,
        )
        .await?;
        cancels::set_request_state(conn, open.request_id, RequestState::Pending, code, now).await?;
        cancels::requeue(conn, open.request_id, next, attention, now).await?;
        let event = NewEvent {
            actor: actor.to_string(),
            action: "cancel.pending",
            outcome: audit::Outcome::Pending,
            order_ref: Some(open.reference.clone()),
            response_code: Some(code.to_string()),
            details: json!({
                "cancel_request": open.request_id,
                "next_attempt_at": attention.is_none().then(|| crate::time::display_wib(next)),
                "needs_attention": attention,
            }),
        };
        audit::append_in(conn, &self.audit_key, &event, audit::now_ms()).await?;
        Ok(Conclusion {
            order_status: OrderStatus::CancelPending,
            queued: Some(match attention {
                Some(why) => Queued::NeedsAttention(why.to_string()),
                None => Queued::RetryAt(next),
            }),
        })
    }

    /// Ends a cancel: Success → CANCELLED, Failed → CANCEL_FAILED (still paid, may be
    /// cancelled again). `via` names what decided it, for the audit trail.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn settle(
        &self,
        conn: &mut crate::db::Connection,
        open: &OpenCancel,
        outcome: Outcome,
        code: &str,
        actor: &str,
        via: &str,
        now: i64,
    ) -> Result<OrderStatus, CancelError> {
        let (order_status, request_state) = settled_states(outcome);
        cancels::set_order_status(conn, open.order_id, order_status.as_str(), now).await?;
        cancels::set_request_state(conn, open.request_id, request_state, code, now).await?;
        cancels::release_lease(conn, open.request_id).await?;
        let explanation = catalog::lookup(code)
            .or_else(|| catalog::lookup_query(code))
            .map(|e| e.explanation);
        let settled = NewEvent {
            actor: actor.to_string(),
            action: "cancel.settled",
            outcome: audit_outcome(outcome),
            order_ref: Some(open.reference.clone()),
            response_code: Some(code.to_string()),
            details: json!({
                "cancel_request": open.request_id,
                "order_status": order_status.as_str(),
                "via": via,
                "explanation": explanation,
            }),
        };
        audit::append_in(conn, &self.audit_key, &settled, audit::now_ms()).await?;
        Ok(order_status)
    }
}

/// Where an answer left the cancel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conclusion {
    pub order_status: OrderStatus,
    pub queued: Option<Queued>,
}

/// The seed's rule: at most this many attempts in all while DANA gives no answer.
pub fn total_timeout_limit() -> u32 {
    catalog::total_timeout().max_attempts.unwrap_or(3)
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
