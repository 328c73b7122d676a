//! `cancel-desk copy-data --from A --to B`.

use super::*;

/// `cancel-desk copy-data --from A --to B`.
pub(super) async fn copy_data(config: &Config, args: CopyDataArgs) -> Result<(), CliError> {
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
