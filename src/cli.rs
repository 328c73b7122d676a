//! The `cancel-desk` command line: `serve` (the default), `migrate`, `seed`.

use std::time::Instant;

use clap::{Args, Parser, Subcommand};
use tokio::net::TcpListener;

use crate::config::Config;
use crate::{db, seed, server, time};

/// Orders seeded into an empty database by `serve --demo`.
pub const DEMO_ORDERS: usize = 5_000;
const DEMO_SEED: u64 = 20_261_124;

#[derive(Debug, Parser)]
#[command(
    name = "cancel-desk",
    version,
    about = "Cancel paid DANA orders safely"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the dashboard (the default).
    Serve(ServeArgs),
    /// Create or update the database schema, then exit.
    Migrate,
    /// Write realistic demo orders into the database.
    Seed(SeedArgs),
}

#[derive(Debug, Args, Default)]
pub struct ServeArgs {
    /// Seed demo orders when the database has none.
    #[arg(long)]
    pub demo: bool,
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    /// How many orders to write.
    #[arg(long)]
    pub orders: usize,
    /// Random seed; the same seed and day give the same orders.
    #[arg(long, default_value_t = DEMO_SEED)]
    pub seed: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("server: {0}")]
    Serve(std::io::Error),
}

pub async fn run(cli: Cli) -> Result<(), CliError> {
    let config = Config::from_env()?;
    match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Serve(args) => serve(&config, args).await,
        Command::Migrate => {
            let pool = open(&config).await?;
            println!("database at {} is up to date", config.database_url);
            pool.close().await;
            Ok(())
        }
        Command::Seed(args) => {
            let pool = open(&config).await?;
            let started = Instant::now();
            let written =
                seed::seed_orders(&pool, args.orders, args.seed, time::now_epoch()).await?;
            println!(
                "seeded {written} orders in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            pool.close().await;
            Ok(())
        }
    }
}

async fn open(config: &Config) -> Result<db::Pool, CliError> {
    let pool = db::connect(&config.database_url).await?;
    db::migrate(&pool).await?;
    Ok(pool)
}

async fn serve(config: &Config, args: ServeArgs) -> Result<(), CliError> {
    let pool = open(config).await?;
    if args.demo && db::orders::is_empty(&pool).await? {
        let written = seed::seed_orders(&pool, DEMO_ORDERS, DEMO_SEED, time::now_epoch()).await?;
        tracing::info!(
            orders = written,
            "seeded demo orders into the empty database"
        );
    }
    let listener = TcpListener::bind(config.addr)
        .await
        .map_err(|source| CliError::Listen {
            addr: config.addr,
            source,
        })?;
    let addr = listener.local_addr().map_err(CliError::Serve)?;
    println!("Cancel Desk is running at http://{addr}/orders");
    let state = server::AppState::new(config, pool);
    server::serve(listener, state, shutdown_signal())
        .await
        .map_err(CliError::Serve)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
