//! `cancel-desk audit verify` and `cancel-desk audit checkpoint`.

use super::*;

/// `cancel-desk audit verify [--checkpoint FILE]` and `cancel-desk audit checkpoint`.
pub(super) async fn audit(config: &Config, command: AuditCommand) -> Result<(), CliError> {
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
