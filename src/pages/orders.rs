//! `/orders`: find an order. Every filter lives in the URL, so a link shows the same list.

use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::orders::list_orders;
use crate::components::error_panel::ErrorPanel;
use crate::components::status_badge::StatusBadge;
use crate::components::unknown::or_dash;
use crate::i18n::*;
use crate::orders::model::{OrderPage, OrderStatus, display_amount, order_path};
use crate::orders::query::{OrderListParams, SortOrder};

fn list_href(params: &OrderListParams, page: Option<(&str, &str)>) -> String {
    let query = params.to_query_string(page);
    if query.is_empty() {
        "/orders".to_string()
    } else {
        format!("/orders?{query}")
    }
}

fn non_empty(value: String) -> Option<String> {
    let value = value.trim().to_string();
    (!value.is_empty()).then_some(value)
}

#[component]
pub fn OrdersPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_query_map().with_untracked(|q| OrderListParams::from_lookup(|k| q.get(k)));
    let page = Resource::new(
        {
            let params = params.clone();
            move || params.clone()
        },
        list_orders,
    );
    let table_params = StoredValue::new(params.clone());
    view! {
        <Title text=tu_string!(i18n, orders.page_title) />
        <div class="page-head">
            <div>
                <h1>{tu_string!(i18n, orders.title)}</h1>
                <p class="subtle">{tu_string!(i18n, orders.subtitle)}</p>
            </div>
        </div>
        <FilterBar params=params.clone() />
        <Suspense fallback=move || view! { <p class="loading">{tu_string!(i18n, orders.loading)}</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <OrdersTable page params=table_params.get_value() /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The filters: a search loads the list for them (a page load, the list is the server's).
#[island(lazy)]
fn FilterBar(params: OrderListParams) -> impl IntoView {
    crate::components::island::enter_lazy("FilterBar");
    let i18n = use_i18n();
    let params = StoredValue::new(params);
    let q_ref = NodeRef::<html::Input>::new();
    let from_ref = NodeRef::<html::Input>::new();
    let to_ref = NodeRef::<html::Input>::new();
    let status_ref = NodeRef::<html::Select>::new();
    let sort_ref = NodeRef::<html::Select>::new();

    let go = move |next: OrderListParams| {
        #[cfg(feature = "hydrate")]
        let _ = window().location().set_href(&list_href(&next, None));
        #[cfg(not(feature = "hydrate"))]
        let _ = next;
    };
    let on_submit = {
        move |ev: SubmitEvent| {
            ev.prevent_default();
            let input = |r: NodeRef<html::Input>| r.get().and_then(|e| non_empty(e.value()));
            let select = |r: NodeRef<html::Select>| r.get().and_then(|e| non_empty(e.value()));
            go(OrderListParams {
                q: input(q_ref),
                status: select(status_ref),
                from: input(from_ref),
                to: input(to_ref),
                sort: select(sort_ref),
                after: None,
                before: None,
            });
        }
    };
    // Choosing a status or a sort applies at once.
    let on_status = {
        move |ev| {
            go(params
                .get_value()
                .with("status", non_empty(event_target_value(&ev))))
        }
    };
    let on_sort = move |ev| {
        go(params
            .get_value()
            .with("sort", non_empty(event_target_value(&ev))))
    };

    // The page loads anew for every search: what the fields show is fixed for its life.
    let current = move |f: fn(&OrderListParams) -> &Option<String>| {
        params.with_value(|p| f(p).clone().unwrap_or_default())
    };
    let sort_now = params.with_value(|p| {
        p.sort
            .as_deref()
            .and_then(SortOrder::parse)
            .unwrap_or_default()
    });
    let status_now = current(|p| &p.status);
    let locale = i18n.get_locale_untracked();
    view! {
        <form class="filters panel" method="get" action="/orders" role="search" autocomplete="off" on:submit=on_submit>
            <label class="field field-grow">
                <span>{tu_string!(i18n, orders.filters.search)}</span>
                <input
                    type="search"
                    name="q"
                    node_ref=q_ref
                    maxlength="64"
                    placeholder=tu_string!(i18n, orders.filters.search_placeholder)
                    value=current(|p| &p.q)
                />
            </label>
            <label class="field">
                <span>{tu_string!(i18n, orders.filters.status)}</span>
                <select
                    name="status"
                    node_ref=status_ref
                    on:change=on_status
                >
                    <option value="" selected=status_now.is_empty()>
                        {tu_string!(i18n, orders.filters.all_statuses)}
                    </option>
                    {OrderStatus::ALL
                        .into_iter()
                        .map(|s| {
                            view! {
                                <option value=s.as_str() selected=status_now == s.as_str()>
                                    {s.label_in(locale)}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <label class="field">
                <span>{tu_string!(i18n, orders.filters.paid_from)}</span>
                <input
                    type="date"
                    name="from"
                    node_ref=from_ref
                    value=current(|p| &p.from)
                />
            </label>
            <label class="field">
                <span>{tu_string!(i18n, orders.filters.paid_to)}</span>
                <input
                    type="date"
                    name="to"
                    node_ref=to_ref
                    value=current(|p| &p.to)
                />
            </label>
            <label class="field">
                <span>{tu_string!(i18n, orders.filters.sort)}</span>
                <select
                    name="sort"
                    node_ref=sort_ref
                    on:change=on_sort
                >
                    {SortOrder::ALL
                        .into_iter()
                        .map(|s| {
                            view! {
                                <option value=s.as_str() selected=sort_now == s>
                                    {s.label_in(locale)}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <div class="filter-actions">
                <button type="submit" class="button">
                    {tu_string!(i18n, orders.filters.search)}
                </button>
                <a href="/orders" class="button button-secondary">
                    {tu_string!(i18n, orders.filters.clear)}
                </a>
            </div>
        </form>
    }
}

/// Column heading that sorts by its column, flipping direction when already sorted by it.
/// `label` gives the heading in a language.
fn sort_heading(
    params: &OrderListParams,
    label: fn(Locale) -> &'static str,
    desc: SortOrder,
    asc: SortOrder,
) -> impl IntoView {
    let i18n = use_i18n();
    let now = params
        .sort
        .as_deref()
        .and_then(SortOrder::parse)
        .unwrap_or_default();
    let (target, arrow) = if now == desc {
        (asc, " ↓")
    } else if now == asc {
        (desc, " ↑")
    } else {
        (desc, "")
    };
    let href = list_href(
        &params.with("sort", Some(target.as_str().to_string())),
        None,
    );
    view! {
        <a
            href=href
            class="sort-link"
            title=move || {
                let locale = i18n.get_locale();
                td_string!(locale, orders.table.sort_title, order = target.label_in(locale)).to_string()
            }
        >
            {move || label(i18n.get_locale())}
            {arrow}
        </a>
    }
}

#[component]
fn OrdersTable(page: OrderPage, params: OrderListParams) -> impl IntoView {
    let i18n = use_i18n();
    if page.orders.is_empty() {
        return view! {
            <section class="panel empty" data-testid="no-orders">
                <h2>{tu_string!(i18n, orders.empty.title)}</h2>
                <p>{tu_string!(i18n, orders.empty.hint)}</p>
                <a href="/orders" class="button button-secondary">
                    {tu_string!(i18n, orders.empty.clear_filters)}
                </a>
            </section>
        }
        .into_any();
    }
    let prev = page.prev.map(|c| list_href(&params, Some(("before", &c))));
    let next = page.next.map(|c| list_href(&params, Some(("after", &c))));
    let shown = page.orders.len();
    let rows = page
        .orders
        .into_iter()
        .map(|o| {
            let href = order_path(&o.partner_reference_no);
            let amount = display_amount(o.amount, &o.currency);
            view! {
                <tr>
                    <td class="nowrap col-paid">{o.paid_at_display}</td>
                    <td class="col-ref">
                        <a href=href class="mono ref-link">
                            {o.partner_reference_no}
                        </a>
                    </td>
                    <td class="mono subtle col-dana" data-label=tu_string!(i18n, orders.table.card_dana_reference)>{o.reference_no.unwrap_or_else(|| "—".into())}</td>
                    <td class="col-customer">
                        <div class="customer">{or_dash(o.customer_name)}</div>
                        <div class="subtle small">{or_dash(o.customer_phone_masked)}</div>
                    </td>
                    <td class="item col-item" translate="no">{or_dash(o.item_description)}</td>
                    <td class="num nowrap col-amount">{amount}</td>
                    <td class="col-status">
                        <StatusBadge status=o.status />
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel table-panel">
            <table class="orders cards" data-testid="orders-table">
                <thead>
                    <tr>
                        <th>
                            {sort_heading(
                                &params,
                                |l: Locale| td_string!(l, orders.table.paid_at),
                                SortOrder::PaidDesc,
                                SortOrder::PaidAsc,
                            )}
                        </th>
                        <th>{tu_string!(i18n, orders.table.partner_reference)}</th>
                        <th>{tu_string!(i18n, orders.table.dana_reference)}</th>
                        <th>{tu_string!(i18n, orders.table.customer)}</th>
                        <th>{tu_string!(i18n, orders.table.item)}</th>
                        <th class="num">
                            {sort_heading(
                                &params,
                                |l: Locale| td_string!(l, orders.table.amount),
                                SortOrder::AmountDesc,
                                SortOrder::AmountAsc,
                            )}
                        </th>
                        <th>{tu_string!(i18n, orders.table.status)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            <nav class="pager" aria-label=tu_string!(i18n, orders.pager.label)>
                <span class="subtle">
                    {move || if shown == 1 {
                        t_string!(i18n, orders.pager.single).to_string()
                    } else {
                        t_string!(i18n, orders.pager.several, shown = shown).to_string()
                    }}
                </span>
                <div class="pager-links">
                    {match prev {
                        Some(href) => view! { <a href=href rel="prev" class="button button-secondary">{tu_string!(i18n, orders.pager.previous)}</a> }.into_any(),
                        None => view! { <span class="button button-secondary disabled" aria-disabled="true">{tu_string!(i18n, orders.pager.previous)}</span> }.into_any(),
                    }}
                    {match next {
                        Some(href) => view! { <a href=href rel="next" class="button button-secondary">{tu_string!(i18n, orders.pager.next)}</a> }.into_any(),
                        None => view! { <span class="button button-secondary disabled" aria-disabled="true">{tu_string!(i18n, orders.pager.next)}</span> }.into_any(),
                    }}
                </div>
            </nav>
        </section>
    }
    .into_any()
}
