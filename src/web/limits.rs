//! Requests too large to be honest are refused before any work: an over-long URL answers 414 and
//! over-large headers 431 at once; bodies are capped (413) by the router's body limit layer.

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The longest URL (path and query) served. Every filter of every page fits in far less.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// The most header bytes (names and values) a request may carry, and any one header.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
pub const MAX_ONE_HEADER_BYTES: usize = 8 * 1024;
/// The largest request body: forms and server-function calls are a few kilobytes.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// How long a client may take to send its request headers.
pub const HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

pub async fn refuse_oversized(request: Request, next: Next) -> Response {
    let uri_len = request
        .uri()
        .path_and_query()
        .map_or(0, |p| p.as_str().len());
    if uri_len > MAX_URI_BYTES {
        return (
            StatusCode::URI_TOO_LONG,
            format!("The address is too long ({uri_len} bytes; at most {MAX_URI_BYTES})."),
        )
            .into_response();
    }
    let mut total = 0;
    for (name, value) in request.headers() {
        let len = name.as_str().len() + value.len();
        total += len;
        if len > MAX_ONE_HEADER_BYTES || total > MAX_HEADER_BYTES {
            return (
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                format!(
                    "Request headers are too large (header {}; at most {MAX_ONE_HEADER_BYTES} bytes each, {MAX_HEADER_BYTES} in all).",
                    name.as_str()
                ),
            )
                .into_response();
        }
    }
    next.run(request).await
}

/// A body sent without `Content-Length` (chunked) is read here, up to `limit` bytes (the
/// routes' own limit, such as [`MAX_BODY_BYTES`]): past that it answers 413 before any handler
/// sees it, as a body with a declared length does.
pub async fn limit_unsized_bodies(
    axum::extract::State(limit): axum::extract::State<usize>,
    request: Request,
    next: Next,
) -> Response {
    use axum::http::header::{CONTENT_LENGTH, TRANSFER_ENCODING};
    let chunked = request.headers().contains_key(TRANSFER_ENCODING)
        && !request.headers().contains_key(CONTENT_LENGTH);
    if !chunked {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
                .await
        }
        Err(_) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("The request body is too large (at most {limit} bytes)."),
        )
            .into_response(),
    }
}
