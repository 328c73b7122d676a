//! Refund Order end to end in one process: full, partial and over-the-total refunds, many at
//! once, pending and lost answers, the role matrix over HTTP, and refunds beside cancels.

use crate::common::{TestApp, order};
use crate::pending::{ACTOR, app_with, order_status};
use cancel_desk::auth::role::Role;
use cancel_desk::money::Money;
use cancel_desk::refund::model::RefundState;
use cancel_desk::refund::service::RefundError;
use cancel_desk::sandbox::scenario::Behaviour;

fn rp(rupiah: i64) -> Money {
    Money::from_minor(rupiah * 100).unwrap()
}

async fn refund_rows(app: &TestApp, reference: &str) -> Vec<(String, i64, Option<String>)> {
    sqlx::query_as(
        "SELECT state, amount_minor, last_code FROM refunds WHERE partner_reference_no = $1 ORDER BY id",
    )
    .bind(reference)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

/// One worker pass over refunds after `ahead` seconds: due times are brought closer, as
/// `pending::worker_pass` does for cancels.
async fn refund_pass(app: &TestApp, ahead: i64) -> usize {
    sqlx::query("UPDATE refunds SET next_attempt_at = next_attempt_at - $1 WHERE state IN ('IN_FLIGHT', 'PENDING')")
        .bind(ahead * 1000)
        .execute(&app.pool)
        .await
        .unwrap();
    app.refunds
        .work_due(cancel_desk::time::Timestamp::host_now())
        .await
        .unwrap()
}

async fn reserved(app: &TestApp, reference: &str) -> i64 {
    sqlx::query_scalar("SELECT refund_reserved_minor FROM orders WHERE partner_reference_no = $1")
        .bind(reference)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_full_refund_is_recorded_sent_audited_and_marks_the_order_refunded() {
    // The orders are Rp 25.000.
    let app = app_with(&["ORDER-FULL"]).await;
    let outcome = app
        .refunds
        .refund_order(ACTOR, "ORDER-FULL", rp(25_000), "goods returned")
        .await
        .unwrap();
    assert_eq!(outcome.state, RefundState::Succeeded);
    assert_eq!(outcome.entry.code, "2005800");
    assert_eq!(order_status(&app, "ORDER-FULL").await, "REFUNDED");
    assert_eq!(app.sandbox.refunded_minor("ORDER-FULL"), 2_500_000);
    let (refund_no, body): (Option<String>, String) = sqlx::query_as(
        "SELECT refund_no, request_body FROM refunds WHERE partner_reference_no = 'ORDER-FULL'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(refund_no.is_some(), "DANA's refundNo is kept");
    assert!(
        body.contains(r#""refundAmount":{"value":"25000.00","currency":"IDR"}"#),
        "{body}"
    );
    assert!(body.contains(r#""reason":"goods returned""#), "{body}");
    let actions: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, outcome FROM audit_events WHERE order_ref = 'ORDER-FULL' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let expected = [
        ("refund.intent", "pending"),
        ("dana.refund_attempt", "success"),
        ("refund.settled", "success"),
    ];
    assert_eq!(
        actions,
        expected.map(|(a, o)| (a.to_string(), o.to_string()))
    );
    // Nothing remains: another refund is refused before anything is sent.
    let again = app
        .refunds
        .refund_order(ACTOR, "ORDER-FULL", rp(1), "again")
        .await;
    assert!(
        matches!(again, Err(RefundError::NotRefundable { .. })),
        "{again:?}"
    );
    assert_eq!(app.sandbox.refund_calls("ORDER-FULL"), 1);
}

#[tokio::test]
async fn partial_refunds_add_up_to_the_total_and_never_past_it() {
    let app = app_with(&["ORDER-PART"]).await;
    for _ in 0..2 {
        let outcome = app
            .refunds
            .refund_order(ACTOR, "ORDER-PART", rp(10_000), "one item returned")
            .await
            .unwrap();
        assert_eq!(outcome.state, RefundState::Succeeded);
        assert_eq!(order_status(&app, "ORDER-PART").await, "PARTIALLY_REFUNDED");
    }
    // Rp 5.000 remains: Rp 10.000 is refused before sending, naming what remains.
    match app
        .refunds
        .refund_order(ACTOR, "ORDER-PART", rp(10_000), "too much")
        .await
    {
        Err(RefundError::ExceedsRefundable { refundable }) => assert_eq!(refundable, "Rp 5.000,00"),
        other => panic!("{other:?}"),
    }
    assert_eq!(app.sandbox.refund_calls("ORDER-PART"), 2);
    app.refunds
        .refund_order(ACTOR, "ORDER-PART", rp(5_000), "the rest")
        .await
        .unwrap();
    assert_eq!(order_status(&app, "ORDER-PART").await, "REFUNDED");
    assert_eq!(app.sandbox.refunded_minor("ORDER-PART"), 2_500_000);
    assert_eq!(reserved(&app, "ORDER-PART").await, 2_500_000);
}

#[tokio::test]
async fn ten_refunds_at_once_never_exceed_what_was_paid() {
    let app = app_with(&["ORDER-RUSH"]).await;
    let mut tasks = Vec::new();
    for i in 0..10 {
        let refunds = app.refunds.clone();
        tasks.push(tokio::spawn(async move {
            refunds
                .refund_order(ACTOR, "ORDER-RUSH", rp(5_000), &format!("rush {i}"))
                .await
        }));
    }
    let (mut made, mut refused) = (0, 0);
    for task in tasks {
        match task.await.unwrap() {
            Ok(outcome) => {
                assert_eq!(outcome.state, RefundState::Succeeded);
                made += 1;
            }
            Err(RefundError::ExceedsRefundable { .. } | RefundError::NotRefundable { .. }) => {
                refused += 1
            }
            Err(other) => panic!("{other}"),
        }
    }
    assert_eq!((made, refused), (5, 5));
    assert_eq!(app.sandbox.refunded_minor("ORDER-RUSH"), 2_500_000);
    assert_eq!(app.sandbox.refund_calls("ORDER-RUSH"), 5);
    assert_eq!(order_status(&app, "ORDER-RUSH").await, "REFUNDED");
}

#[tokio::test]
async fn a_pending_refund_is_sent_again_with_the_same_refund_number_until_dana_settles() {
    let app = app_with(&["ORDER-WAIT"]).await;
    app.sandbox.script_refunds(
        "ORDER-WAIT",
        vec![
            Behaviour::Code {
                code: "2025800".into(),
            },
            Behaviour::Normal,
        ],
    );
    let outcome = app
        .refunds
        .refund_order(ACTOR, "ORDER-WAIT", rp(25_000), "customer asked")
        .await
        .unwrap();
    assert_eq!(outcome.state, RefundState::Pending);
    assert!(outcome.next_attempt_at.is_some());
    // Not cancellable while a refund is open.
    let cancel = app
        .cancels
        .cancel_order(ACTOR, "ORDER-WAIT", "cancel instead")
        .await;
    assert!(cancel.is_err(), "{cancel:?}");
    assert_eq!(refund_pass(&app, 60).await, 1);
    assert_eq!(
        refund_rows(&app, "ORDER-WAIT").await,
        [(
            "SUCCEEDED".to_string(),
            2_500_000,
            Some("2005800".to_string())
        )]
    );
    let bodies: Vec<(String, String)> = sqlx::query_as(
        "SELECT a.external_id, r.request_body FROM refund_attempts a JOIN refunds r ON r.id = a.refund_id ORDER BY a.id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(bodies.len(), 2);
    assert_ne!(bodies[0].0, bodies[1].0, "a fresh X-EXTERNAL-ID");
    assert_eq!(order_status(&app, "ORDER-WAIT").await, "REFUNDED");
}

#[tokio::test]
async fn a_lost_answer_is_reconciled_by_sending_the_same_refund_again() {
    let app = app_with(&["ORDER-LOST"]).await;
    // DANA refunds at once but its answer is lost (past the client's 2 s timeout).
    app.sandbox.script_refunds(
        "ORDER-LOST",
        vec![Behaviour::Hold { millis: 2_500 }, Behaviour::Normal],
    );
    let outcome = app
        .refunds
        .refund_order(ACTOR, "ORDER-LOST", rp(25_000), "customer asked")
        .await
        .unwrap();
    assert_eq!(outcome.state, RefundState::Pending);
    assert_eq!(outcome.entry.code, "TIMEOUT");
    assert_eq!(app.sandbox.refunded_minor("ORDER-LOST"), 2_500_000);
    assert_eq!(refund_pass(&app, 60).await, 1);
    // DANA answered the repeat with its first answer: refunded once, settled.
    assert_eq!(app.sandbox.refund_calls("ORDER-LOST"), 2);
    assert_eq!(app.sandbox.refunded_minor("ORDER-LOST"), 2_500_000);
    assert_eq!(order_status(&app, "ORDER-LOST").await, "REFUNDED");
}

#[tokio::test]
async fn a_refused_refund_gives_its_amount_back_and_explains_why() {
    let app = TestApp::spawn().await;
    app.insert(&[order(
        "ORDER-FUNDS",
        "Budi",
        50_000_000,
        "PAID",
        1_795_453_200,
    )])
    .await;
    // DANA's sandbox answers Insufficient Funds for a refund of 435814.00.
    let outcome = app
        .refunds
        .refund_order(ACTOR, "ORDER-FUNDS", rp(435_814), "customer asked")
        .await
        .unwrap();
    assert_eq!(outcome.state, RefundState::Failed);
    assert_eq!(outcome.entry.code, "4035814");
    assert_eq!(reserved(&app, "ORDER-FUNDS").await, 0);
    assert_eq!(order_status(&app, "ORDER-FUNDS").await, "PAID");
    // Refundable again, in full.
    let outcome = app
        .refunds
        .refund_order(ACTOR, "ORDER-FUNDS", rp(500_000), "after top-up")
        .await
        .unwrap();
    assert_eq!(outcome.state, RefundState::Succeeded);
}

#[tokio::test]
async fn who_may_refund_and_bad_input_over_http() {
    let app = TestApp::spawn().await;
    app.insert(&[
        order("ORDER-HTTP", "Sari", 2_500_000, "PAID", 1_795_453_200),
        order("ORDER-UNPAID", "Sari", 2_500_000, "UNPAID", 1_795_453_200),
    ])
    .await;
    let form = |amount: &'static str| {
        [
            ("partner_reference_no", "ORDER-HTTP"),
            ("amount", amount),
            ("reason", "goods returned"),
        ]
    };
    for role in [Role::Operations, Role::Supervisor] {
        app.login_as(role).await;
        assert_eq!(
            app.post_form("/api/orders/refund", &form("10.000")).await.0,
            403,
            "{role:?}"
        );
    }
    assert_eq!(app.sandbox.refund_calls("ORDER-HTTP"), 0);
    app.login_as(Role::Finance).await;
    for (amount, field) in [
        ("ten", "amount"),
        ("0", "amount"),
        ("25.000,001", "amount"),
        ("30.000", "amount"),
    ] {
        let (status, body) = app.post_form("/api/orders/refund", &form(amount)).await;
        assert_eq!(status, 400, "{amount}: {body}");
        assert!(body.contains(field), "{amount}: {body}");
    }
    let (status, body) = app
        .post_form(
            "/api/orders/refund",
            &[
                ("partner_reference_no", "ORDER-HTTP"),
                ("amount", "10.000"),
                ("reason", " "),
            ],
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("reason"), "{body}");
    let (status, body) = app
        .post_form(
            "/api/orders/refund",
            &[
                ("partner_reference_no", "ORDER-UNPAID"),
                ("amount", "1"),
                ("reason", "x"),
            ],
        )
        .await;
    assert_eq!(status, 409, "{body}");
    let (status, body) = app.post_form("/api/orders/refund", &form("10.000")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("2005800"), "{body}");
    app.login_as(Role::Admin).await;
    let (status, body) = app.post_form("/api/orders/refund", &form("15.000")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(order_status(&app, "ORDER-HTTP").await, "REFUNDED");
    // Every role may read the refunds; the page shows them.
    app.login_as(Role::Supervisor).await;
    let (status, body) = app.get("/orders/ORDER-HTTP").await;
    assert_eq!(status, 200);
    assert!(
        body.contains("Rp 15.000,00"),
        "the order page lists the refunds"
    );
}

#[tokio::test]
async fn a_refund_after_dana_says_the_cancel_window_passed() {
    let app = app_with(&["4035700"]).await;
    let cancel = app
        .cancels
        .cancel_order(ACTOR, "4035700", "customer asked")
        .await
        .unwrap();
    assert_eq!(cancel.entry().code, "4035700");
    assert_eq!(order_status(&app, "4035700").await, "CANCEL_FAILED");
    let refund = app
        .refunds
        .refund_order(ACTOR, "4035700", rp(25_000), "cancel window passed")
        .await
        .unwrap();
    assert_eq!(refund.state, RefundState::Succeeded);
    assert_eq!(order_status(&app, "4035700").await, "REFUNDED");
}

#[tokio::test]
async fn operations_see_a_held_refund_retry_it_and_resolve_it_by_hand() {
    let app = TestApp::spawn().await;
    app.insert(&[order(
        "ORDER-HELD",
        "Rudi",
        50_000_000,
        "PAID",
        1_795_453_200,
    )])
    .await;
    // DANA's sandbox keeps a refund of 225800.00 "in progress".
    let outcome = app
        .refunds
        .refund_order(ACTOR, "ORDER-HELD", rp(225_800), "customer asked")
        .await
        .unwrap();
    assert_eq!(
        (outcome.state, outcome.entry.code),
        (RefundState::Pending, "2025800")
    );
    // Two hours on (the age limit is one hour) the worker stops and a person must look.
    let later = app
        .refunds
        .clone()
        .with_clock(cancel_desk::clock::Clock::database().shifted(2 * 3600));
    let now = cancel_desk::time::Timestamp::host_now().plus_seconds(2 * 3600);
    assert_eq!(later.work_due(now).await.unwrap(), 1);
    assert_eq!(
        later.work_due(now.plus_seconds(600)).await.unwrap(),
        0,
        "held"
    );
    assert_eq!(
        app.sandbox.refund_calls("ORDER-HELD"),
        1,
        "nothing sent once too old"
    );
    let id: i64 =
        sqlx::query_scalar("SELECT id FROM refunds WHERE partner_reference_no = 'ORDER-HELD'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let id = id.to_string();

    app.login_as(Role::Finance).await;
    assert_eq!(app.post_form("/api/refunds/pending", &[]).await.0, 403);
    assert_eq!(
        app.post_form("/api/refunds/retry", &[("id", &id)]).await.0,
        403
    );
    app.login_as(Role::Operations).await;
    let (status, body) = app.post_form("/api/refunds/pending", &[]).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("ORDER-HELD") && body.contains("Still pending after 60 minutes"),
        "{body}"
    );
    // The note is stored as a code: someone reading in Indonesian gets it in Indonesian.
    assert_eq!(
        app.post_form("/api/language", &[("language", "id")])
            .await
            .0,
        200
    );
    let (status, body) = app.post_form("/api/refunds/pending", &[]).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains(r#""text":"Masih tertunda setelah 60 menit;"#)
            && body.contains(r#""lang":"id""#),
        "{body}"
    );
    assert_eq!(
        app.post_form("/api/language", &[("language", "en")])
            .await
            .0,
        200
    );
    // Retry now sends the same refund again (DANA still says in progress).
    let (status, body) = app.post_form("/api/refunds/retry", &[("id", &id)]).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("2025800"), "{body}");
    assert_eq!(app.sandbox.refund_calls("ORDER-HELD"), 2);
    // Resolved by hand: not made, so its amount is refundable again.
    let (status, body) = app
        .post_form(
            "/api/refunds/resolve",
            &[("id", &id), ("resolution", "not_refunded"), ("note", " ")],
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = app
        .post_form(
            "/api/refunds/resolve",
            &[
                ("id", &id),
                ("resolution", "not_refunded"),
                ("note", "DANA support: refund 9120 was never made"),
            ],
        )
        .await;
    assert_eq!(status, 202, "{body}");
    assert!(body.contains("Sent for approval"), "{body}");
    assert!(body.contains("not refunded"), "{body}");
    // Settling by hand waits for a second person; nothing changed yet.
    assert_eq!(refund_rows(&app, "ORDER-HELD").await[0].0, "PENDING");
    // The queue shows what waits for approval on the refund's row.
    let (status, body) = app.post_form("/api/refunds/pending", &[]).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains(r#""approval":"Settling as"#) && body.contains("waits for approval"),
        "{body}"
    );
    let approval: cancel_desk::ids::ApprovalId =
        sqlx::query_scalar("SELECT id FROM approvals WHERE partner_reference_no = 'ORDER-HELD'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    app.approvals
        .approve("sari@merchant.test", approval)
        .await
        .unwrap();
    assert_eq!(reserved(&app, "ORDER-HELD").await, 0);
    assert_eq!(
        refund_rows(&app, "ORDER-HELD").await[0].0,
        "FAILED",
        "settled as not made"
    );
    let (status, _) = app.post_form("/api/refunds/retry", &[("id", &id)]).await;
    assert_eq!(status, 409, "a settled refund is not retried");
}

#[tokio::test]
async fn the_refund_confirm_step_checks_the_refund_and_writes_nothing() {
    let app = TestApp::spawn().await;
    app.insert(&[
        order("ORDER-REVIEW", "Sari", 2_500_000, "PAID", 1_795_453_200),
        order("ORDER-LARGE", "Budi", 600_000_000, "PAID", 1_795_453_200),
        order("ORDER-UNPAID", "Sari", 2_500_000, "UNPAID", 1_795_453_200),
    ])
    .await;
    let form = |reference: &'static str, amount: &'static str, reason: &'static str| {
        [
            ("partner_reference_no", reference),
            ("amount", amount),
            ("reason", reason),
        ]
    };
    const REVIEW: &str = "/api/orders/refund/review";
    const STEP: &str = "/api/orders/refund/confirm-step";
    for role in [Role::Operations, Role::Supervisor] {
        app.login_as(role).await;
        for path in [REVIEW, STEP] {
            let (status, _) = app
                .post_form(path, &form("ORDER-REVIEW", "10.000", "returned"))
                .await;
            assert_eq!(status, 403, "{role:?} {path}");
        }
    }
    app.login_as(Role::Finance).await;
    let audited = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM audit_events")
            .fetch_one(&app.pool)
            .await
            .unwrap()
    };
    let before = audited().await;
    // Refused as the refund itself would be, naming the field.
    for (reference, amount, reason, status, field) in [
        ("ORDER-REVIEW", "ten", "returned", 400, "amount"),
        ("ORDER-REVIEW", "0", "returned", 400, "amount"),
        ("ORDER-REVIEW", "30.000", "returned", 400, "amount"),
        ("ORDER-REVIEW", "10.000", " ", 400, "reason"),
        ("ORDER-UNPAID", "1", "returned", 409, ""),
        ("NO-SUCH-ORDER", "1", "returned", 404, ""),
    ] {
        for path in [REVIEW, STEP] {
            let (got, body) = app.post_form(path, &form(reference, amount, reason)).await;
            assert_eq!(got, status, "{path} {reference} {amount}: {body}");
            assert!(body.contains(field), "{path} {amount}: {body}");
        }
    }
    // The figures of the confirm step, and the step itself: what it sends, in the staff's form.
    let (status, body) = app
        .post_form(
            REVIEW,
            &form("ORDER-REVIEW", "Rp 10.000", " goods returned "),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let review: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(review["amount_display"], "Rp 10.000,00");
    assert_eq!(review["amount_input"], "10.000");
    assert_eq!(review["reason"], "goods returned");
    assert_eq!(review["refundable_after_display"], "Rp 15.000,00");
    assert_eq!(review["customer"], "Sari");
    assert_eq!(review["needs_approval"], false);
    let (status, body) = app
        .post_form(STEP, &form("ORDER-REVIEW", "10000", "goods returned"))
        .await;
    assert_eq!(status, 200, "{body}");
    let html: String = serde_json::from_str(&body).unwrap();
    for part in [
        r#"action="/api/orders/refund""#,
        r#"data-then="/orders/ORDER-REVIEW?done=refund""#,
        r#"name="amount" value="10.000""#,
        r#"name="reason" value="goods returned""#,
        "Rp 10.000,00",
        "Rp 15.000,00",
        "Confirm refund",
    ] {
        assert!(html.contains(part), "{part}: {html}");
    }
    assert!(!html.contains("approval threshold"), "{html}");
    // What staff typed arrives as text, in the line and in the hidden field alike.
    let (status, body) = app
        .post_form(
            STEP,
            &form(
                "ORDER-REVIEW",
                "10000",
                r#"<img src=x onerror=alert(1)> "x""#,
            ),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let html: String = serde_json::from_str(&body).unwrap();
    assert!(!html.contains("<img"), "{html}");
    assert!(
        html.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{html}"
    );
    assert!(
        html.contains(r#"value="&lt;img src=x onerror=alert(1)&gt; &quot;x&quot;""#),
        "{html}"
    );
    // In the language of the request, as the page it goes into.
    let indonesian = app
        .client
        .post(app.url(STEP))
        .header("accept-language", "id")
        .form(&form("ORDER-REVIEW", "10000", "goods returned"))
        .send()
        .await
        .unwrap();
    assert_eq!(indonesian.status().as_u16(), 200);
    let body = indonesian.text().await.unwrap();
    assert!(body.contains("Konfirmasi pengembalian dana"), "{body}");
    // At the approval threshold the step says the refund waits for a second person.
    let (status, body) = app
        .post_form(STEP, &form("ORDER-LARGE", "6.000.000", "goods returned"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("approval threshold"), "{body}");
    // Nothing was written, reserved or sent.
    assert!(refund_rows(&app, "ORDER-REVIEW").await.is_empty());
    assert_eq!(reserved(&app, "ORDER-REVIEW").await, 0);
    assert_eq!(app.sandbox.refund_calls("ORDER-REVIEW"), 0);
    assert_eq!(audited().await, before);
    // The order page's forms name the step and the cancel as their actions.
    let (status, page) = app.get("/orders/ORDER-REVIEW").await;
    assert_eq!(status, 200);
    assert!(
        page.contains(r#"action="/api/orders/refund/confirm-step""#),
        "{page}"
    );
    assert!(page.contains(r#"action="/api/orders/cancel""#), "{page}");
}
