//! DANA's Finish Notify, end to end: the sandbox DANA signs and posts, the receiver verifies,
//! upserts the order and audits, and answers in SNAP form.

use crate::common::{TestApp, order};
use cancel_desk::dana::notify::FinishNotify;
use cancel_desk::dana::signing::{MerchantKey, string_to_sign};
use cancel_desk::money::Money;
use cancel_desk::sandbox::notify::{FinishNotifier, SandboxPayment};

const PATH: &str = "/dana/finish-notify";

fn payment(reference: &str) -> SandboxPayment {
    SandboxPayment {
        partner_reference_no: reference.into(),
        merchant_id: cancel_desk::seed::DEMO_MERCHANT_ID.into(),
        amount: Money::from_minor(2_500_000).unwrap(),
    }
}

#[derive(Debug, PartialEq, Eq, sqlx::FromRow)]
struct Stored {
    status: String,
    reference_no: Option<String>,
    amount_minor: i64,
    customer_name: Option<String>,
    item_description: Option<String>,
    source: String,
    last_source: String,
    updated_at: i64,
}

async fn stored(app: &TestApp, reference: &str) -> Option<Stored> {
    sqlx::query_as(
        "SELECT status, reference_no, amount_minor, customer_name, item_description, source, \
         last_source, updated_at FROM orders WHERE partner_reference_no = $1",
    )
    .bind(reference)
    .fetch_optional(&app.pool)
    .await
    .unwrap()
}

async fn notified(app: &TestApp) -> Vec<(String, Option<String>)> {
    sqlx::query_as(
        "SELECT outcome, order_ref FROM audit_events WHERE action = 'order.notified' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

async fn order_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM orders")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// Posts `body` with the given headers, as a client other than the sandbox would.
async fn post_raw(
    app: &TestApp,
    body: &str,
    headers: &[(&str, String)],
) -> (u16, serde_json::Value) {
    let mut request = reqwest::Client::new()
        .post(app.url(PATH))
        .header("content-type", "application/json")
        .body(body.to_string());
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

fn signed(key: &MerchantKey, body: &str, names: (&str, &str)) -> Vec<(&'static str, String)> {
    let timestamp = "2026-11-24T10:00:05+07:00".to_string();
    let signature = key.sign(&string_to_sign("POST", PATH, body.as_bytes(), &timestamp));
    let leak = |s: &str| -> &'static str { Box::leak(s.to_string().into_boxed_str()) };
    vec![(leak(names.0), signature), (leak(names.1), timestamp)]
}

fn dana_key() -> MerchantKey {
    MerchantKey::from_pem_text(include_str!(
        "../fixtures/dana/sandbox_dana_private_pkcs8.pem"
    ))
    .unwrap()
}

fn notification(app: &TestApp, reference: &str) -> FinishNotify {
    app.notifier.paid_notification(&payment(reference))
}

#[tokio::test]
async fn a_signed_paid_notify_creates_the_order_and_the_same_notify_twice_changes_nothing() {
    let app = TestApp::spawn().await;
    let notify = notification(&app, "SHOP-1001");
    let (status, answer) = app.notifier.send(&notify).await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(answer.response_code, "2005600");
    assert_eq!(answer.response_message, "Successful");
    let first = stored(&app, "SHOP-1001").await.expect("order created");
    assert_eq!(first.status, "PAID");
    assert_eq!(
        first.reference_no.as_deref(),
        Some(notify.original_reference_no.as_str())
    );
    assert_eq!(first.amount_minor, 2_500_000);
    assert_eq!(
        (
            first.customer_name.as_deref(),
            first.item_description.as_deref()
        ),
        (None, None)
    );
    assert_eq!(
        (first.source.as_str(), first.last_source.as_str()),
        ("notify", "notify")
    );

    let (status, answer) = app.notifier.send(&notify).await.unwrap();
    assert_eq!((status, answer.response_code.as_str()), (200, "2005600"));
    assert_eq!(stored(&app, "SHOP-1001").await.unwrap(), first);
    assert_eq!(
        crate::common::audit_detail(&app.pool, "order.notified", "result").await,
        ["created", "unchanged"]
    );
    // Staff find it, with dashes for what only the shop knows.
    app.login_as(cancel_desk::auth::role::Role::Finance).await;
    let (status, html) = app.get("/orders/SHOP-1001").await;
    assert_eq!(status, 200);
    assert!(html.contains("DANA payment notification"), "{html}");
}

#[tokio::test]
async fn a_notify_never_moves_an_order_backwards_nor_loses_what_staff_know() {
    let app = TestApp::spawn().await;
    let mut cancelled = order(
        "SHOP-C",
        "Siti Aminah",
        2_500_000,
        "CANCELLED",
        1_795_453_200,
    );
    cancelled.reference_no = None;
    let mut paid = order("SHOP-P", "Budi Santoso", 2_500_000, "PAID", 1_795_453_200);
    paid.reference_no = None;
    app.insert(&[cancelled, paid]).await;
    let before = stored(&app, "SHOP-C").await.unwrap();

    let (_, answer) = app
        .notifier
        .send(&notification(&app, "SHOP-C"))
        .await
        .unwrap();
    assert_eq!(answer.response_code, "2005600");
    let after = stored(&app, "SHOP-C").await.unwrap();
    assert_eq!(
        after.status, "CANCELLED",
        "a late PAID notify does not undo a cancel"
    );
    assert_eq!(after.customer_name.as_deref(), Some("Siti Aminah"));
    assert!(
        after.reference_no.is_some(),
        "DANA's missing reference is filled in"
    );
    assert_eq!(before.source, after.source);

    let notify = notification(&app, "SHOP-P");
    app.notifier.send(&notify).await.unwrap();
    let paid = stored(&app, "SHOP-P").await.unwrap();
    assert_eq!(paid.status, "PAID");
    assert_eq!(paid.customer_name.as_deref(), Some("Budi Santoso"));
    assert_eq!(paid.item_description.as_deref(), Some("Pulsa Telkomsel"));
    assert_eq!(
        (paid.source.as_str(), paid.last_source.as_str()),
        ("seed", "notify")
    );
}

#[tokio::test]
async fn a_closed_notify_closes_an_unpaid_order_and_a_later_paid_one_reopens_it_as_paid() {
    let app = TestApp::spawn().await;
    let unpaid = order("SHOP-U", "Dewi Lestari", 2_500_000, "UNPAID", 1_795_453_200);
    app.insert(&[unpaid]).await;
    let mut closed = notification(&app, "SHOP-U");
    closed.latest_transaction_status = "05".into();
    closed.transaction_status_desc = Some("CLOSED".into());
    let (_, answer) = app.notifier.send(&closed).await.unwrap();
    assert_eq!(answer.response_code, "2005600");
    assert_eq!(stored(&app, "SHOP-U").await.unwrap().status, "CLOSED");
    // A status that changes no order (03 pending) is acknowledged and recorded only.
    let mut pending = notification(&app, "SHOP-U");
    pending.latest_transaction_status = "03".into();
    app.notifier.send(&pending).await.unwrap();
    assert_eq!(stored(&app, "SHOP-U").await.unwrap().status, "CLOSED");
    app.notifier
        .send(&notification(&app, "SHOP-U"))
        .await
        .unwrap();
    assert_eq!(stored(&app, "SHOP-U").await.unwrap().status, "PAID");
}

#[tokio::test]
async fn bad_signatures_headers_and_fields_get_their_snap_code_and_change_nothing() {
    let app = TestApp::spawn().await;
    let body = serde_json::to_string(&notification(&app, "SHOP-BAD")).unwrap();
    let merchant_key =
        MerchantKey::from_pem_text(include_str!("../fixtures/dana/private_pkcs8.pem")).unwrap();
    let good = signed(&dana_key(), &body, ("X-SIGNATURE", "X-TIMESTAMP"));

    // Signed with another key (the merchant's own): unauthorized.
    let (status, answer) = post_raw(
        &app,
        &body,
        &signed(&merchant_key, &body, ("X-SIGNATURE", "X-TIMESTAMP")),
    )
    .await;
    assert_eq!(
        (status, answer["responseCode"].as_str()),
        (401, Some("4015600"))
    );
    // One byte of the body changed after signing.
    let changed = body.replace("25000.00", "25000.01");
    let (status, answer) = post_raw(&app, &changed, &good).await;
    assert_eq!(
        (status, answer["responseCode"].as_str()),
        (401, Some("4015600"))
    );
    // A header missing.
    let (status, answer) = post_raw(&app, &body, &good[..1]).await;
    assert_eq!(
        (status, answer["responseCode"].as_str()),
        (401, Some("4015600"))
    );
    // Signed by DANA but a field is bad, or missing: named.
    let bad_amount = body.replace("25000.00", "25000");
    let (status, answer) = post_raw(
        &app,
        &bad_amount,
        &signed(&dana_key(), &bad_amount, ("X-SIGNATURE", "X-TIMESTAMP")),
    )
    .await;
    assert_eq!(
        (status, answer["responseCode"].as_str()),
        (400, Some("4005601"))
    );
    assert_eq!(
        answer["responseMessage"],
        "Invalid Field Format amount.value"
    );
    let mut value: serde_json::Value = serde_json::from_str(&body).unwrap();
    value.as_object_mut().unwrap().remove("merchantId");
    let missing = value.to_string();
    let (status, answer) = post_raw(
        &app,
        &missing,
        &signed(&dana_key(), &missing, ("X-SIGNATURE", "X-TIMESTAMP")),
    )
    .await;
    assert_eq!(
        (status, answer["responseCode"].as_str()),
        (400, Some("4005602"))
    );
    assert_eq!(
        answer["responseMessage"],
        "Invalid Mandatory Field merchantId"
    );

    assert_eq!(order_count(&app).await, 0, "nothing was written");
    let outcomes: Vec<String> = notified(&app).await.into_iter().map(|(o, _)| o).collect();
    assert_eq!(
        outcomes,
        ["forbidden", "forbidden", "forbidden", "failure", "failure"]
    );
}

#[tokio::test]
async fn header_names_in_any_case_and_a_body_with_spaces_are_accepted() {
    let app = TestApp::spawn().await;
    for (i, names) in [
        ("X-Signature", "X-Timestamp"),
        ("x-signature", "x-timestamp"),
    ]
    .into_iter()
    .enumerate()
    {
        let reference = format!("SHOP-CASE-{i}");
        let body = serde_json::to_string(&notification(&app, &reference)).unwrap();
        let (status, answer) = post_raw(&app, &body, &signed(&dana_key(), &body, names)).await;
        assert_eq!(
            (status, answer["responseCode"].as_str()),
            (200, Some("2005600")),
            "{names:?}"
        );
        assert_eq!(stored(&app, &reference).await.unwrap().status, "PAID");
    }
    // DANA signs the minified body; the same JSON sent with spaces after separators verifies.
    let minified = serde_json::to_string(&notification(&app, "SHOP-SPACED")).unwrap();
    let spaced = minified.replace("\":", "\": ").replace(",\"", ", \"");
    assert_ne!(spaced, minified);
    let (status, answer) = post_raw(
        &app,
        &spaced,
        &signed(&dana_key(), &minified, ("X-SIGNATURE", "X-TIMESTAMP")),
    )
    .await;
    assert_eq!(
        (status, answer["responseCode"].as_str()),
        (200, Some("2005600"))
    );
    assert!(stored(&app, "SHOP-SPACED").await.is_some());
}

#[tokio::test]
async fn a_notifier_aimed_at_another_path_is_refused() {
    let app = TestApp::spawn().await;
    let other = FinishNotifier::new(
        dana_key(),
        format!("http://{}", app.addr),
        "/dana/other".into(),
    );
    let err = other.send(&notification(&app, "SHOP-X")).await;
    // Nothing listens there: the dashboard's 404 page is not a SNAP answer.
    assert!(err.is_err());
    assert_eq!(order_count(&app).await, 0);
}

#[tokio::test]
async fn in_sandbox_mode_an_admin_has_the_sandbox_dana_pay_a_new_order_end_to_end() {
    let app = TestApp::spawn().await;
    app.login_as(cancel_desk::auth::role::Role::Finance).await;
    let (status, _) = app.post_form("/api/sandbox/pay", &[]).await;
    assert_eq!(status, 403);
    app.post_form("/api/auth/logout", &[]).await;
    app.login_as(cancel_desk::auth::role::Role::Admin).await;
    let (status, body) = app.post_form("/api/sandbox/pay", &[]).await;
    assert_eq!(status, 200, "{body}");
    let paid: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(paid["answer"], "2005600 Successful");
    let reference = paid["partner_reference_no"].as_str().unwrap();
    let order = stored(&app, reference)
        .await
        .expect("the notify created it");
    assert_eq!(
        (order.status.as_str(), order.source.as_str()),
        ("PAID", "notify")
    );
    assert_eq!(
        notified(&app).await,
        [("success".to_string(), Some(reference.to_string()))]
    );
}
