//! SNAP signing and key loading.

use cancel_desk::dana::signing::{KeyError, MerchantKey, PublicKey, string_to_sign};
use cancel_desk::dana::types::CANCEL_PATH;

const PKCS8: &str = include_str!("../fixtures/dana/private_pkcs8.pem");
const PKCS1: &str = include_str!("../fixtures/dana/private_pkcs1.pem");
const PUBLIC: &str = include_str!("../fixtures/dana/public.pem");
const OTHER_PUBLIC: &str = include_str!("../fixtures/dana/other_public.pem");
const KAT_BODY: &str = include_str!("../fixtures/dana/kat_body.json");
const KAT_STRING: &str = include_str!("../fixtures/dana/kat_string_to_sign.txt");
const KAT_SIGNATURE: &str = include_str!("../fixtures/dana/kat_signature.txt");
const KAT_TIMESTAMP: &str = "2020-12-23T07:44:11+07:00";

/// The expected signature was computed once with
/// `openssl dgst -sha256 -sign private_pkcs8.pem | base64 -w0` (see fixtures/dana/README.md).
#[test]
fn known_answer_matches_openssl() {
    assert_eq!(
        string_to_sign("POST", CANCEL_PATH, KAT_BODY.as_bytes(), KAT_TIMESTAMP),
        KAT_STRING
    );
    let key = MerchantKey::from_pem_text(PKCS8).unwrap();
    assert_eq!(key.sign(KAT_STRING), KAT_SIGNATURE.trim());
    // PKCS#1 v1.5 is deterministic: the same key in PKCS#1 form signs identically.
    assert_eq!(
        MerchantKey::from_pem_text(PKCS1).unwrap().sign(KAT_STRING),
        KAT_SIGNATURE.trim()
    );
}

#[test]
fn a_pretty_printed_body_hashes_like_its_minified_form() {
    let pretty =
        serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(KAT_BODY).unwrap())
            .unwrap();
    assert_ne!(pretty, KAT_BODY);
    assert_eq!(
        string_to_sign("POST", CANCEL_PATH, pretty.as_bytes(), KAT_TIMESTAMP),
        KAT_STRING
    );
}

#[test]
fn sign_then_verify_and_the_wrong_key_refuses() {
    let key = MerchantKey::from_pem_text(PKCS8).unwrap();
    let signature = key.sign("POST:/x:abc:T");
    let public = PublicKey::from_pem_text(PUBLIC).unwrap();
    assert!(public.verify("POST:/x:abc:T", &signature).is_ok());
    assert!(public.verify("POST:/x:abd:T", &signature).is_err());
    assert!(
        PublicKey::from_pem_text(OTHER_PUBLIC)
            .unwrap()
            .verify("POST:/x:abc:T", &signature)
            .is_err()
    );
    assert!(key.public_key().verify("POST:/x:abc:T", &signature).is_ok());
    assert!(public.verify("POST:/x:abc:T", "not base64!").is_err());
}

#[test]
fn keys_load_in_every_travelling_shape() {
    let expected = MerchantKey::from_pem_text(PKCS8).unwrap().sign("s");
    let escaped = PKCS8.trim().replace('\n', "\\n");
    let one_line = PKCS1.trim().replace('\n', " ");
    let bare: String = PKCS8.lines().filter(|l| !l.starts_with("-----")).collect();
    for (shape, text) in [
        ("PKCS#1", PKCS1.to_string()),
        ("escaped \\n", escaped),
        ("one line", one_line),
        ("bare base64", bare),
    ] {
        let key = MerchantKey::from_pem_text(&text).unwrap_or_else(|e| panic!("{shape}: {e}"));
        assert_eq!(key.sign("s"), expected, "{shape}");
    }
    assert!(PublicKey::from_pem_text(&PUBLIC.replace('\n', "\\n")).is_ok());
}

#[test]
fn a_corrupt_key_errors_cleanly_without_echoing_it() {
    let mut corrupt = PKCS8.to_string();
    corrupt.replace_range(100..140, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    let err = MerchantKey::from_pem_text(&corrupt).unwrap_err();
    assert_eq!(err, KeyError::NotAKey("private"));
    assert!(!err.to_string().contains("AAAA"));
    assert_eq!(MerchantKey::from_pem_text("").unwrap_err(), KeyError::Empty);
    assert_eq!(
        MerchantKey::from_pem_text("-----BEGIN PRIVATE KEY-----\n%%%\n-----END PRIVATE KEY-----")
            .unwrap_err(),
        KeyError::NotBase64
    );
    assert_eq!(
        MerchantKey::from_pem_text(PUBLIC).unwrap_err(),
        KeyError::NotAKey("private")
    );
    assert!(!format!("{:?}", MerchantKey::from_pem_text(PKCS8).unwrap()).contains("MII"));
}
