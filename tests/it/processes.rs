//! Real server processes on one database, against a sandbox in this test process: a server
//! killed (SIGKILL) mid-attempt, and two servers' workers sharing one queue.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::PASSWORD;
use cancel_desk::audit::key::AuditKey;
use cancel_desk::db::Pool;
use cancel_desk::sandbox::SandboxHandle;
use cancel_desk::sandbox::scenario::Behaviour;

const FINANCE: &str = "finance@merchant.test";

/// A `cancel-desk serve` child process, killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct World {
    dir: tempfile::TempDir,
    db: crate::common::TestDb,
    pool: Pool,
    sandbox: SandboxHandle,
    /// The audit key the servers share (`CANCEL_DESK_AUDIT_KEY_PATH` in `dir`).
    audit_key: AuditKey,
}

impl World {
    async fn new(references: &[String]) -> Self {
        let shared =
            crate::common::shared_database("shared.db", references, FINANCE, "PROCESS-TEST").await;
        Self {
            dir: shared.dir,
            db: shared.db,
            pool: shared.pool,
            sandbox: shared.sandbox,
            audit_key: shared.audit_key,
        }
    }

    /// Starts a server on the shared database with a short DANA timeout, lease and backoff.
    fn start_server(&self, dana_timeout_ms: u64, lease_seconds: u64) -> Server {
        let key = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/dana/private_pkcs8.pem"
        );
        let mut child = Command::new(env!("CARGO_BIN_EXE_cancel-desk"))
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &self.db.url)
            .env("CANCEL_DESK_ADDR", "127.0.0.1:0")
            .env("CANCEL_DESK_KEY_DIR", self.dir.path().join("keys"))
            .env(
                "CANCEL_DESK_AUDIT_KEY_PATH",
                self.dir.path().join("audit.key"),
            )
            .env(
                "CANCEL_DESK_AUDIT_CHECKPOINT_PATH",
                self.dir.path().join("audit-checkpoints.jsonl"),
            )
            .env(
                "CANCEL_DESK_AUDIT_KEY_PATH",
                self.dir.path().join("audit.key"),
            )
            .env(
                "CANCEL_DESK_AUDIT_CHECKPOINT_PATH",
                self.dir.path().join("checkpoints.jsonl"),
            )
            .env("DANA_BASE_URL", self.sandbox.base_url())
            .env("DANA_PARTNER_ID", "PROCESS-TEST")
            .env("DANA_MERCHANT_ID", cancel_desk::seed::DEMO_MERCHANT_ID)
            .env("DANA_PRIVATE_KEY_PATH", key)
            .env("DANA_TIMEOUT_MS", dana_timeout_ms.to_string())
            .env("CANCEL_DESK_LEASE_SECONDS", lease_seconds.to_string())
            .env("CANCEL_DESK_RETRY_BACKOFF_SECONDS", "1")
            .env("CANCEL_DESK_WORKER_POLL_MS", "100")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the server binary starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix("Cancel Desk is running at http://") {
                    let _ = tx.send(rest.trim_end_matches("/orders").to_string());
                }
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the server prints its address")
            .parse()
            .unwrap();
        Server { child, addr }
    }

    async fn order_status(&self, reference: &str) -> String {
        sqlx::query_scalar("SELECT status FROM orders WHERE partner_reference_no = $1")
            .bind(reference)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    /// Waits until every order reaches `status`, or fails after `limit`.
    async fn wait_for(&self, references: &[String], status: &str, limit: Duration) {
        let started = Instant::now();
        loop {
            let mut all = true;
            for r in references {
                all &= self.order_status(r).await == status;
            }
            if all {
                return;
            }
            assert!(
                started.elapsed() < limit,
                "orders did not all reach {status} within {limit:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// A signed-in browser-like client of one server.
async fn signed_in(server: &Server) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("origin", format!("http://{}", server.addr).parse().unwrap());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .default_headers(headers)
        .build()
        .unwrap();
    let status = client
        .post(format!("http://{}/api/auth/login", server.addr))
        .form(&[("email", FINANCE), ("password", PASSWORD)])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16();
    assert!(status == 302 || status == 200, "sign-in answered {status}");
    client
}

async fn post_cancel(client: &reqwest::Client, server: &Server, reference: &str) -> Option<u16> {
    client
        .post(format!("http://{}/api/orders/cancel", server.addr))
        .form(&[
            ("partner_reference_no", reference),
            ("reason", "process test"),
        ])
        .send()
        .await
        .ok()
        .map(|r| r.status().as_u16())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_attempt_is_reconciled_by_the_next_one_through_query_payment() {
    let reference = "ORDER-CRASH".to_string();
    let world = World::new(std::slice::from_ref(&reference)).await;
    // DANA cancels at once but holds its answer: the server is killed while waiting for it.
    world
        .sandbox
        .script(&reference, vec![Behaviour::Hold { millis: 120_000 }]);
    let mut first = world.start_server(3_000, 8);
    let client = signed_in(&first).await;
    let pending = {
        let (client, addr) = (client.clone(), first.addr);
        tokio::spawn(async move {
            client
                .post(format!("http://{addr}/api/orders/cancel"))
                .form(&[
                    ("partner_reference_no", "ORDER-CRASH"),
                    ("reason", "crash test"),
                ])
                .send()
                .await
                .map(|r| r.status().as_u16())
        })
    };
    let started = Instant::now();
    // Counted on arrival, cancelled a moment later (the sandbox reads its order first).
    while world.sandbox.calls(&reference) == 0 || !world.sandbox.is_cancelled(&reference) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the cancel never took effect at DANA"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The intent and the attempt are on record; DANA's answer is not.
    let (finished, order_status): (Option<i64>, String) = sqlx::query_as(
        "SELECT a.finished_at, o.status FROM cancel_attempts a JOIN cancel_requests r ON r.id = a.cancel_request_id \
         JOIN orders o ON o.id = r.order_id",
    )
    .fetch_one(&world.pool)
    .await
    .unwrap();
    assert_eq!((finished, order_status.as_str()), (None, "CANCELLING"));

    first.child.kill().unwrap(); // SIGKILL: no clean-up of any kind
    first.child.wait().unwrap();
    assert!(
        pending.await.unwrap().is_err(),
        "the browser lost its answer too"
    );

    // The next server takes the cancel once the dead server's lease runs out, asks DANA for the
    // payment's status instead of resending, and settles it.
    let _second = world.start_server(3_000, 8);
    world
        .wait_for(
            std::slice::from_ref(&reference),
            "CANCELLED",
            Duration::from_secs(40),
        )
        .await;
    assert_eq!(
        world.sandbox.calls(&reference),
        1,
        "exactly one cancel reached DANA"
    );
    assert_eq!(world.sandbox.query_calls(&reference), 1);
    let attempt: (String, Option<String>) =
        sqlx::query_as("SELECT catalog_code, transport_error FROM cancel_attempts")
            .fetch_one(&world.pool)
            .await
            .unwrap();
    assert_eq!(attempt.0, "TIMEOUT");
    assert!(attempt.1.unwrap().contains("stopped before DANA's answer"));
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_events WHERE order_ref = 'ORDER-CRASH' ORDER BY id",
    )
    .fetch_all(&world.pool)
    .await
    .unwrap();
    assert_eq!(
        actions,
        [
            "cancel.intent",
            "dana.attempt",
            "dana.status_check",
            "cancel.settled"
        ]
    );
    assert_eq!(
        cancel_desk::audit::verify(&world.pool, &world.audit_key)
            .await
            .unwrap()
            .first_break,
        None
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_refund_is_settled_by_the_next_one_with_the_same_refund_number() {
    let reference = "ORDER-REFUND-CRASH".to_string();
    let world = World::new(std::slice::from_ref(&reference)).await;
    // DANA refunds at once but holds its answer: the server is killed while waiting for it.
    world.sandbox.script_refunds(
        &reference,
        vec![Behaviour::Hold { millis: 120_000 }, Behaviour::Normal],
    );
    let mut first = world.start_server(3_000, 8);
    let client = signed_in(&first).await;
    let pending = {
        let (client, addr) = (client.clone(), first.addr);
        tokio::spawn(async move {
            client
                .post(format!("http://{addr}/api/orders/refund"))
                .form(&[
                    ("partner_reference_no", "ORDER-REFUND-CRASH"),
                    ("amount", "75.000"),
                    ("reason", "crash test"),
                ])
                .send()
                .await
                .map(|r| r.status().as_u16())
        })
    };
    let started = Instant::now();
    while world.sandbox.refunded_minor(&reference) == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the refund never took effect at DANA"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (finished, reserved): (Option<i64>, i64) = sqlx::query_as(
        "SELECT a.finished_at, o.refund_reserved_minor FROM refund_attempts a \
         JOIN refunds r ON r.id = a.refund_id JOIN orders o ON o.id = r.order_id",
    )
    .fetch_one(&world.pool)
    .await
    .unwrap();
    assert_eq!(
        (finished, reserved),
        (None, 7_500_000),
        "recorded and reserved before sending"
    );

    first.child.kill().unwrap(); // SIGKILL
    first.child.wait().unwrap();
    assert!(pending.await.unwrap().is_err());

    // The next server takes the refund once the lease runs out and sends the same body again:
    // DANA answers the repeat with its first answer, and nothing is refunded twice.
    let _second = world.start_server(3_000, 8);
    world
        .wait_for(
            std::slice::from_ref(&reference),
            "REFUNDED",
            Duration::from_secs(40),
        )
        .await;
    assert_eq!(world.sandbox.refund_calls(&reference), 2);
    assert_eq!(world.sandbox.refunded_minor(&reference), 7_500_000);
    let bodies: Vec<String> = sqlx::query_scalar("SELECT request_body FROM refunds")
        .fetch_all(&world.pool)
        .await
        .unwrap();
    assert_eq!(bodies.len(), 1, "one refund, sent twice");
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_events WHERE order_ref = 'ORDER-REFUND-CRASH' ORDER BY id",
    )
    .fetch_all(&world.pool)
    .await
    .unwrap();
    assert_eq!(
        actions,
        [
            "refund.intent",
            "dana.refund_attempt",
            "dana.refund_attempt",
            "refund.settled"
        ]
    );
    assert_eq!(
        cancel_desk::audit::verify(&world.pool, &world.audit_key)
            .await
            .unwrap()
            .first_break,
        None
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_server_processes_on_one_database_never_send_an_attempt_twice() {
    let references: Vec<String> = (0..6).map(|i| format!("ORDER-TWO-{i}")).collect();
    let world = World::new(&references).await;
    for r in &references {
        world.sandbox.script(
            r,
            vec![
                Behaviour::Code {
                    code: "2025700".into(),
                },
                Behaviour::Code {
                    code: "5005701".into(),
                },
                Behaviour::Code {
                    code: "4295700".into(),
                },
                Behaviour::Normal,
            ],
        );
    }
    let a = world.start_server(2_000, 6);
    let b = world.start_server(2_000, 6);
    let (client_a, client_b) = (signed_in(&a).await, signed_in(&b).await);
    for (i, r) in references.iter().enumerate() {
        let (client, server) = if i % 2 == 0 {
            (&client_a, &a)
        } else {
            (&client_b, &b)
        };
        assert_eq!(post_cancel(client, server, r).await, Some(200), "{r}");
    }
    world
        .wait_for(&references, "CANCELLED", Duration::from_secs(60))
        .await;
    for r in &references {
        let attempts: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM cancel_attempts a JOIN cancel_requests q ON q.id = a.cancel_request_id \
             WHERE q.partner_reference_no = $1",
        )
        .bind(r)
        .fetch_one(&world.pool)
        .await
        .unwrap();
        assert_eq!(attempts, 4, "{r}");
        assert_eq!(
            world.sandbox.calls(r),
            4,
            "{r}: DANA saw each attempt exactly once"
        );
    }
    let distinct: i64 =
        sqlx::query_scalar("SELECT COUNT(DISTINCT external_id) FROM cancel_attempts")
            .fetch_one(&world.pool)
            .await
            .unwrap();
    assert_eq!(distinct, 24);
    let workers: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT actor FROM audit_events WHERE action = 'dana.attempt' AND actor LIKE 'worker@%'",
    )
    .fetch_all(&world.pool)
    .await
    .unwrap();
    assert!(!workers.is_empty());
}
