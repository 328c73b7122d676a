//! Password hashing with Argon2id (the argon2 crate's defaults: Argon2id v19, 19 MiB, 2 passes).

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

pub const MIN_CHARS: usize = super::MIN_PASSWORD_CHARS;
pub const MAX_CHARS: usize = 128;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    TooShort,
    TooLong,
    Hashing,
}

/// Shown to the person who typed the password, in the language of the request (English for the
/// CLI): "password must be at least 12 characters".
impl std::fmt::Display for PasswordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let locale = crate::language::current();
        let message = match self {
            PasswordError::TooShort => {
                crate::i18n::td_string!(locale, validation.password.too_short, min = MIN_CHARS)
                    .to_string()
            }
            PasswordError::TooLong => {
                crate::i18n::td_string!(locale, validation.password.too_long, max = MAX_CHARS)
                    .to_string()
            }
            PasswordError::Hashing => {
                crate::i18n::td_string!(locale, validation.password.hashing).to_string()
            }
        };
        f.write_str(&message)
    }
}

pub fn check_policy(password: &str) -> Result<(), PasswordError> {
    let n = password.chars().count();
    if n < MIN_CHARS {
        Err(PasswordError::TooShort)
    } else if n > MAX_CHARS {
        Err(PasswordError::TooLong)
    } else {
        Ok(())
    }
}

/// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`).
pub fn hash(password: &str) -> Result<String, PasswordError> {
    check_policy(password)?;
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| PasswordError::Hashing)
}

pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_with_argon2id_and_verifies() {
        let phc = hash("correct horse battery").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$"));
        assert!(verify("correct horse battery", &phc));
        assert!(!verify("correct horse batterY", &phc));
        assert!(!verify("anything", "not a phc string"));
        assert_ne!(
            phc,
            hash("correct horse battery").unwrap(),
            "each hash has its own salt"
        );
    }

    #[test]
    fn policy_edges() {
        assert_eq!(
            hash(&"x".repeat(MIN_CHARS - 1)),
            Err(PasswordError::TooShort)
        );
        assert!(check_policy(&"x".repeat(MIN_CHARS)).is_ok());
        assert!(check_policy(&"x".repeat(MAX_CHARS)).is_ok());
        assert_eq!(
            check_policy(&"x".repeat(MAX_CHARS + 1)),
            Err(PasswordError::TooLong)
        );
    }
}
