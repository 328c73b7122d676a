//! Configuration from environment variables. Every variable has a default that runs the
//! dashboard locally; a bad value stops start-up with a message that names the variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::cancel::policy::{QueuePolicy, parse_backoff};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/cancel-desk.db";
pub const DEFAULT_ADDR: &str = "127.0.0.1:3000";
pub const DEFAULT_SITE_ROOT: &str = "target/site";
pub const DEFAULT_KEY_DIR: &str = "data/keys";
pub const DEFAULT_AUDIT_KEY_PATH: &str = "data/audit.key";
pub const DEFAULT_AUDIT_CHECKPOINT_PATH: &str = "data/audit-checkpoints.jsonl";
pub const DEFAULT_NOTIFY_PATH: &str = "/dana/finish-notify";

/// `10.0.0.0/8,127.0.0.1`: ranges, or single addresses taken as /32 (/128).
fn parse_proxies(text: &str) -> Option<Vec<ipnet::IpNet>> {
    text.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.parse::<ipnet::IpNet>().ok().or_else(|| {
                part.parse::<std::net::IpAddr>()
                    .ok()
                    .map(ipnet::IpNet::from)
            })
        })
        .collect()
}

#[derive(Debug, thiserror::Error)]
#[error("configuration error in {var}: {message}")]
pub struct ConfigError {
    pub var: &'static str,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`: the database, `sqlite:` (embedded) or `postgres:` (several servers).
    pub database_url: String,
    /// `CANCEL_DESK_ADDR`: the address the dashboard listens on.
    pub addr: SocketAddr,
    /// `CANCEL_DESK_SITE_ROOT`: the folder cargo-leptos wrote the browser bundle to.
    pub site_root: PathBuf,
    /// `CANCEL_DESK_KEY_DIR`: where the development key pair for the sandbox lives.
    pub key_dir: PathBuf,
    /// `CANCEL_DESK_SESSION_IDLE_MINUTES`: a session ends after this long without a request.
    pub session_idle_minutes: i64,
    /// `CANCEL_DESK_SECURE_COOKIES`: mark the session cookie Secure (set it when served over TLS).
    pub secure_cookies: bool,
    /// The pending queue: `CANCEL_DESK_WORKER`, `CANCEL_DESK_WORKER_POLL_MS`,
    /// `CANCEL_DESK_RETRY_BACKOFF_SECONDS`, `CANCEL_DESK_LEASE_SECONDS`,
    /// `CANCEL_DESK_PENDING_MAX_AGE_MINUTES`, and the periodic schedule for "retry periodically"
    /// refusals: `CANCEL_DESK_PERIODIC_RETRY_SECONDS`, `CANCEL_DESK_PERIODIC_RETRY_ATTEMPTS`.
    pub queue: QueuePolicy,
    /// `CANCEL_DESK_METRICS_TOKEN`: when set, `/metrics` needs `Authorization: Bearer <token>`.
    pub metrics_token: Option<String>,
    /// `CANCEL_DESK_METRICS_PUBLIC`: `/metrics` without a token, on purpose (default false:
    /// without a token it answers 401).
    pub metrics_public: bool,
    /// `CANCEL_DESK_TRUSTED_PROXIES`: peers (CIDR list) whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// `CANCEL_DESK_SESSION_MAX_HOURS`: a session ends this long after sign-in, active or not.
    pub session_max_hours: i64,
    /// `CANCEL_DESK_REQUEST_TIMEOUT_SECONDS`: the longest a request may take before it is
    /// answered 408 (a staff cancel waits for one DANA exchange and a status check).
    pub request_timeout_seconds: u64,
    /// `CANCEL_DESK_AUDIT_KEY_PATH`: the secret that keys the audit chain's HMAC (outside the
    /// database; generated with mode 0600 on first start).
    pub audit_key_path: PathBuf,
    /// `CANCEL_DESK_AUDIT_CHECKPOINT_PATH`: where the server appends signed audit checkpoints.
    pub audit_checkpoint_path: PathBuf,
    /// `CANCEL_DESK_AUDIT_CHECKPOINT_MINUTES`: how often the server writes one (0: never).
    pub audit_checkpoint_minutes: i64,
    /// `DANA_NOTIFY_PATH`: where DANA posts its Finish Notify (the path its signature covers).
    /// DANA's public key for it is read with the other DANA settings
    /// (`DANA_PUBLIC_KEY_PATH` / `DANA_PUBLIC_KEY`, see `dana::config`).
    pub notify_path: String,
    /// Four-eyes approvals: `CANCEL_DESK_APPROVAL_THRESHOLD_IDR` (whole rupiah; a cancel or refund
    /// of at least this much waits for a second person; 0 turns the amount rule off; default
    /// 5000000) and `CANCEL_DESK_APPROVAL_EXPIRY_HOURS` (a request nobody decided expires; 24).
    pub approvals: crate::approval::policy::ApprovalPolicy,
}

/// Paths the dashboard itself serves, which the notify path may not shadow.
const OWN_PATHS: &[&str] = &[
    "/api",
    "/pkg",
    "/orders",
    "/audit",
    "/pending",
    "/login",
    "/codes",
    "/healthz",
    "/readyz",
    "/metrics",
    "/users",
    "/approvals",
    "/import",
    "/account",
];

fn check_notify_path(path: &str) -> Result<(), String> {
    let plain = path
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~'));
    if !path.starts_with('/') || path.len() < 2 || path.len() > 256 || !plain || path.contains("//")
    {
        return Err(format!(
            "{path:?} is not a plain path such as {}",
            DEFAULT_NOTIFY_PATH
        ));
    }
    let first = format!("/{}", path[1..].split('/').next().unwrap_or_default());
    if OWN_PATHS.contains(&first.as_str()) || path == "/" {
        return Err(format!(
            "{path:?} is under {first}, which the dashboard serves itself"
        ));
    }
    Ok(())
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Same as [`Config::from_env`] over any lookup, so tests need not touch the process env.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |name: &'static str, default: &str| {
            get(name)
                .filter(|v| !v.trim().is_empty())
                .unwrap_or_else(|| default.to_string())
        };
        let database_url = var("DATABASE_URL", DEFAULT_DATABASE_URL);
        if crate::db::Engine::of_url(&database_url).is_none() {
            return Err(ConfigError {
                var: "DATABASE_URL",
                message: format!(
                    "{database_url:?} is neither a SQLite URL (such as {DEFAULT_DATABASE_URL}) nor a PostgreSQL one (postgres://user@host:5432/cancel_desk)"
                ),
            });
        }
        let addr_text = var("CANCEL_DESK_ADDR", DEFAULT_ADDR);
        let addr = addr_text.parse().map_err(|_| ConfigError {
            var: "CANCEL_DESK_ADDR",
            message: format!("{addr_text:?} is not an address of the form 127.0.0.1:3000"),
        })?;
        let site_root = PathBuf::from(var("CANCEL_DESK_SITE_ROOT", DEFAULT_SITE_ROOT));
        let key_dir = PathBuf::from(var("CANCEL_DESK_KEY_DIR", DEFAULT_KEY_DIR));
        let idle_text = var("CANCEL_DESK_SESSION_IDLE_MINUTES", "30");
        let session_idle_minutes = idle_text
            .parse()
            .ok()
            .filter(|m| (1..=24 * 60).contains(m))
            .ok_or_else(|| ConfigError {
                var: "CANCEL_DESK_SESSION_IDLE_MINUTES",
                message: format!("{idle_text:?} is not a number of minutes from 1 to 1440"),
            })?;
        let boolean = |name: &'static str, default: &str| {
            let text = var(name, default);
            match text.trim() {
                "true" | "1" => Ok(true),
                "false" | "0" => Ok(false),
                _ => Err(ConfigError {
                    var: name,
                    message: format!("{text:?} is not true or false"),
                }),
            }
        };
        let secure_cookies = boolean("CANCEL_DESK_SECURE_COOKIES", "false")?;
        let number = |name: &'static str, default: &str, range: std::ops::RangeInclusive<i64>| {
            let text = var(name, default);
            text.trim()
                .parse::<i64>()
                .ok()
                .filter(|n| range.contains(n))
                .ok_or_else(|| ConfigError {
                    var: name,
                    message: format!(
                        "{text:?} is not a whole number from {} to {}",
                        range.start(),
                        range.end()
                    ),
                })
        };
        let worker_text = var("CANCEL_DESK_WORKER", "on");
        let worker = match worker_text.as_str() {
            "on" | "true" | "1" => true,
            "off" | "false" | "0" => false,
            _ => {
                return Err(ConfigError {
                    var: "CANCEL_DESK_WORKER",
                    message: format!("{worker_text:?} is not on or off"),
                });
            }
        };
        let backoff_text = var("CANCEL_DESK_RETRY_BACKOFF_SECONDS", "30,60,120,300,600");
        let backoff = parse_backoff(&backoff_text).ok_or_else(|| ConfigError {
            var: "CANCEL_DESK_RETRY_BACKOFF_SECONDS",
            message: format!(
                "{backoff_text:?} is not a comma-separated list of seconds (1 to 86400), such as 30,60,120"
            ),
        })?;
        let queue = QueuePolicy {
            backoff,
            lease_seconds: number("CANCEL_DESK_LEASE_SECONDS", "60", 2..=3600)?,
            max_age_seconds: number("CANCEL_DESK_PENDING_MAX_AGE_MINUTES", "60", 1..=7 * 24 * 60)?
                * 60,
            poll: std::time::Duration::from_millis(number(
                "CANCEL_DESK_WORKER_POLL_MS",
                "1000",
                50..=60_000,
            )? as u64),
            worker,
            periodic_seconds: number("CANCEL_DESK_PERIODIC_RETRY_SECONDS", "3600", 1..=86_400)?,
            periodic_attempts: number("CANCEL_DESK_PERIODIC_RETRY_ATTEMPTS", "24", 1..=1000)?
                as usize,
        };
        let metrics_token = get("CANCEL_DESK_METRICS_TOKEN").filter(|t| !t.trim().is_empty());
        let metrics_public = boolean("CANCEL_DESK_METRICS_PUBLIC", "false")?;
        let proxies_text = var("CANCEL_DESK_TRUSTED_PROXIES", "");
        let trusted_proxies = parse_proxies(&proxies_text).ok_or_else(|| ConfigError {
            var: "CANCEL_DESK_TRUSTED_PROXIES",
            message: format!(
                "{proxies_text:?} is not a comma-separated list of addresses or CIDR ranges, such as 10.0.0.0/8,127.0.0.1"
            ),
        })?;
        let session_max_hours = number("CANCEL_DESK_SESSION_MAX_HOURS", "12", 1..=7 * 24)?;
        let request_timeout_seconds =
            number("CANCEL_DESK_REQUEST_TIMEOUT_SECONDS", "60", 5..=600)? as u64;
        let audit_key_path =
            PathBuf::from(var("CANCEL_DESK_AUDIT_KEY_PATH", DEFAULT_AUDIT_KEY_PATH));
        let audit_checkpoint_path = PathBuf::from(var(
            "CANCEL_DESK_AUDIT_CHECKPOINT_PATH",
            DEFAULT_AUDIT_CHECKPOINT_PATH,
        ));
        let audit_checkpoint_minutes =
            number("CANCEL_DESK_AUDIT_CHECKPOINT_MINUTES", "15", 0..=24 * 60)?;
        let threshold_rupiah = number(
            "CANCEL_DESK_APPROVAL_THRESHOLD_IDR",
            "5000000",
            0..=crate::approval::policy::MAX_THRESHOLD_RUPIAH,
        )?;
        let approvals = crate::approval::policy::ApprovalPolicy {
            threshold_minor: (threshold_rupiah > 0).then_some(threshold_rupiah * 100),
            expiry_seconds: number("CANCEL_DESK_APPROVAL_EXPIRY_HOURS", "24", 1..=24 * 30)? * 3600,
        };
        let notify_path = var("DANA_NOTIFY_PATH", DEFAULT_NOTIFY_PATH);
        check_notify_path(&notify_path).map_err(|message| ConfigError {
            var: "DANA_NOTIFY_PATH",
            message,
        })?;
        Ok(Self {
            database_url,
            addr,
            site_root,
            key_dir,
            session_idle_minutes,
            secure_cookies,
            queue,
            metrics_token,
            metrics_public,
            trusted_proxies,
            session_max_hours,
            request_timeout_seconds,
            audit_key_path,
            audit_checkpoint_path,
            audit_checkpoint_minutes,
            notify_path,
            approvals,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_lookup(|k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn defaults() {
        let c = with(&[]).unwrap();
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(c.addr.to_string(), DEFAULT_ADDR);
        assert!(!c.metrics_public);
        assert!(c.trusted_proxies.is_empty());
        assert_eq!(c.session_max_hours, 12);
        assert_eq!(c.audit_checkpoint_minutes, 15);
        assert_eq!(c.notify_path, "/dana/finish-notify");
        assert_eq!(c.approvals.threshold_minor, Some(500_000_000));
        assert_eq!(c.approvals.expiry_seconds, 24 * 3600);
        let off = with(&[("CANCEL_DESK_APPROVAL_THRESHOLD_IDR", "0")]).unwrap();
        assert_eq!(off.approvals.threshold_minor, None);
    }

    #[test]
    fn trusted_proxies_take_ranges_and_single_addresses() {
        let c = with(&[("CANCEL_DESK_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1,::1")]).unwrap();
        let ips: Vec<String> = c.trusted_proxies.iter().map(|n| n.to_string()).collect();
        assert_eq!(ips, ["10.0.0.0/8", "127.0.0.1/32", "::1/128"]);
    }

    #[test]
    fn bad_values_name_the_variable() {
        assert_eq!(
            with(&[("CANCEL_DESK_ADDR", "localhost")]).unwrap_err().var,
            "CANCEL_DESK_ADDR"
        );
        assert_eq!(
            with(&[("DATABASE_URL", "mysql://x")]).unwrap_err().var,
            "DATABASE_URL"
        );
        for (var, bad) in [
            ("CANCEL_DESK_SESSION_IDLE_MINUTES", "0"),
            ("CANCEL_DESK_SECURE_COOKIES", "yes"),
            ("CANCEL_DESK_WORKER", "maybe"),
            ("CANCEL_DESK_RETRY_BACKOFF_SECONDS", "30,soon"),
            ("CANCEL_DESK_LEASE_SECONDS", "1"),
            ("CANCEL_DESK_PENDING_MAX_AGE_MINUTES", "0"),
            ("CANCEL_DESK_PERIODIC_RETRY_SECONDS", "0"),
            ("CANCEL_DESK_PERIODIC_RETRY_ATTEMPTS", "0"),
            ("CANCEL_DESK_WORKER_POLL_MS", "x"),
            ("CANCEL_DESK_METRICS_PUBLIC", "yes"),
            ("CANCEL_DESK_TRUSTED_PROXIES", "10.0.0.0/33"),
            ("CANCEL_DESK_TRUSTED_PROXIES", "proxy.internal"),
            ("CANCEL_DESK_SESSION_MAX_HOURS", "0"),
            ("CANCEL_DESK_REQUEST_TIMEOUT_SECONDS", "1"),
            ("CANCEL_DESK_AUDIT_CHECKPOINT_MINUTES", "-1"),
            ("CANCEL_DESK_APPROVAL_THRESHOLD_IDR", "5.000.000"),
            ("CANCEL_DESK_APPROVAL_THRESHOLD_IDR", "-1"),
            ("CANCEL_DESK_APPROVAL_EXPIRY_HOURS", "0"),
            ("DANA_NOTIFY_PATH", "dana/notify"),
            ("DANA_NOTIFY_PATH", "/api/v1/orders"),
            ("DANA_NOTIFY_PATH", "/dana/notify?x=1"),
        ] {
            assert_eq!(with(&[(var, bad)]).unwrap_err().var, var);
        }
    }
}
