//! Sign-in, sessions, roles and CSRF over HTTP against the running server.

use crate::common::{PASSWORD, TestApp, order};
use cancel_desk::auth::role::Role;

async fn statuses(app: &TestApp, reference: &str) -> String {
    sqlx::query_scalar("SELECT status FROM orders WHERE partner_reference_no = $1")
        .bind(reference)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn audit_actions(app: &TestApp) -> Vec<(String, String)> {
    sqlx::query_as("SELECT actor, action FROM audit_events ORDER BY id")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn pages_need_a_session_and_calls_get_401() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(app.url("/orders?status=PAID"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        "/login?next=%2Forders%3Fstatus%3DPAID"
    );
    let (status, _) = app.get("/login").await;
    assert_eq!(status, 200);
    let (status, _) = app.post_form("/api/orders/list", &[]).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn signing_in_sets_a_strict_http_only_cookie_and_a_new_session_each_time() {
    let app = TestApp::spawn().await;
    cancel_desk::auth::users::add(
        &app.pool,
        &app.audit_key,
        "system:test",
        "rina@merchant.test",
        Role::Finance,
        PASSWORD,
    )
    .await
    .unwrap();
    let mut cookies = Vec::new();
    for _ in 0..2 {
        let response = app
            .client
            .post(app.url("/api/auth/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "email=Rina%40merchant.test&password={PASSWORD}&next=%2Forders%3Fq%3Dx"
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["location"], "/orders?q=x");
        let cookie = response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            cookie.contains("HttpOnly")
                && cookie.contains("SameSite=Strict")
                && cookie.contains("Max-Age=43200"),
            "{cookie}"
        );
        cookies.push(cookie);
    }
    assert_ne!(cookies[0], cookies[1], "a new session id at every sign-in");
    let sessions: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM sessions")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert!(
        sessions
            .iter()
            .all(|h| !cookies.iter().any(|c| c.contains(h.as_str()))),
        "only hashes are stored"
    );
    let (status, _) = app.get("/orders").await;
    assert_eq!(status, 200);
    // An open redirect is refused.
    let response = app
        .client
        .post(app.url("/api/auth/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "email=rina%40merchant.test&password={PASSWORD}&next=%2F%2Fevil.test"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["location"], "/orders");
}

#[tokio::test]
async fn failures_slow_down_then_lock_the_account_and_are_audited() {
    let app = TestApp::spawn().await;
    cancel_desk::auth::users::add(
        &app.pool,
        &app.audit_key,
        "system:test",
        "budi@merchant.test",
        Role::Finance,
        PASSWORD,
    )
    .await
    .unwrap();
    for _ in 0..5 {
        let (status, body) = app
            .post_form(
                "/api/auth/login",
                &[
                    ("email", "budi@merchant.test"),
                    ("password", "wrong-password-1"),
                ],
            )
            .await;
        assert_eq!(status, 401, "{body}");
        assert!(body.contains("WrongCredentials"), "{body}");
    }
    // Locked: even the right password is refused for now.
    let (_, body) = app
        .post_form(
            "/api/auth/login",
            &[("email", "budi@merchant.test"), ("password", PASSWORD)],
        )
        .await;
    assert!(body.contains("TooManyAttempts"), "{body}");
    let (status, _) = app.get("/orders").await;
    assert_eq!(status, 303);
    let failures = audit_actions(&app)
        .await
        .iter()
        .filter(|(_, a)| a == "login.failed")
        .count();
    assert_eq!(failures, 6);
    let details: Vec<String> = sqlx::query_scalar("SELECT details FROM audit_events")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert!(
        details
            .iter()
            .all(|d| !d.contains("wrong-password-1") && !d.contains(PASSWORD)),
        "no password in the trail"
    );
}

#[tokio::test]
async fn an_idle_session_expires_and_logout_ends_it() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Supervisor).await;
    assert_eq!(app.get("/orders").await.0, 200);
    sqlx::query("UPDATE sessions SET expires_at = 0")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(app.get("/orders").await.0, 303, "idle too long");
    assert_eq!(
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sessions")
            .fetch_one(&app.pool)
            .await
            .unwrap(),
        0
    );

    app.login_as(Role::Supervisor).await;
    let (status, _) = app.post_form("/api/auth/logout", &[]).await;
    assert!(status == 302 || status == 200, "{status}");
    assert_eq!(app.get("/orders").await.0, 303);
    let actions: Vec<_> = audit_actions(&app)
        .await
        .into_iter()
        .map(|(_, a)| a)
        .collect();
    assert_eq!(
        actions,
        [
            "user.created",
            "login.succeeded",
            "login.succeeded",
            "logout"
        ]
    );
}

#[tokio::test]
async fn a_cross_site_post_is_refused() {
    let app = TestApp::spawn().await;
    app.insert(&[order(
        "ORDER-CSRF",
        "Siti Rahayu",
        1_000_000,
        "PAID",
        1_795_453_200,
    )])
    .await;
    app.login_as(Role::Finance).await;
    for origin in [Some("https://evil.test"), None] {
        let mut request = app
            .client
            .post(app.url("/api/orders/cancel"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("partner_reference_no=ORDER-CSRF&reason=forged");
        request = match origin {
            Some(o) => request.header("origin", o),
            // reqwest cannot drop a default header, so send an opaque origin as browsers do for privacy
            None => request.header("origin", "null"),
        };
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 403, "{origin:?}");
    }
    assert_eq!(statuses(&app, "ORDER-CSRF").await, "PAID");
    assert_eq!(app.sandbox.calls("ORDER-CSRF"), 0);
}

/// Every role against every action, through the server functions themselves.
#[tokio::test]
async fn the_role_matrix_is_enforced_in_the_server_and_refusals_are_audited() {
    for role in Role::ALL {
        let app = TestApp::spawn().await;
        app.insert(&[order(
            "ORDER-ROLE",
            "Siti Rahayu",
            1_000_000,
            "PAID",
            1_795_453_200,
        )])
        .await;
        let email = app.login_as(role).await;
        let list = app
            .client
            .post(app.url("/api/orders/list"))
            .header("content-type", "application/json")
            .body(r#"{"params":{}}"#)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        assert_eq!(list, 200, "{role:?} views orders");
        let (cancel, body) = app
            .post_form(
                "/api/orders/cancel",
                &[
                    ("partner_reference_no", "ORDER-ROLE"),
                    ("reason", "role test"),
                ],
            )
            .await;
        let may_cancel = matches!(role, Role::Finance | Role::Admin);
        let may_audit = matches!(role, Role::Supervisor | Role::Admin);
        let (audit_page, _) = app.get("/audit").await;
        assert_eq!(
            audit_page,
            if may_audit { 200 } else { 403 },
            "{role:?} reads the audit log"
        );
        let export = app
            .client
            .get(app.url("/audit/export.csv"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        assert_eq!(
            export,
            if may_audit { 200 } else { 403 },
            "{role:?} exports the audit log"
        );
        if may_cancel {
            assert_eq!(cancel, 200, "{role:?}: {body}");
            assert_eq!(statuses(&app, "ORDER-ROLE").await, "CANCELLED");
        } else {
            assert_eq!(cancel, 403, "{role:?} may not cancel");
            assert_eq!(statuses(&app, "ORDER-ROLE").await, "PAID");
            assert_eq!(app.sandbox.calls("ORDER-ROLE"), 0);
            let (actor, action): (String, String) = sqlx::query_as(
                "SELECT actor, action FROM audit_events WHERE action = 'access.forbidden'",
            )
            .fetch_one(&app.pool)
            .await
            .unwrap();
            assert_eq!(
                (actor.as_str(), action.as_str()),
                (email.as_str(), "access.forbidden")
            );
        }
    }
}

#[tokio::test]
async fn reason_limits_at_their_edges_over_http() {
    let app = TestApp::spawn().await;
    app.insert(&[
        order("ORDER-256", "Siti Rahayu", 1_000_000, "PAID", 1_795_453_200),
        order("ORDER-257", "Siti Rahayu", 1_000_000, "PAID", 1_795_453_200),
    ])
    .await;
    app.login_as(Role::Finance).await;
    let (status, body) = app
        .post_form(
            "/api/orders/cancel",
            &[
                ("partner_reference_no", "ORDER-257"),
                ("reason", &"r".repeat(257)),
            ],
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("reason"), "{body}");
    assert_eq!(statuses(&app, "ORDER-257").await, "PAID");
    let (status, body) = app
        .post_form(
            "/api/orders/cancel",
            &[
                ("partner_reference_no", "ORDER-256"),
                ("reason", &"r".repeat(256)),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("2005700"), "{body}");
}

/// A double click, a second tab and a second staff member, all at once, over HTTP: one DANA call.
#[tokio::test]
async fn concurrent_cancel_requests_over_http_make_one_dana_call() {
    let app = TestApp::spawn().await;
    app.insert(&[order(
        "ORDER-CLICKS",
        "Siti Rahayu",
        1_000_000,
        "PAID",
        1_795_453_200,
    )])
    .await;
    app.login_as(Role::Finance).await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (client, url) = (app.client.clone(), app.url("/api/orders/cancel"));
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!(
                    "partner_reference_no=ORDER-CLICKS&reason=click+{i}"
                ))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    answers.sort();
    assert_eq!(
        answers.iter().filter(|s| **s == 200).count(),
        1,
        "{answers:?}"
    );
    assert!(
        answers.iter().all(|s| *s == 200 || *s == 409),
        "the others are refused as a conflict: {answers:?}"
    );
    assert_eq!(app.sandbox.calls("ORDER-CLICKS"), 1);
    assert_eq!(statuses(&app, "ORDER-CLICKS").await, "CANCELLED");
}

/// Each outcome class, through the cancel server function, leaves the order and the trail right.
#[tokio::test]
async fn each_outcome_class_over_http() {
    use cancel_desk::sandbox::scenario::Behaviour;
    let app = TestApp::spawn().await;
    let references = [
        "OK-1",
        "2025700",
        "4035705",
        "4035714",
        "SLOW-1",
        "SANDBOX-EMPTY-BODY",
    ];
    let orders: Vec<_> = references
        .iter()
        .map(|r| order(r, "Siti Rahayu", 1_000_000, "PAID", 1_795_453_200))
        .collect();
    app.insert(&orders).await;
    app.sandbox
        .script("SLOW-1", vec![Behaviour::Hang { millis: 4_000 }]);
    app.login_as(Role::Finance).await;
    for (reference, order_after, last_code, audit_outcome, attempts) in [
        ("OK-1", "CANCELLED", "2005700", "success", 1),
        ("2025700", "CANCEL_PENDING", "2025700", "pending", 1),
        ("4035705", "CANCEL_FAILED", "4035705", "failure", 1),
        // "Retry periodically": still paid, back on the periodic schedule.
        ("4035714", "CANCEL_RETRYING", "4035714", "pending", 1),
        ("SLOW-1", "CANCEL_PENDING", "TIMEOUT", "pending", 1),
        (
            "SANDBOX-EMPTY-BODY",
            "CANCEL_PENDING",
            "UNEXPECTED",
            "pending",
            1,
        ),
    ] {
        let (status, body) = app
            .post_form(
                "/api/orders/cancel",
                &[
                    ("partner_reference_no", reference),
                    ("reason", "outcome test"),
                ],
            )
            .await;
        assert_eq!(status, 200, "{reference}: {body}");
        assert!(body.contains(last_code), "{reference}: {body}");
        assert_eq!(statuses(&app, reference).await, order_after, "{reference}");
        let trail: Vec<(String, String, Option<String>)> =
            sqlx::query_as("SELECT action, outcome, response_code FROM audit_events WHERE order_ref = $1 ORDER BY id")
                .bind(reference)
                .fetch_all(&app.pool)
                .await
                .unwrap();
        assert_eq!(
            trail.first().map(|t| t.0.as_str()),
            Some("cancel.intent"),
            "{reference}"
        );
        assert_eq!(
            trail.iter().filter(|t| t.0 == "dana.attempt").count(),
            attempts,
            "{reference}"
        );
        // Pending cancels are queued for the worker, the others settled.
        let last_action = if audit_outcome == "pending" {
            "cancel.pending"
        } else {
            "cancel.settled"
        };
        let settled = trail.last().unwrap();
        assert_eq!(
            (settled.0.as_str(), settled.1.as_str(), settled.2.as_deref()),
            (last_action, audit_outcome, Some(last_code)),
            "{reference}"
        );
    }
    assert_eq!(
        cancel_desk::audit::verify(&app.pool, &app.audit_key)
            .await
            .unwrap()
            .first_break,
        None
    );
}
