use clap::Parser;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        // Logs on stderr: stdout is for what a command prints (checkpoints, listings).
        .with_writer(std::io::stderr)
        .init();
    let cli = cancel_desk::cli::Cli::parse();
    match cancel_desk::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("cancel-desk: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}
