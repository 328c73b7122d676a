//! The worker: a background task that works due cancels every poll interval until the process
//! ends. A crash loses nothing: leases run out and the next worker takes over.
//!
//! Every action runs under the cancel's lease, so two servers, or the worker and a person, never
//! act on one cancel at once; every resend is recorded before it goes out, under a lease checked
//! in the same transaction.

use super::effects::Context;
use super::machine::{self, Answer, By, Effect, Event, Last, Refusal};
use super::model::RequestState;
use super::service::{CancelError, CancelService, OpenCancel, WorkOutcome};
use crate::db::{self, cancels};
use crate::ids::CancelRequestId;
use crate::time::Timestamp;

impl CancelService {
    /// One pass of the worker at `now`: claims each due cancel and works it, four at a time,
    /// batch after batch until nothing due is left (a backlog drains in one pass, not 16 per
    /// poll). Returns how many it worked.
    pub async fn work_due(&self, now: Timestamp) -> Result<usize, CancelError> {
        const AT_ONCE: i64 = 4;
        let mut worked = 0;
        // Due at the pass's start; each batch's lease runs from the clock as it is claimed, so
        // a long pass never hands out a lease that has already run out.
        let due_by = now;
        loop {
            let now = self.clock.now(&self.pool).await?.max(due_by);
            let claimed = cancels::claim_due(
                &self.pool,
                &self.instance,
                self.lease_until(now),
                now,
                AT_ONCE,
            )
            .await?;
            if claimed.is_empty() {
                return Ok(worked);
            }
            let mut tasks = tokio::task::JoinSet::new();
            for id in claimed {
                worked += 1;
                let service = self.clone();
                tasks.spawn(async move {
                    let actor = service.worker_actor();
                    if let Err(err) = service.work(id, &actor, By::Worker).await {
                        tracing::error!(%err, cancel_request = %id, "worker could not work a pending cancel");
                    }
                });
            }
            while tasks.join_next().await.is_some() {}
        }
    }

    /// Works one cancel whose lease this server holds: the machine's `Due` step, and after a
    /// status check its `CheckedBeforeResend` step.
    pub(super) async fn work(
        &self,
        id: CancelRequestId,
        actor: &str,
        by: By,
    ) -> Result<WorkOutcome, CancelError> {
        let (mut open, mut state) = match self.load_open(id).await {
            Ok(found) => found,
            Err(CancelError::NotOpen(_)) => return Ok(WorkOutcome::NotOpen),
            Err(err) => return Err(err),
        };
        let tally = self.close_interrupted(&mut open, &mut state, actor).await?;
        let last_entry = open.last_entry();
        let answer = Answer::of(last_entry);
        let last = match answer {
            Answer::Unknown => Last::Unknown,
            // Only a refusal of a later attempt leaves a cancel PENDING (a RETRYING one was
            // confirmed still paid, or refused on its first attempt).
            Answer::Refused | Answer::RefusedRetryLater if state == RequestState::Pending => {
                Last::Refused
            }
            _ => Last::Known,
        };
        let now = self.clock.now(&self.pool).await?;
        let due = machine::step(
            state,
            Event::Due { by, last },
            self.limits(&open, tally, now),
        )
        .ok_or(CancelError::NotOpen(id))?;
        let mut cx = Context {
            actor,
            code: last_entry.code,
            via: "status check",
            tries: tally.attempts,
            status_note: None,
            now,
        };
        let next_number = tally.attempts as u32 + 1;
        match due.effect {
            Effect::Send => return self.resend(&open, next_number, actor).await,
            Effect::AskStatus => {}
            _ => return self.apply_alone(&open, due, &cx).await,
        }
        let status = self.query_status(&open, actor).await?;
        cx.now = self.clock.now(&self.pool).await?;
        cx.status_note = status.note();
        let event = match (last, answer) {
            (Last::Refused, Answer::RefusedRetryLater) => {
                Event::CheckedAfterRefusal(status.finding, Refusal::RetryLater)
            }
            (Last::Refused, _) => Event::CheckedAfterRefusal(status.finding, Refusal::Final),
            _ => Event::CheckedBeforeResend(status.finding),
        };
        let checked = machine::step(due.next, event, self.limits(&open, tally, cx.now))
            .ok_or(CancelError::NotOpen(id))?;
        match checked.effect {
            Effect::Send => self.resend(&open, next_number, actor).await,
            _ => self.apply_alone(&open, checked, &cx).await,
        }
    }

    /// Sends the stored body again: recorded first, under a lease checked in the same transaction.
    async fn resend(
        &self,
        open: &OpenCancel,
        number: u32,
        actor: &str,
    ) -> Result<WorkOutcome, CancelError> {
        let signed = self.dana.sign_cancel_body(open.body.as_bytes())?;
        let mut tx = db::begin_write(&self.pool).await?;
        let now = self.clock.now_on(&mut tx).await?;
        let until = self.lease_until(now);
        if !cancels::renew_lease(&mut tx, open.request_id, &self.instance, until).await? {
            return Ok(WorkOutcome::LeaseLost);
        }
        cancels::mark_in_flight(&mut tx, open.request_id, until, now).await?;
        let attempt_id = self
            .record_attempt_intent(&mut tx, open.request_id, number, &signed)
            .await?;
        tx.commit().await?;
        let attempt = self.dana.send(signed, number).await;
        let (_, conclusion) = self
            .conclude_attempt(open, attempt_id, &attempt, actor, false)
            .await?;
        Ok(conclusion.into())
    }
}
