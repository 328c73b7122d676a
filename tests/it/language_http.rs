//! The language of pages and answers: the cookie, then `Accept-Language`, then English; a
//! signed-in person's choice saved on the account and given back at sign-in.

use cancel_desk::auth::role::Role;

use crate::common::{PASSWORD, TestApp};

async fn login_page(app: &TestApp, headers: &[(&str, &str)]) -> String {
    let mut request = reqwest::Client::new().get(app.url("/login"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap().text().await.unwrap()
}

#[tokio::test]
async fn pages_follow_the_cookie_then_accept_language_then_english() {
    let app = TestApp::spawn().await;
    let english = login_page(&app, &[]).await;
    assert!(english.contains(r#"<html lang="en""#));
    assert!(english.contains("Sign in"));

    let indonesian = login_page(&app, &[("accept-language", "id-ID,id;q=0.9,en;q=0.5")]).await;
    assert!(indonesian.contains(r#"<html lang="id""#));
    assert!(indonesian.contains("<h1>Masuk</h1>"), "{indonesian}");
    assert!(!indonesian.contains("Sign in"));

    // A language nobody translated into: English.
    let french = login_page(&app, &[("accept-language", "fr-FR,fr;q=0.9")]).await;
    assert!(french.contains(r#"<html lang="en""#));

    // The switch's cookie wins over the browser's header, both ways.
    let chosen = login_page(
        &app,
        &[
            ("accept-language", "id-ID"),
            ("cookie", "i18n_pref_locale=en"),
        ],
    )
    .await;
    assert!(chosen.contains(r#"<html lang="en""#));
    let chosen = login_page(&app, &[("cookie", "i18n_pref_locale=id")]).await;
    assert!(chosen.contains(r#"<html lang="id""#));

    // A forged value is ignored, never echoed.
    let forged = login_page(&app, &[("cookie", "i18n_pref_locale=\"><script>")]).await;
    assert!(forged.contains(r#"<html lang="en""#));
    assert!(!forged.contains("\"><script>"));
}

#[tokio::test]
async fn answers_are_in_the_language_of_the_request() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Finance).await;
    let ask = |language: &'static str| {
        app.client
            .post(app.url("/api/orders/cancel"))
            .header("accept-language", language)
            .form(&[("partner_reference_no", "NO-SUCH"), ("reason", "")])
            .send()
    };
    let english = ask("en").await.unwrap();
    assert_eq!(english.status().as_u16(), 400);
    assert!(
        english
            .text()
            .await
            .unwrap()
            .contains("a reason is required")
    );
    let indonesian = ask("id").await.unwrap();
    assert_eq!(indonesian.status().as_u16(), 400);
    let body = indonesian.text().await.unwrap();
    // The field keeps its wire name; the words are Indonesian.
    assert!(
        body.contains("reason") && body.contains("alasan wajib diisi"),
        "{body}"
    );
}

#[tokio::test]
async fn a_choice_is_kept_on_the_account_and_comes_back_at_sign_in() {
    let app = TestApp::spawn().await;
    // Not signed in: nothing to save it on.
    let (status, _) = app.post_form("/api/language", &[("language", "id")]).await;
    assert_eq!(status, 401);

    let email = app.login_as(Role::Finance).await;
    let (status, body) = app.post_form("/api/language", &[("language", "fr")]).await;
    assert_eq!(status, 400);
    assert!(body.contains("language"), "{body}");

    let response = app
        .client
        .post(app.url("/api/language"))
        .form(&[("language", "id")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        cookie.starts_with("i18n_pref_locale=id; Path=/"),
        "{cookie}"
    );
    let account = cancel_desk::db::users::find_by_email(&app.pool, &email)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        cancel_desk::db::users::language(&app.pool, account.id)
            .await
            .unwrap()
            .as_deref(),
        Some("id")
    );

    // Another device, whose browser asks for English: signing in brings the choice back.
    let other = TestApp::client_for(&app);
    let response = other
        .post(app.url("/api/auth/login"))
        .form(&[("email", email.as_str()), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let cookies: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect();
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("i18n_pref_locale=id;")),
        "{cookies:?}"
    );
    let page = other
        .get(app.url("/orders"))
        .header("accept-language", "en-US")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"<html lang="id""#));
}
