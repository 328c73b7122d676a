//! What incoming facts change in an order Cancel Desk already knows. Pure: no storage.
//!
//! The rules, for every source:
//! - a new order is created in the state reported (paid, unpaid, or closed by DANA);
//! - status only moves forward: UNPAID → PAID or CLOSED; a cancel's states are never touched
//!   (a late "paid" does not undo a cancel);
//! - a field given overwrites the customer data (name, phone, item); a field absent never
//!   clears one;
//! - payment data (references, merchant, store, amount, paid time) is the order's while it is
//!   unpaid; once paid, only DANA's own notification may correct it, and only before a cancel
//!   began; from anyone else a different value is a conflict that changes nothing, while a
//!   missing one (DANA's reference, store) is filled in.

use super::facts::{OrderFacts, Reported, RowError};
use crate::db::orders::{NewOrder, OrderRow};
use crate::orders::model::{OrderSource, OrderStatus};

/// What one incoming order does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Create(NewOrder),
    /// The order's new values (all of them), written only if its status is still `expected`.
    Update {
        id: crate::ids::OrderId,
        expected: OrderStatus,
        values: NewOrder,
    },
    Unchanged,
    Conflict(RowError),
}

fn new_status(reported: Reported) -> (OrderStatus, crate::time::Timestamp) {
    match reported {
        Reported::Paid(at) => (OrderStatus::Paid, at),
        Reported::Unpaid(at) => (OrderStatus::Unpaid, at),
        Reported::Closed(at) => (OrderStatus::Closed, at),
    }
}

/// The decision for `facts` from `source`, given the stored order (if any).
pub fn decide(existing: Option<&OrderRow>, facts: &OrderFacts, source: OrderSource) -> Decision {
    let Some(row) = existing else {
        let (status, at) = new_status(facts.reported);
        return Decision::Create(NewOrder {
            partner_reference_no: facts.partner_reference_no.clone(),
            reference_no: facts.reference_no.clone(),
            merchant_id: facts.merchant_id.clone(),
            sub_merchant_id: facts.sub_merchant_id.clone(),
            external_store_id: facts.external_store_id.clone(),
            amount_minor: facts.amount.minor(),
            currency: facts.currency.clone(),
            status: status.as_str(),
            paid_at: at,
            customer_name: facts.customer_name.clone(),
            customer_phone_masked: facts.customer_phone_masked.clone(),
            item_description: facts.item_description.clone(),
            source,
        });
    };
    let Some(current) = OrderStatus::parse(&row.status) else {
        return Decision::Conflict(RowError::new(
            "status",
            format!("the stored order has an unknown status {:?}", row.status),
        ));
    };
    let from_dana = source == OrderSource::Notify;
    let (status, paid_at) = match (current, facts.reported) {
        (OrderStatus::Unpaid, reported) => match reported {
            Reported::Closed(_) => (OrderStatus::Closed, row.paid_at),
            other => new_status(other),
        },
        // DANA's word that money was taken outranks its earlier "closed".
        (OrderStatus::Closed, Reported::Paid(at)) if from_dana => (OrderStatus::Paid, at),
        (OrderStatus::Closed, Reported::Paid(_)) => {
            return Decision::Conflict(RowError::new(
                "status",
                "DANA closed this order unpaid; only DANA's payment notification can mark it paid",
            ));
        }
        (OrderStatus::Paid, Reported::Paid(at)) if from_dana => (OrderStatus::Paid, at),
        (current, _) => (current, row.paid_at),
    };
    let payment_open = current == OrderStatus::Unpaid
        || (from_dana && matches!(current, OrderStatus::Paid | OrderStatus::Closed));

    let mut conflict = None;
    // A payment field: taken while open; otherwise filled when empty, and a different value is
    // a conflict (the first one found is reported).
    let mut fixed = |field: &str, stored: Option<&str>, given: Option<&str>| -> Option<String> {
        match (stored, given) {
            (stored, None) => stored.map(str::to_string),
            (_, Some(given)) if payment_open => Some(given.to_string()),
            (None, Some(given)) => Some(given.to_string()),
            (Some(stored), Some(given)) => {
                if stored != given && conflict.is_none() {
                    conflict = Some(RowError::new(
                        field,
                        format!(
                            "is {given:?} here but {stored:?} on the {} order; its payment data \
                             cannot change",
                            current.label().to_lowercase()
                        ),
                    ));
                }
                Some(stored.to_string())
            }
        }
    };
    let reference_no = fixed(
        "reference_no",
        row.reference_no.as_deref(),
        facts.reference_no.as_deref(),
    );
    let merchant_id = fixed(
        "merchant_id",
        Some(&row.merchant_id),
        Some(&facts.merchant_id),
    )
    .unwrap_or_default();
    let sub_merchant_id = fixed(
        "sub_merchant_id",
        row.sub_merchant_id.as_deref(),
        facts.sub_merchant_id.as_deref(),
    );
    let external_store_id = fixed(
        "external_store_id",
        row.external_store_id.as_deref(),
        facts.external_store_id.as_deref(),
    );
    let amount_text = |minor: i64| crate::money::Money::from_minor(minor).map(|m| m.to_wire());
    let amount_minor = match (amount_text(row.amount_minor), amount_text(facts.amount.minor())) {
        (Ok(stored), Ok(given)) => {
            fixed("amount.value", Some(&stored), Some(&given));
            if payment_open { facts.amount.minor() } else { row.amount_minor }
        }
        _ => row.amount_minor,
    };
    let currency = fixed("amount.currency", Some(&row.currency), Some(&facts.currency))
        .unwrap_or_default();
    if let Some(conflict) = conflict {
        return Decision::Conflict(conflict);
    }
    let values = NewOrder {
        partner_reference_no: row.partner_reference_no.clone(),
        reference_no,
        merchant_id,
        sub_merchant_id,
        external_store_id,
        amount_minor,
        currency,
        status: status.as_str(),
        paid_at,
        customer_name: facts.customer_name.clone().or(row.customer_name.clone()),
        customer_phone_masked: facts
            .customer_phone_masked
            .clone()
            .or(row.customer_phone_masked.clone()),
        item_description: facts
            .item_description
            .clone()
            .or(row.item_description.clone()),
        source,
    };
    let same = values.reference_no == row.reference_no
        && values.merchant_id == row.merchant_id
        && values.sub_merchant_id == row.sub_merchant_id
        && values.external_store_id == row.external_store_id
        && values.amount_minor == row.amount_minor
        && values.currency == row.currency
        && values.status == row.status
        && values.paid_at == row.paid_at
        && values.customer_name == row.customer_name
        && values.customer_phone_masked == row.customer_phone_masked
        && values.item_description == row.item_description;
    if same {
        Decision::Unchanged
    } else {
        Decision::Update {
            id: row.id,
            expected: current,
            values,
        }
    }
}
