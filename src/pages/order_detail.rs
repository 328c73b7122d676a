//! `/orders/:reference`: everything about one order, cancelling or refunding it, and its cancel
//! and refund history.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::approvals::order_approvals;
use crate::api::cancel::{CancelOrder, cancel_history};
use crate::api::orders::get_order;
use crate::api::refund::{OrderRefunds, refund_history};
use crate::approval::model::{ApprovalState, ApprovalView};
use crate::auth::role::Permission;
use crate::cancel::model::{CancelRequestView, MAX_REASON_CHARS};
use crate::components::approval::ApprovalNotice;
use crate::components::cancel_outcome::{AttemptsTable, CancelOutcome};
use crate::components::error_panel::ErrorPanel;
use crate::components::island::url;
use crate::components::layout::Me;
use crate::components::live_region::{LiveRegion, Source};
use crate::components::refund::{RefundList, RefundOutcome, RefundPanel};
use crate::components::status_badge::StatusBadge;
use crate::components::unknown::or_dash;
use crate::error::AppError;
use crate::i18n::*;
use crate::orders::model::{OrderDetail, OrderStatus, display_amount, order_path};
use crate::refund::model::RefundTotals;

#[component]
pub fn OrderDetailPage() -> impl IntoView {
    let i18n = use_i18n();
    let reference = use_params_map().with_untracked(|p| p.get("reference").unwrap_or_default());
    // After a cancel or a refund the island loads the page anew with `?done=`: the server shows
    // what just happened at the top, above the order as it is now.
    let done = use_query_map()
        .with_untracked(|q| q.get("done"))
        .and_then(|d| Done::parse(&d));
    let order = Resource::new(
        {
            let r = reference.clone();
            move || r.clone()
        },
        get_order,
    );
    let history = Resource::new(
        {
            let r = reference.clone();
            move || r.clone()
        },
        cancel_history,
    );
    let refunds = Resource::new(
        {
            let r = reference.clone();
            move || r.clone()
        },
        refund_history,
    );
    let approvals = Resource::new(move || reference.clone(), order_approvals);
    view! {
        <Suspense fallback=move || view! { <p class="loading">{tu_string!(i18n, order.loading)}</p> }>
            {move || Suspend::new(async move {
                match order.await {
                    Ok(order) => view! { <OrderView order done refunds history approvals /> }.into_any(),
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

/// Asks for a reason, shows what will be cancelled, and sends the cancel (the page's live
/// region moves between the steps and sends the form); the page then loads anew with
/// `?done=cancel` and DANA's answer on top.
#[component]
fn CancelPanel(order: OrderFacts) -> impl IntoView {
    let i18n = use_i18n();
    let then = format!(
        "{}?done={}",
        order_path(&order.reference),
        Done::Cancel.as_str()
    );
    view! {
        <section class="panel cancel-panel" data-testid="cancel-panel">
            <div id="cancel-intro" class="cancel-intro" data-step>
                <div>
                    <h2>{tu_string!(i18n, order.cancel.title)}</h2>
                    <p class="subtle">{tu_string!(i18n, order.cancel.intro)}</p>
                </div>
                <button type="button" class="button button-danger" data-go="cancel-confirm">
                    {tu_string!(i18n, order.cancel.open)}
                </button>
            </div>
            <div id="cancel-confirm" data-step hidden>
                <form class="cancel-form" method="post" action={url::<CancelOrder>()} data-live data-then=then>
                    <input type="hidden" name="partner_reference_no" value=order.reference.clone() />
                    <h2>{tu_string!(i18n, order.cancel.confirm_title)}</h2>
                    <p class="confirm-line">
                        {t!(
                            i18n,
                            order.cancel.confirm_line,
                            <mono> = <span class="mono" />,
                            <b> = <strong />,
                            reference = order.reference,
                            amount = order.amount,
                            customer = order.customer
                        )}
                    </p>
                    <label class="field">
                        <span>{tu_string!(i18n, order.cancel.reason_label)}</span>
                        <textarea
                            name="reason"
                            rows="2"
                            maxlength=MAX_REASON_CHARS.to_string()
                            required
                            placeholder=tu_string!(i18n, order.cancel.reason_placeholder)
                            data-counter="cancel-reason-count"
                        ></textarea>
                    </label>
                    <div id="cancel-reason-count" class="counter">{format!("0/{MAX_REASON_CHARS}")}</div>
                    <p class="form-error" role="alert" data-error></p>
                    <div class="filter-actions">
                        <button type="submit" class="button button-danger" data-busy=tu_string!(i18n, order.asking_dana)>
                            {tu_string!(i18n, order.cancel.confirm)}
                        </button>
                        <button type="button" class="button button-secondary" data-go="cancel-intro">
                            {tu_string!(i18n, order.cancel.keep)}
                        </button>
                    </div>
                </form>
            </div>
        </section>
    }
}

/// What the cancel and refund forms show of the order.
#[derive(Clone, Debug)]
struct OrderFacts {
    reference: String,
    /// As staff read it (`Rp 150.000,00`).
    amount: String,
    /// The customer's name, or a dash.
    customer: String,
}

/// What a page load after a cancel or a refund shows at the top (`?done=`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Done {
    Cancel,
    Refund,
}

impl Done {
    fn parse(value: &str) -> Option<Self> {
        match value {
            "cancel" => Some(Self::Cancel),
            "refund" => Some(Self::Refund),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Cancel => "cancel",
            Self::Refund => "refund",
        }
    }
}

#[component]
fn OrderView(
    order: OrderDetail,
    done: Option<Done>,
    refunds: Resource<Result<OrderRefunds, AppError>>,
    history: Resource<Result<Vec<CancelRequestView>, AppError>>,
    approvals: Resource<Result<Vec<ApprovalView>, AppError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let me = use_context::<Me>();
    let refund_order = order.clone();
    let cancellable = matches!(order.status, OrderStatus::Paid | OrderStatus::CancelFailed);
    let amount = display_amount(order.amount, &order.currency);
    let wire_amount = format!("{} {}", order.amount.to_wire(), order.currency);
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
        <Suspense fallback=|| ()>
            {move || {
                let order = refund_order.clone();
                Suspend::new(async move {
                let (Ok(refunds), Ok(cancels)) = (refunds.await, history.await) else {
                    return ().into_any();
                };
                let role = match me {
                    Some(me) => me.await.ok().and_then(|s| s.user).map(|u| u.role),
                    None => None,
                };
                let may = |permission| role.is_some_and(|r| r.can(permission));
                // What was just done: the latest cancel or refund, as DANA answered it. It takes
                // the focus, so a keyboard or screen-reader user who confirmed is on DANA's answer.
                let just_done = match done {
                    Some(Done::Cancel) => cancels.first().cloned().map(|request| {
                        view! { <div class="just-done" tabindex="-1" autofocus><CancelOutcome request /></div> }.into_any()
                    }),
                    Some(Done::Refund) => refunds.refunds.first().cloned().map(|refund| {
                        view! { <div class="just-done" tabindex="-1" autofocus><RefundOutcome refund /></div> }.into_any()
                    }),
                    None => None,
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
                let can_cancel = free && cancellable && may(Permission::CancelOrder) && done != Some(Done::Cancel);
                // DANA answered the latest cancel with "Transaction Expired": offer a refund.
                let offer = cancels
                    .first()
                    .and_then(|c| c.entry())
                    .is_some_and(|e| e.code == "4035700");
                let show = free
                    && refunds.order_status.refundable()
                    && refunds.totals.refundable_minor > 0
                    && may(Permission::RefundOrder);
                let refund = show.then_some(refunds.totals);
                let order = OrderFacts {
                    reference: order.partner_reference_no.clone(),
                    amount: display_amount(order.amount, &order.currency),
                    customer: or_dash(order.customer_name.clone()),
                };
                let actions = (can_cancel || refund.is_some())
                    .then(|| view! { <OrderActions order can_cancel refund offer /> });
                view! {
                    {just_done}
                    {waiting.map(|approval| view! { <ApprovalNotice approval /> })}
                    {closed.map(|approval| view! { <ApprovalNotice approval /> })}
                    {actions}
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

/// The element the cancel and refund forms are in.
const ACTIONS: &str = "order-actions";

/// The cancel and refund forms, as the server renders them, and the live region's island that
/// sends them. Once one went through (or waits for approval), the page loads anew with
/// `?done=` and shows it, the order and its history as they are now.
#[component]
fn OrderActions(
    order: OrderFacts,
    can_cancel: bool,
    refund: Option<RefundTotals>,
    offer: bool,
) -> impl IntoView {
    let reference = order.reference.clone();
    let cancel_panel = can_cancel.then(|| view! { <CancelPanel order /> });
    let refund_panel = refund.map(|totals| {
        view! { <RefundPanel reference totals offer review={url::<RefundConfirmStep>()} /> }
    });
    view! {
        <LiveRegion
            region=ACTIONS.to_string()
            source=Source::default()
            poll=Source::default()
            every_ms=0
            testid="order-message".to_string()
        />
        <div id=ACTIONS>
            {cancel_panel}
            {refund_panel}
        </div>
    }
}

/// "Review refund": the refund's confirm step, rendered from the server's check of it (finance
/// and admin), or why it would be refused.
#[server(prefix = "/api", endpoint = "orders/refund/confirm-step")]
pub async fn refund_confirm_step(
    partner_reference_no: String,
    amount: String,
    reason: String,
) -> Result<String, AppError> {
    let review = crate::api::refund::review_refund(partner_reference_no, amount, reason).await?;
    Ok(crate::components::refund::confirm_step(review))
}
