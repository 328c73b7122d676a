//! Orders coming in, at scale. Run: `cargo bench --features ssr --bench intake` (SQLite), or
//! with `BENCH_ENGINE=postgres` (a fresh database on `CANCEL_DESK_TEST_POSTGRES_URL`).
//!
//! - CSV import: `cancel-desk import orders` (the real binary) on files of 100,000 and
//!   BENCH_CSV_ROWS (default 1,000,000) rows into an empty database: wall time, rows per second
//!   and the process's peak resident memory (VmHWM, read from /proc while it runs), so the two
//!   sizes show whether memory stays flat.
//! - Order intake API: the real server, batches of 1,000 orders posted one after another with a
//!   bearer token: orders accepted per second, and per-batch latency.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "bench_db.rs"]
mod bench_db;
use bench_db::BenchDb;

fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

fn write_csv(path: &std::path::Path, rows: usize) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(
        file,
        "partner_reference_no,merchant_id,amount,paid_at,customer_name,customer_phone,item_description"
    )
    .unwrap();
    for i in 0..rows {
        writeln!(
            file,
            "INV-{i:09},216620000000000000000,{}.{:02},2026-11-{:02}T{:02}:{:02}:00+07:00,\"Pelanggan {i}, Jakarta\",0812{:08},Pulsa {i}",
            10_000 + (i * 37) % 2_000_000,
            i % 100,
            1 + i % 25,
            i % 24,
            i % 60,
            i % 100_000_000,
        )
        .unwrap();
    }
    file.flush().unwrap();
}

/// Runs an import of `rows` rows into a fresh database: (seconds, peak RSS in MiB).
async fn import(exe: &str, rows: usize) -> (f64, u64) {
    let dir = tempfile::tempdir().unwrap();
    let database = BenchDb::new(dir.path()).await;
    let csv = dir.path().join("orders.csv");
    write_csv(&csv, rows);
    // Migrate first, so the timing is the import alone.
    let migrated = Command::new(exe)
        .arg("migrate")
        .env("DATABASE_URL", &database.url)
        .env("CANCEL_DESK_AUDIT_KEY_PATH", dir.path().join("audit.key"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(migrated.success());
    let started = Instant::now();
    let mut child = Command::new(exe)
        .args(["import", "orders", csv.to_str().unwrap()])
        .env("DATABASE_URL", &database.url)
        .env("CANCEL_DESK_AUDIT_KEY_PATH", dir.path().join("audit.key"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut peak = 0;
    while child.try_wait().unwrap().is_none() {
        if let Some(kib) = status_kib(pid, "VmHWM:") {
            peak = peak.max(kib);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let seconds = started.elapsed().as_secs_f64();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("{rows} created")), "{text}");
    database.drop_database().await;
    (seconds, peak / 1024)
}

async fn api(exe: &str, batches: usize) -> (f64, Vec<Duration>) {
    let dir = tempfile::tempdir().unwrap();
    let database = BenchDb::new(dir.path()).await;
    let env = |c: &mut Command| {
        c.env("DATABASE_URL", &database.url)
            .env("CANCEL_DESK_KEY_DIR", dir.path().join("keys"))
            .env("CANCEL_DESK_AUDIT_KEY_PATH", dir.path().join("audit.key"))
            .env(
                "CANCEL_DESK_AUDIT_CHECKPOINT_PATH",
                dir.path().join("checkpoints.jsonl"),
            )
            .env("RUST_LOG", "warn");
    };
    let mut create = Command::new(exe);
    create.args(["token", "create", "--name", "bench"]);
    env(&mut create);
    let out = create.output().unwrap();
    assert!(out.status.success());
    let token = String::from_utf8_lossy(&out.stdout)
        .lines()
        .find(|l| l.starts_with("cdt_"))
        .unwrap()
        .to_string();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut serve = Command::new(exe);
    serve
        .args(["serve", "--sandbox"])
        .env("CANCEL_DESK_ADDR", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null());
    env(&mut serve);
    let mut child = serve.spawn().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut latencies = Vec::new();
    let started = Instant::now();
    for b in 0..batches {
        let orders: Vec<serde_json::Value> = (0..1000)
            .map(|i| {
                serde_json::json!({
                    "partner_reference_no": format!("API-{b:05}-{i:04}"),
                    "merchant_id": "216620000000000000000",
                    "amount": {"value": format!("{}.00", 10_000 + i * 13), "currency": "IDR"},
                    "paid_at": "2026-11-24T10:00:00+07:00",
                    "customer_name": format!("Pelanggan {b} {i}"),
                    "customer_phone": "0812-3456-7890",
                    "item_description": "Voucher game 100 diamond"
                })
            })
            .collect();
        let body = serde_json::to_vec(&serde_json::json!({ "orders": orders })).unwrap();
        let sent = Instant::now();
        let response = client
            .post(format!("{base}/api/v1/orders"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let answer: serde_json::Value = response.json().await.unwrap();
        assert_eq!(answer["created"], 1000);
        latencies.push(sent.elapsed());
    }
    let rate = (batches * 1000) as f64 / started.elapsed().as_secs_f64();
    let _ = child.kill();
    let _ = child.wait();
    database.drop_database().await;
    (rate, latencies)
}

#[tokio::main]
async fn main() {
    let exe = env!("CARGO_BIN_EXE_cancel-desk");
    let big: usize = std::env::var("BENCH_CSV_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let engine = std::env::var("BENCH_ENGINE").unwrap_or_else(|_| "sqlite".into());
    println!("engine: {engine}");
    println!("| CSV rows | time | rows/s | peak RSS |");
    println!("|---:|---:|---:|---:|");
    for rows in [100_000, big] {
        let (seconds, mib) = import(exe, rows).await;
        println!(
            "| {rows} | {seconds:.1} s | {:.0} | {mib} MiB |",
            rows as f64 / seconds
        );
    }
    let (rate, mut latencies) = api(exe, 30).await;
    latencies.sort();
    let p = |q: f64| {
        latencies[((q * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len()) - 1]
    };
    println!(
        "\nAPI: 30 batches of 1,000 orders: {rate:.0} orders/s; per batch p50 {:.0} ms, p99 {:.0} ms",
        p(0.5).as_secs_f64() * 1000.0,
        p(0.99).as_secs_f64() * 1000.0
    );
}
