use leptos::prelude::*;

use crate::i18n::*;
use crate::orders::model::OrderStatus;

#[component]
pub fn StatusBadge(status: OrderStatus) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <span class=format!("badge badge-{}", status.tone()) data-status=status.as_str()>
            {move || status.label_in(i18n.get_locale())}
        </span>
    }
}
