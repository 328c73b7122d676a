//! The column heads the two tables of `/pending` share (cancels and refunds).

use leptos::prelude::*;

use crate::i18n::*;

/// `amount`: the second column's head (the order's amount, or the refund's).
#[component]
pub fn QueueHead(#[prop(into)] amount: String) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <thead>
            <tr>
                <th>{tu_string!(i18n, pending.table.order)}</th>
                <th class="num">{amount}</th>
                <th>{tu_string!(i18n, pending.table.requested)}</th>
                <th class="num">{tu_string!(i18n, pending.table.tries)}</th>
                <th>{tu_string!(i18n, pending.table.last_answer)}</th>
                <th>{tu_string!(i18n, pending.table.state)}</th>
                <th>{tu_string!(i18n, pending.table.actions)}</th>
            </tr>
        </thead>
    }
}
