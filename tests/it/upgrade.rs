//! Upgrading a database written before every stored time became milliseconds: the migration
//! converts each column that held Unix seconds, leaves those already in milliseconds alone, and
//! the app reads the same moments as before.

use cancel_desk::db;
use cancel_desk::time::{Timestamp, display_wib, jakarta_date};

use crate::common::{TestDb, migrated_before};

/// The migration that moved the tables holding seconds to milliseconds.
const MILLISECONDS_MIGRATION: i64 = 20261126000002;

const PAID: i64 = 1_795_453_200; // 2026-11-24 00:00 WIB
const T: i64 = 1_795_500_000;

async fn count(pool: &db::Pool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[tokio::test]
async fn times_stored_in_seconds_read_the_same_moments_after_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let test_db = TestDb::new(dir.path(), "before-ms.db").await;
    let pool = db::connect(&test_db.url).await.unwrap();
    migrated_before(&pool, MILLISECONDS_MIGRATION).await;

    // One row of each table, its times in seconds as the older code wrote them.
    for sql in [
        format!(
            "INSERT INTO orders (partner_reference_no, reference_no, merchant_id, amount_minor, currency, \
             status, paid_at, customer_name, customer_phone_masked, item_description, created_at, updated_at) \
             VALUES ('OLD-1', 'DANAOLD-1', '216620000000000000001', 1000000, 'IDR', 'CANCEL_PENDING', {PAID}, \
             'Budi', '+62 812-****-0001', 'Pulsa', {T}, {T})"
        ),
        format!(
            "INSERT INTO users (email, role, password_hash, disabled_at, created_at, updated_at) \
             VALUES ('old@merchant.test', 'finance', '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA', {T}, {T}, {T})"
        ),
        format!(
            "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) \
             VALUES ('{}', 1, {T}, {T}, {})",
            "a".repeat(64),
            T + 1_800
        ),
        format!(
            "INSERT INTO login_throttle (throttle_key, failures, first_failure_at, locked_until) \
             VALUES ('k', 5, {T}, {})",
            T + 900
        ),
        format!(
            "INSERT INTO cancel_requests (order_id, partner_reference_no, actor, reason, request_body, state, \
             created_at, updated_at, next_attempt_at, lease_owner, lease_until) \
             VALUES (1, 'OLD-1', 'old@merchant.test', 'asked', '{{}}', 'PENDING', {T}, {T}, {}, 'srv', {})",
            T + 30,
            T + 60
        ),
        // Attempts already held milliseconds.
        format!(
            "INSERT INTO cancel_attempts (cancel_request_id, attempt_no, external_id, request_timestamp, \
             request_headers, sent_at, catalog_code, finished_at) \
             VALUES (1, 1, 'ext-1', '2026-11-24T10:00:00+07:00', '{{}}', {}, 'TIMEOUT', {})",
            T * 1000 + 123,
            T * 1000 + 8_123
        ),
    ] {
        sqlx::query(&sql).execute(&pool).await.unwrap();
    }

    db::migrate(&pool).await.unwrap();

    let ms = |s: i64| s * 1000;
    for (sql, expected) in [
        ("SELECT paid_at FROM orders", ms(PAID)),
        ("SELECT created_at FROM orders", ms(T)),
        ("SELECT updated_at FROM orders", ms(T)),
        ("SELECT disabled_at FROM users", ms(T)),
        ("SELECT created_at FROM users", ms(T)),
        ("SELECT updated_at FROM users", ms(T)),
        ("SELECT created_at FROM sessions", ms(T)),
        ("SELECT last_seen_at FROM sessions", ms(T)),
        ("SELECT expires_at FROM sessions", ms(T + 1_800)),
        ("SELECT first_failure_at FROM login_throttle", ms(T)),
        ("SELECT locked_until FROM login_throttle", ms(T + 900)),
        ("SELECT created_at FROM cancel_requests", ms(T)),
        ("SELECT updated_at FROM cancel_requests", ms(T)),
        ("SELECT next_attempt_at FROM cancel_requests", ms(T + 30)),
        ("SELECT lease_until FROM cancel_requests", ms(T + 60)),
        ("SELECT sent_at FROM cancel_attempts", T * 1000 + 123),
        ("SELECT finished_at FROM cancel_attempts", T * 1000 + 8_123),
    ] {
        assert_eq!(count(&pool, sql).await, expected, "{sql}");
    }

    // The app reads the same moments: the order was paid at midnight of 24 November in Jakarta.
    let mut conn = pool.acquire().await.unwrap();
    let order = db::orders::find_by_partner_reference(&mut *conn, "OLD-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(order.paid_at, Timestamp::from_seconds(PAID));
    assert_eq!(jakarta_date(order.paid_at), "2026-11-24");
    assert_eq!(display_wib(order.paid_at), "24 Nov 2026, 00:00 WIB");
    let request = db::cancels::request_by_id(&mut conn, cancel_desk::ids::CancelRequestId(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        request
            .next_attempt_at
            .unwrap()
            .seconds_since(request.created_at),
        30
    );
    drop(conn);
    pool.close().await;
    drop(test_db);
}

/// The migration that lets an order's customer and item be unknown (SQLite rebuilds the table).
const NULLABLE_CUSTOMER_MIGRATION: i64 = 20261126000004;

#[tokio::test]
async fn orders_may_lack_a_customer_after_the_upgrade_and_keep_their_cancels_and_search() {
    let dir = tempfile::tempdir().unwrap();
    let test_db = TestDb::new(dir.path(), "before-nullable.db").await;
    let pool = db::connect(&test_db.url).await.unwrap();
    migrated_before(&pool, NULLABLE_CUSTOMER_MIGRATION).await;
    let mut tx = pool.begin().await.unwrap();
    db::orders::insert_many(
        &mut tx,
        &[crate::common::order(
            "OLD-7",
            "Budi Santoso",
            1_000_000,
            "CANCEL_PENDING",
            PAID,
        )],
        Timestamp::from_seconds(T),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    sqlx::query(
        "INSERT INTO cancel_requests (order_id, partner_reference_no, actor, reason, request_body, state, \
         created_at, updated_at) VALUES (1, 'OLD-7', 'old@merchant.test', 'asked', '{}', 'PENDING', 1, 1)",
    )
    .execute(&pool)
    .await
    .unwrap();

    db::migrate(&pool).await.unwrap();

    // An order known only from DANA's notification: no customer, no item.
    let mut unknown = crate::common::order("NOTIFY-1", "x", 2_000_000, "PAID", PAID);
    unknown.customer_name = None;
    unknown.customer_phone_masked = None;
    unknown.item_description = None;
    let mut tx = pool.begin().await.unwrap();
    db::orders::insert_many(&mut tx, &[unknown], Timestamp::from_seconds(T))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut conn = pool.acquire().await.unwrap();
    let row = db::orders::find_by_partner_reference(&mut *conn, "NOTIFY-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (row.customer_name, row.item_description),
        (None, None),
        "stored as unknown"
    );
    drop(conn);
    // The length rules still hold for a value given.
    let too_long =
        sqlx::query("UPDATE orders SET customer_name = $1 WHERE partner_reference_no = 'NOTIFY-1'")
            .bind("n".repeat(129))
            .execute(&pool)
            .await;
    assert!(too_long.is_err(), "a 129-character name is refused");

    // The older order keeps its id, its cancel and its place in the name search.
    let found = db::orders::list_page(
        &pool,
        &cancel_desk::orders::query::OrderFilter {
            search: Some("budi".into()),
            status: None,
            paid_from: None,
            paid_to: None,
            sort: cancel_desk::orders::query::SortOrder::PaidDesc,
            page: cancel_desk::orders::query::PageRequest::First,
        },
        10,
    )
    .await
    .unwrap();
    let refs: Vec<_> = found
        .rows
        .iter()
        .map(|r| r.partner_reference_no.as_str())
        .collect();
    assert_eq!(refs, ["OLD-7"]);
    assert_eq!(
        count(&pool, "SELECT order_id FROM cancel_requests").await,
        1
    );
    // Foreign keys are on again: a cancel of an order that does not exist is refused.
    let orphan = sqlx::query(
        "INSERT INTO cancel_requests (order_id, partner_reference_no, actor, reason, request_body, state, \
         created_at, updated_at) VALUES (999, 'NONE', 'old@merchant.test', 'asked', '{}', 'PENDING', 1, 1)",
    )
    .execute(&pool)
    .await;
    assert!(orphan.is_err(), "foreign keys still hold");
    // …and point at the rebuilt table: a cancel of an order that exists is taken.
    sqlx::query(
        "INSERT INTO cancel_requests (order_id, partner_reference_no, actor, reason, request_body, state, \
         created_at, updated_at) VALUES (2, 'NOTIFY-1', 'old@merchant.test', 'asked', '{}', 'PENDING', 1, 1)",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    drop(test_db);
}
