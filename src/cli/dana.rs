//! `cancel-desk sandbox` (the DANA stand-in on its own) and `cancel-desk dana cancel|refund`.

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
    let (scripts, query_scripts, refund_scripts) = match &args.scenarios {
        None => (Scripts::default(), Scripts::default(), Scripts::default()),
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
            refund_scripts,
        },
    )
    .map_err(CliError::Serve)?;
    println!("DANA sandbox is listening at {}", handle.base_url());
    shutdown_signal().await;
    handle.shutdown();
    Ok(())
}

/// The DANA request `cancel-desk dana` sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DanaApi {
    Cancel,
    Refund,
}

/// `cancel-desk dana cancel|refund`: validates a body file against the API's field rules,
/// signs it, and prints it (`--dry-run`) or sends it and explains DANA's answer.
pub(super) async fn dana_send(api: DanaApi, args: DanaSendArgs) -> Result<(), CliError> {
    use crate::dana::{
        client::DanaClient, config::DanaConfig, refund::RefundOrderRequest,
        types::CancelOrderRequest,
    };
    let config = DanaConfig::from_lookup(|name| std::env::var(name).ok())?.ok_or_else(|| {
        CliError::Usage(
            "DANA_BASE_URL is not set: set it and the other DANA_* variables (see README)".into(),
        )
    })?;
    let what = match api {
        DanaApi::Cancel => "cancels",
        DanaApi::Refund => "refunds",
    };
    if config.is_production() && !args.allow_production && !args.dry_run {
        return Err(CliError::Usage(format!(
            "{} is DANA's production system; add --allow-production to send real {what} there",
            config.base_url
        )));
    }
    let text = std::fs::read_to_string(&args.body_file)
        .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", args.body_file.display())))?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| CliError::Usage(format!("{} is not JSON: {e}", args.body_file.display())))?;
    let rules = match api {
        DanaApi::Cancel => crate::dana::types::REQUEST_FIELDS,
        DanaApi::Refund => crate::dana::refund::REFUND_REQUEST_FIELDS,
    };
    crate::dana::types::validate_fields(rules, &json)?;
    if let Some(unknown) = json.as_object().and_then(|o| {
        o.keys()
            .find(|k| !rules.iter().any(|r| r.name == k.as_str()))
    }) {
        return Err(CliError::Usage(format!(
            "unknown field {unknown:?} in the request body"
        )));
    }
    let client = DanaClient::new(config);
    let signed = match api {
        DanaApi::Cancel => {
            let request: CancelOrderRequest = serde_json::from_value(json)
                .map_err(|e| CliError::Usage(format!("request body: {e}")))?;
            let fresh = client.sign_cancel(&request)?;
            match (&args.timestamp, &args.external_id) {
                (None, None) => fresh,
                (timestamp, external_id) => client.sign_cancel_with(
                    &request,
                    timestamp.as_deref().unwrap_or(&fresh.timestamp),
                    external_id.as_deref().unwrap_or(&fresh.external_id),
                )?,
            }
        }
        DanaApi::Refund => {
            let request: RefundOrderRequest = serde_json::from_value(json)
                .map_err(|e| CliError::Usage(format!("request body: {e}")))?;
            let fresh = client.sign_refund(&request)?;
            match (&args.timestamp, &args.external_id) {
                (None, None) => fresh,
                (timestamp, external_id) => client.sign_refund_with(
                    &request,
                    timestamp.as_deref().unwrap_or(&fresh.timestamp),
                    external_id.as_deref().unwrap_or(&fresh.external_id),
                )?,
            }
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
    match api {
        DanaApi::Cancel => print_attempt(&client.send(signed, 1).await),
        DanaApi::Refund => print_attempt(&client.send_refund(signed, 1).await),
    }
    Ok(())
}

fn print_attempt<R: crate::dana::client::AnswerBody>(attempt: &crate::dana::client::Attempt<R>) {
    use crate::dana::client::AttemptResult;
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
        entry.explanation(),
        entry.outcome.label(),
        entry.retry.label()
    );
    println!(
        "latency: {} ms, X-EXTERNAL-ID: {}",
        attempt.latency.as_millis(),
        attempt.request.external_id
    );
}
