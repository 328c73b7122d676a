//! `cancel-desk dana cancel|refund`: a body file checked against DANA's field rules, printed
//! exactly with `--dry-run`, or sent (here to the test server's sandbox) and explained.

use std::process::Command;

use crate::common::{TestApp, order};

fn dana(app: &TestApp, args: &[&str]) -> (bool, String) {
    let key = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/dana/private_pkcs8.pem"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_cancel-desk"))
        .args(args)
        .env("DANA_BASE_URL", app.sandbox.base_url())
        .env("DANA_PARTNER_ID", "CLI-TEST")
        .env("DANA_MERCHANT_ID", cancel_desk::seed::DEMO_MERCHANT_ID)
        .env("DANA_PRIVATE_KEY_PATH", key)
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

// The sandbox answers on the test's runtime while the command blocks a thread of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dana_refund_and_cancel_from_the_command_line() {
    let app = TestApp::spawn().await;
    app.insert(&[
        order("CLI-REFUND", "Wati", 5_000_000, "PAID", 1_795_453_200),
        order("CLI-CANCEL", "Wati", 5_000_000, "PAID", 1_795_453_200),
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let refund = dir.path().join("refund.json");
    std::fs::write(
        &refund,
        serde_json::json!({
            "merchantId": cancel_desk::seed::DEMO_MERCHANT_ID,
            "originalPartnerReferenceNo": "CLI-REFUND",
            "partnerRefundNo": "CLI-RF-1",
            "refundAmount": {"value": "20000.00", "currency": "IDR"},
            "reason": "customer returned the goods",
        })
        .to_string(),
    )
    .unwrap();
    let file = refund.to_str().unwrap();
    let (ok, out) = dana(&app, &["dana", "refund", "--body-file", file, "--dry-run"]);
    assert!(ok, "{out}");
    assert!(
        out.contains("/payment-gateway/v1.0/debit/refund.htm HTTP/1.1"),
        "{out}"
    );
    assert!(out.contains("Accept: application/json"), "{out}");
    assert!(
        out.contains("# string to sign\nPOST:/payment-gateway/v1.0/debit/refund.htm:"),
        "{out}"
    );
    assert_eq!(
        app.sandbox.refund_calls("CLI-REFUND"),
        0,
        "a dry run sends nothing"
    );
    let (ok, out) = dana(&app, &["dana", "refund", "--body-file", file]);
    assert!(ok, "{out}");
    assert!(out.contains("2005800 Successful"), "{out}");
    assert_eq!(app.sandbox.refunded_minor("CLI-REFUND"), 2_000_000);
    // The same refund number with another amount: DANA's Inconsistent Request.
    std::fs::write(
        &refund,
        std::fs::read_to_string(&refund)
            .unwrap()
            .replace("20000.00", "30000.00"),
    )
    .unwrap();
    let (ok, out) = dana(&app, &["dana", "refund", "--body-file", file]);
    assert!(ok, "{out}");
    assert!(out.contains("4045818 Inconsistent Request"), "{out}");
    // A field DANA's Refund Order does not have is refused before signing.
    std::fs::write(&refund, r#"{"merchantId":"M","originalPartnerReferenceNo":"P","partnerRefundNo":"R","refundAmount":{"value":"1.00","currency":"IDR"},"amount":{}}"#).unwrap();
    let (ok, out) = dana(&app, &["dana", "refund", "--body-file", file]);
    assert!(!ok, "{out}");
    assert!(out.contains("unknown field \"amount\""), "{out}");

    let cancel = dir.path().join("cancel.json");
    std::fs::write(
        &cancel,
        serde_json::json!({
            "originalPartnerReferenceNo": "CLI-CANCEL",
            "merchantId": cancel_desk::seed::DEMO_MERCHANT_ID,
            "reason": "customer asked",
        })
        .to_string(),
    )
    .unwrap();
    let (ok, out) = dana(
        &app,
        &["dana", "cancel", "--body-file", cancel.to_str().unwrap()],
    );
    assert!(ok, "{out}");
    assert!(out.contains("2005700 Successful"), "{out}");
}
