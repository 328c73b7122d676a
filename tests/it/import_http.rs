//! The CSV upload page's server side over HTTP: the upload is stored (on either engine), checked
//! without writing, imported once, and refused to roles without the permission.

use cancel_desk::auth::role::Role;
use serde_json::Value;

use crate::common::TestApp;

const CSV: &str = "partner_reference_no,merchant_id,amount,paid_at,customer_name\n\
UP-1,216620000000000000000,150000.00,2026-11-24T10:00:00+07:00,Rahmat Hidayat\n\
UP-2,216620000000000000000,15000,2026-11-24T10:00:00+07:00,Sri Wahyuni\n";

/// Uploads `csv` as the signed-in user: (status, the upload id from the redirect).
async fn upload(app: &TestApp, csv: &str) -> (u16, Option<String>) {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(csv.as_bytes().to_vec())
            .file_name("shop.csv")
            .mime_str("text/csv")
            .unwrap(),
    );
    let response = app
        .client
        .post(app.url("/orders/import/upload"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let id = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .and_then(|l| l.strip_prefix("/orders/import?upload="))
        .map(str::to_string);
    (status, id)
}

async fn orders(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM orders")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_admin_uploads_checks_and_imports_once() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Admin).await;
    let (status, id) = upload(&app, CSV).await;
    assert_eq!(status, 303);
    let id = id.expect("redirect to the check");
    let (status, body) = app
        .post_form("/api/orders/import/check", &[("upload", &id)])
        .await;
    assert_eq!(status, 200, "{body}");
    let check: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(check["counts"]["created"], 1);
    assert_eq!(check["counts"]["rejected"], 1);
    assert_eq!(check["issues"][0]["line"], 3);
    assert_eq!(check["issues"][0]["column"], "amount");
    assert_eq!(check["preview"].as_array().unwrap().len(), 2);
    assert_eq!(orders(&app).await, 0, "the check writes nothing");

    let (status, errors) = app.get(&format!("/orders/import/{id}/errors.csv")).await;
    assert_eq!(status, 200);
    assert!(
        errors.starts_with("line,column,reason\n3,amount,"),
        "{errors}"
    );

    let (status, body) = app
        .post_form("/api/orders/import/run", &[("upload", &id)])
        .await;
    assert_eq!(status, 200, "{body}");
    let done: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(done["counts"]["created"], 1);
    assert!(done["imported_at_display"].is_string());
    assert_eq!(orders(&app).await, 1);
    // The page's live region, rendered again after the import: it says what was written.
    let (status, body) = app
        .post_form("/api/orders/import/region", &[("upload", &id)])
        .await;
    assert_eq!(status, 200, "{body}");
    let region: String = serde_json::from_str(&body).unwrap();
    assert!(
        region.contains("data-testid=\"import-done\"") && !region.contains("import-run"),
        "{region}"
    );
    let (status, _) = app
        .post_form("/api/orders/import/run", &[("upload", &id)])
        .await;
    assert_eq!(status, 409, "a second import of the same upload is refused");
    assert_eq!(
        crate::common::audit_detail(&app.pool, "orders.imported", "file").await,
        ["shop.csv"]
    );
}

#[tokio::test]
async fn other_roles_cannot_upload_check_or_import() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Admin).await;
    let (_, id) = upload(&app, CSV).await;
    let id = id.unwrap();
    app.post_form("/api/auth/logout", &[]).await;
    app.login_as(Role::Finance).await;
    let (status, _) = upload(&app, CSV).await;
    assert_eq!(status, 403);
    let (status, _) = app
        .post_form("/api/orders/import/run", &[("upload", &id)])
        .await;
    assert_eq!(status, 403);
    let (status, _) = app
        .post_form("/api/orders/import/region", &[("upload", &id)])
        .await;
    assert_eq!(status, 403);
    let (status, _) = app.get(&format!("/orders/import/{id}/errors.csv")).await;
    assert_eq!(status, 403);
    assert_eq!(orders(&app).await, 0);
}
