//! The `cancel-desk` command line: `serve` (the default), `migrate`, `seed`.

use std::time::Instant;

use clap::{Args, Parser, Subcommand};
use tokio::net::TcpListener;

use crate::audit::key::AuditKey;
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
    /// Copy every order, account, cancel, attempt, status check and audit event from one
    /// database into another, empty one (e.g. SQLite into PostgreSQL), then verify the copied
    /// audit trail with the audit key (CANCEL_DESK_AUDIT_KEY_PATH).
    CopyData(CopyDataArgs),
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
    Cancel(DanaCancelArgs),
}

#[derive(Debug, Args)]
pub struct DanaCancelArgs {
    /// The request body (JSON, as on DANA's Cancel Order page).
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
        Command::Dana {
            command: DanaCommand::Cancel(args),
        } => dana_cancel(args).await,
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

/// `cancel-desk audit verify [--checkpoint FILE]` and `cancel-desk audit checkpoint`.
async fn audit(config: &Config, command: AuditCommand) -> Result<(), CliError> {
    use crate::audit::checkpoint;
    let (pool, key) = open_keyed(config).await?;
    let result = match command {
        AuditCommand::Checkpoint => {
            let taken = checkpoint::take(&pool, &key).await?;
            println!("{}", taken.to_line());
            Ok(())
        }
        AuditCommand::Verify { checkpoint: file } => {
            let report = crate::audit::verify(&pool, &key).await?;
            let mut problems = Vec::new();
            if let Some(broken) = &report.first_break {
                problems.push(format!(
                    "audit chain broken at event #{}: {} ({} events before it verified)",
                    broken.id, broken.reason, report.events
                ));
            }
            let checkpoints = match &file {
                Some(path) => Some(checkpoint::verify_file(&pool, &key, path, &report).await?),
                None => None,
            };
            if let (Some(path), Some(checked)) = (&file, &checkpoints)
                && let Some(first) = checked.failures.first()
            {
                let more = checked.failures.len() - 1;
                problems.push(format!(
                    "{}: {first}{}",
                    path.display(),
                    if more > 0 {
                        format!(" ({more} later checkpoints fail too)")
                    } else {
                        String::new()
                    }
                ));
            }
            if problems.is_empty() {
                let legacy = if report.legacy_events > 0 {
                    format!(
                        " ({} legacy unkeyed events before the keyed marker)",
                        report.legacy_events
                    )
                } else {
                    String::new()
                };
                println!("audit chain intact: {} events{legacy}", report.events);
                if let (Some(path), Some(checked)) = (&file, &checkpoints) {
                    match &checked.latest_good {
                        Some(latest) => println!(
                            "{} checkpoints in {} hold; the latest, at {}, has event #{} as the head of {} events",
                            checked.checked,
                            path.display(),
                            latest.at,
                            latest.head_id,
                            latest.events
                        ),
                        None => println!("{} holds no checkpoints", path.display()),
                    }
                }
                Ok(())
            } else {
                Err(CliError::AuditBroken(problems.join("\n")))
            }
        }
    };
    pool.close().await;
    result
}

async fn serve(config: &Config, args: ServeArgs) -> Result<(), CliError> {
    let mode = if args.sandbox || args.demo {
        server::DanaMode::Sandbox
    } else {
        server::DanaMode::Dana
    };
    // Before anything is written: a refused start leaves the database as it was.
    server::check_dana_mode(&|name: &str| std::env::var(name).ok(), mode)?;
    let (pool, audit_key) = open_keyed(config).await?;
    if args.demo && db::orders::is_empty(&pool).await? {
        let written =
            seed::seed_orders(&pool, DEMO_ORDERS, DEMO_SEED, time::Timestamp::host_now()).await?;
        let scenarios = seed::seed_scenario_orders(&pool, time::Timestamp::host_now()).await?;
        tracing::info!(
            orders = written,
            scenarios,
            "seeded demo orders into the empty database"
        );
    }
    if args.demo {
        create_demo_accounts(&audit_key, &pool).await?;
    }
    let listener = TcpListener::bind(config.addr)
        .await
        .map_err(|source| CliError::Listen {
            addr: config.addr,
            source,
        })?;
    let addr = listener.local_addr().map_err(CliError::Serve)?;
    let (dana, sandbox) =
        server::dana_client(config, &pool, |name| std::env::var(name).ok(), mode).await?;
    if let Some(sandbox) = &sandbox {
        println!(
            "Sandbox mode: cancels go to the embedded DANA sandbox at {}, never to DANA",
            sandbox.base_url()
        );
    }
    // A lease must outlive one DANA exchange and a status check, or a slow send could be taken
    // over and sent again by another server.
    let needed_ms = 2 * dana.timeout().as_millis() as i64 + 2_000;
    if config.queue.lease_seconds * 1000 < needed_ms {
        return Err(CliError::Usage(format!(
            "CANCEL_DESK_LEASE_SECONDS: {} s is too short for the DANA timeout of {} ms; use at least {} s",
            config.queue.lease_seconds,
            dana.timeout().as_millis(),
            (needed_ms + 999) / 1000
        )));
    }
    println!("Cancel Desk is running at http://{addr}/orders");
    // Signed checkpoints of the chain's head, outside the database: a truncated or rewritten
    // trail no longer matches them.
    let _checkpoints = crate::audit::checkpoint::spawn_writer(
        pool.clone(),
        audit_key.clone(),
        config.audit_checkpoint_path.clone(),
        config.audit_checkpoint_minutes,
    );
    let _checkpointer = db::spawn_checkpointer(pool.clone());
    let state = server::AppState::new(config, pool, dana, audit_key, sandbox.is_some());
    if config.queue.worker {
        crate::cancel::worker::spawn_worker(state.cancels.clone());
    } else {
        tracing::info!("CANCEL_DESK_WORKER=off: this server does not retry pending cancels");
    }
    server::serve(listener, state, shutdown_signal())
        .await
        .map_err(CliError::Serve)
}

/// `cancel-desk copy-data --from A --to B`.
async fn copy_data(config: &Config, args: CopyDataArgs) -> Result<(), CliError> {
    for (flag, url) in [("--from", &args.from), ("--to", &args.to)] {
        if db::Engine::of_url(url).is_none() {
            return Err(CliError::Usage(format!(
                "{flag} {url:?} is neither a sqlite: nor a postgres: URL"
            )));
        }
    }
    if args.from == args.to {
        return Err(CliError::Usage(
            "--from and --to are the same database".into(),
        ));
    }
    let key = AuditKey::load(&config.audit_key_path)?;
    let from = db::connect(&args.from).await?;
    db::migrate(&from).await?;
    let to = db::connect(&args.to).await?;
    db::migrate(&to).await?;
    let started = Instant::now();
    let copied = db::copy::copy_all(&from, &to, |table, n| {
        println!("copied {n} {table} rows");
    })
    .await
    .map_err(|e| CliError::Usage(e.to_string()))?;
    let (source, target) = (db::copy::counts(&from).await?, db::copy::counts(&to).await?);
    if source != target {
        return Err(CliError::Usage(format!(
            "row counts differ after the copy: source {source:?}, target {target:?}"
        )));
    }
    let report = crate::audit::verify(&to, &key).await?;
    if let Some(broken) = report.first_break {
        return Err(CliError::AuditBroken(format!(
            "the copied audit trail does not verify at event #{}: {}",
            broken.id, broken.reason
        )));
    }
    let rows: u64 = copied.iter().map(|(_, n)| n).sum();
    println!(
        "copied {rows} rows in {:.1} s; counts match; the audit trail verifies on the target ({} events)",
        started.elapsed().as_secs_f64(),
        report.events
    );
    from.close().await;
    to.close().await;
    Ok(())
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

async fn sandbox(config: &Config, args: SandboxArgs) -> Result<(), CliError> {
    use crate::dana::{clock::SystemClock, keys, signing::PublicKey};
    use crate::sandbox::{
        self, OrderBook, SandboxConfig,
        scenario::{ScenarioFile, Scripts},
    };
    let public_key = match &args.public_key {
        Some(path) => PublicKey::from_file(path)?,
        None => keys::ensure_sandbox_keys(&config.key_dir)?.1,
    };
    let (scripts, query_scripts) = match &args.scenarios {
        None => (Scripts::default(), Scripts::default()),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", path.display())))?;
            let file: ScenarioFile = serde_json::from_str(&text).map_err(|e| {
                CliError::Usage(format!("{} is not a scenario file: {e}", path.display()))
            })?;
            Scripts::from_file(file)
        }
    };
    let pool = open(config).await?;
    let listener = TcpListener::bind(args.addr)
        .await
        .map_err(|source| CliError::Listen {
            addr: args.addr,
            source,
        })?;
    let handle = sandbox::spawn(
        listener,
        SandboxConfig {
            public_key,
            partner_id: args.partner_id,
            orders: OrderBook::Database(pool),
            clock: std::sync::Arc::new(SystemClock),
            max_skew: sandbox::DEFAULT_MAX_SKEW,
            scripts,
            query_scripts,
        },
    )
    .map_err(CliError::Serve)?;
    println!("DANA sandbox is listening at {}", handle.base_url());
    shutdown_signal().await;
    handle.shutdown();
    Ok(())
}

async fn dana_cancel(args: DanaCancelArgs) -> Result<(), CliError> {
    use crate::dana::{
        client::{AttemptResult, DanaClient},
        config::DanaConfig,
        types::{self, CancelOrderRequest},
    };
    let config = DanaConfig::from_lookup(|name| std::env::var(name).ok())?.ok_or_else(|| {
        CliError::Usage(
            "DANA_BASE_URL is not set: set it and the other DANA_* variables (see README)".into(),
        )
    })?;
    if config.is_production() && !args.allow_production && !args.dry_run {
        return Err(CliError::Usage(format!(
            "{} is DANA's production system; add --allow-production to send real cancels there",
            config.base_url
        )));
    }
    let text = std::fs::read_to_string(&args.body_file)
        .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", args.body_file.display())))?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| CliError::Usage(format!("{} is not JSON: {e}", args.body_file.display())))?;
    types::validate_body(&json)?;
    if let Some(unknown) = json.as_object().and_then(|o| {
        o.keys()
            .find(|k| !types::REQUEST_FIELDS.iter().any(|r| r.name == k.as_str()))
    }) {
        return Err(CliError::Usage(format!(
            "unknown field {unknown:?} in the request body"
        )));
    }
    let request: CancelOrderRequest =
        serde_json::from_value(json).map_err(|e| CliError::Usage(format!("request body: {e}")))?;
    let client = DanaClient::new(config);
    let signed = match (&args.timestamp, &args.external_id) {
        (None, None) => client.sign_cancel(&request)?,
        (timestamp, external_id) => {
            let fresh = client.sign_cancel(&request)?;
            client.sign_cancel_with(
                &request,
                timestamp.as_deref().unwrap_or(&fresh.timestamp),
                external_id.as_deref().unwrap_or(&fresh.external_id),
            )?
        }
    };
    if args.dry_run {
        println!("{}", signed.to_http_text());
        println!(
            "\n# string to sign\n{}",
            crate::dana::signing::string_to_sign(
                signed.method,
                signed.path,
                &signed.body,
                &signed.timestamp
            )
        );
        return Ok(());
    }
    let attempt = client.send(signed, 1).await;
    match &attempt.result {
        AttemptResult::Answered {
            http_status, body, ..
        } => println!("HTTP {http_status}\n{body}\n"),
        AttemptResult::TimedOut => println!("no answer within the timeout\n"),
        AttemptResult::Transport(err) => println!("no answer: {err}\n"),
    }
    let entry = attempt.entry();
    println!(
        "{} {}: {} ({}, {})",
        entry.code,
        entry.message,
        entry.explanation,
        entry.outcome.label(),
        entry.retry.label()
    );
    println!(
        "latency: {} ms, X-EXTERNAL-ID: {}",
        attempt.latency.as_millis(),
        attempt.request.external_id
    );
    Ok(())
}

/// Who the audit trail names for changes made from this command line.
const CLI_ACTOR: &str = "system:cli";

/// Reads a password without echo from a terminal (asked twice), or one line from piped stdin.
fn read_password() -> Result<String, CliError> {
    use std::io::{BufRead, IsTerminal};
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ").map_err(CliError::PasswordInput)?;
        let again =
            rpassword::prompt_password("Repeat password: ").map_err(CliError::PasswordInput)?;
        if first != again {
            return Err(CliError::Usage("the two passwords differ".into()));
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(CliError::PasswordInput)?;
        Ok(line.trim_end_matches(['\n', '\r']).to_string())
    }
}

async fn user(config: &Config, command: UserCommand) -> Result<(), CliError> {
    use crate::auth::users;
    let (pool, key) = open_keyed(config).await?;
    let result = match command {
        UserCommand::Add { email, role } => {
            let role = users::parse_role(&role)?;
            let password = read_password()?;
            users::add(&pool, &key, CLI_ACTOR, &email, role, &password).await?;
            format!(
                "created {} ({})",
                users::normalise_email(&email)?,
                role.as_str()
            )
        }
        UserCommand::Disable { email } => {
            users::disable(&pool, &key, CLI_ACTOR, &email).await?;
            format!("disabled {email}")
        }
        UserCommand::SetRole { email, role } => {
            let role = users::parse_role(&role)?;
            users::set_role(&pool, &key, CLI_ACTOR, &email, role).await?;
            format!("{email} is now {}", role.as_str())
        }
        UserCommand::ResetPassword { email } => {
            let password = read_password()?;
            users::reset_password(&pool, &key, CLI_ACTOR, &email, &password).await?;
            format!("new password set for {email}; their sessions are ended")
        }
        UserCommand::Sessions { email } => {
            let policy = crate::auth::session::SessionPolicy {
                idle_seconds: config.session_idle_minutes * 60,
                max_seconds: config.session_max_hours * 3600,
            };
            let rows = users::sessions(&pool, &email, policy).await?;
            let mut out = format!("{} open session(s) for {email}", rows.len());
            for row in rows {
                out.push_str(&format!(
                    "\n  started {}  last active {}  expires {}  from {}",
                    time::display_wib(row.created_at),
                    time::display_wib(row.last_seen_at),
                    time::display_wib(row.expires_at),
                    row.client_addr.as_deref().unwrap_or("unknown")
                ));
            }
            out
        }
        UserCommand::EndSessions { email } => {
            let ended = users::end_sessions(&pool, &key, CLI_ACTOR, &email).await?;
            format!("ended {ended} session(s) of {email}")
        }
    };
    pool.close().await;
    println!("{result}");
    Ok(())
}

/// `serve --demo` on a database without users: one account per role, passwords printed once.
/// Demo accounts are never created any other way.
async fn create_demo_accounts(key: &AuditKey, pool: &db::Pool) -> Result<(), CliError> {
    use crate::auth::{role::Role, users};
    if db::users::any_exist(pool).await? {
        return Ok(());
    }
    println!("Demo accounts (shown once; change or disable them with `cancel-desk user`):");
    for role in Role::ALL {
        let password: String = {
            use rand::Rng;
            const CHARS: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
            let mut rng = rand::rng();
            (0..16)
                .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
                .collect()
        };
        let email = format!("{}@demo.cancel-desk.test", role.as_str());
        users::add(pool, key, "system:demo", &email, role, &password).await?;
        println!("  {:<11} {email:<36} {password}", role.as_str());
    }
    Ok(())
}
