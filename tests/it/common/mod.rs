//! Test harness: the real server on a random port against a fresh temporary SQLite database.
#![allow(dead_code)]

use cancel_desk::time::Timestamp;
use std::net::SocketAddr;

use cancel_desk::config::Config;
use cancel_desk::db::{self, Pool, orders::NewOrder};
use cancel_desk::server::{self, AppState};
use tokio::net::TcpListener;

/// Every test account's password.
pub const PASSWORD: &str = "correct-horse-battery";

pub struct TestApp {
    pub addr: SocketAddr,
    pub pool: Pool,
    pub client: reqwest::Client,
    /// The embedded DANA sandbox this server's cancels go to.
    pub sandbox: cancel_desk::sandbox::SandboxHandle,
    /// The same signed client the server uses.
    pub dana: cancel_desk::dana::client::DanaClient,
    /// The server's cancel service; no worker runs in tests, they call `work_due` themselves.
    pub cancels: cancel_desk::cancel::service::CancelService,
    /// The server's refund service (no worker either: tests call `work_due`).
    pub refunds: cancel_desk::refund::service::RefundService,
    /// The server's four-eyes approvals (tests call `expire_due` and `approve` directly).
    pub approvals: cancel_desk::approval::service::ApprovalService,
    /// The key the server's audit chain is hashed with (for `audit::verify`).
    pub audit_key: cancel_desk::audit::key::AuditKey,
    /// The sandbox DANA's Finish Notify sender, aimed at this server's notify path.
    pub notifier: cancel_desk::sandbox::notify::FinishNotifier,
    pub db: TestDb,
    _dir: tempfile::TempDir,
}

/// The engine the suite runs against: `CANCEL_DESK_TEST_ENGINE=postgres` runs every test on
/// PostgreSQL (`CANCEL_DESK_TEST_POSTGRES_URL`, default the local server), anything else SQLite.
pub fn engine() -> cancel_desk::db::Engine {
    match std::env::var("CANCEL_DESK_TEST_ENGINE").as_deref() {
        Ok("postgres") => cancel_desk::db::Engine::Postgres,
        _ => cancel_desk::db::Engine::Sqlite,
    }
}

pub fn postgres_admin_url() -> String {
    std::env::var("CANCEL_DESK_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// A database as an older release left it: only the migrations before `version` applied.
pub async fn migrated_before(pool: &Pool, version: i64) {
    let mut before = match db::engine(pool) {
        db::Engine::Sqlite => sqlx::migrate!("./migrations/sqlite"),
        db::Engine::Postgres => sqlx::migrate!("./migrations/postgres"),
    };
    before.migrations = before
        .migrations
        .iter()
        .filter(|m| m.version < version)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    before.run(pool).await.unwrap();
}

/// A fresh database for one test: a file under `dir` on SQLite, or a new PostgreSQL database
/// dropped again when this value is.
pub struct TestDb {
    pub url: String,
    postgres_name: Option<String>,
}

impl TestDb {
    pub async fn new(dir: &std::path::Path, file: &str) -> Self {
        Self::new_on(engine(), dir, file).await
    }

    pub async fn new_on(
        engine: cancel_desk::db::Engine,
        dir: &std::path::Path,
        file: &str,
    ) -> Self {
        match engine {
            cancel_desk::db::Engine::Sqlite => TestDb {
                url: format!("sqlite://{}/{file}", dir.display()),
                postgres_name: None,
            },
            cancel_desk::db::Engine::Postgres => {
                use rand_name::name;
                let name = name();
                let admin = postgres_admin_url();
                let pool = db::connect(&admin).await.expect("PostgreSQL answers");
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&pool)
                    .await
                    .expect("create the test database");
                pool.close().await;
                let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
                TestDb {
                    url: format!("{base}/{name}"),
                    postgres_name: Some(name),
                }
            }
        }
    }
}

mod rand_name {
    /// `cd_test_` and 16 hex digits: unique enough for parallel tests and runs.
    pub fn name() -> String {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos(),
        );
        format!("cd_test_{:016x}", h.finish())
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.postgres_name.take() else {
            return;
        };
        // Drop runs outside async: a thread with its own runtime ends the database's sessions
        // and drops it.
        let admin = postgres_admin_url();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                if let Ok(pool) = db::connect(&admin).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&pool)
                        .await;
                    pool.close().await;
                }
            });
        })
        .join();
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(&[]).await
    }

    /// A server whose configuration also has these `CANCEL_DESK_*` variables set.
    pub async fn spawn_with(settings: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        // A test may pin the engine ("TEST_ENGINE"); otherwise the suite's.
        let engine = match settings.iter().find(|(k, _)| *k == "TEST_ENGINE") {
            Some((_, "sqlite")) => cancel_desk::db::Engine::Sqlite,
            Some((_, "postgres")) => cancel_desk::db::Engine::Postgres,
            _ => engine(),
        };
        let test_db = TestDb::new_on(engine, dir.path(), "test.db").await;
        let url = test_db.url.clone();
        let config = Config::from_lookup(|name| match name {
            "DATABASE_URL" => Some(url.clone()),
            "CANCEL_DESK_ADDR" => Some("127.0.0.1:0".to_string()),
            "CANCEL_DESK_KEY_DIR" => Some(dir.path().join("keys").display().to_string()),
            other => settings
                .iter()
                .find(|(k, _)| *k == other)
                .map(|(_, v)| v.to_string()),
        })
        .expect("test configuration");
        let pool = db::connect(&config.database_url)
            .await
            .expect("database opens");
        db::migrate(&pool).await.expect("migrations run");
        let audit_key =
            cancel_desk::audit::key::AuditKey::load_or_create(&dir.path().join("audit.key"))
                .expect("audit key");
        cancel_desk::audit::ensure_keyed(
            &pool,
            &audit_key,
            cancel_desk::audit::KeyOrigin::GeneratedNow,
        )
        .await
        .expect("audit chain keyed");
        // The fixture key pair stands in for the generated development keys.
        std::fs::create_dir_all(&config.key_dir).unwrap();
        std::fs::write(
            config.key_dir.join("sandbox_private.pem"),
            include_str!("../../fixtures/dana/private_pkcs8.pem"),
        )
        .unwrap();
        std::fs::write(
            config.key_dir.join("sandbox_public.pem"),
            include_str!("../../fixtures/dana/public.pem"),
        )
        .unwrap();
        std::fs::write(
            config.key_dir.join("sandbox_dana_private.pem"),
            include_str!("../../fixtures/dana/sandbox_dana_private_pkcs8.pem"),
        )
        .unwrap();
        std::fs::write(
            config.key_dir.join("sandbox_dana_public.pem"),
            include_str!("../../fixtures/dana/sandbox_dana_public.pem"),
        )
        .unwrap();
        let (dana, sandbox) =
            server::dana_client(&config, &pool, |_| None, server::DanaMode::Sandbox)
                .await
                .expect("embedded sandbox starts");
        // Tests need not wait DANA's 8 s to see a time-out.
        let dana = dana.with_timeout(std::time::Duration::from_secs(2));
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a random port");
        let addr = listener.local_addr().unwrap();
        // Pages say "sandbox" unless a test asks for the frame of a server talking to DANA.
        let banner = !settings.contains(&("TEST_SANDBOX_BANNER", "false"));
        let (receiver, notifier) = server::notify_setup(
            &config,
            |_| None,
            server::DanaMode::Sandbox,
            &format!("http://{addr}"),
        )
        .expect("sandbox DANA keys");
        let notifier = notifier.expect("sandbox mode has a notifier");
        let state = AppState::new(
            &config,
            pool.clone(),
            dana.clone(),
            audit_key.clone(),
            banner,
        )
        .with_notify(receiver.expect("sandbox mode receives notifies"))
        .with_sandbox_payments(notifier.clone());
        let cancels = state.cancels.clone();
        let refunds = state.refunds.clone();
        let approvals = state.approvals.clone();
        tokio::spawn(server::serve(listener, state, std::future::pending()));
        // Like a browser on our own page: cookies kept, Origin sent.
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("origin", format!("http://{addr}").parse().unwrap());
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .default_headers(headers)
            .build()
            .unwrap();
        Self {
            addr,
            pool,
            client,
            sandbox: sandbox.expect("no DANA_BASE_URL in tests"),
            dana,
            cancels,
            refunds,
            approvals,
            audit_key,
            notifier,
            db: test_db,
            _dir: dir,
        }
    }

    /// The file the server's audit key is in.
    pub fn audit_key_path(&self) -> std::path::PathBuf {
        self._dir.path().join("audit.key")
    }

    /// Creates a user with this role and signs this app's client in as them.
    pub async fn login_as(&self, role: cancel_desk::auth::role::Role) -> String {
        let email = format!("{}@merchant.test", role.as_str());
        if cancel_desk::db::users::find_by_email(&self.pool, &email)
            .await
            .unwrap()
            .is_none()
        {
            cancel_desk::auth::users::add(
                &self.pool,
                &self.audit_key,
                "system:test",
                &email,
                role,
                PASSWORD,
            )
            .await
            .unwrap();
        }
        let status = self
            .post_form(
                "/api/auth/login",
                &[("email", &email), ("password", PASSWORD)],
            )
            .await
            .0;
        assert!(status == 302 || status == 200, "sign-in answered {status}");
        email
    }

    /// POST a form (as a server function call without JavaScript): (status, body).
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let response = self
            .client
            .post(self.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    }

    /// Another browser on this app's pages: its own cookie jar, Origin sent, no redirects.
    pub fn client_for(app: &TestApp) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("origin", format!("http://{}", app.addr).parse().unwrap());
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .default_headers(headers)
            .build()
            .unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// GET a page: (status, body).
    pub async fn get(&self, path: &str) -> (u16, String) {
        let response = self
            .client
            .get(self.url(path))
            .send()
            .await
            .expect("request is answered");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    }

    pub async fn insert(&self, orders: &[NewOrder]) {
        let mut tx = self.pool.begin().await.unwrap();
        db::orders::insert_many(&mut tx, orders, Timestamp::from_seconds(1_795_000_000))
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
}

/// The string field `field` of the details of every audit event with `action`, oldest first
/// (read in Rust: the engines spell JSON access differently).
pub async fn audit_detail(pool: &Pool, action: &str, field: &str) -> Vec<String> {
    let rows: Vec<String> =
        sqlx::query_scalar("SELECT details FROM audit_events WHERE action = $1 ORDER BY id")
            .bind(action)
            .fetch_all(pool)
            .await
            .unwrap();
    rows.iter()
        .filter_map(|d| {
            let v: serde_json::Value = serde_json::from_str(d).ok()?;
            v[field].as_str().map(str::to_string)
        })
        .collect()
}

/// An order with the given reference, name, amount (sen), status and paid-at time (Unix
/// seconds, as the tests spell them).
pub fn order(
    reference: &str,
    name: &str,
    amount_minor: i64,
    status: &'static str,
    paid_at_seconds: i64,
) -> NewOrder {
    NewOrder {
        partner_reference_no: reference.to_string(),
        reference_no: Some(format!("DANA{reference}")),
        merchant_id: cancel_desk::seed::DEMO_MERCHANT_ID.to_string(),
        sub_merchant_id: None,
        external_store_id: None,
        amount_minor,
        currency: "IDR".to_string(),
        status,
        paid_at: Timestamp::from_seconds(paid_at_seconds),
        customer_name: Some(name.to_string()),
        customer_phone_masked: Some("+62 812-****-0001".to_string()),
        item_description: Some("Pulsa Telkomsel".to_string()),
        source: cancel_desk::orders::model::OrderSource::Seed,
    }
}

fn unescape(s: &str) -> String {
    s.replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

/// Text of every element with `marker` (an attribute fragment ending its start tag), in order.
pub fn texts_after(html: &str, marker: &str) -> Vec<String> {
    html.match_indices(marker)
        .map(|(i, _)| {
            let rest = &html[i + marker.len()..];
            unescape(rest[..rest.find('<').unwrap_or(rest.len())].trim())
        })
        .collect()
}

/// Partner references of the table rows, in order.
pub fn refs(html: &str) -> Vec<String> {
    texts_after(html, "class=\"mono ref-link\">")
}

/// Status values of the row badges (`<span data-status="PAID" class="badge …">`).
pub fn badge_statuses(html: &str) -> Vec<String> {
    html.match_indices("<span data-status=\"")
        .filter_map(|(i, m)| {
            let rest = &html[i + m.len()..];
            let end = rest.find('"')?;
            rest[end..]
                .starts_with("\" class=\"badge ")
                .then(|| rest[..end].to_string())
        })
        .collect()
}

/// The href of the pager link with `rel` (`next` or `prev`), if present.
pub fn pager_href(html: &str, rel: &str) -> Option<String> {
    let at = html.find(&format!("\" rel=\"{rel}\""))?;
    let start = html[..at].rfind("href=\"")? + "href=\"".len();
    Some(unescape(&html[start..at]))
}

/// A database several real `cancel-desk serve` processes share, with `references` as PAID
/// orders, a finance account `finance_email`, the audit key in `dir`, and a standalone sandbox
/// that accepts only `partner_id` and knows the orders.
pub struct SharedDatabase {
    pub dir: tempfile::TempDir,
    pub db: TestDb,
    pub pool: Pool,
    pub sandbox: cancel_desk::sandbox::SandboxHandle,
    pub audit_key: cancel_desk::audit::key::AuditKey,
}

pub async fn shared_database(
    file: &str,
    references: &[String],
    finance_email: &str,
    partner_id: &str,
) -> SharedDatabase {
    use cancel_desk::sandbox::{self, OrderBook, SandboxConfig, scenario::Scripts};
    let dir = tempfile::tempdir().unwrap();
    let test_db = TestDb::new(dir.path(), file).await;
    let pool = db::connect(&test_db.url).await.unwrap();
    db::migrate(&pool).await.unwrap();
    let audit_key =
        cancel_desk::audit::key::AuditKey::load_or_create(&dir.path().join("audit.key")).unwrap();
    let orders: Vec<_> = references
        .iter()
        .map(|r| order(r, "Agus Salim", 7_500_000, "PAID", 1_795_453_200))
        .collect();
    let mut tx = pool.begin().await.unwrap();
    db::orders::insert_many(&mut tx, &orders, Timestamp::from_seconds(1_795_000_000))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    cancel_desk::auth::users::add(
        &pool,
        &audit_key,
        "system:test",
        finance_email,
        cancel_desk::auth::role::Role::Finance,
        PASSWORD,
    )
    .await
    .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sandbox = sandbox::spawn(
        listener,
        SandboxConfig {
            public_key: cancel_desk::dana::signing::PublicKey::from_pem_text(include_str!(
                "../../fixtures/dana/public.pem"
            ))
            .unwrap(),
            partner_id: Some(partner_id.into()),
            orders: OrderBook::Database(pool.clone()),
            clock: std::sync::Arc::new(cancel_desk::dana::clock::SystemClock),
            strict: false,
            scripts: Scripts::default(),
            query_scripts: Scripts::default(),
            refund_scripts: Scripts::default(),
        },
    )
    .unwrap();
    SharedDatabase {
        dir,
        db: test_db,
        pool,
        sandbox,
        audit_key,
    }
}
