use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::error::AppError;
use crate::orders::model::{OrderDetail, OrderPage};
use crate::orders::query::OrderListParams;

/// One page of the orders list for the filters in `params` (the URL query).
#[server(prefix = "/api", endpoint = "orders/list", input = Json)]
pub async fn list_orders(params: OrderListParams) -> Result<OrderPage, AppError> {
    let (state, _) = super::require(crate::auth::role::Permission::ViewOrders).await?;
    crate::orders::service::list_orders(&state.pool, &params).await
}

/// One order by the merchant's partner reference.
#[server(prefix = "/api", endpoint = "orders/get", input = Json)]
pub async fn get_order(partner_reference_no: String) -> Result<OrderDetail, AppError> {
    let (state, _) = super::require(crate::auth::role::Permission::ViewOrders).await?;
    crate::orders::service::get_order(&state.pool, &partner_reference_no).await
}
