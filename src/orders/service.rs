//! Reading orders for the pages: validates the query, runs it, and shapes rows for display.

use super::model::{OrderDetail, OrderPage, OrderSource, OrderStatus, OrderSummary};
use super::query::{Cursor, OrderListParams, PAGE_SIZE, PageRequest};
use crate::db::{self, orders::OrderRow};
use crate::error::AppError;
use crate::money::Money;
use crate::time::display_wib;

pub async fn list_orders(pool: &db::Pool, params: &OrderListParams) -> Result<OrderPage, AppError> {
    let filter = params.validate()?;
    let page = db::orders::list_page(pool, &filter, PAGE_SIZE).await?;
    let cursor_of = |row: &OrderRow| {
        let key = if filter.sort.by_amount() {
            row.amount_minor
        } else {
            row.paid_at.millis()
        };
        Cursor {
            key,
            id: row.id.get(),
        }
        .encode()
    };
    let (has_prev, has_next) = match filter.page {
        PageRequest::First => (false, page.more),
        PageRequest::After(_) => (true, page.more),
        PageRequest::Before(_) => (page.more, true),
    };
    let prev = has_prev.then(|| page.rows.first().map(cursor_of)).flatten();
    let next = has_next.then(|| page.rows.last().map(cursor_of)).flatten();
    let orders = page
        .rows
        .into_iter()
        .map(summary)
        .collect::<Result<_, _>>()?;
    Ok(OrderPage { orders, next, prev })
}

pub async fn get_order(
    pool: &db::Pool,
    partner_reference_no: &str,
) -> Result<OrderDetail, AppError> {
    if partner_reference_no.is_empty() || partner_reference_no.chars().count() > 64 {
        return Err(AppError::invalid(
            "partner_reference_no",
            crate::i18n::td_string!(crate::language::current(), validation.order_reference),
        ));
    }
    let row = db::orders::find_by_partner_reference(pool, partner_reference_no)
        .await?
        .ok_or_else(|| AppError::order_not_found(partner_reference_no))?;
    detail(row)
}

fn status_of(row: &OrderRow) -> Result<OrderStatus, AppError> {
    OrderStatus::parse(&row.status).ok_or_else(|| {
        tracing::error!(order = %row.id, status = %row.status, "order has a status this build does not know");
        AppError::Internal
    })
}

fn source_of(row: &OrderRow, text: &str) -> Result<OrderSource, AppError> {
    OrderSource::parse(text).ok_or_else(|| {
        tracing::error!(order = %row.id, source = text, "order has a source this build does not know");
        AppError::Internal
    })
}

fn amount_of(row: &OrderRow) -> Result<Money, AppError> {
    Money::from_minor(row.amount_minor).map_err(|err| {
        tracing::error!(order = %row.id, %err, "order amount out of range");
        AppError::Internal
    })
}

fn summary(row: OrderRow) -> Result<OrderSummary, AppError> {
    Ok(OrderSummary {
        status: status_of(&row)?,
        amount: amount_of(&row)?,
        paid_at_display: display_wib(row.paid_at),
        partner_reference_no: row.partner_reference_no,
        reference_no: row.reference_no,
        customer_name: row.customer_name,
        customer_phone_masked: row.customer_phone_masked,
        item_description: row.item_description,
        currency: row.currency,
    })
}

fn detail(row: OrderRow) -> Result<OrderDetail, AppError> {
    Ok(OrderDetail {
        status: status_of(&row)?,
        amount: amount_of(&row)?,
        paid_at_display: display_wib(row.paid_at),
        created_at_display: display_wib(row.created_at),
        updated_at_display: display_wib(row.updated_at),
        source: source_of(&row, &row.source)?,
        last_source: source_of(&row, &row.last_source)?,
        last_source_at_display: display_wib(row.last_source_at),
        partner_reference_no: row.partner_reference_no,
        reference_no: row.reference_no,
        merchant_id: row.merchant_id,
        sub_merchant_id: row.sub_merchant_id,
        external_store_id: row.external_store_id,
        customer_name: row.customer_name,
        customer_phone_masked: row.customer_phone_masked,
        item_description: row.item_description,
        currency: row.currency,
    })
}
