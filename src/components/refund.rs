//! Refunding an order from its page: the amount and reason, a confirm step that names the order,
//! the amount and what remains refundable, DANA's answer in plain words, and the order's refunds.

use leptos::prelude::*;

use crate::api::refund::{OrderRefunds, RefundOrder};
use crate::components::unknown::or_dash;
use crate::dana::catalog::Outcome;
use crate::error::AppError;
use crate::money::Money;
use crate::orders::model::OrderDetail;
use crate::refund::model::{RefundState, RefundView};

/// `150000` minor units as staff type it back: `1.500`.
fn rupiah_input(minor: i64) -> String {
    let display = Money::from_minor(minor)
        .map(|m| m.display_idr())
        .unwrap_or_default();
    let text = display.trim_start_matches("Rp ");
    text.strip_suffix(",00").unwrap_or(text).to_string()
}

fn describe(err: &AppError) -> String {
    match err {
        AppError::InvalidInput { field, message } => format!("{field}: {message}"),
        other => other.to_string(),
    }
}

/// Amount and reason, then a confirm step; `offer` opens it at once with a word on why (DANA
/// answered that the cancel window has passed).
#[component]
pub fn RefundPanel(
    order: OrderDetail,
    history: OrderRefunds,
    refund: ServerAction<RefundOrder>,
    offer: bool,
) -> impl IntoView {
    let refundable = history.totals.refundable_minor;
    let open = RwSignal::new(offer);
    let confirming = RwSignal::new(false);
    let amount = RwSignal::new(rupiah_input(refundable));
    let reason = RwSignal::new(String::new());
    let reference = order.partner_reference_no.clone();
    let customer = or_dash(order.customer_name.clone());
    // The amount as typed, checked here before the confirm step (the server checks it again).
    let parsed = move || -> Result<Money, String> {
        let money = Money::parse_rupiah(&amount.get())
            .map_err(|_| "Type the amount in rupiah, such as 150000 or 150.000.".to_string())?;
        if money.minor() == 0 {
            return Err("The amount must be more than Rp 0.".into());
        }
        if money.minor() > refundable {
            return Err(format!(
                "At most {} remains refundable.",
                Money::from_minor(refundable)
                    .map(|m| m.display_idr())
                    .unwrap_or_default()
            ));
        }
        Ok(money)
    };
    let problem = move || {
        refund
            .value()
            .get()
            .and_then(Result::err)
            .map(|err| describe(&err))
    };
    let after = move || {
        parsed()
            .ok()
            .and_then(|m| Money::from_minor(refundable - m.minor()).ok())
            .map(|m| m.display_idr())
            .unwrap_or_default()
    };
    let refundable_display = history.totals.refundable_display.clone();
    let refunded_display = history.totals.refunded_display.clone();
    let any_refunded = history.totals.refunded_minor > 0;
    view! {
        <section class="panel refund-panel" data-testid="refund-panel">
            <div class:hidden=move || open.get()>
                <div class="cancel-intro">
                    <div>
                        <h2>"Refund this order"</h2>
                        <p class="subtle">
                            "DANA returns all or part of the payment to the customer's DANA balance. "
                            {format!("Refundable: {refundable_display}")}
                            {any_refunded.then(|| format!(" (already refunded: {refunded_display})"))}
                        </p>
                    </div>
                    <button type="button" class="button" on:click=move |_| open.set(true)>"Refund…"</button>
                </div>
            </div>
            <div class:hidden=move || !open.get()>
                {offer.then(|| view! {
                    <p class="offer" data-testid="refund-offer">
                        <strong>"DANA can no longer cancel this payment: its cancel window has passed. "</strong>
                        "You can refund it instead."
                    </p>
                })}
                <div class:hidden=move || confirming.get()>
                    <h2>"Refund"</h2>
                    <div class="refund-fields">
                        <label class="field">
                            <span>"Amount in rupiah"</span>
                            <input
                                type="text"
                                inputmode="decimal"
                                name="refund_amount_input"
                                autocomplete="off"
                                prop:value=move || amount.get()
                                on:input=move |ev| amount.set(event_target_value(&ev))
                            />
                            <span class="subtle small">{format!("At most {refundable_display}")}</span>
                        </label>
                        <label class="field">
                            <span>"Reason for the refund (required, sent to DANA)"</span>
                            <textarea
                                name="refund_reason_input"
                                rows="2"
                                maxlength="256"
                                placeholder="e.g. Goods returned damaged"
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
                            "Review refund"
                        </button>
                        <button type="button" class="button button-secondary" on:click=move |_| open.set(false)>
                            "Close"
                        </button>
                    </div>
                </div>
                <div class:hidden=move || !confirming.get()>
                    <ActionForm action=refund attr:class="cancel-form">
                        <h2>"Confirm the refund"</h2>
                        <p class="confirm-line" data-testid="refund-confirm">
                            "Refund "
                            <strong>{move || parsed().map(|m| m.display_idr()).unwrap_or_default()}</strong>
                            " of order "
                            <span class="mono">{reference.clone()}</span>
                            " to "
                            {customer.clone()}
                            "? "
                            <span class="subtle">{move || format!("Afterwards {} remains refundable.", after())}</span>
                        </p>
                        <p class="subtle small">{move || format!("Reason: \u{201c}{}\u{201d}", reason.get().trim())}</p>
                        <input type="hidden" name="partner_reference_no" value=reference.clone() />
                        <input type="hidden" name="amount" prop:value=move || amount.get() />
                        <input type="hidden" name="reason" prop:value=move || reason.get() />
                        {move || problem().map(|p| view! { <p class="form-error" role="alert">{p}</p> })}
                        <div class="filter-actions">
                            <button type="submit" class="button" disabled=move || refund.pending().get()>
                                {move || if refund.pending().get() { "Asking DANA…" } else { "Confirm refund" }}
                            </button>
                            <button type="button" class="button button-secondary" on:click=move |_| confirming.set(false)>
                                "Back"
                            </button>
                        </div>
                    </ActionForm>
                </div>
            </div>
        </section>
    }
    .into_any()
}

fn headline(state: RefundState) -> &'static str {
    match state {
        RefundState::Succeeded => "Refunded by DANA",
        RefundState::Failed => "Not refunded",
        RefundState::InFlight | RefundState::Pending => "Refund not settled yet",
    }
}

/// One refund: DANA's answer in plain words, and what happens next.
#[component]
pub fn RefundOutcome(refund: RefundView) -> impl IntoView {
    let entry = refund.entry();
    let tone = refund.state.tone();
    view! {
        <div class=format!("outcome outcome-{tone}") role="status" data-testid="refund-outcome" data-code=entry.map(|e| e.code)>
            <div class="outcome-head">
                <strong class="outcome-title">{headline(refund.state)} " · " {refund.amount_display.clone()}</strong>
                {entry.map(|e| view! { <span class="mono outcome-code">{e.code}" · "{e.message}</span> })}
            </div>
            {entry.map(|e| view! { <p class="outcome-explanation">{e.explanation}</p> })}
            {entry.filter(|e| e.outcome == Outcome::Failed).map(|e| view! {
                <p class="outcome-next"><strong>"Next step: "</strong>{e.retry.label()}</p>
            })}
            {refund.refund_no.clone().map(|no| view! {
                <p class="subtle small">"DANA refund number " <span class="mono">{no}</span>
                    {refund.refund_time.clone().map(|t| format!(" · {t}"))}
                </p>
            })}
            {refund.next_attempt_display.clone().map(|n| view! {
                <p class="outcome-next">
                    <strong>"Cancel Desk keeps trying on its own: "</strong>
                    "next try " {n} " with the same refund number, so DANA never refunds twice."
                </p>
            })}
            {refund.attention.clone().map(|a| view! {
                <p class="outcome-next"><strong>"Needs a person: "</strong>{a}</p>
            })}
            {refund.resolution_note.clone().map(|note| view! {
                <p class="outcome-next">
                    <strong>"Resolved by hand"</strong>
                    {refund.resolved_by.clone().map(|by| format!(" by {by}"))}
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
    if history.refunds.is_empty() {
        return view! { <p class="subtle">"No refunds have been made for this order."</p> }
            .into_any();
    }
    let totals = history.totals.clone();
    let items = history
        .refunds
        .into_iter()
        .map(|r| {
            view! {
                <article class="history-item" data-testid="refund-item">
                    <p class="history-meta">
                        <strong>{r.requested_at_display.clone()}</strong>
                        " · "
                        {r.actor.clone()}
                        " · reason: \u{201c}"
                        {r.reason.clone()}
                        "\u{201d} · refund number "
                        <span class="mono small">{r.partner_refund_no.clone()}</span>
                    </p>
                    <RefundOutcome refund=r />
                </article>
            }
        })
        .collect_view();
    view! {
        <p class="refund-totals" data-testid="refund-totals">
            "Refunded " <strong>{totals.refunded_display}</strong>
            {(totals.pending_minor > 0).then(|| format!(" · pending {}", totals.pending_display))}
            " · refundable " <strong>{totals.refundable_display}</strong>
        </p>
        {items}
    }
    .into_any()
}
