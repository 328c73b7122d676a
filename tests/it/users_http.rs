//! Staff administration over HTTP (`/users` and its server functions): admins only, each change
//! audited, one-time passwords that work once given, and never losing the last admin.

use cancel_desk::auth::role::Role;

use crate::common::TestApp;

async fn audit_count(app: &TestApp, action: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE action = $1")
        .bind(action)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

fn password_of(body: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(body).unwrap();
    v["password"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn only_admins_see_the_page_or_call_its_functions() {
    let app = TestApp::spawn().await;
    for role in [Role::Finance, Role::Operations, Role::Supervisor] {
        app.login_as(role).await;
        let (status, html) = app.get("/users").await;
        assert_eq!(status, 403, "{role:?}");
        assert!(html.contains("This page is for admins"), "{role:?}");
        for (path, form) in [
            ("/api/users/list", vec![]),
            ("/api/users/region", vec![]),
            (
                "/api/users/add",
                vec![("email", "new@merchant.test"), ("role", "admin")],
            ),
            (
                "/api/users/role",
                vec![("email", "finance@merchant.test"), ("role", "admin")],
            ),
            ("/api/users/disable", vec![("email", "admin@merchant.test")]),
            (
                "/api/users/enable",
                vec![("email", "finance@merchant.test")],
            ),
            (
                "/api/users/reset-password",
                vec![("email", "finance@merchant.test")],
            ),
            (
                "/api/users/end-sessions",
                vec![("email", "finance@merchant.test")],
            ),
        ] {
            assert_eq!(app.post_form(path, &form).await.0, 403, "{role:?} {path}");
        }
    }
    assert!(
        cancel_desk::db::users::find_by_email(&app.pool, "new@merchant.test")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(audit_count(&app, "access.forbidden").await, 3 * 9);
    app.login_as(Role::Admin).await;
    let (status, html) = app.get("/users").await;
    assert_eq!(status, 200);
    assert!(html.contains("finance@merchant.test") && html.contains("Add a person"));
    // The page's live region, rendered again: the same list and forms, as HTML in JSON.
    let (status, body) = app.post_form("/api/users/region", &[]).await;
    assert_eq!(status, 200, "{body}");
    let region: String = serde_json::from_str(&body).unwrap();
    assert!(
        region.contains("finance@merchant.test")
            && region.contains("Add a person")
            && region.contains("action=\"/api/users/disable\"")
            && region.contains("data-live"),
        "{region}"
    );
}

#[tokio::test]
async fn an_admin_adds_a_person_who_signs_in_with_the_one_time_password() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Admin).await;
    let (status, body) = app
        .post_form(
            "/api/users/add",
            &[("email", " Kasir.Satu@Merchant.test "), ("role", "finance")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let password = password_of(&body);
    assert!(body.contains("kasir.satu@merchant.test"));
    assert_eq!(audit_count(&app, "user.created").await, 2); // the admin, then the new one
    // The password is in no audit event and no log line of the trail.
    let trail: Vec<String> = sqlx::query_scalar("SELECT details FROM audit_events")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert!(trail.iter().all(|d| !d.contains(&password)));
    // The same e-mail again is a conflict; bad fields are named.
    let (status, _) = app
        .post_form(
            "/api/users/add",
            &[("email", "kasir.satu@merchant.test"), ("role", "finance")],
        )
        .await;
    assert_eq!(status, 409);
    for (email, role, field) in [
        ("not-an-email", "finance", "email"),
        ("ok@merchant.test", "boss", "role"),
    ] {
        let (status, body) = app
            .post_form("/api/users/add", &[("email", email), ("role", role)])
            .await;
        assert_eq!(status, 400, "{body}");
        assert!(body.contains(field), "{body}");
    }
    // The new person signs in with it.
    let other = TestApp::client_for(&app);
    let response = other
        .post(app.url("/api/auth/login"))
        .form(&[
            ("email", "kasir.satu@merchant.test"),
            ("password", &password),
        ])
        .send()
        .await
        .unwrap();
    assert!(matches!(response.status().as_u16(), 200 | 302));
    let (status, html) = app.get("/users").await;
    assert_eq!(status, 200);
    let row = &html[html.find("kasir.satu@merchant.test").unwrap()..];
    assert!(
        !row[..row.find("</tr>").unwrap()].contains("Never"),
        "last sign-in is shown"
    );
}

#[tokio::test]
async fn role_disable_enable_reset_and_end_sessions_are_audited_and_end_sessions() {
    let app = TestApp::spawn().await;
    // Finance signs in on its own client, then the admin works on the account.
    let finance = TestApp::client_for(&app);
    app.login_as(Role::Finance).await; // creates the account
    let sign_in = |password: String| {
        let finance = finance.clone();
        let url = app.url("/api/auth/login");
        async move {
            finance
                .post(url)
                .form(&[("email", "finance@merchant.test"), ("password", &password)])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert!(matches!(
        sign_in(crate::common::PASSWORD.into()).await,
        200 | 302
    ));
    let orders_status = |client: reqwest::Client| {
        let url = app.url("/orders");
        async move { client.get(url).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(orders_status(finance.clone()).await, 200);
    app.login_as(Role::Admin).await;
    let email = [("email", "finance@merchant.test")];

    let (status, body) = app
        .post_form(
            "/api/users/role",
            &[("email", "finance@merchant.test"), ("role", "supervisor")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(audit_count(&app, "user.role_changed").await, 1);
    assert_eq!(
        orders_status(finance.clone()).await,
        303,
        "signed out by the role change"
    );
    // The same role again changes nothing: no audit entry, nobody signed out.
    assert!(matches!(
        sign_in(crate::common::PASSWORD.into()).await,
        200 | 302
    ));
    let (status, _) = app
        .post_form(
            "/api/users/role",
            &[("email", "finance@merchant.test"), ("role", "supervisor")],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(audit_count(&app, "user.role_changed").await, 1);
    assert_eq!(orders_status(finance.clone()).await, 200);

    assert!(matches!(
        sign_in(crate::common::PASSWORD.into()).await,
        200 | 302
    ));
    assert_eq!(
        app.post_form("/api/users/end-sessions", &email).await.1,
        "1"
    );
    assert_eq!(audit_count(&app, "user.sessions_ended").await, 1);
    assert_eq!(orders_status(finance.clone()).await, 303);

    assert_eq!(app.post_form("/api/users/disable", &email).await.0, 200);
    assert_eq!(audit_count(&app, "user.disabled").await, 1);
    assert_eq!(sign_in(crate::common::PASSWORD.into()).await, 401);
    assert_eq!(app.post_form("/api/users/enable", &email).await.0, 200);
    assert_eq!(audit_count(&app, "user.enabled").await, 1);

    let (status, body) = app.post_form("/api/users/reset-password", &email).await;
    assert_eq!(status, 200);
    let fresh = password_of(&body);
    assert_eq!(audit_count(&app, "user.password_reset").await, 1);
    assert_eq!(
        sign_in(crate::common::PASSWORD.into()).await,
        401,
        "the old one is gone"
    );
    assert!(matches!(sign_in(fresh).await, 200 | 302));
    // Unknown accounts are a 404 naming nothing secret.
    let (status, _) = app
        .post_form("/api/users/disable", &[("email", "nobody@merchant.test")])
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_last_active_admin_can_be_neither_disabled_nor_demoted() {
    let app = TestApp::spawn().await;
    let me = app.login_as(Role::Admin).await;
    let only = [("email", me.as_str())];
    let (status, body) = app.post_form("/api/users/disable", &only).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("last active admin"), "{body}");
    let (status, _) = app
        .post_form("/api/users/role", &[("email", &me), ("role", "finance")])
        .await;
    assert_eq!(status, 409);
    // With a second admin, one may go; then the other is the last again.
    let (status, _) = app
        .post_form(
            "/api/users/add",
            &[("email", "admin2@merchant.test"), ("role", "admin")],
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .post_form(
            "/api/users/role",
            &[("email", "admin2@merchant.test"), ("role", "operations")],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(app.post_form("/api/users/disable", &only).await.0, 409);
    // A disabled admin does not count as one that remains.
    let (status, _) = app
        .post_form(
            "/api/users/role",
            &[("email", "admin2@merchant.test"), ("role", "admin")],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        app.post_form("/api/users/disable", &[("email", "admin2@merchant.test")])
            .await
            .0,
        200
    );
    assert_eq!(app.post_form("/api/users/disable", &only).await.0, 409);
    let admins: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(admins, 1);
}

#[tokio::test]
async fn a_one_time_password_leads_only_to_choosing_ones_own_and_then_stops_working() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Admin).await;
    let (status, body) = app
        .post_form(
            "/api/users/add",
            &[("email", "kasir.dua@merchant.test"), ("role", "finance")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let one_time = password_of(&body);
    let person = TestApp::client_for(&app);
    let post = |path: &str, form: Vec<(&'static str, String)>| {
        let request = person.post(app.url(path)).form(&form);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let location = response
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_string());
            (status, location, response.text().await.unwrap())
        }
    };
    let sign_in = |password: String| {
        post(
            "/api/auth/login",
            vec![
                ("email", "kasir.dua@merchant.test".into()),
                ("password", password),
                ("next", "/orders?status=PAID".into()),
            ],
        )
    };
    // A server function's redirect: 302 to a form post, 200 with `Location` to a script.
    let (status, location, _) = sign_in(one_time.clone()).await;
    assert!(matches!(status, 200 | 302), "{status}");
    assert_eq!(
        location.as_deref(),
        Some("/account/password?next=%2Forders%3Fstatus%3DPAID")
    );
    // Nothing else is served until they choose their own; the page they asked for comes after.
    let page = person
        .get(app.url("/orders?status=PAID"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 303);
    assert_eq!(
        page.headers()["location"],
        "/account/password?next=%2Forders%3Fstatus%3DPAID"
    );
    let (status, _, _) = post("/api/orders/list", vec![]).await;
    assert_eq!(status, 403);
    let page = person
        .get(app.url("/account/password"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("Choose your own password")
    );

    let change = |current: &str, new: &str, again: &str| {
        post(
            "/api/auth/change-password",
            vec![
                ("current_password", current.to_string()),
                ("new_password", new.to_string()),
                ("new_password_again", again.to_string()),
                ("next", "/orders".into()),
            ],
        )
    };
    let wrong = [
        (
            "wrong-password-123",
            "sandi-baru-yang-panjang",
            "sandi-baru-yang-panjang",
        ),
        (one_time.as_str(), "pendek", "pendek"),
        (one_time.as_str(), one_time.as_str(), one_time.as_str()),
        (
            one_time.as_str(),
            "sandi-baru-yang-panjang",
            "sandi-baru-yang-lain",
        ),
    ];
    let says = [
        ("current_password", "is not right"),
        ("new_password", "at least 12"),
        ("new_password", "must differ"),
        ("new_password_again", "does not match"),
    ];
    for ((current, new, again), (field, message)) in wrong.into_iter().zip(says) {
        let (status, _, body) = change(current, new, again).await;
        assert_eq!(status, 400, "{field}: {body}");
        assert!(
            body.contains(field) && body.contains(message),
            "{field}: {body}"
        );
    }
    let (status, location, _) = change(
        &one_time,
        "sandi-baru-yang-panjang",
        "sandi-baru-yang-panjang",
    )
    .await;
    assert!(matches!(status, 200 | 302), "{status}");
    assert_eq!(location.as_deref(), Some("/orders"));
    assert_eq!(audit_count(&app, "user.password_changed").await, 1);
    let trail: Vec<String> = sqlx::query_scalar("SELECT details FROM audit_events")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert!(trail.iter().all(|d| !d.contains("sandi-baru-yang-panjang")));
    // The same session goes on, now everywhere.
    let page = person.get(app.url("/orders")).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    // The one-time password no longer works; their own does, straight to where they were going.
    let (status, _, _) = sign_in(one_time.clone()).await;
    assert_eq!(status, 401);
    let (status, location, _) = sign_in("sandi-baru-yang-panjang".into()).await;
    assert!(matches!(status, 200 | 302), "{status}");
    assert_eq!(location.as_deref(), Some("/orders?status=PAID"));
    // A reset by an admin makes it one-time again.
    let (status, _) = app
        .post_form(
            "/api/users/reset-password",
            &[("email", "kasir.dua@merchant.test")],
        )
        .await;
    assert_eq!(status, 200);
    let page = person.get(app.url("/orders")).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 303, "the reset ended the session");
    assert!(
        page.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login"),
        "to sign in again, not to the password page"
    );
}
