//! The pending-cancel queue in one process: the worker's retries, reconciliation through Query
//! Payment, leases between two workers, the operations actions, and the metrics.

use std::collections::HashSet;

use crate::common::{TestApp, order};
use cancel_desk::cancel::policy::QueuePolicy;
use cancel_desk::cancel::service::{CancelError, CancelService, Queued, WorkOutcome};
use cancel_desk::cancel::staff::Resolution;
use cancel_desk::clock::Clock;
use cancel_desk::dana::catalog;
use cancel_desk::orders::model::OrderStatus;
use cancel_desk::sandbox::scenario::Behaviour;

pub(crate) const ACTOR: &str = "rina@merchant.co.id";
pub(crate) const OPS: &str = "ops@merchant.co.id";

const METRICS_TOKEN: &str = "scrape-token-for-tests";

pub(crate) async fn app_with(references: &[&str]) -> TestApp {
    app_with_settings(&[("CANCEL_DESK_METRICS_TOKEN", METRICS_TOKEN)], references).await
}

/// A server with these settings and a paid order (Rp 25.000) for each reference.
pub(crate) async fn app_with_settings(settings: &[(&str, &str)], references: &[&str]) -> TestApp {
    let app = TestApp::spawn_with(settings).await;
    let orders: Vec<_> = references
        .iter()
        .map(|r| order(r, "Dewi Lestari", 2_500_000, "PAID", 1_795_453_200))
        .collect();
    app.insert(&orders).await;
    app
}

pub(crate) async fn order_status(app: &TestApp, reference: &str) -> String {
    sqlx::query_scalar("SELECT status FROM orders WHERE partner_reference_no = $1")
        .bind(reference)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

pub(crate) async fn request_id(
    app: &TestApp,
    reference: &str,
) -> cancel_desk::ids::CancelRequestId {
    sqlx::query_scalar("SELECT id FROM cancel_requests WHERE partner_reference_no = $1")
        .bind(reference)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

pub(crate) async fn trail(app: &TestApp, reference: &str) -> Vec<(String, Option<String>)> {
    sqlx::query_as(
        "SELECT action, response_code FROM audit_events WHERE order_ref = $1 ORDER BY id",
    )
    .bind(reference)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

/// Brings every open cancel's due time `ahead` seconds closer, as if that much time had passed
/// (leases are left alone: they run on the real clock every server shares).
async fn time_passes(pool: &cancel_desk::db::Pool, ahead: i64) {
    sqlx::query(
        "UPDATE cancel_requests SET next_attempt_at = next_attempt_at - $1 WHERE state IN ('IN_FLIGHT', 'PENDING', 'RETRYING')",
    )
    .bind(ahead * 1000)
    .execute(pool)
    .await
    .unwrap();
}

/// One worker pass after `ahead` seconds.
pub(crate) async fn worker_pass(app: &TestApp, ahead: i64) -> usize {
    time_passes(&app.pool, ahead).await;
    app.cancels
        .work_due(cancel_desk::time::Timestamp::host_now())
        .await
        .unwrap()
}

#[tokio::test]
async fn past_the_age_limit_the_worker_holds_a_cancel_for_a_person_and_retry_now_still_sends() {
    let app = app_with(&["ORDER-OLD"]).await;
    app.sandbox.script(
        "ORDER-OLD",
        vec![
            Behaviour::Code {
                code: "2025700".into(),
            },
            Behaviour::Normal,
        ],
    );
    let outcome = app
        .cancels
        .cancel_order(ACTOR, "ORDER-OLD", "customer asked")
        .await
        .unwrap();
    assert_eq!(outcome.order_status, OrderStatus::CancelPending);

    // Two hours later (the age limit is one hour), on the same database.
    let later = app
        .cancels
        .clone()
        .with_clock(Clock::database().shifted(2 * 3600));
    let now = later.clock().now(&app.pool).await.unwrap();
    assert_eq!(later.work_due(now).await.unwrap(), 1);
    assert_eq!(
        app.sandbox.calls("ORDER-OLD"),
        1,
        "nothing is sent once too old"
    );
    assert_eq!(order_status(&app, "ORDER-OLD").await, "CANCEL_PENDING");
    let attention: Option<String> =
        sqlx::query_scalar("SELECT attention FROM cancel_requests WHERE partner_reference_no = $1")
            .bind("ORDER-OLD")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let attention = attention.expect("held for a person");
    // Stored as a code with its figures, read in each person's language.
    assert_eq!(attention, r#"{"note":"cancel_too_old","minutes":60}"#);
    let english = cancel_desk::attention::english(&attention);
    assert!(
        english.starts_with("Still pending after 60 minutes"),
        "{english}"
    );
    // Held: later passes leave it alone.
    assert_eq!(later.work_due(now.plus_seconds(600)).await.unwrap(), 0);
    assert_eq!(app.sandbox.calls("ORDER-OLD"), 1);

    // A person's "retry now" overrides the age limit.
    let id = request_id(&app, "ORDER-OLD").await;
    assert_eq!(
        later.retry_now(id, OPS).await.unwrap(),
        WorkOutcome::Settled(OrderStatus::Cancelled)
    );
    assert_eq!(app.sandbox.calls("ORDER-OLD"), 2);
}

#[tokio::test]
async fn in_progress_then_success_is_retried_with_the_same_body_and_a_new_external_id() {
    let app = app_with(&["ORDER-202"]).await;
    app.sandbox.script(
        "ORDER-202",
        vec![
            Behaviour::Code {
                code: "2025700".into(),
            },
            Behaviour::Normal,
        ],
    );
    let outcome = app
        .cancels
        .cancel_order(ACTOR, "ORDER-202", "customer asked")
        .await
        .unwrap();
    assert_eq!(outcome.order_status, OrderStatus::CancelPending);
    let Some(Queued::RetryAt(at)) = outcome.queued else {
        panic!("{:?}", outcome.queued)
    };
    let delay = at.seconds_since(cancel_desk::time::Timestamp::host_now());
    assert!(
        (25..=35).contains(&delay),
        "first retry after about 30 s: {delay}"
    );

    // Not due yet: nothing happens.
    assert_eq!(worker_pass(&app, 0).await, 0);
    assert_eq!(app.sandbox.calls("ORDER-202"), 1);

    assert_eq!(worker_pass(&app, 40).await, 1);
    assert_eq!(order_status(&app, "ORDER-202").await, "CANCELLED");
    assert_eq!(app.sandbox.calls("ORDER-202"), 2);
    assert_eq!(
        app.sandbox.query_calls("ORDER-202"),
        0,
        "DANA answered, so no status check was needed"
    );
    let attempts: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT attempt_no, external_id, catalog_code FROM cancel_attempts ORDER BY attempt_no",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        attempts
            .iter()
            .map(|a| (a.0, a.2.as_str()))
            .collect::<Vec<_>>(),
        [(1, "2025700"), (2, "2005700")]
    );
    assert_ne!(attempts[0].1, attempts[1].1);
    let bodies: HashSet<String> =
        crate::common::audit_detail(&app.pool, "dana.attempt", "request_body")
            .await
            .into_iter()
            .collect();
    assert_eq!(bodies.len(), 1, "the same body both times");
    let actions: Vec<_> = trail(&app, "ORDER-202").await;
    assert_eq!(
        actions
            .iter()
            .map(|(a, c)| (a.as_str(), c.as_deref()))
            .collect::<Vec<_>>(),
        [
            ("cancel.intent", None),
            ("dana.attempt", Some("2025700")),
            ("cancel.pending", Some("2025700")),
            ("dana.attempt", Some("2005700")),
            ("cancel.settled", Some("2005700")),
        ]
    );
    let worker: String = sqlx::query_scalar(
        "SELECT actor FROM audit_events WHERE action = 'dana.attempt' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(worker.starts_with("worker@"), "{worker}");
    assert_eq!(
        cancel_desk::audit::verify(&app.pool, &app.audit_key)
            .await
            .unwrap()
            .first_break,
        None
    );
}

#[tokio::test]
async fn a_lost_answer_is_settled_by_query_payment_without_sending_again() {
    let app = app_with(&["ORDER-LOST"]).await;
    // DANA cancels, but its answer comes after our 2 s timeout.
    app.sandbox
        .script("ORDER-LOST", vec![Behaviour::Hold { millis: 5_000 }]);
    let outcome = app
        .cancels
        .cancel_order(ACTOR, "ORDER-LOST", "duplicate order")
        .await
        .unwrap();
    assert_eq!(outcome.entry().code, catalog::TOTAL_TIMEOUT);
    assert_eq!(order_status(&app, "ORDER-LOST").await, "CANCEL_PENDING");
    assert!(app.sandbox.is_cancelled("ORDER-LOST"));

    worker_pass(&app, 40).await;
    assert_eq!(order_status(&app, "ORDER-LOST").await, "CANCELLED");
    assert_eq!(app.sandbox.calls("ORDER-LOST"), 1, "never sent twice");
    assert_eq!(app.sandbox.query_calls("ORDER-LOST"), 1);
    let (state, last_status): (String, Option<String>) =
        sqlx::query_as("SELECT state, last_status FROM cancel_requests")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        (state.as_str(), last_status.as_deref()),
        ("SUCCEEDED", Some("05"))
    );
    let check: (String, Option<String>, String) =
        sqlx::query_as("SELECT catalog_code, transaction_status, actor FROM status_checks")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        (check.0.as_str(), check.1.as_deref()),
        ("2005500", Some("05"))
    );
    let via: String = crate::common::audit_detail(&app.pool, "cancel.settled", "via")
        .await
        .remove(0);
    assert_eq!(via, "status check");
}

#[tokio::test]
async fn two_workers_on_one_database_never_send_the_same_attempt_twice() {
    let references: Vec<String> = (0..8).map(|i| format!("ORDER-BUSY-{i}")).collect();
    let refs: Vec<&str> = references.iter().map(String::as_str).collect();
    let app = app_with(&refs).await;
    for r in &refs {
        // Two "in progress" answers, then DANA cancels.
        app.sandbox.script(
            r,
            vec![
                Behaviour::Code {
                    code: "2025700".into(),
                },
                Behaviour::Code {
                    code: "2025700".into(),
                },
                Behaviour::Normal,
            ],
        );
        app.cancels.cancel_order(ACTOR, r, "bulk").await.unwrap();
    }
    let other = CancelService::with_instance(
        app.pool.clone(),
        app.dana.clone(),
        QueuePolicy::default(),
        app.audit_key.clone(),
        "second-server".into(),
    );
    for _ in 1..=4 {
        time_passes(&app.pool, 1_000).await;
        let now = cancel_desk::time::Timestamp::host_now();
        let (a, b) = tokio::join!(app.cancels.work_due(now), other.work_due(now));
        a.unwrap();
        b.unwrap();
    }
    for r in &refs {
        assert_eq!(order_status(&app, r).await, "CANCELLED", "{r}");
        let attempts: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM cancel_attempts a JOIN cancel_requests q ON q.id = a.cancel_request_id WHERE q.partner_reference_no = $1",
        )
        .bind(r)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        assert_eq!(attempts, 3, "{r}");
        assert_eq!(app.sandbox.calls(r), 3, "{r}: DANA saw each attempt once");
    }
    let workers: HashSet<String> = sqlx::query_scalar(
        "SELECT DISTINCT actor FROM audit_events WHERE action = 'dana.attempt' AND actor LIKE 'worker@%'",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
    .into_iter()
    .collect();
    assert!(workers.contains("worker@second-server"), "{workers:?}");
    assert_eq!(workers.len(), 2, "both workers took part: {workers:?}");
}

#[tokio::test]
async fn operations_actions_check_status_retry_now_and_resolve_with_a_note() {
    let app = app_with(&["ORDER-A", "ORDER-B", "ORDER-C"]).await;
    app.sandbox
        .script("ORDER-A", vec![Behaviour::Hold { millis: 5_000 }]);
    app.sandbox.script(
        "ORDER-B",
        vec![Behaviour::Code {
            code: "5005701".into(),
        }],
    );
    app.sandbox.script(
        "ORDER-C",
        vec![
            Behaviour::Code {
                code: "4295700".into(),
            },
            Behaviour::Normal,
        ],
    );
    for r in ["ORDER-A", "ORDER-B", "ORDER-C"] {
        app.cancels
            .cancel_order(ACTOR, r, "ops test")
            .await
            .unwrap();
    }

    // Check status: DANA says cancelled → settled, nothing resent.
    let a = request_id(&app, "ORDER-A").await;
    let check = app.cancels.check_status(a, OPS).await.unwrap();
    assert_eq!(check.status.map(|s| s.code), Some("05"));
    assert_eq!(check.outcome, WorkOutcome::Settled(OrderStatus::Cancelled));
    assert_eq!(app.sandbox.calls("ORDER-A"), 1);
    assert!(matches!(
        app.cancels.check_status(a, OPS).await,
        Err(CancelError::NotOpen(_))
    ));

    // Check status on a still-paid order: stays queued as it was; nothing resent.
    let b = request_id(&app, "ORDER-B").await;
    let check = app.cancels.check_status(b, OPS).await.unwrap();
    assert_eq!(check.status.map(|s| s.code), Some("00"));
    assert!(matches!(
        check.outcome,
        WorkOutcome::Queued(Queued::RetryAt(_))
    ));
    assert_eq!(app.sandbox.calls("ORDER-B"), 1);

    // Retry now, while another server holds the cancel: refused, nothing sent.
    let c = request_id(&app, "ORDER-C").await;
    let now = cancel_desk::time::Timestamp::host_now();
    sqlx::query(
        "UPDATE cancel_requests SET lease_owner = 'elsewhere', lease_until = $1 WHERE id = $2",
    )
    .bind(now.plus_seconds(60))
    .bind(c)
    .execute(&app.pool)
    .await
    .unwrap();
    assert!(matches!(
        app.cancels.retry_now(c, OPS).await,
        Err(CancelError::Busy(_))
    ));
    assert_eq!(app.sandbox.calls("ORDER-C"), 1);
    sqlx::query("UPDATE cancel_requests SET lease_owner = NULL, lease_until = NULL WHERE id = $1")
        .bind(c)
        .execute(&app.pool)
        .await
        .unwrap();
    // Retry now, free: sent at once, whatever its schedule.
    assert_eq!(
        app.cancels.retry_now(c, OPS).await.unwrap(),
        WorkOutcome::Settled(OrderStatus::Cancelled)
    );
    assert_eq!(app.sandbox.calls("ORDER-C"), 2);

    // Resolve needs a note, then settles by hand and audits who and why.
    for empty in ["", "   "] {
        assert!(matches!(
            app.cancels
                .resolve(b, OPS, Resolution::NotCancelled, empty)
                .await,
            Err(CancelError::InvalidInput { field: "note", .. })
        ));
    }
    assert!(matches!(
        app.cancels
            .resolve(b, OPS, Resolution::NotCancelled, &"n".repeat(501))
            .await,
        Err(CancelError::InvalidInput { field: "note", .. })
    ));
    assert_eq!(order_status(&app, "ORDER-B").await, "CANCEL_PENDING");
    let status = app
        .cancels
        .resolve(
            b,
            OPS,
            Resolution::NotCancelled,
            "DANA support (ticket 8812) confirmed the payment is still paid",
        )
        .await
        .unwrap();
    assert_eq!(status, OrderStatus::CancelFailed);
    let (by, note): (String, String) =
        sqlx::query_as("SELECT resolved_by, resolution_note FROM cancel_requests WHERE id = $1")
            .bind(b)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(by, OPS);
    assert!(note.contains("ticket 8812"));
    let actor: String =
        sqlx::query_scalar("SELECT actor FROM audit_events WHERE action = 'cancel.resolved'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let resolved = (
        actor,
        crate::common::audit_detail(&app.pool, "cancel.resolved", "note")
            .await
            .remove(0),
    );
    assert_eq!(resolved.0, OPS);
    // Resolved as not cancelled: the order may be cancelled again.
    app.sandbox.script("ORDER-B", vec![Behaviour::Normal]);
    assert_eq!(
        app.cancels
            .cancel_order(ACTOR, "ORDER-B", "second try")
            .await
            .unwrap()
            .order_status,
        OrderStatus::Cancelled
    );
}

#[tokio::test]
async fn a_cancel_pending_past_the_age_limit_waits_for_a_person() {
    let app = app_with(&["ORDER-OLD"]).await;
    app.sandbox.script(
        "ORDER-OLD",
        vec![Behaviour::Code {
            code: "2025700".into(),
        }],
    );
    app.cancels
        .cancel_order(ACTOR, "ORDER-OLD", "old")
        .await
        .unwrap();
    // Two hours old.
    sqlx::query("UPDATE cancel_requests SET created_at = created_at - 7200 * 1000")
        .execute(&app.pool)
        .await
        .unwrap();
    worker_pass(&app, 40).await;
    assert_eq!(
        app.sandbox.calls("ORDER-OLD"),
        1,
        "not retried past the limit"
    );
    let attention: Option<String> = sqlx::query_scalar("SELECT attention FROM cancel_requests")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(cancel_desk::attention::english(&attention.unwrap()).contains("60 minutes"));
    assert_eq!(
        worker_pass(&app, 4_000).await,
        0,
        "the worker leaves it alone"
    );
}

#[tokio::test]
async fn health_readiness_and_metrics_over_http() {
    let app = app_with(&["ORDER-M", "2025700"]).await;
    app.cancels
        .cancel_order(ACTOR, "ORDER-M", "m")
        .await
        .unwrap();
    app.cancels
        .cancel_order(ACTOR, "2025700", "m")
        .await
        .unwrap();
    // No session needed; metrics need the scrape token (see hardening.rs for the 401s).
    let client = reqwest::Client::new();
    let health = client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let metrics = client
        .get(app.url("/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), 200);
    assert!(
        metrics.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text; version=1.0.0")
    );
    let text = metrics.text().await.unwrap();
    let value = |series: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
            .unwrap_or_else(|| panic!("{series} missing in\n{text}"))
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    // The registry is this server's own: exactly the two attempts this test made.
    assert_eq!(
        value("cancel_desk_cancel_attempts_total{code=\"2005700\"}"),
        1.0
    );
    assert_eq!(
        value("cancel_desk_cancel_attempts_total{code=\"2025700\"}"),
        1.0
    );
    assert_eq!(
        value("cancel_desk_dana_request_duration_seconds_count{endpoint=\"cancel\"}"),
        2.0
    );
    assert!(text.ends_with("# EOF\n"));
    // Gauges come from this app's database.
    assert_eq!(value("cancel_desk_pending_cancels{state=\"waiting\"}"), 1.0);
    assert_eq!(
        value("cancel_desk_pending_cancels{state=\"needs_attention\"}"),
        0.0
    );
    assert_eq!(value("cancel_desk_worker_lag_seconds"), 0.0);
    // Overdue by 100 s: the lag shows it.
    sqlx::query("UPDATE cancel_requests SET next_attempt_at = $1 WHERE state = 'PENDING'")
        .bind(cancel_desk::time::Timestamp::host_now().plus_seconds(-100))
        .execute(&app.pool)
        .await
        .unwrap();
    let text = client
        .get(app.url("/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lag: f64 = text
        .lines()
        .find(|l| l.starts_with("cancel_desk_worker_lag_seconds "))
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((100.0..=105.0).contains(&lag), "{lag}");
}

#[tokio::test]
async fn the_queue_over_http_checks_roles_and_answers_with_the_right_status() {
    use cancel_desk::auth::role::Role;
    let app = app_with(&["2025700", "ORDER-DONE"]).await;
    app.cancels
        .cancel_order(ACTOR, "2025700", "http")
        .await
        .unwrap();
    app.cancels
        .cancel_order(ACTOR, "ORDER-DONE", "http")
        .await
        .unwrap();
    let pending = request_id(&app, "2025700").await;
    let done = request_id(&app, "ORDER-DONE").await;
    let id = pending.to_string();

    // Finance may cancel but not work the queue: refused in the server function, and audited.
    app.login_as(Role::Finance).await;
    for path in [
        "/api/pending/list",
        "/api/pending/poll",
        "/api/pending/region",
        "/api/pending/region-poll",
    ] {
        assert_eq!(app.post_form(path, &[]).await.0, 403, "{path}");
    }
    assert_eq!(
        app.post_form("/api/pending/retry", &[("id", &id)]).await.0,
        403
    );
    assert_eq!(app.sandbox.calls("2025700"), 1);

    app.login_as(Role::Operations).await;
    let (status, body) = app.post_form("/api/pending/list", &[]).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"2025700\""), "{body}");
    assert!(
        !body.contains("ORDER-DONE"),
        "settled cancels are not in the queue"
    );
    // The page's live region, rendered again with the same filters.
    for path in ["/api/pending/region", "/api/pending/region-poll"] {
        let (status, body) = app.post_form(path, &[("state", "waiting")]).await;
        assert_eq!(status, 200, "{path} {body}");
        let region: String = serde_json::from_str(&body).unwrap();
        assert!(
            region.contains("data-reference=\"2025700\"")
                && region.contains("action=\"/api/pending/retry\""),
            "{path} {region}"
        );
        assert!(!region.contains("ORDER-DONE"), "{path} {region}");
    }
    let (status, body) = app
        .post_form("/api/pending/list", &[("state", "stuck")])
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("state"), "{body}");
    let (status, body) = app
        .post_form("/api/pending/region", &[("state", "stuck")])
        .await;
    assert_eq!(status, 400, "{body}");
    // Resolve without a note: 400 naming the field, nothing changed.
    let (status, body) = app
        .post_form(
            "/api/pending/resolve",
            &[("id", &id), ("resolution", "cancelled"), ("note", " ")],
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("note"), "{body}");
    // Acting on a settled cancel: 409.
    let (status, body) = app
        .post_form("/api/pending/check-status", &[("id", &done.to_string())])
        .await;
    assert_eq!(status, 409, "{body}");
    // Check status works and says what DANA said.
    let (status, body) = app
        .post_form("/api/pending/check-status", &[("id", &id)])
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("still paid"), "{body}");
    assert_eq!(
        app.sandbox.calls("2025700"),
        1,
        "a status check never resends"
    );
    let refused: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'access.forbidden' AND actor = 'finance@merchant.test'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(refused, 5);
}
