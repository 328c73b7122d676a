//! The pending-cancel queue under a backlog: queueing cancels, the worker draining them against
//! the sandbox, and the reads behind /pending and /metrics with that many open cancels.
//! Run: `cargo bench --features ssr --bench queue` (SQLite), or with `BENCH_ENGINE=postgres`.

use std::time::{Duration, Instant};

use cancel_desk::cancel::policy::QueuePolicy;
use cancel_desk::cancel::service::CancelService;
use cancel_desk::config::Config;
use cancel_desk::db::{self, orders::NewOrder};
use cancel_desk::sandbox::scenario::Behaviour;

const CANCELS: usize = 2_000;
const READS: usize = 200;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "| {name} | {} | {} | {} |",
        ms(percentile(&samples, 50.0)),
        ms(percentile(&samples, 99.0)),
        ms(*samples.last().unwrap()),
    );
}

fn own_status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[path = "bench_db.rs"]
mod bench_db;

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let database = bench_db::BenchDb::new(dir.path()).await;
    let url = database.url.clone();
    let config = Config::from_lookup(|name| match name {
        "DATABASE_URL" => Some(url.clone()),
        "CANCEL_DESK_KEY_DIR" => Some(dir.path().join("keys").display().to_string()),
        _ => None,
    })
    .unwrap();
    let pool = db::connect(&config.database_url).await.unwrap();
    db::migrate(&pool).await.unwrap();
    std::fs::create_dir_all(&config.key_dir).unwrap();
    std::fs::write(
        config.key_dir.join("sandbox_private.pem"),
        include_str!("../tests/fixtures/dana/private_pkcs8.pem"),
    )
    .unwrap();
    std::fs::write(
        config.key_dir.join("sandbox_public.pem"),
        include_str!("../tests/fixtures/dana/public.pem"),
    )
    .unwrap();
    let references: Vec<String> = (0..CANCELS).map(|i| format!("QUEUE{i:08}")).collect();
    let orders: Vec<NewOrder> = references
        .iter()
        .map(|r| NewOrder {
            partner_reference_no: r.clone(),
            reference_no: Some(format!("DANA{r}")),
            merchant_id: cancel_desk::seed::DEMO_MERCHANT_ID.into(),
            sub_merchant_id: None,
            external_store_id: None,
            amount_minor: 4_250_000,
            currency: "IDR".into(),
            status: "PAID",
            paid_at: cancel_desk::time::Timestamp::from_seconds(1_795_453_200),
            customer_name: Some("Rudi Hartono".into()),
            customer_phone_masked: Some("+62 812-****-0001".into()),
            item_description: Some("Paket data".into()),
            source: cancel_desk::orders::model::OrderSource::Seed,
        })
        .collect();
    let mut tx = pool.begin().await.unwrap();
    db::orders::insert_many(
        &mut tx,
        &orders,
        cancel_desk::time::Timestamp::from_seconds(1_795_000_000),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let (dana, sandbox) = cancel_desk::server::dana_client(
        &config,
        &pool,
        |_| None,
        cancel_desk::server::DanaMode::Sandbox,
    )
    .await
    .unwrap();
    let sandbox = sandbox.unwrap();
    // As `serve` runs it.
    let _checkpointer = db::spawn_checkpointer(pool.clone());
    let service = CancelService::new(
        pool.clone(),
        dana,
        QueuePolicy::default(),
        cancel_desk::audit::key::AuditKey::from_bytes([7u8; 32]),
    );

    println!("\n{CANCELS} cancels, each answered 2025700 (in progress) first, then cancelled.\n");
    println!("| measure | p50 ms | p99 ms | max ms |");
    println!("|---|---|---|---|");
    let mut queued = Vec::with_capacity(CANCELS);
    let mut overhead = Vec::with_capacity(CANCELS);
    for r in &references {
        sandbox.script(
            r,
            vec![
                Behaviour::Code {
                    code: "2025700".into(),
                },
                Behaviour::Normal,
            ],
        );
        let t = Instant::now();
        let outcome = service
            .cancel_order("bench@merchant.test", r, "bench")
            .await
            .unwrap();
        let total = t.elapsed();
        queued.push(total);
        // Cancel Desk's own share: everything but the wait for DANA's (the sandbox's) answer.
        overhead.push(total.saturating_sub(outcome.attempts[0].latency));
        assert!(outcome.queued.is_some());
    }
    report(
        "staff cancel, overhead excluding DANA's answer (target p99 < 5 ms)",
        overhead,
    );
    report(
        "staff cancel answered 2025700: intent, attempt, audit, queued",
        queued,
    );

    let now = cancel_desk::time::Timestamp::host_now();
    let clock = cancel_desk::clock::Clock::database();
    let mut depth = Vec::with_capacity(READS);
    let mut listing = Vec::with_capacity(READS);
    for _ in 0..READS {
        let t = Instant::now();
        std::hint::black_box(
            cancel_desk::observability::queue_gauges(&pool, &clock)
                .await
                .unwrap(),
        );
        depth.push(t.elapsed());
        let t = Instant::now();
        std::hint::black_box(db::cancels::open_requests(&pool, 1_000).await.unwrap());
        listing.push(t.elapsed());
    }
    report(
        &format!("/metrics queue gauges (depth by state, worker lag), {CANCELS} open"),
        depth,
    );
    report(
        &format!("/pending rows query (first 1,000 of {CANCELS} open)"),
        listing,
    );

    // Everything due at once: one worker pass drains the backlog.
    sqlx::query("UPDATE cancel_requests SET next_attempt_at = $1")
        .bind(now.plus_seconds(-1))
        .execute(&pool)
        .await
        .unwrap();
    let t = Instant::now();
    let worked = service
        .work_due(cancel_desk::time::Timestamp::host_now())
        .await
        .unwrap();
    let drained = t.elapsed();
    assert_eq!(worked, CANCELS);
    let cancelled: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM orders WHERE status = 'CANCELLED'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(cancelled as usize, CANCELS);
    println!(
        "\nworker drain: {CANCELS} due cancels retried and settled in {:.2} s ({:.0} per second, one server)",
        drained.as_secs_f64(),
        CANCELS as f64 / drained.as_secs_f64()
    );
    println!(
        "process memory (bench, sandbox and server code in one process): VmRSS {} MiB, peak VmHWM {} MiB",
        own_status_kib("VmRSS:") / 1024,
        own_status_kib("VmHWM:") / 1024
    );
    pool.close().await;
    database.drop_database().await;
}
