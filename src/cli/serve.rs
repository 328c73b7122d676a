//! `cancel-desk serve`: the web server, its worker and background tasks, and `--demo`.

use super::*;

pub(super) async fn serve(config: &Config, args: ServeArgs) -> Result<(), CliError> {
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
    let own_url = format!("http://{}", loopback(addr));
    let (receiver, payments) =
        server::notify_setup(config, |name| std::env::var(name).ok(), mode, &own_url)?;
    let mut state = server::AppState::new(config, pool, dana, audit_key, sandbox.is_some());
    if let Some(receiver) = receiver {
        println!("DANA's Finish Notify is received at {}", receiver.path);
        state = state.with_notify(receiver);
    }
    if let Some(payments) = payments {
        state = state.with_sandbox_payments(payments);
    }
    if config.queue.worker {
        crate::worker::spawn_worker(
            state.cancels.clone(),
            state.refunds.clone(),
            state.approvals.clone(),
        );
    } else {
        tracing::info!("CANCEL_DESK_WORKER=off: this server does not retry pending cancels");
    }
    server::serve(listener, state, shutdown_signal())
        .await
        .map_err(CliError::Serve)
}

/// This server as seen from this machine (a wildcard address is reached on loopback).
fn loopback(addr: std::net::SocketAddr) -> std::net::SocketAddr {
    let ip = match addr.ip() {
        std::net::IpAddr::V4(ip) if ip.is_unspecified() => std::net::Ipv4Addr::LOCALHOST.into(),
        std::net::IpAddr::V6(ip) if ip.is_unspecified() => std::net::Ipv6Addr::LOCALHOST.into(),
        ip => ip,
    };
    std::net::SocketAddr::new(ip, addr.port())
}

pub(super) async fn shutdown_signal() {
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

/// `serve --demo` on a database without users: one account per role, passwords printed once.
/// Demo accounts are never created any other way.
pub(super) async fn create_demo_accounts(key: &AuditKey, pool: &db::Pool) -> Result<(), CliError> {
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
