//! `cancel-desk import orders FILE.csv`: a CSV import from the command line.

use std::io::Write;

use super::*;
use crate::intake::csv_import::{ImportRun, RowIssue, error_file_header, error_file_line};

/// Problems shown on the terminal; all of them go to the error file.
const SHOWN: usize = 20;

pub(super) async fn import(config: &Config, args: ImportOrdersArgs) -> Result<(), CliError> {
    let file_error = |path: &std::path::Path| {
        let path = path.display().to_string();
        move |source| CliError::File { path, source }
    };
    let file = std::fs::File::open(&args.file).map_err(file_error(&args.file))?;
    let (pool, key) = open_keyed(config).await?;
    let clock = crate::clock::Clock::database();
    let file_name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let errors_path = args.errors.clone().unwrap_or_else(|| {
        let mut name = args.file.as_os_str().to_owned();
        name.push(".errors.csv");
        name.into()
    });
    // The error file is opened at the first problem, so a clean import leaves none behind.
    let mut errors: Option<std::io::BufWriter<std::fs::File>> = None;
    let mut write_failed: Option<std::io::Error> = None;
    let mut shown = 0;
    let started = Instant::now();
    let run = ImportRun {
        pool: &pool,
        key: &key,
        clock: &clock,
        actor: CLI_ACTOR,
        file_name: &file_name,
        dry_run: args.dry_run,
    };
    let summary = run
        .run(
            std::io::BufReader::with_capacity(1 << 20, file),
            |issue: RowIssue| {
                if shown < SHOWN {
                    eprintln!("line {}: {}: {}", issue.line, issue.column, issue.reason);
                }
                shown += 1;
                if write_failed.is_some() {
                    return;
                }
                let written = (|| -> std::io::Result<()> {
                    if errors.is_none() {
                        let mut file =
                            std::io::BufWriter::new(std::fs::File::create(&errors_path)?);
                        file.write_all(error_file_header().as_bytes())?;
                        errors = Some(file);
                    }
                    let file = errors.as_mut().expect("opened above");
                    file.write_all(error_file_line(&issue).as_bytes())
                })();
                if let Err(e) = written {
                    write_failed = Some(e);
                }
            },
        )
        .await?;
    if let Some(mut file) = errors {
        file.flush().map_err(file_error(&errors_path))?;
    }
    if let Some(e) = write_failed {
        return Err(file_error(&errors_path)(e));
    }
    if shown > SHOWN {
        eprintln!("… and {} more problems", shown - SHOWN);
    }
    let t = summary.tally;
    println!(
        "{}{} rows in {:.1} s: {} created, {} updated, {} unchanged, {} rejected",
        if summary.dry_run {
            "dry run (nothing written): "
        } else {
            ""
        },
        summary.rows,
        started.elapsed().as_secs_f64(),
        t.created,
        t.updated,
        t.unchanged,
        t.rejected
    );
    if shown > 0 {
        println!("problems, by line and column: {}", errors_path.display());
    }
    pool.close().await;
    Ok(())
}
