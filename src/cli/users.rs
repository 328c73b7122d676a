//! `cancel-desk user …`: staff accounts and their sessions from a shell.

use super::*;

pub(super) async fn user(config: &Config, command: UserCommand) -> Result<(), CliError> {
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

/// Reads a password without echo from a terminal (asked twice), or one line from piped stdin.
pub(super) fn read_password() -> Result<String, CliError> {
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
