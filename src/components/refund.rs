//! Refunding an order from its page: the amount and reason, a confirm step that names the order,
//! the amount and what remains refundable, DANA's answer in plain words, and the order's refunds.

use leptos::prelude::*;

use crate::api::refund::{OrderRefunds, RefundOrder};
use crate::components::form_post::Sending;
use crate::dana::catalog::Outcome;
use crate::i18n::*;
use crate::money::Money;
use crate::refund::model::RefundTotals;
use crate::refund::model::{RefundState, RefundView};

/// `150000` minor units as staff type it back: `1.500`.
fn rupiah_input(minor: i64) -> String {
    let display = Money::from_minor(minor)
        .map(|m| m.display_idr())
        .unwrap_or_default();
    let text = display.trim_start_matches("Rp ");
    text.strip_suffix(",00").unwrap_or(text).to_string()
}

/// Amount and reason, then a confirm step; `offer` opens it at once with a word on why (DANA
/// answered that the cancel window has passed).
/// `reference` and `customer` name the order in the confirm step; `totals` are its refunds so far.
#[component]
pub fn RefundPanel(
    reference: String,
    customer: String,
    totals: RefundTotals,
    refund: Sending,
    offer: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let refundable = totals.refundable_minor;
    let open = RwSignal::new(offer);
    let confirming = RwSignal::new(false);
    let amount = RwSignal::new(rupiah_input(refundable));
    let reason = RwSignal::new(String::new());
    // The amount as typed, checked here before the confirm step (the server checks it again).
    let parsed = move || -> Result<Money, String> {
        let money = Money::parse_rupiah(&amount.get())
            .map_err(|_| t_string!(i18n, order.refund.error_format).to_string())?;
        if money.minor() == 0 {
            return Err(t_string!(i18n, order.refund.error_not_positive).to_string());
        }
        if money.minor() > refundable {
            let max = Money::from_minor(refundable)
                .map(|m| m.display_idr())
                .unwrap_or_default();
            return Err(t_string!(i18n, order.refund.error_max, max = max));
        }
        Ok(money)
    };
    let problem = move || refund.problem.get();
    let after = move || {
        parsed()
            .ok()
            .and_then(|m| Money::from_minor(refundable - m.minor()).ok())
            .map(|m| m.display_idr())
            .unwrap_or_default()
    };
    let refundable_display = totals.refundable_display.clone();
    let refunded_display = totals.refunded_display.clone();
    let any_refunded = totals.refunded_minor > 0;
    let url = <RefundOrder as leptos::server_fn::ServerFn>::url();
    let submit = {
        let reference = reference.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            refund.send::<RefundOrder>(
                vec![
                    ("partner_reference_no", reference.clone()),
                    ("amount", amount.get_untracked()),
                    ("reason", reason.get_untracked()),
                ],
                format!(
                    "{}?done=refund",
                    crate::orders::model::order_path(&reference)
                ),
            );
        }
    };
    view! {
        <section class="panel refund-panel" data-testid="refund-panel">
            <div class:hidden=move || open.get()>
                <div class="cancel-intro">
                    <div>
                        <h2>{tu_string!(i18n, order.refund.title)}</h2>
                        <p class="subtle">
                            {t!(i18n, order.refund.intro, amount = refundable_display.clone())}
                            {any_refunded
                                .then(|| t!(i18n, order.refund.already_refunded, amount = refunded_display))}
                        </p>
                    </div>
                    <button type="button" class="button" on:click=move |_| open.set(true)>
                        {tu_string!(i18n, order.refund.open)}
                    </button>
                </div>
            </div>
            <div class:hidden=move || !open.get()>
                {offer.then(|| view! {
                    <p class="offer" data-testid="refund-offer">
                        {t!(i18n, order.refund.offer, <b> = <strong />)}
                    </p>
                })}
                <div class:hidden=move || confirming.get()>
                    <h2>{tu_string!(i18n, order.refund.form_title)}</h2>
                    <div class="refund-fields">
                        <label class="field">
                            <span>{tu_string!(i18n, order.refund.amount_label)}</span>
                            <input
                                type="text"
                                inputmode="decimal"
                                name="refund_amount_input"
                                autocomplete="off"
                                prop:value=move || amount.get()
                                on:input=move |ev| amount.set(event_target_value(&ev))
                            />
                            <span class="subtle small">
                                {t!(i18n, order.refund.at_most, amount = refundable_display)}
                            </span>
                        </label>
                        <label class="field">
                            <span>{tu_string!(i18n, order.refund.reason_label)}</span>
                            <textarea
                                name="refund_reason_input"
                                rows="2"
                                maxlength="256"
                                placeholder=tu_string!(i18n, order.refund.reason_placeholder)
                                prop:value=move || reason.get()
                                on:input=move |ev| reason.set(event_target_value(&ev))
                            ></textarea>
                        </label>
                    </div>
                    {move || (!amount.get().trim().is_empty()).then(|| parsed().err()).flatten().map(|p| view! { <p class="form-error" role="alert">{p}</p> })}
                    <div class="filter-actions">
                        <button
                            type="button"
                            class="button"
                            disabled=move || parsed().is_err() || reason.with(|r| r.trim().is_empty())
                            on:click=move |_| confirming.set(true)
                        >
                            {tu_string!(i18n, order.refund.review)}
                        </button>
                        <button type="button" class="button button-secondary" on:click=move |_| open.set(false)>
                            {tu_string!(i18n, order.refund.close)}
                        </button>
                    </div>
                </div>
                <div class:hidden=move || !confirming.get()>
                    <form class="cancel-form" method="post" action=url on:submit=submit>
                        <h2>{tu_string!(i18n, order.refund.confirm_title)}</h2>
                        <p class="confirm-line" data-testid="refund-confirm">
                            {t!(
                                i18n,
                                order.refund.confirm_line,
                                <b> = <strong />,
                                <mono> = <span class="mono" />,
                                amount = move || parsed().map(|m| m.display_idr()).unwrap_or_default(),
                                reference = reference.clone(),
                                customer = customer.clone()
                            )}
                            <span class="subtle">
                                {move || t_string!(i18n, order.refund.afterwards, amount = after())}
                            </span>
                        </p>
                        <p class="subtle small">
                            {move || t_string!(i18n, order.reason_line, text = reason.get().trim().to_string())}
                        </p>
                        {move || problem().map(|p| view! { <p class="form-error" role="alert">{p}</p> })}
                        <div class="filter-actions">
                            <button type="submit" class="button" disabled=move || refund.pending.get()>
                                {move || {
                                    if refund.pending.get() {
                                        t_string!(i18n, order.asking_dana)
                                    } else {
                                        t_string!(i18n, order.refund.confirm)
                                    }
                                }}
                            </button>
                            <button type="button" class="button button-secondary" on:click=move |_| confirming.set(false)>
                                {tu_string!(i18n, order.refund.back)}
                            </button>
                        </div>
                    </form>
                </div>
            </div>
        </section>
    }
    .into_any()
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
