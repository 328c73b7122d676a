//! Four-eyes approval over HTTP: below, at and above the threshold; nobody decides their own
//! request; reject with a note; expiry; two approvers at once make one DANA call; settling by
//! hand waits for approval; refunds; and an order held while its request waits.

use cancel_desk::auth::role::Role;
use cancel_desk::sandbox::scenario::Behaviour;

use crate::common::{PASSWORD, TestApp, order};
use crate::pending::{OPS as OPS_ACTOR, order_status, request_id};

/// Rp 5.000.000 in sen: the default threshold.
const THRESHOLD: i64 = 500_000_000;

/// One signed-in browser of a role, beside the app's own client.
struct Staff {
    client: reqwest::Client,
    base: String,
    email: String,
}

impl Staff {
    async fn new(app: &TestApp, role: Role, name: &str) -> Self {
        let email = format!("{name}@merchant.test");
        cancel_desk::auth::users::add(
            &app.pool,
            &app.audit_key,
            "system:test",
            &email,
            role,
            PASSWORD,
        )
        .await
        .unwrap();
        let client = TestApp::client_for(app);
        let status = client
            .post(app.url("/api/auth/login"))
            .form(&[("email", email.as_str()), ("password", PASSWORD)])
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        assert!(matches!(status, 200 | 302), "sign-in answered {status}");
        Self {
            client,
            base: app.url(""),
            email,
        }
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    }

    async fn cancel(&self, reference: &str) -> (u16, String) {
        self.post(
            "/api/orders/cancel",
            &[
                ("partner_reference_no", reference),
                ("reason", "Pelanggan membatalkan pesanan"),
            ],
        )
        .await
    }

    async fn refund(&self, reference: &str, amount: &str) -> (u16, String) {
        self.post(
            "/api/orders/refund",
            &[
                ("partner_reference_no", reference),
                ("amount", amount),
                ("reason", "Barang dikembalikan"),
            ],
        )
        .await
    }

    async fn approve(&self, id: i64) -> (u16, String) {
        self.post("/api/approvals/approve", &[("id", &id.to_string())])
            .await
    }
}

async fn app_with_orders(orders: &[(&str, i64)]) -> TestApp {
    let app = TestApp::spawn().await;
    let rows: Vec<_> = orders
        .iter()
        .map(|(r, amount)| order(r, "Budi Santoso", *amount, "PAID", 1_795_453_200))
        .collect();
    app.insert(&rows).await;
    app
}

async fn approval_of(app: &TestApp, reference: &str) -> (i64, String) {
    sqlx::query_as(
        "SELECT id, state FROM approvals WHERE partner_reference_no = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(reference)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

async fn actions(app: &TestApp, reference: &str) -> Vec<(String, String)> {
    sqlx::query_as("SELECT action, actor FROM audit_events WHERE order_ref = $1 ORDER BY id")
        .bind(reference)
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn below_the_threshold_goes_to_dana_at_or_above_it_waits_for_a_second_person() {
    let app = app_with_orders(&[
        ("ORDER-BELOW", THRESHOLD - 100),
        ("ORDER-AT", THRESHOLD),
        ("ORDER-ABOVE", THRESHOLD + 100_000_000),
    ])
    .await;
    let finance = Staff::new(&app, Role::Finance, "rina").await;

    let (status, body) = finance.cancel("ORDER-BELOW").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"Done\""), "{body}");
    assert_eq!(app.sandbox.calls("ORDER-BELOW"), 1);
    assert_eq!(order_status(&app, "ORDER-BELOW").await, "CANCELLED");

    for reference in ["ORDER-AT", "ORDER-ABOVE"] {
        let (status, body) = finance.cancel(reference).await;
        assert_eq!(status, 202, "{reference}: {body}");
        assert!(body.contains("\"Waiting\""), "{body}");
        assert_eq!(app.sandbox.calls(reference), 0, "nothing reaches DANA");
        assert_eq!(order_status(&app, reference).await, "PAID");
        assert_eq!(approval_of(&app, reference).await.1, "WAITING");
        assert_eq!(
            actions(&app, reference).await,
            vec![("approval.requested".to_string(), finance.email.clone())]
        );
    }
    // The order page says so.
    let page = finance
        .client
        .get(app.url("/orders/ORDER-AT"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Waiting for approval by a supervisor"),
        "{page}"
    );
    assert!(
        !page.contains("data-testid=\"cancel-panel\""),
        "no second cancel while one waits"
    );
}

#[tokio::test]
async fn the_requester_cannot_approve_a_second_person_does_and_dana_is_called_once() {
    let app = app_with_orders(&[("ORDER-BIG", THRESHOLD * 2)]).await;
    // An admin may both cancel and approve, but never their own request.
    let admin = Staff::new(&app, Role::Admin, "andi").await;
    let supervisor = Staff::new(&app, Role::Supervisor, "sari").await;
    let finance = Staff::new(&app, Role::Finance, "rina").await;
    assert_eq!(admin.cancel("ORDER-BIG").await.0, 202);
    let (id, _) = approval_of(&app, "ORDER-BIG").await;

    let (status, body) = admin.approve(id).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("a second person"), "{body}");
    // Finance has no Approve permission: 403, audited.
    assert_eq!(finance.approve(id).await.0, 403);
    assert_eq!(app.sandbox.calls("ORDER-BIG"), 0);

    let (status, body) = supervisor.approve(id).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("DANA answered 2005700"), "{body}");
    assert_eq!(app.sandbox.calls("ORDER-BIG"), 1);
    assert_eq!(order_status(&app, "ORDER-BIG").await, "CANCELLED");
    assert_eq!(approval_of(&app, "ORDER-BIG").await.1, "APPROVED");
    // Approving again: already approved, no second call.
    assert_eq!(supervisor.approve(id).await.0, 409);
    assert_eq!(app.sandbox.calls("ORDER-BIG"), 1);

    let trail = actions(&app, "ORDER-BIG").await;
    let names: Vec<&str> = trail.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        &names[..4],
        [
            "approval.requested",
            "approval.approved",
            "cancel.intent",
            "dana.attempt"
        ]
    );
    assert_eq!(trail[1].1, supervisor.email, "the approver approves");
    assert_eq!(trail[2].1, admin.email, "the cancel is the requester's");
    let approved_by = crate::common::audit_detail(&app.pool, "cancel.intent", "approved_by").await;
    assert_eq!(approved_by, vec![supervisor.email.clone()]);
}

#[tokio::test]
async fn a_rejection_needs_a_note_sends_nothing_and_frees_the_order() {
    let app = app_with_orders(&[("ORDER-NO", THRESHOLD)]).await;
    let finance = Staff::new(&app, Role::Finance, "rina").await;
    let supervisor = Staff::new(&app, Role::Supervisor, "sari").await;
    assert_eq!(finance.cancel("ORDER-NO").await.0, 202);
    let (id, _) = approval_of(&app, "ORDER-NO").await;
    let id_text = id.to_string();

    let (status, body) = supervisor
        .post("/api/approvals/reject", &[("id", &id_text), ("note", "  ")])
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("note"), "{body}");
    let (status, body) = supervisor
        .post(
            "/api/approvals/reject",
            &[("id", &id_text), ("note", "Barang sudah dikirim")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(approval_of(&app, "ORDER-NO").await.1, "REJECTED");
    assert_eq!(app.sandbox.calls("ORDER-NO"), 0);
    assert_eq!(order_status(&app, "ORDER-NO").await, "PAID");
    // A rejected request is closed: it cannot be approved after all.
    assert_eq!(supervisor.approve(id).await.0, 409);
    // The requester reads who rejected it and why.
    let page = finance
        .client
        .get(app.url("/orders/ORDER-NO"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Rejected by sari@merchant.test"), "{page}");
    assert!(page.contains("Barang sudah dikirim"), "{page}");
    // And may ask again.
    assert_eq!(finance.cancel("ORDER-NO").await.0, 202);
}

#[tokio::test]
async fn an_expired_request_cannot_be_approved_and_is_audited_as_expired() {
    let app = app_with_orders(&[("ORDER-OLD", THRESHOLD)]).await;
    let finance = Staff::new(&app, Role::Finance, "rina").await;
    let supervisor = Staff::new(&app, Role::Supervisor, "sari").await;
    assert_eq!(finance.cancel("ORDER-OLD").await.0, 202);
    let (id, _) = approval_of(&app, "ORDER-OLD").await;
    // 24 hours and a minute later.
    sqlx::query(
        "UPDATE approvals SET requested_at = requested_at - $1, expires_at = expires_at - $1",
    )
    .bind((24 * 3600 + 60) * 1000_i64)
    .execute(&app.pool)
    .await
    .unwrap();
    let (status, body) = supervisor.approve(id).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("expired"), "{body}");
    assert_eq!(approval_of(&app, "ORDER-OLD").await.1, "EXPIRED");
    assert_eq!(app.sandbox.calls("ORDER-OLD"), 0);
    let trail = actions(&app, "ORDER-OLD").await;
    assert_eq!(trail.last().unwrap().0, "approval.expired");
    // The worker's sweep finds nothing more to expire.
    assert_eq!(app.approvals.expire_due().await.unwrap(), 0);
}

#[tokio::test]
async fn the_worker_sweep_expires_requests_nobody_decided() {
    let app = app_with_orders(&[("ORDER-SWEPT", THRESHOLD)]).await;
    let finance = Staff::new(&app, Role::Finance, "rina").await;
    assert_eq!(finance.cancel("ORDER-SWEPT").await.0, 202);
    assert_eq!(app.approvals.expire_due().await.unwrap(), 0);
    sqlx::query("UPDATE approvals SET expires_at = requested_at")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(app.approvals.expire_due().await.unwrap(), 1);
    assert_eq!(approval_of(&app, "ORDER-SWEPT").await.1, "EXPIRED");
    // The order is free again.
    assert_eq!(finance.cancel("ORDER-SWEPT").await.0, 202);
}

#[tokio::test]
async fn two_approvers_at_once_make_one_dana_call() {
    let app = app_with_orders(&[("ORDER-RACE", THRESHOLD * 3)]).await;
    let finance = Staff::new(&app, Role::Finance, "rina").await;
    let supervisor = Staff::new(&app, Role::Supervisor, "sari").await;
    let admin = Staff::new(&app, Role::Admin, "andi").await;
    assert_eq!(finance.cancel("ORDER-RACE").await.0, 202);
    let (id, _) = approval_of(&app, "ORDER-RACE").await;
    let (a, b) = tokio::join!(supervisor.approve(id), admin.approve(id));
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
    assert_eq!(app.sandbox.calls("ORDER-RACE"), 1);
    let intents: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM cancel_requests WHERE partner_reference_no = 'ORDER-RACE'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(intents, 1);
    let approved: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'approval.approved' AND order_ref = 'ORDER-RACE'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(approved, 1);
}

#[tokio::test]
async fn settling_a_cancel_by_hand_waits_for_approval() {
    // A small order: settling by hand needs approval whatever the amount.
    let app = app_with_orders(&[("ORDER-HAND", 2_500_000)]).await;
    let finance = Staff::new(&app, Role::Finance, "rina").await;
    let ops = Staff::new(&app, Role::Operations, "oki").await;
    let supervisor = Staff::new(&app, Role::Supervisor, "sari").await;
    // DANA does not answer in time, three times: the cancel waits for a person.
    let hang = || Behaviour::Hang { millis: 2_500 };
    app.sandbox
        .script("ORDER-HAND", vec![hang(), hang(), hang(), hang()]);
    let (status, body) = finance.cancel("ORDER-HAND").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(order_status(&app, "ORDER-HAND").await, "CANCEL_PENDING");
    let cancel = request_id(&app, "ORDER-HAND").await.to_string();

    let form = [
        ("id", cancel.as_str()),
        ("resolution", "cancelled"),
        ("note", "DANA support confirmed by e-mail, ticket 4411"),
    ];
    let (status, body) = ops.post("/api/pending/resolve", &form).await;
    assert_eq!(status, 202, "{body}");
    assert!(body.contains("Sent for approval"), "{body}");
    assert_eq!(order_status(&app, "ORDER-HAND").await, "CANCEL_PENDING");
    // The queue says what waits.
    let (status, body) = ops.post("/api/pending/list", &[]).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("waits for approval (asked by oki@merchant.test)"),
        "{body}"
    );
    // Operations may not approve (no permission), nor ask twice.
    let (id, _) = approval_of(&app, "ORDER-HAND").await;
    assert_eq!(ops.approve(id).await.0, 403);
    assert_eq!(ops.post("/api/pending/resolve", &form).await.0, 409);

    let (status, body) = supervisor.approve(id).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("settled by hand"), "{body}");
    assert_eq!(order_status(&app, "ORDER-HAND").await, "CANCELLED");
    let resolved_by: String = sqlx::query_scalar(
        "SELECT resolved_by FROM cancel_requests WHERE partner_reference_no = 'ORDER-HAND'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(resolved_by, ops.email);
    let approved_by =
        crate::common::audit_detail(&app.pool, "cancel.resolved", "approved_by").await;
    assert_eq!(approved_by, vec![supervisor.email.clone()]);
}

#[tokio::test]
async fn large_refunds_wait_for_approval_and_hold_the_order_meanwhile() {
    let app = app_with_orders(&[("ORDER-REFUND", THRESHOLD * 2)]).await;
    let finance = Staff::new(&app, Role::Finance, "rina").await;
    let supervisor = Staff::new(&app, Role::Supervisor, "sari").await;
    let (status, body) = finance.refund("ORDER-REFUND", "6.000.000").await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(app.sandbox.refund_calls("ORDER-REFUND"), 0);
    // While it waits, nothing else starts on the order: a small refund, a cancel.
    let (status, body) = finance.refund("ORDER-REFUND", "10.000").await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("waiting for approval"), "{body}");
    let (status, body) = finance.cancel("ORDER-REFUND").await;
    assert_eq!(status, 409, "{body}");

    let (id, _) = approval_of(&app, "ORDER-REFUND").await;
    let (status, body) = supervisor.approve(id).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("DANA answered 2005800"), "{body}");
    assert_eq!(app.sandbox.refunded_minor("ORDER-REFUND"), 600_000_000);
    assert_eq!(
        order_status(&app, "ORDER-REFUND").await,
        "PARTIALLY_REFUNDED"
    );
    // The order's refunds have reached the threshold: even a small one more needs approval.
    let (status, body) = finance.refund("ORDER-REFUND", "10.000").await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(app.sandbox.refund_calls("ORDER-REFUND"), 1);
}

#[tokio::test]
async fn splitting_a_large_refund_into_small_ones_still_needs_approval() {
    let app = app_with_orders(&[("ORDER-SPLIT", THRESHOLD * 2)]).await;
    let finance = Staff::new(&app, Role::Finance, "rina").await;
    // Rp 3.000.000: below the threshold, straight to DANA.
    let (status, body) = finance.refund("ORDER-SPLIT", "3.000.000").await;
    assert_eq!(status, 200, "{body}");
    // Another Rp 3.000.000 takes the order's refunds to Rp 6.000.000: a second person decides.
    let (status, body) = finance.refund("ORDER-SPLIT", "3.000.000").await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(app.sandbox.refund_calls("ORDER-SPLIT"), 1);
    assert_eq!(app.sandbox.refunded_minor("ORDER-SPLIT"), 300_000_000);
}

#[tokio::test]
async fn a_requester_who_may_no_longer_ask_gets_nothing_sent_and_the_request_closes() {
    let app = app_with_orders(&[("ORDER-LEFT", THRESHOLD)]).await;
    let finance = Staff::new(&app, Role::Finance, "rina").await;
    let supervisor = Staff::new(&app, Role::Supervisor, "sari").await;
    assert_eq!(finance.cancel("ORDER-LEFT").await.0, 202);
    let (id, _) = approval_of(&app, "ORDER-LEFT").await;
    cancel_desk::auth::users::disable(&app.pool, &app.audit_key, "system:test", &finance.email)
        .await
        .unwrap();
    let (status, body) = supervisor.approve(id).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("disabled"), "{body}");
    assert_eq!(app.sandbox.calls("ORDER-LEFT"), 0);
    assert_eq!(approval_of(&app, "ORDER-LEFT").await.1, "REJECTED");
    assert_eq!(order_status(&app, "ORDER-LEFT").await, "PAID");
}

#[tokio::test]
async fn of_two_grants_of_one_request_only_the_first_is_recorded() {
    // The compare-and-set itself, below the HTTP layer: the loser writes nothing.
    let app = app_with_orders(&[("ORDER-CAS", THRESHOLD)]).await;
    let finance = Staff::new(&app, Role::Finance, "rina").await;
    assert_eq!(finance.cancel("ORDER-CAS").await.0, 202);
    let (id, _) = approval_of(&app, "ORDER-CAS").await;
    let grant = |approver: &str| cancel_desk::approval::grant::Grant {
        id: cancel_desk::ids::ApprovalId(id),
        approver: approver.to_string(),
        order_ref: "ORDER-CAS".into(),
        kind: "cancel",
    };
    let now = cancel_desk::time::Timestamp::host_now();
    let mut first = app.pool.begin().await.unwrap();
    assert!(
        grant("sari@merchant.test")
            .record(&mut first, &app.audit_key, now, now)
            .await
            .unwrap()
    );
    first.commit().await.unwrap();
    let mut second = app.pool.begin().await.unwrap();
    assert!(
        !grant("andi@merchant.test")
            .record(&mut second, &app.audit_key, now, now)
            .await
            .unwrap()
    );
    second.commit().await.unwrap();
    let approved: Vec<String> =
        crate::common::audit_detail(&app.pool, "approval.approved", "kind").await;
    assert_eq!(approved.len(), 1);
    let decided_by: String = sqlx::query_scalar("SELECT decided_by FROM approvals WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(decided_by, "sari@merchant.test");
}

#[tokio::test]
async fn the_approvals_page_is_for_supervisors_and_admins_and_lists_what_waits() {
    let app = app_with_orders(&[("ORDER-LIST", THRESHOLD)]).await;
    let finance = Staff::new(&app, Role::Finance, "rina").await;
    let supervisor = Staff::new(&app, Role::Supervisor, "sari").await;
    assert_eq!(finance.cancel("ORDER-LIST").await.0, 202);
    let page = |staff: &Staff| {
        let request = staff.client.get(app.url("/approvals"));
        async move {
            let response = request.send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    let (status, html) = page(&finance).await;
    assert_eq!(status, 403);
    assert!(html.contains("for supervisors and admins"), "{html}");
    assert_eq!(finance.post("/api/approvals/list", &[]).await.0, 403);
    assert_eq!(finance.post("/api/approvals/region", &[]).await.0, 403);
    let (status, html) = page(&supervisor).await;
    assert_eq!(status, 200);
    assert!(html.contains("ORDER-LIST"), "{html}");
    assert!(html.contains("Rp 5.000.000,00"), "{html}");
    assert!(html.contains("rina@merchant.test"), "{html}");
    assert!(html.contains("Pelanggan membatalkan pesanan"), "{html}");
    assert!(html.contains("1 request waits"), "{html}");
}

#[tokio::test]
async fn a_zero_threshold_turns_the_amount_rule_off() {
    let app = TestApp::spawn_with(&[("CANCEL_DESK_APPROVAL_THRESHOLD_IDR", "0")]).await;
    app.insert(&[order(
        "ORDER-HUGE",
        "Budi",
        THRESHOLD * 10,
        "PAID",
        1_795_453_200,
    )])
    .await;
    let finance = Staff::new(&app, Role::Finance, "rina").await;
    let (status, body) = finance.cancel("ORDER-HUGE").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.sandbox.calls("ORDER-HUGE"), 1);
}

#[tokio::test]
async fn a_settling_by_hand_whose_cancel_settled_meanwhile_is_closed_not_applied() {
    let app = app_with_orders(&[("ORDER-MOOT", 2_500_000)]).await;
    let finance = Staff::new(&app, Role::Finance, "rina").await;
    let ops = Staff::new(&app, Role::Operations, "oki").await;
    let supervisor = Staff::new(&app, Role::Supervisor, "sari").await;
    // DANA cancels, but its answer is lost: the cancel waits.
    app.sandbox
        .script("ORDER-MOOT", vec![Behaviour::Hold { millis: 2_500 }]);
    assert_eq!(finance.cancel("ORDER-MOOT").await.0, 200);
    let cancel = request_id(&app, "ORDER-MOOT").await;
    let id_text = cancel.to_string();
    let form = [
        ("id", id_text.as_str()),
        ("resolution", "not_cancelled"),
        ("note", "Customer says the money never came back"),
    ];
    assert_eq!(ops.post("/api/pending/resolve", &form).await.0, 202);
    // Meanwhile a status check finds DANA cancelled it.
    app.cancels.check_status(cancel, OPS_ACTOR).await.unwrap();
    assert_eq!(order_status(&app, "ORDER-MOOT").await, "CANCELLED");
    let (id, _) = approval_of(&app, "ORDER-MOOT").await;
    let (status, body) = supervisor.approve(id).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("settled meanwhile"), "{body}");
    assert_eq!(approval_of(&app, "ORDER-MOOT").await.1, "REJECTED");
    assert_eq!(order_status(&app, "ORDER-MOOT").await, "CANCELLED");
    // The service's own note and name read in each person's language.
    let (status, body) = supervisor.post("/api/approvals/list", &[]).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("Settled before approval") && body.contains("Cancel Desk (automatically)"),
        "{body}"
    );
    let (status, _) = supervisor
        .post("/api/language", &[("language", "id")])
        .await;
    assert_eq!(status, 200);
    let (_, body) = supervisor.post("/api/approvals/list", &[]).await;
    assert!(
        body.contains("Sudah selesai sebelum disetujui") && body.contains("Cancel Desk (otomatis)"),
        "{body}"
    );
}
