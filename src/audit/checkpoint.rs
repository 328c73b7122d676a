//! Signed checkpoints of the audit chain's head, kept outside the database.
//!
//! The keyed chain shows an edited, inserted or re-chained row, but not a deleted tail, and not a
//! rewrite by someone who also holds the key. A checkpoint remembers, outside the database, how
//! many events the chain had, its head event and that event's hash, and when; it is signed with
//! the audit key. One JSON object a line:
//!
//! ```text
//! {"events":12,"head_id":12,"head_hash":"…64 hex…","at":"2026-11-25T07:44:11Z","mac":"…64 hex…"}
//! ```
//!
//! `mac` is HMAC-SHA256 with the audit key over the compact JSON array
//! `["cancel-desk audit checkpoint v1", events, head_id, head_hash, at]` (the leading label keeps
//! a checkpoint's MAC apart from any row's). A checkpoint still holds when the chain contains
//! event `head_id` with exactly `head_hash` as its `events`-th event.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::key::AuditKey;
use super::store::{GENESIS_HASH, VerifyReport};
use crate::db::Pool;

/// Labels the MAC input, so a checkpoint's MAC can never be taken for a row's.
const MAC_LABEL: &str = "cancel-desk audit checkpoint v1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// Events in the chain when the checkpoint was taken (up to and including `head_id`).
    pub events: i64,
    /// The chain's last event then (0 for an empty chain).
    pub head_id: i64,
    /// That event's hash (the genesis hash for an empty chain).
    pub head_hash: String,
    /// When, RFC 3339 in UTC (`2026-11-25T07:44:11Z`).
    pub at: String,
    /// HMAC-SHA256 with the audit key over the other fields (see the module documentation).
    pub mac: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("checkpoint file {path}: {reason}")]
    Io { path: String, reason: String },
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> CheckpointError + '_ {
    move |e| CheckpointError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

fn is_hash(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl Checkpoint {
    /// A checkpoint of these fields, signed with `key`.
    pub fn signed(key: &AuditKey, events: i64, head_id: i64, head_hash: &str, at: &str) -> Self {
        let mut checkpoint = Self {
            events,
            head_id,
            head_hash: head_hash.to_string(),
            at: at.to_string(),
            mac: String::new(),
        };
        checkpoint.mac = key.mac_hex(&checkpoint.canonical());
        checkpoint
    }

    /// What the MAC covers: every field but the MAC, in a fixed order, as compact JSON.
    pub fn canonical(&self) -> Vec<u8> {
        serde_json::to_vec(&(
            MAC_LABEL,
            self.events,
            self.head_id,
            &self.head_hash,
            &self.at,
        ))
        .expect("plain values serialise")
    }

    /// Whether the MAC is this checkpoint's under `key` (compared in constant time).
    pub fn mac_valid(&self, key: &AuditKey) -> bool {
        key.verify_hex(&self.canonical(), &self.mac)
    }

    /// The checkpoint as one line of JSON, without the line break.
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).expect("plain values serialise")
    }

    /// Reads one line written by [`Checkpoint::to_line`]; checks the form, not the MAC.
    pub fn parse_line(line: &str) -> Result<Self, String> {
        let checkpoint: Self =
            serde_json::from_str(line.trim()).map_err(|e| format!("not a checkpoint: {e}"))?;
        if checkpoint.events < 0 || checkpoint.head_id < 0 {
            return Err("not a checkpoint: a negative count or id".into());
        }
        if !is_hash(&checkpoint.head_hash) || !is_hash(&checkpoint.mac) {
            return Err("not a checkpoint: head_hash and mac must be 64 hex digits".into());
        }
        if chrono::DateTime::parse_from_rfc3339(&checkpoint.at).is_err() {
            return Err(format!(
                "not a checkpoint: at {:?} is not an RFC 3339 time",
                checkpoint.at
            ));
        }
        Ok(checkpoint)
    }
}

/// A checkpoint of the chain as it is now, signed with `key`. Counting and reading the head is
/// one statement, so it sees one state of the chain.
pub async fn take(pool: &Pool, key: &AuditKey) -> Result<Checkpoint, sqlx::Error> {
    let head = crate::db::audit::count_and_head(pool).await?;
    let (events, head_id, head_hash) = head.unwrap_or((0, 0, GENESIS_HASH.to_string()));
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    Ok(Checkpoint::signed(key, events, head_id, &head_hash, &at))
}

/// Appends the checkpoint as one line to `path` (creating the file and its folders), and syncs it
/// to disk.
pub fn append_to_file(path: &Path, checkpoint: &Checkpoint) -> Result<(), CheckpointError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io_error(path))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(io_error(path))?;
    // One write of the whole line: appends from two processes never interleave within a line.
    let line = format!("{}\n", checkpoint.to_line());
    file.write_all(line.as_bytes()).map_err(io_error(path))?;
    file.sync_data().map_err(io_error(path))
}

/// Takes a checkpoint, appends it to `path` and logs it.
pub async fn write(
    pool: &Pool,
    key: &AuditKey,
    path: &Path,
) -> Result<Checkpoint, CheckpointError> {
    let checkpoint = take(pool, key).await?;
    let (file, line) = (path.to_path_buf(), checkpoint.clone());
    tokio::task::spawn_blocking(move || append_to_file(&file, &line))
        .await
        .map_err(|e| CheckpointError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        })??;
    tracing::info!(
        events = checkpoint.events,
        head_id = checkpoint.head_id,
        head_hash = %checkpoint.head_hash,
        at = %checkpoint.at,
        mac = %checkpoint.mac,
        path = %path.display(),
        "audit checkpoint"
    );
    Ok(checkpoint)
}

/// Writes a checkpoint to `path` now and then every `minutes` minutes, for as long as the server
/// runs; `None` (nothing runs) when `minutes` is 0. A failed write is logged and retried at the
/// next tick.
pub fn spawn_writer(
    pool: Pool,
    key: AuditKey,
    path: PathBuf,
    minutes: i64,
) -> Option<tokio::task::JoinHandle<()>> {
    let minutes = u64::try_from(minutes).ok().filter(|m| *m > 0)?;
    Some(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(Duration::from_secs(minutes * 60));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if let Err(err) = write(&pool, &key, &path).await {
                tracing::error!(%err, path = %path.display(), "could not write an audit checkpoint");
            }
        }
    }))
}

/// Why a checkpoint line does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointFailure {
    /// 1-based line number in the file.
    pub line: usize,
    /// The checkpoint's time, when the line could be read.
    pub at: Option<String>,
    pub reason: String,
}

impl std::fmt::Display for CheckpointFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.at {
            Some(at) => write!(
                f,
                "checkpoint on line {} (at {at}): {}",
                self.line, self.reason
            ),
            None => write!(f, "checkpoint on line {}: {}", self.line, self.reason),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointReport {
    /// Lines read (blank lines aside).
    pub checked: usize,
    /// The last checkpoint that held.
    pub latest_good: Option<Checkpoint>,
    /// Every line that did not hold, in file order.
    pub failures: Vec<CheckpointFailure>,
}

/// Why `checkpoint` does not hold against the chain in `pool`, if it does not. `chain` is the
/// chain's own verification: when it found no break, its events are numbered 1, 2, 3, … without
/// gaps, so event `head_id` is the `head_id`-th.
pub async fn check(
    pool: &Pool,
    key: &AuditKey,
    checkpoint: &Checkpoint,
    chain: &VerifyReport,
) -> Result<Option<String>, sqlx::Error> {
    if !checkpoint.mac_valid(key) {
        return Ok(Some(
            "its mac does not match: the line was changed, or signed with another audit key".into(),
        ));
    }
    let (events, head_id) = (checkpoint.events, checkpoint.head_id);
    if head_id == 0 {
        return Ok(
            (events != 0 || checkpoint.head_hash != GENESIS_HASH).then(|| {
                "an empty chain's checkpoint must have 0 events and the genesis hash".into()
            }),
        );
    }
    let hash = crate::db::audit::hash_of(pool, head_id).await?;
    let Some(hash) = hash else {
        let last = crate::db::audit::max_id(pool).await?;
        return Ok(Some(format!(
            "its head, event #{head_id} of {events}, is missing: the chain's tail was deleted (it \
             now ends at event #{})",
            last.unwrap_or(0)
        )));
    };
    if hash != checkpoint.head_hash {
        return Ok(Some(format!(
            "event #{head_id} no longer has the hash the checkpoint recorded: the chain up to it \
             was rewritten"
        )));
    }
    let position = if chain.first_break.is_none() {
        head_id
    } else {
        crate::db::audit::count_up_to(pool, head_id).await?
    };
    Ok((position != events).then(|| {
        format!(
            "the chain now counts {position} events up to event #{head_id}, the checkpoint \
             counted {events}: events were inserted or deleted before it"
        )
    }))
}

/// Checks every checkpoint line in `path` against the chain (see [`check`]); blank lines are
/// skipped, an unreadable line is a failure.
pub async fn verify_file(
    pool: &Pool,
    key: &AuditKey,
    path: &Path,
    chain: &VerifyReport,
) -> Result<CheckpointReport, CheckpointError> {
    let file = std::fs::File::open(path).map_err(io_error(path))?;
    let mut report = CheckpointReport {
        checked: 0,
        latest_good: None,
        failures: Vec::new(),
    };
    for (index, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(io_error(path))?;
        if line.trim().is_empty() {
            continue;
        }
        report.checked += 1;
        let number = index + 1;
        let checkpoint = match Checkpoint::parse_line(&line) {
            Ok(checkpoint) => checkpoint,
            Err(reason) => {
                report.failures.push(CheckpointFailure {
                    line: number,
                    at: None,
                    reason,
                });
                continue;
            }
        };
        match check(pool, key, &checkpoint, chain).await? {
            None => report.latest_good = Some(checkpoint),
            Some(reason) => report.failures.push(CheckpointFailure {
                line: number,
                at: Some(checkpoint.at.clone()),
                reason,
            }),
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mac_matches_an_independent_hmac() {
        // python3 -c 'import hmac,hashlib,json; c=json.dumps(["cancel-desk audit checkpoint v1",
        //   12,12,"ab"*32,"2026-11-25T07:44:11Z"],separators=(",",":")).encode();
        //   print(hmac.new(bytes([7]*32),c,hashlib.sha256).hexdigest())'
        let key = AuditKey::from_bytes([7u8; 32]);
        let checkpoint = Checkpoint::signed(&key, 12, 12, &"ab".repeat(32), "2026-11-25T07:44:11Z");
        assert_eq!(
            checkpoint.mac,
            "5d7320dd1d84da0279c7d91b02c5cb00d1888e11b5a555ed48545ad6bff4f492"
        );
        assert!(checkpoint.mac_valid(&key));
        assert!(!checkpoint.mac_valid(&AuditKey::from_bytes([8u8; 32])));
        for changed in [
            Checkpoint {
                events: 11,
                ..checkpoint.clone()
            },
            Checkpoint {
                head_id: 13,
                ..checkpoint.clone()
            },
            Checkpoint {
                head_hash: "cd".repeat(32),
                ..checkpoint.clone()
            },
            Checkpoint {
                at: "2026-11-25T07:44:12Z".into(),
                ..checkpoint.clone()
            },
        ] {
            assert!(!changed.mac_valid(&key), "{changed:?}");
        }
    }

    #[test]
    fn a_line_round_trips_and_malformed_lines_are_refused() {
        let key = AuditKey::from_bytes([7u8; 32]);
        let checkpoint = Checkpoint::signed(&key, 3, 3, &"ab".repeat(32), "2026-11-25T07:44:11Z");
        let line = checkpoint.to_line();
        assert!(!line.contains('\n'));
        assert!(
            line.starts_with(r#"{"events":3,"head_id":3,"head_hash":""#),
            "{line}"
        );
        assert_eq!(Checkpoint::parse_line(&line).unwrap(), checkpoint);
        for bad in [
            "",
            "{}",
            "not json",
            &line.replace("\"events\":3", "\"events\":-3"),
            &line.replace("2026-11-25T07:44:11Z", "yesterday"),
            &line.replace(&"ab".repeat(32), "ab"),
            &line.replace("{\"events\"", "{\"extra\":1,\"events\""),
        ] {
            assert!(Checkpoint::parse_line(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn appending_creates_folders_and_adds_one_line_each_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/checkpoints.jsonl");
        let key = AuditKey::from_bytes([7u8; 32]);
        let first = Checkpoint::signed(&key, 0, 0, GENESIS_HASH, "2026-11-25T07:44:11Z");
        let second = Checkpoint::signed(&key, 1, 1, &"ab".repeat(32), "2026-11-25T08:00:00Z");
        append_to_file(&path, &first).unwrap();
        append_to_file(&path, &second).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, format!("{}\n{}\n", first.to_line(), second.to_line()));
    }

    #[tokio::test]
    async fn no_writer_when_checkpoints_are_off() {
        let pool = crate::db::connect("sqlite::memory:").await.unwrap();
        let key = AuditKey::from_bytes([7u8; 32]);
        assert!(spawn_writer(pool, key, PathBuf::from("unused"), 0).is_none());
    }
}
