//! An order as the merchant's system or DANA describes it: the API's and the CSV's row shape
//! ([`OrderInput`], all text, as it arrived) and the checked form ([`OrderFacts`]).

use serde::{Deserialize, Serialize};

use crate::money::{IDR, Money};
use crate::time::{Timestamp, parse_order_time};

/// One order as the intake API receives it (and as one CSV row reads). Absent and empty
/// optional fields mean "not known here": they never clear what Cancel Desk already has.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderInput {
    /// The merchant's order id, as sent to DANA as `partnerReferenceNo` (1–64 characters).
    #[schema(min_length = 1, max_length = 64, example = "INV-2026-000123")]
    pub partner_reference_no: String,
    /// DANA's reference for the payment (`referenceNo`), when the merchant's system has it.
    #[schema(max_length = 64)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_no: Option<String>,
    /// The DANA merchant id the order was paid to (1–64 characters).
    #[schema(min_length = 1, max_length = 64, example = "216620000000000000000")]
    pub merchant_id: String,
    #[schema(max_length = 32)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_merchant_id: Option<String>,
    #[schema(max_length = 64)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_store_id: Option<String>,
    pub amount: AmountInput,
    /// `PAID` (the default) or `UNPAID` (placed, not paid yet). Only DANA closes an order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "PAID")]
    pub status: Option<InputStatus>,
    /// When DANA took the payment, RFC 3339 with an offset; required for a paid order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "2026-11-24T10:00:00+07:00")]
    pub paid_at: Option<String>,
    /// When the order was placed, RFC 3339 with an offset; required for an unpaid order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placed_at: Option<String>,
    #[schema(max_length = 128)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_name: Option<String>,
    /// The customer's phone: stored and shown masked (`+62 811-****-1234`), never in full.
    #[schema(max_length = 32)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_phone: Option<String>,
    #[schema(max_length = 256)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_description: Option<String>,
}

/// An amount exactly as DANA writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmountInput {
    /// Digits, a point and two decimals (`10000.00`), at most 19 characters.
    #[schema(pattern = r"^(0|[1-9][0-9]{0,15})\.[0-9]{2}$", example = "10000.00")]
    pub value: String,
    /// `IDR`: DANA settles in rupiah.
    #[schema(example = "IDR")]
    pub currency: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum InputStatus {
    Paid,
    Unpaid,
}

/// What a source says about the payment, with its moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reported {
    /// DANA took the payment at this moment.
    Paid(Timestamp),
    /// Placed at this moment, not paid yet.
    Unpaid(Timestamp),
    /// DANA closed it unpaid; the moment it was placed.
    Closed(Timestamp),
}

/// A checked order: every field within DANA's limits and the schema's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderFacts {
    pub partner_reference_no: String,
    pub reference_no: Option<String>,
    pub merchant_id: String,
    pub sub_merchant_id: Option<String>,
    pub external_store_id: Option<String>,
    pub amount: Money,
    pub currency: String,
    pub reported: Reported,
    pub customer_name: Option<String>,
    pub customer_phone_masked: Option<String>,
    pub item_description: Option<String>,
}

/// Why a row was refused: the field (as the API and the CSV header spell it) and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{field}: {reason}")]
pub struct RowError {
    pub field: String,
    pub reason: String,
}

impl RowError {
    pub fn new(field: &str, reason: impl Into<String>) -> Self {
        Self {
            field: field.to_string(),
            reason: reason.into(),
        }
    }
}

fn required(field: &str, value: &str, max: usize) -> Result<String, RowError> {
    optional(field, Some(value), max)?.ok_or_else(|| {
        RowError::new(
            field,
            crate::i18n::td_string!(crate::language::current(), validation.row.required),
        )
    })
}

/// Empty means absent (a blank CSV cell); control characters and surrounding spaces are
/// refused rather than stored, since staff search and DANA compare these exactly.
fn optional(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>, RowError> {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.trim() != value {
        return Err(RowError::new(
            field,
            crate::i18n::td_string!(
                crate::language::current(),
                validation.row.surrounding_spaces
            ),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(RowError::new(
            field,
            crate::i18n::td_string!(
                crate::language::current(),
                validation.row.control_characters
            ),
        ));
    }
    let chars = value.chars().count();
    if chars > max {
        return Err(RowError::new(
            field,
            crate::i18n::td_string!(
                crate::language::current(),
                validation.row.too_long,
                chars = chars,
                max = max
            )
            .to_string(),
        ));
    }
    Ok(Some(value.to_string()))
}

fn moment(field: &str, value: Option<&str>) -> Result<Timestamp, RowError> {
    let value = value.filter(|v| !v.is_empty()).ok_or_else(|| {
        RowError::new(
            field,
            crate::i18n::td_string!(
                crate::language::current(),
                validation.row.required_for_status
            ),
        )
    })?;
    parse_order_time(value).ok_or_else(|| {
        RowError::new(
            field,
            crate::i18n::td_string!(crate::language::current(), validation.row.time_format),
        )
    })
}

/// `+62 811-****-1234`: country code, the operator prefix and the last four digits. A local
/// `0811…` number is read as Indonesian. An already masked value (with `*`) is kept as given.
pub fn mask_phone(field: &str, raw: &str) -> Result<String, RowError> {
    if raw.contains('*') {
        return optional(field, Some(raw), 32)?.ok_or_else(|| {
            RowError::new(
                field,
                crate::i18n::td_string!(crate::language::current(), validation.row.empty),
            )
        });
    }
    let plus = raw.trim_start().starts_with('+');
    if !raw
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.'))
    {
        return Err(RowError::new(
            field,
            crate::i18n::td_string!(crate::language::current(), validation.row.phone_characters),
        ));
    }
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    let international = match (plus, digits.strip_prefix('0')) {
        (false, Some(local)) => format!("62{local}"),
        _ => digits,
    };
    if !(9..=15).contains(&international.len()) {
        return Err(RowError::new(
            field,
            crate::i18n::td_string!(crate::language::current(), validation.row.phone_digits),
        ));
    }
    let last = &international[international.len() - 4..];
    Ok(match international.strip_prefix("62") {
        Some(national) => format!("+62 {}-****-{last}", &national[..3]),
        // Elsewhere the country code's length varies: show its first digits only.
        None => format!("+{}-****-{last}", &international[..3]),
    })
}

impl OrderInput {
    /// Checks every field, naming the first at fault.
    pub fn check(&self) -> Result<OrderFacts, RowError> {
        let partner_reference_no =
            required("partner_reference_no", &self.partner_reference_no, 64)?;
        let reference_no = optional("reference_no", self.reference_no.as_deref(), 64)?;
        let merchant_id = required("merchant_id", &self.merchant_id, 64)?;
        let sub_merchant_id = optional("sub_merchant_id", self.sub_merchant_id.as_deref(), 32)?;
        let external_store_id =
            optional("external_store_id", self.external_store_id.as_deref(), 64)?;
        let amount = Money::parse_wire(&self.amount.value)
            .map_err(|e| RowError::new("amount.value", e.message_in(crate::language::current())))?;
        if self.amount.currency != IDR {
            return Err(RowError::new(
                "amount.currency",
                crate::i18n::td_string!(crate::language::current(), validation.row.currency_idr),
            ));
        }
        let reported = match self.status.unwrap_or(InputStatus::Paid) {
            InputStatus::Paid => Reported::Paid(moment("paid_at", self.paid_at.as_deref())?),
            InputStatus::Unpaid => {
                Reported::Unpaid(moment("placed_at", self.placed_at.as_deref())?)
            }
        };
        let customer_name = optional("customer_name", self.customer_name.as_deref(), 128)?;
        let customer_phone_masked = self
            .customer_phone
            .as_deref()
            .filter(|p| !p.is_empty())
            .map(|p| mask_phone("customer_phone", p))
            .transpose()?;
        let item_description = optional("item_description", self.item_description.as_deref(), 256)?;
        Ok(OrderFacts {
            partner_reference_no,
            reference_no,
            merchant_id,
            sub_merchant_id,
            external_store_id,
            amount,
            currency: IDR.to_string(),
            reported,
            customer_name,
            customer_phone_masked,
            item_description,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn paid_input(reference: &str) -> OrderInput {
        OrderInput {
            partner_reference_no: reference.into(),
            merchant_id: "216620000000000000000".into(),
            amount: AmountInput {
                value: "10000.00".into(),
                currency: "IDR".into(),
            },
            paid_at: Some("2026-11-24T10:00:00+07:00".into()),
            customer_name: Some("Budi Santoso".into()),
            customer_phone: Some("0811-2345-6789".into()),
            ..OrderInput::default()
        }
    }

    #[test]
    fn a_paid_order_checks_and_its_phone_is_masked() {
        let facts = paid_input("INV-1").check().unwrap();
        assert_eq!(facts.amount.minor(), 1_000_000);
        assert_eq!(
            facts.reported,
            Reported::Paid(parse_order_time("2026-11-24T10:00:00+07:00").unwrap())
        );
        assert_eq!(
            facts.customer_phone_masked.as_deref(),
            Some("+62 811-****-6789")
        );
        assert_eq!(facts.item_description, None);
    }

    #[test]
    fn each_bad_field_is_named() {
        let field = |edit: fn(&mut OrderInput)| {
            let mut input = paid_input("INV-1");
            edit(&mut input);
            input.check().unwrap_err().field
        };
        assert_eq!(
            field(|i| i.partner_reference_no = String::new()),
            "partner_reference_no"
        );
        assert_eq!(
            field(|i| i.partner_reference_no = "x".repeat(65)),
            "partner_reference_no"
        );
        assert_eq!(
            field(|i| i.partner_reference_no = " INV".into()),
            "partner_reference_no"
        );
        assert_eq!(field(|i| i.merchant_id = String::new()), "merchant_id");
        assert_eq!(
            field(|i| i.sub_merchant_id = Some("s".repeat(33))),
            "sub_merchant_id"
        );
        assert_eq!(field(|i| i.amount.value = "10000".into()), "amount.value");
        assert_eq!(field(|i| i.amount.value = "-1.00".into()), "amount.value");
        assert_eq!(
            field(|i| i.amount.currency = "USD".into()),
            "amount.currency"
        );
        assert_eq!(field(|i| i.paid_at = None), "paid_at");
        assert_eq!(
            field(|i| i.paid_at = Some("2026-11-24 10:00".into())),
            "paid_at"
        );
        assert_eq!(field(|i| i.status = Some(InputStatus::Unpaid)), "placed_at");
        assert_eq!(
            field(|i| i.customer_name = Some("n".repeat(129))),
            "customer_name"
        );
        assert_eq!(
            field(|i| i.customer_phone = Some("call me".into())),
            "customer_phone"
        );
        assert_eq!(
            field(|i| i.customer_phone = Some("0811".into())),
            "customer_phone"
        );
        assert_eq!(
            field(|i| i.item_description = Some("a\u{7}b".into())),
            "item_description"
        );
    }

    #[test]
    fn phones_in_the_forms_shops_write_them() {
        let m = |p| mask_phone("customer_phone", p).unwrap();
        assert_eq!(m("+62 811 2345 6789"), "+62 811-****-6789");
        assert_eq!(m("6281123456789"), "+62 811-****-6789");
        assert_eq!(m("(0811) 2345-6789"), "+62 811-****-6789");
        assert_eq!(m("+65 9123 4567"), "+659-****-4567");
        assert_eq!(m("+62 811-****-6789"), "+62 811-****-6789");
    }
}
