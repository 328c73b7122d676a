//! Server functions answer a failed call with the error itself (JSON) and, unless they set one,
//! status 500. This maps the error to its own status once, for every server function: 400 naming
//! the field, 401, 403, 404, 409, 429 with `Retry-After`. A real 500 stays 500.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

/// Error bodies are small; anything larger is not a server-function error.
const MAX_ERROR_BODY: usize = 64 * 1024;

pub async fn status_from_app_error(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    if !api || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BODY).await else {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong; please try again.",
        )
            .into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        if let Ok(status) = StatusCode::from_u16(error.status_code()) {
            parts.status = status;
        }
        if let AppError::TooManyAttempts {
            retry_after_seconds,
        } = error
        {
            parts
                .headers
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_seconds));
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}
