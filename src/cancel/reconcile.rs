//! Finding out what happened when nobody knows: attempts a stopped server left unfinished are
//! closed as unknown outcomes, and DANA's Query Payment is asked before anything is sent again.
//! `05` (closed) settles the cancel without a resend; `00` (still paid) allows one.

use crate::ids::CancelRequestId;
use serde_json::json;

use super::effects::Tally;
use super::machine::{self, Event, Finding, Limits};
use super::model::RequestState;
use super::service::{CancelError, CancelService, OpenCancel};
use crate::attention::Attention;
use crate::audit::{self, NewEvent};
use crate::dana::catalog::{self, StatusDecision, TransactionStatus};
use crate::dana::client::{QueryResult, StatusQuery};
use crate::dana::types::{
    CancelDetails, CancelOrderRequest, PAYMENT_SERVICE_CODE, QueryPaymentRequest,
};
use crate::db::{self, cancels};

/// What Query Payment said, as the machine and the caller need it.
pub(super) struct StatusAnswer {
    pub query: StatusQuery,
    /// DANA's `latestTransactionStatus`, when it answered.
    pub status: Option<&'static TransactionStatus>,
    /// The cancel details of `additionalInfo`, when DANA sent them.
    pub details: CancelDetails,
    pub finding: Finding,
}

impl StatusAnswer {
    /// `latestTransactionStatus` says paid while `additionalInfo` says cancelled.
    fn contradicts_status(&self) -> bool {
        self.status.map(|s| s.decision) == Some(StatusDecision::StillPaid)
            && self.details.says_cancelled()
    }

    /// For a hold: what the status (or the refused check) means for staff.
    pub fn note(&self) -> Option<Attention> {
        match self.finding {
            Finding::NeedsPerson if self.contradicts_status() => {
                Some(Attention::StatusContradicts {
                    cancelled_at: self.details.cancelled_time.clone(),
                    void_amount: self.details.void_amount.clone(),
                })
            }
            Finding::NeedsPerson => self.status.map(|s| Attention::Status {
                code: s.code.to_string(),
            }),
            Finding::QueryRefused => Some(Attention::StatusCheckRefused {
                code: self.query.entry().code.to_string(),
            }),
            _ => None,
        }
    }
}

impl CancelService {
    /// The open cancel `id` with its stored row.
    pub(super) async fn load_open(
        &self,
        id: CancelRequestId,
    ) -> Result<(OpenCancel, RequestState), CancelError> {
        let mut conn = self.pool.acquire().await?;
        let row = cancels::request_by_id(&mut conn, id)
            .await?
            .filter(|r| r.state().is_open())
            .ok_or(CancelError::NotOpen(id))?;
        Ok((OpenCancel::from_row(&row), row.state()))
    }

    /// Closes attempts whose sender stopped before storing DANA's answer (we hold the lease, so
    /// that sender is gone) as unknown outcomes. Returns the tally of the cancel's attempts.
    pub(super) async fn close_interrupted(
        &self,
        open: &mut OpenCancel,
        state: &mut RequestState,
        actor: &str,
    ) -> Result<Tally, CancelError> {
        let attempts = cancels::attempts_for_request(&self.pool, open.request_id).await?;
        for attempt in attempts.iter().filter(|a| a.finished_at.is_none()) {
            let step = machine::step(*state, Event::FoundInterrupted, Limits::default())
                .ok_or(CancelError::NotOpen(open.request_id))?;
            self.record_interrupted(open, attempt, actor).await?;
            open.last_code = Some(catalog::TOTAL_TIMEOUT.into());
            *state = step.next;
        }
        Ok(Tally::of(attempts.iter().map(|a| {
            if a.finished_at.is_none() {
                Some(catalog::TOTAL_TIMEOUT)
            } else {
                a.catalog_code.as_deref()
            }
        })))
    }

    /// Finishes an attempt cut off by a stopped process as a total time-out, and audits it.
    async fn record_interrupted(
        &self,
        open: &OpenCancel,
        attempt: &cancels::CancelAttemptRow,
        actor: &str,
    ) -> Result<(), CancelError> {
        let message = "Cancel Desk stopped before DANA's answer was stored; the outcome is unknown";
        let row = cancels::AttemptResultRow {
            transport_error: Some(message.into()),
            latency_ms: 0,
            catalog_code: catalog::TOTAL_TIMEOUT.into(),
            ..cancels::AttemptResultRow::default()
        };
        let mut tx = db::begin_write(&self.pool).await?;
        let now = self.clock.now_on(&mut tx).await?;
        cancels::finish_attempt(&mut tx, attempt.id, &row, self.clock.stamp()).await?;
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
        audit::append_in(&mut tx, &self.audit_key, &event, self.clock.stamp()).await?;
        tx.commit().await?;
        tracing::warn!(
            cancel_request = %open.request_id,
            attempt = attempt.attempt_no,
            "found an attempt left in flight by a stopped server; checking its status with DANA before any resend"
        );
        Ok(())
    }

    /// Asks DANA's Query Payment for the order's status; records and audits the exchange.
    pub(super) async fn query_status(
        &self,
        open: &OpenCancel,
        actor: &str,
    ) -> Result<StatusAnswer, CancelError> {
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
        let sent_at = self.clock.stamp();
        let query = self.dana.query_payment(&request).await?;
        let status = query.transaction_status();
        let entry = query.entry();
        let details = match (&query.result, status) {
            (
                QueryResult::Answered {
                    response: Some(r), ..
                },
                Some(_),
            ) => r.cancel_details(),
            _ => CancelDetails::default(),
        };
        let mut row = cancels::StatusCheckRow {
            actor: actor.to_string(),
            external_id: query.request.external_id.clone(),
            request_timestamp: query.request.timestamp.clone(),
            sent_at,
            latency_ms: query.latency.as_millis() as i64,
            catalog_code: entry.code.to_string(),
            transaction_status: status.map(|s| s.code.to_string()),
            finished_at: self.clock.stamp(),
            ..cancels::StatusCheckRow::default()
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
        let mut tx = db::begin_write(&self.pool).await?;
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
                "status_meaning": status.map(|s| s.explanation()),
                "cancel_details": (!details.is_empty()).then_some(&details),
                "response_body": row.response_body,
                "transport_error": row.transport_error,
                "latency_ms": row.latency_ms,
            }),
        };
        audit::append_in(&mut tx, &self.audit_key, &event, self.clock.stamp()).await?;
        tx.commit().await?;
        self.metrics.record_status_check(entry.code, query.latency);
        let mut answer = StatusAnswer {
            finding: Finding::of(status.map(|s| s.decision), entry),
            query,
            status,
            details,
        };
        // "Still paid" with details saying "cancelled": neither resend nor settle on DANA's
        // word alone; a person asks DANA which is true.
        if answer.contradicts_status() {
            answer.finding = Finding::NeedsPerson;
        }
        Ok(answer)
    }
}
