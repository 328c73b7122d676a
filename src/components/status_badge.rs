use leptos::prelude::*;

use crate::orders::model::OrderStatus;

#[component]
pub fn StatusBadge(status: OrderStatus) -> impl IntoView {
    view! {
        <span class=format!("badge badge-{}", status.tone()) data-status=status.as_str()>
            {status.label()}
        </span>
    }
}
