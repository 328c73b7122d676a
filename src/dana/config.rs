//! DANA client configuration from environment variables.

use std::path::PathBuf;

use super::signing::{KeyError, MerchantKey};

pub const SANDBOX_BASE_URL: &str = "https://api.sandbox.dana.id";
pub const PRODUCTION_BASE_URL: &str = "https://api.saas.dana.id";
pub const DEFAULT_CHANNEL_ID: &str = "95221";

#[derive(Debug, thiserror::Error)]
#[error("configuration error in {var}: {message}")]
pub struct DanaConfigError {
    pub var: &'static str,
    pub message: String,
}

#[derive(Clone)]
pub struct DanaConfig {
    /// `DANA_BASE_URL`, without a trailing slash.
    pub base_url: String,
    /// `DANA_PARTNER_ID`: the clientId DANA issued (X-PARTNER-ID, 1–36 characters).
    pub partner_id: String,
    /// `DANA_MERCHANT_ID`: the merchantId of cancel requests (1–64 characters).
    pub merchant_id: String,
    /// `DANA_CHANNEL_ID` (CHANNEL-ID, 1–5 characters).
    pub channel_id: String,
    /// `DANA_ORIGIN` (ORIGIN, optional).
    pub origin: Option<String>,
    /// `DANA_PRIVATE_KEY_PATH` or `DANA_PRIVATE_KEY`.
    pub key: MerchantKey,
    /// `DANA_DEBUG_MODE`: send `X-Debug-Mode: true`, so DANA's sandbox explains its refusals in
    /// `responseMessage` (refused with DANA's production URL).
    pub debug_mode: bool,
}

impl std::fmt::Debug for DanaConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DanaConfig")
            .field("base_url", &self.base_url)
            .field("partner_id", &self.partner_id)
            .field("merchant_id", &self.merchant_id)
            .field("channel_id", &self.channel_id)
            .field("origin", &self.origin)
            .field("debug_mode", &self.debug_mode)
            .field("key", &"<redacted>")
            .finish()
    }
}

fn bad(var: &'static str, message: impl Into<String>) -> DanaConfigError {
    DanaConfigError {
        var,
        message: message.into(),
    }
}

fn check_len(var: &'static str, value: &str, max: usize) -> Result<(), DanaConfigError> {
    let n = value.chars().count();
    if n == 0 || n > max {
        return Err(bad(var, format!("must be 1 to {max} characters (is {n})")));
    }
    Ok(())
}

/// DANA's public key, which its Finish Notify signatures verify against: `DANA_PUBLIC_KEY_PATH`
/// (a PEM file) or `DANA_PUBLIC_KEY` (the PEM text); `None` when neither is set.
pub fn dana_public_key(
    get: impl Fn(&str) -> Option<String>,
) -> Result<Option<super::signing::PublicKey>, DanaConfigError> {
    use super::signing::PublicKey;
    let get = |name: &str| get(name).filter(|v| !v.trim().is_empty());
    match (get("DANA_PUBLIC_KEY_PATH"), get("DANA_PUBLIC_KEY")) {
        (Some(path), _) => PublicKey::from_file(&PathBuf::from(path))
            .map(Some)
            .map_err(|e| key_error("DANA_PUBLIC_KEY_PATH", e)),
        (None, Some(pem)) => PublicKey::from_pem_text(&pem)
            .map(Some)
            .map_err(|e| key_error("DANA_PUBLIC_KEY", e)),
        (None, None) => Ok(None),
    }
}

impl DanaConfig {
    /// Reads the DANA variables; `None` when `DANA_BASE_URL` is unset (use the embedded sandbox).
    pub fn from_lookup(
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, DanaConfigError> {
        let get = |name: &str| {
            get(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let Some(base_url) = get("DANA_BASE_URL") else {
            return Ok(None);
        };
        let require = |var: &'static str| {
            get(var).ok_or_else(|| bad(var, "must be set when DANA_BASE_URL is set"))
        };
        let key = match (get("DANA_PRIVATE_KEY_PATH"), get("DANA_PRIVATE_KEY")) {
            (Some(path), _) => MerchantKey::from_file(&PathBuf::from(path))
                .map_err(|e| key_error("DANA_PRIVATE_KEY_PATH", e))?,
            (None, Some(pem)) => {
                MerchantKey::from_pem_text(&pem).map_err(|e| key_error("DANA_PRIVATE_KEY", e))?
            }
            (None, None) => {
                return Err(bad(
                    "DANA_PRIVATE_KEY_PATH",
                    "set it (or DANA_PRIVATE_KEY) to the merchant's private key",
                ));
            }
        };
        let config = Self {
            base_url: base_url.clone(),
            partner_id: require("DANA_PARTNER_ID")?,
            merchant_id: require("DANA_MERCHANT_ID")?,
            channel_id: get("DANA_CHANNEL_ID").unwrap_or_else(|| DEFAULT_CHANNEL_ID.to_string()),
            origin: get("DANA_ORIGIN"),
            key,
            debug_mode: match get("DANA_DEBUG_MODE").as_deref() {
                None | Some("false") | Some("0") | Some("off") => false,
                Some("true") | Some("1") | Some("on") => true,
                Some(other) => {
                    return Err(bad(
                        "DANA_DEBUG_MODE",
                        format!("{other:?} is not true or false"),
                    ));
                }
            },
        };
        config.check().map(Some)
    }

    /// Checks every value against the header limits of the seed.
    pub fn check(mut self) -> Result<Self, DanaConfigError> {
        self.base_url = self.base_url.trim_end_matches('/').to_string();
        if !(self.base_url.starts_with("https://") || self.base_url.starts_with("http://")) {
            return Err(bad(
                "DANA_BASE_URL",
                format!("{:?} is not an http(s) URL", self.base_url),
            ));
        }
        // Signed requests and DANA's answers travel in clear only to a stand-in on this machine.
        if self.base_url.starts_with("http://") && !is_loopback_url(&self.base_url) {
            return Err(bad(
                "DANA_BASE_URL",
                format!(
                    "{:?} must use https (plain http is allowed only for a loopback address such as http://127.0.0.1:3100)",
                    self.base_url
                ),
            ));
        }
        check_len("DANA_PARTNER_ID", &self.partner_id, 36)?;
        check_len("DANA_MERCHANT_ID", &self.merchant_id, 64)?;
        check_len("DANA_CHANNEL_ID", &self.channel_id, 5)?;
        if self.debug_mode && self.is_production() {
            return Err(bad(
                "DANA_DEBUG_MODE",
                "is for DANA's sandbox only; unset it with DANA's production URL",
            ));
        }
        Ok(self)
    }

    /// Whether requests would reach DANA's production system.
    pub fn is_production(&self) -> bool {
        self.base_url.trim_end_matches('/') == PRODUCTION_BASE_URL
    }
}

/// Whether an `http://` URL's host is this machine (127.0.0.0/8, `[::1]`, `localhost`).
fn is_loopback_url(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    if authority.contains('@') {
        return false;
    }
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Never includes the key itself: only what kind of problem it has.
fn key_error(var: &'static str, err: KeyError) -> DanaConfigError {
    bad(var, err.to_string())
}

#[cfg(test)]
mod tests {
    use super::is_loopback_url;

    #[test]
    fn plain_http_only_to_this_machine() {
        for url in [
            "http://127.0.0.1:3100",
            "http://127.9.9.9/x",
            "http://localhost:3100",
            "http://[::1]:3100/",
        ] {
            assert!(is_loopback_url(url), "{url}");
        }
        for url in [
            "http://api.sandbox.dana.id",
            "http://10.0.0.1:3100",
            "http://127.0.0.1.evil.test",
            "http://127.0.0.1@evil.test",
            "http://localhost.evil.test",
        ] {
            assert!(!is_loopback_url(url), "{url}");
        }
    }
}
