//! Production hardening over HTTP: sign-in throttling per account and address, the client's
//! address, sessions (absolute lifetime, background polling, ended by account changes), security
//! headers, request limits, the metrics token, the audit filter and CSV export, and sandbox mode.

use std::io::{Read, Write};
use std::time::Duration;

use cancel_desk::auth::role::Role;
use cancel_desk::auth::users;

use crate::common::{PASSWORD, TestApp};

async fn add_user(app: &TestApp, email: &str, role: Role) {
    users::add(
        &app.pool,
        &app.audit_key,
        "system:test",
        email,
        role,
        PASSWORD,
    )
    .await
    .unwrap();
}

/// A fresh client (its own cookie jar) that talks like a browser on our pages.
fn browser(app: &TestApp) -> reqwest::Client {
    TestApp::client_for(app)
}

async fn sign_in(
    app: &TestApp,
    client: &reqwest::Client,
    email: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(app.url("/api/auth/login"))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap()
}

/// A sign-in that worked: a session cookie and where to go next (a 302 for a plain form post,
/// a 200 with the same Location for the browser app's own call).
fn assert_signed_in(response: &reqwest::Response) {
    assert!(
        matches!(response.status().as_u16(), 200 | 302),
        "{}",
        response.status()
    );
    assert!(response.headers().contains_key("location"));
    assert!(response.headers().contains_key("set-cookie"));
}

fn refused_count(answers: &[u16]) -> usize {
    answers.iter().filter(|s| **s == 429).count()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
}

#[tokio::test]
async fn wrong_credentials_answer_401_and_a_lock_429_with_retry_after() {
    let app = TestApp::spawn().await;
    add_user(&app, "budi@merchant.test", Role::Finance).await;
    let client = browser(&app);
    for _ in 0..5 {
        let response = sign_in(&app, &client, "budi@merchant.test", "wrong-password").await;
        assert_eq!(response.status(), 401);
        assert!(response.text().await.unwrap().contains("WrongCredentials"));
    }
    // An unknown account gets the same answer as a wrong password.
    let response = sign_in(&app, &client, "nobody@merchant.test", "wrong-password").await;
    assert_eq!(response.status(), 401);
    // The sixth try at budi's account, even with the right password, is refused for now.
    let response = sign_in(&app, &client, "budi@merchant.test", PASSWORD).await;
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=15 * 60).contains(&retry_after), "{retry_after}");
    assert!(response.text().await.unwrap().contains("TooManyAttempts"));
}

#[tokio::test]
async fn failures_on_one_account_never_lock_another_from_the_same_address() {
    let app = TestApp::spawn().await;
    add_user(&app, "admin@merchant.test", Role::Admin).await;
    let attacker = browser(&app);
    for _ in 0..6 {
        sign_in(&app, &attacker, "made-up@merchant.test", "guess").await;
    }
    let admin = browser(&app);
    let response = sign_in(&app, &admin, "admin@merchant.test", PASSWORD).await;
    assert_signed_in(&response);
}

#[tokio::test]
async fn forty_parallel_wrong_guesses_hold_at_the_limit() {
    let app = TestApp::spawn().await;
    add_user(&app, "siti@merchant.test", Role::Finance).await;
    let client = browser(&app);
    let mut guesses = Vec::new();
    for n in 0..40 {
        let client = client.clone();
        let url = app.url("/api/auth/login");
        guesses.push(tokio::spawn(async move {
            client
                .post(url)
                .form(&[
                    ("email", "siti@merchant.test"),
                    ("password", &format!("guess-{n}")),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut answers = Vec::new();
    for guess in guesses {
        answers.push(guess.await.unwrap());
    }
    let checked = answers.iter().filter(|s| **s == 401).count();
    let refused = answers.iter().filter(|s| **s == 429).count();
    assert_eq!(checked + refused, 40, "{answers:?}");
    assert_eq!(
        checked,
        cancel_desk::auth::throttle::ACCOUNT_AT_ADDRESS_LIMIT as usize,
        "exactly the limit's worth of guesses reach the password check: {answers:?}"
    );
    // The trail agrees: at most five checked failures, the rest refused as locked.
    let wrong = count(
        &app,
        "SELECT COUNT(*) FROM audit_events WHERE action = 'login.failed' AND details LIKE '%wrong password%'",
    )
    .await;
    assert_eq!(wrong as usize, checked);
    // The refusals are counted, and recorded once, not 35 times.
    let locked = count(
        &app,
        "SELECT COUNT(*) FROM audit_events WHERE action = 'login.failed' AND details LIKE '%\"why\":\"locked\"%'",
    )
    .await;
    assert_eq!(locked, 1);
    let refused: i64 = count(
        &app,
        "SELECT MAX(refused) FROM login_throttle WHERE throttle_key LIKE 'account-at:%'",
    )
    .await;
    assert_eq!(refused as usize, refused_count(&answers));
    let response = sign_in(&app, &browser(&app), "siti@merchant.test", PASSWORD).await;
    assert_eq!(response.status(), 429, "the account stays locked");
}

#[tokio::test]
async fn the_audit_records_the_real_address_and_trusts_forwarding_only_from_proxies() {
    // Not behind a proxy: X-Forwarded-For is whatever the client says, and is ignored.
    let app = TestApp::spawn().await;
    add_user(&app, "rina@merchant.test", Role::Finance).await;
    app.client
        .post(app.url("/api/auth/login"))
        .header("x-forwarded-for", "198.51.100.7")
        .form(&[("email", "rina@merchant.test"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let details: String = sqlx::query_scalar(
        "SELECT details FROM audit_events WHERE action = 'login.succeeded' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(details.contains("\"address\":\"127.0.0.1\""), "{details}");

    // Behind a trusted proxy on loopback: the rightmost hop it appended is the client.
    let app = TestApp::spawn_with(&[("CANCEL_DESK_TRUSTED_PROXIES", "127.0.0.0/8")]).await;
    add_user(&app, "rina@merchant.test", Role::Finance).await;
    app.client
        .post(app.url("/api/auth/login"))
        .header("x-forwarded-for", "203.0.113.66, 198.51.100.7")
        .form(&[("email", "rina@merchant.test"), ("password", "wrong")])
        .send()
        .await
        .unwrap();
    let details: String = sqlx::query_scalar(
        "SELECT details FROM audit_events WHERE action = 'login.failed' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(
        details.contains("\"address\":\"198.51.100.7\""),
        "{details}"
    );
}

#[tokio::test]
async fn throttle_rows_for_made_up_accounts_do_not_outlive_their_window() {
    let app = TestApp::spawn().await;
    let client = browser(&app);
    for n in 0..5 {
        sign_in(&app, &client, &format!("ghost{n}@merchant.test"), "x").await;
    }
    assert!(count(&app, "SELECT COUNT(*) FROM login_throttle").await > 5);
    // A window later, the next attempt prunes every expired row it finds.
    sqlx::query("UPDATE login_throttle SET first_failure_at = first_failure_at - 3600 * 1000")
        .execute(&app.pool)
        .await
        .unwrap();
    sign_in(&app, &client, "someone@merchant.test", "x").await;
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM login_throttle").await,
        3,
        "only the newest attempt's keys remain"
    );
}

#[tokio::test]
async fn after_sign_in_only_same_site_paths_are_followed() {
    let app = TestApp::spawn().await;
    add_user(&app, "rina@merchant.test", Role::Finance).await;
    for (next, expected) in [
        ("/orders?status=PAID", "/orders?status=PAID"),
        ("//evil.test", "/orders"),
        ("/\t/evil.test", "/orders"),
        ("/\\evil.test", "/orders"),
        ("/%09/evil.test", "/orders"),
        ("https://evil.test/", "/orders"),
        ("/pésanan", "/orders"),
        ("/orders\r\nSet-Cookie: x=1", "/orders"),
    ] {
        let response = browser(&app)
            .post(app.url("/api/auth/login"))
            .form(&[
                ("email", "rina@merchant.test"),
                ("password", PASSWORD),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_signed_in(&response);
        assert_eq!(response.headers()["location"], expected, "{next:?}");
    }
}

#[tokio::test]
async fn pages_and_calls_carry_the_security_headers() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Supervisor).await;
    let response = app.client.get(app.url("/orders")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    let csp = headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let body = response.text().await.unwrap();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("the policy names a nonce");
    assert!(nonce.len() >= 16);
    // Every script Leptos wrote carries this response's nonce.
    let scripts = body.matches("<script").count();
    assert!(scripts > 0);
    assert_eq!(
        body.matches(&format!("nonce=\"{nonce}\"")).count(),
        scripts,
        "{body}"
    );
    for part in [
        "script-src 'self' 'nonce-",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
    ] {
        assert!(csp.contains(part), "{csp}");
    }
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "same-origin");
    assert_eq!(headers["cache-control"], "no-store");
    assert!(!headers.contains_key("strict-transport-security"));
    // The sign-in page (no session) and an error page carry the page policy too.
    for (path, status) in [
        ("/login", 200),
        ("/orders/NO-SUCH-ORDER", 404),
        ("/no/such/page", 404),
    ] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), status, "{path}");
        let csp = response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(csp.contains("script-src 'self' 'nonce-"), "{path}: {csp}");
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    }
    // A second page load gets another nonce.
    let again = app.client.get(app.url("/orders")).send().await.unwrap();
    assert_ne!(again.headers()["content-security-policy"], csp.as_str());

    // A server function's answer: not stored, not sniffed, no framing.
    let call = app
        .client
        .post(app.url("/api/nav/summary"))
        .send()
        .await
        .unwrap();
    assert_eq!(call.status(), 200);
    assert_eq!(call.headers()["cache-control"], "no-store");
    assert_eq!(call.headers()["x-content-type-options"], "nosniff");
    assert!(
        call.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
}

/// The router's fallback (`web::static_files`): a file of the site root goes out with the
/// non-page policy and the revalidated cache of static files; an address that is neither a file
/// nor a page gets the not-found page, under a page policy with a nonce of its own.
#[tokio::test]
async fn the_fallback_serves_site_files_and_else_the_not_found_page() {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(
        site.path().join("favicon.svg"),
        "<svg xmlns='http://www.w3.org/2000/svg'/>",
    )
    .unwrap();
    let root = site.path().display().to_string();
    let app = TestApp::spawn_with(&[("CANCEL_DESK_SITE_ROOT", root.as_str())]).await;
    let file = app
        .client
        .get(app.url("/favicon.svg"))
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 200);
    assert_eq!(
        file.headers()["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
    );
    assert_eq!(file.headers()["cache-control"], "public, no-cache");
    assert!(file.text().await.unwrap().starts_with("<svg"));
    // Bundle files are public; other addresses need a session.
    app.login_as(Role::Finance).await;
    for path in ["/pkg/gone.wasm", "/no/such/page"] {
        let missing = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(missing.status(), 404, "{path}");
        let csp = missing.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(csp.contains("script-src 'self' 'nonce-"), "{path}: {csp}");
    }
}

#[tokio::test]
async fn over_tls_the_cookie_is_host_prefixed_and_hsts_is_sent() {
    let app = TestApp::spawn_with(&[("CANCEL_DESK_SECURE_COOKIES", "true")]).await;
    add_user(&app, "rina@merchant.test", Role::Finance).await;
    let response = sign_in(&app, &browser(&app), "rina@merchant.test", PASSWORD).await;
    assert_signed_in(&response);
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("__Host-cd_session="), "{cookie}");
    assert!(
        cookie.contains("; Secure") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains("Domain"), "{cookie}");
    assert_eq!(
        response.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
}

#[tokio::test]
async fn oversized_requests_are_refused_at_once() {
    let app = TestApp::spawn().await;
    // A 20 MB form body: 413 before anything reads it.
    let big = "a".repeat(20 * 1024 * 1024);
    let response = app
        .client
        .post(app.url("/api/auth/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("email=x%40y.id&password={big}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    // A 30 KB URL: 414.
    let long = format!("/orders?q={}", "b".repeat(30 * 1024));
    assert_eq!(app.get(&long).await.0, 414);
    // The same without a declared length (chunked): still 413, never read into a handler.
    let chunks =
        futures_util::stream::iter((0..40).map(|_| Ok::<_, std::io::Error>(vec![b'a'; 16 * 1024])));
    let response = app
        .client
        .post(app.url("/api/auth/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    // 20 KB of headers: 431.
    let response = app
        .client
        .get(app.url("/login"))
        .header("x-padding", "c".repeat(20 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 431);
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_cut_off() {
    let app = TestApp::spawn().await;
    let addr = app.addr;
    let closed = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream
            .write_all(b"GET /login HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .unwrap();
        // Bounded wait, well past the server's header timeout.
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut buf = Vec::new();
        match stream.read_to_end(&mut buf) {
            Ok(_) => true,
            Err(e) => e.kind() == std::io::ErrorKind::ConnectionReset,
        }
    })
    .await
    .unwrap();
    assert!(closed, "the server closed the connection");
}

#[tokio::test]
async fn a_bad_audit_filter_is_refused_before_anything_is_written() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Supervisor).await;
    let before = count(&app, "SELECT COUNT(*) FROM audit_events").await;
    let long = "x".repeat(5 * 1024);
    let (status, body) = app.get(&format!("/audit/export.csv?actor={long}")).await;
    assert_eq!(status, 400);
    assert!(body.contains("actor"), "{body}");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM audit_events").await,
        before
    );
    // The audit list server function answers 400 naming the field too, never 500.
    let response = app
        .client
        .post(app.url("/api/audit/list"))
        .header("content-type", "application/json")
        .body(r#"{"params":{"outcome":"great"}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("outcome"));
}

#[tokio::test]
async fn the_csv_export_quotes_every_field_and_defuses_formulas_after_separators() {
    let app = TestApp::spawn().await;
    sign_in(&app, &browser(&app), "zz;=1+1;@x.id", "whatever").await;
    app.login_as(Role::Supervisor).await;
    let (status, csv) = app.get("/audit/export.csv?action=login.failed").await;
    assert_eq!(status, 200);
    let line = csv
        .lines()
        .find(|l| l.contains("zz;"))
        .expect("the failed sign-in is exported");
    assert!(line.contains("\"zz;'=1+1;'@x.id\""), "{line}");
    assert!(line.starts_with('"'), "every field quoted: {line}");
    assert!(!line.contains(";=") && !line.contains(";@"), "{line}");
}

async fn session_count(app: &TestApp) -> i64 {
    count(app, "SELECT COUNT(*) FROM sessions").await
}

#[tokio::test]
async fn reset_disable_and_role_change_end_the_users_sessions_at_once() {
    let app = TestApp::spawn().await;
    let email = app.login_as(Role::Finance).await;
    let admin = "admin@merchant.test";
    let (pool, key) = (&app.pool, &app.audit_key);
    for what in ["reset", "role", "disable"] {
        let response = sign_in(&app, &app.client, &email, PASSWORD).await;
        assert_signed_in(&response);
        assert_eq!(app.get("/orders").await.0, 200, "{what}: signed in");
        match what {
            "reset" => users::reset_password(pool, key, admin, &email, PASSWORD).await,
            "role" => users::set_role(pool, key, admin, &email, Role::Supervisor).await,
            _ => users::disable(pool, key, admin, &email).await,
        }
        .unwrap();
        assert_eq!(session_count(&app).await, 0, "{what}");
        assert_eq!(app.get("/orders").await.0, 303, "{what}: signed out");
    }
    let ended = count(
        &app,
        "SELECT COUNT(*) FROM audit_events WHERE details LIKE '%\"logins_ended\":1%'",
    )
    .await;
    assert_eq!(ended, 3, "each change records the sessions it ended");
}

#[tokio::test]
async fn signing_in_ends_the_session_the_browser_carried() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Finance).await;
    assert_eq!(session_count(&app).await, 1);
    app.login_as(Role::Supervisor).await;
    assert_eq!(session_count(&app).await, 1, "the finance session ended");
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_lifetime_however_active() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Finance).await;
    assert_eq!(app.get("/orders").await.0, 200);
    // Signed in 12 hours ago and active a moment ago.
    sqlx::query("UPDATE sessions SET created_at = created_at - 12 * 3600 * 1000")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(app.get("/orders").await.0, 303);
    assert_eq!(session_count(&app).await, 0);
}

#[tokio::test]
async fn background_polling_does_not_extend_a_session() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Operations).await;
    let now = cancel_desk::time::Timestamp::host_now();
    let set = format!(
        "UPDATE sessions SET last_seen_at = {}, expires_at = {}",
        now.plus_seconds(-600).millis(),
        now.plus_seconds(120).millis()
    );
    sqlx::query(&set).execute(&app.pool).await.unwrap();
    let expires = || count(&app, "SELECT expires_at FROM sessions");
    for path in [
        "/api/pending/poll",
        "/api/pending/region-poll",
        "/api/nav/summary-poll",
    ] {
        let response = app.client.post(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(
            expires().await,
            now.plus_seconds(120).millis(),
            "{path} left the session as it was"
        );
    }
    // A request a person makes does extend it.
    assert_eq!(app.get("/pending").await.0, 200);
    assert!(expires().await > now.plus_seconds(120).millis());
}

#[tokio::test]
async fn metrics_need_a_token_unless_made_public_on_purpose() {
    let app = TestApp::spawn().await;
    let response = reqwest::get(app.url("/metrics")).await.unwrap();
    assert_eq!(response.status(), 401);

    let app = TestApp::spawn_with(&[("CANCEL_DESK_METRICS_TOKEN", "s3cret-scrape")]).await;
    assert_eq!(
        reqwest::get(app.url("/metrics")).await.unwrap().status(),
        401
    );
    let response = reqwest::Client::new()
        .get(app.url("/metrics"))
        .bearer_auth("s3cret-scrape")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let app = TestApp::spawn_with(&[("CANCEL_DESK_METRICS_PUBLIC", "true")]).await;
    assert_eq!(
        reqwest::get(app.url("/metrics")).await.unwrap().status(),
        200
    );
}

#[tokio::test]
async fn sandbox_mode_shows_a_banner_on_every_page() {
    let app = TestApp::spawn().await;
    let (_, login) = app.get("/login").await;
    assert!(
        login.contains("Sandbox:") && login.contains("cancels are not sent to DANA"),
        "{login}"
    );
    app.login_as(Role::Admin).await;
    for path in ["/orders", "/pending", "/audit", "/codes"] {
        let (status, page) = app.get(path).await;
        assert_eq!(status, 200, "{path}");
        assert!(page.contains("data-testid=\"sandbox-banner\""), "{path}");
    }
}

/// `cancel-desk serve ARGS` with `env`, expected to refuse: its output once it has exited.
fn refused_serve(args: &[&str], env: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_cancel-desk"));
    command
        .arg("serve")
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/serve.db", dir.path().display()),
        )
        .env("CANCEL_DESK_ADDR", "127.0.0.1:0")
        .env("CANCEL_DESK_KEY_DIR", dir.path().join("keys"))
        .env("CANCEL_DESK_AUDIT_KEY_PATH", dir.path().join("audit.key"))
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("serve {args:?} started instead of refusing");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test]
async fn serve_refuses_to_start_without_an_explicit_dana_mode() {
    let out = tokio::task::spawn_blocking(|| refused_serve(&[], &[]))
        .await
        .unwrap();
    assert!(
        out.contains("DANA_BASE_URL") && out.contains("--sandbox"),
        "{out}"
    );
    // Asking for both is refused too.
    let out = tokio::task::spawn_blocking(|| {
        refused_serve(
            &["--sandbox"],
            &[("DANA_BASE_URL", "https://api.sandbox.dana.id")],
        )
    })
    .await
    .unwrap();
    assert!(out.contains("choose one"), "{out}");
    // Plain http to anything but this machine is refused.
    let key = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/dana/private_pkcs8.pem"
    );
    let out = tokio::task::spawn_blocking(move || {
        refused_serve(
            &[],
            &[
                ("DANA_BASE_URL", "http://api.sandbox.dana.id"),
                ("DANA_PARTNER_ID", "p"),
                ("DANA_MERCHANT_ID", "m"),
                ("DANA_PRIVATE_KEY_PATH", key),
            ],
        )
    })
    .await
    .unwrap();
    assert!(out.contains("must use https"), "{out}");
}

#[tokio::test]
async fn an_admin_lists_a_users_sessions_and_ends_them_from_the_command_line() {
    use crate::users_cli::run;
    let dir = tempfile::tempdir().unwrap();
    let test_db = crate::common::TestDb::new(dir.path(), "sessions.db").await;
    let db = test_db.url.clone();
    let (ok, out) = run(
        &db,
        &[
            "user",
            "add",
            "--email",
            "rina@merchant.test",
            "--role",
            "finance",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(ok, "{out}");
    // Two sign-ins from two places.
    let pool = cancel_desk::db::connect(&db).await.unwrap();
    let policy = cancel_desk::auth::session::SessionPolicy {
        idle_seconds: 1800,
        max_seconds: 12 * 3600,
    };
    let user_id: cancel_desk::ids::UserId = sqlx::query_scalar("SELECT id FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    let now = cancel_desk::time::Timestamp::host_now();
    let mut tokens = Vec::new();
    for addr in ["198.51.100.7", "203.0.113.9"] {
        tokens.push(
            cancel_desk::auth::session::create(&pool, user_id, policy, now, addr)
                .await
                .unwrap(),
        );
    }
    let (ok, out) = run(
        &db,
        &["user", "sessions", "--email", "rina@merchant.test"],
        "",
    );
    assert!(ok, "{out}");
    assert!(out.contains("2 open session(s)"), "{out}");
    assert!(
        out.contains("198.51.100.7") && out.contains("203.0.113.9"),
        "{out}"
    );
    for token in &tokens {
        assert!(!out.contains(token.as_str()), "no token is ever shown");
    }
    let (ok, out) = run(
        &db,
        &["user", "end-sessions", "--email", "rina@merchant.test"],
        "",
    );
    assert!(ok, "{out}");
    assert!(out.contains("ended 2 session(s)"), "{out}");
    for token in &tokens {
        assert!(
            cancel_desk::auth::session::lookup(&pool, token, policy, now, true)
                .await
                .unwrap()
                .is_none()
        );
    }
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'user.sessions_ended' AND actor = 'system:cli'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn a_serving_server_writes_a_signed_checkpoint_that_verify_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let test_db = crate::common::TestDb::new(dir.path(), "serve.db").await;
    let db = test_db.url.clone();
    let checkpoints = dir.path().join("checkpoints.jsonl");
    let key = crate::users_cli::audit_key_path(&db);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cancel-desk"))
        .args(["serve", "--sandbox"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &db)
        .env("CANCEL_DESK_ADDR", "127.0.0.1:0")
        .env("CANCEL_DESK_KEY_DIR", dir.path().join("keys"))
        .env("CANCEL_DESK_AUDIT_KEY_PATH", &key)
        .env("CANCEL_DESK_AUDIT_CHECKPOINT_PATH", &checkpoints)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The first checkpoint is written at start; wait for it (bounded).
    let mut line = String::new();
    for _ in 0..300 {
        line = std::fs::read_to_string(&checkpoints).unwrap_or_default();
        if line.ends_with('\n') {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        line.contains("\"head_hash\"") && line.contains("\"mac\""),
        "{line}"
    );
    let (ok, out) = crate::users_cli::run(
        &db,
        &[
            "audit",
            "verify",
            "--checkpoint",
            checkpoints.to_str().unwrap(),
        ],
        "",
    );
    assert!(ok, "{out}");
}

#[tokio::test]
async fn undecodable_arguments_answer_400_naming_the_field() {
    let app = TestApp::spawn().await;
    let (status, body) = app
        .post_form("/api/auth/login", &[("email", "rina@merchant.test")])
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("password"), "{body}");
    app.login_as(Role::Supervisor).await;
    let response = app
        .client
        .post(app.url("/api/audit/list"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let (status, _) = app.post_form("/api/pending/retry", &[("id", "x")]).await;
    assert_ne!(status, 500);
}

#[tokio::test]
async fn a_server_talking_to_dana_shows_no_sandbox_banner() {
    let app = TestApp::spawn_with(&[("TEST_SANDBOX_BANNER", "false")]).await;
    let (_, login) = app.get("/login").await;
    assert!(!login.contains("sandbox-banner"), "{login}");
    app.login_as(Role::Admin).await;
    let (_, page) = app.get("/orders").await;
    assert!(!page.contains("sandbox-banner"));
}

#[tokio::test]
async fn the_suite_runs_on_the_engine_it_was_asked_for() {
    let app = TestApp::spawn().await;
    assert_eq!(cancel_desk::db::engine(&app.pool), crate::common::engine());
    if crate::common::engine() == cancel_desk::db::Engine::Postgres {
        let version: String = sqlx::query_scalar("SELECT version()")
            .fetch_one(&app.pool)
            .await
            .unwrap();
        assert!(version.starts_with("PostgreSQL"), "{version}");
    }
}

#[tokio::test]
async fn responses_are_compressed_when_the_browser_asks() {
    let app = TestApp::spawn().await;
    for (asks, expected) in [
        ("br", Some("br")),
        ("gzip", Some("gzip")),
        ("identity", None),
    ] {
        let response = reqwest::Client::new()
            .get(app.url("/login"))
            .header("accept-encoding", asks)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response
                .headers()
                .get("content-encoding")
                .map(|v| v.to_str().unwrap().to_string())
                .as_deref(),
            expected,
            "{asks}"
        );
        // Still one of the security-headed pages.
        assert!(
            response.headers().contains_key("content-security-policy"),
            "{asks}"
        );
        let body = response.bytes().await.unwrap();
        assert!(!body.is_empty());
    }
}

#[tokio::test]
async fn the_colour_theme_cookie_is_rendered_from_the_first_byte() {
    let app = TestApp::spawn().await;
    let page = |cookie: Option<&'static str>| {
        let mut request = reqwest::Client::new().get(app.url("/login"));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        async move { request.send().await.unwrap().text().await.unwrap() }
    };
    // Nothing chosen: the page follows the device (no data-theme).
    assert!(!page(None).await.contains("data-theme="));
    for theme in ["dark", "light"] {
        let html = page(Some(if theme == "dark" {
            "cd_session=x; cd_theme=dark"
        } else {
            "cd_theme=light"
        }))
        .await;
        assert!(
            html.contains(&format!(r#"<html lang="en" data-theme="{theme}""#)),
            "{theme}"
        );
    }
    // A forged value is ignored, never echoed into the page.
    let html = page(Some("cd_theme=\"><script>")).await;
    assert!(!html.contains("data-theme=") && !html.contains("\"><script>"));
}
