//! The audit trail store: appending events to the keyed hash chain, verifying it, reading it
//! back.
//!
//! Each row's `hash` is an HMAC-SHA256, keyed with the [`AuditKey`] kept outside the database,
//! over the row's canonical content (which includes the previous row's hash). Databases created
//! before the chain was keyed start with `audit_chain.legacy_events` rows hashed with plain
//! SHA-256; the row after them is an [`CHAIN_KEYED_ACTION`] marker, and it and every later row
//! are keyed.

use crate::time::Timestamp;
use futures_util::TryStreamExt;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::key::AuditKey;
use crate::db::Pool;

/// The hash the first event links to.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Detail keys that would carry secrets; an event naming one is refused.
const SECRET_KEYS: &[&str] = &[
    "password",
    "private_key",
    "privatekey",
    "session",
    "secret",
    "signature_key",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    Pending,
    Forbidden,
    Info,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Pending => "pending",
            Outcome::Forbidden => "forbidden",
            Outcome::Info => "info",
        }
    }
}

/// An event to record.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// Who: a staff e-mail, or `system` for the server itself.
    pub actor: String,
    /// What, as `area.verb` (`login.failed`, `cancel.intent`, `dana.attempt`, …).
    pub action: &'static str,
    pub outcome: Outcome,
    pub order_ref: Option<String>,
    pub response_code: Option<String>,
    /// Everything else, as a JSON object.
    pub details: Value,
}

/// One stored event (the row type lives with the queries that read and write it).
pub use crate::db::audit::EventRow;

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("audit details must be a JSON object")]
    DetailsNotObject,
    #[error("audit details may not carry {0:?}: secrets never enter the audit trail")]
    SecretInDetails(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Key(#[from] super::key::AuditKeyError),
    #[error(
        "the audit key file {0} is missing but the audit trail has keyed events: restore the key \
         (a new one would make every earlier event unverifiable)"
    )]
    KeyMissing(String),
    #[error(
        "the audit trail says its first {0} events predate the audit key, but the key already \
         existed and no marker follows them: the trail was changed outside Cancel Desk; run \
         `cancel-desk audit verify --checkpoint` and restore it from a backup"
    )]
    MarkerRefused(i64),
    #[error("the audit trail is not keyed yet (start the server or run `cancel-desk migrate`)")]
    NotKeyed,
}

/// Where the audit key came from in this process: an upgraded chain is marked as keyed only by
/// the start that generated its key, never later (a later "upgrade" would be a forgery).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOrigin {
    GeneratedNow,
    Existing,
}

/// The audit key for this database: loaded from `path`, or generated there when the file does
/// not exist and the chain has no keyed events yet; then [`ensure_keyed`].
pub async fn open_key(pool: &Pool, path: &std::path::Path) -> Result<AuditKey, AuditError> {
    if path.exists() {
        let key = AuditKey::load(path)?;
        ensure_keyed(pool, &key, KeyOrigin::Existing).await?;
        return Ok(key);
    }
    let mut conn = pool.acquire().await?;
    let legacy = legacy_events(&mut conn).await?;
    let last_id = head(&mut conn).await?.map_or(0, |(id, _)| id);
    drop(conn);
    if last_id > legacy {
        return Err(AuditError::KeyMissing(path.display().to_string()));
    }
    let key = AuditKey::create(path)?;
    ensure_keyed(pool, &key, KeyOrigin::GeneratedNow).await?;
    Ok(key)
}

fn find_secret_key(value: &Value) -> Option<String> {
    match value {
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let lower = k.to_ascii_lowercase().replace(['-', ' '], "_");
            if SECRET_KEYS.iter().any(|s| lower.contains(s)) {
                Some(k.clone())
            } else {
                find_secret_key(v)
            }
        }),
        Value::Array(items) => items.iter().find_map(find_secret_key),
        _ => None,
    }
}

/// The action of the event that starts the keyed part of an upgraded chain.
pub const CHAIN_KEYED_ACTION: &str = "audit.chain_keyed";
/// Who the trail names for events the audit trail writes about itself.
pub const AUDIT_ACTOR: &str = "system:audit";

/// The canonical form of a row: a compact JSON array of its fields in a fixed order (id, time,
/// actor, action, outcome, order reference, response code, details, previous hash). The row's
/// own `hash` is not part of it.
pub fn canonical(row: &EventRow) -> Vec<u8> {
    serde_json::to_vec(&(
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
    .expect("a tuple of plain values serialises")
}

/// The row's hash: HMAC-SHA256 of its canonical form with the audit key, 64 hex digits.
pub fn row_hash(key: &AuditKey, row: &EventRow) -> String {
    key.mac_hex(&canonical(row))
}

/// The hash rows had before the chain was keyed: plain SHA-256 of the same canonical form.
/// Only rows `1..=audit_chain.legacy_events` of an upgraded database carry it.
pub fn legacy_row_hash(row: &EventRow) -> String {
    Sha256::digest(canonical(row))
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// How many rows at the start of the chain were written before it was keyed (0 for a database
/// created keyed). A missing row counts as 0, so every row must then carry the keyed hash.
pub async fn legacy_events(conn: &mut crate::db::Connection) -> Result<i64, sqlx::Error> {
    crate::db::audit::legacy_events(conn).await
}

fn marker_event(legacy_events: i64, legacy_head_hash: &str) -> NewEvent {
    NewEvent {
        actor: AUDIT_ACTOR.to_string(),
        action: CHAIN_KEYED_ACTION,
        outcome: Outcome::Info,
        order_ref: None,
        response_code: None,
        details: serde_json::json!({
            "legacy_events": legacy_events,
            "legacy_head_hash": legacy_head_hash,
        }),
    }
}

/// Inserts one row after `last` (the chain's current head, if any), keyed.
async fn insert_keyed(
    conn: &mut crate::db::Connection,
    key: &AuditKey,
    last: Option<(i64, String)>,
    event: &NewEvent,
    at: Timestamp,
) -> Result<EventRow, AuditError> {
    let (id, prev_hash) = match last {
        Some((id, hash)) => (id + 1, hash),
        None => (1, GENESIS_HASH.to_string()),
    };
    let mut row = EventRow {
        id,
        occurred_at: at,
        actor: event.actor.clone(),
        action: event.action.to_string(),
        outcome: event.outcome.as_str().to_string(),
        order_ref: event.order_ref.clone(),
        response_code: event.response_code.clone(),
        details: super::details::cap(event.details.clone()).to_string(),
        prev_hash,
        hash: String::new(),
    };
    row.hash = row_hash(key, &row);
    crate::db::audit::insert(conn, &row).await?;
    Ok(row)
}

async fn head(conn: &mut crate::db::Connection) -> Result<Option<(i64, String)>, sqlx::Error> {
    crate::db::audit::head(conn).await
}

/// Writes the [`CHAIN_KEYED_ACTION`] marker when the chain ends exactly at its legacy rows
/// (inside the caller's write transaction); returns the new head.
async fn mark_keyed_if_due(
    conn: &mut crate::db::Connection,
    key: &AuditKey,
    last: Option<(i64, String)>,
    at: Timestamp,
) -> Result<(Option<(i64, String)>, Option<EventRow>), AuditError> {
    let legacy = legacy_events(conn).await?;
    match last {
        Some((id, hash)) if legacy > 0 && id == legacy => {
            let marker = insert_keyed(
                conn,
                key,
                Some((id, hash.clone())),
                &marker_event(legacy, &hash),
                at,
            )
            .await?;
            tracing::info!(
                legacy_events = legacy,
                legacy_head_hash = %hash,
                marker = marker.id,
                "the audit chain is keyed from here on"
            );
            Ok((Some((marker.id, marker.hash.clone())), Some(marker)))
        }
        other => Ok((other, None)),
    }
}

/// Once per upgraded database: when the chain holds legacy (unkeyed) rows and ends with them,
/// appends the `audit.chain_keyed` marker (details: the legacy event count and head hash), after
/// which every row is keyed. Returns the marker when it was written now; a fresh database, or
/// one already marked, is left alone. Call it right after the migrations.
pub async fn ensure_keyed(
    pool: &Pool,
    key: &AuditKey,
    origin: KeyOrigin,
) -> Result<Option<EventRow>, AuditError> {
    let mut conn = pool.acquire().await?;
    let legacy = legacy_events(&mut conn).await?;
    if legacy == 0 {
        return Ok(None);
    }
    drop(conn);
    let mut tx = crate::db::begin_write(pool).await?;
    let last = head(&mut tx).await?;
    let due = matches!(&last, Some((id, _)) if *id == legacy);
    if due && origin == KeyOrigin::Existing {
        return Err(AuditError::MarkerRefused(legacy));
    }
    let (_, marker) = mark_keyed_if_due(&mut tx, key, last, Timestamp::host_now()).await?;
    tx.commit().await?;
    Ok(marker)
}

/// Appends an event inside the caller's transaction (so an event and the change it records
/// commit together), hashed with `key`. The transaction should hold the write lock (`BEGIN
/// IMMEDIATE` on SQLite); `UNIQUE(prev_hash)` refuses a second event linking to the same
/// predecessor regardless. On an upgraded database whose marker is not written yet it refuses
/// ([`AuditError::NotKeyed`]).
pub async fn append_in(
    conn: &mut crate::db::Connection,
    key: &AuditKey,
    event: &NewEvent,
    at: Timestamp,
) -> Result<EventRow, AuditError> {
    if !event.details.is_object() {
        return Err(AuditError::DetailsNotObject);
    }
    if let Some(secret) = find_secret_key(&event.details) {
        return Err(AuditError::SecretInDetails(secret));
    }
    let (last, legacy) = crate::db::audit::head_and_legacy(conn).await?;
    // An upgraded chain gets its marker only from `ensure_keyed` at start-up: an append never
    // writes one, or whoever raised `legacy_events` could have any event bless their rewrite.
    if legacy > 0 && last.as_ref().is_some_and(|(id, _)| *id == legacy) {
        return Err(AuditError::NotKeyed);
    }
    insert_keyed(conn, key, last, event, at).await
}

/// Appends an event in its own write transaction.
pub async fn append(pool: &Pool, key: &AuditKey, event: &NewEvent) -> Result<EventRow, AuditError> {
    let mut tx = crate::db::begin_write(pool).await?;
    let row = append_in(&mut tx, key, event, Timestamp::host_now()).await?;
    tx.commit().await?;
    Ok(row)
}

/// Where the chain stops matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub id: i64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Events that verified, from the first, before the break if there is one.
    pub events: u64,
    /// Rows at the start hashed with the legacy unkeyed SHA-256 (`audit_chain.legacy_events`).
    pub legacy_events: u64,
    pub first_break: Option<ChainBreak>,
}

/// What is wrong with `row` as the chain's `expected_id`-th event, if anything.
fn check_row(
    key: &AuditKey,
    legacy: i64,
    row: &EventRow,
    expected_id: i64,
    expected_prev: &str,
) -> Option<String> {
    if row.id != expected_id {
        return Some(format!(
            "expected event #{expected_id} here: an event is missing"
        ));
    }
    if row.prev_hash != expected_prev {
        return Some("its link to the previous event does not match".to_string());
    }
    if row.id <= legacy {
        return (legacy_row_hash(row) != row.hash).then(|| {
            "its content does not match its (legacy, unkeyed) hash: the row was changed".to_string()
        });
    }
    if legacy > 0 && row.id == legacy + 1 {
        let details: Value = serde_json::from_str(&row.details).unwrap_or(Value::Null);
        let is_marker = row.action == CHAIN_KEYED_ACTION
            && details["legacy_events"].as_i64() == Some(legacy)
            && details["legacy_head_hash"].as_str() == Some(row.prev_hash.as_str());
        if !is_marker {
            return Some(format!(
                "expected the {CHAIN_KEYED_ACTION} marker after the {legacy} legacy events here"
            ));
        }
    }
    (!key.verify_hex(&canonical(row), &row.hash)).then(|| {
        "its content does not match its keyed hash: the row was changed, or written without this \
         audit key"
            .to_string()
    })
}

/// Walks the whole chain in order (streaming, not loading it all) and names the first row whose
/// content, link, position or key does not match: rows `1..=legacy_events` must carry the legacy
/// SHA-256, the next one must be the `audit.chain_keyed` marker, and it and every later row the
/// HMAC with `key`.
pub async fn verify(pool: &Pool, key: &AuditKey) -> Result<VerifyReport, sqlx::Error> {
    let legacy = {
        let mut conn = pool.acquire().await?;
        legacy_events(&mut conn).await?
    };
    let mut rows = crate::db::audit::all_in_order(pool);
    let mut expected_prev = GENESIS_HASH.to_string();
    let mut expected_id = 1;
    let mut events = 0;
    let legacy_events = u64::try_from(legacy).unwrap_or(0);
    while let Some(row) = rows.try_next().await? {
        if let Some(reason) = check_row(key, legacy, &row, expected_id, &expected_prev) {
            return Ok(VerifyReport {
                events,
                legacy_events,
                first_break: Some(ChainBreak { id: row.id, reason }),
            });
        }
        events += 1;
        expected_id = row.id + 1;
        expected_prev = row.hash;
    }
    // An upgraded chain must go on past its legacy rows to the marker.
    let first_break = (legacy > 0 && expected_id <= legacy + 1).then(|| ChainBreak {
        id: expected_id,
        reason: if expected_id <= legacy {
            format!(
                "the chain ends at event #{} but {legacy} legacy events were recorded when it \
                 was keyed: its tail was deleted",
                expected_id - 1
            )
        } else {
            format!("the {CHAIN_KEYED_ACTION} marker after the {legacy} legacy events is missing")
        },
    });
    Ok(VerifyReport {
        events,
        legacy_events,
        first_break,
    })
}

/// One page, newest first; `more` tells whether rows lie beyond it in the direction read.
pub async fn list_page(
    pool: &Pool,
    f: &super::query::AuditFilter,
    limit: usize,
) -> Result<(Vec<EventRow>, bool), sqlx::Error> {
    crate::db::audit::list_page(pool, f, limit).await
}

/// Every event of the filter, oldest first, streamed row by row (for the CSV export).
pub fn stream_all(
    pool: Pool,
    f: super::query::AuditFilter,
) -> impl futures_util::Stream<Item = Result<EventRow, sqlx::Error>> + Send + 'static {
    crate::db::audit::stream_filtered(pool, f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_secret_keys_at_any_depth() {
        assert_eq!(find_secret_key(&json!({"reason": "x"})), None);
        assert_eq!(
            find_secret_key(&json!({"user": {"Password": "x"}})).as_deref(),
            Some("Password")
        );
        assert_eq!(
            find_secret_key(&json!({"list": [{"session_id": 1}]})).as_deref(),
            Some("session_id")
        );
    }

    fn sample() -> EventRow {
        EventRow {
            id: 1,
            occurred_at: Timestamp::from_millis(2),
            actor: "a".into(),
            action: "b".into(),
            outcome: "success".into(),
            order_ref: Some("r".into()),
            response_code: Some("c".into()),
            details: "{}".into(),
            prev_hash: GENESIS_HASH.into(),
            hash: String::new(),
        }
    }

    #[test]
    fn the_keyed_hash_matches_an_independent_hmac() {
        // python3 -c 'import hmac,hashlib,json; c=json.dumps([1,2,"a","b","success","r","c","{}","0"*64],
        //   separators=(",",":")).encode(); print(hmac.new(bytes([7]*32),c,hashlib.sha256).hexdigest(),
        //   hashlib.sha256(c).hexdigest())'
        let row = sample();
        assert_eq!(
            String::from_utf8(canonical(&row)).unwrap(),
            format!(r#"[1,2,"a","b","success","r","c","{{}}","{GENESIS_HASH}"]"#)
        );
        let key = AuditKey::from_bytes([7u8; 32]);
        assert_eq!(
            row_hash(&key, &row),
            "7409054274653f87dea19f0cf50bd0d4c59c93844b369e17b4e5e1686966467c"
        );
        assert_eq!(
            legacy_row_hash(&row),
            "26c8c39915190c29f813c54be9c7d9ad2ac8b35dbf6eac4f52113c8e3f1f0d2a"
        );
        assert_ne!(
            row_hash(&AuditKey::from_bytes([8u8; 32]), &row),
            row_hash(&key, &row)
        );
    }

    #[test]
    fn the_hash_covers_every_field_but_itself() {
        let key = AuditKey::from_bytes([7u8; 32]);
        let row = sample();
        let hash = |r: &EventRow| row_hash(&key, r);
        let base = hash(&row);
        assert_eq!(base.len(), 64);
        assert_eq!(
            base,
            hash(&EventRow {
                hash: "x".into(),
                ..row.clone()
            })
        );
        assert_ne!(
            base,
            hash(&EventRow {
                details: "{\"x\":1}".into(),
                ..row.clone()
            })
        );
        assert_ne!(
            base,
            hash(&EventRow {
                order_ref: None,
                ..row.clone()
            })
        );
        assert_ne!(
            base,
            hash(&EventRow {
                id: 2,
                ..row.clone()
            })
        );
        assert_ne!(
            base,
            hash(&EventRow {
                prev_hash: base.clone(),
                ..row
            })
        );
    }
}
