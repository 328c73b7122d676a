//! Refunding an order from its page: the amount and reason, a confirm step that names the order,
//! the amount and what remains refundable, DANA's answer in plain words, and the order's refunds.
//!
//! The forms are the server's HTML; the page's live region (`live_region`) sends them, moves
//! between their steps and puts in the confirm step, which the server renders from its own
//! check of the amount ([`RefundConfirm`]).

use leptos::prelude::*;

use crate::api::refund::{OrderRefunds, RefundOrder, RefundReviewView};
use crate::cancel::model::MAX_REASON_CHARS;
use crate::components::island::url;
use crate::dana::catalog::Outcome;
use crate::i18n::*;
use crate::money::Money;
use crate::refund::model::RefundTotals;
use crate::refund::model::{RefundState, RefundView};

/// The element the confirm step is put into.
pub const CONFIRM_STEP: &str = "refund-confirm-step";

/// Amount and reason, then a confirm step; `offer` opens it at once with a word on why (DANA
/// answered that the cancel window has passed). `reference` names the order; `totals` are its
/// refunds so far. "Review refund" asks the server to check the amount (`review`, the URL of
/// the server function that renders the confirm step).
#[component]
pub fn RefundPanel(
    reference: String,
    totals: RefundTotals,
    offer: bool,
    review: &'static str,
) -> impl IntoView {
    let i18n = use_i18n();
    let amount = Money::from_minor(totals.refundable_minor)
        .map(Money::input_idr)
        .unwrap_or_default();
    let any_refunded = totals.refunded_minor > 0;
    view! {
        <section class="panel refund-panel" data-testid="refund-panel">
            <div id="refund-intro" class="cancel-intro" data-step hidden=offer>
                <div>
                    <h2>{tu_string!(i18n, order.refund.title)}</h2>
                    <p class="subtle">
                        {t!(i18n, order.refund.intro, amount = totals.refundable_display.clone())}
                        {any_refunded
                            .then(|| t!(i18n, order.refund.already_refunded, amount = totals.refunded_display.clone()))}
                    </p>
                </div>
                <button type="button" class="button" data-go="refund-form">
                    {tu_string!(i18n, order.refund.open)}
                </button>
            </div>
            <div id="refund-form" data-step hidden=!offer>
                {offer.then(|| view! {
                    <p class="offer" data-testid="refund-offer">
                        {t!(i18n, order.refund.offer, <b> = <strong />)}
                    </p>
                })}
                <form method="post" action=review data-live data-into=CONFIRM_STEP>
                    <input type="hidden" name="partner_reference_no" value=reference />
                    <h2>{tu_string!(i18n, order.refund.form_title)}</h2>
                    <div class="refund-fields">
                        <label class="field">
                            <span>{tu_string!(i18n, order.refund.amount_label)}</span>
                            <input
                                type="text"
                                inputmode="decimal"
                                name="amount"
                                autocomplete="off"
                                required
                                value=amount
                            />
                            <span class="subtle small">
                                {t!(i18n, order.refund.at_most, amount = totals.refundable_display)}
                            </span>
                        </label>
                        <label class="field">
                            <span>{tu_string!(i18n, order.refund.reason_label)}</span>
                            <textarea
                                name="reason"
                                rows="2"
                                maxlength=MAX_REASON_CHARS.to_string()
                                required
                                placeholder=tu_string!(i18n, order.refund.reason_placeholder)
                            ></textarea>
                        </label>
                    </div>
                    <p class="form-error" role="alert" data-error></p>
                    <div class="filter-actions">
                        <button type="submit" class="button">
                            {tu_string!(i18n, order.refund.review)}
                        </button>
                        <button type="button" class="button button-secondary" data-go="refund-intro">
                            {tu_string!(i18n, order.refund.close)}
                        </button>
                    </div>
                </form>
            </div>
            <div id=CONFIRM_STEP data-step hidden></div>
        </section>
    }
}

/// The confirm step of a refund the server checked: what is refunded of which order, what
/// remains, the reason, and whether it waits for a second person. Its form sends the refund;
/// the page then loads anew with `?done=refund` and DANA's answer on top.
#[component]
pub fn RefundConfirm(review: RefundReviewView) -> impl IntoView {
    let i18n = use_i18n();
    let then = format!(
        "{}?done=refund",
        crate::orders::model::order_path(&review.partner_reference_no)
    );
    view! {
        <form class="cancel-form" method="post" action={url::<RefundOrder>()} data-live data-then=then>
            <input type="hidden" name="partner_reference_no" value=review.partner_reference_no.clone() />
            <input type="hidden" name="amount" value=review.amount_input />
            <input type="hidden" name="reason" value=review.reason.clone() />
            // The focus lands here, so the step is read before its button.
            <h2 tabindex="-1" data-focus>{tu_string!(i18n, order.refund.confirm_title)}</h2>
            <p class="confirm-line" data-testid="refund-confirm">
                {t!(
                    i18n,
                    order.refund.confirm_line,
                    <b> = <strong />,
                    <mono> = <span class="mono" />,
                    amount = review.amount_display,
                    reference = review.partner_reference_no,
                    customer = review.customer
                )}
                <span class="subtle">
                    {t!(i18n, order.refund.afterwards, amount = review.refundable_after_display)}
                </span>
            </p>
            <p class="subtle small">
                {t!(i18n, order.reason_line, text = review.reason)}
            </p>
            {review.needs_approval.then(|| view! {
                <p class="offer" data-testid="refund-needs-approval">{tu_string!(i18n, order.refund.needs_approval)}</p>
            })}
            <p class="form-error" role="alert" data-error></p>
            <div class="filter-actions">
                <button type="submit" class="button" data-busy=tu_string!(i18n, order.asking_dana)>
                    {tu_string!(i18n, order.refund.confirm)}
                </button>
                <button type="button" class="button button-secondary" data-go="refund-form">
                    {tu_string!(i18n, order.refund.back)}
                </button>
            </div>
        </form>
    }
}

/// [`RefundConfirm`] as HTML, in the request's language.
#[cfg(feature = "ssr")]
pub fn confirm_step(review: RefundReviewView) -> String {
    crate::components::live_region::render(move || view! { <RefundConfirm review /> })
}

fn headline(state: RefundState, locale: Locale) -> &'static str {
    match state {
        RefundState::Succeeded => td_string!(locale, order.refund.refunded),
        RefundState::Failed => td_string!(locale, order.refund.not_refunded),
        RefundState::InFlight | RefundState::Pending => {
            td_string!(locale, order.refund.not_settled)
        }
    }
}

/// One refund: DANA's answer in plain words, and what happens next.
#[component]
pub fn RefundOutcome(refund: RefundView) -> impl IntoView {
    let i18n = use_i18n();
    let entry = refund.entry();
    let tone = refund.state.tone();
    let state = refund.state;
    view! {
        <div class=format!("outcome outcome-{tone}") role="status" data-testid="refund-outcome" data-code=entry.map(|e| e.code)>
            <div class="outcome-head">
                <strong class="outcome-title">{move || headline(state, i18n.get_locale())} " · " {refund.amount_display.clone()}</strong>
                {entry.map(|e| view! { <span class="mono outcome-code">{e.code}" · "<span lang="en">{e.message}</span></span> })}
            </div>
            {entry.map(|e| view! { <p class="outcome-explanation">{move || e.explanation_in(i18n.get_locale())}</p> })}
            {entry.filter(|e| e.outcome == Outcome::Failed).map(|e| view! {
                <p class="outcome-next">
                    <strong>{tu_string!(i18n, order.next_step)}</strong>
                    {move || e.retry.label_in(i18n.get_locale())}
                </p>
            })}
            {refund.refund_no.clone().map(|no| view! {
                <p class="subtle small">
                    {t!(i18n, order.refund.dana_number, <mono> = <span class="mono" />, number = no)}
                    {refund.refund_time.clone().map(|t| format!(" · {t}"))}
                </p>
            })}
            {refund.next_attempt_display.clone().map(|n| view! {
                <p class="outcome-next">
                    <strong>{tu_string!(i18n, order.keeps_trying)}</strong>
                    {t!(i18n, order.refund.next_try, next = n)}
                </p>
            })}
            {refund.attention.clone().map(|a| view! {
                <p class="outcome-next"><strong>{tu_string!(i18n, order.needs_person)}</strong><span lang=a.lang>{a.text}</span></p>
            })}
            {refund.resolution_note.clone().map(|note| view! {
                <p class="outcome-next">
                    <strong>{tu_string!(i18n, order.resolved_by_hand)}</strong>
                    {refund.resolved_by.clone().map(|by| t!(i18n, order.resolved_by, who = by))}
                    ": " {note}
                </p>
            })}
        </div>
    }
    .into_any()
}

/// The order's refunds, newest first.
#[component]
pub fn RefundList(history: OrderRefunds) -> impl IntoView {
    let i18n = use_i18n();
    if history.refunds.is_empty() {
        return view! { <p class="subtle">{tu_string!(i18n, order.refunds.empty)}</p> }.into_any();
    }
    let totals = history.totals.clone();
    let items = history
        .refunds
        .into_iter()
        .map(|r| {
            view! {
                <article class="history-item" data-testid="refund-item">
                    <p class="history-meta">
                        {t!(
                            i18n,
                            order.refunds.meta,
                            <b> = <strong />,
                            <mono> = <span class="mono small" />,
                            <data> = <span translate="no" />,
                            <who> = <span />,
                            when = r.requested_at_display.clone(),
                            actor = r.actor.clone(),
                            reason = r.reason.clone(),
                            number = r.partner_refund_no.clone()
                        )}
                    </p>
                    <RefundOutcome refund=r />
                </article>
            }
        })
        .collect_view();
    view! {
        <p class="refund-totals" data-testid="refund-totals">
            {t!(i18n, order.refunds.totals_refunded, <b> = <strong />, amount = totals.refunded_display)}
            {(totals.pending_minor > 0)
                .then(|| t!(i18n, order.refunds.totals_pending, amount = totals.pending_display))}
            {t!(i18n, order.refunds.totals_refundable, <b> = <strong />, amount = totals.refundable_display)}
        </p>
        {items}
    }
    .into_any()
}
