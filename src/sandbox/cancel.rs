//! Cancel Order as DANA answers it: the shared header and field checks, DANA's magic references
//! (and scripted behaviours), then the order's state: known, this merchant's, not cancelled or
//! refunded; a repeat of the same body gets the first answer.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::DateTime;

use super::scenario::Behaviour;
use super::{SandboxState, answer, raw, receive};
use crate::dana::catalog;
use crate::dana::clock::format_timestamp;
use crate::dana::types::{CANCEL_PATH, CancelOrderRequest, CancelOrderResponse, REQUEST_FIELDS};

/// A cancel the sandbox performed: the body it was asked with and the answer it gave.
pub(super) struct Cancellation {
    pub(super) minified_body: Vec<u8>,
    pub(super) response: String,
}

pub(super) async fn cancel(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (day, external_id, request): (_, _, CancelOrderRequest) =
        match receive(&state, "57", CANCEL_PATH, REQUEST_FIELDS, &headers, &body) {
            Ok(received) => received,
            Err(refused) => return *refused,
        };
    let reference = request.original_partner_reference_no.clone();
    let behaviour = {
        let mut inner = state.inner.lock().expect("sandbox state");
        if !inner.external_ids.insert((day, external_id)) && state.strict {
            // Not a Cancel Order code: in strict mode a client that reuses X-EXTERNAL-ID gets
            // SNAP's conflict.
            drop(inner);
            return answer(&state, "4095700", "Conflict", None);
        }
        *inner.calls.entry(reference.clone()).or_default() += 1;
        inner.scripts.next(&reference)
    };
    match behaviour {
        Behaviour::Normal => {}
        Behaviour::Code { code } => {
            let message = catalog::lookup(&code)
                .map(|e| e.message)
                .unwrap_or("Unknown");
            return answer(&state, &code, message, None);
        }
        Behaviour::Hang { millis } => tokio::time::sleep(Duration::from_millis(millis)).await,
        Behaviour::Hold { millis } => {
            let response = settle(&state, &request, &body).await;
            tokio::time::sleep(Duration::from_millis(millis)).await;
            return response.unwrap_or_else(|err| {
                tracing::error!(%err, "sandbox could not read its orders");
                answer(&state, "5005701", "Internal Server Error", None)
            });
        }
        Behaviour::EmptyBody => return raw(&state, StatusCode::OK, String::new()),
        Behaviour::MalformedJson => {
            return raw(
                &state,
                StatusCode::OK,
                "{\"responseCode\": \"2005700\", ".into(),
            );
        }
        Behaviour::Misdirected { reference } => {
            let response = CancelOrderResponse {
                response_code: "2005700".into(),
                response_message: "Successful".into(),
                original_partner_reference_no: Some(reference),
                original_reference_no: None,
                original_external_id: None,
                cancel_time: Some(format_timestamp(state.clock.now())),
                transaction_date: None,
                additional_info: Some(serde_json::Map::new()),
            };
            return answer(&state, "2005700", "Successful", Some(response));
        }
        // A Query Payment behaviour: cancels behave normally.
        Behaviour::Status { .. } => {}
    }
    match settle(&state, &request, &body).await {
        Ok(response) => response,
        Err(err) => {
            tracing::error!(%err, "sandbox could not read its orders");
            answer(&state, "5005701", "Internal Server Error", None)
        }
    }
}

/// Cancels the order as DANA would, or says why not.
async fn settle(
    state: &SandboxState,
    request: &CancelOrderRequest,
    body: &[u8],
) -> Result<Response, sqlx::Error> {
    let reference = &request.original_partner_reference_no;
    let Some(order) = state.orders.find(reference).await? else {
        return Ok(answer(state, "4045701", "Transaction Not Found", None));
    };
    if request
        .original_reference_no
        .as_ref()
        .is_some_and(|r| Some(r) != order.reference_no.as_ref())
    {
        return Ok(answer(state, "4045701", "Transaction Not Found", None));
    }
    if request.merchant_id != order.merchant_id {
        return Ok(answer(state, "4045708", "Invalid Merchant", None));
    }
    if let Some(amount) = &request.amount
        && state.strict
        && (amount.value != order.amount.to_wire() || amount.currency != order.currency)
    {
        return Ok(answer(
            state,
            "4005701",
            "Invalid Field Format amount.value",
            None,
        ));
    }
    let minified = crate::dana::signing::minify_json(body);
    let mut inner = state.inner.lock().expect("sandbox state");
    if let Some(done) = inner.cancellations.get(reference) {
        // The same request again (a retry after a lost answer) gets the same answer.
        if done.minified_body == minified {
            return Ok(raw(state, StatusCode::OK, done.response.clone()));
        }
        return Ok(answer(state, "4045700", "Invalid Transaction Status", None));
    }
    if order.cancelled || order.refunded || inner.refunded_minor(reference) > 0 {
        return Ok(answer(state, "4045700", "Invalid Transaction Status", None));
    }
    let transaction_date =
        DateTime::from_timestamp(order.paid_at, 0).map(|t| format_timestamp(t.fixed_offset()));
    let response = CancelOrderResponse {
        response_code: "2005700".into(),
        response_message: "Successful".into(),
        original_partner_reference_no: Some(reference.clone()),
        original_reference_no: order.reference_no.clone(),
        original_external_id: request.original_external_id.clone(),
        cancel_time: Some(format_timestamp(state.clock.now())),
        transaction_date,
        additional_info: Some(serde_json::Map::new()),
    };
    let text = serde_json::to_string(&response).expect("a response serialises");
    inner.cancellations.insert(
        reference.clone(),
        Cancellation {
            minified_body: minified,
            response: text.clone(),
        },
    );
    Ok(raw(state, StatusCode::OK, text))
}
