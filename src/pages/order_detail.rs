//! `/orders/:reference`: everything about one order, cancelling or refunding it, and its cancel
//! and refund history.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::approvals::order_approvals;
use crate::api::cancel::{CancelOrder, cancel_history};
use crate::api::orders::get_order;
use crate::api::refund::{OrderRefunds, RefundOrder, refund_history};
use crate::approval::model::{ApprovalState, ApprovalView, Started};
use crate::auth::role::Permission;
use crate::cancel::model::CancelRequestView;
use crate::components::approval::ApprovalNotice;
use crate::components::cancel_outcome::{AttemptsTable, CancelOutcome};
use crate::components::error_panel::ErrorPanel;
use crate::components::focus::focus_after_render;
use crate::components::layout::Me;
use crate::components::refund::{RefundList, RefundOutcome, RefundPanel};
use crate::components::status_badge::StatusBadge;
use crate::components::unknown::or_dash;
use crate::error::AppError;
use crate::orders::model::{OrderDetail, OrderStatus, display_amount};

#[component]
pub fn OrderDetailPage() -> impl IntoView {
    let params = use_params_map();
    let reference = Memo::new(move |_| params.with(|p| p.get("reference").unwrap_or_default()));
    let order = Resource::new(move || reference.get(), get_order);
    let history = Resource::new(move || reference.get(), cancel_history);
    let refunds = Resource::new(move || reference.get(), refund_history);
    let approvals = Resource::new(move || reference.get(), order_approvals);
    let cancel = ServerAction::<CancelOrder>::new();
    let refund = ServerAction::<RefundOrder>::new();
    // A finished cancel or refund (or one now waiting for approval) changes the order and its
    // history: read them again.
    // (Only after one went through: a refusal keeps the form open with its message.)
    Effect::new(move |_| {
        if cancel.version().get() > 0 && cancel.value().get_untracked().is_some_and(|r| r.is_ok()) {
            order.refetch();
            history.refetch();
            refunds.refetch();
            approvals.refetch();
        }
    });
    Effect::new(move |_| {
        if refund.version().get() > 0 && refund.value().get_untracked().is_some_and(|r| r.is_ok()) {
            order.refetch();
            refunds.refetch();
            approvals.refetch();
        }
    });
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading order…"</p> }>
            {move || Suspend::new(async move {
                match order.await {
                    Ok(order) => view! { <OrderView order cancel refund refunds history approvals /> }.into_any(),
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
        <section class="panel" data-testid="cancel-history">
            <h2>"Cancel history"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading history…"</p> }>
                {move || Suspend::new(async move {
                    match history.await {
                        Ok(requests) if requests.is_empty() => {
                            view! { <p class="subtle">"No cancel attempts have been made for this order."</p> }.into_any()
                        }
                        Ok(requests) => requests
                            .into_iter()
                            .map(|r| {
                                view! {
                                    <article class="history-item">
                                        <p class="history-meta">
                                            <strong>{r.requested_at_display.clone()}</strong>
                                            " · "
                                            {r.actor.clone()}
                                            " · reason: \u{201c}"
                                            {r.reason.clone()}
                                            "\u{201d}"
                                        </p>
                                        <CancelOutcome request=r.clone() />
                                        <AttemptsTable attempts=r.attempts />
                                    </article>
                                }
                            })
                            .collect_view()
                            .into_any(),
                        Err(_) => view! { <p class="subtle">"The history could not be loaded."</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
        <section class="panel" data-testid="refund-history">
            <h2>"Refunds"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading refunds…"</p> }>
                {move || Suspend::new(async move {
                    match refunds.await {
                        Ok(history) => view! { <RefundList history /> }.into_any(),
                        Err(_) => view! { <p class="subtle">"The refunds could not be loaded."</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

fn counter_class(chars: usize) -> &'static str {
    if chars >= 256 {
        "counter counter-full"
    } else {
        "counter"
    }
}

/// Asks for a reason, shows what will be cancelled, and reports DANA's answer at once.
#[component]
fn CancelPanel(order: OrderDetail, cancel: ServerAction<CancelOrder>) -> impl IntoView {
    let open = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let amount = display_amount(order.amount, &order.currency);
    let reference = order.partner_reference_no.clone();
    let problem = move || {
        cancel
            .value()
            .get()
            .and_then(Result::err)
            .map(|err| match err {
                AppError::InvalidInput { field, message } => format!("{field}: {message}"),
                other => other.to_string(),
            })
    };
    let count = move || reason.with(|r| r.chars().count());
    // Keyboard users land where the next step is: the reason box when the confirm step opens,
    // the "Cancel order" button again when they keep the order.
    let reason_box = NodeRef::<leptos::html::Textarea>::new();
    let open_button = NodeRef::<leptos::html::Button>::new();
    view! {
        <section class="panel cancel-panel" data-testid="cancel-panel">
            <div class:hidden=move || open.get()>
                <div class="cancel-intro">
                    <div>
                        <h2>"Cancel this order"</h2>
                        <p class="subtle">"DANA returns the payment to the customer. You will see DANA's answer straight away."</p>
                    </div>
                    <button
                        type="button"
                        class="button button-danger"
                        node_ref=open_button
                        on:click=move |_| {
                            open.set(true);
                            focus_after_render(reason_box);
                        }
                    >
                        "Cancel order"
                    </button>
                </div>
            </div>
            <div class:hidden=move || !open.get()>
                <ActionForm action=cancel attr:class="cancel-form">
                    <h2>"Confirm the cancel"</h2>
                    <p class="confirm-line">
                        "Cancel order "
                        <span class="mono">{reference.clone()}</span>
                        " of "
                        <strong>{amount.clone()}</strong>
                        " paid by "
                        {or_dash(order.customer_name.clone())}
                        "?"
                    </p>
                    <input type="hidden" name="partner_reference_no" value=reference.clone() />
                    <label class="field">
                        <span>"Reason (required, sent to DANA)"</span>
                        <textarea
                            name="reason"
                            node_ref=reason_box
                            rows="2"
                            maxlength="256"
                            required
                            placeholder="e.g. Customer asked to cancel at the counter"
                            on:input=move |ev| reason.set(event_target_value(&ev))
                        ></textarea>
                    </label>
                    <div class=move || counter_class(count())>
                        {move || format!("{}/256", count())}
                    </div>
                    {move || problem().map(|p| view! { <p class="form-error" role="alert">{p}</p> })}
                    <div class="filter-actions">
                        <button
                            type="submit"
                            class="button button-danger"
                            disabled=move || cancel.pending().get() || reason.with(|r| r.trim().is_empty())
                        >
                            {move || if cancel.pending().get() { "Asking DANA…" } else { "Confirm cancel" }}
                        </button>
                        <button
                            type="button"
                            class="button button-secondary"
                            on:click=move |_| {
                                open.set(false);
                                focus_after_render(open_button);
                            }
                        >
                            "Keep the order"
                        </button>
                    </div>
                </ActionForm>
            </div>
        </section>
    }
}

#[component]
fn OrderView(
    order: OrderDetail,
    cancel: ServerAction<CancelOrder>,
    refund: ServerAction<RefundOrder>,
    refunds: Resource<Result<OrderRefunds, AppError>>,
    history: Resource<Result<Vec<CancelRequestView>, AppError>>,
    approvals: Resource<Result<Vec<ApprovalView>, AppError>>,
) -> impl IntoView {
    let me = use_context::<Me>();
    let may_cancel = move || {
        me.and_then(crate::components::layout::current_user)
            .is_some_and(|u| u.role.can(Permission::CancelOrder))
    };
    let may_refund = move || {
        me.and_then(crate::components::layout::current_user)
            .is_some_and(|u| u.role.can(Permission::RefundOrder))
    };
    let just_refunded = move || {
        refund.value().get().and_then(|r| match r {
            Ok(Started::Done(done)) => Some(done),
            _ => None,
        })
    };
    let refund_order = order.clone();
    let cancellable = matches!(order.status, OrderStatus::Paid | OrderStatus::CancelFailed);
    let just_done = move || {
        cancel.value().get().and_then(|r| match r {
            Ok(Started::Done(done)) => Some(done),
            _ => None,
        })
    };
    let amount = display_amount(order.amount, &order.currency);
    let wire_amount = format!("{} {}", order.amount.to_wire(), order.currency);
    let panel_order = order.clone();
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
        {move || just_done().map(|done| view! { <div class="just-done"><CancelOutcome request=done.request /></div> })}
        <Suspense fallback=|| ()>
            {move || {
                let order = refund_order.clone();
                let panel_order = panel_order.clone();
                Suspend::new(async move {
                let (Ok(refunds), Ok(cancels)) = (refunds.await, history.await) else {
                    return ().into_any();
                };
                // A request waiting for a second person holds the order: no other cancel or
                // refund starts meanwhile. The latest one closed without approval is shown too.
                let approvals = approvals.await.unwrap_or_default();
                let waiting = approvals.iter().find(|a| a.state == ApprovalState::Waiting).cloned();
                let closed = approvals
                    .first()
                    .filter(|a| matches!(a.state, ApprovalState::Rejected | ApprovalState::Expired))
                    .cloned()
                    .filter(|_| waiting.is_none());
                let free = waiting.is_none();
                let cancel_panel = (free && cancellable && may_cancel() && just_done().is_none())
                    .then(|| view! { <CancelPanel order=panel_order cancel /> });
                // DANA answered the latest cancel with "Transaction Expired": offer a refund.
                let offer = cancels
                    .first()
                    .and_then(|c| c.entry())
                    .is_some_and(|e| e.code == "4035700");
                let show = free
                    && refunds.order_status.refundable()
                    && refunds.totals.refundable_minor > 0
                    && may_refund();
                view! {
                    {waiting.map(|approval| view! { <ApprovalNotice approval /> })}
                    {closed.map(|approval| view! { <ApprovalNotice approval /> })}
                    {cancel_panel}
                    {just_refunded().map(|done| view! { <div class="just-done"><RefundOutcome refund=done.refund /></div> }.into_any())}
                    {show.then(|| view! { <RefundPanel order history=refunds offer refund /> }.into_any())}
                }
                .into_any()
            })}}
        </Suspense>
        <div class="detail-grid">
            <section class="panel">
                <h2>"Payment"</h2>
                <dl class="facts">
                    <dt>"Amount"</dt>
                    <dd>{display_amount(order.amount, &order.currency)}</dd>
                    <dt>"Amount sent to DANA"</dt>
                    <dd class="mono">{wire_amount}</dd>
                    <dt>{if order.status.never_paid() { "Placed at" } else { "Paid at" }}</dt>
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
                    <dd>{or_dash(order.customer_name)}</dd>
                    <dt>"Phone"</dt>
                    <dd>{or_dash(order.customer_phone_masked)}</dd>
                    <dt>"Item"</dt>
                    <dd>{or_dash(order.item_description)}</dd>
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
                    <dt>"Came from"</dt>
                    <dd>{order.source.label()}</dd>
                    <dt>"Order data last written by"</dt>
                    <dd>
                        {order.last_source.label()}
                        <span class="subtle small">{format!(", {}", order.last_source_at_display)}</span>
                    </dd>
                </dl>
            </section>
        </div>
    }
}
