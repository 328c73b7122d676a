//! DANA client costs: signing + serialisation per request, and the full cancel round trip against
//! the sandbox on loopback (both in this process). Run: `cargo bench --features ssr --bench dana`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cancel_desk::dana::client::DanaClient;
use cancel_desk::dana::clock::SystemClock;
use cancel_desk::dana::config::DanaConfig;
use cancel_desk::dana::signing::{MerchantKey, PublicKey};
use cancel_desk::dana::types::{Amount, CancelOrderRequest};
use cancel_desk::money::Money;
use cancel_desk::sandbox::scenario::Scripts;
use cancel_desk::sandbox::{self, OrderBook, SandboxConfig, SandboxOrder};

const SIGN_SAMPLES: usize = 2_000;
const ROUND_TRIPS: usize = 2_000;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
}

fn request(i: usize) -> CancelOrderRequest {
    CancelOrderRequest {
        original_partner_reference_no: format!("BENCH{i:010}"),
        original_reference_no: Some(format!("DANA{i:010}")),
        original_external_id: None,
        merchant_id: "216620000041231234567".into(),
        sub_merchant_id: Some("DIV-RETAIL".into()),
        reason: Some("Customer cancelled the order at the counter".into()),
        external_store_id: Some("JKT-SENAYAN-01".into()),
        amount: Some(Amount::from_money(
            Money::from_minor(1_500_000).unwrap(),
            "IDR",
        )),
        additional_info: Some(serde_json::Map::new()),
    }
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let total: Duration = samples.iter().sum();
    println!(
        "| {name} | {} | {} | {} | {:.0} |",
        ms(percentile(&samples, 50.0)),
        ms(percentile(&samples, 99.0)),
        ms(*samples.last().unwrap()),
        samples.len() as f64 / total.as_secs_f64()
    );
}

#[tokio::main]
async fn main() {
    let key = MerchantKey::from_pem_text(include_str!("../tests/fixtures/dana/private_pkcs8.pem"))
        .unwrap();
    let public =
        PublicKey::from_pem_text(include_str!("../tests/fixtures/dana/public.pem")).unwrap();
    let orders = (0..ROUND_TRIPS).map(|i| SandboxOrder {
        partner_reference_no: format!("BENCH{i:010}"),
        reference_no: Some(format!("DANA{i:010}")),
        merchant_id: "216620000041231234567".into(),
        amount: Money::from_minor(1_500_000).unwrap(),
        currency: "IDR".into(),
        paid_at: 1_795_453_200,
        cancelled: false,
        paid: true,
        refunded: false,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sandbox = sandbox::spawn(
        listener,
        SandboxConfig {
            public_key: public,
            partner_id: None,
            orders: OrderBook::fixed(orders),
            clock: Arc::new(SystemClock),
            strict: false,
            scripts: Scripts::default(),
            query_scripts: Scripts::default(),
            refund_scripts: Scripts::default(),
        },
    )
    .unwrap();
    let config = DanaConfig {
        base_url: sandbox.base_url(),
        partner_id: "BENCH-CLIENT".into(),
        merchant_id: "216620000041231234567".into(),
        channel_id: "95221".into(),
        origin: None,
        key,
        debug_mode: false,
    };
    let client = DanaClient::new(config);

    println!("\n| measure | p50 ms | p99 ms | max ms | per second |");
    println!("|---|---|---|---|---|");
    let mut signing = Vec::with_capacity(SIGN_SAMPLES);
    for i in 0..SIGN_SAMPLES {
        let r = request(i);
        let t = Instant::now();
        let signed = client.sign_cancel(&r).unwrap();
        signing.push(t.elapsed());
        std::hint::black_box(signed);
    }
    report("validate + serialise + sign one request", signing);

    let mut trips = Vec::with_capacity(ROUND_TRIPS);
    for i in 0..ROUND_TRIPS {
        let r = request(i);
        let t = Instant::now();
        let attempt = client.cancel_order(&r).await.unwrap();
        trips.push(t.elapsed());
        assert_eq!(attempt.entry().code, "2005700");
    }
    report(
        "full cancel round trip (sign, send, sandbox verifies, answer, classify)",
        trips,
    );
    sandbox.shutdown();
}
