//! `/approvals`: what waits for a second person (oldest first) with approve and
//! reject-with-note, and what was decided lately. Supervisors and admins; the server checks the
//! permission in every call, and nobody decides their own request.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::approvals::{ApproveRequest, RejectRequest, list_approvals};
use crate::approval::model::{ApprovalKind, ApprovalView, DecisionResult};
use crate::components::error_panel::ErrorPanel;
use crate::components::http_status::HttpStatus;
use crate::error::AppError;
use crate::orders::model::order_path;

#[derive(Clone, Copy)]
struct Actions {
    approve: ServerAction<ApproveRequest>,
    reject: ServerAction<RejectRequest>,
}

fn say(err: AppError) -> String {
    match err {
        AppError::InvalidInput { field, message } => format!("{field}: {message}"),
        other => other.to_string(),
    }
}

#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let actions = Actions {
        approve: ServerAction::new(),
        reject: ServerAction::new(),
    };
    let lists = Resource::new(
        move || {
            (
                actions.approve.version().get(),
                actions.reject.version().get(),
            )
        },
        |_| list_approvals(),
    );
    // What the last decision did (DANA's answer after an approval), or why it was refused.
    let message = RwSignal::new(None::<Result<DecisionResult, String>>);
    for value in [actions.approve.value(), actions.reject.value()] {
        Effect::new(move |_| {
            if let Some(result) = value.get() {
                message.set(Some(result.map_err(say)));
            }
        });
    }
    view! {
        <Title text="Approvals · Cancel Desk" />
        <div class="page-head">
            <div>
                <h1>"Approvals"</h1>
                <p class="subtle">"Large cancels and refunds, and every settling by hand, wait here for a second person. Nothing reaches DANA before one approves."</p>
            </div>
        </div>
        {move || message.get().map(|m| match m {
            Ok(done) => view! {
                <div class=format!("flash flash-{}", done.tone) role="status" data-testid="approval-message">
                    <a class="mono" href=order_path(&done.reference)>{done.reference.clone()}</a>
                    ": " {done.message}
                </div>
            }.into_any(),
            Err(e) => view! { <p class="flash flash-failed" role="alert" data-testid="approval-message">{e}</p> }.into_any(),
        })}
        <Transition fallback=|| view! { <p class="loading">"Loading requests…"</p> }>
            {move || Suspend::new(async move {
                match lists.await {
                    Err(AppError::Forbidden) => view! {
                        <HttpStatus code=403 />
                        <section class="panel notice notice-error" role="alert" data-testid="approvers-only">
                            <h2>"This page is for supervisors and admins"</h2>
                            <p>"Requests are approved by a supervisor or an admin. Your requests show on each order's page while they wait."</p>
                        </section>
                    }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    Ok(lists) => {
                        let rule = lists.threshold_display.clone().map_or_else(
                            || "No amount needs approval (the threshold is off); settling by hand always does.".to_string(),
                            |t| format!("Cancels and refunds of {t} need approval; settling by hand always does."),
                        );
                        let count = lists.waiting.len();
                        view! {
                            <section class="panel" data-testid="approvals-waiting">
                                <h2>{match count { 0 => "Nothing waits".to_string(), 1 => "1 request waits".to_string(), n => format!("{n} requests wait") }}</h2>
                                <p class="subtle small">{rule}</p>
                                {(count == 0).then(|| view! { <p class="empty subtle">"When someone asks for a large cancel or refund, or to settle one by hand, it appears here."</p> })}
                                <div class="approval-list">
                                    {lists.waiting.into_iter().map(|a| view! { <WaitingCard approval=a actions /> }).collect_view()}
                                </div>
                            </section>
                            <DecidedTable decided=lists.decided />
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

fn what(a: &ApprovalView) -> String {
    match a.kind {
        ApprovalKind::Cancel | ApprovalKind::Refund => a.kind.label().to_string(),
        _ => format!(
            "{} as \u{201c}{}\u{201d}",
            a.kind.label(),
            a.resolution.clone().unwrap_or_default()
        ),
    }
}

#[component]
fn WaitingCard(approval: ApprovalView, actions: Actions) -> impl IntoView {
    let a = approval;
    let id = a.id.to_string();
    let note_id = format!("reject-note-{}", a.id);
    let why = match a.kind {
        ApprovalKind::Cancel | ApprovalKind::Refund => "Reason sent to DANA",
        _ => "How it was confirmed",
    };
    let decide = if a.mine {
        view! {
            <p class="subtle small" data-testid="own-request">
                "You asked for this, so another supervisor or admin decides it."
            </p>
        }
        .into_any()
    } else {
        let (approve_id, reject_id) = (id.clone(), id.clone());
        let label_for = note_id.clone();
        let approve_label = format!("Approve request {} for {}", a.id, a.partner_reference_no);
        view! {
            <div class="approval-actions">
                <ActionForm action=actions.approve>
                    <input type="hidden" name="id" value=approve_id />
                    <button
                        type="submit"
                        class="button"
                        aria-label=approve_label
                        disabled=move || actions.approve.pending().get()
                    >
                        {move || if actions.approve.pending().get() { "Working…" } else { "Approve" }}
                    </button>
                </ActionForm>
                <ActionForm action=actions.reject attr:class="reject-form">
                    <input type="hidden" name="id" value=reject_id />
                    <label class="field field-grow" for=label_for>
                        <span>"Why reject (required)"</span>
                        <input id=note_id type="text" name="note" required maxlength="500" placeholder="e.g. Customer kept the goods" />
                    </label>
                    <button type="submit" class="button button-secondary" disabled=move || actions.reject.pending().get()>
                        "Reject"
                    </button>
                </ActionForm>
            </div>
        }
        .into_any()
    };
    view! {
        <article class="approval-card" data-testid="approval-card" data-reference=a.partner_reference_no.clone()>
            <div class="approval-head">
                <div>
                    <p class="subtle small">{what(&a)}</p>
                    <a class="mono approval-ref" href=order_path(&a.partner_reference_no)>{a.partner_reference_no.clone()}</a>
                </div>
                <div class="amount-big">{a.amount_display.clone()}</div>
            </div>
            <dl class="facts">
                <dt>{why}</dt>
                <dd>{format!("\u{201c}{}\u{201d}", a.reason)}</dd>
                <dt>"Asked by"</dt>
                <dd>{a.requested_by.clone()}</dd>
                <dt>"Waiting"</dt>
                <dd>{format!("{} (since {})", a.age_display, a.requested_at_display)}</dd>
                <dt>"Expires"</dt>
                <dd>{a.expires_at_display.clone()}</dd>
            </dl>
            {decide}
        </article>
    }
}

#[component]
fn DecidedTable(decided: Vec<ApprovalView>) -> impl IntoView {
    if decided.is_empty() {
        return ().into_any();
    }
    let rows = decided
        .into_iter()
        .map(|a| {
            let badge = match a.state {
                crate::approval::model::ApprovalState::Approved => "badge badge-success",
                crate::approval::model::ApprovalState::Rejected => "badge badge-failed",
                _ => "badge badge-muted",
            };
            view! {
                <tr data-testid="decided-row">
                    <td class="nowrap">{a.decided_at_display.clone().unwrap_or_default()}</td>
                    <td><a class="mono" href=order_path(&a.partner_reference_no)>{a.partner_reference_no.clone()}</a></td>
                    <td>{what(&a)}</td>
                    <td class="num nowrap">{a.amount_display.clone()}</td>
                    <td>{a.requested_by.clone()}</td>
                    <td><span class=badge>{a.state.label()}</span></td>
                    <td>{a.decided_by.clone().unwrap_or_else(|| "\u{2014}".into())}</td>
                    <td>{a.decision_note.clone().unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel">
            <h2>"Decided lately"</h2>
            <div class="table-scroll" tabindex="0" role="region" aria-label="Decided requests">
                <table class="orders" data-testid="approvals-decided">
                    <thead>
                        <tr>
                            <th>"Decided (WIB)"</th>
                            <th>"Order"</th>
                            <th>"Request"</th>
                            <th class="num">"Amount"</th>
                            <th>"Asked by"</th>
                            <th>"Decision"</th>
                            <th>"By"</th>
                            <th>"Note"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}
