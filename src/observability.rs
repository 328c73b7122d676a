//! `/healthz`, `/readyz` and `/metrics`. The metrics themselves are `crate::metrics`, held in the
//! app state; here the queue gauges are read from the database at scrape time, so every
//! instance reports the same shared queue.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::metrics::QueueGauges;
use crate::state::AppState;

pub async fn queue_gauges(
    pool: &crate::db::Pool,
    clock: &crate::clock::Clock,
) -> Result<QueueGauges, sqlx::Error> {
    let now = clock.now(pool).await?;
    let (retrying, waiting, needs_attention) = crate::db::cancels::queue_depth(pool, now).await?;
    let oldest = crate::db::cancels::oldest_due(pool, now).await?;
    Ok(QueueGauges {
        retrying,
        waiting,
        needs_attention,
        worker_lag_seconds: oldest.map_or(0, |due| now.seconds_since(due).max(0)),
    })
}

/// `/healthz`: the process is up and serving.
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// `/readyz`: the database answers.
pub async fn readyz(State(state): State<AppState>) -> Response {
    match crate::db::ping(&state.pool).await {
        Ok(_) => (StatusCode::OK, "ready\n").into_response(),
        Err(err) => {
            tracing::warn!(%err, "readiness check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n").into_response()
        }
    }
}

/// `/metrics`: Prometheus text. With `CANCEL_DESK_METRICS_TOKEN` set, only for
/// `Authorization: Bearer <token>`.
pub async fn metrics_endpoint(State(state): State<AppState>, headers: HeaderMap) -> Response {
    // Closed unless a token is configured and presented, or it is made public on purpose.
    let allowed = match &state.metrics_token {
        Some(token) => headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|g| constant_time_eq(g.as_bytes(), token.as_bytes())),
        None => state.metrics_public,
    };
    if !allowed {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "metrics need the bearer token (CANCEL_DESK_METRICS_TOKEN)\n",
        )
            .into_response();
    }
    match queue_gauges(&state.pool, &state.clock).await {
        Ok(queue) => (
            [(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)],
            state.metrics.render(queue),
        )
            .into_response(),
        Err(err) => {
            tracing::error!(%err, "metrics: could not read the queue");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n").into_response()
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
