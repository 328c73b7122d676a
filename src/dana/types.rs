//! Cancel Order and Query Payment request and response bodies, and their field rules. The rules
//! are tables, checked over JSON, so the client (before sending) and the sandbox (on receipt)
//! apply exactly the same limits.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::money::Money;

pub const CANCEL_PATH: &str = "/payment-gateway/v1.0/debit/cancel.htm";
pub const QUERY_PATH: &str = "/payment-gateway/v1.0/debit/status.htm";
/// Query Payment's `serviceCode`: the service of the original payment (Payment Gateway, 54).
pub const PAYMENT_SERVICE_CODE: &str = "54";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amount {
    pub value: String,
    pub currency: String,
}

impl Amount {
    pub fn from_money(money: Money, currency: &str) -> Self {
        Self {
            value: money.to_wire(),
            currency: currency.to_string(),
        }
    }
}

/// The Cancel Order request body. Absent optionals are omitted, never sent as null.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelOrderRequest {
    pub original_partner_reference_no: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_reference_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_external_id: Option<String>,
    pub merchant_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_merchant_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_store_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<Map<String, Value>>,
}

/// The Cancel Order response body, read tolerantly: unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelOrderResponse {
    pub response_code: String,
    pub response_message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_partner_reference_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_reference_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<Map<String, Value>>,
}

/// The Query Payment request body (service code 55), in DANA's field order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryPaymentRequest {
    pub original_partner_reference_no: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_reference_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_external_id: Option<String>,
    pub service_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Amount>,
    pub merchant_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_merchant_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_store_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<Map<String, Value>>,
}

/// The Query Payment response body, read tolerantly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryPaymentResponse {
    pub response_code: String,
    pub response_message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_partner_reference_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_reference_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_code: Option<String>,
    /// `00` paid, `01` initiated, `02` paying, `05` cancelled, `07` not found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_transaction_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_status_desc: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_response_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_response_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trans_amount: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<Map<String, Value>>,
}

/// What Query Payment's `additionalInfo` says about a cancel, where DANA sends it
/// (`statusDetail.cancelled`, `statusDetail.acquirementStatus`, `timeDetail.cancelledTime`,
/// `amountDetail.voidAmount`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CancelDetails {
    pub cancelled: Option<bool>,
    pub acquirement_status: Option<String>,
    pub cancelled_time: Option<String>,
    pub void_amount: Option<String>,
}

impl CancelDetails {
    /// Whether any detail says the order was cancelled.
    pub fn says_cancelled(&self) -> bool {
        self.cancelled == Some(true)
            || self.acquirement_status.as_deref() == Some("CANCELLED")
            || self.cancelled_time.is_some()
    }

    pub fn is_empty(&self) -> bool {
        *self == CancelDetails::default()
    }
}

impl QueryPaymentResponse {
    /// The cancel details in `additionalInfo` (DANA sends `cancelled` as the text "true").
    pub fn cancel_details(&self) -> CancelDetails {
        let Some(info) = &self.additional_info else {
            return CancelDetails::default();
        };
        let text = |object: &str, field: &str| {
            info.get(object)
                .and_then(|o| o.get(field))
                .and_then(|v| match v {
                    Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
                    Value::Bool(b) => Some(b.to_string()),
                    _ => None,
                })
        };
        CancelDetails {
            cancelled: text("statusDetail", "cancelled").map(|c| c.eq_ignore_ascii_case("true")),
            acquirement_status: text("statusDetail", "acquirementStatus"),
            cancelled_time: text("timeDetail", "cancelledTime"),
            void_amount: info
                .get("amountDetail")
                .and_then(|o| o.get("voidAmount"))
                .and_then(|a| a.get("value"))
                .and_then(Value::as_str)
                .map(str::to_string),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    /// `amount.value`: digits, a point, two decimals.
    MoneyValue,
    Object,
}

/// One field of the seed page: name (dotted for nested), required-ness and length limit.
#[derive(Debug, Clone, Copy)]
pub struct FieldRule {
    pub name: &'static str,
    pub required: bool,
    pub max_chars: usize,
    pub kind: FieldKind,
}

/// A text field's rule (the tables of every DANA body use it).
pub(crate) const fn text(name: &'static str, required: bool, max_chars: usize) -> FieldRule {
    FieldRule {
        name,
        required,
        max_chars,
        kind: FieldKind::Text,
    }
}

/// A JSON object field (`amount`, `additionalInfo`): its members have rules of their own.
pub(crate) const fn object(name: &'static str, required: bool) -> FieldRule {
    FieldRule {
        name,
        required,
        max_chars: 0,
        kind: FieldKind::Object,
    }
}

/// DANA's `amount.value`: `10000.00`, at most 19 characters, required within its object.
pub(crate) const fn money_value(name: &'static str) -> FieldRule {
    FieldRule {
        name,
        required: true,
        max_chars: 19,
        kind: FieldKind::MoneyValue,
    }
}

/// Body fields in the seed's order. `amount.*` apply when `amount` is present.
pub static REQUEST_FIELDS: &[FieldRule] = &[
    text("originalPartnerReferenceNo", true, 64),
    text("originalReferenceNo", false, 64),
    text("originalExternalId", false, 36),
    text("merchantId", true, 64),
    text("subMerchantId", false, 32),
    text("reason", false, 256),
    text("externalStoreId", false, 64),
    object("amount", false),
    money_value("amount.value"),
    text("amount.currency", true, 3),
    object("additionalInfo", false),
];

/// Query Payment body fields (DANA's Query Payment page), in its order.
pub static QUERY_REQUEST_FIELDS: &[FieldRule] = &[
    text("originalPartnerReferenceNo", true, 64),
    text("originalReferenceNo", false, 64),
    text("originalExternalId", false, 36),
    text("serviceCode", true, 2),
    text("transactionDate", false, 25),
    object("amount", false),
    money_value("amount.value"),
    text("amount.currency", true, 3),
    text("merchantId", true, 64),
    text("subMerchantId", false, 32),
    text("externalStoreId", false, 64),
    object("additionalInfo", false),
];

/// Header rules of the seed page (X-SIGNATURE has no length limit there).
pub static REQUEST_HEADERS: &[FieldRule] = &[
    text("Content-Type", true, 127),
    text("X-TIMESTAMP", true, 25),
    text("X-SIGNATURE", true, usize::MAX),
    text("ORIGIN", false, usize::MAX),
    text("X-PARTNER-ID", true, 36),
    text("X-EXTERNAL-ID", true, 36),
    text("CHANNEL-ID", true, 5),
];

/// A field that breaks the contract. `missing` separates DANA's 4005702 (missing mandatory
/// field) from 4005701 (invalid format).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct FieldError {
    pub field: String,
    pub problem: String,
    pub missing: bool,
}

impl FieldError {
    fn missing(field: &str) -> Self {
        Self {
            field: field.to_string(),
            problem: "is required".into(),
            missing: true,
        }
    }
    fn invalid(field: &str, problem: impl Into<String>) -> Self {
        Self {
            field: field.to_string(),
            problem: problem.into(),
            missing: false,
        }
    }
}

/// Checks one value against its rule (`None`: absent).
pub fn check_field(rule: &FieldRule, value: Option<&Value>) -> Result<(), FieldError> {
    let value = match value {
        None | Some(Value::Null) if rule.required => return Err(FieldError::missing(rule.name)),
        None | Some(Value::Null) => return Ok(()),
        Some(v) => v,
    };
    match rule.kind {
        FieldKind::Object => {
            if value.is_object() {
                Ok(())
            } else {
                Err(FieldError::invalid(rule.name, "must be a JSON object"))
            }
        }
        FieldKind::Text | FieldKind::MoneyValue => {
            let Some(s) = value.as_str() else {
                return Err(FieldError::invalid(rule.name, "must be a string"));
            };
            if s.is_empty() {
                return Err(if rule.required {
                    FieldError::missing(rule.name)
                } else {
                    FieldError::invalid(rule.name, "must not be empty")
                });
            }
            let chars = s.chars().count();
            if chars > rule.max_chars {
                return Err(FieldError::invalid(
                    rule.name,
                    format!("is {chars} characters; at most {} allowed", rule.max_chars),
                ));
            }
            if rule.kind == FieldKind::MoneyValue && Money::parse_wire(s).is_err() {
                return Err(FieldError::invalid(rule.name, "must look like 10000.00"));
            }
            Ok(())
        }
    }
}

/// Checks a Cancel Order body (as JSON) against every rule, in the seed's order.
pub fn validate_body(body: &Value) -> Result<(), FieldError> {
    validate_fields(REQUEST_FIELDS, body)
}

/// Checks a body (as JSON) against a table of rules, in the table's order.
pub fn validate_fields(rules: &[FieldRule], body: &Value) -> Result<(), FieldError> {
    let Some(object) = body.as_object() else {
        return Err(FieldError::invalid("body", "must be a JSON object"));
    };
    for rule in rules {
        let value = match rule.name.split_once('.') {
            None => object.get(rule.name),
            Some((parent, child)) => match object.get(parent) {
                Some(Value::Object(p)) => p.get(child),
                _ => continue, // the parent's own rule covers absence or wrong type
            },
        };
        check_field(rule, value)?;
    }
    Ok(())
}

impl CancelOrderRequest {
    pub fn validate(&self) -> Result<(), FieldError> {
        validate_body(&serde_json::to_value(self).expect("a request serialises"))
    }

    /// The exact bytes sent: minified JSON in field order.
    pub fn to_body(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a request serialises")
    }
}

impl QueryPaymentRequest {
    pub fn validate(&self) -> Result<(), FieldError> {
        let body = serde_json::to_value(self).expect("a request serialises");
        validate_fields(QUERY_REQUEST_FIELDS, &body)?;
        if self.service_code != PAYMENT_SERVICE_CODE {
            return Err(FieldError::invalid(
                "serviceCode",
                format!("must be {PAYMENT_SERVICE_CODE} (the original payment's service)"),
            ));
        }
        Ok(())
    }

    pub fn to_body(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a request serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed_example() -> CancelOrderRequest {
        serde_json::from_str(include_str!("../../tests/fixtures/dana/kat_body.json")).unwrap()
    }

    #[test]
    fn serialises_the_seed_example_byte_for_byte() {
        let body = seed_example().to_body();
        assert_eq!(
            body,
            include_bytes!("../../tests/fixtures/dana/kat_body.json").to_vec()
        );
    }

    #[test]
    fn omits_absent_optionals() {
        let r = CancelOrderRequest {
            original_partner_reference_no: "P1".into(),
            original_reference_no: None,
            original_external_id: None,
            merchant_id: "M1".into(),
            sub_merchant_id: None,
            reason: None,
            external_store_id: None,
            amount: None,
            additional_info: None,
        };
        assert_eq!(
            String::from_utf8(r.to_body()).unwrap(),
            r#"{"originalPartnerReferenceNo":"P1","merchantId":"M1"}"#
        );
        assert!(r.validate().is_ok());
    }

    #[test]
    fn every_length_limit_at_its_edge() {
        for rule in REQUEST_FIELDS.iter().filter(|r| r.kind == FieldKind::Text) {
            let set = |len: usize| {
                let mut body = serde_json::to_value(seed_example()).unwrap();
                let v = Value::String("X".repeat(len));
                match rule.name.split_once('.') {
                    None => body[rule.name] = v,
                    Some((p, c)) => body[p][c] = v,
                }
                validate_body(&body)
            };
            assert!(
                set(rule.max_chars).is_ok(),
                "{} at {}",
                rule.name,
                rule.max_chars
            );
            let err = set(rule.max_chars + 1).unwrap_err();
            assert_eq!(err.field, rule.name);
            assert!(!err.missing);
        }
        // amount.value: 19 characters pass, 20 fail.
        let mut body = serde_json::to_value(seed_example()).unwrap();
        body["amount"]["value"] = Value::String("9999999999999999.99".into());
        assert!(validate_body(&body).is_ok());
        body["amount"]["value"] = Value::String("99999999999999999.99".into());
        assert_eq!(validate_body(&body).unwrap_err().field, "amount.value");
    }

    #[test]
    fn missing_and_malformed_are_told_apart() {
        let mut body = serde_json::to_value(seed_example()).unwrap();
        body.as_object_mut().unwrap().remove("merchantId");
        let err = validate_body(&body).unwrap_err();
        assert_eq!((err.field.as_str(), err.missing), ("merchantId", true));
        let mut body = serde_json::to_value(seed_example()).unwrap();
        body["amount"]["value"] = Value::String("10000".into());
        let err = validate_body(&body).unwrap_err();
        assert_eq!((err.field.as_str(), err.missing), ("amount.value", false));
        let mut body = serde_json::to_value(seed_example()).unwrap();
        body["originalPartnerReferenceNo"] = Value::from(12);
        assert!(!validate_body(&body).unwrap_err().missing);
    }

    #[test]
    fn query_body_in_danas_order_without_nulls() {
        let query = QueryPaymentRequest {
            original_partner_reference_no: "2020102900000000000001".into(),
            original_reference_no: Some("2020102977770000000009".into()),
            original_external_id: None,
            service_code: PAYMENT_SERVICE_CODE.into(),
            transaction_date: None,
            amount: None,
            merchant_id: "23489182303312".into(),
            sub_merchant_id: None,
            external_store_id: None,
            additional_info: None,
        };
        assert_eq!(
            String::from_utf8(query.to_body()).unwrap(),
            r#"{"originalPartnerReferenceNo":"2020102900000000000001","originalReferenceNo":"2020102977770000000009","serviceCode":"54","merchantId":"23489182303312"}"#
        );
        assert!(query.validate().is_ok());
        let wrong = QueryPaymentRequest {
            service_code: "57".into(),
            ..query.clone()
        };
        assert_eq!(wrong.validate().unwrap_err().field, "serviceCode");
        let long = QueryPaymentRequest {
            service_code: "540".into(),
            ..query
        };
        assert_eq!(long.validate().unwrap_err().field, "serviceCode");
    }
}
