//! The `cancel-desk` command line: the commands and their arguments, and `migrate` and `seed`;
//! each other command lives in the module named after it.

mod audit;
mod copy;
mod dana;
mod import;
mod serve;
mod tokens;
mod users;

use audit::audit;
use copy::copy_data;
use dana::{DanaApi, dana_send, sandbox};
use import::import;
use serve::{serve, shutdown_signal};
use tokens::token;
use users::user;

use std::time::Instant;

use clap::{Args, Parser, Subcommand};
use tokio::net::TcpListener;

use crate::audit::key::AuditKey;
use crate::config::Config;
use crate::{db, seed, server, time};

/// Orders seeded into an empty database by `serve --demo`.
pub const DEMO_ORDERS: usize = 5_000;
const DEMO_SEED: u64 = 20_261_124;
/// Who the audit trail names for changes made from this command line.
const CLI_ACTOR: &str = "system:cli";

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
    /// Run a strict stand-in for DANA's Cancel Order endpoint (orders from DATABASE_URL).
    Sandbox(SandboxArgs),
    /// Staff accounts. Passwords are read from a prompt, or from standard input when it is not a
    /// terminal: never from a flag.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Copy every order, account, cancel, attempt, status check, API token, refund and audit event from one
    /// database into another, empty one (e.g. SQLite into PostgreSQL), then verify the copied
    /// audit trail with the audit key (CANCEL_DESK_AUDIT_KEY_PATH).
    CopyData(CopyDataArgs),
    /// Bring orders in from a file.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Bearer tokens for the order intake API (`POST /api/v1/orders`).
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Talk to DANA directly, to check a merchant's key set-up.
    Dana {
        #[command(subcommand)]
        command: DanaCommand,
    },
}

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:3100")]
    pub addr: std::net::SocketAddr,
    /// The merchant's public key (PEM); default: the development pair under CANCEL_DESK_KEY_DIR,
    /// generated if missing.
    #[arg(long)]
    pub public_key: Option<std::path::PathBuf>,
    /// Scripted answers per partner reference (JSON, see README).
    #[arg(long)]
    pub scenarios: Option<std::path::PathBuf>,
    /// Accept only this X-PARTNER-ID (default: any).
    #[arg(long)]
    pub partner_id: Option<String>,
    /// Also apply rules DANA does not document (Cancel Desk's own, off by default so the sandbox
    /// answers as DANA does): X-TIMESTAMP within 5 minutes of the sandbox's clock, a cancel's
    /// amount equal to the order's, and no X-EXTERNAL-ID reused within a day (409).
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account.
    Add {
        #[arg(long)]
        email: String,
        /// finance, operations, supervisor or admin
        #[arg(long)]
        role: String,
    },
    /// Disable an account (it can no longer sign in).
    Disable {
        #[arg(long)]
        email: String,
    },
    /// Change an account's role.
    SetRole {
        #[arg(long)]
        email: String,
        #[arg(long)]
        role: String,
    },
    /// Set a new password (ends the account's sessions).
    ResetPassword {
        #[arg(long)]
        email: String,
    },
    /// List the account's open sessions: started, last active, expires, address.
    Sessions {
        #[arg(long)]
        email: String,
    },
    /// End every open session of the account at once.
    EndSessions {
        #[arg(long)]
        email: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import orders from a CSV file (UTF-8, a header line; columns in the README). Rows are
    /// checked and applied by the same rules as the order intake API; every problem is listed
    /// with its line and column and written to FILE.errors.csv.
    Orders(ImportOrdersArgs),
}

#[derive(Debug, Args)]
pub struct ImportOrdersArgs {
    /// The CSV file.
    pub file: std::path::PathBuf,
    /// Check and look everything up, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Where to write the problems (default: FILE.errors.csv, only when there are any).
    #[arg(long)]
    pub errors: Option<std::path::PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an order-intake token and print it once (only its hash is stored).
    Create {
        /// What the token is for, such as shop-orders (letters, digits, - _ .).
        #[arg(long)]
        name: String,
    },
    /// Revoke a token at once: its next request is refused.
    Revoke {
        #[arg(long)]
        name: String,
    },
    /// List tokens: name, scope, created, last used, revoked.
    List,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the keyed hash chain and name the first event that does not match; with
    /// --checkpoint, also check every signed checkpoint in FILE against it.
    Verify {
        /// A file of checkpoint lines (from `audit checkpoint` or the server's writer).
        #[arg(long, value_name = "FILE")]
        checkpoint: Option<std::path::PathBuf>,
    },
    /// Print one signed checkpoint of the chain's head (a JSON line) to keep outside the database.
    Checkpoint,
}

#[derive(Debug, Subcommand)]
pub enum DanaCommand {
    /// Validate, sign and send (or print, with --dry-run) one Cancel Order request.
    Cancel(DanaSendArgs),
    /// Validate, sign and send (or print, with --dry-run) one Refund Order request.
    Refund(DanaSendArgs),
}

#[derive(Debug, Args)]
pub struct DanaSendArgs {
    /// The request body (JSON, with the field names of DANA's Cancel Order or Refund Order).
    #[arg(long)]
    pub body_file: std::path::PathBuf,
    /// Print the exact HTTP request instead of sending it.
    #[arg(long)]
    pub dry_run: bool,
    /// X-TIMESTAMP to use (YYYY-MM-DDTHH:mm:ss+07:00); default: now.
    #[arg(long)]
    pub timestamp: Option<String>,
    /// X-EXTERNAL-ID to use (1-36 characters); default: a fresh random one.
    #[arg(long)]
    pub external_id: Option<String>,
    /// Allow sending to DANA's production system.
    #[arg(long)]
    pub allow_production: bool,
}

#[derive(Debug, Args, Default)]
pub struct ServeArgs {
    /// Seed demo orders and accounts when the database has none (implies --sandbox).
    #[arg(long)]
    pub demo: bool,
    /// Send cancels to the embedded DANA sandbox instead of DANA (DANA_BASE_URL must be unset).
    /// Without it, DANA_BASE_URL is required.
    #[arg(long)]
    pub sandbox: bool,
}

#[derive(Debug, Args)]
pub struct CopyDataArgs {
    /// The database to copy from (sqlite:… or postgres:…); migrated to the current schema first.
    #[arg(long)]
    pub from: String,
    /// The database to copy into: created tables, no rows yet.
    #[arg(long)]
    pub to: String,
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    /// How many orders to write.
    #[arg(long)]
    pub orders: usize,
    /// Random seed; the same seed and day give the same orders.
    #[arg(long, default_value_t = DEMO_SEED)]
    pub seed: u64,
    /// Also add one order per sandbox scenario (references that make the sandbox answer each code).
    #[arg(long)]
    pub scenarios: bool,
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
    #[error(transparent)]
    DanaConfig(#[from] crate::dana::config::DanaConfigError),
    #[error("key: {0}")]
    Key(#[from] crate::dana::signing::KeyError),
    #[error("{0}")]
    Usage(String),
    #[error("invalid request: {0}")]
    InvalidRequest(#[from] crate::dana::types::FieldError),
    #[error(transparent)]
    DanaSetup(#[from] server::DanaSetupError),
    #[error("{0}")]
    AuditBroken(String),
    #[error(transparent)]
    User(#[from] crate::auth::users::UserError),
    #[error("cannot read the password: {0}")]
    PasswordInput(std::io::Error),
    #[error(transparent)]
    AuditKey(#[from] crate::audit::key::AuditKeyError),
    #[error("audit trail: {0}")]
    Audit(#[from] crate::audit::AuditError),
    #[error(transparent)]
    Checkpoint(#[from] crate::audit::checkpoint::CheckpointError),
    #[error(transparent)]
    Token(#[from] crate::intake::tokens::TokenError),
    #[error("import: {0}")]
    Import(#[from] crate::intake::csv_import::ImportError),
    #[error("{path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
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
        Command::Sandbox(args) => sandbox(&config, args).await,
        Command::User { command } => user(&config, command).await,
        Command::Audit { command } => audit(&config, command).await,
        Command::Token { command } => token(&config, command).await,
        Command::Import {
            command: ImportCommand::Orders(args),
        } => import(&config, args).await,
        Command::Dana {
            command: DanaCommand::Cancel(args),
        } => dana_send(DanaApi::Cancel, args).await,
        Command::Dana {
            command: DanaCommand::Refund(args),
        } => dana_send(DanaApi::Refund, args).await,
        Command::CopyData(args) => copy_data(&config, args).await,
        Command::Seed(args) => {
            let pool = open(&config).await?;
            let started = Instant::now();
            let written =
                seed::seed_orders(&pool, args.orders, args.seed, time::Timestamp::host_now())
                    .await?;
            println!(
                "seeded {written} orders in {:.2} s",
                started.elapsed().as_secs_f64()
            );
            if args.scenarios {
                let added = seed::seed_scenario_orders(&pool, time::Timestamp::host_now()).await?;
                println!("added {added} sandbox scenario orders");
            }
            pool.close().await;
            Ok(())
        }
    }
}

/// Connects, migrates, and keys the audit chain (see [`open_keyed`]).
async fn open(config: &Config) -> Result<db::Pool, CliError> {
    Ok(open_keyed(config).await?.0)
}

/// Connects and migrates, loads the audit key (generated on first use), and on a database
/// upgraded from the unkeyed chain appends the `audit.chain_keyed` marker once.
async fn open_keyed(config: &Config) -> Result<(db::Pool, AuditKey), CliError> {
    let pool = db::connect(&config.database_url).await?;
    db::migrate(&pool).await?;
    let key = crate::audit::open_key(&pool, &config.audit_key_path).await?;
    Ok((pool, key))
}
