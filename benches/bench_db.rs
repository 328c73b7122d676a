//! The database a bench runs on: a SQLite file, or with `BENCH_ENGINE=postgres` a fresh database
//! on the PostgreSQL server at `CANCEL_DESK_TEST_POSTGRES_URL` (default the local one), dropped
//! at the end. Shared by the benches through `#[path]`.

/// The database under test: a SQLite file, or a fresh PostgreSQL database dropped at the end.
pub struct BenchDb {
    pub url: String,
    postgres: Option<(String, String)>,
}

impl BenchDb {
    pub async fn new(dir: &std::path::Path) -> Self {
        if std::env::var("BENCH_ENGINE").as_deref() != Ok("postgres") {
            return BenchDb {
                url: format!("sqlite://{}/bench.db", dir.display()),
                postgres: None,
            };
        }
        let admin = std::env::var("CANCEL_DESK_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let name = format!("cd_bench_{}", std::process::id());
        let pool = cancel_desk::db::connect(&admin).await.unwrap();
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        let base = admin.rsplit_once('/').unwrap().0;
        BenchDb {
            url: format!("{base}/{name}"),
            postgres: Some((admin, name)),
        }
    }

    pub async fn drop_database(&self) {
        if let Some((admin, name)) = &self.postgres {
            let pool = cancel_desk::db::connect(admin).await.unwrap();
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&pool)
                .await;
        }
    }
}
