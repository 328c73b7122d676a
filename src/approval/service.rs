//! Four-eyes requests and decisions. Staff ask through here: below the threshold a cancel or
//! refund goes straight to its service; at or above it (and for every settling by hand) a
//! request is recorded and audited, and nothing reaches DANA. A second person's approval then
//! runs the action on the requester's behalf with the approval recorded in the action's own
//! transaction (`grant.rs`); a rejection or the expiry closes the request.

use serde_json::json;

use super::grant::Grant;
use super::model::{ApprovalKind, ApprovalState, ApprovalView, Started};
use super::policy::ApprovalPolicy;
use crate::audit::key::AuditKey;
use crate::audit::{self, AuditError, NewEvent};
use crate::auth::role::{Permission, Role};
use crate::cancel::service::{CancelError, CancelOutcome, CancelService, check_reason};
use crate::cancel::staff::{Resolution as CancelResolution, check_note};
use crate::clock::Clock;
use crate::db::{self, Connection, approvals::ApprovalRow};
use crate::i18n::{Locale, td_string};
use crate::ids::{ApprovalId, CancelRequestId, RefundId};
use crate::money::Money;
use crate::orders::model::{OrderStatus, display_amount};
use crate::refund::machine::Resolution as RefundResolution;
use crate::refund::model::RefundState;
use crate::refund::service::{RefundError, RefundOutcome, RefundService};
use crate::time::{self, Timestamp};

/// The actor of what the approvals service does on its own (expiry, closing a moot request).
const SYSTEM: &str = "system:approvals";

/// A note's words in a language.
type Words = fn(Locale) -> &'static str;

/// Why the service closed a request itself: stored (and audited) in English, shown in the
/// reader's language.
const MOOT: Words = |l| td_string!(l, approvals.system_note.moot);
const CHANGED: Words = |l| td_string!(l, approvals.system_note.changed);
const REQUESTER_GONE: Words = |l| td_string!(l, approvals.system_note.requester_gone);
const SYSTEM_NOTES: [Words; 3] = [MOOT, CHANGED, REQUESTER_GONE];

/// A decision's note as `locale` reads it: a person's note as they wrote it, the service's own
/// in `locale`.
fn decision_note_in(row: &ApprovalRow, locale: Locale) -> Option<String> {
    let note = row.decision_note.as_deref()?;
    let system = row.decided_by.as_deref() == Some(SYSTEM);
    Some(
        SYSTEM_NOTES
            .iter()
            .find(|words| system && words(Locale::en) == note)
            .map_or_else(|| note.to_string(), |words| words(locale).to_string()),
    )
}

/// The most waiting or decided requests a list shows.
const LIST_LIMIT: i64 = 200;

#[derive(Debug, thiserror::Error)]
pub enum ApprovalError {
    #[error(transparent)]
    Cancel(#[from] CancelError),
    #[error(transparent)]
    Refund(#[from] RefundError),
    #[error("approval {0} was not found")]
    NotFound(ApprovalId),
    #[error("approval {id} is {}", state.as_str())]
    NotWaiting {
        id: ApprovalId,
        state: ApprovalState,
    },
    #[error("approval {0} has expired")]
    Expired(ApprovalId),
    /// Someone else decided it between our read and our write (or it expired then).
    #[error("approval {0} was decided by someone else first")]
    Gone(ApprovalId),
    #[error("the person who asked for approval {0} cannot decide it")]
    OwnRequest(ApprovalId),
    /// What a settling by hand was for was settled meanwhile (by DANA's answer or a status
    /// check): the request is closed.
    #[error("approval {0} is moot: its cancel or refund was settled meanwhile")]
    Moot(ApprovalId),
    #[error("the requester of approval {0} may no longer ask for it")]
    RequesterGone(ApprovalId),
    #[error("order {0} already has a request waiting for approval")]
    AlreadyWaiting(String),
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// What an approval did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Cancelled(CancelOutcome),
    Refunded(RefundOutcome),
    CancelSettled(OrderStatus),
    RefundSettled(RefundState),
}

/// What a request is about, before it is recorded.
struct Ask<'a> {
    kind: ApprovalKind,
    reference: &'a str,
    amount_minor: i64,
    reason: &'a str,
    resolution: Option<&'static str>,
    target_id: Option<i64>,
}

/// Asks, approves, rejects and expires. Cheap to clone.
#[derive(Clone)]
pub struct ApprovalService {
    pool: db::Pool,
    cancels: CancelService,
    refunds: RefundService,
    policy: ApprovalPolicy,
    audit_key: AuditKey,
    clock: Clock,
}

impl std::fmt::Debug for ApprovalService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApprovalService")
            .field("policy", &self.policy)
            .finish()
    }
}

impl ApprovalService {
    /// Works over `cancels` and `refunds`, with their database, audit key and clock.
    pub fn new(cancels: CancelService, refunds: RefundService, policy: ApprovalPolicy) -> Self {
        Self {
            pool: cancels.pool().clone(),
            audit_key: cancels.audit_key().clone(),
            clock: cancels.clock(),
            cancels,
            refunds,
            policy,
        }
    }

    pub fn policy(&self) -> &ApprovalPolicy {
        &self.policy
    }

    /// A staff member's cancel: sent at once below the threshold, else waiting for approval.
    pub async fn cancel(
        &self,
        actor: &str,
        reference: &str,
        reason: &str,
    ) -> Result<Started<CancelOutcome>, ApprovalError> {
        let reason = check_reason(reason)?;
        let order = self.order(reference).await?;
        if !self.policy.needs_approval(order.amount_minor) {
            let outcome = self.cancels.cancel_order(actor, reference, &reason).await?;
            return Ok(Started::Done(outcome));
        }
        let cancellable = matches!(order.status.as_str(), "PAID" | "CANCEL_FAILED");
        let reserved = db::refunds::reserved(&mut *self.pool.acquire().await?, order.id).await?;
        if !cancellable || reserved > 0 {
            return Err(CancelError::NotCancellable {
                reference: order.partner_reference_no,
                status: if cancellable {
                    "being refunded".into()
                } else {
                    order.status
                },
            }
            .into());
        }
        let ask = Ask {
            kind: ApprovalKind::Cancel,
            reference,
            amount_minor: order.amount_minor,
            reason: &reason,
            resolution: None,
            target_id: None,
        };
        Ok(Started::Waiting(Box::new(self.ask(actor, ask).await?)))
    }

    /// A staff member's refund: sent at once below the threshold, else waiting for approval.
    pub async fn refund(
        &self,
        actor: &str,
        reference: &str,
        amount: Money,
        reason: &str,
    ) -> Result<Started<RefundOutcome>, ApprovalError> {
        let reason = crate::refund::service::check_reason(reason)?;
        let order = db::orders::find_by_partner_reference(&self.pool, reference)
            .await?
            .ok_or_else(|| RefundError::OrderNotFound(reference.to_string()))?;
        // What the order's refunds reach with this one: splitting a large refund into small
        // ones still needs a second person.
        let reserved = db::refunds::reserved(&mut *self.pool.acquire().await?, order.id).await?;
        if !self.policy.needs_approval(reserved + amount.minor()) {
            let direct = self
                .refunds
                .refund_order_within(
                    actor,
                    reference,
                    amount,
                    &reason,
                    None,
                    self.policy.threshold_minor,
                )
                .await;
            match direct {
                Ok(outcome) => return Ok(Started::Done(outcome)),
                // Another refund of the order got in first and crossed the threshold: ask.
                Err(RefundError::NeedsApproval) => {}
                Err(err) => return Err(err.into()),
            }
        }
        let refundable = OrderStatus::parse(&order.status).is_some_and(OrderStatus::refundable);
        if !refundable {
            return Err(RefundError::NotRefundable {
                reference: order.partner_reference_no,
                status: order.status,
            }
            .into());
        }
        let reserved = db::refunds::reserved(&mut *self.pool.acquire().await?, order.id).await?;
        crate::refund::service::check_amount(amount)?;
        if amount.minor() > order.amount_minor - reserved {
            let left = Money::from_minor(order.amount_minor - reserved)
                .map_err(|_| RefundError::BadAmount)?;
            return Err(RefundError::ExceedsRefundable {
                refundable: left.display_idr(),
            }
            .into());
        }
        let ask = Ask {
            kind: ApprovalKind::Refund,
            reference,
            amount_minor: amount.minor(),
            reason: &reason,
            resolution: None,
            target_id: None,
        };
        Ok(Started::Waiting(Box::new(self.ask(actor, ask).await?)))
    }

    /// Settling a pending cancel by hand: always waits for a second person.
    pub async fn resolve_cancel(
        &self,
        actor: &str,
        id: CancelRequestId,
        resolution: CancelResolution,
        note: &str,
    ) -> Result<ApprovalView, ApprovalError> {
        let note = check_note(note)?;
        let mut conn = self.pool.acquire().await?;
        let row = db::cancels::request_by_id(&mut conn, id)
            .await?
            .filter(|r| r.state().is_open())
            .ok_or(CancelError::NotOpen(id))?;
        drop(conn);
        let order = self.order(&row.partner_reference_no).await?;
        let ask = Ask {
            kind: ApprovalKind::ResolveCancel,
            reference: &row.partner_reference_no,
            amount_minor: order.amount_minor,
            reason: &note,
            resolution: Some(match resolution {
                CancelResolution::Cancelled => "cancelled",
                CancelResolution::NotCancelled => "not_cancelled",
            }),
            target_id: Some(id.get()),
        };
        self.ask(actor, ask).await
    }

    /// Settling a pending refund by hand: always waits for a second person.
    pub async fn resolve_refund(
        &self,
        actor: &str,
        id: RefundId,
        resolution: RefundResolution,
        note: &str,
    ) -> Result<ApprovalView, ApprovalError> {
        let note = crate::refund::service::check_note(note)?;
        let mut conn = self.pool.acquire().await?;
        let row = db::refunds::by_id(&mut conn, id)
            .await?
            .filter(|r| RefundState::parse(&r.state).is_some_and(RefundState::is_open))
            .ok_or(RefundError::NotOpen(id))?;
        drop(conn);
        let ask = Ask {
            kind: ApprovalKind::ResolveRefund,
            reference: &row.partner_reference_no,
            amount_minor: row.amount_minor,
            reason: &note,
            resolution: Some(match resolution {
                RefundResolution::Refunded => "refunded",
                RefundResolution::NotRefunded => "not_refunded",
            }),
            target_id: Some(id.get()),
        };
        self.ask(actor, ask).await
    }

    async fn order(&self, reference: &str) -> Result<db::orders::OrderRow, ApprovalError> {
        db::orders::find_by_partner_reference(&self.pool, reference)
            .await?
            .ok_or_else(|| CancelError::OrderNotFound(reference.to_string()).into())
    }

    /// Records a request and audits `approval.requested`, unless one already waits for the order.
    async fn ask(&self, actor: &str, ask: Ask<'_>) -> Result<ApprovalView, ApprovalError> {
        let mut tx = db::begin_write(&self.pool).await?;
        let order = db::orders::find_by_partner_reference(&mut *tx, ask.reference)
            .await?
            .ok_or_else(|| CancelError::OrderNotFound(ask.reference.to_string()))?;
        let now = self.clock.now_on(&mut tx).await?;
        self.expire_in(&mut tx, now, Some(order.id)).await?;
        if db::approvals::waiting_for_order(&mut tx, order.id)
            .await?
            .is_some()
        {
            return Err(ApprovalError::AlreadyWaiting(order.partner_reference_no));
        }
        let new = db::approvals::NewApproval {
            kind: ask.kind.as_str(),
            order_id: order.id,
            partner_reference_no: &order.partner_reference_no,
            amount_minor: ask.amount_minor,
            currency: &order.currency,
            reason: ask.reason,
            resolution: ask.resolution,
            target_id: ask.target_id,
            requested_by: actor,
            requested_at: now,
            expires_at: now.plus_seconds(self.policy.expiry_seconds),
        };
        let id = db::approvals::insert(&mut tx, &new).await?;
        let amount = Money::from_minor(ask.amount_minor)
            .map(|m| display_amount(m, &order.currency))
            .unwrap_or_default();
        let mut details = json!({
            "approval": id,
            "kind": ask.kind.as_str(),
            "amount": amount,
        });
        let object = details.as_object_mut().expect("an object");
        match ask.resolution {
            Some(resolution) => {
                object.insert("resolution".into(), json!(resolution));
                object.insert("target".into(), json!(ask.target_id));
                object.insert("note".into(), json!(ask.reason));
            }
            None => {
                object.insert("reason".into(), json!(ask.reason));
            }
        }
        let event = NewEvent {
            actor: actor.to_string(),
            action: "approval.requested",
            outcome: audit::Outcome::Pending,
            order_ref: Some(order.partner_reference_no.clone()),
            response_code: None,
            details,
        };
        audit::append_in(&mut tx, &self.audit_key, &event, self.clock.stamp()).await?;
        let row = db::approvals::by_id(&mut tx, id)
            .await?
            .ok_or(ApprovalError::NotFound(id))?;
        tx.commit().await?;
        Ok(view(&row, now, actor))
    }

    /// A waiting request, checked for a decision by `decider`: it exists, waits, has not expired
    /// (an expired one is marked so here) and was not asked for by `decider`.
    async fn decidable(&self, id: ApprovalId, decider: &str) -> Result<ApprovalRow, ApprovalError> {
        let mut conn = self.pool.acquire().await?;
        let row = db::approvals::by_id(&mut conn, id)
            .await?
            .ok_or(ApprovalError::NotFound(id))?;
        drop(conn);
        let state = ApprovalState::parse(&row.state).unwrap_or(ApprovalState::Expired);
        if state != ApprovalState::Waiting {
            return Err(ApprovalError::NotWaiting { id, state });
        }
        let now = self.clock.now(&self.pool).await?;
        if row.expires_at <= now {
            let mut tx = db::begin_write(&self.pool).await?;
            self.expire_in(&mut tx, now, Some(row.order_id)).await?;
            tx.commit().await?;
            return Err(ApprovalError::Expired(id));
        }
        if row.requested_by.eq_ignore_ascii_case(decider) {
            return Err(ApprovalError::OwnRequest(id));
        }
        Ok(row)
    }

    /// Approves a request: its cancel, refund or settling runs now, on the requester's behalf,
    /// with the approval recorded in the same transaction as the action's intent.
    pub async fn approve(&self, approver: &str, id: ApprovalId) -> Result<Decision, ApprovalError> {
        let row = self.decidable(id, approver).await?;
        let kind = ApprovalKind::parse(&row.kind).ok_or(ApprovalError::NotFound(id))?;
        // The action runs on the requester's behalf: they must still be allowed to ask for it.
        let needed = match kind {
            ApprovalKind::Cancel => Permission::CancelOrder,
            ApprovalKind::Refund => Permission::RefundOrder,
            ApprovalKind::ResolveCancel | ApprovalKind::ResolveRefund => {
                Permission::WorkPendingQueue
            }
        };
        let requester_may = db::users::find_by_email(&self.pool, &row.requested_by)
            .await?
            .filter(|u| u.disabled_at.is_none())
            .and_then(|u| Role::parse(&u.role))
            .is_some_and(|role| role.can(needed));
        if !requester_may {
            self.close(&row, REQUESTER_GONE(Locale::en)).await?;
            return Err(ApprovalError::RequesterGone(id));
        }
        let grant = Grant {
            id,
            approver: approver.to_string(),
            order_ref: row.partner_reference_no.clone(),
            kind: kind.as_str(),
        };
        let requester = row.requested_by.as_str();
        let reference = row.partner_reference_no.as_str();
        let target = row.target_id.unwrap_or_default();
        let gone = |err: ApprovalError| match err {
            ApprovalError::Cancel(CancelError::ApprovalGone(id))
            | ApprovalError::Refund(RefundError::ApprovalGone(id)) => ApprovalError::Gone(id),
            other => other,
        };
        let decision = match kind {
            ApprovalKind::Cancel => self
                .cancels
                .cancel_order_granted(requester, reference, &row.reason, Some(&grant))
                .await
                .map(Decision::Cancelled)
                .map_err(ApprovalError::from),
            ApprovalKind::Refund => {
                let amount =
                    Money::from_minor(row.amount_minor).map_err(|_| RefundError::BadAmount)?;
                self.refunds
                    .refund_order_granted(requester, reference, amount, &row.reason, Some(&grant))
                    .await
                    .map(Decision::Refunded)
                    .map_err(ApprovalError::from)
            }
            ApprovalKind::ResolveCancel => {
                let resolution = match row.resolution.as_deref() {
                    Some("cancelled") => CancelResolution::Cancelled,
                    _ => CancelResolution::NotCancelled,
                };
                self.cancels
                    .resolve_granted(
                        CancelRequestId(target),
                        requester,
                        resolution,
                        &row.reason,
                        Some(&grant),
                    )
                    .await
                    .map(Decision::CancelSettled)
                    .map_err(ApprovalError::from)
            }
            ApprovalKind::ResolveRefund => {
                let resolution = match row.resolution.as_deref() {
                    Some("refunded") => RefundResolution::Refunded,
                    _ => RefundResolution::NotRefunded,
                };
                self.refunds
                    .resolve_granted(
                        RefundId(target),
                        requester,
                        resolution,
                        &row.reason,
                        Some(&grant),
                    )
                    .await
                    .map(Decision::RefundSettled)
                    .map_err(ApprovalError::from)
            }
        };
        match decision.map_err(gone) {
            Err(
                ApprovalError::Cancel(CancelError::NotOpen(_))
                | ApprovalError::Refund(RefundError::NotOpen(_)),
            ) if row.target_id.is_some() => {
                self.close(&row, MOOT(Locale::en)).await?;
                Err(ApprovalError::Moot(id))
            }
            // The order changed meanwhile (refunded, cancelled, less left to refund): the
            // request can never go through, so it stops holding the order.
            Err(
                err @ (ApprovalError::Cancel(CancelError::NotCancellable { .. })
                | ApprovalError::Refund(
                    RefundError::NotRefundable { .. } | RefundError::ExceedsRefundable { .. },
                )),
            ) => {
                self.close(&row, CHANGED(Locale::en)).await?;
                Err(err)
            }
            other => other,
        }
    }

    /// Closes a request that can no longer go through (rejected by the service itself, with
    /// `note`), so it stops holding the order.
    async fn close(&self, row: &ApprovalRow, note: &str) -> Result<(), ApprovalError> {
        let mut tx = db::begin_write(&self.pool).await?;
        let now = self.clock.now_on(&mut tx).await?;
        if db::approvals::decide(&mut tx, row.id, "REJECTED", SYSTEM, Some(note), now).await? {
            let event = NewEvent {
                actor: SYSTEM.to_string(),
                action: "approval.rejected",
                outcome: audit::Outcome::Info,
                order_ref: Some(row.partner_reference_no.clone()),
                response_code: None,
                details: json!({ "approval": row.id, "kind": row.kind, "note": note }),
            };
            audit::append_in(&mut tx, &self.audit_key, &event, self.clock.stamp()).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Rejects a request with a note; nothing is sent to DANA.
    pub async fn reject(
        &self,
        decider: &str,
        id: ApprovalId,
        note: &str,
    ) -> Result<ApprovalView, ApprovalError> {
        let note = check_note(note)?;
        let row = self.decidable(id, decider).await?;
        let mut tx = db::begin_write(&self.pool).await?;
        let now = self.clock.now_on(&mut tx).await?;
        if !db::approvals::decide(&mut tx, id, "REJECTED", decider, Some(&note), now).await? {
            return Err(ApprovalError::Gone(id));
        }
        let event = NewEvent {
            actor: decider.to_string(),
            action: "approval.rejected",
            outcome: audit::Outcome::Info,
            order_ref: Some(row.partner_reference_no.clone()),
            response_code: None,
            details: json!({ "approval": id, "kind": row.kind, "note": note }),
        };
        audit::append_in(&mut tx, &self.audit_key, &event, self.clock.stamp()).await?;
        let row = db::approvals::by_id(&mut tx, id)
            .await?
            .ok_or(ApprovalError::NotFound(id))?;
        tx.commit().await?;
        Ok(view(&row, now, decider))
    }

    /// Marks every request past its expiry as expired, each audited; how many.
    pub async fn expire_due(&self) -> Result<usize, ApprovalError> {
        let now = self.clock.now(&self.pool).await?;
        if !db::approvals::any_due(&mut *self.pool.acquire().await?, now).await? {
            return Ok(0);
        }
        let mut tx = db::begin_write(&self.pool).await?;
        let now = self.clock.now_on(&mut tx).await?;
        let n = self.expire_in(&mut tx, now, None).await?;
        tx.commit().await?;
        Ok(n)
    }

    async fn expire_in(
        &self,
        conn: &mut Connection,
        now: Timestamp,
        order: Option<crate::ids::OrderId>,
    ) -> Result<usize, ApprovalError> {
        let expired = db::approvals::expire_due(conn, now, order).await?;
        for row in &expired {
            let event = NewEvent {
                actor: SYSTEM.to_string(),
                action: "approval.expired",
                outcome: audit::Outcome::Info,
                order_ref: Some(row.partner_reference_no.clone()),
                response_code: None,
                details: json!({
                    "approval": row.id,
                    "kind": row.kind,
                    "requested_by": row.requested_by,
                }),
            };
            audit::append_in(conn, &self.audit_key, &event, self.clock.stamp()).await?;
        }
        Ok(expired.len())
    }

    /// Waiting requests (oldest first) and the latest decided ones, as `viewer` sees them.
    pub async fn lists(
        &self,
        viewer: &str,
    ) -> Result<(Vec<ApprovalView>, Vec<ApprovalView>), ApprovalError> {
        self.expire_due().await?;
        let now = self.clock.now(&self.pool).await?;
        let mut conn = self.pool.acquire().await?;
        let waiting = db::approvals::waiting(&mut conn, LIST_LIMIT).await?;
        let decided = db::approvals::decided(&mut conn, LIST_LIMIT).await?;
        let views = |rows: Vec<ApprovalRow>| rows.iter().map(|r| view(r, now, viewer)).collect();
        Ok((views(waiting), views(decided)))
    }

    /// Every request about one order, newest first.
    pub async fn for_order(
        &self,
        order_id: crate::ids::OrderId,
        viewer: &str,
    ) -> Result<Vec<ApprovalView>, ApprovalError> {
        let now = self.clock.now(&self.pool).await?;
        let mut conn = self.pool.acquire().await?;
        let rows = db::approvals::for_order(&mut conn, order_id).await?;
        Ok(rows.iter().map(|r| view(r, now, viewer)).collect())
    }

    /// How many requests wait for a decision.
    pub async fn count_waiting(&self) -> Result<i64, ApprovalError> {
        let now = self.clock.now(&self.pool).await?;
        let mut conn = self.pool.acquire().await?;
        Ok(db::approvals::count_waiting(&mut conn, now).await?)
    }
}

/// A request as `viewer` sees it at `now`; a waiting one past its expiry shows as expired.
fn view(row: &ApprovalRow, now: Timestamp, viewer: &str) -> ApprovalView {
    let mut state = ApprovalState::parse(&row.state).unwrap_or(ApprovalState::Expired);
    if state == ApprovalState::Waiting && row.expires_at <= now {
        state = ApprovalState::Expired;
    }
    let resolution = row.resolution.as_deref().map(|r| r.replace('_', " "));
    let locale = crate::language::current();
    ApprovalView {
        id: row.id,
        kind: ApprovalKind::parse(&row.kind).unwrap_or(ApprovalKind::Cancel),
        state,
        partner_reference_no: row.partner_reference_no.clone(),
        amount_display: Money::from_minor(row.amount_minor)
            .map(|m| display_amount(m, &row.currency))
            .unwrap_or_default(),
        reason: row.reason.clone(),
        resolution,
        requested_by: row.requested_by.clone(),
        requested_at_display: time::display_wib(row.requested_at),
        age_display: time::display_duration(now.seconds_since(row.requested_at), locale),
        expires_at_display: time::display_wib(row.expires_at),
        decided_by: row.decided_by.as_deref().map(|by| {
            if by == SYSTEM {
                td_string!(locale, approvals.system_actor).to_string()
            } else {
                by.to_string()
            }
        }),
        decided_at_display: row.decided_at.map(time::display_wib),
        decision_note: decision_note_in(row, locale),
        mine: row.requested_by.eq_ignore_ascii_case(viewer),
    }
}
