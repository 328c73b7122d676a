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
            crate::i18n::td_string!(
                crate::language::current(),
                validation.row.unknown_stored_status,
                status = format!("{:?}", row.status)
            )
            .to_string(),
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
                crate::i18n::td_string!(crate::language::current(), validation.row.closed_unpaid),
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
                    let locale = crate::language::current();
                    conflict = Some(RowError::new(
                        field,
                        crate::i18n::td_string!(
                            locale,
                            validation.row.payment_data_fixed,
                            given = format!("{given:?}"),
                            stored = format!("{stored:?}"),
                            status = current.label_in(locale).to_lowercase()
                        )
                        .to_string(),
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
    let amount_minor = match (
        amount_text(row.amount_minor),
        amount_text(facts.amount.minor()),
    ) {
        (Ok(stored), Ok(given)) => {
            fixed("amount.value", Some(&stored), Some(&given));
            if payment_open {
                facts.amount.minor()
            } else {
                row.amount_minor
            }
        }
        _ => row.amount_minor,
    };
    let currency = fixed(
        "amount.currency",
        Some(&row.currency),
        Some(&facts.currency),
    )
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::facts::{AmountInput, OrderInput};
    use crate::time::Timestamp;

    fn facts(amount: &str) -> OrderFacts {
        OrderInput {
            partner_reference_no: "INV-1".into(),
            merchant_id: "M1".into(),
            amount: AmountInput {
                value: amount.into(),
                currency: "IDR".into(),
            },
            paid_at: Some("2026-11-24T10:00:00+07:00".into()),
            customer_name: Some("Budi".into()),
            ..OrderInput::default()
        }
        .check()
        .unwrap()
    }

    fn stored(status: &str) -> OrderRow {
        OrderRow {
            id: crate::ids::OrderId(7),
            partner_reference_no: "INV-1".into(),
            reference_no: None,
            merchant_id: "M1".into(),
            sub_merchant_id: None,
            external_store_id: None,
            amount_minor: 1_000_000,
            currency: "IDR".into(),
            status: status.into(),
            paid_at: Timestamp::from_seconds(1),
            customer_name: Some("Siti".into()),
            customer_phone_masked: Some("+62 811-****-0001".into()),
            item_description: Some("Pulsa".into()),
            created_at: Timestamp::from_seconds(1),
            updated_at: Timestamp::from_seconds(1),
            source: "api".into(),
            last_source: "api".into(),
            last_source_at: Timestamp::from_seconds(1),
        }
    }

    fn updated(d: Decision) -> NewOrder {
        match d {
            Decision::Update { values, .. } => values,
            other => panic!("expected an update, got {other:?}"),
        }
    }

    #[test]
    fn status_only_moves_forward_and_a_cancel_is_never_undone() {
        let paid = facts("10000.00");
        for status in [
            "CANCELLING",
            "CANCEL_PENDING",
            "CANCEL_RETRYING",
            "CANCELLED",
            "CANCEL_FAILED",
        ] {
            for source in [OrderSource::Notify, OrderSource::Api] {
                let d = decide(Some(&stored(status)), &paid, source);
                let status_after = match &d {
                    Decision::Update { values, .. } => values.status,
                    Decision::Unchanged => status,
                    other => panic!("{status}: {other:?}"),
                };
                assert_eq!(status_after, status, "{status} from {source:?}");
            }
        }
        let mut closed = paid.clone();
        closed.reported = Reported::Closed(Timestamp::from_seconds(5));
        assert_eq!(
            updated(decide(
                Some(&stored("UNPAID")),
                &closed,
                OrderSource::Notify
            ))
            .status,
            "CLOSED"
        );
        assert_eq!(
            updated(decide(Some(&stored("UNPAID")), &paid, OrderSource::Api)).status,
            "PAID"
        );
        assert!(matches!(
            decide(Some(&stored("CLOSED")), &paid, OrderSource::Api),
            Decision::Conflict(_)
        ));
    }

    #[test]
    fn an_absent_field_keeps_what_is_known_and_a_given_one_replaces_it() {
        let mut notify = facts("10000.00");
        notify.customer_name = None;
        notify.reference_no = Some("DANA-REF".into());
        let values = updated(decide(Some(&stored("PAID")), &notify, OrderSource::Notify));
        assert_eq!(values.customer_name.as_deref(), Some("Siti"));
        assert_eq!(values.item_description.as_deref(), Some("Pulsa"));
        assert_eq!(values.reference_no.as_deref(), Some("DANA-REF"));
        let values = updated(decide(
            Some(&stored("PAID")),
            &facts("10000.00"),
            OrderSource::Api,
        ));
        assert_eq!(values.customer_name.as_deref(), Some("Budi"));
    }

    #[test]
    fn a_paid_orders_amount_is_fixed_except_by_dana_before_a_cancel() {
        let other = facts("12000.00");
        match decide(Some(&stored("PAID")), &other, OrderSource::Api) {
            Decision::Conflict(e) => assert_eq!(e.field, "amount.value"),
            d => panic!("{d:?}"),
        }
        assert_eq!(
            updated(decide(Some(&stored("PAID")), &other, OrderSource::Notify)).amount_minor,
            1_200_000
        );
        assert!(matches!(
            decide(Some(&stored("CANCELLED")), &other, OrderSource::Notify),
            Decision::Conflict(_)
        ));
        assert_eq!(
            updated(decide(Some(&stored("UNPAID")), &other, OrderSource::Api)).amount_minor,
            1_200_000
        );
    }

    #[test]
    fn the_same_facts_twice_change_nothing() {
        let f = facts("10000.00");
        let Decision::Create(created) = decide(None, &f, OrderSource::Api) else {
            panic!("a new reference creates")
        };
        let mut row = stored("PAID");
        row.paid_at = created.paid_at;
        row.customer_name = created.customer_name.clone();
        row.customer_phone_masked = None;
        row.item_description = None;
        assert_eq!(
            decide(Some(&row), &f, OrderSource::Api),
            Decision::Unchanged
        );
    }
}
