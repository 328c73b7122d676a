//! DANA fidelity of the cancel life cycle: a refusal after the first attempt settles only once
//! Query Payment agrees, an answer naming another order settles nothing, DANA's 3-attempt rule
//! counts only unanswered attempts, and "retry periodically" refusals go on their own schedule.

use crate::pending::{
    ACTOR, OPS, app_with, app_with_settings, order_status, request_id, trail, worker_pass,
};
use cancel_desk::cancel::service::CancelError;
use cancel_desk::orders::model::OrderStatus;
use cancel_desk::sandbox::scenario::Behaviour;

fn code(code: &str) -> Behaviour {
    Behaviour::Code { code: code.into() }
}

fn status(status: &str) -> Behaviour {
    Behaviour::Status {
        status: status.into(),
        additional_info: None,
    }
}

/// Longer than the tests' 2 s client timeout.
fn hang() -> Behaviour {
    Behaviour::Hang { millis: 2_500 }
}

async fn request_state(app: &crate::common::TestApp, reference: &str) -> String {
    sqlx::query_scalar("SELECT state FROM cancel_requests WHERE partner_reference_no = $1")
        .bind(reference)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn settled_outcomes(app: &crate::common::TestApp, reference: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT outcome FROM audit_events WHERE order_ref = $1 AND action = 'cancel.settled' ORDER BY id",
    )
    .bind(reference)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn invalid_status_after_a_pending_answer_is_cancelled_when_query_payment_says_05() {
    let app = app_with(&["ORDER-LATE"]).await;
    // DANA finished the first cancel after answering "in progress"; the resend then finds the
    // payment already cancelled and answers "invalid transaction status".
    app.sandbox
        .script("ORDER-LATE", vec![code("2025700"), code("4045700")]);
    app.sandbox.script_queries("ORDER-LATE", vec![status("05")]);
    let first = app
        .cancels
        .cancel_order(ACTOR, "ORDER-LATE", "customer asked")
        .await
        .unwrap();
    assert_eq!(first.order_status, OrderStatus::CancelPending);
    worker_pass(&app, 60).await;
    assert_eq!(app.sandbox.calls("ORDER-LATE"), 2);
    assert_eq!(
        app.sandbox.query_calls("ORDER-LATE"),
        1,
        "asked before settling"
    );
    assert_eq!(order_status(&app, "ORDER-LATE").await, "CANCELLED");
    assert_eq!(request_state(&app, "ORDER-LATE").await, "SUCCEEDED");
    assert_eq!(
        settled_outcomes(&app, "ORDER-LATE").await,
        ["success"],
        "settled once, as cancelled: never as failed"
    );
}

#[tokio::test]
async fn a_later_refusal_with_the_payment_still_paid_fails_or_retries_per_its_code() {
    let app = app_with(&["ORDER-STATUS", "ORDER-EXPIRED"]).await;
    // 4045700 is a "retry periodically" code: confirmed still paid, it goes on the schedule.
    app.sandbox
        .script("ORDER-STATUS", vec![code("2025700"), code("4045700")]);
    app.sandbox
        .script_queries("ORDER-STATUS", vec![status("00")]);
    // 4035700 has no later: confirmed still paid, it fails.
    app.sandbox
        .script("ORDER-EXPIRED", vec![code("2025700"), code("4035700")]);
    app.sandbox
        .script_queries("ORDER-EXPIRED", vec![status("00")]);
    for reference in ["ORDER-STATUS", "ORDER-EXPIRED"] {
        app.cancels
            .cancel_order(ACTOR, reference, "customer asked")
            .await
            .unwrap();
    }
    worker_pass(&app, 60).await;
    for reference in ["ORDER-STATUS", "ORDER-EXPIRED"] {
        assert_eq!(app.sandbox.query_calls(reference), 1, "{reference}");
    }
    assert_eq!(order_status(&app, "ORDER-STATUS").await, "CANCEL_RETRYING");
    assert_eq!(request_state(&app, "ORDER-STATUS").await, "RETRYING");
    assert_eq!(order_status(&app, "ORDER-EXPIRED").await, "CANCEL_FAILED");
    assert_eq!(settled_outcomes(&app, "ORDER-EXPIRED").await, ["failure"]);
}

#[tokio::test]
async fn a_success_naming_another_order_settles_nothing_and_is_checked_with_dana() {
    let app = app_with(&["ORDER-MINE"]).await;
    app.sandbox.script(
        "ORDER-MINE",
        vec![
            Behaviour::Misdirected {
                reference: "ORDER-SOMEONE-ELSE".into(),
            },
            Behaviour::Normal,
        ],
    );
    let outcome = app
        .cancels
        .cancel_order(ACTOR, "ORDER-MINE", "customer asked")
        .await
        .unwrap();
    assert_eq!(outcome.order_status, OrderStatus::CancelPending);
    assert_eq!(outcome.entry().code, "UNEXPECTED");
    assert_eq!(request_state(&app, "ORDER-MINE").await, "PENDING");
    // The worker asks Query Payment (still paid) before it resends.
    worker_pass(&app, 60).await;
    assert_eq!(app.sandbox.query_calls("ORDER-MINE"), 1);
    assert_eq!(app.sandbox.calls("ORDER-MINE"), 2);
    assert_eq!(order_status(&app, "ORDER-MINE").await, "CANCELLED");
}

#[tokio::test]
async fn dana_rule_of_three_counts_time_outs_not_attempts() {
    let app = app_with(&["ORDER-SLOW"]).await;
    app.sandbox.script(
        "ORDER-SLOW",
        vec![
            code("2025700"),
            code("2025700"),
            hang(),
            hang(),
            hang(),
            Behaviour::Normal,
        ],
    );
    // DANA's status stays "paid" throughout, so each check allows the next send.
    app.sandbox.script_queries("ORDER-SLOW", vec![status("00")]);
    app.cancels
        .cancel_order(ACTOR, "ORDER-SLOW", "customer asked")
        .await
        .unwrap();
    // Attempt 2 (in progress again), then three time-outs, each unanswered one followed by a
    // status check before the next send.
    for _ in 0..4 {
        worker_pass(&app, 3_600).await;
    }
    assert_eq!(
        app.sandbox.calls("ORDER-SLOW"),
        5,
        "two answers and three time-outs"
    );
    let attention: Option<String> =
        sqlx::query_scalar("SELECT attention FROM cancel_requests WHERE partner_reference_no = $1")
            .bind("ORDER-SLOW")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let attention = cancel_desk::attention::english(
        &attention.expect("held for a person after the third time-out"),
    );
    assert!(attention.contains("at most 3 attempts"), "{attention}");
    // Held: nothing more is sent.
    worker_pass(&app, 3_600).await;
    assert_eq!(app.sandbox.calls("ORDER-SLOW"), 5);
    assert_eq!(order_status(&app, "ORDER-SLOW").await, "CANCEL_PENDING");
}

#[tokio::test]
async fn insufficient_funds_is_retried_on_the_periodic_schedule_until_dana_cancels() {
    let app = app_with(&["ORDER-FUNDS"]).await;
    app.sandbox
        .script("ORDER-FUNDS", vec![code("4035714"), Behaviour::Normal]);
    let outcome = app
        .cancels
        .cancel_order(ACTOR, "ORDER-FUNDS", "customer asked")
        .await
        .unwrap();
    assert_eq!(outcome.order_status, OrderStatus::CancelRetrying);
    assert_eq!(request_state(&app, "ORDER-FUNDS").await, "RETRYING");
    // Not on the backoff schedule: ten minutes on, nothing is due.
    assert_eq!(worker_pass(&app, 600).await, 0);
    assert_eq!(app.sandbox.calls("ORDER-FUNDS"), 1);
    // The periodic interval (an hour by default) on: sent again, and DANA cancels.
    assert_eq!(worker_pass(&app, 3_000).await, 1);
    assert_eq!(app.sandbox.calls("ORDER-FUNDS"), 2);
    assert_eq!(order_status(&app, "ORDER-FUNDS").await, "CANCELLED");
    let pending: Vec<String> = sqlx::query_scalar(
        "SELECT details FROM audit_events WHERE order_ref = $1 AND action = 'cancel.pending'",
    )
    .bind("ORDER-FUNDS")
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert!(
        pending[0].contains("\"schedule\":\"periodic\""),
        "{pending:?}"
    );
}

#[tokio::test]
async fn periodic_retries_stop_at_the_cap_once_query_payment_confirms_still_paid() {
    let app = app_with_settings(
        &[("CANCEL_DESK_PERIODIC_RETRY_ATTEMPTS", "2")],
        &["ORDER-CAP"],
    )
    .await;
    app.sandbox.script("ORDER-CAP", vec![code("4035714")]);
    app.cancels
        .cancel_order(ACTOR, "ORDER-CAP", "customer asked")
        .await
        .unwrap();
    worker_pass(&app, 3_600).await;
    assert_eq!(app.sandbox.calls("ORDER-CAP"), 2);
    assert_eq!(app.sandbox.query_calls("ORDER-CAP"), 1);
    assert_eq!(order_status(&app, "ORDER-CAP").await, "CANCEL_FAILED");
    assert_eq!(worker_pass(&app, 3_600).await, 0);
}

#[tokio::test]
async fn a_person_stops_periodic_retries_with_a_note_and_only_those() {
    let app = app_with(&["ORDER-STOP", "ORDER-WAIT"]).await;
    app.sandbox
        .script("ORDER-STOP", vec![code("5005700"), Behaviour::Normal]);
    app.sandbox.script("ORDER-WAIT", vec![code("2025700")]);
    for reference in ["ORDER-STOP", "ORDER-WAIT"] {
        app.cancels
            .cancel_order(ACTOR, reference, "customer asked")
            .await
            .unwrap();
    }
    let stop = request_id(&app, "ORDER-STOP").await;
    assert!(matches!(
        app.cancels.stop_retrying(stop, OPS, "  ").await,
        Err(CancelError::InvalidInput { field: "note", .. })
    ));
    // Only a cancel on the periodic schedule can be stopped.
    let wait = request_id(&app, "ORDER-WAIT").await;
    assert!(matches!(
        app.cancels.stop_retrying(wait, OPS, "not needed").await,
        Err(CancelError::NotInState {
            state: "PENDING",
            ..
        })
    ));
    assert_eq!(
        app.cancels
            .stop_retrying(stop, OPS, "refunded by bank transfer instead")
            .await
            .unwrap(),
        OrderStatus::CancelFailed
    );
    assert_eq!(order_status(&app, "ORDER-STOP").await, "CANCEL_FAILED");
    assert_eq!(request_state(&app, "ORDER-STOP").await, "FAILED");
    let actions: Vec<(String, Option<String>)> = trail(&app, "ORDER-STOP").await;
    assert!(
        actions
            .iter()
            .any(|(a, code)| a == "cancel.stopped" && code.as_deref() == Some("5005700")),
        "{actions:?}"
    );
    // Nothing more is sent, however long.
    worker_pass(&app, 86_400).await;
    assert_eq!(app.sandbox.calls("ORDER-STOP"), 1);
    // A stopped cancel leaves the order cancellable again.
    let again = app
        .cancels
        .cancel_order(ACTOR, "ORDER-STOP", "try again")
        .await
        .unwrap();
    assert_eq!(again.order_status, OrderStatus::Cancelled);
}

#[tokio::test]
async fn operations_see_a_periodic_retry_on_the_queue_and_stop_it_over_http() {
    use cancel_desk::auth::role::Role;
    let app = app_with(&["ORDER-HTTP"]).await;
    app.sandbox.script("ORDER-HTTP", vec![code("4035715")]);
    app.cancels
        .cancel_order(ACTOR, "ORDER-HTTP", "customer asked")
        .await
        .unwrap();
    let id = request_id(&app, "ORDER-HTTP").await.to_string();
    // Finance may not work the queue.
    app.login_as(Role::Finance).await;
    let form = [
        ("id", id.as_str()),
        ("resolution", "stop_retrying"),
        ("note", "merchant asked us to stop"),
    ];
    assert_eq!(app.post_form("/api/pending/resolve", &form).await.0, 403);
    app.login_as(Role::Operations).await;
    let (status, body) = app
        .post_form("/api/pending/list", &[("state", "periodic")])
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("ORDER-HTTP"), "{body}");
    assert!(body.contains("\"periodic\":1"), "{body}");
    let (status, body) = app.post_form("/api/pending/resolve", &form).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Periodic retries stopped"), "{body}");
    assert_eq!(order_status(&app, "ORDER-HTTP").await, "CANCEL_FAILED");
    // Settled: stopping again is a conflict, not a 500.
    assert_eq!(app.post_form("/api/pending/resolve", &form).await.0, 409);
}

#[tokio::test]
async fn query_payment_details_saying_cancelled_against_a_paid_status_go_to_a_person() {
    let app = app_with(&["ORDER-MIXED"]).await;
    app.sandbox
        .script("ORDER-MIXED", vec![hang(), Behaviour::Normal]);
    let details = serde_json::json!({
        "statusDetail": {"acquirementStatus": "SUCCESS", "frozen": "false", "cancelled": "true"},
        "timeDetail": {"cancelledTime": "2026-11-26T09:00:00+07:00"},
        "amountDetail": {"voidAmount": {"value": "25000.00", "currency": "IDR"}},
    });
    app.sandbox.script_queries(
        "ORDER-MIXED",
        vec![Behaviour::Status {
            status: "00".into(),
            additional_info: details.as_object().cloned(),
        }],
    );
    app.cancels
        .cancel_order(ACTOR, "ORDER-MIXED", "customer asked")
        .await
        .unwrap();
    worker_pass(&app, 60).await;
    assert_eq!(app.sandbox.calls("ORDER-MIXED"), 1, "nothing resent");
    let attention: Option<String> =
        sqlx::query_scalar("SELECT attention FROM cancel_requests WHERE partner_reference_no = $1")
            .bind("ORDER-MIXED")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let attention = cancel_desk::attention::english(&attention.expect("held for a person"));
    assert!(
        attention.contains("its details say it was cancelled at 2026-11-26T09:00:00+07:00"),
        "{attention}"
    );
    assert!(attention.contains("void amount 25000.00"), "{attention}");
    let details: Vec<String> = sqlx::query_scalar(
        "SELECT details FROM audit_events WHERE order_ref = $1 AND action = 'dana.status_check'",
    )
    .bind("ORDER-MIXED")
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert!(details[0].contains("\"cancelled_time\""), "{details:?}");
}
