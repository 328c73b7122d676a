//! The database: connection, migrations, and one module of queries per table. Two engines behind
//! one pool (sqlx's `Any` driver), chosen by `DATABASE_URL`: SQLite, embedded, the default; and
//! PostgreSQL, for several servers on one database. The SQL is shared (`$1` placeholders, which
//! both accept); where the engines differ (name search, write locks, bulk-load tuning) the query
//! module asks [`engine`].

pub mod approvals;
pub mod audit;
pub mod cancels;
pub mod copy;
pub mod login_throttle;
pub mod orders;
pub mod queue;
pub mod refunds;
pub mod seen;
pub mod sessions;
pub mod sql;
pub mod tokens;
pub mod uploads;
pub mod users;

use std::time::Duration;

use sqlx::any::AnyPoolOptions;

pub type Pool = sqlx::AnyPool;
pub type Connection = sqlx::AnyConnection;
pub type Transaction = sqlx::Transaction<'static, sqlx::Any>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// The engine a `DATABASE_URL` names, if it is one of ours.
    pub fn of_url(url: &str) -> Option<Self> {
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme {
            "sqlite" => Some(Engine::Sqlite),
            "postgres" | "postgresql" => Some(Engine::Postgres),
            _ => None,
        }
    }
}

/// The engine behind a pool.
pub fn engine(pool: &Pool) -> Engine {
    Engine::of_url(pool.connect_options().database_url.as_str()).unwrap_or(Engine::Sqlite)
}

/// Opens the database at `url`: a SQLite file is created (with its folder) when missing, in WAL
/// mode with foreign keys on; PostgreSQL must exist.
/// The engine behind a connection (inside a transaction, where no pool is at hand).
pub fn engine_of(conn: &Connection) -> Engine {
    if conn.backend_name() == "SQLite" {
        Engine::Sqlite
    } else {
        Engine::Postgres
    }
}

pub async fn connect(url: &str) -> Result<Pool, sqlx::Error> {
    sqlx::any::install_default_drivers();
    let engine = Engine::of_url(url).ok_or_else(|| {
        sqlx::Error::Configuration(format!("{url:?} is neither sqlite: nor postgres:").into())
    })?;
    let url = match engine {
        Engine::Sqlite => sqlite_url(url)?,
        Engine::Postgres => url.to_string(),
    };
    AnyPoolOptions::new()
        .max_connections(match engine {
            Engine::Sqlite => 8,
            Engine::Postgres => 16,
        })
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if engine == Engine::Sqlite {
                    for pragma in [
                        "PRAGMA journal_mode = WAL",
                        "PRAGMA synchronous = NORMAL",
                        "PRAGMA foreign_keys = ON",
                        "PRAGMA busy_timeout = 5000",
                        // A checkpoint copies the WAL into the database file and syncs it: tens
                        // of ms on a slow disk, run inside whichever commit crossed the
                        // threshold (a staff cancel, say). A server checkpoints every second in
                        // the background (`spawn_checkpointer`), far below this; the threshold
                        // is for tools that run without one.
                        "PRAGMA wal_autocheckpoint = 10000",
                    ] {
                        sqlx::query(pragma).execute(&mut *conn).await?;
                    }
                }
                Ok(())
            })
        })
        .connect(&url)
        .await
}

/// A SQLite URL that creates the file if missing; the folder is made here.
fn sqlite_url(url: &str) -> Result<String, sqlx::Error> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path == ":memory:" {
        return Ok("sqlite::memory:".to_string());
    }
    if let Some(dir) = std::path::Path::new(path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(sqlx::Error::Io)?;
    }
    let mode = if query.contains("mode=") {
        String::new()
    } else if query.is_empty() {
        "?mode=rwc".to_string()
    } else {
        "&mode=rwc".to_string()
    };
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    Ok(format!("sqlite://{path}{query}{mode}"))
}

pub async fn migrate(pool: &Pool) -> Result<(), sqlx::migrate::MigrateError> {
    match engine(pool) {
        Engine::Sqlite => sqlx::migrate!("./migrations/sqlite").run(pool).await,
        Engine::Postgres => sqlx::migrate!("./migrations/postgres").run(pool).await,
    }
}

/// Gives one SQLite connection a page cache of `kib` for a bulk load (`None`: the default
/// 2 MiB again). PostgreSQL's cache is the server's: nothing to do.
pub async fn set_page_cache(conn: &mut Connection, kib: Option<i64>) -> Result<(), sqlx::Error> {
    if engine_of(conn) != Engine::Sqlite {
        return Ok(());
    }
    let kib = kib.unwrap_or(2_000);
    sqlx::query(&format!("PRAGMA cache_size = -{kib}"))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// After many rows went into `table` at once, on PostgreSQL: fresh planner statistics, and a
/// vacuum, whose visibility map lets list pages be answered from the index alone (autovacuum
/// would get there minutes later). SQLite's plans are chosen without statistics (its queries
/// are written for the plan they need), so it has nothing to do.
pub async fn after_bulk_load(pool: &Pool, table: &'static str) -> Result<(), sqlx::Error> {
    if engine(pool) == Engine::Postgres {
        let statement = format!("VACUUM (ANALYZE) {table}");
        sqlx::query(&statement)
            .persistent(false)
            .execute(pool)
            .await?;
    }
    Ok(())
}

/// SQLite: checkpoints the WAL every second from a background task (PASSIVE: never waits for
/// readers or writers), so commits on the request path never pay for one. `None` on
/// PostgreSQL, which checkpoints by itself.
pub fn spawn_checkpointer(pool: Pool) -> Option<tokio::task::JoinHandle<()>> {
    if engine(&pool) != Engine::Sqlite {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(1));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if let Err(err) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&pool)
                .await
            {
                tracing::warn!(%err, "WAL checkpoint failed; SQLite will checkpoint on commit");
            }
        }
    }))
}

/// Whether the database answers (readiness).
pub async fn ping(pool: &Pool) -> Result<(), sqlx::Error> {
    sqlx::query_scalar::<_, i64>("SELECT 1")
        .fetch_one(pool)
        .await
        .map(|_| ())
}

const PG_NOW_MS: &str = "SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)";

/// The database's clock, in Unix milliseconds, or `None` when the database's clock is this
/// host's (SQLite). Read through the app's `Clock`, which caches its offset.
pub async fn now_ms(pool: &Pool) -> Result<Option<i64>, sqlx::Error> {
    match engine(pool) {
        Engine::Sqlite => Ok(None),
        Engine::Postgres => sqlx::query_scalar(PG_NOW_MS)
            .fetch_one(pool)
            .await
            .map(Some),
    }
}

/// [`now_ms`] read on a connection the caller already holds (inside a transaction).
pub async fn now_ms_on(conn: &mut Connection) -> Result<Option<i64>, sqlx::Error> {
    if engine_of(conn) == Engine::Sqlite {
        return Ok(None);
    }
    sqlx::query_scalar(PG_NOW_MS)
        .fetch_one(&mut *conn)
        .await
        .map(Some)
}

/// The advisory lock every PostgreSQL write transaction of [`begin_write`] takes.
const WRITE_LOCK: i64 = 0x0cd0_5eed;

/// A transaction that holds the database's write lock from its first statement, so a
/// read-then-write inside it (the audit chain's head, a throttle count, a lease) cannot race
/// another writer: `BEGIN IMMEDIATE` on SQLite, a transaction-scoped advisory lock on
/// PostgreSQL (the same one for every such transaction; plain compare-and-set updates need none).
pub async fn begin_write(pool: &Pool) -> Result<Transaction, sqlx::Error> {
    match engine(pool) {
        Engine::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
        Engine::Postgres => {
            let mut tx = pool.begin().await?;
            sqlx::query("SELECT 1 FROM pg_advisory_xact_lock($1)")
                .bind(WRITE_LOCK)
                .execute(&mut *tx)
                .await?;
            Ok(tx)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_by_url_and_sqlite_urls_create_their_file() {
        assert_eq!(Engine::of_url("sqlite://data/x.db"), Some(Engine::Sqlite));
        assert_eq!(Engine::of_url("postgres://u@h/db"), Some(Engine::Postgres));
        assert_eq!(Engine::of_url("mysql://x"), None);
        assert_eq!(sqlite_url("sqlite::memory:").unwrap(), "sqlite::memory:");
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/sub/x.db", dir.path().display());
        assert_eq!(sqlite_url(&url).unwrap(), format!("{url}?mode=rwc"));
        assert!(dir.path().join("sub").is_dir());
    }
}
