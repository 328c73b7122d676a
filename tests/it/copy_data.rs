//! `cancel-desk copy-data`: a SQLite database with orders, accounts, cancels (settled and
//! pending), a refund and their audit trail, copied into the suite's engine (PostgreSQL in the PostgreSQL
//! run), where the counts match, the audit chain verifies, and new rows get fresh ids.

use cancel_desk::auth::role::Role;
use cancel_desk::db;

use crate::common::{TestApp, TestDb, order};
use crate::users_cli::run_with_key;

#[tokio::test]
async fn a_sqlite_database_moves_into_another_engine_whole_and_verifiable() {
    let source = TestApp::spawn_with(&[("TEST_ENGINE", "sqlite")]).await;
    let orders: Vec<_> = ["COPY-1", "COPY-2", "2025700", "4035714"]
        .iter()
        .map(|r| order(r, "Siti Rahayu", 12_500_000, "PAID", 1_795_453_200))
        .collect();
    source.insert(&orders).await;
    // Where an order came from travels with it.
    sqlx::query(
        "UPDATE orders SET source = 'api', last_source = 'import', last_source_at = 1795000001000 \
         WHERE partner_reference_no = 'COPY-2'",
    )
    .execute(&source.pool)
    .await
    .unwrap();
    // An intake token travels too (its hash, so it keeps working after the move).
    cancel_desk::intake::tokens::create(
        &source.pool,
        &source.audit_key,
        "system:test",
        "shop",
        cancel_desk::time::Timestamp::host_now(),
    )
    .await
    .unwrap();
    source.login_as(Role::Finance).await;
    for reference in ["COPY-1", "2025700", "4035714"] {
        source
            .cancels
            .cancel_order("finance@merchant.test", reference, "moving house")
            .await
            .unwrap();
    }
    // The pending one (2025700) is asked to be settled by hand: a request waiting for approval.
    let waiting: cancel_desk::ids::CancelRequestId =
        sqlx::query_scalar("SELECT id FROM cancel_requests WHERE partner_reference_no = '2025700'")
            .fetch_one(&source.pool)
            .await
            .unwrap();
    source
        .approvals
        .resolve_cancel(
            "operations@merchant.test",
            waiting,
            cancel_desk::cancel::staff::Resolution::Cancelled,
            "DANA support ticket 77",
        )
        .await
        .unwrap();
    // It also gets a status check by hand.
    let pending: cancel_desk::ids::CancelRequestId =
        sqlx::query_scalar("SELECT id FROM cancel_requests WHERE partner_reference_no = '2025700'")
            .fetch_one(&source.pool)
            .await
            .unwrap();
    source
        .cancels
        .check_status(pending, "operations@merchant.test")
        .await
        .unwrap();
    // A partial refund of COPY-2, with its reservation on the order.
    source
        .refunds
        .refund_order(
            "finance@merchant.test",
            "COPY-2",
            cancel_desk::money::Money::from_minor(2_500_000).unwrap(),
            "one item returned",
        )
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let target = TestDb::new(dir.path(), "target.db").await;

    let (ok, out) = run_with_key(
        &source.audit_key_path(),
        &["copy-data", "--from", &source.db.url, "--to", &target.url],
    );
    assert!(ok, "{out}");
    assert!(out.contains("counts match"), "{out}");

    let to = db::connect(&target.url).await.unwrap();
    let copied: (String, String, i64) = sqlx::query_as(
        "SELECT source, last_source, last_source_at FROM orders WHERE partner_reference_no = 'COPY-2'",
    )
    .fetch_one(&to)
    .await
    .unwrap();
    assert_eq!(copied, ("api".into(), "import".into(), 1_795_000_001_000));
    let refunded: (String, i64) = sqlx::query_as(
        "SELECT status, refund_reserved_minor FROM orders WHERE partner_reference_no = 'COPY-2'",
    )
    .fetch_one(&to)
    .await
    .unwrap();
    assert_eq!(refunded, ("PARTIALLY_REFUNDED".into(), 2_500_000));
    let before = db::copy::counts(&source.pool).await.unwrap();
    assert_eq!(db::copy::counts(&to).await.unwrap(), before);
    assert!(
        before.iter().all(|(_, n)| *n > 0),
        "every table had rows: {before:?}"
    );
    let report = cancel_desk::audit::verify(&to, &source.audit_key)
        .await
        .unwrap();
    assert_eq!(report.first_break, None);
    // The copy is a working database: new rows get ids past the copied ones.
    let mut tx = to.begin().await.unwrap();
    db::orders::insert_many(
        &mut tx,
        &[order("COPY-NEW", "Budi", 1_000_000, "PAID", 1_795_453_200)],
        cancel_desk::time::Timestamp::from_seconds(1_795_000_000),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let new_id: i64 =
        sqlx::query_scalar("SELECT id FROM orders WHERE partner_reference_no = 'COPY-NEW'")
            .fetch_one(&to)
            .await
            .unwrap();
    assert!(new_id > 4, "{new_id}");
    cancel_desk::audit::append(
        &to,
        &source.audit_key,
        &cancel_desk::audit::NewEvent {
            actor: "system:test".into(),
            action: "test.after_copy",
            outcome: cancel_desk::audit::Outcome::Info,
            order_ref: None,
            response_code: None,
            details: serde_json::json!({}),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        cancel_desk::audit::verify(&to, &source.audit_key)
            .await
            .unwrap()
            .first_break,
        None
    );

    // Into a database that already has rows: refused, nothing written.
    let (ok, out) = run_with_key(
        &source.audit_key_path(),
        &["copy-data", "--from", &source.db.url, "--to", &target.url],
    );
    assert!(!ok);
    assert!(out.contains("already holds"), "{out}");
}

/// A chain upgraded from before it was keyed (unkeyed events, the marker, keyed events after)
/// copies with its count of unkeyed events, and verifies on the target with the same key.
#[tokio::test]
async fn an_upgraded_chain_with_unkeyed_events_copies_and_verifies() {
    let (source, _source_dir) = crate::audit::legacy_database_on(db::Engine::Sqlite, 3).await;
    let keys = tempfile::tempdir().unwrap();
    let key_path = keys.path().join("audit.key");
    let key = cancel_desk::audit::key::AuditKey::create(&key_path).unwrap();
    db::migrate(&source).await.unwrap();
    cancel_desk::audit::ensure_keyed(&source, &key, cancel_desk::audit::KeyOrigin::GeneratedNow)
        .await
        .unwrap()
        .expect("the marker is written");
    cancel_desk::audit::append(
        &source,
        &key,
        &cancel_desk::audit::NewEvent {
            actor: "system:test".into(),
            action: "test.after_upgrade",
            outcome: cancel_desk::audit::Outcome::Success,
            order_ref: None,
            response_code: None,
            details: serde_json::json!({}),
        },
    )
    .await
    .unwrap();
    let report = cancel_desk::audit::verify(&source, &key).await.unwrap();
    assert_eq!(
        (report.events, report.legacy_events, report.first_break),
        (5, 3, None)
    );
    let source_url = source.connect_options().database_url.to_string();

    let dir = tempfile::tempdir().unwrap();
    let target = TestDb::new(dir.path(), "target.db").await;
    let (ok, out) = run_with_key(
        &key_path,
        &["copy-data", "--from", &source_url, "--to", &target.url],
    );
    assert!(ok, "{out}");
    assert!(out.contains("counts match"), "{out}");
    let to = db::connect(&target.url).await.unwrap();
    let report = cancel_desk::audit::verify(&to, &key).await.unwrap();
    assert_eq!(
        (report.events, report.legacy_events, report.first_break),
        (5, 3, None)
    );
    to.close().await;
}
