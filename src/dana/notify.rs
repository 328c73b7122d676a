//! DANA's Finish Notify (DANA → merchant, SNAP service code 56): checking one notification and
//! the SNAP answer to give. Pure: no storage, no HTTP server; the receiver that stores what a
//! notification says builds on this.
//!
//! What DANA's SDKs (dana-go, dana-python, dana-java, dana-node webhook parsers) do, and what
//! this does the same way:
//! - DANA signs `POST:<the path it posts to>:lowercase(hex(sha256(minify(body)))):X-TIMESTAMP`
//!   with SHA256withRSA, base64 in `X-SIGNATURE`, verified with DANA's public key;
//! - only `X-SIGNATURE` and `X-TIMESTAMP` are required of the headers, in any letter case;
//! - the body is hashed as it arrived, minified (whitespace outside strings removed, key order
//!   kept), never re-serialised: re-serialising can reorder keys or change escapes;
//! - the answer is `{"responseCode", "responseMessage"}` with the HTTP status its code starts with.

use http::HeaderMap;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::signing::{PublicKey, string_to_sign};
use super::types::{Amount, FieldError, FieldRule, money_value, object, text, validate_fields};

/// Where DANA posts and the key its notifications are signed with.
#[derive(Debug, Clone)]
pub struct NotifyReceiver {
    /// `DANA_NOTIFY_PATH`: the path DANA posts to, which its signature covers.
    pub path: String,
    /// DANA's public key (`DANA_PUBLIC_KEY_PATH` / `DANA_PUBLIC_KEY`; the embedded sandbox's
    /// in sandbox mode).
    pub dana_key: PublicKey,
}

/// Finish Notify body fields (DANA's Finish Notify page and the SDKs' models), in their order.
pub static FINISH_NOTIFY_FIELDS: &[FieldRule] = &[
    text("originalPartnerReferenceNo", true, 64),
    text("originalReferenceNo", true, 64),
    text("originalExternalId", false, 36),
    text("merchantId", true, 64),
    text("subMerchantId", false, 32),
    object("amount", true),
    money_value("amount.value"),
    text("amount.currency", true, 3),
    text("latestTransactionStatus", true, 2),
    text("transactionStatusDesc", false, 50),
    text("createdTime", true, 25),
    text("finishedTime", true, 25),
    text("externalStoreId", false, 64),
    object("additionalInfo", false),
];

/// A Finish Notify body. `originalPartnerReferenceNo` is the merchant's order id (DANA's page
/// swaps the two descriptions; real notifications carry the merchant's id here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FinishNotify {
    pub original_partner_reference_no: String,
    pub original_reference_no: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_external_id: Option<String>,
    pub merchant_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_merchant_id: Option<String>,
    pub amount: Amount,
    pub latest_transaction_status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_status_desc: Option<String>,
    /// `2026-11-24T10:00:00+07:00`, or epoch milliseconds as some live notifications send.
    pub created_time: String,
    pub finished_time: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_store_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<Map<String, Value>>,
}

/// What a notification says happened to the payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifiedStatus {
    /// `00`: paid.
    Paid,
    /// `05`: closed unpaid (expired or cancelled before payment).
    Closed,
    /// Any other code DANA may send (01 initiated, 02 paying, 03 pending, 04 refunded, 06 not
    /// found, 07 failed): recorded, changes no order.
    Other,
}

impl FinishNotify {
    pub fn status(&self) -> NotifiedStatus {
        match self.latest_transaction_status.as_str() {
            "00" => NotifiedStatus::Paid,
            "05" => NotifiedStatus::Closed,
            _ => NotifiedStatus::Other,
        }
    }
}

/// Why a notification was refused, each with its SNAP answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotifyRefusal {
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    #[error("invalid field format {0}")]
    InvalidField(FieldError),
    #[error("invalid mandatory field {0}")]
    MissingField(FieldError),
}

/// One answer of the receiver: a row of [`ANSWERS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotifyAnswer {
    pub code: &'static str,
    pub message: &'static str,
    pub http_status: u16,
}

/// The receiver's answers, as DANA's SNAP convention names them for service 56.
pub static ANSWERS: &[NotifyAnswer] = &[
    NotifyAnswer {
        code: "2005600",
        message: "Successful",
        http_status: 200,
    },
    NotifyAnswer {
        code: "4005601",
        message: "Invalid Field Format",
        http_status: 400,
    },
    NotifyAnswer {
        code: "4005602",
        message: "Invalid Mandatory Field",
        http_status: 400,
    },
    NotifyAnswer {
        code: "4015600",
        message: "Unauthorized",
        http_status: 401,
    },
    NotifyAnswer {
        code: "5005601",
        message: "Internal Server Error",
        http_status: 500,
    },
];

fn answer(code: &str) -> &'static NotifyAnswer {
    ANSWERS
        .iter()
        .find(|a| a.code == code)
        .expect("every answer code is in the table")
}

/// The answer body DANA reads: `{"responseCode","responseMessage"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotifyResponse {
    pub response_code: String,
    pub response_message: String,
}

impl NotifyResponse {
    fn of(answer: &NotifyAnswer, detail: Option<String>) -> (u16, Self) {
        let message = match detail {
            Some(detail) => format!("{} {detail}", answer.message),
            None => answer.message.to_string(),
        };
        (
            answer.http_status,
            Self {
                response_code: answer.code.to_string(),
                response_message: message,
            },
        )
    }

    /// 2005600 Successful.
    pub fn success() -> (u16, Self) {
        Self::of(answer("2005600"), None)
    }

    /// 5005601 Internal Server Error: DANA may send the notification again.
    pub fn internal_error() -> (u16, Self) {
        Self::of(answer("5005601"), None)
    }

    /// The answer to a refused notification, naming the field where one is at fault.
    pub fn refused(refusal: &NotifyRefusal) -> (u16, Self) {
        match refusal {
            NotifyRefusal::Unauthorized(why) => {
                Self::of(answer("4015600"), Some(format!(". {why}")))
            }
            NotifyRefusal::InvalidField(e) => Self::of(answer("4005601"), Some(e.field.clone())),
            NotifyRefusal::MissingField(e) => Self::of(answer("4005602"), Some(e.field.clone())),
        }
    }
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    // HeaderMap compares names without regard to letter case.
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// Checks DANA's signature over a notification received at `path` (the path DANA posted to, as
/// it appears in the request line). Nothing of the body is trusted before this passes.
pub fn verify(
    key: &PublicKey,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), NotifyRefusal> {
    let signature = header(headers, "x-signature")
        .ok_or(NotifyRefusal::Unauthorized("X-SIGNATURE is missing"))?;
    let timestamp = header(headers, "x-timestamp")
        .ok_or(NotifyRefusal::Unauthorized("X-TIMESTAMP is missing"))?;
    let signed = string_to_sign("POST", path, body, timestamp);
    key.verify(&signed, signature)
        .map_err(|_| NotifyRefusal::Unauthorized("the signature does not match"))
}

/// Reads a verified body: every field rule in order (the first break names its field), then
/// the typed notification. Fields the SDKs do not model are ignored, as DANA adds some; an
/// optional field sent as `""` counts as absent, as DANA treats it.
pub fn parse(body: &[u8]) -> Result<FinishNotify, NotifyRefusal> {
    let not_an_object = || {
        NotifyRefusal::InvalidField(FieldError {
            field: "body".into(),
            problem: "is not a JSON object".into(),
            missing: false,
        })
    };
    let mut value: Value = serde_json::from_slice(body).map_err(|_| not_an_object())?;
    if !value.is_object() {
        return Err(not_an_object());
    }
    if let Some(fields) = value.as_object_mut() {
        for rule in FINISH_NOTIFY_FIELDS.iter().filter(|r| !r.required) {
            if fields.get(rule.name).and_then(Value::as_str) == Some("") {
                fields.remove(rule.name);
            }
        }
    }
    validate_fields(FINISH_NOTIFY_FIELDS, &value).map_err(|e| {
        if e.missing {
            NotifyRefusal::MissingField(e)
        } else {
            NotifyRefusal::InvalidField(e)
        }
    })?;
    serde_json::from_value(value).map_err(|e| {
        NotifyRefusal::InvalidField(FieldError {
            field: "body".into(),
            problem: e.to_string(),
            missing: false,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dana::signing::MerchantKey;

    const PATH: &str = "/dana/finish-notify";
    const TIMESTAMP: &str = "2026-11-24T10:00:05+07:00";

    fn body() -> String {
        r#"{"originalPartnerReferenceNo":"ORDER-1","originalReferenceNo":"20261124111212800100166000000001","merchantId":"216620000041231234567","amount":{"value":"25000.00","currency":"IDR"},"latestTransactionStatus":"00","transactionStatusDesc":"SUCCESS","createdTime":"2026-11-24T09:59:00+07:00","finishedTime":"2026-11-24T10:00:00+07:00","additionalInfo":{"paymentInfo":{"paidTime":"2026-11-24T10:00:00+07:00"}}}"#.to_string()
    }

    fn signed_headers(key: &MerchantKey, body: &str, names: (&str, &str)) -> HeaderMap {
        let signature = key.sign(&string_to_sign("POST", PATH, body.as_bytes(), TIMESTAMP));
        let mut headers = HeaderMap::new();
        headers.insert(
            http::HeaderName::from_bytes(names.0.as_bytes()).unwrap(),
            signature.parse().unwrap(),
        );
        headers.insert(
            http::HeaderName::from_bytes(names.1.as_bytes()).unwrap(),
            TIMESTAMP.parse().unwrap(),
        );
        headers
    }

    fn keys() -> (MerchantKey, PublicKey) {
        let dana = MerchantKey::generate().unwrap();
        let public = dana.public_key();
        (dana, public)
    }

    #[test]
    fn a_notification_signed_by_dana_verifies_and_reads() {
        let (dana, public) = keys();
        for names in [
            ("X-SIGNATURE", "X-TIMESTAMP"),
            ("X-Signature", "X-Timestamp"),
            ("x-signature", "x-timestamp"),
        ] {
            let headers = signed_headers(&dana, &body(), names);
            verify(&public, PATH, &headers, body().as_bytes()).unwrap();
        }
        let notify = parse(body().as_bytes()).unwrap();
        assert_eq!(notify.original_partner_reference_no, "ORDER-1");
        assert_eq!(notify.amount.value, "25000.00");
        assert_eq!(notify.status(), NotifiedStatus::Paid);
    }

    #[test]
    fn a_body_sent_with_spaces_is_hashed_as_dana_signed_it() {
        let (dana, public) = keys();
        // DANA signs the minified body; the same JSON with spaces after separators verifies.
        let headers = signed_headers(&dana, &body(), ("X-SIGNATURE", "X-TIMESTAMP"));
        let spaced = body().replace("\":", "\": ").replace(",\"", ", \"");
        assert_ne!(spaced, body());
        verify(&public, PATH, &headers, spaced.as_bytes()).unwrap();
        // Re-ordered keys are a different body: refused.
        let reordered = body().replacen(
            r#""originalPartnerReferenceNo":"ORDER-1","originalReferenceNo":"20261124111212800100166000000001""#,
            r#""originalReferenceNo":"20261124111212800100166000000001","originalPartnerReferenceNo":"ORDER-1""#,
            1,
        );
        assert!(matches!(
            verify(&public, PATH, &headers, reordered.as_bytes()),
            Err(NotifyRefusal::Unauthorized(_))
        ));
    }

    #[test]
    fn a_wrong_key_a_changed_byte_a_missing_header_or_another_path_is_unauthorized() {
        let (dana, public) = keys();
        let (_, other) = keys();
        let headers = signed_headers(&dana, &body(), ("X-SIGNATURE", "X-TIMESTAMP"));
        let changed = body().replace("25000.00", "25000.01");
        let mut no_timestamp = headers.clone();
        no_timestamp.remove("x-timestamp");
        let mut no_signature = headers.clone();
        no_signature.remove("x-signature");
        for (what, result) in [
            (
                "wrong key",
                verify(&other, PATH, &headers, body().as_bytes()),
            ),
            (
                "changed byte",
                verify(&public, PATH, &headers, changed.as_bytes()),
            ),
            (
                "no timestamp",
                verify(&public, PATH, &no_timestamp, body().as_bytes()),
            ),
            (
                "no signature",
                verify(&public, PATH, &no_signature, body().as_bytes()),
            ),
            (
                "other path",
                verify(&public, "/other", &headers, body().as_bytes()),
            ),
        ] {
            let refusal = result.expect_err(what);
            assert!(matches!(refusal, NotifyRefusal::Unauthorized(_)), "{what}");
            let (status, answer) = NotifyResponse::refused(&refusal);
            assert_eq!(
                (status, answer.response_code.as_str()),
                (401, "4015600"),
                "{what}"
            );
        }
    }

    #[test]
    fn bad_and_missing_fields_get_their_snap_codes_naming_the_field() {
        let missing = body().replace(r#""merchantId":"216620000041231234567","#, "");
        let refusal = parse(missing.as_bytes()).unwrap_err();
        let (status, answer) = NotifyResponse::refused(&refusal);
        assert_eq!((status, answer.response_code.as_str()), (400, "4005602"));
        assert_eq!(
            answer.response_message,
            "Invalid Mandatory Field merchantId"
        );

        let bad_amount = body().replace("25000.00", "25000");
        let refusal = parse(bad_amount.as_bytes()).unwrap_err();
        let (status, answer) = NotifyResponse::refused(&refusal);
        assert_eq!((status, answer.response_code.as_str()), (400, "4005601"));
        assert_eq!(answer.response_message, "Invalid Field Format amount.value");

        let long = body().replace("ORDER-1", &"R".repeat(65));
        let (_, answer) = NotifyResponse::refused(&parse(long.as_bytes()).unwrap_err());
        assert_eq!(
            answer.response_message,
            "Invalid Field Format originalPartnerReferenceNo"
        );

        let (_, answer) = NotifyResponse::refused(&parse(b"[1]").unwrap_err());
        assert_eq!(answer.response_code, "4005601");
    }

    #[test]
    fn statuses_and_answers_read_as_dana_sends_them() {
        let closed = body().replace(
            r#""latestTransactionStatus":"00""#,
            r#""latestTransactionStatus":"05""#,
        );
        assert_eq!(
            parse(closed.as_bytes()).unwrap().status(),
            NotifiedStatus::Closed
        );
        let paying = body().replace(
            r#""latestTransactionStatus":"00""#,
            r#""latestTransactionStatus":"02""#,
        );
        assert_eq!(
            parse(paying.as_bytes()).unwrap().status(),
            NotifiedStatus::Other
        );
        // Live notifications may carry epoch milliseconds and fields the SDKs do not model.
        let live = body()
            .replace("2026-11-24T09:59:00+07:00", "1795453140000")
            .replace(
                r#""additionalInfo":{"#,
                r#""tipsAmount":{"cent":0},"additionalInfo":{"#,
            );
        assert_eq!(
            parse(live.as_bytes()).unwrap().created_time,
            "1795453140000"
        );
        // An optional field sent empty is absent; a mandatory one sent empty is missing.
        let empty_optional = body().replace(
            r#""merchantId":"216620000041231234567","#,
            r#""merchantId":"216620000041231234567","subMerchantId":"","#,
        );
        assert_eq!(
            parse(empty_optional.as_bytes()).unwrap().sub_merchant_id,
            None
        );
        let empty_mandatory = body().replace("ORDER-1", "");
        assert!(matches!(
            parse(empty_mandatory.as_bytes()),
            Err(NotifyRefusal::MissingField(_))
        ));
        let (status, ok) = NotifyResponse::success();
        assert_eq!(
            (status, serde_json::to_string(&ok).unwrap()),
            (
                200,
                r#"{"responseCode":"2005600","responseMessage":"Successful"}"#.to_string()
            )
        );
        assert_eq!(NotifyResponse::internal_error().0, 500);
        for a in ANSWERS {
            assert_eq!(a.code.len(), 7);
            assert_eq!(&a.code[3..5], "56", "service 56: {}", a.code);
            assert_eq!(a.http_status.to_string(), a.code[..3]);
        }
    }
}
