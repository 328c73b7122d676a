//! Refund Order (service code 58): request and response bodies and the request's field rules, as
//! DANA's SDKs define them (dana-go, dana-python, dana-java `payment_gateway/v1`
//! `RefundOrderRequest` / `RefundOrderResponse`). `partnerRefundNo` is the merchant's key for
//! one refund: DANA answers a repeat of the same body with its first answer, and the same
//! number with another body with 4045818 Inconsistent Request.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::types::{Amount, FieldError, FieldRule, money_value, object, text, validate_fields};

pub const REFUND_PATH: &str = "/payment-gateway/v1.0/debit/refund.htm";

/// Body fields, in the SDKs' order. `refundAmount` is required; `additionalInfo`'s members are
/// all optional.
pub static REFUND_REQUEST_FIELDS: &[FieldRule] = &[
    text("merchantId", true, 64),
    text("subMerchantId", false, 32),
    text("originalReferenceNo", false, 64),
    text("originalPartnerReferenceNo", true, 64),
    text("originalExternalId", false, 36),
    text("originalCaptureNo", false, 64),
    text("partnerRefundNo", true, 64),
    object("refundAmount", true),
    money_value("refundAmount.value"),
    text("refundAmount.currency", true, 3),
    text("externalStoreId", false, 64),
    text("reason", false, 256),
    object("additionalInfo", false),
];

/// The Refund Order request body. Absent optionals are omitted, never sent as null.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundOrderRequest {
    pub merchant_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_merchant_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_reference_no: Option<String>,
    pub original_partner_reference_no: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_capture_no: Option<String>,
    pub partner_refund_no: String,
    pub refund_amount: Amount,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_store_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<Map<String, Value>>,
}

impl RefundOrderRequest {
    pub fn validate(&self) -> Result<(), FieldError> {
        validate_refund_body(&serde_json::to_value(self).expect("a request serialises"))
    }

    /// The exact bytes sent: minified JSON in field order.
    pub fn to_body(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a request serialises")
    }
}

/// Checks a Refund Order body (as JSON) against every rule.
pub fn validate_refund_body(body: &Value) -> Result<(), FieldError> {
    validate_fields(REFUND_REQUEST_FIELDS, body)
}

/// The Refund Order response body, read tolerantly: unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundOrderResponse {
    pub response_code: String,
    pub response_message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_partner_reference_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_reference_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_refund_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_amount: Option<Amount>,
    /// `YYYY-MM-DDTHH:mm:ss+07:00`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<Map<String, Value>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Money;

    fn request() -> RefundOrderRequest {
        RefundOrderRequest {
            merchant_id: "216620000041231234567".into(),
            sub_merchant_id: None,
            original_reference_no: Some("2026112411121280000001".into()),
            original_partner_reference_no: "2026112400000000000001".into(),
            original_external_id: None,
            original_capture_no: None,
            partner_refund_no: "rf0000000000000000000000000000001".into(),
            refund_amount: Amount::from_money(Money::from_minor(1_500_000).unwrap(), "IDR"),
            external_store_id: None,
            reason: Some("Customer returned the goods".into()),
            additional_info: None,
        }
    }

    #[test]
    fn the_body_uses_the_sdk_field_names_in_order_and_omits_absent_fields() {
        assert_eq!(
            String::from_utf8(request().to_body()).unwrap(),
            r#"{"merchantId":"216620000041231234567","originalReferenceNo":"2026112411121280000001","originalPartnerReferenceNo":"2026112400000000000001","partnerRefundNo":"rf0000000000000000000000000000001","refundAmount":{"value":"15000.00","currency":"IDR"},"reason":"Customer returned the goods"}"#
        );
        request().validate().unwrap();
    }

    #[test]
    fn field_rules_hold_at_their_edges() {
        let mut r = request();
        r.partner_refund_no = "r".repeat(64);
        r.validate().unwrap();
        r.partner_refund_no = "r".repeat(65);
        assert_eq!(r.validate().unwrap_err().field, "partnerRefundNo");
        let mut r = request();
        r.refund_amount.value = "15000".into();
        assert_eq!(r.validate().unwrap_err().field, "refundAmount.value");
        let mut r = request();
        r.reason = Some("x".repeat(257));
        assert_eq!(r.validate().unwrap_err().field, "reason");
        let json = serde_json::json!({"merchantId": "M", "originalPartnerReferenceNo": "P", "partnerRefundNo": "R"});
        let err = validate_refund_body(&json).unwrap_err();
        assert_eq!((err.field.as_str(), err.missing), ("refundAmount", true));
    }
}
