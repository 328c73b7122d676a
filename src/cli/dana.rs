//! `cancel-desk sandbox` (the DANA stand-in on its own) and `cancel-desk dana cancel`.

use super::*;

pub(super) async fn sandbox(config: &Config, args: SandboxArgs) -> Result<(), CliError> {
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
            strict: args.strict,
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

pub(super) async fn dana_cancel(args: DanaCancelArgs) -> Result<(), CliError> {
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
