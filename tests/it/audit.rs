//! The audit trail: append-only, keyed hash chain, verifiable, anchored by signed checkpoints.

use cancel_desk::audit::checkpoint::{self, Checkpoint};
use cancel_desk::audit::key::AuditKey;
use cancel_desk::audit::{self, EventRow, NewEvent, Outcome};
use cancel_desk::db;
use serde_json::json;

use crate::common::TestDb;

/// The version of the migration that keys the chain; older ones make a pre-upgrade database.
const KEYED_MIGRATION: i64 = 20261125000006;

fn key() -> AuditKey {
    AuditKey::from_bytes([7u8; 32])
}

fn other_key() -> AuditKey {
    AuditKey::from_bytes([9u8; 32])
}

async fn pool() -> (db::Pool, (tempfile::TempDir, TestDb)) {
    let dir = tempfile::tempdir().unwrap();
    let test_db = TestDb::new(dir.path(), "audit.db").await;
    let pool = db::connect(&test_db.url).await.unwrap();
    db::migrate(&pool).await.unwrap();
    let dir = (dir, test_db);
    assert_eq!(
        audit::ensure_keyed(&pool, &key(), audit::KeyOrigin::GeneratedNow)
            .await
            .unwrap(),
        None
    );
    (pool, dir)
}

fn event(n: usize) -> NewEvent {
    NewEvent {
        actor: "finance@merchant.test".into(),
        action: "cancel.intent",
        outcome: Outcome::Pending,
        order_ref: Some(format!("REF{n:04}")),
        response_code: None,
        details: json!({"reason": format!("customer request {n}"), "amount": "10000.00"}),
    }
}

async fn append_n(pool: &db::Pool, range: std::ops::RangeInclusive<usize>) {
    for n in range {
        audit::append(pool, &key(), &event(n)).await.unwrap();
    }
}

/// Drops one of the append-only triggers, as someone with write access to the database can.
async fn drop_trigger(pool: &db::Pool, name: &str) {
    let sql = match db::engine(pool) {
        db::Engine::Sqlite => format!("DROP TRIGGER IF EXISTS {name}"),
        db::Engine::Postgres => {
            let table = if name.starts_with("audit_chain") {
                "audit_chain"
            } else {
                "audit_events"
            };
            format!("DROP TRIGGER IF EXISTS {name} ON {table}")
        }
    };
    sqlx::query(&sql).execute(pool).await.unwrap();
}

async fn row(pool: &db::Pool, id: i64) -> EventRow {
    sqlx::query_as("SELECT * FROM audit_events WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn insert_raw(pool: &db::Pool, row: &EventRow) {
    sqlx::query(
        "INSERT INTO audit_events (id, occurred_at, actor, action, outcome, order_ref, response_code, details, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(row.id)
    .bind(row.occurred_at)
    .bind(&row.actor)
    .bind(&row.action)
    .bind(&row.outcome)
    .bind(&row.order_ref)
    .bind(&row.response_code)
    .bind(&row.details)
    .bind(&row.prev_hash)
    .bind(&row.hash)
    .execute(pool)
    .await
    .unwrap();
}

/// Deletes rows `from..` behind the triggers' back.
async fn delete_from(pool: &db::Pool, from: i64) {
    sqlx::query("DELETE FROM audit_events WHERE id >= $1")
        .bind(from)
        .execute(pool)
        .await
        .unwrap();
}

/// Rewrites rows `from..=to` (changing the actor of `from`) and re-chains them with `hash`, as
/// someone holding the database (and perhaps a key) could; the triggers are gone by then.
async fn rewrite_and_rechain(
    pool: &db::Pool,
    from: i64,
    to: i64,
    hash: impl Fn(&EventRow) -> String,
) {
    drop_trigger(pool, "audit_events_refuse_delete").await;
    let mut prev = if from == 1 {
        audit::GENESIS_HASH.to_string()
    } else {
        row(pool, from - 1).await.hash
    };
    let mut rows = Vec::new();
    for id in from..=to {
        let mut r = row(pool, id).await;
        if id == from {
            r.actor = "intruder@merchant.test".into();
        }
        r.prev_hash = prev.clone();
        r.hash = hash(&r);
        prev = r.hash.clone();
        rows.push(r);
    }
    delete_from(pool, from).await;
    for r in &rows {
        insert_raw(pool, r).await;
    }
}

/// A forged event appended after the head, hashed with `hash`.
async fn forge_append(pool: &db::Pool, hash: impl Fn(&EventRow) -> String) -> i64 {
    let head = sqlx::query_as::<_, (i64, String)>(
        "SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let mut forged = EventRow {
        id: head.0 + 1,
        occurred_at: cancel_desk::time::Timestamp::host_now(),
        actor: "intruder@merchant.test".into(),
        action: "cancel.intent".into(),
        outcome: "pending".into(),
        order_ref: Some("FORGED".into()),
        response_code: None,
        details: "{}".into(),
        prev_hash: head.1,
        hash: String::new(),
    };
    forged.hash = hash(&forged);
    insert_raw(pool, &forged).await;
    forged.id
}

/// Checks `checkpoints` (as lines of a file) against the chain: the chain's report and the
/// checkpoint failures.
async fn verify_with(
    pool: &db::Pool,
    key: &AuditKey,
    checkpoints: &[&Checkpoint],
) -> (audit::VerifyReport, Vec<checkpoint::CheckpointFailure>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("checkpoints.jsonl");
    std::fs::write(&path, "").unwrap();
    for c in checkpoints {
        checkpoint::append_to_file(&path, c).unwrap();
    }
    let report = audit::verify(pool, key).await.unwrap();
    let checked = checkpoint::verify_file(pool, key, &path, &report)
        .await
        .unwrap();
    assert_eq!(checked.checked, checkpoints.len());
    (report, checked.failures)
}

#[tokio::test]
async fn an_untouched_chain_verifies() {
    let (pool, _dir) = pool().await;
    assert_eq!(audit::verify(&pool, &key()).await.unwrap().events, 0);
    let first = audit::append(&pool, &key(), &event(1)).await.unwrap();
    assert_eq!(first.prev_hash, audit::GENESIS_HASH);
    assert_eq!(first.hash, audit::row_hash(&key(), &first));
    let second = audit::append(&pool, &key(), &event(2)).await.unwrap();
    assert_eq!(second.prev_hash, first.hash);
    let report = audit::verify(&pool, &key()).await.unwrap();
    assert_eq!(
        (report.events, report.legacy_events, report.first_break),
        (2, 0, None)
    );
}

#[tokio::test]
async fn a_fresh_database_is_keyed_from_the_first_event_without_a_marker() {
    let (pool, _dir) = pool().await;
    let legacy: i64 = sqlx::query_scalar("SELECT legacy_events FROM audit_chain")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(legacy, 0);
    append_n(&pool, 1..=2).await;
    assert_eq!(
        audit::ensure_keyed(&pool, &key(), audit::KeyOrigin::GeneratedNow)
            .await
            .unwrap(),
        None
    );
    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_events ORDER BY id")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(actions, ["cancel.intent", "cancel.intent"]);
    assert_ne!(
        row(&pool, 1).await.hash,
        audit::legacy_row_hash(&row(&pool, 1).await)
    );
}

#[tokio::test]
async fn a_wrong_key_fails_at_the_first_row() {
    let (pool, _dir) = pool().await;
    append_n(&pool, 1..=3).await;
    let report = audit::verify(&pool, &other_key()).await.unwrap();
    let broken = report.first_break.expect("another key does not verify");
    assert_eq!((broken.id, report.events), (1, 0));
    assert!(broken.reason.contains("key"), "{}", broken.reason);
}

#[tokio::test]
async fn concurrent_appends_keep_one_linear_chain() {
    let (pool, _dir) = pool().await;
    let tasks: Vec<_> = (0..40)
        .map(|n| {
            let pool = pool.clone();
            tokio::spawn(async move { audit::append(&pool, &key(), &event(n)).await.unwrap() })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let report = audit::verify(&pool, &key()).await.unwrap();
    assert_eq!((report.events, report.first_break), (40, None));
}

#[tokio::test]
async fn the_tables_refuse_update_and_delete() {
    let (pool, _dir) = pool().await;
    audit::append(&pool, &key(), &event(1)).await.unwrap();
    let update = sqlx::query("UPDATE audit_events SET actor = 'someone else'")
        .execute(&pool)
        .await;
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = sqlx::query("DELETE FROM audit_events").execute(&pool).await;
    assert!(delete.unwrap_err().to_string().contains("append-only"));
    for statement in [
        "UPDATE audit_chain SET legacy_events = 5",
        "DELETE FROM audit_chain",
        "INSERT INTO audit_chain (id, legacy_events) VALUES (2, 5)",
    ] {
        assert!(
            sqlx::query(statement).execute(&pool).await.is_err(),
            "{statement}"
        );
    }
    assert_eq!(
        audit::verify(&pool, &key()).await.unwrap().first_break,
        None
    );
}

#[tokio::test]
async fn verify_names_the_first_row_edited_behind_the_triggers_back() {
    let (pool, _dir) = pool().await;
    append_n(&pool, 1..=5).await;
    drop_trigger(&pool, "audit_events_refuse_update").await;
    sqlx::query("UPDATE audit_events SET details = '{\"reason\":\"edited\"}' WHERE id = 3")
        .execute(&pool)
        .await
        .unwrap();
    let report = audit::verify(&pool, &key()).await.unwrap();
    let broken = report.first_break.expect("the edit is caught");
    assert_eq!(broken.id, 3);
    assert!(broken.reason.contains("changed"), "{}", broken.reason);
    assert_eq!(report.events, 2);
}

#[tokio::test]
async fn verify_notices_a_deleted_row_and_a_rehashed_row() {
    let (pool, _dir) = pool().await;
    append_n(&pool, 1..=4).await;
    drop_trigger(&pool, "audit_events_refuse_delete").await;
    sqlx::query("DELETE FROM audit_events WHERE id = 2")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(
        audit::verify(&pool, &key())
            .await
            .unwrap()
            .first_break
            .unwrap()
            .id,
        3
    );

    // Without the key, a changed row cannot be given a hash that verifies: the unkeyed SHA-256
    // of old, or an HMAC with another key, fails on the row itself.
    for forged_hash in [
        audit::legacy_row_hash as fn(&EventRow) -> String,
        |r: &EventRow| audit::row_hash(&other_key(), r),
    ] {
        let (pool, _dir2) = self::pool().await;
        append_n(&pool, 1..=3).await;
        let mut changed = row(&pool, 2).await;
        changed.actor = "intruder@merchant.test".into();
        let forged = forged_hash(&changed);
        drop_trigger(&pool, "audit_events_refuse_update").await;
        sqlx::query("UPDATE audit_events SET actor = $1, hash = $2 WHERE id = 2")
            .bind(&changed.actor)
            .bind(&forged)
            .execute(&pool)
            .await
            .unwrap();
        assert_eq!(
            audit::verify(&pool, &key())
                .await
                .unwrap()
                .first_break
                .unwrap()
                .id,
            2
        );
    }

    // Even with the key, re-hashing one row alone breaks the next row's link.
    let (pool, _dir3) = self::pool().await;
    append_n(&pool, 1..=3).await;
    let mut changed = row(&pool, 2).await;
    changed.actor = "intruder@merchant.test".into();
    let forged = audit::row_hash(&key(), &changed);
    drop_trigger(&pool, "audit_events_refuse_update").await;
    sqlx::query("UPDATE audit_events SET actor = $1, hash = $2 WHERE id = 2")
        .bind(&changed.actor)
        .bind(&forged)
        .execute(&pool)
        .await
        .unwrap();
    let broken = audit::verify(&pool, &key())
        .await
        .unwrap()
        .first_break
        .unwrap();
    assert_eq!(broken.id, 3);
    assert!(broken.reason.contains("link"), "{}", broken.reason);
}

#[tokio::test]
async fn secrets_never_enter_the_trail() {
    let (pool, _dir) = pool().await;
    let mut leaky = event(1);
    leaky.details = json!({"email": "a@b.test", "password": "hunter2"});
    assert!(matches!(
        audit::append(&pool, &key(), &leaky).await,
        Err(audit::AuditError::SecretInDetails(_))
    ));
    leaky.details = json!({"cookie": {"session_id": "abc"}});
    assert!(audit::append(&pool, &key(), &leaky).await.is_err());
    assert_eq!(
        audit::verify(&pool, &key()).await.unwrap().events,
        0,
        "nothing was written"
    );
}

#[tokio::test]
async fn a_checkpoint_holds_for_the_chain_it_was_taken_from_and_its_growth() {
    let (pool, _dir) = pool().await;
    let empty = checkpoint::take(&pool, &key()).await.unwrap();
    assert_eq!(
        (empty.events, empty.head_id, empty.head_hash.as_str()),
        (0, 0, audit::GENESIS_HASH)
    );
    append_n(&pool, 1..=5).await;
    let at_five = checkpoint::take(&pool, &key()).await.unwrap();
    assert_eq!((at_five.events, at_five.head_id), (5, 5));
    assert_eq!(at_five.head_hash, row(&pool, 5).await.hash);
    assert!(at_five.mac_valid(&key()));
    assert!(chrono::DateTime::parse_from_rfc3339(&at_five.at).is_ok());
    assert!(at_five.at.ends_with('Z'), "{}", at_five.at);
    append_n(&pool, 6..=7).await;
    let (report, failures) = verify_with(&pool, &key(), &[&empty, &at_five]).await;
    assert_eq!((report.events, report.first_break), (7, None));
    assert_eq!(failures, []);

    // A checkpoint line changed by hand, or checked with another key, does not hold.
    let edited = Checkpoint {
        events: 4,
        head_id: 4,
        head_hash: row(&pool, 4).await.hash,
        ..at_five.clone()
    };
    let (_, failures) = verify_with(&pool, &key(), &[&at_five, &edited]).await;
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].line, 2);
    assert!(failures[0].reason.contains("mac"), "{}", failures[0].reason);
}

#[tokio::test]
async fn a_deleted_tail_is_caught_by_the_checkpoint_that_saw_it() {
    let (pool, _dir) = pool().await;
    append_n(&pool, 1..=5).await;
    let taken = checkpoint::take(&pool, &key()).await.unwrap();
    append_n(&pool, 6..=7).await;
    drop_trigger(&pool, "audit_events_refuse_delete").await;

    // Events after the last checkpoint can go unnoticed: a known limit.
    delete_from(&pool, 7).await;
    let (report, failures) = verify_with(&pool, &key(), &[&taken]).await;
    assert_eq!((report.events, report.first_break), (6, None));
    assert_eq!(failures, []);

    // Deleting into what the checkpoint saw cannot: the chain alone still verifies, the
    // checkpoint names itself and the missing event.
    delete_from(&pool, 4).await;
    let (report, failures) = verify_with(&pool, &key(), &[&taken]).await;
    assert_eq!((report.events, report.first_break), (3, None));
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].line, 1);
    assert_eq!(failures[0].at.as_deref(), Some(taken.at.as_str()));
    let text = failures[0].to_string();
    assert!(
        text.contains("line 1") && text.contains(&taken.at) && text.contains("#5"),
        "{text}"
    );
    assert!(text.contains("tail was deleted"), "{text}");
}

#[tokio::test]
async fn forged_rows_appended_without_the_key_fail_even_after_a_truncation() {
    for forged_hash in [
        audit::legacy_row_hash as fn(&EventRow) -> String,
        |r: &EventRow| audit::row_hash(&other_key(), r),
    ] {
        // Appended after the head.
        let (pool, _dir) = pool().await;
        append_n(&pool, 1..=5).await;
        let taken = checkpoint::take(&pool, &key()).await.unwrap();
        let forged = forge_append(&pool, forged_hash).await;
        let (report, failures) = verify_with(&pool, &key(), &[&taken]).await;
        assert_eq!(report.first_break.unwrap().id, forged);
        assert_eq!(failures, [], "what the checkpoint saw is intact");

        // The tail replaced by forged rows: the chain breaks at the first, and the checkpoint
        // sees its head changed.
        let (pool, _dir) = self::pool().await;
        append_n(&pool, 1..=5).await;
        let taken = checkpoint::take(&pool, &key()).await.unwrap();
        drop_trigger(&pool, "audit_events_refuse_delete").await;
        delete_from(&pool, 4).await;
        forge_append(&pool, forged_hash).await;
        forge_append(&pool, forged_hash).await;
        let (report, failures) = verify_with(&pool, &key(), &[&taken]).await;
        assert_eq!(report.first_break.unwrap().id, 4);
        assert_eq!(failures.len(), 1);
        assert!(
            failures[0].reason.contains("rewritten"),
            "{:?}",
            failures[0]
        );
    }
}

#[tokio::test]
async fn a_rewritten_middle_row_fails_whichever_key_rechains_it() {
    // Re-chained with another key: the chain breaks at the rewritten row.
    let (pool, _dir) = pool().await;
    append_n(&pool, 1..=5).await;
    let taken = checkpoint::take(&pool, &key()).await.unwrap();
    rewrite_and_rechain(&pool, 3, 5, |r| audit::row_hash(&other_key(), r)).await;
    let (report, failures) = verify_with(&pool, &key(), &[&taken]).await;
    assert_eq!(report.first_break.unwrap().id, 3);
    assert_eq!(failures.len(), 1);

    // Re-chained with the real key (someone who has it and the database): the chain verifies,
    // but the checkpoint taken before still names the rewrite.
    let (pool, _dir) = self::pool().await;
    append_n(&pool, 1..=5).await;
    let taken = checkpoint::take(&pool, &key()).await.unwrap();
    rewrite_and_rechain(&pool, 3, 5, |r| audit::row_hash(&key(), r)).await;
    let (report, failures) = verify_with(&pool, &key(), &[&taken]).await;
    assert_eq!((report.events, report.first_break), (5, None));
    assert_eq!(failures.len(), 1);
    assert!(
        failures[0].to_string().contains("line 1")
            && failures[0].reason.contains("#5")
            && failures[0].reason.contains("rewritten"),
        "{}",
        failures[0]
    );

    // An event inserted before the head and re-chained with the real key: the same.
    let (pool, _dir) = self::pool().await;
    append_n(&pool, 1..=5).await;
    let taken = checkpoint::take(&pool, &key()).await.unwrap();
    let tail: Vec<EventRow> =
        sqlx::query_as("SELECT * FROM audit_events WHERE id >= 3 ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    drop_trigger(&pool, "audit_events_refuse_delete").await;
    delete_from(&pool, 3).await;
    let mut prev = row(&pool, 2).await.hash;
    let mut inserted = tail[0].clone();
    inserted.actor = "intruder@merchant.test".into();
    for (i, original) in std::iter::once(inserted).chain(tail).enumerate() {
        let mut r = original;
        r.id = 3 + i as i64;
        r.prev_hash = prev;
        r.hash = audit::row_hash(&key(), &r);
        prev = r.hash.clone();
        insert_raw(&pool, &r).await;
    }
    let (report, failures) = verify_with(&pool, &key(), &[&taken]).await;
    assert_eq!((report.events, report.first_break), (6, None));
    assert_eq!(failures.len(), 1, "{failures:?}");
}

#[tokio::test]
async fn a_checkpoint_counts_the_events_before_its_head() {
    // A checkpoint taken while event #2 was missing counts 4 events up to #5; putting #2 back
    // (exactly as it was, so the chain verifies again) moves #5 to the 5th place.
    let (pool, _dir) = pool().await;
    append_n(&pool, 1..=5).await;
    let second = row(&pool, 2).await;
    drop_trigger(&pool, "audit_events_refuse_delete").await;
    sqlx::query("DELETE FROM audit_events WHERE id = 2")
        .execute(&pool)
        .await
        .unwrap();
    let taken = checkpoint::take(&pool, &key()).await.unwrap();
    assert_eq!((taken.events, taken.head_id), (4, 5));
    let (report, failures) = verify_with(&pool, &key(), &[&taken]).await;
    assert_eq!(report.first_break.unwrap().id, 3);
    assert_eq!(failures, [], "it matches the chain it was taken from");
    insert_raw(&pool, &second).await;
    let (report, failures) = verify_with(&pool, &key(), &[&taken]).await;
    assert_eq!((report.events, report.first_break), (5, None));
    assert_eq!(failures.len(), 1);
    assert!(failures[0].reason.contains("inserted"), "{}", failures[0]);
}

/// The SHA-256 chain hash rows had before it was keyed, written out by hand.
fn old_sha256(row: &EventRow) -> String {
    use sha2::Digest;
    let canonical = serde_json::to_vec(&(
        row.id,
        row.occurred_at,
        &row.actor,
        &row.action,
        &row.outcome,
        &row.order_ref,
        &row.response_code,
        &row.details,
        &row.prev_hash,
    ))
    .unwrap();
    sha2::Sha256::digest(&canonical)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A database as it was before the keyed chain: the older migrations only, and `n` events
/// chained with the old unkeyed SHA-256.
async fn legacy_database(n: i64) -> (db::Pool, (tempfile::TempDir, TestDb)) {
    legacy_database_on(crate::common::engine(), n).await
}

/// [`legacy_database`] on `engine`.
pub(crate) async fn legacy_database_on(
    engine: db::Engine,
    n: i64,
) -> (db::Pool, (tempfile::TempDir, TestDb)) {
    let dir = tempfile::tempdir().unwrap();
    let test_db = TestDb::new_on(engine, dir.path(), "legacy.db").await;
    let pool = db::connect(&test_db.url).await.unwrap();
    crate::common::migrated_before(&pool, KEYED_MIGRATION).await;
    let mut prev = audit::GENESIS_HASH.to_string();
    for id in 1..=n {
        let mut r = EventRow {
            id,
            occurred_at: cancel_desk::time::Timestamp::from_millis(1_795_000_000_000 + id),
            actor: "finance@merchant.test".into(),
            action: "cancel.intent".into(),
            outcome: "pending".into(),
            order_ref: Some(format!("LEGACY{id}")),
            response_code: None,
            details: json!({"reason": "before the upgrade"}).to_string(),
            prev_hash: prev,
            hash: String::new(),
        };
        r.hash = old_sha256(&r);
        prev = r.hash.clone();
        insert_raw(&pool, &r).await;
    }
    (pool, (dir, test_db))
}

#[tokio::test]
async fn an_upgraded_chain_is_keyed_once_after_its_legacy_events() {
    let (pool, _dir) = legacy_database(3).await;
    let legacy_head = row(&pool, 3).await.hash;
    assert_eq!(legacy_head, audit::legacy_row_hash(&row(&pool, 3).await));
    db::migrate(&pool).await.unwrap();
    let legacy: i64 = sqlx::query_scalar("SELECT legacy_events FROM audit_chain")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(legacy, 3);

    // Until the marker is written the chain is incomplete.
    let broken = audit::verify(&pool, &key())
        .await
        .unwrap()
        .first_break
        .unwrap();
    assert_eq!(broken.id, 4);
    assert!(broken.reason.contains("marker"), "{}", broken.reason);

    let marker = audit::ensure_keyed(&pool, &key(), audit::KeyOrigin::GeneratedNow)
        .await
        .unwrap()
        .expect("the marker is written");
    assert_eq!(
        (marker.id, marker.action.as_str(), marker.prev_hash.as_str()),
        (4, audit::CHAIN_KEYED_ACTION, legacy_head.as_str())
    );
    let details: serde_json::Value = serde_json::from_str(&marker.details).unwrap();
    assert_eq!(
        details,
        json!({"legacy_events": 3, "legacy_head_hash": legacy_head})
    );
    assert_eq!(marker.hash, audit::row_hash(&key(), &marker));
    assert_eq!(
        audit::ensure_keyed(&pool, &key(), audit::KeyOrigin::GeneratedNow)
            .await
            .unwrap(),
        None
    );
    let after = audit::append(&pool, &key(), &event(1)).await.unwrap();
    assert_eq!(after.id, 5);
    assert_eq!(
        audit::ensure_keyed(&pool, &key(), audit::KeyOrigin::GeneratedNow)
            .await
            .unwrap(),
        None
    );
    let markers: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE action = $1")
        .bind(audit::CHAIN_KEYED_ACTION)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(markers, 1);
    let report = audit::verify(&pool, &key()).await.unwrap();
    assert_eq!(
        (report.events, report.legacy_events, report.first_break),
        (5, 3, None)
    );

    // Another key fails at the marker, the first keyed row.
    let broken = audit::verify(&pool, &other_key())
        .await
        .unwrap()
        .first_break
        .unwrap();
    assert_eq!(broken.id, 4);

    // A row hashed the legacy way after the marker is a forgery.
    let forged = forge_append(&pool, audit::legacy_row_hash).await;
    let report = audit::verify(&pool, &key()).await.unwrap();
    assert_eq!(report.first_break.unwrap().id, forged);
    assert_eq!(report.events, 5);
}

#[tokio::test]
async fn an_upgraded_chain_refuses_a_missing_or_fake_marker_and_a_changed_legacy_row() {
    // No append writes the marker: only the start that generated the key does. Whoever raises
    // `legacy_events` to re-chain rows the old way gets refused appends and a refused start.
    let (pool, _dir) = legacy_database(2).await;
    db::migrate(&pool).await.unwrap();
    assert!(matches!(
        audit::append(&pool, &key(), &event(1)).await,
        Err(audit::AuditError::NotKeyed)
    ));
    assert!(matches!(
        audit::ensure_keyed(&pool, &key(), audit::KeyOrigin::Existing).await,
        Err(audit::AuditError::MarkerRefused(2))
    ));
    let marker = audit::ensure_keyed(&pool, &key(), audit::KeyOrigin::GeneratedNow)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(marker.id, 3);
    let first = audit::append(&pool, &key(), &event(1)).await.unwrap();
    assert_eq!(first.id, 4);
    assert_eq!(
        audit::verify(&pool, &key()).await.unwrap().first_break,
        None
    );

    // An ordinary keyed row where the marker belongs.
    let (pool, _dir) = legacy_database(2).await;
    db::migrate(&pool).await.unwrap();
    forge_append(&pool, |r| audit::row_hash(&key(), r)).await;
    let broken = audit::verify(&pool, &key())
        .await
        .unwrap()
        .first_break
        .unwrap();
    assert_eq!(broken.id, 3);
    assert!(broken.reason.contains("marker"), "{}", broken.reason);

    // A legacy row changed (and re-hashed the old way) is still caught by the next link.
    let (pool, _dir) = legacy_database(3).await;
    db::migrate(&pool).await.unwrap();
    audit::ensure_keyed(&pool, &key(), audit::KeyOrigin::GeneratedNow)
        .await
        .unwrap();
    let mut changed = row(&pool, 2).await;
    changed.actor = "intruder@merchant.test".into();
    drop_trigger(&pool, "audit_events_refuse_update").await;
    sqlx::query("UPDATE audit_events SET actor = $1, hash = $2 WHERE id = 2")
        .bind(&changed.actor)
        .bind(old_sha256(&changed))
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(
        audit::verify(&pool, &key())
            .await
            .unwrap()
            .first_break
            .unwrap()
            .id,
        3
    );

    // A legacy tail deleted: the chain ends before the count the upgrade recorded.
    let (pool, _dir) = legacy_database(3).await;
    db::migrate(&pool).await.unwrap();
    drop_trigger(&pool, "audit_events_refuse_delete").await;
    delete_from(&pool, 3).await;
    assert_eq!(
        audit::ensure_keyed(&pool, &key(), audit::KeyOrigin::GeneratedNow)
            .await
            .unwrap(),
        None
    );
    let broken = audit::verify(&pool, &key())
        .await
        .unwrap()
        .first_break
        .unwrap();
    assert_eq!(broken.id, 3);
    assert!(broken.reason.contains("deleted"), "{}", broken.reason);
}

#[tokio::test]
async fn the_writer_appends_a_signed_checkpoint_at_once_and_then_every_period() {
    let (pool, dir) = pool().await;
    append_n(&pool, 1..=2).await;
    let path = dir.0.path().join("anchors/checkpoints.jsonl");
    assert!(checkpoint::spawn_writer(pool.clone(), key(), path.clone(), 0).is_none());
    let writer = checkpoint::spawn_writer(pool.clone(), key(), path.clone(), 15).unwrap();
    let started = std::time::Instant::now();
    let text = loop {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if text.ends_with('\n') || started.elapsed().as_secs() > 10 {
            break text;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    writer.abort();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "{text}");
    let written = Checkpoint::parse_line(lines[0]).unwrap();
    assert_eq!((written.events, written.head_id), (2, 2));
    assert!(written.mac_valid(&key()));
}

#[tokio::test]
async fn the_cli_prints_a_checkpoint_and_verify_checks_the_file() {
    use crate::users_cli::{audit_key_path, run};
    let dir = tempfile::tempdir().unwrap();
    let test_db = TestDb::new(dir.path(), "cli.db").await;
    let db = test_db.url.clone();
    let (ok, out) = run(&db, &["migrate"], "");
    assert!(ok, "{out}");
    let pool = db::connect(&db).await.unwrap();
    let cli_key = AuditKey::load_or_create(&audit_key_path(&db)).unwrap();
    for n in 1..=5 {
        audit::append(&pool, &cli_key, &event(n)).await.unwrap();
    }

    let (ok, out) = run(&db, &["audit", "checkpoint"], "");
    assert!(ok, "{out}");
    let line = out
        .lines()
        .find(|l| l.starts_with('{'))
        .expect("a checkpoint line");
    let printed = Checkpoint::parse_line(line).unwrap();
    assert_eq!((printed.events, printed.head_id), (5, 5));
    assert!(printed.mac_valid(&cli_key));
    let file = dir.path().join("checkpoints.jsonl");
    std::fs::write(&file, format!("{line}\n")).unwrap();
    let file_arg = file.display().to_string();

    audit::append(&pool, &cli_key, &event(6)).await.unwrap();
    let (ok, out) = run(&db, &["audit", "verify", "--checkpoint", &file_arg], "");
    assert!(ok, "{out}");
    assert!(out.contains("audit chain intact: 6 events"), "{out}");
    assert!(out.contains("1 checkpoints"), "{out}");

    drop_trigger(&pool, "audit_events_refuse_delete").await;
    delete_from(&pool, 5).await;
    pool.close().await;
    let (ok, out) = run(&db, &["audit", "verify"], "");
    assert!(ok, "without checkpoints a cut tail looks whole: {out}");
    let (ok, out) = run(&db, &["audit", "verify", "--checkpoint", &file_arg], "");
    assert!(!ok, "{out}");
    assert!(
        out.contains("line 1") && out.contains(&printed.at) && out.contains("tail was deleted"),
        "{out}"
    );
}

#[tokio::test]
async fn a_missing_key_file_is_never_replaced_while_keyed_events_exist() {
    let dir = tempfile::tempdir().unwrap();
    let test_db = TestDb::new(dir.path(), "k.db").await;
    let pool = db::connect(&test_db.url).await.unwrap();
    db::migrate(&pool).await.unwrap();
    let path = dir.path().join("keys/audit.key");
    // First start: no events, the key is generated.
    let key = audit::open_key(&pool, &path).await.unwrap();
    audit::append(&pool, &key, &event(1)).await.unwrap();
    // The same file again: the same key.
    let again = audit::open_key(&pool, &path).await.unwrap();
    assert_eq!(again.mac_hex(b"x"), key.mac_hex(b"x"));
    // The key volume is not mounted: refuse rather than start a second, unverifiable chain.
    std::fs::remove_file(&path).unwrap();
    assert!(matches!(
        audit::open_key(&pool, &path).await,
        Err(audit::AuditError::KeyMissing(_))
    ));
    assert!(!path.exists(), "no new key was written");
}
