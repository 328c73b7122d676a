//! The order intake API: `POST /api/v1/orders` takes a batch of up to [`MAX_BATCH`] orders from
//! the merchant's order system, authorised by a bearer token, and answers each row on its own.
//! The OpenAPI document at `/api/v1/openapi.json` is generated from these types.

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode, header};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{OpenApi, ToSchema};

use super::apply::{RowResult, StoreError, Tally, apply_batch};
use super::facts::{AmountInput, InputStatus, OrderFacts, OrderInput, RowError};
use super::tokens::{self, ApiToken};
use crate::audit::{NewEvent, Outcome};
use crate::orders::model::OrderSource;
use crate::state::AppState;

/// The most orders one request may carry.
pub const MAX_BATCH: usize = 1000;
/// The largest body: 1,000 orders with every field at its longest fit well inside.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
pub const ORDERS_PATH: &str = "/api/v1/orders";
pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";

/// A batch of orders.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderBatch {
    /// 1 to 1,000 orders; a reference repeated in the batch is applied once, at its first row.
    #[schema(min_items = 1, max_items = 1000)]
    pub orders: Vec<OrderInput>,
}

/// What happened to one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RowOutcome {
    Created,
    Updated,
    Unchanged,
    Rejected,
}

/// The answer for one row of the batch, in the batch's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RowAnswer {
    /// The row's position in `orders`, from 0.
    pub row: usize,
    /// The row's reference, when it had a readable one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partner_reference_no: Option<String>,
    pub result: RowOutcome,
    /// For a rejected row: the field at fault, as this API spells it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For a rejected row: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The answer to a batch: every row's result and the counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BatchAnswer {
    /// This request's id (also in `X-Request-Id`): quote it to support.
    pub request_id: String,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    pub results: Vec<RowAnswer>,
}

/// A refused request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApiError {
    /// `unauthorized`, `unsupported_media_type`, `too_large`, `bad_request` or `internal`.
    pub error: String,
    pub message: String,
    pub request_id: String,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Cancel Desk order intake",
        version = "1",
        description = "Send the merchant's orders to Cancel Desk so staff can find and cancel them."
    ),
    paths(post_orders),
    components(schemas(
        OrderBatch, OrderInput, AmountInput, InputStatus, BatchAnswer, RowAnswer, RowOutcome, ApiError
    )),
    modifiers(&BearerAuth)
)]
pub struct IntakeApi;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
    }
}

/// `GET /api/v1/openapi.json`.
pub async fn openapi() -> Response {
    axum::Json(IntakeApi::openapi()).into_response()
}

fn request_id(headers: &HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.chars().take(128).collect())
        .unwrap_or_default()
}

fn refuse(
    status: StatusCode,
    error: &str,
    message: impl Into<String>,
    request_id: &str,
) -> Response {
    let body = ApiError {
        error: error.into(),
        message: message.into(),
        request_id: request_id.into(),
    };
    let mut response = (status, axum::Json(body)).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            http::HeaderValue::from_static("Bearer realm=\"cancel-desk\""),
        );
    }
    response
}

/// Reads one row: a JSON object that does not fit [`OrderInput`] is refused naming the field
/// (`orders[3].amount.value` is reported as `amount.value`).
fn read_row(value: Value) -> (Option<String>, Result<OrderFacts, RowError>) {
    let reference = value
        .get("partner_reference_no")
        .and_then(Value::as_str)
        .filter(|r| !r.is_empty() && r.chars().count() <= 64)
        .map(str::to_string);
    let input: Result<OrderInput, _> = serde_path_to_error::deserialize(value);
    let facts = match input {
        Ok(input) => input.check(),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner().to_string();
            // serde names a missing field in its message; the path ends at its parent.
            let missing = inner
                .strip_prefix("missing field `")
                .and_then(|rest| rest.split('`').next());
            let field = match (missing, path.as_str()) {
                (Some(name), ".") => name.to_string(),
                (Some(name), parent) => format!("{parent}.{name}"),
                (None, path) => path.to_string(),
            };
            let reason = match inner.split(" at line").next() {
                Some(reason) => reason.to_string(),
                None => inner.clone(),
            };
            Err(RowError::new(&field, reason))
        }
    };
    (reference, facts)
}

/// Post a batch of orders.
///
/// Each order is created, updated, left unchanged or rejected on its own, by the same rules as
/// DANA's payment notification: an order never moves backwards (a cancelled order stays
/// cancelled), a field left out never clears what Cancel Desk has, and a paid order's payment
/// data never changes.
#[utoipa::path(
    post,
    path = "/api/v1/orders",
    request_body = OrderBatch,
    params(("X-Request-Id" = Option<String>, Header, description = "Your id for this request, echoed back; one is made up when absent")),
    responses(
        (status = 200, description = "Each row answered", body = BatchAnswer),
        (status = 400, description = "The body is not a batch", body = ApiError),
        (status = 401, description = "No token, or not an active order-intake token", body = ApiError),
        (status = 413, description = "More than 1,000 orders, or a body over 4 MiB", body = ApiError),
        (status = 415, description = "The body is not JSON", body = ApiError),
        (status = 500, description = "Nothing was written; send the batch again", body = ApiError),
    ),
    security(("bearer" = []))
)]
pub async fn post_orders(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let id = request_id(&parts.headers);
    let authorization = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let token = match tokens::authenticate(&state.pool, authorization).await {
        Ok(Ok(token)) => token,
        Ok(Err(refusal)) => {
            tracing::warn!(%refusal, request_id = %id, "order intake refused a token");
            return refuse(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "send an active order-intake token as Authorization: Bearer <token>",
                &id,
            );
        }
        Err(e) => {
            tracing::error!(error = %e, request_id = %id, "order intake could not read tokens");
            return refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "try again",
                &id,
            );
        }
    };
    let json = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the batch as Content-Type: application/json",
            &id,
        );
    }
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "the body is over {MAX_BODY_BYTES} bytes; send at most {MAX_BATCH} orders per request"
            ),
            &id,
        );
    };
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Envelope {
        orders: Vec<Value>,
    }
    let envelope: Envelope = match serde_json::from_slice(&bytes) {
        Ok(envelope) => envelope,
        Err(e) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "bad_request",
                format!("the body must be {{\"orders\": [...]}}: {e}"),
                &id,
            );
        }
    };
    if envelope.orders.len() > MAX_BATCH {
        return refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "{} orders; send at most {MAX_BATCH} per request",
                envelope.orders.len()
            ),
            &id,
        );
    }
    if envelope.orders.is_empty() {
        return refuse(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "orders is empty",
            &id,
        );
    }
    let (references, rows): (Vec<_>, Vec<_>) = envelope.orders.into_iter().map(read_row).unzip();
    match store(&state, &token, &rows, &id).await {
        Ok(results) => {
            let tally = Tally::of(&results);
            let results = results
                .into_iter()
                .zip(references)
                .enumerate()
                .map(|(row, (result, partner_reference_no))| {
                    let (result, field, reason) = match result {
                        RowResult::Created => (RowOutcome::Created, None, None),
                        RowResult::Updated => (RowOutcome::Updated, None, None),
                        RowResult::Unchanged => (RowOutcome::Unchanged, None, None),
                        RowResult::Rejected { field, reason } => {
                            (RowOutcome::Rejected, Some(field), Some(reason))
                        }
                    };
                    RowAnswer {
                        row,
                        partner_reference_no,
                        result,
                        field,
                        reason,
                    }
                })
                .collect();
            axum::Json(BatchAnswer {
                request_id: id,
                created: tally.created,
                updated: tally.updated,
                unchanged: tally.unchanged,
                rejected: tally.rejected,
                results,
            })
            .into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, request_id = %id, "order intake could not store a batch");
            refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "nothing was written; send the batch again",
                &id,
            )
        }
    }
}

/// The batch, its audit event and the token's last use, in one write transaction.
async fn store(
    state: &AppState,
    token: &ApiToken,
    rows: &[Result<OrderFacts, RowError>],
    request_id: &str,
) -> Result<Vec<RowResult>, StoreError> {
    let mut tx = crate::db::begin_write(&state.pool).await?;
    let now = state.clock.now_on(&mut tx).await?;
    let results = apply_batch(&mut tx, rows, OrderSource::Api, now).await?;
    let tally = Tally::of(&results);
    let event = NewEvent {
        actor: token.actor(),
        action: "orders.received",
        outcome: if tally.rejected == 0 {
            Outcome::Success
        } else {
            Outcome::Info
        },
        order_ref: None,
        response_code: None,
        details: serde_json::json!({
            "source": "api",
            "request_id": request_id,
            "orders": results.len(),
            "created": tally.created,
            "updated": tally.updated,
            "unchanged": tally.unchanged,
            "rejected": tally.rejected,
        }),
    };
    crate::audit::append_in(&mut tx, &state.audit_key, &event, now).await?;
    crate::db::tokens::touch(&mut tx, token.id, now).await?;
    tx.commit().await?;
    Ok(results)
}
