//! The order intake API: bearer tokens, a batch answered row by row, limits, and the OpenAPI
//! document it is described by.

use serde_json::{Value, json};

use crate::common::{TestApp, order};
use cancel_desk::intake::tokens;
use cancel_desk::time::Timestamp;

async fn token(app: &TestApp, name: &str) -> String {
    tokens::create(
        &app.pool,
        &app.audit_key,
        "system:test",
        name,
        Timestamp::host_now(),
    )
    .await
    .unwrap()
}

fn row(reference: &str) -> Value {
    json!({
        "partner_reference_no": reference,
        "merchant_id": cancel_desk::seed::DEMO_MERCHANT_ID,
        "amount": {"value": "150000.00", "currency": "IDR"},
        "paid_at": "2026-11-24T10:00:00+07:00",
        "customer_name": "Budi Santoso",
        "customer_phone": "0811-2345-6789",
        "item_description": "Voucher Google Play"
    })
}

async fn post(app: &TestApp, token: Option<&str>, body: &Value) -> (u16, Value, Option<String>) {
    let mut request = reqwest::Client::new()
        .post(app.url("/api/v1/orders"))
        .header("x-request-id", "support-42")
        .json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let id = response
        .headers()
        .get("x-request-id")
        .map(|v| v.to_str().unwrap().to_string());
    (status, response.json().await.unwrap(), id)
}

async fn count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM orders")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn no_token_an_unknown_or_a_revoked_token_is_401_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let batch = json!({"orders": [row("API-1")]});
    let (status, body, id) = post(&app, None, &batch).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("unauthorized"))
    );
    assert_eq!(
        id.as_deref(),
        Some("support-42"),
        "the request id is echoed"
    );
    let (status, _, _) = post(&app, Some("cdt_not-a-token"), &batch).await;
    assert_eq!(status, 401);
    let shop = token(&app, "shop").await;
    tokens::revoke(
        &app.pool,
        &app.audit_key,
        "system:test",
        "shop",
        Timestamp::host_now(),
    )
    .await
    .unwrap();
    let (status, _, _) = post(&app, Some(&shop), &batch).await;
    assert_eq!(status, 401);
    assert_eq!(count(&app).await, 0);
}

#[tokio::test]
async fn a_batch_with_good_and_bad_rows_answers_each_and_applies_the_good_ones() {
    let app = TestApp::spawn().await;
    app.insert(&[order(
        "API-CANCELLED",
        "Siti",
        15_000_000,
        "CANCELLED",
        1_795_453_200,
    )])
    .await;
    let shop = token(&app, "shop").await;
    let mut no_merchant = row("API-BAD-1");
    no_merchant.as_object_mut().unwrap().remove("merchant_id");
    let mut bad_amount = row("API-BAD-2");
    bad_amount["amount"]["value"] = json!("150000");
    let mut different_amount = row("API-CANCELLED");
    different_amount["amount"]["value"] = json!("1.00");
    let batch = json!({"orders": [
        row("API-NEW"),
        no_merchant,
        bad_amount,
        row("API-NEW"),
        different_amount,
        {"partner_reference_no": "API-BAD-3", "surprise": 1},
    ]});
    let (status, body, _) = post(&app, Some(&shop), &batch).await;
    assert_eq!(status, 200, "{body}");
    let results: Vec<(String, String)> = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["result"].as_str().unwrap().to_string(),
                r["field"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let expect = |r: &str, f: &str| (r.to_string(), f.to_string());
    assert_eq!(
        results,
        [
            expect("created", ""),
            expect("rejected", "merchant_id"),
            expect("rejected", "amount.value"),
            expect("rejected", "partner_reference_no"),
            expect("rejected", "amount.value"),
            expect("rejected", "surprise"),
        ]
    );
    assert_eq!(
        (body["created"].as_u64(), body["rejected"].as_u64()),
        (Some(1), Some(5))
    );
    assert_eq!(body["request_id"], "support-42");
    assert_eq!(count(&app).await, 2);
    let phone: String = sqlx::query_scalar(
        "SELECT customer_phone_masked FROM orders WHERE partner_reference_no = 'API-NEW'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        phone, "+62 811-****-6789",
        "the full number is never stored"
    );
    // The same batch again: the good row is unchanged now.
    let (_, again, _) = post(&app, Some(&shop), &json!({"orders": [row("API-NEW")]})).await;
    assert_eq!(again["results"][0]["result"], "unchanged");
    // A later row fills in what a notify could not know; nothing staff have is lost.
    let mut name_only = row("API-NEW");
    name_only
        .as_object_mut()
        .unwrap()
        .remove("item_description");
    name_only["customer_name"] = json!("Budi S.");
    let (_, updated, _) = post(&app, Some(&shop), &json!({"orders": [name_only]})).await;
    assert_eq!(updated["results"][0]["result"], "updated");
    let item: Option<String> = sqlx::query_scalar(
        "SELECT item_description FROM orders WHERE partner_reference_no = 'API-NEW'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(item.as_deref(), Some("Voucher Google Play"));
    assert_eq!(
        crate::common::audit_detail(&app.pool, "orders.received", "request_id").await,
        ["support-42", "support-42", "support-42"]
    );
}

#[tokio::test]
async fn a_thousand_orders_go_in_and_more_is_413() {
    let app = TestApp::spawn().await;
    let shop = token(&app, "shop").await;
    let rows: Vec<Value> = (0..1000).map(|i| row(&format!("API-{i:04}"))).collect();
    let (status, body, _) = post(&app, Some(&shop), &json!({ "orders": rows })).await;
    assert_eq!(status, 200);
    assert_eq!(body["created"], 1000);
    assert_eq!(count(&app).await, 1000);
    let rows: Vec<Value> = (0..1001).map(|i| row(&format!("API-X{i:04}"))).collect();
    let (status, body, _) = post(&app, Some(&shop), &json!({ "orders": rows })).await;
    assert_eq!((status, body["error"].as_str()), (413, Some("too_large")));
    assert_eq!(count(&app).await, 1000);
    // Not JSON, and not a batch.
    let response = reqwest::Client::new()
        .post(app.url("/api/v1/orders"))
        .bearer_auth(&shop)
        .body("partner_reference_no,amount")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 415);
    let (status, body, _) = post(&app, Some(&shop), &json!({"order": []})).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("bad_request")));
}

#[tokio::test]
async fn the_openapi_document_describes_the_endpoint_without_a_session() {
    let app = TestApp::spawn().await;
    let response = reqwest::get(app.url("/api/v1/openapi.json")).await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let doc: Value = response.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let post = &doc["paths"]["/api/v1/orders"]["post"];
    assert!(post["responses"]["200"].is_object());
    assert!(post["responses"]["401"].is_object());
    assert!(
        doc["components"]["schemas"]["OrderInput"]["properties"]["partner_reference_no"]
            .is_object()
    );
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}
