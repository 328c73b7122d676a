//! Query Payment as DANA answers it: the payment's state as the sandbox knows it.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::DateTime;

use super::scenario::Behaviour;
use super::{SandboxState, answer, format_error, raw, receive};
use crate::dana::catalog;
use crate::dana::clock::format_timestamp;
use crate::dana::types::{
    Amount, PAYMENT_SERVICE_CODE, QUERY_PATH, QUERY_REQUEST_FIELDS, QueryPaymentRequest,
    QueryPaymentResponse,
};

/// Query Payment: the payment's state as the sandbox knows it, `05` once cancelled here or
/// before, else `00`.
pub(super) async fn query(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    const SERVICE: &str = "55";
    let (day, external_id, request): (_, _, QueryPaymentRequest) = match receive(
        &state,
        SERVICE,
        QUERY_PATH,
        QUERY_REQUEST_FIELDS,
        &headers,
        &body,
    ) {
        Ok(received) => received,
        Err(refused) => return *refused,
    };
    if request.service_code != PAYMENT_SERVICE_CODE {
        let (code, message) = format_error(SERVICE, "serviceCode");
        return answer(&state, &code, &message, None);
    }
    let reference = request.original_partner_reference_no.clone();
    let behaviour = {
        let mut inner = state.inner.lock().expect("sandbox state");
        if !inner.external_ids.insert((day, external_id)) && state.strict {
            drop(inner);
            return answer(&state, "4095500", "Conflict", None);
        }
        *inner.query_calls.entry(reference.clone()).or_default() += 1;
        inner
            .query_scripts
            .next_scripted(&reference)
            .unwrap_or(Behaviour::Normal)
    };
    match behaviour {
        Behaviour::Normal => {}
        Behaviour::Code { code } => {
            let message = catalog::lookup_query(&code)
                .map(|e| e.message)
                .unwrap_or("Unknown");
            return answer(&state, &code, message, None);
        }
        Behaviour::Hang { millis } | Behaviour::Hold { millis } => {
            tokio::time::sleep(Duration::from_millis(millis)).await
        }
        Behaviour::EmptyBody => return raw(&state, StatusCode::OK, String::new()),
        Behaviour::MalformedJson => {
            return raw(
                &state,
                StatusCode::OK,
                "{\"responseCode\": \"2005500\", ".into(),
            );
        }
        Behaviour::Misdirected { reference } => {
            let body = serde_json::json!({
                "responseCode": "2005500",
                "responseMessage": "Successful",
                "originalPartnerReferenceNo": reference,
                "serviceCode": PAYMENT_SERVICE_CODE,
                "latestTransactionStatus": "05",
            });
            return raw(&state, StatusCode::OK, body.to_string());
        }
        Behaviour::Status {
            status,
            additional_info,
        } => {
            let response = QueryPaymentResponse {
                response_code: "2005500".into(),
                response_message: "Successful".into(),
                original_partner_reference_no: Some(reference),
                original_reference_no: request.original_reference_no.clone(),
                original_external_id: request.original_external_id.clone(),
                service_code: Some(PAYMENT_SERVICE_CODE.into()),
                transaction_status_desc: crate::dana::catalog::transaction_status(&status)
                    .map(|s| s.name.to_uppercase()),
                latest_transaction_status: Some(status),
                original_response_code: None,
                original_response_message: None,
                trans_amount: request.amount.clone(),
                amount: request.amount.clone(),
                paid_time: None,
                additional_info: Some(additional_info.unwrap_or_default()),
            };
            let text = serde_json::to_string(&response).expect("a response serialises");
            return raw(&state, StatusCode::OK, text);
        }
    }
    let order = match state.orders.find(&reference).await {
        Ok(order) => order,
        Err(err) => {
            tracing::error!(%err, "sandbox could not read its orders");
            return answer(&state, "5005501", "Internal Server Error", None);
        }
    };
    let Some(order) = order.filter(|o| {
        o.merchant_id == request.merchant_id
            && request
                .original_reference_no
                .as_ref()
                .is_none_or(|r| Some(r) == o.reference_no.as_ref())
    }) else {
        return answer(&state, "4045501", "Transaction Not Found", None);
    };
    let cancelled = order.cancelled
        || state
            .inner
            .lock()
            .expect("sandbox state")
            .cancellations
            .contains_key(&reference);
    let (status, description) = if cancelled {
        ("05", "CANCELLED")
    } else {
        ("00", "SUCCESS")
    };
    let amount = Amount::from_money(order.amount, &order.currency);
    let response = QueryPaymentResponse {
        response_code: "2005500".into(),
        response_message: "Successful".into(),
        original_partner_reference_no: Some(reference),
        original_reference_no: order.reference_no.clone(),
        original_external_id: request.original_external_id.clone(),
        service_code: Some(PAYMENT_SERVICE_CODE.into()),
        latest_transaction_status: Some(status.into()),
        transaction_status_desc: Some(description.into()),
        original_response_code: None,
        original_response_message: None,
        trans_amount: Some(amount.clone()),
        amount: Some(amount),
        paid_time: DateTime::from_timestamp(order.paid_at, 0)
            .map(|t| format_timestamp(t.fixed_offset())),
        additional_info: Some(serde_json::Map::new()),
    };
    let text = serde_json::to_string(&response).expect("a response serialises");
    raw(&state, StatusCode::OK, text)
}
