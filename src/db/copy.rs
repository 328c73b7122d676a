//! Copying one Cancel Desk database into another (`cancel-desk copy-data`), e.g. SQLite into
//! PostgreSQL when a merchant outgrows one process. Every table that carries history is copied
//! row for row with its ids, so the audit chain (which hashes ids and links) verifies unchanged
//! on the target. Sessions and sign-in throttling are not copied: staff sign in again.

use futures_util::TryStreamExt;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::sql::Sql;
use super::{Engine, Pool, engine};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Text,
}
use Kind::{Int, Text};

/// Tables in an order that satisfies their foreign keys, with every column and its kind.
const TABLES: &[(&str, &[(&str, Kind)])] = &[
    (
        "orders",
        &[
            ("id", Int),
            ("partner_reference_no", Text),
            ("reference_no", Text),
            ("merchant_id", Text),
            ("sub_merchant_id", Text),
            ("external_store_id", Text),
            ("amount_minor", Int),
            ("currency", Text),
            ("status", Text),
            ("paid_at", Int),
            ("customer_name", Text),
            ("customer_phone_masked", Text),
            ("item_description", Text),
            ("created_at", Int),
            ("updated_at", Int),
            ("source", Text),
            ("last_source", Text),
            ("last_source_at", Int),
            ("refund_reserved_minor", Int),
        ],
    ),
    (
        "users",
        &[
            ("id", Int),
            ("email", Text),
            ("role", Text),
            ("password_hash", Text),
            ("disabled_at", Int),
            ("created_at", Int),
            ("updated_at", Int),
            ("last_sign_in_at", Int),
            ("temporary_password_at", Int),
            ("language", Text),
        ],
    ),
    (
        "cancel_requests",
        &[
            ("id", Int),
            ("order_id", Int),
            ("partner_reference_no", Text),
            ("actor", Text),
            ("reason", Text),
            ("request_body", Text),
            ("state", Text),
            ("last_code", Text),
            ("created_at", Int),
            ("updated_at", Int),
            ("next_attempt_at", Int),
            ("lease_owner", Text),
            ("lease_until", Int),
            ("attention", Text),
            ("last_status", Text),
            ("resolved_by", Text),
            ("resolution_note", Text),
        ],
    ),
    (
        "cancel_attempts",
        &[
            ("id", Int),
            ("cancel_request_id", Int),
            ("attempt_no", Int),
            ("external_id", Text),
            ("request_timestamp", Text),
            ("request_headers", Text),
            ("sent_at", Int),
            ("http_status", Int),
            ("response_code", Text),
            ("response_message", Text),
            ("response_body", Text),
            ("transport_error", Text),
            ("latency_ms", Int),
            ("catalog_code", Text),
            ("finished_at", Int),
        ],
    ),
    (
        "status_checks",
        &[
            ("id", Int),
            ("cancel_request_id", Int),
            ("actor", Text),
            ("external_id", Text),
            ("request_timestamp", Text),
            ("sent_at", Int),
            ("http_status", Int),
            ("response_code", Text),
            ("transaction_status", Text),
            ("response_body", Text),
            ("transport_error", Text),
            ("latency_ms", Int),
            ("catalog_code", Text),
            ("finished_at", Int),
        ],
    ),
    (
        "api_tokens",
        &[
            ("id", Int),
            ("name", Text),
            ("token_sha256", Text),
            ("scope", Text),
            ("created_at", Int),
            ("created_by", Text),
            ("revoked_at", Int),
            ("last_used_at", Int),
        ],
    ),
    (
        "refunds",
        &[
            ("id", Int),
            ("order_id", Int),
            ("partner_reference_no", Text),
            ("partner_refund_no", Text),
            ("actor", Text),
            ("reason", Text),
            ("amount_minor", Int),
            ("currency", Text),
            ("request_body", Text),
            ("state", Text),
            ("last_code", Text),
            ("refund_no", Text),
            ("refund_time", Text),
            ("next_attempt_at", Int),
            ("lease_owner", Text),
            ("lease_until", Int),
            ("attention", Text),
            ("resolved_by", Text),
            ("resolution_note", Text),
            ("created_at", Int),
            ("updated_at", Int),
        ],
    ),
    (
        "refund_attempts",
        &[
            ("id", Int),
            ("refund_id", Int),
            ("attempt_no", Int),
            ("external_id", Text),
            ("request_timestamp", Text),
            ("request_headers", Text),
            ("sent_at", Int),
            ("http_status", Int),
            ("response_code", Text),
            ("response_message", Text),
            ("response_body", Text),
            ("transport_error", Text),
            ("latency_ms", Int),
            ("catalog_code", Text),
            ("finished_at", Int),
        ],
    ),
    (
        "approvals",
        &[
            ("id", Int),
            ("kind", Text),
            ("order_id", Int),
            ("partner_reference_no", Text),
            ("amount_minor", Int),
            ("currency", Text),
            ("reason", Text),
            ("resolution", Text),
            ("target_id", Int),
            ("requested_by", Text),
            ("requested_at", Int),
            ("expires_at", Int),
            ("state", Text),
            ("decided_by", Text),
            ("decided_at", Int),
            ("decision_note", Text),
        ],
    ),
    (
        "audit_events",
        &[
            ("id", Int),
            ("occurred_at", Int),
            ("actor", Text),
            ("action", Text),
            ("outcome", Text),
            ("order_ref", Text),
            ("response_code", Text),
            ("details", Text),
            ("prev_hash", Text),
            ("hash", Text),
        ],
    ),
];

/// Rows per INSERT statement (at most 17 columns: under both engines' variable limits).
const ROWS_PER_STATEMENT: usize = 200;
/// Rows per transaction on the target.
const ROWS_PER_TRANSACTION: usize = 10_000;

#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("the target database already holds {table} rows: copy only into an empty database")]
    TargetNotEmpty { table: &'static str },
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// Rows per table, in copy order.
pub async fn counts(pool: &Pool) -> Result<Vec<(&'static str, i64)>, sqlx::Error> {
    let mut out = Vec::new();
    for (table, _) in TABLES {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(pool)
            .await?;
        out.push((*table, n));
    }
    Ok(out)
}

/// Copies every table of `from` into the migrated, empty `to`; returns rows copied per table.
/// `progress` hears each table as it finishes.
pub async fn copy_all(
    from: &Pool,
    to: &Pool,
    mut progress: impl FnMut(&str, u64),
) -> Result<Vec<(&'static str, u64)>, CopyError> {
    for (table, n) in counts(to).await? {
        if n > 0 {
            return Err(CopyError::TargetNotEmpty { table });
        }
    }
    let mut copied = Vec::new();
    for (table, columns) in TABLES {
        let n = copy_table(from, to, table, columns).await?;
        progress(table, n);
        copied.push((*table, n));
    }
    copy_legacy_events(from, to).await?;
    if engine(to) == Engine::Postgres {
        // Rows came with their ids: move each identity past them, or the next insert collides.
        for table in [
            "orders",
            "users",
            "cancel_requests",
            "cancel_attempts",
            "status_checks",
            "api_tokens",
            "refunds",
            "refund_attempts",
            "approvals",
        ] {
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 GREATEST(COALESCE((SELECT MAX(id) FROM {table}), 0), 1), \
                 (SELECT MAX(id) FROM {table}) IS NOT NULL)"
            ))
            .execute(to)
            .await?;
        }
    }
    Ok(copied)
}

async fn copy_table(
    from: &Pool,
    to: &Pool,
    table: &str,
    columns: &[(&str, Kind)],
) -> Result<u64, sqlx::Error> {
    let names: Vec<&str> = columns.iter().map(|(n, _)| *n).collect();
    let select = format!("SELECT {} FROM {table} ORDER BY id", names.join(", "));
    let insert = format!("INSERT INTO {table} ({}) VALUES ", names.join(", "));
    let mut rows = sqlx::query(&select).fetch(from);
    let mut tx = to.begin().await?;
    let mut batch: Vec<AnyRow> = Vec::with_capacity(ROWS_PER_STATEMENT);
    let mut copied = 0u64;
    let mut in_transaction = 0usize;
    loop {
        let row = rows.try_next().await?;
        let done = row.is_none();
        if let Some(row) = row {
            batch.push(row);
        }
        if batch.len() == ROWS_PER_STATEMENT || (done && !batch.is_empty()) {
            let mut sql = Sql::new(engine(to), insert.clone());
            for (i, row) in batch.iter().enumerate() {
                sql.push(if i == 0 { "(" } else { ", (" });
                for (c, (name, kind)) in columns.iter().enumerate() {
                    if c > 0 {
                        sql.push(", ");
                    }
                    match kind {
                        Int => sql.bind(row.try_get::<Option<i64>, _>(*name)?),
                        Text => sql.bind(row.try_get::<Option<String>, _>(*name)?),
                    };
                }
                sql.push(")");
            }
            let (text, args) = sql.into_parts();
            sqlx::query_with(&text, args).execute(&mut *tx).await?;
            copied += batch.len() as u64;
            in_transaction += batch.len();
            batch.clear();
            if in_transaction >= ROWS_PER_TRANSACTION {
                tx.commit().await?;
                tx = to.begin().await?;
                in_transaction = 0;
            }
        }
        if done {
            break;
        }
    }
    tx.commit().await?;
    Ok(copied)
}

/// An upgraded chain's count of unkeyed events travels with it. The row is append-only on both
/// engines, so its guard is lifted for this one statement, inside one transaction.
async fn copy_legacy_events(from: &Pool, to: &Pool) -> Result<(), sqlx::Error> {
    let legacy: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(legacy_events), 0) FROM audit_chain")
        .fetch_one(from)
        .await?;
    if legacy == 0 {
        return Ok(());
    }
    let mut tx = to.begin().await?;
    let statements: &[&str] = match engine(to) {
        Engine::Sqlite => &[
            "DROP TRIGGER audit_chain_refuse_update",
            "UPDATE audit_chain SET legacy_events = $1 WHERE id = 1",
            "CREATE TRIGGER audit_chain_refuse_update BEFORE UPDATE ON audit_chain BEGIN \
             SELECT RAISE(ABORT, 'audit_chain is append-only'); END",
        ],
        Engine::Postgres => &[
            "ALTER TABLE audit_chain DISABLE TRIGGER audit_chain_refuse_update",
            "UPDATE audit_chain SET legacy_events = $1 WHERE id = 1",
            "ALTER TABLE audit_chain ENABLE TRIGGER audit_chain_refuse_update",
        ],
    };
    for statement in statements {
        let query = sqlx::query(statement);
        let query = if statement.contains("$1") {
            query.bind(legacy)
        } else {
            query
        };
        query.execute(&mut *tx).await?;
    }
    tx.commit().await
}
