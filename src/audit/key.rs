//! The audit chain's secret: 32 random bytes kept outside the database (hex in a file readable by
//! its owner only, generated on first start). Whoever holds only the database cannot recompute
//! the chain's HMACs, so cannot forge or re-chain events undetected.

use std::path::Path;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha2::Sha256;

#[derive(Clone)]
pub struct AuditKey(Arc<[u8; 32]>);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(..)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuditKeyError {
    #[error("audit key {path}: {reason}")]
    Io { path: String, reason: String },
    #[error("audit key {path}: not 64 hexadecimal digits")]
    Malformed { path: String },
    #[error("audit key {path}: group or others may read it (mode {mode:o}); run chmod 600 on it")]
    Exposed { path: String, mode: u32 },
}

impl AuditKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Arc::new(bytes))
    }

    /// Loads the key at `path`, generating it (mode 0600) when the file does not exist. The
    /// server goes through [`crate::audit::open_key`], which refuses to generate a new key for a
    /// chain that already has keyed events.
    pub fn load_or_create(path: &Path) -> Result<Self, AuditKeyError> {
        if path.exists() {
            Self::load(path)
        } else {
            Self::create(path)
        }
    }

    /// Generates a new key at `path` (which must not exist), readable by its owner only.
    pub fn create(path: &Path) -> Result<Self, AuditKeyError> {
        let io = |e: std::io::Error| AuditKeyError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut bytes = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
        write_secret(path, &hex(&bytes)).map_err(io)?;
        tracing::info!(path = %path.display(), "generated the audit chain key");
        Self::load(path)
    }

    /// Loads the key at `path`; a file that group or others may read is refused.
    pub fn load(path: &Path) -> Result<Self, AuditKeyError> {
        use std::os::unix::fs::PermissionsExt;
        let io = |e: std::io::Error| AuditKeyError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        let mode = std::fs::metadata(path).map_err(io)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(AuditKeyError::Exposed {
                path: path.display().to_string(),
                mode,
            });
        }
        let text = std::fs::read_to_string(path).map_err(io)?;
        let malformed = || AuditKeyError::Malformed {
            path: path.display().to_string(),
        };
        let text = text.trim();
        if text.len() != 64 {
            return Err(malformed());
        }
        let mut bytes = [0u8; 32];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| malformed())?;
        }
        Ok(Self::from_bytes(bytes))
    }

    /// HMAC-SHA256 of `data`, as 64 lower-case hex digits.
    pub fn mac_hex(&self, data: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.0.as_slice()).expect("any key length");
        mac.update(data);
        hex(&mac.finalize().into_bytes())
    }

    /// Whether `expected_hex` is the HMAC of `data` (compared in constant time).
    pub fn verify_hex(&self, data: &[u8], expected_hex: &str) -> bool {
        use subtle::ConstantTimeEq;
        self.mac_hex(data)
            .as_bytes()
            .ct_eq(expected_hex.as_bytes())
            .into()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn write_secret(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_once_owner_only_and_stable() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/audit.key");
        let first = AuditKey::load_or_create(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let again = AuditKey::load_or_create(&path).unwrap();
        assert_eq!(first.mac_hex(b"x"), again.mac_hex(b"x"));
        assert!(first.verify_hex(b"x", &again.mac_hex(b"x")));
        assert!(!first.verify_hex(b"y", &again.mac_hex(b"x")));
    }

    #[test]
    fn a_malformed_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.key");
        std::fs::write(&path, "not hex").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(matches!(
            AuditKey::load_or_create(&path),
            Err(AuditKeyError::Malformed { .. })
        ));
    }

    #[test]
    fn a_key_others_may_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.key");
        AuditKey::create(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            AuditKey::load(&path),
            Err(AuditKeyError::Exposed { mode: 0o644, .. })
        ));
    }
}
