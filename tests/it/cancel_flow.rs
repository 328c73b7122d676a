//! The cancel service against the embedded DANA sandbox: intent first, one DANA call per order,
//! every attempt recorded and audited, and the order settled by the catalog's outcome.

use crate::common::{TestApp, order};
use cancel_desk::cancel::service::{CancelError, Queued};
use cancel_desk::dana::catalog;
use cancel_desk::orders::model::OrderStatus;
use cancel_desk::sandbox::scenario::Behaviour;

const ACTOR: &str = "rina@merchant.co.id";
const PAID_AT: i64 = 1_795_453_200;

async fn app_with(references: &[&str]) -> TestApp {
    let app = TestApp::spawn().await;
    let orders: Vec<_> = references
        .iter()
        .map(|r| order(r, "Budi Santoso", 1_500_000, "PAID", PAID_AT))
        .collect();
    app.insert(&orders).await;
    app
}

async fn order_status(app: &TestApp, reference: &str) -> String {
    sqlx::query_scalar("SELECT status FROM orders WHERE partner_reference_no = $1")
        .bind(reference)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn actions(app: &TestApp, reference: &str) -> Vec<(String, String, Option<String>)> {
    sqlx::query_as(
        "SELECT action, outcome, response_code FROM audit_events WHERE order_ref = $1 ORDER BY id",
    )
    .bind(reference)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

fn triple(action: &str, outcome: &str, code: Option<&str>) -> (String, String, Option<String>) {
    (
        action.to_string(),
        outcome.to_string(),
        code.map(str::to_string),
    )
}

#[tokio::test]
async fn a_successful_cancel_is_recorded_before_and_after_dana() {
    let app = app_with(&["ORDER-OK"]).await;
    let outcome = app
        .cancels
        .cancel_order(ACTOR, "ORDER-OK", " Customer changed their mind ")
        .await
        .unwrap();
    assert_eq!(outcome.order_status, OrderStatus::Cancelled);
    assert_eq!(outcome.entry().code, "2005700");
    assert_eq!(order_status(&app, "ORDER-OK").await, "CANCELLED");
    assert_eq!(app.sandbox.calls("ORDER-OK"), 1);

    let (state, reason, body): (String, String, String) =
        sqlx::query_as("SELECT state, reason, request_body FROM cancel_requests")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        (state.as_str(), reason.as_str()),
        ("SUCCEEDED", "Customer changed their mind")
    );
    assert!(
        body.contains(r#""amount":{"value":"15000.00","currency":"IDR"}"#),
        "{body}"
    );
    let (code, finished): (Option<String>, Option<i64>) =
        sqlx::query_as("SELECT catalog_code, finished_at FROM cancel_attempts")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(code.as_deref(), Some("2005700"));
    assert!(finished.is_some());

    assert_eq!(
        actions(&app, "ORDER-OK").await,
        vec![
            triple("cancel.intent", "pending", None),
            triple("dana.attempt", "success", Some("2005700")),
            triple("cancel.settled", "success", Some("2005700")),
        ]
    );
    let intent_actor: String =
        sqlx::query_scalar("SELECT actor FROM audit_events WHERE action = 'cancel.intent'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(intent_actor, ACTOR);
    assert_eq!(
        cancel_desk::audit::verify(&app.pool, &app.audit_key)
            .await
            .unwrap()
            .first_break,
        None
    );
}

#[tokio::test]
async fn concurrent_cancels_of_one_order_make_exactly_one_dana_call() {
    let app = app_with(&["ORDER-RACE"]).await;
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let cancels = app.cancels.clone();
            tokio::spawn(async move {
                cancels
                    .cancel_order(ACTOR, "ORDER-RACE", &format!("click {i}"))
                    .await
            })
        })
        .collect();
    let mut succeeded = 0;
    let mut refused = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(outcome) => {
                assert_eq!(outcome.order_status, OrderStatus::Cancelled);
                succeeded += 1;
            }
            Err(CancelError::NotCancellable { .. }) => refused += 1,
            Err(other) => panic!("{other}"),
        }
    }
    assert_eq!((succeeded, refused), (1, 11));
    assert_eq!(app.sandbox.calls("ORDER-RACE"), 1, "DANA saw one cancel");
    let requests: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cancel_requests")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(requests, 1);
}

#[tokio::test]
async fn each_outcome_class_leaves_order_and_trail_in_the_right_state() {
    // DANA's sandbox convention: these references answer their own code.
    let app = app_with(&[
        "2025700",
        "4035705",
        "4035714",
        "5005701",
        "SANDBOX-EMPTY-BODY",
    ])
    .await;
    for (reference, order_after, request_after, code) in [
        ("2025700", "CANCEL_PENDING", "PENDING", "2025700"),
        ("4035705", "CANCEL_FAILED", "FAILED", "4035705"),
        ("4035714", "CANCEL_RETRYING", "RETRYING", "4035714"),
        ("5005701", "CANCEL_PENDING", "PENDING", "5005701"),
        (
            "SANDBOX-EMPTY-BODY",
            "CANCEL_PENDING",
            "PENDING",
            catalog::UNEXPECTED,
        ),
    ] {
        let outcome = app
            .cancels
            .cancel_order(ACTOR, reference, "test")
            .await
            .unwrap();
        assert_eq!(outcome.entry().code, code, "{reference}");
        assert_eq!(
            order_status(&app, reference).await,
            order_after,
            "{reference}"
        );
        let state: String =
            sqlx::query_scalar("SELECT state FROM cancel_requests WHERE partner_reference_no = $1")
                .bind(reference)
                .fetch_one(&app.pool)
                .await
                .unwrap();
        assert_eq!(state, request_after, "{reference}");
        let trail = actions(&app, reference).await;
        assert_eq!(
            trail.last().unwrap().2.as_deref(),
            Some(code),
            "{reference}"
        );
        assert_ne!(
            trail.last().unwrap().1,
            "success",
            "{reference}: never a success"
        );
    }
    // A refused cancel leaves the order paid-but-failed, and it may be cancelled again.
    let again = app
        .cancels
        .cancel_order(ACTOR, "4035705", "account fixed")
        .await
        .unwrap();
    assert_eq!(again.entry().code, "4035705");
    // A pending one may not, nor one on the periodic schedule: they belong to the queue.
    for reference in ["2025700", "4035714"] {
        let err = app
            .cancels
            .cancel_order(ACTOR, reference, "again")
            .await
            .unwrap_err();
        assert!(matches!(err, CancelError::NotCancellable { .. }), "{err}");
    }
}

#[tokio::test]
async fn three_time_outs_stop_after_exactly_three_attempts() {
    let app = app_with(&["ORDER-SLOW"]).await;
    // DANA never answers in time (and has not cancelled by the end of the test).
    app.sandbox
        .script("ORDER-SLOW", vec![Behaviour::Hang { millis: 60_000 }]);
    let outcome = app
        .cancels
        .cancel_order(ACTOR, "ORDER-SLOW", "customer request")
        .await
        .unwrap();
    assert_eq!(outcome.attempts.len(), 1);
    assert_eq!(outcome.entry().code, catalog::TOTAL_TIMEOUT);
    assert!(matches!(outcome.queued, Some(Queued::RetryAt(_))));
    assert_eq!(order_status(&app, "ORDER-SLOW").await, "CANCEL_PENDING");

    // The worker, well after each retry falls due: status check (still paid), then a resend.
    for _ in 1..=4 {
        sqlx::query("UPDATE cancel_requests SET next_attempt_at = next_attempt_at - 10000000")
            .execute(&app.pool)
            .await
            .unwrap();
        app.cancels
            .work_due(cancel_desk::time::Timestamp::host_now())
            .await
            .unwrap();
    }
    let rows: Vec<(i64, String, Option<i64>)> = sqlx::query_as(
        "SELECT attempt_no, external_id, finished_at FROM cancel_attempts ORDER BY attempt_no",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert!(rows.iter().all(|r| r.2.is_some()));
    let ids: std::collections::HashSet<_> = rows.iter().map(|r| r.1.clone()).collect();
    assert_eq!(ids.len(), 3, "a fresh X-EXTERNAL-ID each time");
    assert_eq!(app.sandbox.calls("ORDER-SLOW"), 3);
    assert_eq!(
        app.sandbox.query_calls("ORDER-SLOW"),
        2,
        "asked before each resend"
    );

    // Stopped, with a message for the user; the order is neither cancelled nor failed.
    let (state, attention): (String, Option<String>) = sqlx::query_as(
        "SELECT state, attention FROM cancel_requests WHERE partner_reference_no = 'ORDER-SLOW'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(state, "PENDING");
    let attention = cancel_desk::attention::english(&attention.expect("needs attention"));
    assert!(attention.contains("3 attempts"), "{attention}");
    assert_eq!(order_status(&app, "ORDER-SLOW").await, "CANCEL_PENDING");

    // Every attempt sent the same body.
    let bodies: std::collections::HashSet<String> =
        crate::common::audit_detail(&app.pool, "dana.attempt", "request_body")
            .await
            .into_iter()
            .collect();
    assert_eq!(bodies.len(), 1);
    let trail = actions(&app, "ORDER-SLOW").await;
    assert_eq!(trail.iter().filter(|a| a.0 == "dana.attempt").count(), 3);
    assert_eq!(
        trail.iter().filter(|a| a.0 == "dana.status_check").count(),
        2
    );
}

#[tokio::test]
async fn a_bad_reason_or_unknown_order_writes_nothing() {
    let app = app_with(&["ORDER-R"]).await;
    for reason in ["", "   ", &"r".repeat(257)] {
        assert!(matches!(
            app.cancels.cancel_order(ACTOR, "ORDER-R", reason).await,
            Err(CancelError::InvalidReason(_))
        ));
    }
    assert!(matches!(
        app.cancels.cancel_order(ACTOR, "NOPE", "x").await,
        Err(CancelError::OrderNotFound(_))
    ));
    let written: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM cancel_requests) + (SELECT COUNT(*) FROM audit_events)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(written, 0);
    assert_eq!(order_status(&app, "ORDER-R").await, "PAID");
    assert_eq!(app.sandbox.calls("ORDER-R"), 0);
    // 256 characters is allowed.
    assert!(
        app.cancels
            .cancel_order(ACTOR, "ORDER-R", &"r".repeat(256))
            .await
            .is_ok()
    );
}

/// The demo's scenario orders, cancelled through the service, produce every catalog row.
#[tokio::test]
async fn every_scenario_order_ends_in_its_catalog_row() {
    let app = TestApp::spawn().await;
    let added = cancel_desk::seed::seed_scenario_orders(
        &app.pool,
        cancel_desk::time::Timestamp::host_now(),
    )
    .await
    .unwrap();
    assert_eq!(added, 19);
    assert_eq!(
        cancel_desk::seed::seed_scenario_orders(
            &app.pool,
            cancel_desk::time::Timestamp::host_now()
        )
        .await
        .unwrap(),
        0,
        "idempotent"
    );
    let references: Vec<String> =
        sqlx::query_scalar("SELECT partner_reference_no FROM orders ORDER BY id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    let mut seen = std::collections::HashSet::new();
    for reference in references {
        let outcome = app
            .cancels
            .cancel_order(ACTOR, &reference, "scenario")
            .await
            .unwrap();
        let expected = match reference.as_str() {
            "SANDBOX-HANG" | "SANDBOX-LOST" => catalog::TOTAL_TIMEOUT,
            "SANDBOX-EMPTY-BODY" | "SANDBOX-MALFORMED-JSON" => catalog::UNEXPECTED,
            code => code,
        };
        assert_eq!(outcome.entry().code, expected, "{reference}");
        seen.insert(outcome.entry().code);
    }
    // With one ordinary order for the success row, every catalog row is reachable from the demo.
    app.insert(&[order(
        "ORDER-DEMO-OK",
        "Budi Santoso",
        1_000_000,
        "PAID",
        PAID_AT,
    )])
    .await;
    seen.insert(
        app.cancels
            .cancel_order(ACTOR, "ORDER-DEMO-OK", "x")
            .await
            .unwrap()
            .entry()
            .code,
    );
    assert_eq!(seen.len(), catalog::CATALOG.len());
}
