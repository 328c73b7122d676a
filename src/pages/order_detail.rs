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
use crate::i18n::*;
use crate::orders::model::{OrderDetail, OrderStatus, display_amount};

#[component]
pub fn OrderDetailPage() -> impl IntoView {
    let i18n = use_i18n();
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
        <Suspense fallback=move || view! { <p class="loading">{tu_string!(i18n, order.loading)}</p> }>
            {move || Suspend::new(async move {
                match order.await {
                    Ok(order) => view! { <OrderView order cancel refund refunds history approvals /> }.into_any(),
                    Err(error) => {
                        view! {
                            <Title text=tu_string!(i18n, order.not_found_title) />
                            <ErrorPanel error />
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
        <section class="panel" data-testid="cancel-history">
            <h2>{tu_string!(i18n, order.history.title)}</h2>
            <Suspense fallback=move || view! { <p class="loading">{tu_string!(i18n, order.history.loading)}</p> }>
                {move || Suspend::new(async move {
                    match history.await {
                        Ok(requests) if requests.is_empty() => {
                            view! { <p class="subtle">{tu_string!(i18n, order.history.empty)}</p> }.into_any()
                        }
                        Ok(requests) => requests
                            .into_iter()
                            .map(|r| {
                                view! {
                                    <article class="history-item">
                                        <p class="history-meta">
                                            {t!(
                                                i18n,
                                                order.history.meta,
                                                <b> = <strong />,
                                                <data> = <span translate="no" />,
                            <who> = <span />,
                                                when = r.requested_at_display.clone(),
                                                actor = r.actor.clone(),
                                                reason = r.reason.clone()
                                            )}
                                        </p>
                                        <CancelOutcome request=r.clone() />
                                        <AttemptsTable attempts=r.attempts />
                                    </article>
                                }
                            })
                            .collect_view()
                            .into_any(),
                        Err(_) => view! { <p class="subtle">{tu_string!(i18n, order.history.load_failed)}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
        <section class="panel" data-testid="refund-history">
            <h2>{tu_string!(i18n, order.refunds.title)}</h2>
            <Suspense fallback=move || view! { <p class="loading">{tu_string!(i18n, order.refunds.loading)}</p> }>
                {move || Suspend::new(async move {
                    match refunds.await {
                        Ok(history) => view! { <RefundList history /> }.into_any(),
                        Err(_) => view! { <p class="subtle">{tu_string!(i18n, order.refunds.load_failed)}</p> }.into_any(),
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
    let i18n = use_i18n();
    let open = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let amount = display_amount(order.amount, &order.currency);
    let reference = order.partner_reference_no.clone();
    let problem = move || {
        cancel
            .value()
            .get()
            .and_then(Result::err)
            .map(|err| err.message_in(crate::language::current()))
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
                        <h2>{tu_string!(i18n, order.cancel.title)}</h2>
                        <p class="subtle">{tu_string!(i18n, order.cancel.intro)}</p>
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
                        {tu_string!(i18n, order.cancel.open)}
                    </button>
                </div>
            </div>
            <div class:hidden=move || !open.get()>
                <ActionForm action=cancel attr:class="cancel-form">
                    <h2>{tu_string!(i18n, order.cancel.confirm_title)}</h2>
                    <p class="confirm-line">
                        {t!(
                            i18n,
                            order.cancel.confirm_line,
                            <mono> = <span class="mono" />,
                            <b> = <strong />,
                            reference = reference.clone(),
                            amount = amount.clone(),
                            customer = or_dash(order.customer_name.clone())
                        )}
                    </p>
                    <input type="hidden" name="partner_reference_no" value=reference.clone() />
                    <label class="field">
                        <span>{tu_string!(i18n, order.cancel.reason_label)}</span>
                        <textarea
                            name="reason"
                            node_ref=reason_box
                            rows="2"
                            maxlength="256"
                            required
                            placeholder=tu_string!(i18n, order.cancel.reason_placeholder)
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
                            {move || {
                                if cancel.pending().get() {
                                    t_string!(i18n, order.asking_dana)
                                } else {
                                    t_string!(i18n, order.cancel.confirm)
                                }
                            }}
                        </button>
                        <button
                            type="button"
                            class="button button-secondary"
                            on:click=move |_| {
                                open.set(false);
                                focus_after_render(open_button);
                            }
                        >
                            {tu_string!(i18n, order.cancel.keep)}
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
    let i18n = use_i18n();
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
    let title_reference = order.partner_reference_no.clone();
    let never_paid = order.status.never_paid();
    let source = order.source;
    let last_source = order.last_source;
    view! {
        <Title text=move || t_string!(i18n, order.page_title, reference = title_reference.clone()) />
        <p class="crumbs">
            <a href="/orders">{tu_string!(i18n, order.back_to_orders)}</a>
        </p>
        <div class="page-head">
            <div>
                <p class="subtle small">{tu_string!(i18n, order.partner_reference)}</p>
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
                <h2>{tu_string!(i18n, order.facts.payment)}</h2>
                <dl class="facts">
                    <dt>{tu_string!(i18n, order.facts.amount)}</dt>
                    <dd>{display_amount(order.amount, &order.currency)}</dd>
                    <dt>{tu_string!(i18n, order.facts.amount_sent)}</dt>
                    <dd class="mono">{wire_amount}</dd>
                    <dt>
                        {move || {
                            if never_paid {
                                t_string!(i18n, order.facts.placed_at)
                            } else {
                                t_string!(i18n, order.facts.paid_at)
                            }
                        }}
                    </dt>
                    <dd>{order.paid_at_display}</dd>
                    <dt>{tu_string!(i18n, order.facts.dana_reference)}</dt>
                    <dd class="mono">{or_dash(order.reference_no)}</dd>
                    <dt>{tu_string!(i18n, order.facts.status)}</dt>
                    <dd>
                        <StatusBadge status=order.status />
                    </dd>
                </dl>
            </section>
            <section class="panel">
                <h2>{tu_string!(i18n, order.facts.customer)}</h2>
                <dl class="facts">
                    <dt>{tu_string!(i18n, order.facts.name)}</dt>
                    <dd>{or_dash(order.customer_name)}</dd>
                    <dt>{tu_string!(i18n, order.facts.phone)}</dt>
                    <dd>{or_dash(order.customer_phone_masked)}</dd>
                    <dt>{tu_string!(i18n, order.facts.item)}</dt>
                    <dd translate="no">{or_dash(order.item_description)}</dd>
                </dl>
            </section>
            <section class="panel">
                <h2>{tu_string!(i18n, order.facts.merchant)}</h2>
                <dl class="facts">
                    <dt>{tu_string!(i18n, order.facts.merchant_id)}</dt>
                    <dd class="mono">{order.merchant_id}</dd>
                    <dt>{tu_string!(i18n, order.facts.sub_merchant)}</dt>
                    <dd class="mono">{or_dash(order.sub_merchant_id)}</dd>
                    <dt>{tu_string!(i18n, order.facts.store)}</dt>
                    <dd class="mono">{or_dash(order.external_store_id)}</dd>
                </dl>
            </section>
            <section class="panel">
                <h2>{tu_string!(i18n, order.facts.record)}</h2>
                <dl class="facts">
                    <dt>{tu_string!(i18n, order.facts.created)}</dt>
                    <dd>{order.created_at_display}</dd>
                    <dt>{tu_string!(i18n, order.facts.last_updated)}</dt>
                    <dd>{order.updated_at_display}</dd>
                    <dt>{tu_string!(i18n, order.facts.came_from)}</dt>
                    <dd>{move || source.label_in(i18n.get_locale())}</dd>
                    <dt>{tu_string!(i18n, order.facts.last_written_by)}</dt>
                    <dd>
                        {move || last_source.label_in(i18n.get_locale())}
                        <span class="subtle small">{format!(", {}", order.last_source_at_display)}</span>
                    </dd>
                </dl>
            </section>
        </div>
    }
}
