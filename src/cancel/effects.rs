//! Runs the state machine's effects: each writes its rows and its audit event in the caller's
//! transaction, so a cancel's state, its order's status and the trail never disagree.

use crate::ids::{AttemptId, CancelRequestId};
use crate::time::Timestamp;
use serde_json::json;

use super::machine::{self, Answer, Effect, Event, Hold, Limits, Step};
use super::model::RequestState;
use super::service::{
    AttemptSummary, CancelError, CancelService, Conclusion, OpenCancel, Queued, WorkOutcome,
    total_timeout_limit,
};
use crate::attention::Attention;
use crate::audit::{self, NewEvent};
use crate::dana::catalog::{self, CatalogEntry, Outcome};
use crate::dana::client::{AnswerBody, Attempt, AttemptResult, CancelAttempt, SignedRequest};
use crate::db::cancels::{self, AttemptResultRow};
use crate::db::{self, Connection};
use crate::orders::model::OrderStatus;

/// What an effect needs beyond the cancel itself.
pub(super) struct Context<'a> {
    /// Who acts: a staff e-mail or the worker.
    pub actor: &'a str,
    /// The catalog row the cancel's state records (the last attempt's).
    pub code: &'a str,
    /// What decided a settlement, for the audit trail: answer, status check, resolution.
    pub via: &'static str,
    /// Attempts the cancel has had: the backoff grows with them.
    pub tries: usize,
    /// For a hold on a status check: what DANA's status (or refusal) means.
    pub status_note: Option<Attention>,
    pub now: Timestamp,
}

pub(super) fn audit_outcome(outcome: Outcome) -> audit::Outcome {
    match outcome {
        Outcome::Success => audit::Outcome::Success,
        Outcome::Pending => audit::Outcome::Pending,
        Outcome::Failed => audit::Outcome::Failure,
    }
}

fn settled_order_status(outcome: Outcome) -> OrderStatus {
    match outcome {
        Outcome::Success => OrderStatus::Cancelled,
        Outcome::Pending => OrderStatus::CancelPending,
        Outcome::Failed => OrderStatus::CancelFailed,
    }
}

/// What an attempt's exchange left, as stored: shared by cancel and refund attempts.
pub(crate) fn attempt_result_row<R: AnswerBody>(attempt: &Attempt<R>) -> AttemptResultRow {
    let mut row = AttemptResultRow {
        latency_ms: attempt.latency.as_millis() as i64,
        catalog_code: attempt.entry().code.to_string(),
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
            if let Some(reason) = &classification.unexpected {
                row.transport_error = Some(reason.describe());
            }
        }
        AttemptResult::TimedOut => {
            row.transport_error = Some(format!(
                "no answer within {} ms",
                attempt.latency.as_millis()
            ))
        }
        AttemptResult::Transport(err) => row.transport_error = Some(err.clone()),
    }
    row
}

fn summary(attempt: &CancelAttempt) -> (AttemptSummary, AttemptResultRow) {
    let entry = attempt.entry();
    let row = attempt_result_row(attempt);
    let view = AttemptSummary {
        number: attempt.number,
        external_id: attempt.request.external_id.clone(),
        entry,
        http_status: row.http_status.map(|s| s as u16),
        response_code: row.response_code.clone(),
        response_message: row.response_message.clone(),
        latency_ms: row.latency_ms as u64,
        latency: attempt.latency,
    };
    (view, row)
}

/// A cancel's finished attempts, counted the ways the machine's limits need.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Tally {
    /// Every attempt recorded (the backoff grows with them).
    pub attempts: usize,
    /// Attempts DANA gave no usable answer to: what DANA's 3-attempt rule counts.
    pub no_answer: usize,
    /// Attempts answered with a "retry periodically" refusal: what the periodic cap counts.
    pub periodic: usize,
}

impl Tally {
    /// From each attempt's catalog row (`None` while in flight).
    pub fn of<'a>(codes: impl IntoIterator<Item = Option<&'a str>>) -> Self {
        let mut tally = Tally::default();
        for code in codes {
            tally.attempts += 1;
            let Some(entry) = code.and_then(catalog::lookup) else {
                continue;
            };
            match Answer::of(entry) {
                Answer::Unknown => tally.no_answer += 1,
                Answer::RefusedRetryLater => tally.periodic += 1,
                _ => {}
            }
        }
        tally
    }
}

impl CancelService {
    /// What the machine weighs for `open` at `now`, given its attempts so far.
    pub(super) fn limits(&self, open: &OpenCancel, tally: Tally, now: Timestamp) -> Limits {
        Limits {
            out_of_attempts: tally.no_answer >= total_timeout_limit() as usize,
            too_old: now.seconds_since(open.created_at) >= self.policy.max_age_seconds,
            later_attempt: tally.attempts > 1,
            periodic_spent: tally.periodic >= self.policy.periodic_attempts,
        }
    }

    /// The tally of `open`'s attempts as stored on `conn`.
    pub(super) async fn tally(
        &self,
        conn: &mut Connection,
        open: &OpenCancel,
    ) -> Result<Tally, sqlx::Error> {
        let codes = cancels::attempt_codes(conn, open.request_id).await?;
        Ok(Tally::of(codes.iter().map(|c| c.as_deref())))
    }

    /// Records an attempt before it is sent.
    pub(super) async fn record_attempt_intent(
        &self,
        conn: &mut Connection,
        request_id: CancelRequestId,
        number: u32,
        signed: &SignedRequest,
    ) -> Result<AttemptId, sqlx::Error> {
        let headers = serde_json::to_string(&signed.headers).expect("headers serialise");
        let attempt = crate::db::queue::NewAttempt {
            number,
            external_id: &signed.external_id,
            request_timestamp: &signed.timestamp,
            request_headers: &headers,
            sent_at: self.clock.stamp(),
        };
        cancels::insert_attempt(conn, request_id, &attempt).await
    }

    /// Records an attempt's end and audits it, then runs the machine's step for the answer, in
    /// one transaction.
    pub(super) async fn conclude_attempt(
        &self,
        open: &OpenCancel,
        attempt_id: AttemptId,
        attempt: &CancelAttempt,
        actor: &str,
        interrupted: bool,
    ) -> Result<(AttemptSummary, Conclusion), CancelError> {
        let (view, row) = summary(attempt);
        let mut tx = db::begin_write(&self.pool).await?;
        cancels::finish_attempt(&mut tx, attempt_id, &row, self.clock.stamp()).await?;
        self.audit_attempt(&mut tx, open, attempt, &view, &row, actor, interrupted)
            .await?;
        let now = self.clock.now_on(&mut tx).await?;
        let tally = self.tally(&mut tx, open).await?;
        let event = Event::Answered(Answer::of(view.entry));
        let step = machine::step(RequestState::InFlight, event, self.limits(open, tally, now))
            .ok_or(CancelError::NotOpen(open.request_id))?;
        let context = Context {
            actor,
            code: view.entry.code,
            via: "answer",
            tries: tally.attempts,
            status_note: None,
            now,
        };
        let conclusion = self.apply(&mut tx, open, step, &context).await?;
        tx.commit().await?;
        self.metrics
            .record_cancel_attempt(view.entry.code, attempt.latency);
        Ok((view, conclusion))
    }

    #[allow(clippy::too_many_arguments)]
    async fn audit_attempt(
        &self,
        conn: &mut Connection,
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
        audit::append_in(conn, &self.audit_key, &event, self.clock.stamp()).await?;
        Ok(())
    }

    /// Runs a settling or queueing effect inside the caller's transaction. Sending, asking for
    /// the status and marking an attempt unknown talk to DANA or span transactions: their
    /// callers run those.
    pub(super) async fn apply(
        &self,
        conn: &mut Connection,
        open: &OpenCancel,
        step: Step,
        cx: &Context<'_>,
    ) -> Result<Conclusion, CancelError> {
        let state = step.next;
        match step.effect {
            Effect::Settle(outcome) => {
                let order_status = self.settle(conn, open, outcome, cx).await?;
                Ok(Conclusion {
                    order_status,
                    queued: None,
                })
            }
            Effect::Retry => {
                let next = cx.now.plus_seconds(self.policy.delay_after(cx.tries));
                self.queue(conn, open, state, next, None, cx).await
            }
            Effect::Confirm => self.queue(conn, open, state, cx.now, None, cx).await,
            Effect::RetryPeriodically => {
                let next = cx.now.plus_seconds(self.policy.periodic_seconds);
                self.queue(conn, open, state, next, None, cx).await
            }
            Effect::KeepSchedule => {
                // Due now if it had no due time (it was in flight).
                let next = open.next_attempt_at.unwrap_or(cx.now);
                self.queue(conn, open, state, next, open.attention.as_deref(), cx)
                    .await
            }
            Effect::Hold(hold) => {
                let why = self.hold_note(hold, cx).stored();
                self.queue(conn, open, state, cx.now, Some(&why), cx).await
            }
            effect @ (Effect::Send | Effect::AskStatus | Effect::MarkUnknown) => {
                unreachable!("{effect:?} is run by the caller, not inside a transaction")
            }
        }
    }

    /// [`Self::apply`] in a transaction of its own; for the worker and staff actions.
    pub(super) async fn apply_alone(
        &self,
        open: &OpenCancel,
        step: Step,
        cx: &Context<'_>,
    ) -> Result<WorkOutcome, CancelError> {
        let mut tx = db::begin_write(&self.pool).await?;
        let conclusion = self.apply(&mut tx, open, step, cx).await?;
        tx.commit().await?;
        Ok(conclusion.into())
    }

    /// Why a held cancel needs a person, as `/pending` and the order page show it.
    fn hold_note(&self, hold: Hold, cx: &Context<'_>) -> Attention {
        let (tries, limit) = (cx.tries, total_timeout_limit());
        match hold {
            Hold::NoAnswerLimit => Attention::CancelNoAnswerLimit { tries, limit },
            Hold::NoAnswerLimitStillPaid => Attention::CancelNoAnswerStillPaid { tries, limit },
            Hold::TooOld => Attention::CancelTooOld {
                minutes: self.policy.max_age_seconds / 60,
            },
            Hold::StatusNeedsPerson | Hold::QueryRefused => cx
                .status_note
                .clone()
                .unwrap_or(Attention::StatusCheckNeedsPerson),
        }
    }

    /// Leaves a cancel open in `state` (PENDING, or RETRYING on the periodic schedule): due at
    /// `next`, or held for a person.
    async fn queue(
        &self,
        conn: &mut Connection,
        open: &OpenCancel,
        state: RequestState,
        next: Timestamp,
        attention: Option<&str>,
        cx: &Context<'_>,
    ) -> Result<Conclusion, CancelError> {
        let now = cx.now;
        let periodic = state == RequestState::Retrying;
        let order_status = if periodic {
            OrderStatus::CancelRetrying
        } else {
            OrderStatus::CancelPending
        };
        cancels::set_order_status(conn, open.order_id, order_status.as_str(), now).await?;
        cancels::set_request_state(conn, open.request_id, state, cx.code, now).await?;
        cancels::requeue(conn, open.request_id, next, attention, now).await?;
        let event = NewEvent {
            actor: cx.actor.to_string(),
            action: "cancel.pending",
            outcome: audit::Outcome::Pending,
            order_ref: Some(open.reference.clone()),
            response_code: Some(cx.code.to_string()),
            details: json!({
                "cancel_request": open.request_id,
                "next_attempt_at": attention.is_none().then(|| crate::time::display_wib(next)),
                "needs_attention": attention.map(crate::attention::english),
                "schedule": if periodic { "periodic" } else { "backoff" },
            }),
        };
        audit::append_in(conn, &self.audit_key, &event, self.clock.stamp()).await?;
        Ok(Conclusion {
            order_status,
            queued: Some(match attention {
                Some(why) => Queued::NeedsAttention(why.to_string()),
                None => Queued::RetryAt(next),
            }),
        })
    }

    /// Ends a cancel: Success → CANCELLED, Failed → CANCEL_FAILED (still paid, may be
    /// cancelled again).
    async fn settle(
        &self,
        conn: &mut Connection,
        open: &OpenCancel,
        outcome: Outcome,
        cx: &Context<'_>,
    ) -> Result<OrderStatus, CancelError> {
        let order_status = settled_order_status(outcome);
        let request_state = match outcome {
            Outcome::Success => RequestState::Succeeded,
            _ => RequestState::Failed,
        };
        cancels::set_order_status(conn, open.order_id, order_status.as_str(), cx.now).await?;
        cancels::set_request_state(conn, open.request_id, request_state, cx.code, cx.now).await?;
        cancels::release_lease(conn, open.request_id).await?;
        let explanation = catalog::lookup(cx.code)
            .or_else(|| catalog::lookup_query(cx.code))
            .map(|e: &CatalogEntry| e.explanation());
        let settled = NewEvent {
            actor: cx.actor.to_string(),
            action: "cancel.settled",
            outcome: audit_outcome(outcome),
            order_ref: Some(open.reference.clone()),
            response_code: Some(cx.code.to_string()),
            details: json!({
                "cancel_request": open.request_id,
                "order_status": order_status.as_str(),
                "via": cx.via,
                "explanation": explanation,
            }),
        };
        audit::append_in(conn, &self.audit_key, &settled, self.clock.stamp()).await?;
        Ok(order_status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_settles_somewhere_distinct() {
        assert_eq!(
            settled_order_status(Outcome::Success),
            OrderStatus::Cancelled
        );
        assert_eq!(
            settled_order_status(Outcome::Pending),
            OrderStatus::CancelPending
        );
        assert_eq!(
            settled_order_status(Outcome::Failed),
            OrderStatus::CancelFailed
        );
    }
}
