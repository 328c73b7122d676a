//! SNAP asymmetric signing: `METHOD:PATH:lowercase(hex(sha256(minify(body)))):X-TIMESTAMP`,
//! signed SHA256withRSA (PKCS#1 v1.5) and sent as standard padded base64. Keys load from every
//! form merchants receive them in; nothing here ever prints key material.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
};
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("the key is empty")]
    Empty,
    #[error("the key is not PEM or base64 text")]
    NotBase64,
    #[error("the key is not an RSA {0} key in PKCS#8 or PKCS#1 form")]
    NotAKey(&'static str),
    #[error("cannot read the key file {path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("cannot write a key: {0}")]
    Encode(String),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("X-SIGNATURE is not valid base64")]
    NotBase64,
    #[error("the signature does not match the request")]
    Mismatch,
}

/// The merchant's private key, ready to sign. Its Debug output never shows the key.
#[derive(Clone)]
pub struct MerchantKey {
    signer: SigningKey<Sha256>,
    public: RsaPublicKey,
}

impl std::fmt::Debug for MerchantKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MerchantKey(<redacted>)")
    }
}

/// A public key that checks signatures (DANA's view of the merchant's key).
#[derive(Clone, Debug)]
pub struct PublicKey {
    verifier: VerifyingKey<Sha256>,
}

/// Reduces PEM in any of its travelling shapes (real or escaped `\n` newlines, one line, or bare
/// base64 without BEGIN/END lines) to DER bytes.
fn pem_body_to_der(text: &str) -> Result<Vec<u8>, KeyError> {
    let text = text.trim().replace("\\n", "\n").replace("\\r", "");
    // Drop every `-----BEGIN …-----` / `-----END …-----` marker, wherever it stands.
    let mut body = String::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find("-----") {
        body.push_str(&rest[..start]);
        let after = &rest[start + 5..];
        let end = after.find("-----").ok_or(KeyError::NotBase64)?;
        rest = &after[end + 5..];
    }
    body.push_str(rest);
    body.retain(|c| !c.is_whitespace());
    if body.is_empty() {
        return Err(KeyError::Empty);
    }
    BASE64
        .decode(body.as_bytes())
        .map_err(|_| KeyError::NotBase64)
}

fn read_key_file(path: &std::path::Path) -> Result<String, KeyError> {
    std::fs::read_to_string(path).map_err(|e| KeyError::Unreadable {
        path: path.display().to_string(),
        reason: e.to_string(),
    })
}

impl MerchantKey {
    /// Loads a private key from PKCS#8 or PKCS#1 PEM, escaped or not, or bare base64 DER.
    pub fn from_pem_text(text: &str) -> Result<Self, KeyError> {
        let der = pem_body_to_der(text)?;
        let key = RsaPrivateKey::from_pkcs8_der(&der)
            .or_else(|_| RsaPrivateKey::from_pkcs1_der(&der))
            .map_err(|_| KeyError::NotAKey("private"))?;
        Ok(Self::from_rsa(key))
    }

    pub fn from_file(path: &std::path::Path) -> Result<Self, KeyError> {
        Self::from_pem_text(&read_key_file(path)?)
    }

    fn from_rsa(key: RsaPrivateKey) -> Self {
        let public = key.to_public_key();
        Self {
            signer: SigningKey::<Sha256>::new(key),
            public,
        }
    }

    /// A fresh 2048-bit key pair (for the sandbox set-up, never for production).
    pub fn generate() -> Result<Self, KeyError> {
        let key = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048)
            .map_err(|e| KeyError::Encode(e.to_string()))?;
        Ok(Self::from_rsa(key))
    }

    /// PKCS#8 PEM of the private key, for writing a generated key to its file.
    pub fn to_pkcs8_pem(&self) -> Result<String, KeyError> {
        let key: &RsaPrivateKey = self.signer.as_ref();
        key.to_pkcs8_pem(LineEnding::LF)
            .map(|pem| pem.to_string())
            .map_err(|e| KeyError::Encode(e.to_string()))
    }

    pub fn public_key_pem(&self) -> Result<String, KeyError> {
        self.public
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| KeyError::Encode(e.to_string()))
    }

    pub fn public_key(&self) -> PublicKey {
        PublicKey {
            verifier: VerifyingKey::<Sha256>::new(self.public.clone()),
        }
    }

    /// X-SIGNATURE for a string to sign: base64(SHA256withRSA(string)).
    pub fn sign(&self, string_to_sign: &str) -> String {
        BASE64.encode(self.signer.sign(string_to_sign.as_bytes()).to_bytes())
    }
}

impl PublicKey {
    /// Loads an SPKI (`BEGIN PUBLIC KEY`) or PKCS#1 (`BEGIN RSA PUBLIC KEY`) public key.
    pub fn from_pem_text(text: &str) -> Result<Self, KeyError> {
        let der = pem_body_to_der(text)?;
        let key = RsaPublicKey::from_public_key_der(&der)
            .or_else(|_| RsaPublicKey::from_pkcs1_der(&der))
            .map_err(|_| KeyError::NotAKey("public"))?;
        Ok(Self {
            verifier: VerifyingKey::<Sha256>::new(key),
        })
    }

    pub fn from_file(path: &std::path::Path) -> Result<Self, KeyError> {
        Self::from_pem_text(&read_key_file(path)?)
    }

    pub fn verify(&self, string_to_sign: &str, signature_b64: &str) -> Result<(), SignatureError> {
        let bytes = BASE64
            .decode(signature_b64.trim())
            .map_err(|_| SignatureError::NotBase64)?;
        let signature =
            Signature::try_from(bytes.as_slice()).map_err(|_| SignatureError::Mismatch)?;
        self.verifier
            .verify(string_to_sign.as_bytes(), &signature)
            .map_err(|_| SignatureError::Mismatch)
    }
}

/// Removes JSON whitespace outside strings; key order and string contents stay as they are.
pub fn minify_json(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let (mut in_string, mut escaped) = (false, false);
    for &b in body {
        if in_string {
            out.push(b);
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
            out.push(b);
        } else if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            out.push(b);
        }
    }
    out
}

/// `METHOD:PATH:lowercase(hex(sha256(minify(body)))):TIMESTAMP`
pub fn string_to_sign(method: &str, path: &str, body: &[u8], timestamp: &str) -> String {
    let digest = Sha256::digest(minify_json(body));
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("{method}:{path}:{hex}:{timestamp}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minify_keeps_strings_and_order() {
        let pretty = b"{\n  \"b\": \"x  y\",\n  \"a\" : [1, 2],\t\"c\": \"q\\\" z\"\n}";
        assert_eq!(
            minify_json(pretty),
            br#"{"b":"x  y","a":[1,2],"c":"q\" z"}"#.to_vec()
        );
    }

    #[test]
    fn hashes_the_minified_body() {
        let a = string_to_sign("POST", "/p", b"{ \"a\": 1 }", "T");
        assert_eq!(a, string_to_sign("POST", "/p", b"{\"a\":1}", "T"));
        assert!(a.starts_with("POST:/p:") && a.ends_with(":T"));
        assert_eq!(a.split(':').nth(2).unwrap().len(), 64);
    }
}
