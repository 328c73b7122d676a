//! What operations staff do by hand with a pending cancel: retry it now, check its status with
//! DANA, settle it with a note, or stop its periodic retries. Each takes the cancel's lease first, so it never races the
//! worker or another person, and each step comes from the state machine (`machine.rs`).

use crate::ids::CancelRequestId;
use serde_json::json;

use super::effects::{Context, audit_outcome};
use super::machine::{self, By, Effect, Event};
use super::service::{CancelError, CancelService, WorkOutcome};
use crate::approval::grant::Grant;
use crate::audit::{self, NewEvent};
use crate::dana::catalog::{CatalogEntry, Outcome, TransactionStatus};
use crate::db::{self, cancels};
use crate::orders::model::OrderStatus;

pub use super::machine::Resolution;

pub const MAX_NOTE_CHARS: usize = 500;

/// A person's settling action: its machine event and how the trail names it.
struct ByHand {
    event: Event,
    audit_action: &'static str,
    label: &'static str,
    via: &'static str,
}

/// What a status check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusCheck {
    /// The Query Payment catalog row the exchange ended in.
    pub entry: &'static CatalogEntry,
    /// DANA's `latestTransactionStatus`, when it answered.
    pub status: Option<&'static TransactionStatus>,
    pub outcome: WorkOutcome,
}

/// A resolution note: trimmed, 1 to 500 characters.
pub fn check_note(note: &str) -> Result<String, CancelError> {
    let note = note.trim();
    let n = note.chars().count();
    // In the language of the request (English for the CLI and the worker).
    let locale = crate::language::current();
    if n == 0 {
        Err(CancelError::InvalidInput {
            field: "note",
            message: crate::i18n::td_string!(locale, validation.note.required),
        })
    } else if n > MAX_NOTE_CHARS {
        Err(CancelError::InvalidInput {
            field: "note",
            message: crate::i18n::td_string!(locale, validation.note.too_long),
        })
    } else {
        Ok(note.to_string())
    }
}

impl CancelService {
    /// "Retry now", by `actor`: works the cancel at once, whatever its due time or hold.
    pub async fn retry_now(
        &self,
        id: CancelRequestId,
        actor: &str,
    ) -> Result<WorkOutcome, CancelError> {
        self.claim(id).await?;
        let outcome = self.work(id, actor, By::Person).await;
        self.release_if_held(id).await;
        outcome
    }

    /// "Check status with DANA", by `actor`: asks Query Payment and settles the cancel if DANA
    /// says it is cancelled; never sends the cancel again.
    pub async fn check_status(
        &self,
        id: CancelRequestId,
        actor: &str,
    ) -> Result<StatusCheck, CancelError> {
        self.claim(id).await?;
        let result = async {
            let (mut open, mut state) = self.load_open(id).await?;
            let tally = self.close_interrupted(&mut open, &mut state, actor).await?;
            let answer = self.query_status(&open, actor).await?;
            let now = self.clock.now(&self.pool).await?;
            let event = Event::CheckedByHand(answer.finding);
            let step = machine::step(state, event, self.limits(&open, tally, now))
                .ok_or(CancelError::NotOpen(id))?;
            let cx = Context {
                actor,
                code: open.last_entry().code,
                via: "status check",
                tries: tally.attempts,
                status_note: answer.note(),
                now,
            };
            let outcome = self.apply_alone(&open, step, &cx).await?;
            Ok(StatusCheck {
                entry: answer.query.entry(),
                status: answer.status,
                outcome,
            })
        }
        .await;
        self.release_if_held(id).await;
        result
    }

    /// Settles a cancel by hand with a mandatory note.
    pub async fn resolve(
        &self,
        id: CancelRequestId,
        actor: &str,
        resolution: Resolution,
        note: &str,
    ) -> Result<OrderStatus, CancelError> {
        self.resolve_granted(id, actor, resolution, note, None)
            .await
    }

    /// [`Self::resolve`], with a second person's approval recorded in the same transaction.
    pub async fn resolve_granted(
        &self,
        id: CancelRequestId,
        actor: &str,
        resolution: Resolution,
        note: &str,
        grant: Option<&Grant>,
    ) -> Result<OrderStatus, CancelError> {
        let label = match resolution {
            Resolution::Cancelled => "cancelled",
            Resolution::NotCancelled => "not cancelled",
        };
        let action = ByHand {
            event: Event::Resolved(resolution),
            audit_action: "cancel.resolved",
            label,
            via: "resolution",
        };
        self.settle_by_hand(id, actor, action, note, grant).await
    }

    /// Stops the periodic retries of a cancel DANA refused: the order stays paid
    /// (CANCEL_FAILED, and may be cancelled or refunded later). Only a RETRYING cancel stops.
    pub async fn stop_retrying(
        &self,
        id: CancelRequestId,
        actor: &str,
        note: &str,
    ) -> Result<OrderStatus, CancelError> {
        let action = ByHand {
            event: Event::Stopped,
            audit_action: "cancel.stopped",
            label: "periodic retries stopped",
            via: "stopped by hand",
        };
        self.settle_by_hand(id, actor, action, note, None).await
    }

    async fn settle_by_hand(
        &self,
        id: CancelRequestId,
        actor: &str,
        action: ByHand,
        note: &str,
        grant: Option<&Grant>,
    ) -> Result<OrderStatus, CancelError> {
        let note = check_note(note)?;
        self.claim(id).await?;
        let result = async {
            let (mut open, mut state) = self.load_open(id).await?;
            let tally = self.close_interrupted(&mut open, &mut state, actor).await?;
            let mut tx = db::begin_write(&self.pool).await?;
            let now = self.clock.now_on(&mut tx).await?;
            let step = machine::step(state, action.event, self.limits(&open, tally, now)).ok_or(
                CancelError::NotInState {
                    id,
                    state: state.as_str(),
                },
            )?;
            let outcome = match step.effect {
                Effect::Settle(outcome) => outcome,
                _ => Outcome::Pending,
            };
            let code = open.last_entry().code;
            if let Some(grant) = grant
                && !grant
                    .record(&mut tx, &self.audit_key, now, self.clock.stamp())
                    .await?
            {
                return Err(CancelError::ApprovalGone(grant.id));
            }
            cancels::set_resolution(&mut tx, id, actor, &note).await?;
            let event = NewEvent {
                actor: actor.to_string(),
                action: action.audit_action,
                outcome: audit_outcome(outcome),
                order_ref: Some(open.reference.clone()),
                response_code: Some(code.to_string()),
                details: json!({
                    "cancel_request": id,
                    "resolution": action.label,
                    "note": note,
                }),
            };
            let event = crate::approval::grant::with_approval(event, grant);
            audit::append_in(&mut tx, &self.audit_key, &event, self.clock.stamp()).await?;
            let cx = Context {
                actor,
                code,
                via: action.via,
                tries: tally.attempts,
                status_note: None,
                now,
            };
            let conclusion = self.apply(&mut tx, &open, step, &cx).await?;
            tx.commit().await?;
            Ok(conclusion.order_status)
        }
        .await;
        self.release_if_held(id).await;
        result
    }

    async fn claim(&self, id: CancelRequestId) -> Result<(), CancelError> {
        let now = self.clock.now(&self.pool).await?;
        if cancels::claim_lease(&self.pool, id, &self.instance, self.lease_until(now), now).await? {
            return Ok(());
        }
        let mut conn = self.pool.acquire().await?;
        match cancels::request_by_id(&mut conn, id).await? {
            Some(row) if row.state().is_open() => Err(CancelError::Busy(id)),
            _ => Err(CancelError::NotOpen(id)),
        }
    }

    /// Frees the lease if an action ended early (settling and queueing free it themselves).
    async fn release_if_held(&self, id: CancelRequestId) {
        let released = cancels::release_lease_held_by(&self.pool, id, &self.instance).await;
        if let Err(err) = released {
            tracing::warn!(%err, cancel_request = %id, "could not release a lease; it will run out");
        }
    }
}
