//! `cancel-desk token`: bearer tokens for the order intake API.

use super::*;
use crate::intake::tokens;

pub(super) async fn token(config: &Config, command: TokenCommand) -> Result<(), CliError> {
    let (pool, key) = open_keyed(config).await?;
    let now = time::Timestamp::host_now();
    match command {
        TokenCommand::Create { name } => {
            let token = tokens::create(&pool, &key, CLI_ACTOR, &name, now).await?;
            println!(
                "Token {name:?} (order intake). It is shown once; store it in the order system's secrets:"
            );
            println!("{token}");
        }
        TokenCommand::Revoke { name } => {
            tokens::revoke(&pool, &key, CLI_ACTOR, &name, now).await?;
            println!("Token {name:?} is revoked.");
        }
        TokenCommand::List => {
            let rows = db::tokens::list(&pool).await?;
            if rows.is_empty() {
                println!("No tokens yet: cancel-desk token create --name NAME");
            }
            for row in rows {
                let when = |at: Option<time::Timestamp>| {
                    at.map(time::display_wib).unwrap_or_else(|| "never".into())
                };
                println!(
                    "{}\t{}\tcreated {} by {}\tlast used {}\t{}",
                    row.name,
                    row.scope,
                    time::display_wib(row.created_at),
                    row.created_by,
                    when(row.last_used_at),
                    match row.revoked_at {
                        Some(at) => format!("revoked {}", time::display_wib(at)),
                        None => "active".into(),
                    }
                );
            }
        }
    }
    pool.close().await;
    Ok(())
}
