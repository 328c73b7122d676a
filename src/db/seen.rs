//! The partner references an import has already read, with the line each was first on, kept in
//! a throwaway SQLite file (not the app's database, and not memory): a file of any size is
//! checked for repeated references exactly, in flat memory. Deleted when dropped.

use std::collections::HashMap;
use std::path::PathBuf;
use std::str::FromStr;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection as _, SqliteConnection};

/// References per statement (two bound values each).
const CHUNK: usize = 400;

pub struct SeenReferences {
    conn: SqliteConnection,
    path: PathBuf,
}

impl SeenReferences {
    pub async fn open() -> Result<Self, sqlx::Error> {
        let path = std::env::temp_dir().join(format!(
            "cancel-desk-import-{}-{:016x}.db",
            std::process::id(),
            rand::random::<u64>()
        ));
        let mut conn = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
            .create_if_missing(true)
            // A scratch file: nothing to recover after a crash.
            .journal_mode(SqliteJournalMode::Off)
            .synchronous(SqliteSynchronous::Off)
            .pragma("cache_size", "-4096")
            .connect()
            .await?;
        sqlx::query(
            "CREATE TABLE seen (ref TEXT PRIMARY KEY, line INTEGER NOT NULL) WITHOUT ROWID",
        )
        .execute(&mut conn)
        .await?;
        Ok(Self { conn, path })
    }

    /// For each `(reference, line)` in file order: the line it was first seen on if that was
    /// earlier (in an earlier call or earlier in this one), else `None`, and it is remembered.
    pub async fn first_lines(
        &mut self,
        rows: &[(&str, u64)],
    ) -> Result<Vec<Option<u64>>, sqlx::Error> {
        let mut first: HashMap<&str, u64> = HashMap::with_capacity(rows.len());
        let mut out = vec![None; rows.len()];
        for (i, (reference, line)) in rows.iter().enumerate() {
            match first.get(reference) {
                Some(&earlier) => out[i] = Some(earlier),
                None => {
                    first.insert(reference, *line);
                }
            }
        }
        let unique: Vec<(&str, u64)> = rows
            .iter()
            .filter(|(reference, line)| first.get(reference) == Some(line))
            .copied()
            .collect();
        let mut stored: HashMap<String, u64> = HashMap::new();
        let mut tx = self.conn.begin().await?;
        for chunk in unique.chunks(CHUNK) {
            let select = format!(
                "SELECT ref, line FROM seen WHERE ref IN ({})",
                vec!["?"; chunk.len()].join(", ")
            );
            let mut query = sqlx::query_as::<_, (String, i64)>(&select);
            for (reference, _) in chunk {
                query = query.bind(*reference);
            }
            for (reference, line) in query.fetch_all(&mut *tx).await? {
                stored.insert(reference, line as u64);
            }
            let new: Vec<&(&str, u64)> = chunk
                .iter()
                .filter(|(reference, _)| !stored.contains_key(*reference))
                .collect();
            if new.is_empty() {
                continue;
            }
            let text = format!(
                "INSERT INTO seen (ref, line) VALUES {}",
                vec!["(?, ?)"; new.len()].join(", ")
            );
            let mut insert = sqlx::query(&text);
            for (reference, line) in new {
                insert = insert.bind(*reference).bind(*line as i64);
            }
            insert.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        for (i, (reference, line)) in rows.iter().enumerate() {
            if out[i].is_none()
                && let Some(&earlier) = stored.get(*reference)
                && earlier < *line
            {
                out[i] = Some(earlier);
            }
        }
        Ok(out)
    }
}

impl Drop for SeenReferences {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
