//! A staff member's cancel of an order:
//! 1. one transaction moves the order PAID/CANCEL_FAILED → CANCELLING (a compare-and-set, so a
//!    double click, a second tab or a second staff member gets "not cancellable" instead of a
//!    second DANA call), records the cancel request with its exact body and a lease held by this
//!    server, records attempt 1 before it is sent, and audits the intent;
//! 2. the attempt goes to DANA; its answer is an `Answered` event for the state machine
//!    (`machine.rs`), whose step settles the cancel or queues it for the worker (`worker.rs`).

use crate::ids::{CancelRequestId, OrderId};
use crate::time::Timestamp;
use serde_json::json;

use crate::approval::grant::Grant;
use crate::audit::key::AuditKey;
use crate::audit::{self, AuditError, NewEvent};
use crate::clock::Clock;
use crate::dana::catalog::{self, CatalogEntry};
use crate::dana::client::DanaClient;
use crate::dana::types::{Amount, CancelOrderRequest, FieldError};
use crate::db::cancels::{self, Lease};
use crate::db::{self, orders::OrderRow};
use crate::money::Money;
use crate::orders::model::OrderStatus;

use super::policy::QueuePolicy;

pub use super::model::MAX_REASON_CHARS;

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
    Busy(CancelRequestId),
    #[error("cancel {0} is not open")]
    NotOpen(CancelRequestId),
    #[error("cancel {id} is {state}: that cannot be done to it now")]
    NotInState {
        id: CancelRequestId,
        state: &'static str,
    },
    #[error("{field}: {message}")]
    InvalidInput {
        field: &'static str,
        message: &'static str,
    },
    /// The approval this action carried was decided by someone else first, or has expired.
    #[error("approval {0} is no longer waiting")]
    ApprovalGone(crate::ids::ApprovalId),
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
    /// The exchange with DANA, unrounded: what a cancel spent waiting on DANA.
    pub latency: std::time::Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelOutcome {
    pub cancel_request_id: CancelRequestId,
    pub order_status: OrderStatus,
    pub attempts: Vec<AttemptSummary>,
    /// When pending: when the worker acts next, or why a person must look.
    pub queued: Option<Queued>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Queued {
    RetryAt(Timestamp),
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

/// Where an effect left the cancel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conclusion {
    pub order_status: OrderStatus,
    pub queued: Option<Queued>,
}

/// Where working a cancel (the worker, "retry now", a status check) left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkOutcome {
    Settled(OrderStatus),
    Queued(Queued),
    /// Another server or person holds the cancel; nothing was done.
    LeaseLost,
    /// Already settled; nothing was done.
    NotOpen,
}

impl From<Conclusion> for WorkOutcome {
    fn from(c: Conclusion) -> Self {
        match c.queued {
            Some(queued) => WorkOutcome::Queued(queued),
            None => WorkOutcome::Settled(c.order_status),
        }
    }
}

/// A reason staff typed: trimmed, 1 to 256 characters, no control characters.
pub fn check_reason(reason: &str) -> Result<String, CancelError> {
    let reason = reason.trim();
    let n = reason.chars().count();
    // In the language of the request (English for the CLI and the worker).
    let locale = crate::language::current();
    if n == 0 {
        Err(CancelError::InvalidReason(crate::i18n::td_string!(
            locale,
            validation.reason.required
        )))
    } else if n > MAX_REASON_CHARS {
        Err(CancelError::InvalidReason(crate::i18n::td_string!(
            locale,
            validation.reason.too_long
        )))
    } else if reason.chars().any(char::is_control) {
        Err(CancelError::InvalidReason(crate::i18n::td_string!(
            locale,
            validation.reason.one_line
        )))
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

/// An open cancel as the service, the worker and staff actions act on it.
#[derive(Debug, Clone)]
pub(super) struct OpenCancel {
    pub request_id: CancelRequestId,
    pub order_id: OrderId,
    pub reference: String,
    pub body: String,
    pub created_at: Timestamp,
    /// The catalog row of the last finished attempt.
    pub last_code: Option<String>,
    /// The queue's schedule as stored: due time and hold.
    pub next_attempt_at: Option<Timestamp>,
    pub attention: Option<String>,
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
            next_attempt_at: row.next_attempt_at,
            attention: row.attention.clone(),
        }
    }

    /// The catalog row of the last attempt (unknown when none finished).
    pub fn last_entry(&self) -> &'static CatalogEntry {
        self.last_code
            .as_deref()
            .and_then(catalog::lookup)
            .unwrap_or_else(catalog::unexpected)
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
    /// Every time this service reads.
    pub(super) clock: Clock,
}

impl std::fmt::Debug for CancelService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CancelService")
            .field("instance", &self.instance)
            .field("policy", &self.policy)
            .field("clock", &self.clock)
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
            clock: Clock::database(),
        }
    }

    /// Records into `metrics` (the app state's registry) instead of a registry of its own.
    pub fn with_metrics(mut self, metrics: crate::metrics::Metrics) -> Self {
        self.metrics = metrics;
        self
    }

    /// Reads time from `clock` instead of the database's own.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
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

    pub fn clock(&self) -> Clock {
        self.clock.clone()
    }

    pub fn audit_key(&self) -> &AuditKey {
        &self.audit_key
    }

    pub fn metrics(&self) -> &crate::metrics::Metrics {
        &self.metrics
    }

    /// The actor the audit trail names for what the worker does on its own.
    pub fn worker_actor(&self) -> String {
        format!("worker@{}", self.instance)
    }

    pub(super) fn lease_until(&self, now: Timestamp) -> Timestamp {
        now.plus_seconds(self.policy.lease_seconds)
    }

    /// Cancels one order at DANA on behalf of `actor` (a staff e-mail): the intent, the first
    /// attempt, then settled or queued.
    pub async fn cancel_order(
        &self,
        actor: &str,
        partner_reference_no: &str,
        reason: &str,
    ) -> Result<CancelOutcome, CancelError> {
        self.cancel_order_granted(actor, partner_reference_no, reason, None)
            .await
    }

    /// [`Self::cancel_order`], with a second person's approval (`grant`) recorded in the
    /// intent's transaction. Without one, an order whose request waits for approval is refused.
    pub async fn cancel_order_granted(
        &self,
        actor: &str,
        partner_reference_no: &str,
        reason: &str,
        grant: Option<&Grant>,
    ) -> Result<CancelOutcome, CancelError> {
        let reason = check_reason(reason)?;

        // 1. The intent, all or nothing.
        let mut tx = db::begin_write(&self.pool).await?;
        let order = db::orders::find_by_partner_reference(&mut *tx, partner_reference_no)
            .await?
            .ok_or_else(|| CancelError::OrderNotFound(partner_reference_no.to_string()))?;
        let now = self.clock.now_on(&mut tx).await?;
        match grant {
            Some(grant) => {
                if !grant
                    .record(&mut tx, &self.audit_key, now, self.clock.stamp())
                    .await?
                {
                    return Err(CancelError::ApprovalGone(grant.id));
                }
            }
            None => {
                if db::approvals::waiting_for_order(&mut tx, order.id)
                    .await?
                    .is_some_and(|a| a.expires_at > now)
                {
                    return Err(CancelError::NotCancellable {
                        reference: order.partner_reference_no,
                        status: "waiting for approval".into(),
                    });
                }
            }
        }
        if !cancels::claim_order_for_cancel(&mut tx, order.id, now).await? {
            let refunding = matches!(order.status.as_str(), "PAID" | "CANCEL_FAILED");
            return Err(CancelError::NotCancellable {
                reference: order.partner_reference_no,
                status: if refunding {
                    "being refunded".into()
                } else {
                    order.status
                },
            });
        }
        let request = request_for(&order, &reason)?;
        let signed = self.dana.sign_cancel(&request)?;
        let body = String::from_utf8_lossy(&signed.body).into_owned();
        let lease = Lease {
            owner: &self.instance,
            until: self.lease_until(now),
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
        let attempt_id = self
            .record_attempt_intent(&mut tx, request_id, 1, &signed)
            .await?;
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
        let intent = crate::approval::grant::with_approval(intent, grant);
        audit::append_in(&mut tx, &self.audit_key, &intent, self.clock.stamp()).await?;
        tx.commit().await?;

        // 2. The first attempt, then the machine's step for its answer.
        let open = OpenCancel {
            request_id,
            order_id: order.id,
            reference: order.partner_reference_no.clone(),
            body,
            created_at: now,
            last_code: None,
            next_attempt_at: Some(now),
            attention: None,
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
}
