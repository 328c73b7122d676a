//! A staff member's refund of an order:
//! 1. one transaction reserves the amount on the order (a single compare-and-set: only from a
//!    refundable status, and only while all refunds stay within the paid amount), records the
//!    refund with its exact body (its `partnerRefundNo` is DANA's idempotency key) and its first
//!    attempt, and audits the intent;
//! 2. the attempt goes to DANA; its answer is an `Answered` event for the machine
//!    (`machine.rs`), whose step settles the refund or queues it for the worker (`worker.rs`).
//!    A refund DANA did not make gives its reservation back.

use std::sync::Arc;

use serde_json::json;

use super::machine::{self, Answer, Effect, Event, Hold, Limits, Step};
use super::model::RefundState;
use crate::approval::grant::Grant;
use crate::attention::Attention;
use crate::audit::key::AuditKey;
use crate::audit::{self, AuditError, NewEvent};
use crate::cancel::policy::QueuePolicy;
use crate::cancel::service::CancelService;
use crate::clock::Clock;
use crate::dana::catalog::{self, CatalogEntry, Outcome};
use crate::dana::client::{AttemptResult, DanaClient, RefundAttempt, SignedRequest};
use crate::dana::refund::RefundOrderRequest;
use crate::dana::types::{Amount, FieldError};
use crate::db::queue::{self, NewAttempt, Queue};
use crate::db::{self, Connection, refunds};
use crate::ids::{OrderId, RefundAttemptId, RefundId};
use crate::money::Money;
use crate::time::Timestamp;

#[derive(Debug, thiserror::Error)]
pub enum RefundError {
    #[error("{field}: {message}")]
    InvalidInput {
        field: &'static str,
        message: String,
    },
    #[error("order {0} was not found")]
    OrderNotFound(String),
    #[error("order {reference} cannot be refunded now: it is {status}")]
    NotRefundable { reference: String, status: String },
    #[error("the refund is more than what remains refundable ({refundable})")]
    ExceedsRefundable { refundable: String },
    #[error("the order does not fit DANA's request: {0}")]
    InvalidRequest(#[from] FieldError),
    #[error("the order's amount is out of range")]
    BadAmount,
    #[error("refund {0} is being worked on right now; try again in a moment")]
    Busy(RefundId),
    #[error("refund {0} is not open")]
    NotOpen(RefundId),
    /// The approval this action carried was decided by someone else first, or has expired.
    #[error("approval {0} is no longer waiting")]
    ApprovalGone(crate::ids::ApprovalId),
    /// With this refund the order's refunds would reach the approval threshold: it needs a
    /// second person (nothing was written).
    #[error("the order's refunds would reach the approval threshold")]
    NeedsApproval,
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

fn invalid(field: &'static str, message: impl Into<String>) -> RefundError {
    RefundError::InvalidInput {
        field,
        message: message.into(),
    }
}

/// A reason staff typed: the same rule as a cancel's (trimmed, 1 to 256 characters, one line).
pub fn check_reason(reason: &str) -> Result<String, RefundError> {
    crate::cancel::service::check_reason(reason).map_err(|err| match err {
        crate::cancel::service::CancelError::InvalidReason(message) => invalid("reason", message),
        other => invalid("reason", other.to_string()),
    })
}

/// A refund's amount: more than Rp 0.
pub fn check_amount(amount: Money) -> Result<(), RefundError> {
    if amount.minor() <= 0 {
        return Err(invalid(
            "amount",
            crate::i18n::td_string!(crate::language::current(), validation.amount.positive),
        ));
    }
    Ok(())
}

/// A resolution note: the same rule as a cancel's (trimmed, 1 to 500 characters).
pub fn check_note(note: &str) -> Result<String, RefundError> {
    crate::cancel::staff::check_note(note).map_err(|err| match err {
        crate::cancel::service::CancelError::InvalidInput { field, message } => {
            invalid(field, message)
        }
        other => invalid("note", other.to_string()),
    })
}

/// A new refund number: ours, unique, 34 characters (DANA allows 64).
fn new_partner_refund_no() -> String {
    format!("rf{}", uuid::Uuid::new_v4().simple())
}

/// Where a refund attempt left the refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundOutcome {
    pub refund_id: RefundId,
    pub state: RefundState,
    /// The refund catalog row of the last answer.
    pub entry: &'static CatalogEntry,
    /// When pending: when Cancel Desk sends it again, or why a person must look.
    pub next_attempt_at: Option<Timestamp>,
    pub attention: Option<String>,
}

/// An open refund as the service acts on it.
#[derive(Debug, Clone)]
pub(super) struct OpenRefund {
    pub id: RefundId,
    pub order_id: OrderId,
    pub reference: String,
    pub partner_refund_no: String,
    pub amount_minor: i64,
    pub body: String,
    pub created_at: Timestamp,
    pub last_code: Option<String>,
}

impl OpenRefund {
    pub fn from_row(row: &refunds::RefundRow) -> Self {
        Self {
            id: row.id,
            order_id: row.order_id,
            reference: row.partner_reference_no.clone(),
            partner_refund_no: row.partner_refund_no.clone(),
            amount_minor: row.amount_minor,
            body: row.request_body.clone(),
            created_at: row.created_at,
            last_code: row.last_code.clone(),
        }
    }
}

/// Refunds orders at DANA and works the pending refunds. Cheap to clone.
#[derive(Clone)]
pub struct RefundService {
    pub(super) pool: db::Pool,
    pub(super) dana: DanaClient,
    pub(super) policy: Arc<QueuePolicy>,
    pub(super) instance: Arc<str>,
    pub(super) audit_key: AuditKey,
    pub(super) metrics: crate::metrics::Metrics,
    pub(super) clock: Clock,
}

impl std::fmt::Debug for RefundService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefundService")
            .field("instance", &self.instance)
            .finish()
    }
}

impl RefundService {
    /// Works beside `cancels`: the same database, DANA client, queue policy, instance name,
    /// audit key, metrics and clock.
    pub fn alongside(cancels: &CancelService) -> Self {
        Self {
            pool: cancels.pool().clone(),
            dana: cancels.dana().clone(),
            policy: Arc::new(cancels.policy().clone()),
            instance: cancels.instance().into(),
            audit_key: cancels.audit_key().clone(),
            metrics: cancels.metrics().clone(),
            clock: cancels.clock(),
        }
    }

    /// Reads time from `clock` instead of the database's own.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn pool(&self) -> &db::Pool {
        &self.pool
    }

    pub fn instance(&self) -> &str {
        &self.instance
    }

    pub fn worker_actor(&self) -> String {
        format!("worker@{}", self.instance)
    }

    pub(super) fn lease_until(&self, now: Timestamp) -> Timestamp {
        now.plus_seconds(self.policy.lease_seconds)
    }

    /// Refunds `amount` of one order at DANA on behalf of `actor`: the intent (the amount
    /// reserved), the first attempt, then settled or queued.
    pub async fn refund_order(
        &self,
        actor: &str,
        partner_reference_no: &str,
        amount: Money,
        reason: &str,
    ) -> Result<RefundOutcome, RefundError> {
        self.refund_order_granted(actor, partner_reference_no, amount, reason, None)
            .await
    }

    /// [`Self::refund_order`], with a second person's approval (`grant`) recorded in the
    /// intent's transaction. Without one, an order whose request waits for approval is refused.
    pub async fn refund_order_granted(
        &self,
        actor: &str,
        partner_reference_no: &str,
        amount: Money,
        reason: &str,
        grant: Option<&Grant>,
    ) -> Result<RefundOutcome, RefundError> {
        self.refund_order_within(actor, partner_reference_no, amount, reason, grant, None)
            .await
    }

    /// [`Self::refund_order_granted`]; without a grant, `approval_threshold` (minor units) caps
    /// what the order's refunds may reach together, checked in the reservation's transaction, so
    /// splitting a large refund into small ones still needs a second person.
    pub async fn refund_order_within(
        &self,
        actor: &str,
        partner_reference_no: &str,
        amount: Money,
        reason: &str,
        grant: Option<&Grant>,
        approval_threshold: Option<i64>,
    ) -> Result<RefundOutcome, RefundError> {
        let reason = check_reason(reason)?;
        check_amount(amount)?;

        // 1. The intent, all or nothing.
        let mut tx = db::begin_write(&self.pool).await?;
        let order = db::orders::find_by_partner_reference(&mut *tx, partner_reference_no)
            .await?
            .ok_or_else(|| RefundError::OrderNotFound(partner_reference_no.to_string()))?;
        let now = self.clock.now_on(&mut tx).await?;
        match grant {
            Some(grant) => {
                if !grant
                    .record(&mut tx, &self.audit_key, now, self.clock.stamp())
                    .await?
                {
                    return Err(RefundError::ApprovalGone(grant.id));
                }
            }
            None => {
                if db::approvals::waiting_for_order(&mut tx, order.id)
                    .await?
                    .is_some_and(|a| a.expires_at > now)
                {
                    return Err(RefundError::NotRefundable {
                        reference: order.partner_reference_no,
                        status: "waiting for approval".into(),
                    });
                }
            }
        }
        if !refunds::reserve(&mut tx, order.id, amount.minor(), now).await? {
            let reserved = refunds::reserved(&mut tx, order.id).await?;
            let refundable_status = crate::orders::model::OrderStatus::parse(&order.status)
                .is_some_and(crate::orders::model::OrderStatus::refundable);
            return Err(if refundable_status {
                let left = Money::from_minor(order.amount_minor - reserved)
                    .map_err(|_| RefundError::BadAmount)?;
                RefundError::ExceedsRefundable {
                    refundable: left.display_idr(),
                }
            } else {
                RefundError::NotRefundable {
                    reference: order.partner_reference_no,
                    status: order.status,
                }
            });
        }
        if grant.is_none()
            && let Some(threshold) = approval_threshold
            && refunds::reserved(&mut tx, order.id).await? >= threshold
        {
            return Err(RefundError::NeedsApproval);
        }
        let request = RefundOrderRequest {
            merchant_id: order.merchant_id.clone(),
            sub_merchant_id: order.sub_merchant_id.clone(),
            original_reference_no: order.reference_no.clone(),
            original_partner_reference_no: order.partner_reference_no.clone(),
            original_external_id: None,
            original_capture_no: None,
            partner_refund_no: new_partner_refund_no(),
            refund_amount: Amount::from_money(amount, &order.currency),
            external_store_id: order.external_store_id.clone(),
            reason: Some(reason.clone()),
            additional_info: None,
        };
        let signed = self.dana.sign_refund(&request)?;
        let body = String::from_utf8_lossy(&signed.body).into_owned();
        let until = self.lease_until(now);
        let id = refunds::insert(
            &mut tx,
            &refunds::NewRefund {
                order_id: order.id,
                partner_reference_no: &order.partner_reference_no,
                partner_refund_no: &request.partner_refund_no,
                actor,
                reason: &reason,
                amount_minor: amount.minor(),
                currency: &order.currency,
                request_body: &body,
            },
            &self.instance,
            until,
            now,
        )
        .await?;
        let attempt_id = self.record_attempt(&mut tx, id, 1, &signed).await?;
        let intent = NewEvent {
            actor: actor.to_string(),
            action: "refund.intent",
            outcome: audit::Outcome::Pending,
            order_ref: Some(order.partner_reference_no.clone()),
            response_code: None,
            details: json!({
                "refund": id,
                "partner_refund_no": request.partner_refund_no,
                "amount": format!("{} {}", request.refund_amount.value, request.refund_amount.currency),
                "reason": reason,
                "request_body": body,
            }),
        };
        let intent = crate::approval::grant::with_approval(intent, grant);
        audit::append_in(&mut tx, &self.audit_key, &intent, self.clock.stamp()).await?;
        tx.commit().await?;

        // 2. The first attempt, then the machine's step for its answer.
        let open = OpenRefund {
            id,
            order_id: order.id,
            reference: order.partner_reference_no,
            partner_refund_no: request.partner_refund_no,
            amount_minor: amount.minor(),
            body,
            created_at: now,
            last_code: None,
        };
        let attempt = self.dana.send_refund(signed, 1).await;
        self.conclude(&open, attempt_id, &attempt, actor).await
    }

    /// Records an attempt before it is sent.
    pub(super) async fn record_attempt(
        &self,
        conn: &mut Connection,
        id: RefundId,
        number: u32,
        signed: &SignedRequest,
    ) -> Result<RefundAttemptId, sqlx::Error> {
        let headers = serde_json::to_string(&signed.headers).expect("headers serialise");
        let attempt = NewAttempt {
            number,
            external_id: &signed.external_id,
            request_timestamp: &signed.timestamp,
            request_headers: &headers,
            sent_at: self.clock.stamp(),
        };
        let id = queue::insert_attempt(conn, Queue::Refunds, id.get(), &attempt).await?;
        Ok(RefundAttemptId(id))
    }

    /// How many attempts the refund has had, and how many got no answer.
    pub(super) async fn tally(
        &self,
        conn: &mut Connection,
        id: RefundId,
    ) -> Result<(usize, usize), sqlx::Error> {
        let codes = refunds::attempt_codes(conn, id).await?;
        let unanswered = codes
            .iter()
            .filter(|c| {
                c.as_deref()
                    .and_then(catalog::lookup_refund)
                    .is_some_and(|e| Answer::of(e) == Answer::Unknown)
            })
            .count();
        Ok((codes.len(), unanswered))
    }

    pub(super) fn limits(&self, open: &OpenRefund, unanswered: usize, now: Timestamp) -> Limits {
        Limits {
            out_of_attempts: unanswered >= attempt_limit() as usize,
            too_old: now.seconds_since(open.created_at) >= self.policy.max_age_seconds,
        }
    }

    /// Records an attempt's end and audits it, then runs the machine's step for the answer, in
    /// one transaction.
    pub(super) async fn conclude(
        &self,
        open: &OpenRefund,
        attempt_id: RefundAttemptId,
        attempt: &RefundAttempt,
        actor: &str,
    ) -> Result<RefundOutcome, RefundError> {
        let entry = attempt.entry();
        let row = crate::cancel::attempt_result_row(attempt);
        let mut tx = db::begin_write(&self.pool).await?;
        queue::finish_attempt(
            &mut tx,
            Queue::Refunds,
            attempt_id.get(),
            &row,
            self.clock.stamp(),
        )
        .await?;
        let event = NewEvent {
            actor: actor.to_string(),
            action: "dana.refund_attempt",
            outcome: audit_outcome(entry.outcome),
            order_ref: Some(open.reference.clone()),
            response_code: Some(entry.code.to_string()),
            details: json!({
                "refund": open.id,
                "partner_refund_no": open.partner_refund_no,
                "attempt": attempt.number,
                "x_external_id": attempt.request.external_id,
                "x_timestamp": attempt.request.timestamp,
                "request_headers": attempt.request.headers_object(),
                "request_body": String::from_utf8_lossy(&attempt.request.body),
                "http_status": row.http_status,
                "response_code": row.response_code,
                "response_message": row.response_message,
                "response_body": row.response_body,
                "transport_error": row.transport_error,
                "latency_ms": row.latency_ms,
            }),
        };
        audit::append_in(&mut tx, &self.audit_key, &event, self.clock.stamp()).await?;
        let now = self.clock.now_on(&mut tx).await?;
        let (tries, unanswered) = self.tally(&mut tx, open.id).await?;
        let step = machine::step(
            RefundState::InFlight,
            Event::Answered(Answer::of(entry)),
            self.limits(open, unanswered, now),
        )
        .ok_or(RefundError::NotOpen(open.id))?;
        if let (Effect::Settle(Outcome::Success), AttemptResult::Answered { response, .. }) =
            (step.effect, &attempt.result)
        {
            let response = response.as_deref();
            refunds::set_dana_refund(
                &mut tx,
                open.id,
                response.and_then(|r| r.refund_no.as_deref()),
                response.and_then(|r| r.refund_time.as_deref()),
            )
            .await?;
        }
        let outcome = self
            .apply(&mut tx, open, step, entry, actor, "answer", tries, now)
            .await?;
        tx.commit().await?;
        self.metrics
            .record_refund_attempt(entry.code, attempt.latency);
        Ok(outcome)
    }

    /// Runs a settling or queueing effect inside the caller's transaction.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn apply(
        &self,
        conn: &mut Connection,
        open: &OpenRefund,
        step: Step,
        entry: &'static CatalogEntry,
        actor: &str,
        via: &str,
        tries: usize,
        now: Timestamp,
    ) -> Result<RefundOutcome, RefundError> {
        let id = open.id.get();
        queue::set_state(
            conn,
            Queue::Refunds,
            id,
            step.next.as_str(),
            entry.code,
            now,
        )
        .await?;
        let mut outcome = RefundOutcome {
            refund_id: open.id,
            state: step.next,
            entry,
            next_attempt_at: None,
            attention: None,
        };
        let (action, audit_outcome, details) = match step.effect {
            Effect::Settle(result) => {
                queue::release_lease(conn, Queue::Refunds, id).await?;
                if result == Outcome::Success {
                    refunds::set_order_refund_status(conn, open.order_id, now).await?;
                } else {
                    // Not made: its amount is refundable again.
                    refunds::release(conn, open.order_id, open.amount_minor, now).await?;
                }
                (
                    "refund.settled",
                    audit_outcome(result),
                    json!({"refund": open.id, "via": via, "explanation": entry.explanation()}),
                )
            }
            Effect::Retry | Effect::Hold(_) => {
                let (next, attention) = match step.effect {
                    Effect::Hold(hold) => (now, Some(self.hold_note(hold, tries).stored())),
                    _ => (now.plus_seconds(self.policy.delay_after(tries)), None),
                };
                queue::requeue(conn, Queue::Refunds, id, next, attention.as_deref(), now).await?;
                outcome.next_attempt_at = attention.is_none().then_some(next);
                let details = json!({
                    "refund": open.id,
                    "next_attempt_at": attention.is_none().then(|| crate::time::display_wib(next)),
                    "needs_attention": attention.as_deref().map(crate::attention::english),
                });
                outcome.attention = attention;
                ("refund.pending", audit::Outcome::Pending, details)
            }
            effect @ (Effect::Send | Effect::MarkUnknown) => {
                unreachable!("{effect:?} is run by the caller, not inside a transaction")
            }
        };
        let event = NewEvent {
            actor: actor.to_string(),
            action,
            outcome: audit_outcome,
            order_ref: Some(open.reference.clone()),
            response_code: Some(entry.code.to_string()),
            details,
        };
        audit::append_in(conn, &self.audit_key, &event, self.clock.stamp()).await?;
        Ok(outcome)
    }

    /// Why a held refund needs a person, as `/pending` and the order page show it.
    fn hold_note(&self, hold: Hold, tries: usize) -> Attention {
        match hold {
            Hold::NoAnswerLimit => Attention::RefundNoAnswerLimit {
                tries,
                limit: attempt_limit(),
            },
            Hold::TooOld => Attention::RefundTooOld {
                minutes: self.policy.max_age_seconds / 60,
            },
        }
    }
}

/// DANA's limit on refund attempts without a usable answer (the timeout row's rule).
fn attempt_limit() -> u32 {
    catalog::refund_timeout().max_attempts.unwrap_or(3)
}

pub(super) fn audit_outcome(outcome: Outcome) -> audit::Outcome {
    match outcome {
        Outcome::Success => audit::Outcome::Success,
        Outcome::Pending => audit::Outcome::Pending,
        Outcome::Failed => audit::Outcome::Failure,
    }
}
