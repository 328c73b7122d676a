//! The Finish Notify receiver: DANA posts here when a payment finishes. The signature is checked
//! before anything in the body is read; a verified notification goes through the same merge
//! rules as every other source, in one write transaction with its audit event.

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode};
use serde_json::json;

use super::apply::{RowResult, StoreError, apply_batch};
use super::facts::{OrderFacts, Reported, RowError};
use crate::audit::{NewEvent, Outcome};
pub use crate::dana::notify::NotifyReceiver;
use crate::dana::notify::{self, FinishNotify, NotifiedStatus, NotifyRefusal, NotifyResponse};
use crate::dana::types::FieldError;
use crate::money::Money;
use crate::orders::model::OrderSource;
use crate::state::AppState;
use crate::time::parse_order_time;

/// The audit actor of everything DANA tells us.
pub const DANA_ACTOR: &str = "dana";

fn answer((status, body): (u16, NotifyResponse)) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(body)).into_response()
}

fn invalid(field: &str, problem: &str) -> NotifyRefusal {
    NotifyRefusal::InvalidField(FieldError {
        field: field.into(),
        problem: problem.into(),
        missing: false,
    })
}

/// What a verified notification says about the order, or `None` for a status that changes
/// no order (initiated, paying, pending, refunded, not found, failed).
pub fn facts_of(n: &FinishNotify) -> Result<Option<OrderFacts>, NotifyRefusal> {
    let reported = match n.status() {
        NotifiedStatus::Paid => Reported::Paid(
            parse_order_time(&n.finished_time)
                .ok_or_else(|| invalid("finishedTime", "is not a time"))?,
        ),
        NotifiedStatus::Closed => Reported::Closed(
            parse_order_time(&n.created_time)
                .ok_or_else(|| invalid("createdTime", "is not a time"))?,
        ),
        NotifiedStatus::Other => return Ok(None),
    };
    let amount = Money::parse_wire(&n.amount.value)
        .map_err(|_| invalid("amount.value", "is not an amount"))?;
    if n.amount.currency != crate::money::IDR {
        return Err(invalid("amount.currency", "is not IDR"));
    }
    Ok(Some(OrderFacts {
        partner_reference_no: n.original_partner_reference_no.clone(),
        reference_no: Some(n.original_reference_no.clone()),
        merchant_id: n.merchant_id.clone(),
        sub_merchant_id: n.sub_merchant_id.clone(),
        external_store_id: n.external_store_id.clone(),
        amount,
        currency: n.amount.currency.clone(),
        reported,
        customer_name: None,
        customer_phone_masked: None,
        item_description: None,
    }))
}

/// `POST <DANA_NOTIFY_PATH>`.
pub async fn receive(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(receiver) = state.notify.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let checked = notify::verify(&receiver.dana_key, &receiver.path, &headers, &body)
        .and_then(|()| notify::parse(&body))
        .and_then(|n| facts_of(&n).map(|facts| (n, facts)));
    match checked {
        Err(refusal) => {
            let (outcome, reference) = match &refusal {
                NotifyRefusal::Unauthorized(_) => (Outcome::Forbidden, None),
                // Signed by DANA but unreadable: name the order if the body does.
                _ => (Outcome::Failure, reference_in(&body)),
            };
            tracing::warn!(%refusal, "refused a Finish Notify");
            let event = NewEvent {
                actor: DANA_ACTOR.into(),
                action: "order.notified",
                outcome,
                order_ref: reference,
                response_code: None,
                details: json!({ "verified": outcome != Outcome::Forbidden, "refused": refusal.to_string() }),
            };
            if let Err(e) = record_refusal(&state, &event).await {
                tracing::error!(error = %e, "could not audit a refused Finish Notify");
                return answer(NotifyResponse::internal_error());
            }
            answer(NotifyResponse::refused(&refusal))
        }
        Ok((n, facts)) => match store(&state, &n, facts).await {
            Ok(()) => answer(NotifyResponse::success()),
            Err(e) => {
                // DANA sends the notification again after a 5xx: nothing was written.
                tracing::error!(error = %e, reference = %n.original_partner_reference_no, "could not store a Finish Notify");
                answer(NotifyResponse::internal_error())
            }
        },
    }
}

fn reference_in(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let reference = value.get("originalPartnerReferenceNo")?.as_str()?;
    (!reference.is_empty() && reference.chars().count() <= 64).then(|| reference.to_string())
}

async fn record_refusal(
    state: &AppState,
    event: &NewEvent,
) -> Result<(), crate::audit::AuditError> {
    let mut tx = crate::db::begin_write(&state.pool).await?;
    let now = state.clock.now_on(&mut tx).await?;
    crate::audit::append_in(&mut tx, &state.audit_key, event, now).await?;
    tx.commit().await?;
    Ok(())
}

async fn store(
    state: &AppState,
    n: &FinishNotify,
    facts: Option<OrderFacts>,
) -> Result<(), StoreError> {
    let mut tx = crate::db::begin_write(&state.pool).await?;
    let now = state.clock.now_on(&mut tx).await?;
    let result = match facts {
        Some(facts) => {
            let rows: [Result<OrderFacts, RowError>; 1] = [Ok(facts)];
            apply_batch(&mut tx, &rows, OrderSource::Notify, now)
                .await?
                .pop()
        }
        None => None,
    };
    let (outcome, result_text, conflict) = match &result {
        Some(RowResult::Created) => (Outcome::Success, "created", None),
        Some(RowResult::Updated) => (Outcome::Success, "updated", None),
        Some(RowResult::Unchanged) => (Outcome::Info, "unchanged", None),
        // DANA's word differs from what the order holds: answered as received (DANA would only
        // send it again), recorded for a person.
        Some(RowResult::Rejected { field, reason }) => (
            Outcome::Failure,
            "conflict",
            Some(format!("{field}: {reason}")),
        ),
        None => (Outcome::Info, "status changes no order", None),
    };
    let mut details = json!({
        "verified": true,
        "result": result_text,
        "latestTransactionStatus": n.latest_transaction_status,
        "referenceNo": n.original_reference_no,
        "amount": n.amount.value,
        "finishedTime": n.finished_time,
    });
    if let Some(conflict) = conflict {
        details["conflict"] = json!(conflict);
    }
    let event = NewEvent {
        actor: DANA_ACTOR.into(),
        action: "order.notified",
        outcome,
        order_ref: Some(n.original_partner_reference_no.clone()),
        response_code: Some(NotifyResponse::success().1.response_code),
        details,
    };
    crate::audit::append_in(&mut tx, &state.audit_key, &event, now).await?;
    tx.commit().await?;
    Ok(())
}
