//! Health, readiness and Prometheus metrics. Counters and the latency histograms live in this
//! process (Prometheus sums instances and copes with restarts); queue depth and worker lag are
//! read from the database at scrape time, so every instance reports the same shared queue.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::server::AppState;

/// Upper bounds (seconds) of the DANA latency buckets: around the 8 s expected timeout.
const BUCKETS: [f64; 10] = [0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 8.0, 10.0];

#[derive(Default)]
struct Histogram {
    /// Cumulative counts per bucket of [`BUCKETS`].
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum_seconds: f64,
}

impl Histogram {
    fn observe(&mut self, latency: Duration) {
        let seconds = latency.as_secs_f64();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                self.buckets[i] += 1;
            }
        }
        self.count += 1;
        self.sum_seconds += seconds;
    }
}

#[derive(Default)]
struct Inner {
    attempts_by_code: BTreeMap<String, u64>,
    status_checks_by_code: BTreeMap<String, u64>,
    /// Keyed by endpoint: `cancel` or `query`.
    latency: BTreeMap<&'static str, Histogram>,
}

#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

/// The process's metrics.
pub fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::default)
}

impl Metrics {
    pub fn record_cancel_attempt(&self, code: &str, latency: Duration) {
        let mut inner = self.inner.lock().expect("metrics");
        *inner.attempts_by_code.entry(code.to_string()).or_default() += 1;
        inner.latency.entry("cancel").or_default().observe(latency);
    }

    pub fn record_status_check(&self, code: &str, latency: Duration) {
        let mut inner = self.inner.lock().expect("metrics");
        *inner
            .status_checks_by_code
            .entry(code.to_string())
            .or_default() += 1;
        inner.latency.entry("query").or_default().observe(latency);
    }

    /// The Prometheus text exposition (format 0.0.4).
    pub fn render(&self, queue: QueueGauges) -> String {
        let inner = self.inner.lock().expect("metrics");
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP cancel_desk_cancel_attempts_total Cancel Order attempts sent to DANA, by catalog code (a DANA responseCode, TIMEOUT or UNEXPECTED).\n# TYPE cancel_desk_cancel_attempts_total counter"
        );
        for (code, n) in &inner.attempts_by_code {
            let _ = writeln!(
                out,
                "cancel_desk_cancel_attempts_total{{code=\"{code}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP cancel_desk_status_checks_total Query Payment requests sent to DANA, by catalog code.\n# TYPE cancel_desk_status_checks_total counter"
        );
        for (code, n) in &inner.status_checks_by_code {
            let _ = writeln!(
                out,
                "cancel_desk_status_checks_total{{code=\"{code}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP cancel_desk_dana_request_duration_seconds Time from sending a request to DANA to its answer or time-out.\n# TYPE cancel_desk_dana_request_duration_seconds histogram"
        );
        for (endpoint, h) in &inner.latency {
            for (bound, n) in BUCKETS.iter().zip(h.buckets) {
                let _ = writeln!(
                    out,
                    "cancel_desk_dana_request_duration_seconds_bucket{{endpoint=\"{endpoint}\",le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "cancel_desk_dana_request_duration_seconds_bucket{{endpoint=\"{endpoint}\",le=\"+Inf\"}} {}\ncancel_desk_dana_request_duration_seconds_sum{{endpoint=\"{endpoint}\"}} {}\ncancel_desk_dana_request_duration_seconds_count{{endpoint=\"{endpoint}\"}} {}",
                h.count, h.sum_seconds, h.count
            );
        }
        let _ = writeln!(
            out,
            "# HELP cancel_desk_pending_cancels Open cancels in the pending queue, by state.\n# TYPE cancel_desk_pending_cancels gauge\ncancel_desk_pending_cancels{{state=\"retrying\"}} {}\ncancel_desk_pending_cancels{{state=\"waiting\"}} {}\ncancel_desk_pending_cancels{{state=\"needs_attention\"}} {}",
            queue.retrying, queue.waiting, queue.needs_attention
        );
        let _ = writeln!(
            out,
            "# HELP cancel_desk_worker_lag_seconds How long the oldest due cancel has been waiting for a worker (0 when none is due).\n# TYPE cancel_desk_worker_lag_seconds gauge\ncancel_desk_worker_lag_seconds {}",
            queue.worker_lag_seconds
        );
        out
    }
}

/// The queue as the database has it at scrape time.
#[derive(Debug, Clone, Copy, Default)]
pub struct QueueGauges {
    pub retrying: i64,
    pub waiting: i64,
    pub needs_attention: i64,
    pub worker_lag_seconds: i64,
}

pub async fn queue_gauges(pool: &crate::db::Pool) -> Result<QueueGauges, sqlx::Error> {
    let now = crate::time::now_epoch();
    let (retrying, waiting, needs_attention) = crate::db::cancels::queue_depth(pool, now).await?;
    let oldest = crate::db::cancels::oldest_due(pool, now).await?;
    Ok(QueueGauges {
        retrying,
        waiting,
        needs_attention,
        worker_lag_seconds: oldest.map_or(0, |due| (now - due).max(0)),
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
    match queue_gauges(&state.pool).await {
        Ok(queue) => (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            metrics().render(queue),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text_with_cumulative_buckets() {
        let m = Metrics::default();
        m.record_cancel_attempt("2005700", Duration::from_millis(30));
        m.record_cancel_attempt("2005700", Duration::from_millis(700));
        m.record_cancel_attempt("TIMEOUT", Duration::from_secs(9));
        let text = m.render(QueueGauges {
            retrying: 1,
            waiting: 2,
            needs_attention: 3,
            worker_lag_seconds: 4,
        });
        assert!(text.contains("cancel_desk_cancel_attempts_total{code=\"2005700\"} 2\n"));
        assert!(text.contains("cancel_desk_cancel_attempts_total{code=\"TIMEOUT\"} 1\n"));
        assert!(text.contains(
            "cancel_desk_dana_request_duration_seconds_bucket{endpoint=\"cancel\",le=\"0.05\"} 1\n"
        ));
        assert!(text.contains(
            "cancel_desk_dana_request_duration_seconds_bucket{endpoint=\"cancel\",le=\"1\"} 2\n"
        ));
        assert!(text.contains(
            "cancel_desk_dana_request_duration_seconds_bucket{endpoint=\"cancel\",le=\"+Inf\"} 3\n"
        ));
        assert!(text.contains("cancel_desk_pending_cancels{state=\"needs_attention\"} 3\n"));
        assert!(text.contains("cancel_desk_worker_lag_seconds 4\n"));
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let value = line.rsplit(' ').next().unwrap();
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
    }
}
