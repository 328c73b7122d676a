//! Orders list at scale: seeds BENCH_ORDERS orders (default 1,000,000) with the real CLI, starts
//! the real server as a child process, and measures request latency (p50/p95/p99 over loopback,
//! sequential requests) for the first page, a deep page, searches and filters, plus the server's
//! resident memory, signed in as a finance user. Run: `cargo bench --features ssr --bench orders`
//! (SQLite), or with `BENCH_ENGINE=postgres` on a fresh database of the PostgreSQL server at
//! `CANCEL_DESK_TEST_POSTGRES_URL` (default the local one), dropped afterwards.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const WARMUP: usize = 20;
const SAMPLES: usize = 300;

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

#[path = "bench_db.rs"]
mod bench_db;
use bench_db::BenchDb;

const BENCH_EMAIL: &str = "bench@merchant.test";
const BENCH_PASSWORD: &str = "bench-password-kopi-42";

#[tokio::main]
async fn main() {
    let orders: usize = std::env::var("BENCH_ORDERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let exe = env!("CARGO_BIN_EXE_cancel-desk");
    let dir = tempfile::tempdir().unwrap();
    let database = BenchDb::new(dir.path()).await;
    let url = database.url.clone();

    let started = Instant::now();
    let seeded = Command::new(exe)
        .args(["seed", "--orders", &orders.to_string()])
        .env("DATABASE_URL", &url)
        .env("CANCEL_DESK_AUDIT_KEY_PATH", dir.path().join("audit.key"))
        .env("RUST_LOG", "warn")
        .status()
        .expect("seed runs");
    assert!(seeded.success());
    let seed_time = started.elapsed();
    let mut add = Command::new(exe)
        .args(["user", "add", "--email", BENCH_EMAIL, "--role", "finance"])
        .env("DATABASE_URL", &url)
        .env("CANCEL_DESK_AUDIT_KEY_PATH", dir.path().join("audit.key"))
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("user add runs");
    {
        use std::io::Write;
        writeln!(add.stdin.take().unwrap(), "{BENCH_PASSWORD}").unwrap();
    }
    assert!(add.wait().unwrap().success());

    // Cursors and search terms taken from the data itself.
    let pool = cancel_desk::db::connect(&url).await.unwrap();
    let (deep_key, deep_id): (i64, i64) = sqlx::query_as(
        "SELECT paid_at, id FROM orders ORDER BY paid_at DESC, id DESC LIMIT 1 OFFSET $1",
    )
    .bind((orders / 2) as i64)
    .fetch_one(&pool)
    .await
    .unwrap();
    let (partner_ref, dana_ref, name, paid_at): (String, String, String, i64) = sqlx::query_as(
        "SELECT partner_reference_no, reference_no, customer_name, paid_at FROM orders WHERE id = $1",
    )
    .bind((orders / 3) as i64)
    .fetch_one(&pool)
    .await
    .unwrap();
    // PostgreSQL writes the bulk load's dirty pages out at its next checkpoint: take it now, so
    // the measurement sees the steady state instead of that flush (needs a superuser or
    // pg_checkpoint; the local test server has one).
    if cancel_desk::db::engine(&pool) == cancel_desk::db::Engine::Postgres
        && let Err(err) = sqlx::query("CHECKPOINT").execute(&pool).await
    {
        eprintln!("CHECKPOINT refused ({err}); measuring anyway");
    }
    pool.close().await;
    let day = cancel_desk::time::jakarta_date(cancel_desk::time::Timestamp::from_millis(paid_at));
    let first_name = name.split(' ').next().unwrap().to_string();

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(exe)
        .args(["serve", "--sandbox"])
        .env("DATABASE_URL", &url)
        .env("CANCEL_DESK_KEY_DIR", dir.path().join("keys"))
        .env("CANCEL_DESK_AUDIT_KEY_PATH", dir.path().join("audit.key"))
        .env(
            "CANCEL_DESK_AUDIT_CHECKPOINT_PATH",
            dir.path().join("checkpoints.jsonl"),
        )
        .env("CANCEL_DESK_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("server starts");
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    // The list is for signed-in staff: a finance account, signed in like a browser.
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("origin", server.base.parse().unwrap());
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .build()
        .unwrap();
    for _ in 0..200 {
        if client
            .get(format!("{}/healthz", server.base))
            .send()
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let signed_in = client
        .post(format!("{}/api/auth/login", server.base))
        .form(&[("email", BENCH_EMAIL), ("password", BENCH_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(
        signed_in.headers().contains_key("set-cookie"),
        "sign-in failed: {}",
        signed_in.status()
    );

    let q = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let scenarios: Vec<(&str, String)> = vec![
        ("first page", "/orders".into()),
        (
            "deep page (row 500,000)",
            format!("/orders?after={deep_key}.{deep_id}"),
        ),
        (
            "search: partner reference",
            format!("/orders?q={}", q(&partner_ref)),
        ),
        (
            "search: DANA reference",
            format!("/orders?q={}", q(&dana_ref)),
        ),
        ("search: full name", format!("/orders?q={}", q(&name))),
        (
            "search: first name only",
            format!("/orders?q={}", q(&first_name)),
        ),
        (
            "filter: status CANCELLED",
            "/orders?status=CANCELLED".into(),
        ),
        ("filter: one day", format!("/orders?from={day}&to={day}")),
        (
            "filter: status + day, by amount",
            format!("/orders?status=PAID&from={day}&to={day}&sort=amount_desc"),
        ),
        (
            "sort: amount, deep",
            "/orders?sort=amount_asc&after=5000000.1".into(),
        ),
    ];

    println!(
        "\n{orders} orders seeded in {:.1} s\n",
        seed_time.as_secs_f64()
    );
    println!("| request | p50 ms | p95 ms | p99 ms | max ms | rows |");
    println!("|---|---|---|---|---|---|");
    for (name, path) in &scenarios {
        let url = format!("{}{}", server.base, path);
        let mut rows = 0;
        for _ in 0..WARMUP {
            let body = client.get(&url).send().await.unwrap().text().await.unwrap();
            rows = body.matches("class=\"mono ref-link\"").count();
        }
        // A page with no rows measures nothing (a sign-in page, an empty search).
        assert!(rows > 0, "{name}: no rows on {path}");
        let mut samples = Vec::with_capacity(SAMPLES);
        for _ in 0..SAMPLES {
            let t = Instant::now();
            let response = client.get(&url).send().await.unwrap();
            assert!(
                response.status().is_success(),
                "{name}: {}",
                response.status()
            );
            response.bytes().await.unwrap();
            samples.push(t.elapsed());
        }
        samples.sort();
        println!(
            "| {name} | {} | {} | {} | {} | {rows} |",
            ms(percentile(&samples, 50.0)),
            ms(percentile(&samples, 95.0)),
            ms(percentile(&samples, 99.0)),
            ms(*samples.last().unwrap()),
        );
    }
    let pid = server.child.id();
    println!(
        "\nserver memory: VmRSS {} MiB, peak VmHWM {} MiB",
        status_kib(pid, "VmRSS:") / 1024,
        status_kib(pid, "VmHWM:") / 1024
    );
    drop(server);
    database.drop_database().await;
}
