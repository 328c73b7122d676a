//! This process's metrics, in a registry the app state holds (no global): counters of DANA
//! requests by catalog code, DANA latency histograms, and the shared queue's gauges, which are
//! read from the database at scrape time so every instance reports the same values. Encoded in
//! the OpenMetrics text format by `prometheus-client`.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Upper bounds (seconds) of the DANA latency buckets: around the 8 s expected timeout.
const BUCKETS: [f64; 10] = [0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 8.0, 10.0];

/// The content type of [`Metrics::render`].
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabels {
    code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EndpointLabels {
    endpoint: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: String,
}

fn latency_histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

struct Inner {
    registry: Registry,
    attempts: Family<CodeLabels, Counter>,
    status_checks: Family<CodeLabels, Counter>,
    refund_attempts: Family<CodeLabels, Counter>,
    latency: Family<EndpointLabels, Histogram, fn() -> Histogram>,
    pending: Family<StateLabels, Gauge>,
    worker_lag: Gauge<f64, AtomicU64>,
}

/// The queue as the database has it at scrape time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueGauges {
    pub retrying: i64,
    pub waiting: i64,
    pub needs_attention: i64,
    pub worker_lag_seconds: i64,
}

#[derive(Clone)]
pub struct Metrics(Arc<Inner>);

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let attempts = Family::<CodeLabels, Counter>::default();
        let status_checks = Family::<CodeLabels, Counter>::default();
        let refund_attempts = Family::<CodeLabels, Counter>::default();
        let latency = Family::<EndpointLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        let pending = Family::<StateLabels, Gauge>::default();
        let worker_lag = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "cancel_desk_cancel_attempts",
            "Cancel Order attempts sent to DANA, by catalog code (a DANA responseCode, TIMEOUT or UNEXPECTED)",
            attempts.clone(),
        );
        registry.register(
            "cancel_desk_status_checks",
            "Query Payment requests sent to DANA, by catalog code",
            status_checks.clone(),
        );
        registry.register(
            "cancel_desk_refund_attempts",
            "Refund Order attempts sent to DANA, by refund catalog code",
            refund_attempts.clone(),
        );
        registry.register(
            "cancel_desk_dana_request_duration_seconds",
            "Time from sending a request to DANA to its answer or time-out",
            latency.clone(),
        );
        registry.register(
            "cancel_desk_pending_cancels",
            "Open cancels in the pending queue, by state",
            pending.clone(),
        );
        registry.register(
            "cancel_desk_worker_lag_seconds",
            "How long the oldest due cancel has been waiting for a worker (0 when none is due)",
            worker_lag.clone(),
        );
        Self(Arc::new(Inner {
            registry,
            attempts,
            status_checks,
            refund_attempts,
            latency,
            pending,
            worker_lag,
        }))
    }

    pub fn record_cancel_attempt(&self, code: &str, latency: Duration) {
        self.0
            .attempts
            .get_or_create(&CodeLabels { code: code.into() })
            .inc();
        self.observe("cancel", latency);
    }

    pub fn record_status_check(&self, code: &str, latency: Duration) {
        self.0
            .status_checks
            .get_or_create(&CodeLabels { code: code.into() })
            .inc();
        self.observe("query", latency);
    }

    pub fn record_refund_attempt(&self, code: &str, latency: Duration) {
        self.0
            .refund_attempts
            .get_or_create(&CodeLabels { code: code.into() })
            .inc();
        self.observe("refund", latency);
    }

    fn observe(&self, endpoint: &str, latency: Duration) {
        self.0
            .latency
            .get_or_create(&EndpointLabels {
                endpoint: endpoint.into(),
            })
            .observe(latency.as_secs_f64());
    }

    /// The exposition, with the queue gauges as given (read from the database by the caller).
    pub fn render(&self, queue: QueueGauges) -> String {
        for (state, n) in [
            ("retrying", queue.retrying),
            ("waiting", queue.waiting),
            ("needs_attention", queue.needs_attention),
        ] {
            self.0
                .pending
                .get_or_create(&StateLabels {
                    state: state.into(),
                })
                .set(n);
        }
        self.0.worker_lag.set(queue.worker_lag_seconds as f64);
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.0.registry)
            .expect("writing to a String cannot fail");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str, series: &str) -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
            .and_then(|v| v.split(' ').next()?.parse().ok())
            .unwrap_or_else(|| panic!("{series} missing in\n{text}"))
    }

    #[test]
    fn counts_exactly_with_cumulative_buckets_and_the_queue_gauges() {
        let m = Metrics::new();
        m.record_cancel_attempt("2005700", Duration::from_millis(30));
        m.record_cancel_attempt("2005700", Duration::from_millis(700));
        m.record_cancel_attempt("TIMEOUT", Duration::from_secs(9));
        m.record_status_check("2005500", Duration::from_millis(40));
        let text = m.render(QueueGauges {
            retrying: 1,
            waiting: 2,
            needs_attention: 3,
            worker_lag_seconds: 42,
        });
        assert_eq!(
            value(&text, "cancel_desk_cancel_attempts_total{code=\"2005700\"}"),
            2.0
        );
        assert_eq!(
            value(&text, "cancel_desk_cancel_attempts_total{code=\"TIMEOUT\"}"),
            1.0
        );
        assert_eq!(
            value(&text, "cancel_desk_status_checks_total{code=\"2005500\"}"),
            1.0
        );
        let bucket = |le: &str| {
            value(
                &text,
                &format!(
                    "cancel_desk_dana_request_duration_seconds_bucket{{le=\"{le}\",endpoint=\"cancel\"}}"
                ),
            )
        };
        assert_eq!(bucket("0.05"), 1.0);
        assert_eq!(bucket("1.0"), 2.0);
        assert_eq!(bucket("+Inf"), 3.0);
        assert_eq!(
            value(
                &text,
                "cancel_desk_dana_request_duration_seconds_count{endpoint=\"cancel\"}"
            ),
            3.0
        );
        assert_eq!(
            value(
                &text,
                "cancel_desk_pending_cancels{state=\"needs_attention\"}"
            ),
            3.0
        );
        assert_eq!(value(&text, "cancel_desk_worker_lag_seconds"), 42.0);
        assert!(text.ends_with("# EOF\n"));
        // Another registry counts for itself alone.
        let other = Metrics::new().render(QueueGauges::default());
        assert!(!other.contains("code=\"2005700\""));
    }
}
