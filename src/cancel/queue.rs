//! The pending-cancel queue: what the worker does with a due cancel, and what operations staff
//! can do by hand (retry now, check status with DANA, resolve with a note).
//!
//! Every action runs under the cancel's lease, so two servers, or the worker and a person, never
//! act on one cancel at once; every resend is recorded before it goes out, under a lease checked
//! in the same transaction. Whenever the last attempt's outcome is unknown (no answer, an
//! unreadable answer, or an attempt cut off by a crash), DANA's Query Payment is asked first:
//! `05` settles the cancel without sending again, `00` allows the resend.

use serde_json::json;

use super::service::{
    CancelError, CancelService, OpenCancel, Queued, begin, record_attempt_intent,
    total_timeout_limit,
};
use crate::audit::{self, NewEvent};
use crate::dana::catalog::{self, CatalogEntry, Outcome, StatusDecision, TransactionStatus};
use crate::dana::client::{QueryResult, StatusQuery};
use crate::dana::types::{CancelOrderRequest, PAYMENT_SERVICE_CODE, QueryPaymentRequest};
use crate::db::cancels::{self, AttemptResultRow, CancelAttemptRow, StatusCheckRow};
use crate::orders::model::OrderStatus;

use super::model::RequestState;

pub const MAX_NOTE_CHARS: usize = 500;

/// Where working a cancel left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkOutcome {
    Settled(OrderStatus),
    Queued(Queued),
    /// Another server or person holds the cancel; nothing was done.
    LeaseLost,
    /// Already settled; nothing was done.
    NotOpen,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The worker on its own: respects the age limit.
    Automatic,
    /// A person pressed "retry now": the age limit and any attention flag are overridden, the
    /// seed's 3-attempt rule for unanswered attempts is not.
    RetryNow,
}

/// How a person settles a cancel DANA could not settle for us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// Confirmed cancelled (for example by DANA support): the order is CANCELLED.
    Cancelled,
    /// Confirmed not cancelled: the order stays paid (CANCEL_FAILED, may be cancelled again).
    NotCancelled,
}

/// A resolution note: trimmed, 1 to 500 characters.
pub fn check_note(note: &str) -> Result<String, CancelError> {
    let note = note.trim();
    let n = note.chars().count();
    if n == 0 {
        Err(CancelError::InvalidInput {
            field: "note",
            message: "a note is required: say how the outcome was confirmed",
        })
    } else if n > MAX_NOTE_CHARS {
        Err(CancelError::InvalidInput {
            field: "note",
            message: "at most 500 characters",
        })
    } else {
        Ok(note.to_string())
    }
}

impl CancelService {
    fn lease_until(&self, now: i64) -> i64 {
        now + self.policy.lease_seconds
    }

    /// One pass of the worker at `now`: claims each due cancel and works it, four at a time,
    /// batch after batch until nothing due is left (a backlog drains in one pass, not 16 per
    /// poll). Returns how many it worked.
    pub async fn work_due(&self, now: i64) -> Result<usize, CancelError> {
        const AT_ONCE: i64 = 4;
        let mut worked = 0;
        // Due at the pass's start; each batch's lease runs from the database's clock as it is
        // claimed, so a long pass never hands out a lease that has already run out.
        let due_by = now;
        loop {
            let now = crate::db::now(&self.pool).await?.max(due_by);
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
                    if let Err(err) = service.work(id, &actor, Mode::Automatic).await {
                        tracing::error!(%err, cancel_request = id, "worker could not work a pending cancel");
                    }
                });
            }
            while tasks.join_next().await.is_some() {}
        }
    }

    /// "Retry now", by `actor`: works the cancel at once, whatever its due time.
    pub async fn retry_now(&self, id: i64, actor: &str) -> Result<WorkOutcome, CancelError> {
        self.claim(id).await?;
        let outcome = self.work(id, actor, Mode::RetryNow).await;
        self.release_if_held(id).await;
        outcome
    }

    /// "Check status with DANA", by `actor`: asks Query Payment and settles the cancel if DANA
    /// says it is cancelled; never sends the cancel again.
    pub async fn check_status(&self, id: i64, actor: &str) -> Result<StatusCheck, CancelError> {
        self.claim(id).await?;
        let result = async {
            let (mut open, row) = self.load_open(id).await?;
            self.close_interrupted(&mut open, actor).await?;
            let (query, status) = self.query_status(&open, actor).await?;
            let outcome = match status.map(|s| s.decision) {
                Some(StatusDecision::Cancelled) => self.settle_by_status(&open, actor).await?,
                Some(StatusDecision::NeedsPerson) => {
                    let why = status.map(|s| s.explanation).unwrap_or_default();
                    self.requeue_keeping_schedule(&open, &row, Some(why), actor)
                        .await?
                }
                _ => {
                    self.requeue_keeping_schedule(&open, &row, row.attention.as_deref(), actor)
                        .await?
                }
            };
            Ok(StatusCheck {
                entry: query.entry(),
                status,
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
        id: i64,
        actor: &str,
        resolution: Resolution,
        note: &str,
    ) -> Result<OrderStatus, CancelError> {
        let note = check_note(note)?;
        self.claim(id).await?;
        let result = async {
            let (mut open, _) = self.load_open(id).await?;
            self.close_interrupted(&mut open, actor).await?;
            let mut tx = begin(&self.pool).await?;
            let now = crate::db::now_on(&mut tx).await?;
            let (outcome, label) = match resolution {
                Resolution::Cancelled => (Outcome::Success, "cancelled"),
                Resolution::NotCancelled => (Outcome::Failed, "not cancelled"),
            };
            cancels::set_resolution(&mut tx, id, actor, &note).await?;
            let code = open
                .last_code
                .clone()
                .unwrap_or_else(|| catalog::UNEXPECTED.into());
            let event = NewEvent {
                actor: actor.to_string(),
                action: "cancel.resolved",
                outcome: super::service::audit_outcome(outcome),
                order_ref: Some(open.reference.clone()),
                response_code: Some(code.clone()),
                details: json!({
                    "cancel_request": id,
                    "resolution": label,
                    "note": note,
                }),
            };
            audit::append_in(&mut tx, &self.audit_key, &event, audit::now_ms()).await?;
            let status = self
                .settle(&mut tx, &open, outcome, &code, actor, "resolution", now)
                .await?;
            tx.commit().await?;
            Ok(status)
        }
        .await;
        self.release_if_held(id).await;
        result
    }

    async fn claim(&self, id: i64) -> Result<(), CancelError> {
        let now = crate::db::now(&self.pool).await?;
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
    async fn release_if_held(&self, id: i64) {
        let released = cancels::release_lease_held_by(&self.pool, id, &self.instance).await;
        if let Err(err) = released {
            tracing::warn!(%err, cancel_request = id, "could not release a lease; it will run out");
        }
    }

    async fn load_open(
        &self,
        id: i64,
    ) -> Result<(OpenCancel, cancels::CancelRequestRow), CancelError> {
        let mut conn = self.pool.acquire().await?;
        let row = cancels::request_by_id(&mut conn, id)
            .await?
            .filter(|r| r.state().is_open())
            .ok_or(CancelError::NotOpen(id))?;
        Ok((OpenCancel::from_row(&row), row))
    }

    /// Works one cancel whose lease this server holds.
    async fn work(&self, id: i64, actor: &str, mode: Mode) -> Result<WorkOutcome, CancelError> {
        let (mut open, _) = match self.load_open(id).await {
            Ok(found) => found,
            Err(CancelError::NotOpen(_)) => return Ok(WorkOutcome::NotOpen),
            Err(err) => return Err(err),
        };
        let tries = self.close_interrupted(&mut open, actor).await?;
        let last = open
            .last_code
            .as_deref()
            .and_then(catalog::lookup)
            .unwrap_or_else(catalog::unexpected);
        let now = crate::db::now(&self.pool).await?;
        if mode == Mode::Automatic && now - open.created_at >= self.policy.max_age_seconds {
            let why = format!(
                "Still pending after {} minutes; Cancel Desk stopped retrying. Check the status with DANA, retry now, or resolve it with a note.",
                self.policy.max_age_seconds / 60
            );
            return self.requeue(&open, last.code, now, Some(&why), actor).await;
        }
        if last.outcome_unknown {
            let (query, status) = self.query_status(&open, actor).await?;
            match status.map(|s| s.decision) {
                Some(StatusDecision::Cancelled) => {
                    return self.settle_by_status(&open, actor).await;
                }
                Some(StatusDecision::StillPaid) => {}
                Some(StatusDecision::InProcess) => {
                    let next = now + self.policy.delay_after(tries);
                    return self.requeue(&open, last.code, next, None, actor).await;
                }
                Some(StatusDecision::NeedsPerson) => {
                    let why = status.map(|s| s.explanation).unwrap_or_default();
                    return self.requeue(&open, last.code, now, Some(why), actor).await;
                }
                None => {
                    let entry = query.entry();
                    let why = (entry.outcome == Outcome::Failed).then(|| {
                        format!(
                            "DANA refused the status check ({} {}): {}",
                            entry.code, entry.message, entry.explanation
                        )
                    });
                    let next = now + self.policy.delay_after(tries);
                    return self
                        .requeue(&open, last.code, next, why.as_deref(), actor)
                        .await;
                }
            }
            if tries >= total_timeout_limit() as usize {
                let why = format!(
                    "DANA gave no usable answer to {tries} attempts in all and says the payment is still paid, so Cancel Desk stopped sending (DANA's rule: at most {} attempts). Resolve it with a note once DANA support confirms, or cancel the order again later.",
                    total_timeout_limit()
                );
                return self.requeue(&open, last.code, now, Some(&why), actor).await;
            }
        }
        self.resend(&open, tries as u32 + 1, actor).await
    }

    /// Records attempts whose sender stopped before storing DANA's answer (we hold the lease, so
    /// that sender is gone) as unknown outcomes. Returns how many attempts the cancel has had.
    async fn close_interrupted(
        &self,
        open: &mut OpenCancel,
        actor: &str,
    ) -> Result<usize, CancelError> {
        let attempts = cancels::attempts_for_request(&self.pool, open.request_id).await?;
        for attempt in attempts.iter().filter(|a| a.finished_at.is_none()) {
            self.record_interrupted(open, attempt, actor).await?;
            open.last_code = Some(catalog::TOTAL_TIMEOUT.into());
        }
        Ok(attempts.len())
    }

    /// Sends the stored body again: recorded first, under a lease checked in the same transaction.
    async fn resend(
        &self,
        open: &OpenCancel,
        number: u32,
        actor: &str,
    ) -> Result<WorkOutcome, CancelError> {
        let signed = self.dana.sign_cancel_body(open.body.as_bytes())?;
        let mut tx = begin(&self.pool).await?;
        let now = crate::db::now_on(&mut tx).await?;
        let until = self.lease_until(now);
        if !cancels::renew_lease(&mut tx, open.request_id, &self.instance, until).await? {
            return Ok(WorkOutcome::LeaseLost);
        }
        cancels::mark_in_flight(&mut tx, open.request_id, until, now).await?;
        let attempt_id = record_attempt_intent(&mut tx, open.request_id, number, &signed).await?;
        tx.commit().await?;
        let attempt = self.dana.send(signed, number).await;
        let (_, conclusion) = self
            .conclude_attempt(open, attempt_id, &attempt, actor, false)
            .await?;
        Ok(match conclusion.queued {
            Some(queued) => WorkOutcome::Queued(queued),
            None => WorkOutcome::Settled(conclusion.order_status),
        })
    }

    /// Finishes an attempt cut off by a stopped process as a total time-out, and audits it.
    async fn record_interrupted(
        &self,
        open: &OpenCancel,
        attempt: &CancelAttemptRow,
        actor: &str,
    ) -> Result<(), CancelError> {
        let message = "Cancel Desk stopped before DANA's answer was stored; the outcome is unknown";
        let row = AttemptResultRow {
            transport_error: Some(message.into()),
            latency_ms: 0,
            catalog_code: catalog::TOTAL_TIMEOUT.into(),
            ..AttemptResultRow::default()
        };
        let mut tx = begin(&self.pool).await?;
        let now = crate::db::now_on(&mut tx).await?;
        cancels::finish_attempt(&mut tx, attempt.id, &row, audit::now_ms()).await?;
        cancels::set_request_state(
            &mut tx,
            open.request_id,
            RequestState::Pending,
            catalog::TOTAL_TIMEOUT,
            now,
        )
        .await?;
        let event = NewEvent {
            actor: actor.to_string(),
            action: "dana.attempt",
            outcome: audit::Outcome::Pending,
            order_ref: Some(open.reference.clone()),
            response_code: Some(catalog::TOTAL_TIMEOUT.into()),
            details: json!({
                "cancel_request": open.request_id,
                "attempt": attempt.attempt_no,
                "x_external_id": attempt.external_id,
                "x_timestamp": attempt.request_timestamp,
                "request_body": open.body,
                "transport_error": message,
                "interrupted": true,
            }),
        };
        audit::append_in(&mut tx, &self.audit_key, &event, audit::now_ms()).await?;
        tx.commit().await?;
        tracing::warn!(
            cancel_request = open.request_id,
            attempt = attempt.attempt_no,
            "found an attempt left in flight by a stopped server; checking its status with DANA before any resend"
        );
        Ok(())
    }

    /// Asks DANA's Query Payment for the order's status; records and audits the exchange.
    async fn query_status(
        &self,
        open: &OpenCancel,
        actor: &str,
    ) -> Result<(StatusQuery, Option<&'static TransactionStatus>), CancelError> {
        let cancel: CancelOrderRequest =
            serde_json::from_str(&open.body).map_err(|_| CancelError::BadAmount)?;
        let request = QueryPaymentRequest {
            original_partner_reference_no: cancel.original_partner_reference_no,
            original_reference_no: cancel.original_reference_no,
            original_external_id: None,
            service_code: PAYMENT_SERVICE_CODE.into(),
            transaction_date: None,
            amount: cancel.amount,
            merchant_id: cancel.merchant_id,
            sub_merchant_id: cancel.sub_merchant_id,
            external_store_id: cancel.external_store_id,
            additional_info: None,
        };
        let sent_at = audit::now_ms();
        let query = self.dana.query_payment(&request).await?;
        let status = query.transaction_status();
        let entry = query.entry();
        let mut row = StatusCheckRow {
            actor: actor.to_string(),
            external_id: query.request.external_id.clone(),
            request_timestamp: query.request.timestamp.clone(),
            sent_at,
            latency_ms: query.latency.as_millis() as i64,
            catalog_code: entry.code.to_string(),
            transaction_status: status.map(|s| s.code.to_string()),
            finished_at: audit::now_ms(),
            ..StatusCheckRow::default()
        };
        match &query.result {
            QueryResult::Answered {
                http_status,
                body,
                classification,
                ..
            } => {
                row.http_status = Some(i64::from(*http_status));
                row.response_code = classification.response_code.clone();
                row.response_body = Some(body.clone());
                if let Some(reason) = &classification.unexpected {
                    row.transport_error = Some(reason.describe());
                }
            }
            QueryResult::TimedOut => {
                row.transport_error =
                    Some(format!("no answer within {} ms", query.latency.as_millis()))
            }
            QueryResult::Transport(err) => row.transport_error = Some(err.clone()),
        }
        let mut tx = begin(&self.pool).await?;
        cancels::insert_status_check(&mut tx, open.request_id, &row).await?;
        if let Some(status) = status {
            cancels::set_last_status(&mut tx, open.request_id, status.code).await?;
        }
        let event = NewEvent {
            actor: actor.to_string(),
            action: "dana.status_check",
            outcome: match status.map(|s| s.decision) {
                Some(StatusDecision::Cancelled) => audit::Outcome::Success,
                Some(_) => audit::Outcome::Pending,
                None => audit::Outcome::Failure,
            },
            order_ref: Some(open.reference.clone()),
            response_code: Some(entry.code.to_string()),
            details: json!({
                "cancel_request": open.request_id,
                "x_external_id": row.external_id,
                "x_timestamp": row.request_timestamp,
                "request_headers": query.request.headers_object(),
                "request_body": String::from_utf8_lossy(&query.request.body),
                "http_status": row.http_status,
                "response_code": row.response_code,
                "latest_transaction_status": row.transaction_status,
                "status_meaning": status.map(|s| s.explanation),
                "response_body": row.response_body,
                "transport_error": row.transport_error,
                "latency_ms": row.latency_ms,
            }),
        };
        audit::append_in(&mut tx, &self.audit_key, &event, audit::now_ms()).await?;
        tx.commit().await?;
        self.metrics.record_status_check(entry.code, query.latency);
        Ok((query, status))
    }

    /// DANA says the payment is cancelled: the cancel took effect; settle without sending.
    async fn settle_by_status(
        &self,
        open: &OpenCancel,
        actor: &str,
    ) -> Result<WorkOutcome, CancelError> {
        let code = open
            .last_code
            .clone()
            .unwrap_or_else(|| catalog::TOTAL_TIMEOUT.into());
        let mut tx = begin(&self.pool).await?;
        let now = crate::db::now_on(&mut tx).await?;
        let status = self
            .settle(
                &mut tx,
                open,
                Outcome::Success,
                &code,
                actor,
                "status check",
                now,
            )
            .await?;
        tx.commit().await?;
        Ok(WorkOutcome::Settled(status))
    }

    async fn requeue(
        &self,
        open: &OpenCancel,
        code: &str,
        next: i64,
        attention: Option<&str>,
        actor: &str,
    ) -> Result<WorkOutcome, CancelError> {
        let now = crate::db::now(&self.pool).await?;
        let mut tx = begin(&self.pool).await?;
        let conclusion = self
            .queue(&mut tx, open, code, next, attention, actor, now)
            .await?;
        tx.commit().await?;
        Ok(WorkOutcome::Queued(
            conclusion.queued.expect("queueing leaves it queued"),
        ))
    }

    /// After a status check by hand: back in the queue as it was scheduled.
    async fn requeue_keeping_schedule(
        &self,
        open: &OpenCancel,
        row: &cancels::CancelRequestRow,
        attention: Option<&str>,
        actor: &str,
    ) -> Result<WorkOutcome, CancelError> {
        let now = crate::db::now(&self.pool).await?;
        // An attempt in flight elsewhere would have held the lease; due now if it was in flight.
        let next = row.next_attempt_at.unwrap_or(now);
        let code = open
            .last_code
            .clone()
            .unwrap_or_else(|| catalog::UNEXPECTED.into());
        self.requeue(open, &code, next, attention, actor).await
    }
}

/// Used by the worker loop: logs what a crash left behind before the first pass.
pub async fn report_interrupted(service: &CancelService) {
    let now = match crate::db::now(&service.pool).await {
        Ok(now) => now,
        Err(err) => {
            tracing::error!(%err, "could not read the database clock");
            return;
        }
    };
    match cancels::interrupted_attempts(&service.pool, now).await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(
            attempts = n,
            "attempts were left in flight by a stopped server; each is checked with DANA's Query Payment before any resend"
        ),
        Err(err) => tracing::error!(%err, "could not look for attempts left in flight"),
    }
}

/// The worker: a background task that works due cancels every poll interval until the process
/// ends. A crash loses nothing: leases run out and the next worker takes over.
pub fn spawn_worker(service: CancelService) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        report_interrupted(&service).await;
        tracing::info!(instance = %service.instance, "pending-cancel worker started");
        let mut interval = tokio::time::interval(service.policy.poll);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            let started = std::time::Instant::now();
            let now = match crate::db::now(&service.pool).await {
                Ok(now) => now,
                Err(err) => {
                    tracing::error!(%err, "worker pass skipped: could not read the database clock");
                    continue;
                }
            };
            match service.work_due(now).await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(
                    worked = n,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "worker pass"
                ),
                Err(err) => tracing::error!(%err, "worker pass failed"),
            }
        }
    })
}
