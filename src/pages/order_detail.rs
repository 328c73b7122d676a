//! `/orders/:reference`: everything about one order, and (from the cancel issue on) its cancel history.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::orders::get_order;
use crate::components::error_panel::ErrorPanel;
use crate::components::status_badge::StatusBadge;
use crate::orders::model::{OrderDetail, display_amount};

#[component]
pub fn OrderDetailPage() -> impl IntoView {
    let params = use_params_map();
    let reference = Memo::new(move |_| params.with(|p| p.get("reference").unwrap_or_default()));
    let order = Resource::new(move || reference.get(), get_order);
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading order…"</p> }>
            {move || Suspend::new(async move {
                match order.await {
                    Ok(order) => view! { <OrderView order /> }.into_any(),
                    Err(error) => {
                        view! {
                            <Title text="Order not found · Cancel Desk" />
                            <ErrorPanel error />
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

fn or_dash(value: Option<String>) -> String {
    value.unwrap_or_else(|| "—".to_string())
}

#[component]
fn OrderView(order: OrderDetail) -> impl IntoView {
    let amount = display_amount(order.amount, &order.currency);
    let wire_amount = format!("{} {}", order.amount.to_wire(), order.currency);
    view! {
        <Title text=format!("Order {} · Cancel Desk", order.partner_reference_no) />
        <p class="crumbs">
            <a href="/orders">"← Orders"</a>
        </p>
        <div class="page-head">
            <div>
                <p class="subtle small">"Partner reference"</p>
                <h1 class="mono" data-testid="order-reference">{order.partner_reference_no.clone()}</h1>
            </div>
            <div class="head-amount">
                <div class="amount-big">{amount}</div>
                <StatusBadge status=order.status />
            </div>
        </div>
        <div class="detail-grid">
            <section class="panel">
                <h2>"Payment"</h2>
                <dl class="facts">
                    <dt>"Amount"</dt>
                    <dd>{display_amount(order.amount, &order.currency)}</dd>
                    <dt>"Amount sent to DANA"</dt>
                    <dd class="mono">{wire_amount}</dd>
                    <dt>"Paid at"</dt>
                    <dd>{order.paid_at_display}</dd>
                    <dt>"DANA reference"</dt>
                    <dd class="mono">{or_dash(order.reference_no)}</dd>
                    <dt>"Status"</dt>
                    <dd>
                        <StatusBadge status=order.status />
                    </dd>
                </dl>
            </section>
            <section class="panel">
                <h2>"Customer"</h2>
                <dl class="facts">
                    <dt>"Name"</dt>
                    <dd>{order.customer_name}</dd>
                    <dt>"Phone"</dt>
                    <dd>{order.customer_phone_masked}</dd>
                    <dt>"Item"</dt>
                    <dd>{order.item_description}</dd>
                </dl>
            </section>
            <section class="panel">
                <h2>"Merchant"</h2>
                <dl class="facts">
                    <dt>"Merchant ID"</dt>
                    <dd class="mono">{order.merchant_id}</dd>
                    <dt>"Sub-merchant (division)"</dt>
                    <dd class="mono">{or_dash(order.sub_merchant_id)}</dd>
                    <dt>"Store"</dt>
                    <dd class="mono">{or_dash(order.external_store_id)}</dd>
                </dl>
            </section>
            <section class="panel">
                <h2>"Record"</h2>
                <dl class="facts">
                    <dt>"Created"</dt>
                    <dd>{order.created_at_display}</dd>
                    <dt>"Last updated"</dt>
                    <dd>{order.updated_at_display}</dd>
                </dl>
            </section>
        </div>
        <section class="panel" data-testid="cancel-history">
            <h2>"Cancel history"</h2>
            <p class="subtle">"No cancel attempts have been made for this order."</p>
        </section>
    }
}
