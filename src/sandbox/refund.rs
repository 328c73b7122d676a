//! Refund Order as DANA's sandbox answers it: the header and field checks every endpoint shares,
//! then DANA's magic refund amounts (its own integration scenarios pick the answer by
//! `refundAmount.value`), `partnerRefundNo` idempotency (the same body gets the first answer, a
//! different body 4045818), and the order's state: known, paid, not cancelled, and never refunded
//! beyond what was paid.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::json;

use super::scenario::Behaviour;
use super::{Inner, SandboxState, answer, raw, receive};
use crate::dana::catalog::{self, SANDBOX_REFUND_AMOUNTS};
use crate::dana::clock::format_timestamp;
use crate::dana::refund::{
    REFUND_PATH, REFUND_REQUEST_FIELDS, RefundOrderRequest, RefundOrderResponse,
};
use crate::money::Money;

const SERVICE: &str = "58";

/// A refund the sandbox made (or refused after the order checks): the body it was asked with and
/// the answer it gave, replayed for a repeat of the same body.
pub(super) struct RefundRecord {
    reference: String,
    minified_body: Vec<u8>,
    status: StatusCode,
    response: String,
    /// Minor units refunded (0 for a refusal).
    refunded_minor: i64,
}

impl Inner {
    /// What the sandbox refunded for one order, in minor units.
    pub(super) fn refunded_minor(&self, reference: &str) -> i64 {
        self.refunds
            .values()
            .filter(|r| r.reference == reference)
            .map(|r| r.refunded_minor)
            .sum()
    }
}

pub(super) async fn refund(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (day, external_id, request): (_, _, RefundOrderRequest) = match receive(
        &state,
        SERVICE,
        REFUND_PATH,
        REFUND_REQUEST_FIELDS,
        &headers,
        &body,
    ) {
        Ok(received) => received,
        Err(refused) => return *refused,
    };
    let reference = request.original_partner_reference_no.clone();
    let behaviour = {
        let mut inner = state.inner.lock().expect("sandbox state");
        if !inner.external_ids.insert((day, external_id)) && state.strict {
            drop(inner);
            return answer(&state, "4095800", "Conflict", None);
        }
        *inner.refund_calls.entry(reference.clone()).or_default() += 1;
        inner
            .refund_scripts
            .next_scripted(&reference)
            .unwrap_or(Behaviour::Normal)
    };
    match behaviour {
        Behaviour::Normal | Behaviour::Status { .. } => {}
        Behaviour::Code { code } => {
            let message = catalog::lookup_refund(&code)
                .map(|e| e.message)
                .unwrap_or("Unknown");
            return answer(&state, &code, message, None);
        }
        Behaviour::Hang { millis } => tokio::time::sleep(Duration::from_millis(millis)).await,
        Behaviour::Hold { millis } => {
            let response = settle(&state, &request, &body).await;
            tokio::time::sleep(Duration::from_millis(millis)).await;
            return response;
        }
        Behaviour::EmptyBody => return raw(&state, StatusCode::OK, String::new()),
        Behaviour::MalformedJson => {
            return raw(
                &state,
                StatusCode::OK,
                "{\"responseCode\": \"2005800\", ".into(),
            );
        }
        Behaviour::Misdirected { reference } => {
            let body = json!({
                "responseCode": "2005800",
                "responseMessage": "Successful",
                "originalPartnerReferenceNo": reference,
                "partnerRefundNo": request.partner_refund_no,
                "refundAmount": request.refund_amount,
            });
            return raw(&state, StatusCode::OK, body.to_string());
        }
    }
    settle(&state, &request, &body).await
}

/// DANA's answer for an amount its sandbox reserves, if it is one.
fn magic_amount(value: &str) -> Option<&'static str> {
    SANDBOX_REFUND_AMOUNTS
        .iter()
        .find(|(amount, _)| *amount == value)
        .map(|(_, code)| *code)
}

async fn settle(state: &SandboxState, request: &RefundOrderRequest, body: &[u8]) -> Response {
    let minified = crate::dana::signing::minify_json(body);
    let refund_no = &request.partner_refund_no;
    // A partnerRefundNo already used: the same body gets the first answer, another 4045818.
    if let Some(done) = state
        .inner
        .lock()
        .expect("sandbox state")
        .refunds
        .get(refund_no)
    {
        if done.minified_body == minified {
            return raw(state, done.status, done.response.clone());
        }
        return answer(state, "4045818", "Inconsistent Request", None);
    }
    if let Some(code) = magic_amount(&request.refund_amount.value) {
        let message = catalog::lookup_refund(code).map_or("Unknown", |e| e.message);
        return answer(state, code, message, None);
    }
    let reference = &request.original_partner_reference_no;
    let order = match state.orders.find(reference).await {
        Ok(order) => order,
        Err(err) => {
            tracing::error!(%err, "sandbox could not read its orders");
            return answer(state, "5005801", "Internal Server Error", None);
        }
    };
    let Some(order) = order.filter(|o| {
        request
            .original_reference_no
            .as_ref()
            .is_none_or(|r| Some(r) == o.reference_no.as_ref())
    }) else {
        return answer(state, "4045801", "Transaction Not Found", None);
    };
    if request.merchant_id != order.merchant_id {
        return answer(state, "4045808", "Invalid Merchant", None);
    }
    let Ok(amount) = Money::parse_wire(&request.refund_amount.value) else {
        return answer(
            state,
            "4005801",
            "Invalid Field Format refundAmount.value",
            None,
        );
    };
    if request.refund_amount.currency != order.currency || amount.minor() == 0 {
        return answer(state, "4005801", "Invalid Field Format refundAmount", None);
    }
    let mut inner = state.inner.lock().expect("sandbox state");
    let cancelled = order.cancelled || inner.cancellations.contains_key(reference);
    if !order.paid || cancelled || order.refunded {
        return answer(state, "4045800", "Invalid Transaction Status", None);
    }
    if inner.refunded_minor(reference) + amount.minor() > order.amount.minor() {
        return answer(state, "4035802", "Exceeds Transaction Amount Limit", None);
    }
    let response = RefundOrderResponse {
        response_code: "2005800".into(),
        response_message: "Successful".into(),
        original_partner_reference_no: Some(reference.clone()),
        original_reference_no: order.reference_no.clone(),
        original_external_id: request.original_external_id.clone(),
        refund_no: Some(format!("{:020}", inner.refunds.len() + 1)),
        partner_refund_no: Some(refund_no.clone()),
        refund_amount: Some(request.refund_amount.clone()),
        refund_time: Some(format_timestamp(state.clock.now())),
        additional_info: Some(serde_json::Map::new()),
    };
    let text = serde_json::to_string(&response).expect("a response serialises");
    inner.refunds.insert(
        refund_no.clone(),
        RefundRecord {
            reference: reference.clone(),
            minified_body: minified,
            status: StatusCode::OK,
            response: text.clone(),
            refunded_minor: amount.minor(),
        },
    );
    raw(state, StatusCode::OK, text)
}
