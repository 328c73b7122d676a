//! Pending refunds: the worker's pass (the same queue mechanics as cancels: a lease per refund,
//! every resend recorded before it goes out), what a stopped server left in flight, and what
//! operations staff do by hand (retry now, resolve with a note).

use serde_json::json;

use super::machine::{self, By, Effect, Event, Resolution};
use super::model::RefundState;
use super::service::{OpenRefund, RefundError, RefundOutcome, RefundService, audit_outcome};
use crate::audit::{self, NewEvent};
use crate::dana::catalog;
use crate::db::queue::{self, AttemptResultRow, Queue};
use crate::db::{self, refunds};
use crate::ids::RefundId;
use crate::time::Timestamp;

impl RefundService {
    /// One pass at `now`: claims each due refund and works it, four at a time, until none is
    /// due. Returns how many it worked.
    pub async fn work_due(&self, now: Timestamp) -> Result<usize, RefundError> {
        const AT_ONCE: i64 = 4;
        let mut worked = 0;
        let due_by = now;
        loop {
            let now = self.clock.now(&self.pool).await?.max(due_by);
            let claimed = queue::claim_due(
                &self.pool,
                Queue::Refunds,
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
                    if let Err(err) = service.work(RefundId(id), &actor, By::Worker).await {
                        tracing::error!(%err, refund = id, "worker could not work a pending refund");
                    }
                });
            }
            while tasks.join_next().await.is_some() {}
        }
    }

    async fn load_open(&self, id: RefundId) -> Result<(OpenRefund, RefundState), RefundError> {
        let mut conn = self.pool.acquire().await?;
        let row = refunds::by_id(&mut conn, id)
            .await?
            .ok_or(RefundError::NotOpen(id))?;
        let state = RefundState::parse(&row.state).expect("refunds.state is checked by the schema");
        if !state.is_open() {
            return Err(RefundError::NotOpen(id));
        }
        Ok((OpenRefund::from_row(&row), state))
    }

    /// Works one refund whose lease this server holds.
    async fn work(
        &self,
        id: RefundId,
        actor: &str,
        by: By,
    ) -> Result<Option<RefundOutcome>, RefundError> {
        let (open, mut state) = match self.load_open(id).await {
            Ok(found) => found,
            Err(RefundError::NotOpen(_)) => return Ok(None),
            Err(err) => return Err(err),
        };
        self.close_interrupted(&open, &mut state, actor).await?;
        let mut conn = self.pool.acquire().await?;
        let (tries, unanswered) = self.tally(&mut conn, id).await?;
        drop(conn);
        let now = self.clock.now(&self.pool).await?;
        let step = machine::step(state, Event::Due(by), self.limits(&open, unanswered, now))
            .ok_or(RefundError::NotOpen(id))?;
        if step.effect == Effect::Send {
            return self.resend(&open, tries as u32 + 1, actor).await;
        }
        let entry = open
            .last_code
            .as_deref()
            .and_then(catalog::lookup_refund)
            .unwrap_or_else(catalog::refund_unexpected);
        let mut tx = db::begin_write(&self.pool).await?;
        let outcome = self
            .apply(&mut tx, &open, step, entry, actor, "status", tries, now)
            .await?;
        tx.commit().await?;
        Ok(Some(outcome))
    }

    /// Sends the stored body again (same `partnerRefundNo`): recorded first, under a lease
    /// checked in the same transaction.
    async fn resend(
        &self,
        open: &OpenRefund,
        number: u32,
        actor: &str,
    ) -> Result<Option<RefundOutcome>, RefundError> {
        let signed = self.dana.sign_refund_body(open.body.as_bytes())?;
        let mut tx = db::begin_write(&self.pool).await?;
        let now = self.clock.now_on(&mut tx).await?;
        let until = self.lease_until(now);
        if !queue::renew_lease(
            &mut tx,
            Queue::Refunds,
            open.id.get(),
            &self.instance,
            until,
        )
        .await?
        {
            return Ok(None);
        }
        queue::mark_in_flight(&mut tx, Queue::Refunds, open.id.get(), until, now).await?;
        let attempt_id = self
            .record_attempt(&mut tx, open.id, number, &signed)
            .await?;
        tx.commit().await?;
        let attempt = self.dana.send_refund(signed, number).await;
        self.conclude(open, attempt_id, &attempt, actor)
            .await
            .map(Some)
    }

    /// Closes attempts whose sender stopped before storing DANA's answer as unanswered, and
    /// audits each.
    async fn close_interrupted(
        &self,
        open: &OpenRefund,
        state: &mut RefundState,
        actor: &str,
    ) -> Result<(), RefundError> {
        let attempts = refunds::attempts(&self.pool, open.id).await?;
        for attempt in attempts.iter().filter(|a| a.finished_at.is_none()) {
            let step = machine::step(*state, Event::FoundInterrupted, Default::default())
                .ok_or(RefundError::NotOpen(open.id))?;
            let message =
                "Cancel Desk stopped before DANA's answer was stored; the outcome is unknown";
            let row = AttemptResultRow {
                transport_error: Some(message.into()),
                catalog_code: catalog::TOTAL_TIMEOUT.into(),
                ..AttemptResultRow::default()
            };
            let mut tx = db::begin_write(&self.pool).await?;
            let now = self.clock.now_on(&mut tx).await?;
            queue::finish_attempt(
                &mut tx,
                Queue::Refunds,
                attempt.id.get(),
                &row,
                self.clock.stamp(),
            )
            .await?;
            queue::set_state(
                &mut tx,
                Queue::Refunds,
                open.id.get(),
                step.next.as_str(),
                catalog::TOTAL_TIMEOUT,
                now,
            )
            .await?;
            let event = NewEvent {
                actor: actor.to_string(),
                action: "dana.refund_attempt",
                outcome: audit::Outcome::Pending,
                order_ref: Some(open.reference.clone()),
                response_code: Some(catalog::TOTAL_TIMEOUT.into()),
                details: json!({
                    "refund": open.id,
                    "partner_refund_no": open.partner_refund_no,
                    "attempt": attempt.attempt_no,
                    "x_external_id": attempt.external_id,
                    "request_body": open.body,
                    "transport_error": message,
                    "interrupted": true,
                }),
            };
            audit::append_in(&mut tx, &self.audit_key, &event, self.clock.stamp()).await?;
            tx.commit().await?;
            tracing::warn!(
                refund = %open.id,
                attempt = attempt.attempt_no,
                "found a refund attempt left in flight by a stopped server; it is sent again under the same refund number"
            );
            *state = step.next;
        }
        Ok(())
    }

    /// "Retry now", by `actor`: sends the refund again at once, whatever its due time or hold.
    pub async fn retry_now(
        &self,
        id: RefundId,
        actor: &str,
    ) -> Result<Option<RefundOutcome>, RefundError> {
        self.claim(id).await?;
        let outcome = self.work(id, actor, By::Person).await;
        self.release_if_held(id).await;
        outcome
    }

    /// Settles a refund by hand with a mandatory note (how DANA confirmed it).
    pub async fn resolve(
        &self,
        id: RefundId,
        actor: &str,
        resolution: Resolution,
        note: &str,
    ) -> Result<RefundState, RefundError> {
        self.resolve_granted(id, actor, resolution, note, None)
            .await
    }

    /// [`Self::resolve`], with a second person's approval recorded in the same transaction.
    pub async fn resolve_granted(
        &self,
        id: RefundId,
        actor: &str,
        resolution: Resolution,
        note: &str,
        grant: Option<&crate::approval::grant::Grant>,
    ) -> Result<RefundState, RefundError> {
        let note = super::service::check_note(note)?;
        let note = note.as_str();
        self.claim(id).await?;
        let result = async {
            let (open, mut state) = self.load_open(id).await?;
            self.close_interrupted(&open, &mut state, actor).await?;
            let mut tx = db::begin_write(&self.pool).await?;
            let now = self.clock.now_on(&mut tx).await?;
            let (tries, _) = self.tally(&mut tx, id).await?;
            let step = machine::step(state, Event::Resolved(resolution), Default::default())
                .ok_or(RefundError::NotOpen(id))?;
            let entry = open
                .last_code
                .as_deref()
                .and_then(catalog::lookup_refund)
                .unwrap_or_else(catalog::refund_unexpected);
            if let Some(grant) = grant
                && !grant
                    .record(&mut tx, &self.audit_key, now, self.clock.stamp())
                    .await?
            {
                return Err(RefundError::ApprovalGone(grant.id));
            }
            queue::set_resolution(&mut tx, Queue::Refunds, id.get(), actor, note).await?;
            let settled = match step.effect {
                Effect::Settle(outcome) => outcome,
                _ => crate::dana::catalog::Outcome::Pending,
            };
            let event = NewEvent {
                actor: actor.to_string(),
                action: "refund.resolved",
                outcome: audit_outcome(settled),
                order_ref: Some(open.reference.clone()),
                response_code: Some(entry.code.to_string()),
                details: json!({
                    "refund": id,
                    "resolution": match resolution {
                        Resolution::Refunded => "refunded",
                        Resolution::NotRefunded => "not refunded",
                    },
                    "note": note,
                }),
            };
            let event = crate::approval::grant::with_approval(event, grant);
            audit::append_in(&mut tx, &self.audit_key, &event, self.clock.stamp()).await?;
            let outcome = self
                .apply(&mut tx, &open, step, entry, actor, "resolution", tries, now)
                .await?;
            tx.commit().await?;
            Ok(outcome.state)
        }
        .await;
        self.release_if_held(id).await;
        result
    }

    async fn claim(&self, id: RefundId) -> Result<(), RefundError> {
        let now = self.clock.now(&self.pool).await?;
        if queue::claim_lease(
            &self.pool,
            Queue::Refunds,
            id.get(),
            &self.instance,
            self.lease_until(now),
            now,
        )
        .await?
        {
            return Ok(());
        }
        let mut conn = self.pool.acquire().await?;
        match refunds::by_id(&mut conn, id).await? {
            Some(row) if RefundState::parse(&row.state).is_some_and(RefundState::is_open) => {
                Err(RefundError::Busy(id))
            }
            _ => Err(RefundError::NotOpen(id)),
        }
    }

    async fn release_if_held(&self, id: RefundId) {
        let released =
            queue::release_lease_held_by(&self.pool, Queue::Refunds, id.get(), &self.instance)
                .await;
        if let Err(err) = released {
            tracing::warn!(%err, refund = %id, "could not release a lease; it will run out");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::service::check_reason;

    #[test]
    fn reasons() {
        assert!(check_reason(" ").is_err());
        assert_eq!(check_reason(" Barang rusak ").unwrap(), "Barang rusak");
        assert!(check_reason(&"r".repeat(257)).is_err());
    }
}
