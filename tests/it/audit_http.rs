//! The audit log page and its CSV export over HTTP.

use crate::common::{TestApp, order};
use cancel_desk::auth::role::Role;

async fn app_with_a_cancel() -> TestApp {
    let app = TestApp::spawn().await;
    app.insert(&[
        order("ORDER-AUD", "Siti Rahayu", 1_000_000, "PAID", 1_795_453_200),
        order("4035714", "Budi", 2_000_000, "PAID", 1_795_453_200),
    ])
    .await;
    app.login_as(Role::Finance).await;
    assert_eq!(
        app.post_form(
            "/api/orders/cancel",
            &[
                ("partner_reference_no", "ORDER-AUD"),
                ("reason", "customer, \"urgent\"")
            ]
        )
        .await
        .0,
        200
    );
    assert_eq!(
        app.post_form(
            "/api/orders/cancel",
            &[
                ("partner_reference_no", "4035714"),
                ("reason", "=cmd|' /C calc'!A0")
            ]
        )
        .await
        .0,
        200
    );
    app
}

#[tokio::test]
async fn supervisors_filter_the_log_and_see_each_dana_exchange() {
    let app = app_with_a_cancel().await;
    app.login_as(Role::Supervisor).await;
    let (status, html) = app.get("/audit?order=ORDER-AUD").await;
    assert_eq!(status, 200);
    for expected in [
        "cancel.intent",
        "dana.attempt",
        "cancel.settled",
        "finance@merchant.test",
        "2005700",
        "X-SIGNATURE",
        "x_external_id",
    ] {
        assert!(html.contains(expected), "the log shows {expected}");
    }
    assert!(!html.contains("4035714</a>"), "filtered to one order");
    let (_, html) = app.get("/audit?code=4035714&outcome=failure").await;
    assert!(html.contains("Insufficient Funds"));
    let (status, html) = app.get("/audit?outcome=great").await;
    assert_eq!(status, 400);
    assert!(html.contains("outcome"));
}

#[tokio::test]
async fn finance_may_not_read_or_export_the_log_and_is_recorded_trying() {
    let app = app_with_a_cancel().await;
    let (status, _) = app.get("/audit").await;
    assert_eq!(status, 403);
    let response = app
        .client
        .get(app.url("/audit/export.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let refused: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'access.forbidden' AND actor = 'finance@merchant.test'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(refused, 2);
}

#[tokio::test]
async fn the_csv_export_streams_the_filter_safely() {
    let app = app_with_a_cancel().await;
    app.login_as(Role::Admin).await;
    let response = app
        .client
        .get(app.url("/audit/export.csv?action=cancel.intent"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let body = response.text().await.unwrap();
    let lines: Vec<&str> = body.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "id,occurred_at_wib,actor,action,outcome,order_ref,response_code,details,hash"
    );
    assert_eq!(lines.len(), 3, "header + two intents: {body}");
    assert!(
        body.contains("\"\"urgent\\\"\"\""),
        "quotes are doubled: {body}"
    );
    assert!(!body.contains(",=cmd"), "formulas are defused");
    let exported: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'audit.exported'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(exported, 1);
    assert_eq!(
        cancel_desk::audit::verify(&app.pool, &app.audit_key)
            .await
            .unwrap()
            .first_break,
        None
    );
}

/// Compressed for a browser that asks, and complete: the body encoder reads the row stream to
/// its end and once more, which must not cut the download short.
#[tokio::test]
async fn the_csv_export_arrives_whole_when_compressed() {
    let app = app_with_a_cancel().await;
    app.login_as(Role::Admin).await;
    let plain = app
        .client
        .get(app.url("/audit/export.csv"))
        .header("accept-encoding", "identity")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(plain.lines().count() > 3, "{plain}");
    for encoding in ["gzip", "br"] {
        let response = app
            .client
            .get(app.url("/audit/export.csv"))
            .header("accept-encoding", encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-encoding"], encoding);
        // A body cut short fails here (the chunked transfer never ends properly).
        let body = response.bytes().await.expect("the whole compressed body");
        assert!(!body.is_empty() && body.len() < plain.len(), "{encoding}");
    }
}
