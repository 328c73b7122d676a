//! The DANA client against the sandbox (strict mode unless a test says otherwise), over loopback.

use std::sync::Arc;
use std::time::Duration;

use cancel_desk::dana::catalog::{self, CATALOG, Outcome, UnexpectedReason};
use cancel_desk::dana::client::{AttemptResult, DanaClient, StatusQuery};
use cancel_desk::dana::clock::{FixedClock, SequentialExternalIds, format_timestamp};
use cancel_desk::dana::config::DanaConfig;
use cancel_desk::dana::signing::{MerchantKey, PublicKey, string_to_sign};
use cancel_desk::dana::types::{
    Amount, CANCEL_PATH, CancelOrderRequest, FieldKind, PAYMENT_SERVICE_CODE, QUERY_PATH,
    QueryPaymentRequest, REQUEST_FIELDS,
};
use cancel_desk::money::Money;
use cancel_desk::sandbox::scenario::{Behaviour, Scripts};
use cancel_desk::sandbox::{self, OrderBook, SandboxConfig, SandboxHandle, SandboxOrder};
use chrono::DateTime;
use serde_json::{Value, json};

const PKCS8: &str = include_str!("../fixtures/dana/private_pkcs8.pem");
const PUBLIC: &str = include_str!("../fixtures/dana/public.pem");
const OTHER_PRIVATE: &str = include_str!("../fixtures/dana/other_private_pkcs8.pem");
const NOW: &str = "2026-11-24T10:00:00+07:00";
const MERCHANT: &str = "216620000041231234567";
const PARTNER: &str = "2026112400000000000001";

fn now() -> DateTime<chrono::FixedOffset> {
    DateTime::parse_from_rfc3339(NOW).unwrap()
}

fn order(reference: &str, cancelled: bool) -> SandboxOrder {
    SandboxOrder {
        partner_reference_no: reference.into(),
        reference_no: Some(format!("DANA-{reference}")),
        merchant_id: MERCHANT.into(),
        amount: Money::from_minor(1_000_000).unwrap(),
        currency: "IDR".into(),
        paid_at: 1_795_453_200 + 3_600, // 2026-11-24T01:00:00+07:00
        cancelled,
        paid: true,
        refunded: false,
    }
}

async fn sandbox() -> SandboxHandle {
    sandbox_in(true).await
}

/// The sandbox as DANA is (`strict: false`) or with Cancel Desk's own extra rules.
async fn sandbox_in(strict: bool) -> SandboxHandle {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    sandbox::spawn(
        listener,
        SandboxConfig {
            public_key: PublicKey::from_pem_text(PUBLIC).unwrap(),
            partner_id: None,
            orders: OrderBook::fixed([
                order(PARTNER, false),
                order("ALREADY-CANCELLED", true),
                order("R2", false),
            ]),
            clock: Arc::new(FixedClock(now())),
            strict,
            scripts: Scripts::default(),
            query_scripts: Scripts::default(),
            refund_scripts: Scripts::default(),
        },
    )
    .unwrap()
}

fn client(sandbox: &SandboxHandle, key: &str) -> DanaClient {
    let config = DanaConfig {
        base_url: sandbox.base_url(),
        partner_id: "CLIENT-ID-1".into(),
        merchant_id: MERCHANT.into(),
        channel_id: "95221".into(),
        origin: Some("www.cancel-desk.test".into()),
        key: MerchantKey::from_pem_text(key).unwrap(),
        debug_mode: false,
    }
    .check()
    .unwrap();
    DanaClient::new(config)
        .with_clock(Arc::new(FixedClock(now())))
        .with_external_ids(Arc::new(SequentialExternalIds::new("ext")))
        .with_timeout(Duration::from_secs(1))
}

fn request(reference: &str) -> CancelOrderRequest {
    CancelOrderRequest {
        original_partner_reference_no: reference.into(),
        original_reference_no: Some(format!("DANA-{reference}")),
        original_external_id: None,
        merchant_id: MERCHANT.into(),
        sub_merchant_id: None,
        reason: Some("Customer asked to cancel".into()),
        external_store_id: None,
        amount: Some(Amount::from_money(
            Money::from_minor(1_000_000).unwrap(),
            "IDR",
        )),
        additional_info: Some(serde_json::Map::new()),
    }
}

fn answered(result: &AttemptResult) -> (u16, &str) {
    match result {
        AttemptResult::Answered {
            http_status, body, ..
        } => (*http_status, body.as_str()),
        other => panic!("expected an answer, got {other:?}"),
    }
}

/// Sends a raw request: `body` as given, signed over its minified form by `key`, with the
/// standard headers, then `edit` applied to the header list.
async fn raw(
    sandbox: &SandboxHandle,
    key: &str,
    body: &str,
    edit: impl FnOnce(&mut Vec<(String, String)>),
) -> (u16, Value) {
    let signature = MerchantKey::from_pem_text(key)
        .unwrap()
        .sign(&string_to_sign("POST", CANCEL_PATH, body.as_bytes(), NOW));
    let mut headers = vec![
        ("Content-Type".to_string(), "application/json".to_string()),
        ("X-TIMESTAMP".to_string(), NOW.to_string()),
        ("X-SIGNATURE".to_string(), signature),
        ("X-PARTNER-ID".to_string(), "CLIENT-ID-1".to_string()),
        (
            "X-EXTERNAL-ID".to_string(),
            format!("raw-{}", rand_suffix()),
        ),
        ("CHANNEL-ID".to_string(), "95221".to_string()),
    ];
    edit(&mut headers);
    let mut builder = reqwest::Client::new()
        .post(format!("{}{CANCEL_PATH}", sandbox.base_url()))
        .body(body.to_string());
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    let response = builder.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed).to_string()
}

fn body_of(reference: &str) -> String {
    String::from_utf8(request(reference).to_body()).unwrap()
}

#[tokio::test]
async fn cancels_and_answers_byte_exact() {
    let sandbox = sandbox().await;
    let attempt = client(&sandbox, PKCS8)
        .cancel_order(&request(PARTNER))
        .await
        .unwrap();
    let (status, body) = answered(&attempt.result);
    assert_eq!(status, 200);
    assert_eq!(
        body,
        format!(
            r#"{{"responseCode":"2005700","responseMessage":"Successful","originalPartnerReferenceNo":"{PARTNER}","originalReferenceNo":"DANA-{PARTNER}","cancelTime":"{NOW}","transactionDate":"2026-11-24T01:00:00+07:00","additionalInfo":{{}}}}"#
        )
    );
    assert_eq!(attempt.entry().outcome, Outcome::Success);
    assert_eq!(
        attempt.request.header("ORIGIN"),
        Some("www.cancel-desk.test")
    );
    assert_eq!(attempt.request.external_id, "ext-1");
    assert!(sandbox.is_cancelled(PARTNER));
}

#[tokio::test]
async fn a_repeated_identical_request_gets_the_same_answer_and_a_different_one_is_refused() {
    let sandbox = sandbox().await;
    let client = client(&sandbox, PKCS8);
    let first = client.cancel_order(&request(PARTNER)).await.unwrap();
    let again = client.cancel_order(&request(PARTNER)).await.unwrap();
    assert_ne!(
        first.request.external_id, again.request.external_id,
        "a retry has a fresh X-EXTERNAL-ID"
    );
    assert_eq!(
        first.request.body, again.request.body,
        "a retry sends the same body"
    );
    assert_eq!(answered(&first.result), answered(&again.result));
    let mut other = request(PARTNER);
    other.reason = Some("Another reason".into());
    assert_eq!(
        client.cancel_order(&other).await.unwrap().entry().code,
        "4045700"
    );
    assert_eq!(
        client
            .cancel_order(&request("ALREADY-CANCELLED"))
            .await
            .unwrap()
            .entry()
            .code,
        "4045700"
    );
}

#[tokio::test]
async fn knows_its_orders() {
    let sandbox = sandbox().await;
    let client = client(&sandbox, PKCS8);
    assert_eq!(
        client
            .cancel_order(&request("NO-SUCH"))
            .await
            .unwrap()
            .entry()
            .code,
        "4045701"
    );
    let mut wrong_amount = request("R2");
    wrong_amount.amount = Some(Amount {
        value: "10000.01".into(),
        currency: "IDR".into(),
    });
    let attempt = client.cancel_order(&wrong_amount).await.unwrap();
    assert_eq!(attempt.entry().code, "4005701");
    assert!(answered(&attempt.result).1.contains("amount.value"));
    let mut wrong_merchant = request("R2");
    wrong_merchant.merchant_id = "999".into();
    assert_eq!(
        client
            .cancel_order(&wrong_merchant)
            .await
            .unwrap()
            .entry()
            .code,
        "4045708"
    );
    let mut wrong_dana_ref = request("R2");
    wrong_dana_ref.original_reference_no = Some("OTHER".into());
    assert_eq!(
        client
            .cancel_order(&wrong_dana_ref)
            .await
            .unwrap()
            .entry()
            .code,
        "4045701"
    );
    assert!(!sandbox.is_cancelled("R2"));
}

#[tokio::test]
async fn accepts_pretty_json_signed_minified_and_refuses_tampering_and_wrong_keys() {
    let sandbox = sandbox().await;
    let pretty =
        serde_json::to_string_pretty(&serde_json::from_str::<Value>(&body_of("R2")).unwrap())
            .unwrap();
    // Signed over the minified form of the pretty body: accepted.
    let (status, answer) = raw(&sandbox, PKCS8, &pretty, |_| {}).await;
    assert_eq!(
        (status, answer["responseCode"].as_str()),
        (200, Some("2005700"))
    );

    // Content changed after signing.
    let signature = MerchantKey::from_pem_text(PKCS8)
        .unwrap()
        .sign(&string_to_sign(
            "POST",
            CANCEL_PATH,
            body_of(PARTNER).as_bytes(),
            NOW,
        ));
    let tampered = body_of(PARTNER).replace("10000.00", "1.00");
    let (status, answer) = raw(&sandbox, PKCS8, &tampered, |h| h[2].1 = signature).await;
    assert_eq!(
        (status, answer["responseCode"].as_str()),
        (401, Some("4015700"))
    );
    assert_eq!(answer["responseMessage"], "Unauthorized. Invalid Signature");

    // Signed with another merchant's key.
    let (status, answer) = raw(&sandbox, OTHER_PRIVATE, &body_of(PARTNER), |_| {}).await;
    assert_eq!(
        (status, answer["responseCode"].as_str()),
        (401, Some("4015700"))
    );
    assert!(!sandbox.is_cancelled(PARTNER));
}

#[tokio::test]
async fn refuses_stale_and_malformed_timestamps() {
    let sandbox = sandbox().await;
    let body = body_of(PARTNER);
    let stale = format_timestamp(now() - chrono::Duration::minutes(6));
    let stale_signature = MerchantKey::from_pem_text(PKCS8)
        .unwrap()
        .sign(&string_to_sign(
            "POST",
            CANCEL_PATH,
            body.as_bytes(),
            &stale,
        ));
    let (status, answer) = raw(&sandbox, PKCS8, &body, |h| {
        h[1].1 = stale.clone();
        h[2].1 = stale_signature;
    })
    .await;
    assert_eq!(
        (status, answer["responseCode"].as_str()),
        (401, Some("4015700"))
    );
    for malformed in [
        "2026-11-24T03:00:00Z",
        "2026-11-24 10:00:00+07:00",
        "2026-11-24T10:00:00+0700",
    ] {
        let (status, answer) =
            raw(&sandbox, PKCS8, &body, |h| h[1].1 = malformed.to_string()).await;
        assert_eq!(
            (status, answer["responseCode"].as_str()),
            (400, Some("4005701")),
            "{malformed}"
        );
        assert_eq!(
            answer["responseMessage"],
            "Invalid Field Format X-TIMESTAMP"
        );
    }
}

#[tokio::test]
async fn each_missing_header_is_named() {
    let sandbox = sandbox().await;
    for header in [
        "Content-Type",
        "X-TIMESTAMP",
        "X-SIGNATURE",
        "X-PARTNER-ID",
        "X-EXTERNAL-ID",
        "CHANNEL-ID",
    ] {
        let (status, answer) = raw(&sandbox, PKCS8, &body_of(PARTNER), |h| {
            h.retain(|(n, _)| n != header)
        })
        .await;
        assert_eq!(status, 400, "{header}");
        assert_eq!(answer["responseCode"], "4005702", "{header}");
        assert_eq!(
            answer["responseMessage"],
            format!("Invalid Mandatory Field {header}")
        );
    }
    assert!(!sandbox.is_cancelled(PARTNER));
}

#[tokio::test]
async fn header_length_limits_at_their_edges() {
    let sandbox = sandbox().await;
    for (index, name, max) in [
        (3, "X-PARTNER-ID", 36),
        (4, "X-EXTERNAL-ID", 36),
        (5, "CHANNEL-ID", 5),
    ] {
        let (_, answer) = raw(&sandbox, PKCS8, &body_of("NOT-KNOWN"), |h| {
            h[index].1 = "7".repeat(max)
        })
        .await;
        assert_eq!(
            answer["responseCode"], "4045701",
            "{name} at {max} passes the header checks"
        );
        let (status, answer) = raw(&sandbox, PKCS8, &body_of("NOT-KNOWN"), |h| {
            h[index].1 = "7".repeat(max + 1)
        })
        .await;
        assert_eq!(
            (status, answer["responseCode"].as_str()),
            (400, Some("4005701")),
            "{name} at {}",
            max + 1
        );
        assert_eq!(
            answer["responseMessage"],
            format!("Invalid Field Format {name}")
        );
    }
}

#[tokio::test]
async fn body_field_limits_at_their_edges_on_the_sandbox() {
    let sandbox = sandbox().await;
    for rule in REQUEST_FIELDS.iter().filter(|r| r.kind == FieldKind::Text) {
        let with_len = |len: usize| {
            let mut body: Value = serde_json::from_str(&body_of("NOT-KNOWN")).unwrap();
            match rule.name.split_once('.') {
                None => body[rule.name] = Value::String("7".repeat(len)),
                Some((p, c)) => body[p][c] = Value::String("7".repeat(len)),
            }
            body.to_string()
        };
        let (_, answer) = raw(&sandbox, PKCS8, &with_len(rule.max_chars), |_| {}).await;
        let code = answer["responseCode"].as_str().unwrap().to_string();
        assert!(
            code != "4005701" && code != "4005702",
            "{} at {} passes: got {code}",
            rule.name,
            rule.max_chars
        );
        let (status, answer) = raw(&sandbox, PKCS8, &with_len(rule.max_chars + 1), |_| {}).await;
        assert_eq!(
            (status, answer["responseCode"].as_str()),
            (400, Some("4005701")),
            "{}",
            rule.name
        );
        assert_eq!(
            answer["responseMessage"],
            format!("Invalid Field Format {}", rule.name)
        );
    }
    let mut missing: Value = serde_json::from_str(&body_of(PARTNER)).unwrap();
    missing
        .as_object_mut()
        .unwrap()
        .remove("originalPartnerReferenceNo");
    let (_, answer) = raw(&sandbox, PKCS8, &missing.to_string(), |_| {}).await;
    assert_eq!(
        answer["responseMessage"],
        "Invalid Mandatory Field originalPartnerReferenceNo"
    );
    let (status, answer) = raw(&sandbox, PKCS8, "{not json", |_| {}).await;
    assert_eq!(
        (status, answer["responseCode"].as_str()),
        (400, Some("4005700"))
    );
}

#[tokio::test]
async fn the_client_refuses_an_invalid_request_before_sending() {
    let sandbox = sandbox().await;
    let mut long = request(PARTNER);
    long.reason = Some("r".repeat(257));
    let err = client(&sandbox, PKCS8)
        .cancel_order(&long)
        .await
        .unwrap_err();
    assert_eq!(err.field, "reason");
    long.reason = Some("r".repeat(256));
    assert!(client(&sandbox, PKCS8).cancel_order(&long).await.is_ok());
    assert_eq!(
        sandbox.calls(PARTNER),
        1,
        "only the valid request reached DANA"
    );
}

#[tokio::test]
async fn every_catalog_code_is_produced_and_mapped() {
    let sandbox = sandbox().await;
    let client = client(&sandbox, PKCS8);
    for entry in CATALOG.iter().filter(|e| e.http_status.is_some()) {
        // DANA's sandbox convention: the partner reference names the code (2005700 via a real order).
        let reference = if entry.code == "2005700" {
            PARTNER
        } else {
            entry.code
        };
        let attempt = client.cancel_order(&request(reference)).await.unwrap();
        let (status, _) = answered(&attempt.result);
        assert_eq!(Some(status), entry.http_status, "{}", entry.code);
        let got = attempt.entry();
        assert_eq!(got.code, entry.code);
        assert_eq!(
            (got.outcome, got.retry),
            (entry.outcome, entry.retry),
            "{}",
            entry.code
        );
    }
}

#[tokio::test]
async fn a_total_timeout_is_tried_three_times_with_the_same_body_then_stops() {
    let sandbox = sandbox().await;
    sandbox.script(PARTNER, vec![Behaviour::Hang { millis: 3_000 }]);
    let mut seen = Vec::new();
    let attempts = client(&sandbox, PKCS8)
        .cancel_order_retrying_timeouts(&request(PARTNER), |a| seen.push(a.number))
        .await
        .unwrap();
    assert_eq!(seen, vec![1, 2, 3]);
    assert_eq!(attempts.len(), 3);
    assert!(
        attempts.iter().all(
            |a| a.result == AttemptResult::TimedOut && a.entry().code == catalog::TOTAL_TIMEOUT
        )
    );
    assert!(
        attempts
            .iter()
            .all(|a| a.request.body == attempts[0].request.body)
    );
    let ids: std::collections::HashSet<_> = attempts
        .iter()
        .map(|a| a.request.external_id.clone())
        .collect();
    assert_eq!(ids.len(), 3, "each attempt has its own X-EXTERNAL-ID");
}

#[tokio::test]
async fn timeouts_stop_retrying_once_dana_answers() {
    let sandbox = sandbox().await;
    sandbox.script(
        PARTNER,
        vec![
            Behaviour::Hang { millis: 3_000 },
            Behaviour::Code {
                code: "2025700".into(),
            },
        ],
    );
    let attempts = client(&sandbox, PKCS8)
        .cancel_order_retrying_timeouts(&request(PARTNER), |_| {})
        .await
        .unwrap();
    let codes: Vec<_> = attempts.iter().map(|a| a.entry().code).collect();
    assert_eq!(codes, vec![catalog::TOTAL_TIMEOUT, "2025700"]);
    assert_eq!(attempts[1].entry().outcome, Outcome::Pending);
}

#[tokio::test]
async fn no_server_at_all_counts_as_total_timeout() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let sandbox = sandbox().await;
    let mut config = client(&sandbox, PKCS8).config().clone();
    config.base_url = format!("http://{addr}");
    let attempt = DanaClient::new(config)
        .cancel_order(&request(PARTNER))
        .await
        .unwrap();
    assert!(matches!(attempt.result, AttemptResult::Transport(_)));
    assert_eq!(attempt.entry().code, catalog::TOTAL_TIMEOUT);
}

#[tokio::test]
async fn an_oversized_answer_is_not_read_and_counts_as_unknown() {
    // A peer that answers with far more than any DANA answer: the client stops reading.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let huge = format!(
        "{{\"responseCode\":\"2005700\",\"pad\":\"{}\"}}",
        "x".repeat(cancel_desk::dana::client::MAX_RESPONSE_BYTES * 4)
    );
    let app = axum::Router::new().fallback(move || {
        let body = huge.clone();
        async move { ([("content-type", "application/json")], body) }
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    let sandbox = sandbox().await;
    let mut config = client(&sandbox, PKCS8).config().clone();
    config.base_url = format!("http://{addr}");
    let attempt = DanaClient::new(config)
        .cancel_order(&request(PARTNER))
        .await
        .unwrap();
    match &attempt.result {
        AttemptResult::Transport(err) => assert!(err.contains("larger than"), "{err}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(attempt.entry().code, catalog::TOTAL_TIMEOUT);
}

#[tokio::test]
async fn off_contract_answers_from_the_sandbox_are_unexpected() {
    let sandbox = sandbox().await;
    let client = client(&sandbox, PKCS8);
    for (behaviour, reason) in [
        (Behaviour::EmptyBody, UnexpectedReason::EmptyBody),
        (Behaviour::MalformedJson, UnexpectedReason::NotJson),
    ] {
        sandbox.script(PARTNER, vec![behaviour]);
        let attempt = client.cancel_order(&request(PARTNER)).await.unwrap();
        match &attempt.result {
            AttemptResult::Answered { classification, .. } => {
                assert_eq!(classification.unexpected, Some(reason))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(attempt.entry().code, catalog::UNEXPECTED);
        assert_ne!(attempt.entry().outcome, Outcome::Success);
    }
    for (reference, reason) in [
        ("SANDBOX-EMPTY-BODY", UnexpectedReason::EmptyBody),
        ("SANDBOX-MALFORMED-JSON", UnexpectedReason::NotJson),
    ] {
        let attempt = client.cancel_order(&request(reference)).await.unwrap();
        let AttemptResult::Answered { classification, .. } = &attempt.result else {
            panic!()
        };
        assert_eq!(classification.unexpected, Some(reason));
    }
}

/// A stub that answers with a fixed status and body, for the shapes the sandbox never sends.
async fn stub(status: u16, body: &'static str) -> String {
    use axum::{Router, http::StatusCode, routing::post};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().route(
        CANCEL_PATH,
        post(move || async move { (StatusCode::from_u16(status).unwrap(), body) }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

#[tokio::test]
async fn every_unexpected_shape_from_the_wire() {
    let sandbox = sandbox().await;
    let base = client(&sandbox, PKCS8).config().clone();
    for (status, body, reason) in [
        (200, "", UnexpectedReason::EmptyBody),
        (200, "<html>gateway</html>", UnexpectedReason::NotJson),
        (
            200,
            r#"{"responseMessage":"Successful"}"#,
            UnexpectedReason::MissingResponseCode,
        ),
        (
            200,
            r#"{"responseCode":"20057"}"#,
            UnexpectedReason::MalformedCode("20057".into()),
        ),
        (
            200,
            r#"{"responseCode":"2005500","responseMessage":"Successful"}"#,
            UnexpectedReason::WrongServiceCode("2005500".into()),
        ),
        (
            500,
            r#"{"responseCode":"2005700","responseMessage":"Successful"}"#,
            UnexpectedReason::HttpStatusMismatch {
                code: "2005700".into(),
                http_status: 500,
            },
        ),
        (
            400,
            r#"{"responseCode":"4005799","responseMessage":"?"}"#,
            UnexpectedReason::UnknownCode("4005799".into()),
        ),
    ] {
        let mut config = base.clone();
        config.base_url = stub(status, body).await;
        let attempt = DanaClient::new(config)
            .cancel_order(&request(PARTNER))
            .await
            .unwrap();
        let AttemptResult::Answered { classification, .. } = &attempt.result else {
            panic!("{body}")
        };
        assert_eq!(classification.unexpected.as_ref(), Some(&reason), "{body}");
        assert_eq!(attempt.entry().code, catalog::UNEXPECTED);
    }
}

#[tokio::test]
async fn a_reused_external_id_is_refused() {
    let sandbox = sandbox().await;
    let client = client(&sandbox, PKCS8);
    let signed = client
        .sign_cancel_with(&request("R2"), NOW, "same-id")
        .unwrap();
    let first = client.send(signed.clone(), 1).await;
    assert_eq!(first.entry().code, "2005700");
    let replay = client.send(signed, 2).await;
    assert_eq!(answered(&replay.result).0, 409);
    assert_eq!(replay.entry().code, catalog::UNEXPECTED);
}

#[test]
fn request_json_matches_the_seed_field_names() {
    let v: Value = serde_json::from_slice(&request(PARTNER).to_body()).unwrap();
    assert_eq!(v["amount"], json!({"value": "10000.00", "currency": "IDR"}));
    assert!(
        v.get("originalExternalId").is_none(),
        "absent optionals are omitted"
    );
}

#[test]
fn the_default_timeout_is_the_seeds_eight_seconds() {
    let config = DanaConfig {
        base_url: "http://127.0.0.1:9".into(),
        partner_id: "P".into(),
        merchant_id: MERCHANT.into(),
        channel_id: "95221".into(),
        origin: None,
        key: MerchantKey::from_pem_text(PKCS8).unwrap(),
        debug_mode: false,
    };
    assert_eq!(DanaClient::new(config).timeout(), Duration::from_secs(8));
}

fn query(reference: &str) -> QueryPaymentRequest {
    QueryPaymentRequest {
        original_partner_reference_no: reference.into(),
        original_reference_no: Some(format!("DANA-{reference}")),
        original_external_id: None,
        service_code: PAYMENT_SERVICE_CODE.into(),
        transaction_date: None,
        amount: None,
        merchant_id: MERCHANT.into(),
        sub_merchant_id: None,
        external_store_id: None,
        additional_info: None,
    }
}

fn status_of(q: &StatusQuery) -> Option<&'static str> {
    q.transaction_status().map(|s| s.code)
}

#[tokio::test]
async fn query_payment_tells_paid_from_cancelled_including_a_cancel_whose_answer_was_lost() {
    let sandbox = sandbox().await;
    let dana = client(&sandbox, PKCS8).with_timeout(Duration::from_millis(300));

    let paid = dana.query_payment(&query(PARTNER)).await.unwrap();
    assert_eq!(paid.entry().code, "2005500");
    assert_eq!(status_of(&paid), Some("00"));
    assert_eq!(paid.request.path, QUERY_PATH);
    assert!(
        paid.request
            .url
            .ends_with("/payment-gateway/v1.0/debit/status.htm")
    );

    let before = dana
        .query_payment(&query("ALREADY-CANCELLED"))
        .await
        .unwrap();
    assert_eq!(status_of(&before), Some("05"));

    // The sandbox cancels, then holds its answer past the client's timeout: the answer is lost.
    sandbox.script(PARTNER, vec![Behaviour::Hold { millis: 2_000 }]);
    let lost = dana.cancel_order(&request(PARTNER)).await.unwrap();
    assert_eq!(lost.result, AttemptResult::TimedOut);
    assert!(sandbox.is_cancelled(PARTNER));
    let after = dana.query_payment(&query(PARTNER)).await.unwrap();
    assert_eq!(status_of(&after), Some("05"), "{after:?}");
    assert_eq!(sandbox.query_calls(PARTNER), 2);

    let unknown = dana.query_payment(&query("NOBODY")).await.unwrap();
    assert_eq!(unknown.entry().code, "4045501");
    assert_eq!(status_of(&unknown), None);
}

#[tokio::test]
async fn query_payment_is_signed_over_its_own_path_and_checked_like_cancel() {
    let sandbox = sandbox().await;
    // A Query Payment body signed as if for the cancel path is refused with service 55's code.
    let body = r#"{"originalPartnerReferenceNo":"R2","serviceCode":"54","merchantId":"216620000041231234567"}"#;
    let signature = MerchantKey::from_pem_text(PKCS8)
        .unwrap()
        .sign(&string_to_sign("POST", CANCEL_PATH, body.as_bytes(), NOW));
    let response = reqwest::Client::new()
        .post(format!("{}{QUERY_PATH}", sandbox.base_url()))
        .header("Content-Type", "application/json")
        .header("X-TIMESTAMP", NOW)
        .header("X-SIGNATURE", signature)
        .header("X-PARTNER-ID", "CLIENT-ID-1")
        .header("X-EXTERNAL-ID", "q-wrong-path")
        .header("CHANNEL-ID", "95221")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let json: Value = response.json().await.unwrap();
    assert_eq!(json["responseCode"], "4015500");

    // A serviceCode other than 54 is a field-format error, named, and caught by the client first.
    let dana = client(&sandbox, PKCS8);
    let wrong = QueryPaymentRequest {
        service_code: "57".into(),
        ..query("R2")
    };
    assert_eq!(
        dana.query_payment(&wrong).await.unwrap_err().field,
        "serviceCode"
    );
    let missing = QueryPaymentRequest {
        merchant_id: String::new(),
        ..query("R2")
    };
    let err = dana.query_payment(&missing).await.unwrap_err();
    assert_eq!((err.field.as_str(), err.missing), ("merchantId", true));
    assert_eq!(sandbox.query_calls("R2"), 0);
}

#[tokio::test]
async fn scripted_query_answers_are_classified_and_never_give_a_status() {
    let sandbox = sandbox().await;
    let dana = client(&sandbox, PKCS8).with_timeout(Duration::from_millis(300));
    sandbox.script_queries(
        "R2",
        vec![
            Behaviour::Code {
                code: "4295500".into(),
            },
            Behaviour::Code {
                code: "5005501".into(),
            },
            Behaviour::Hang { millis: 1_000 },
            Behaviour::MalformedJson,
            Behaviour::Normal,
        ],
    );
    let mut seen = Vec::new();
    for _ in 0..5 {
        let q = dana.query_payment(&query("R2")).await.unwrap();
        seen.push((q.entry().code, status_of(&q)));
    }
    assert_eq!(
        seen,
        [
            ("4295500", None),
            ("5005501", None),
            ("TIMEOUT", None),
            ("UNEXPECTED", None),
            ("2005500", Some("00")),
        ]
    );
    assert_eq!(
        catalog::lookup_query("4295500").unwrap().outcome,
        Outcome::Pending
    );
}

#[tokio::test]
async fn as_dana_the_sandbox_takes_an_empty_optional_field_as_absent_in_either_mode() {
    for strict in [false, true] {
        let sandbox = sandbox_in(strict).await;
        let body = json!({
            "originalPartnerReferenceNo": PARTNER,
            "originalReferenceNo": "",
            "originalExternalId": "",
            "merchantId": MERCHANT,
            "subMerchantId": "",
            "reason": "",
            "externalStoreId": "",
            "amount": {"value": "10000.00", "currency": "IDR"},
        })
        .to_string();
        let (status, answer) = raw(&sandbox, PKCS8, &body, |_| {}).await;
        assert_eq!(
            (status, answer["responseCode"].as_str()),
            (200, Some("2005700")),
            "strict {strict}: {answer}"
        );
        // A required field stays required, empty or not.
        let body = json!({"originalPartnerReferenceNo": "R2", "merchantId": ""}).to_string();
        let (status, answer) = raw(&sandbox, PKCS8, &body, |_| {}).await;
        assert_eq!(
            (status, answer["responseCode"].as_str()),
            (400, Some("4005702")),
            "strict {strict}: {answer}"
        );
    }
}

#[tokio::test]
async fn only_strict_mode_refuses_skew_a_different_amount_and_a_reused_external_id() {
    for strict in [false, true] {
        let sandbox = sandbox_in(strict).await;
        // A timestamp six minutes old, correctly signed.
        let body = body_of(PARTNER);
        let stale = format_timestamp(now() - chrono::Duration::minutes(6));
        let stale_signature = MerchantKey::from_pem_text(PKCS8)
            .unwrap()
            .sign(&string_to_sign(
                "POST",
                CANCEL_PATH,
                body.as_bytes(),
                &stale,
            ));
        let (status, answer) = raw(&sandbox, PKCS8, &body, |h| {
            h[1].1 = stale.clone();
            h[2].1 = stale_signature;
        })
        .await;
        let expected = if strict {
            (401, Some("4015700"))
        } else {
            (200, Some("2005700"))
        };
        assert_eq!(
            (status, answer["responseCode"].as_str()),
            expected,
            "skew, strict {strict}"
        );

        // An amount other than the order's (the order is Rp 10.000).
        let mut other = request("R2");
        other.amount = Some(Amount::from_money(
            Money::from_minor(999_900).unwrap(),
            "IDR",
        ));
        let client = client(&sandbox, PKCS8);
        let code = client.cancel_order(&other).await.unwrap().entry().code;
        assert_eq!(
            code,
            if strict { "4005701" } else { "2005700" },
            "amount, strict {strict}"
        );

        // The same X-EXTERNAL-ID twice in a day.
        let signed = client
            .sign_cancel_with(&request("ALREADY-CANCELLED"), NOW, "same-id")
            .unwrap();
        client.send(signed.clone(), 1).await;
        let replay = client.send(signed, 2).await;
        let expected = if strict { 409 } else { 404 };
        assert_eq!(
            answered(&replay.result).0,
            expected,
            "reuse, strict {strict}"
        );
    }
}

#[tokio::test]
async fn every_magic_reference_dana_documents_answers_its_code_over_the_wire() {
    let sandbox = sandbox_in(false).await;
    let client = client(&sandbox, PKCS8);
    for code in cancel_desk::sandbox::scenario::DANA_MAGIC_REFERENCES {
        let attempt = client.cancel_order(&request(code)).await.unwrap();
        let entry = catalog::lookup(code).unwrap();
        assert_eq!(attempt.entry().code, code);
        assert_eq!(
            answered(&attempt.result).0,
            entry.http_status.unwrap(),
            "{code}"
        );
    }
}

#[tokio::test]
async fn requests_carry_accept_json_an_sdk_style_external_id_and_debug_mode_only_when_asked() {
    let sandbox = sandbox_in(false).await;
    let plain = DanaClient::new(
        DanaConfig {
            base_url: sandbox.base_url(),
            partner_id: "CLIENT-ID-1".into(),
            merchant_id: MERCHANT.into(),
            channel_id: "95221".into(),
            origin: None,
            key: MerchantKey::from_pem_text(PKCS8).unwrap(),
            debug_mode: false,
        }
        .check()
        .unwrap(),
    );
    let signed = plain.sign_cancel(&request(PARTNER)).unwrap();
    assert_eq!(signed.header("Accept"), Some("application/json"));
    assert_eq!(signed.header("X-Debug-Mode"), None);
    let id = &signed.external_id;
    assert_eq!(id.len(), 36, "{id}");
    assert!(id.starts_with("sdk"), "{id}");
    // The sandbox takes it as DANA does.
    assert_eq!(plain.send(signed, 1).await.entry().code, "2005700");

    let mut config = plain.config().clone();
    config.debug_mode = true;
    let debug = DanaClient::new(config.clone().check().unwrap());
    let signed = debug.sign_cancel(&request("R2")).unwrap();
    assert_eq!(signed.header("X-Debug-Mode"), Some("true"));
    // Never towards DANA's production system.
    config.base_url = cancel_desk::dana::config::PRODUCTION_BASE_URL.into();
    assert_eq!(config.check().unwrap_err().var, "DANA_DEBUG_MODE");
}

#[tokio::test]
async fn a_success_naming_another_order_is_unexpected() {
    let sandbox = sandbox_in(false).await;
    sandbox.script(
        PARTNER,
        vec![Behaviour::Misdirected {
            reference: "R2".into(),
        }],
    );
    let attempt = client(&sandbox, PKCS8)
        .cancel_order(&request(PARTNER))
        .await
        .unwrap();
    assert_eq!(attempt.entry().code, catalog::UNEXPECTED);
    match &attempt.result {
        AttemptResult::Answered { classification, .. } => assert_eq!(
            classification.unexpected,
            Some(UnexpectedReason::OtherOrder("R2".into()))
        ),
        other => panic!("{other:?}"),
    }
    assert!(!sandbox.is_cancelled(PARTNER));
}

fn refund_request(
    reference: &str,
    refund_no: &str,
    value: &str,
) -> cancel_desk::dana::refund::RefundOrderRequest {
    cancel_desk::dana::refund::RefundOrderRequest {
        merchant_id: MERCHANT.into(),
        sub_merchant_id: None,
        original_reference_no: Some(format!("DANA-{reference}")),
        original_partner_reference_no: reference.into(),
        original_external_id: None,
        original_capture_no: None,
        partner_refund_no: refund_no.into(),
        refund_amount: Amount {
            value: value.into(),
            currency: "IDR".into(),
        },
        external_store_id: None,
        reason: Some("Customer returned the goods".into()),
        additional_info: None,
    }
}

async fn refund_code(
    client: &DanaClient,
    request: &cancel_desk::dana::refund::RefundOrderRequest,
) -> (u16, String) {
    let attempt = client
        .send_refund(client.sign_refund(request).unwrap(), 1)
        .await;
    let status = match &attempt.result {
        AttemptResult::Answered { http_status, .. } => *http_status,
        other => panic!("{other:?}"),
    };
    (status, attempt.entry().code.to_string())
}

#[tokio::test]
async fn refunds_are_answered_as_dana_answers_them() {
    let sandbox = sandbox_in(false).await;
    let client = client(&sandbox, PKCS8);
    // The orders are Rp 10.000; refunds are idempotent per partnerRefundNo.
    let first = refund_request(PARTNER, "RF-1", "4000.00");
    assert_eq!(refund_code(&client, &first).await, (200, "2005800".into()));
    assert_eq!(
        refund_code(&client, &first).await,
        (200, "2005800".into()),
        "a repeat"
    );
    assert_eq!(sandbox.refunded_minor(PARTNER), 400_000, "refunded once");
    let changed = refund_request(PARTNER, "RF-1", "5000.00");
    assert_eq!(
        refund_code(&client, &changed).await,
        (404, "4045818".into())
    );
    // The total may not pass what was paid.
    let too_much = refund_request(PARTNER, "RF-2", "6000.01");
    assert_eq!(
        refund_code(&client, &too_much).await,
        (403, "4035802".into())
    );
    let rest = refund_request(PARTNER, "RF-3", "6000.00");
    assert_eq!(refund_code(&client, &rest).await, (200, "2005800".into()));
    // A refunded payment cannot be cancelled any more.
    assert_eq!(
        client
            .cancel_order(&request(PARTNER))
            .await
            .unwrap()
            .entry()
            .code,
        "4045700"
    );
    // Unknown, cancelled, another merchant's.
    let unknown = refund_request("NO-SUCH-ORDER", "RF-4", "1.00");
    assert_eq!(
        refund_code(&client, &unknown).await,
        (404, "4045801".into())
    );
    let cancelled = refund_request("ALREADY-CANCELLED", "RF-5", "1.00");
    assert_eq!(
        refund_code(&client, &cancelled).await,
        (404, "4045800".into())
    );
    let mut other_merchant = refund_request("R2", "RF-6", "1.00");
    other_merchant.merchant_id = "216620000000000000000".into();
    assert_eq!(
        refund_code(&client, &other_merchant).await,
        (404, "4045808".into())
    );
}

#[tokio::test]
async fn every_magic_refund_amount_answers_its_code_whatever_the_order() {
    let sandbox = sandbox_in(false).await;
    let client = client(&sandbox, PKCS8);
    for (i, (amount, code)) in catalog::SANDBOX_REFUND_AMOUNTS.iter().enumerate() {
        // DANA's own scenarios send them for orders that are not even paid.
        let request = refund_request("NO-SUCH-ORDER", &format!("RF-MAGIC-{i}"), amount);
        let entry = catalog::lookup_refund(code).unwrap();
        assert_eq!(
            refund_code(&client, &request).await,
            (entry.http_status.unwrap(), code.to_string()),
            "{amount}"
        );
    }
}

#[tokio::test]
async fn a_refund_body_is_checked_field_by_field_with_refund_codes() {
    let sandbox = sandbox_in(false).await;
    let send = |body: Value| {
        let sandbox = sandbox.clone();
        async move {
            let body = body.to_string();
            let signature = MerchantKey::from_pem_text(PKCS8)
                .unwrap()
                .sign(&string_to_sign(
                    "POST",
                    cancel_desk::dana::refund::REFUND_PATH,
                    body.as_bytes(),
                    NOW,
                ));
            let response = reqwest::Client::new()
                .post(format!(
                    "{}{}",
                    sandbox.base_url(),
                    cancel_desk::dana::refund::REFUND_PATH
                ))
                .header("Content-Type", "application/json")
                .header("X-TIMESTAMP", NOW)
                .header("X-SIGNATURE", signature)
                .header("X-PARTNER-ID", "CLIENT-ID-1")
                .header("X-EXTERNAL-ID", format!("refund-{}", rand_suffix()))
                .header("CHANNEL-ID", "95221")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let json: Value = response.json().await.unwrap();
            (status, json["responseCode"].as_str().unwrap().to_string())
        }
    };
    let good = json!({
        "merchantId": MERCHANT,
        "originalPartnerReferenceNo": "R2",
        "originalReferenceNo": "",
        "partnerRefundNo": "RF-FIELDS",
        "refundAmount": {"value": "1.00", "currency": "IDR"},
        "reason": "",
    });
    assert_eq!(
        send(good.clone()).await,
        (200, "2005800".into()),
        "empty optionals are absent"
    );
    let mut no_amount = good.clone();
    no_amount.as_object_mut().unwrap().remove("refundAmount");
    assert_eq!(send(no_amount).await, (400, "4005802".into()));
    let mut bad_value = good.clone();
    bad_value["partnerRefundNo"] = json!("RF-FIELDS-2");
    bad_value["refundAmount"]["value"] = json!("10000");
    assert_eq!(send(bad_value).await, (400, "4005801".into()));
}
