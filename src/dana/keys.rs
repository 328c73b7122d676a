//! The development key pairs used between the dashboard and its sandbox: the merchant's (the
//! dashboard signs cancels, the sandbox verifies) and the sandbox DANA's own (it signs Finish
//! Notify, the dashboard verifies). Generated on first start under the data folder, never
//! committed, never a production key.

use std::path::{Path, PathBuf};

use super::signing::{KeyError, MerchantKey, PublicKey};

pub const PRIVATE_FILE: &str = "sandbox_private.pem";
pub const PUBLIC_FILE: &str = "sandbox_public.pem";
pub const DANA_PRIVATE_FILE: &str = "sandbox_dana_private.pem";
pub const DANA_PUBLIC_FILE: &str = "sandbox_dana_public.pem";

pub fn public_path(dir: &Path) -> PathBuf {
    dir.join(PUBLIC_FILE)
}

/// Loads the merchant's pair from `dir`, generating and writing it first when it is not there.
pub fn ensure_sandbox_keys(dir: &Path) -> Result<(MerchantKey, PublicKey), KeyError> {
    ensure_pair(dir, PRIVATE_FILE, PUBLIC_FILE)
}

/// The sandbox DANA's pair: it signs the Finish Notify the dashboard receives in sandbox mode.
pub fn ensure_sandbox_dana_keys(dir: &Path) -> Result<(MerchantKey, PublicKey), KeyError> {
    ensure_pair(dir, DANA_PRIVATE_FILE, DANA_PUBLIC_FILE)
}

fn ensure_pair(
    dir: &Path,
    private_file: &str,
    public_file: &str,
) -> Result<(MerchantKey, PublicKey), KeyError> {
    let private = dir.join(private_file);
    let public = dir.join(public_file);
    if !private.exists() || !public.exists() {
        let unreadable = |e: std::io::Error| KeyError::Unreadable {
            path: dir.display().to_string(),
            reason: e.to_string(),
        };
        std::fs::create_dir_all(dir).map_err(unreadable)?;
        let key = MerchantKey::generate()?;
        write_private(&private, &key.to_pkcs8_pem()?).map_err(unreadable)?;
        std::fs::write(&public, key.public_key_pem()?).map_err(unreadable)?;
        tracing::info!(dir = %dir.display(), "generated a sandbox key pair");
    }
    Ok((
        MerchantKey::from_file(&private)?,
        PublicKey::from_file(&public)?,
    ))
}

/// Writes a private key readable by its owner only.
fn write_private(path: &Path, pem: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(pem.as_bytes())
}
