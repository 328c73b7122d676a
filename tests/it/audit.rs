//! The audit trail: append-only, hash-chained, verifiable.

use cancel_desk::audit::{self, NewEvent, Outcome};
use cancel_desk::db;
use serde_json::json;

async fn pool() -> (db::Pool, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let pool = db::connect(&format!("sqlite://{}/audit.db", dir.path().display()))
        .await
        .unwrap();
    db::migrate(&pool).await.unwrap();
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

#[tokio::test]
async fn an_untouched_chain_verifies() {
    let (pool, _dir) = pool().await;
    assert_eq!(audit::verify(&pool).await.unwrap().events, 0);
    let first = audit::append(&pool, &event(1)).await.unwrap();
    assert_eq!(first.prev_hash, audit::GENESIS_HASH);
    let second = audit::append(&pool, &event(2)).await.unwrap();
    assert_eq!(second.prev_hash, first.hash);
    let report = audit::verify(&pool).await.unwrap();
    assert_eq!((report.events, report.first_break), (2, None));
}

#[tokio::test]
async fn concurrent_appends_keep_one_linear_chain() {
    let (pool, _dir) = pool().await;
    let tasks: Vec<_> = (0..40)
        .map(|n| {
            let pool = pool.clone();
            tokio::spawn(async move { audit::append(&pool, &event(n)).await.unwrap() })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let report = audit::verify(&pool).await.unwrap();
    assert_eq!((report.events, report.first_break), (40, None));
}

#[tokio::test]
async fn the_table_refuses_update_and_delete() {
    let (pool, _dir) = pool().await;
    audit::append(&pool, &event(1)).await.unwrap();
    let update = sqlx::query("UPDATE audit_events SET actor = 'someone else'")
        .execute(&pool)
        .await;
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = sqlx::query("DELETE FROM audit_events").execute(&pool).await;
    assert!(delete.unwrap_err().to_string().contains("append-only"));
    assert_eq!(audit::verify(&pool).await.unwrap().first_break, None);
}

#[tokio::test]
async fn verify_names_the_first_row_edited_behind_the_triggers_back() {
    let (pool, _dir) = pool().await;
    for n in 1..=5 {
        audit::append(&pool, &event(n)).await.unwrap();
    }
    sqlx::query("DROP TRIGGER audit_events_refuse_update")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_events SET details = '{\"reason\":\"edited\"}' WHERE id = 3")
        .execute(&pool)
        .await
        .unwrap();
    let report = audit::verify(&pool).await.unwrap();
    let broken = report.first_break.expect("the edit is caught");
    assert_eq!(broken.id, 3);
    assert!(broken.reason.contains("changed"), "{}", broken.reason);
    assert_eq!(report.events, 2);
}

#[tokio::test]
async fn verify_notices_a_deleted_row_and_a_rehashed_row() {
    let (pool, _dir) = pool().await;
    for n in 1..=4 {
        audit::append(&pool, &event(n)).await.unwrap();
    }
    sqlx::query("DROP TRIGGER audit_events_refuse_delete")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM audit_events WHERE id = 2")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(
        audit::verify(&pool).await.unwrap().first_break.unwrap().id,
        3
    );

    // Recomputing a changed row's own hash does not help: the next row's link gives it away.
    let (pool, _dir2) = self::pool().await;
    for n in 1..=3 {
        audit::append(&pool, &event(n)).await.unwrap();
    }
    let mut row: audit::EventRow = sqlx::query_as("SELECT * FROM audit_events WHERE id = 2")
        .fetch_one(&pool)
        .await
        .unwrap();
    row.actor = "intruder@merchant.test".into();
    let forged = audit::row_hash(&row);
    sqlx::query("DROP TRIGGER audit_events_refuse_update")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_events SET actor = ?, hash = ? WHERE id = 2")
        .bind(&row.actor)
        .bind(&forged)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(
        audit::verify(&pool).await.unwrap().first_break.unwrap().id,
        3
    );
}

#[tokio::test]
async fn secrets_never_enter_the_trail() {
    let (pool, _dir) = pool().await;
    let mut leaky = event(1);
    leaky.details = json!({"email": "a@b.test", "password": "hunter2"});
    assert!(matches!(
        audit::append(&pool, &leaky).await,
        Err(audit::AuditError::SecretInDetails(_))
    ));
    leaky.details = json!({"cookie": {"session_id": "abc"}});
    assert!(audit::append(&pool, &leaky).await.is_err());
    assert_eq!(
        audit::verify(&pool).await.unwrap().events,
        0,
        "nothing was written"
    );
}
