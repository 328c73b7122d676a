//! `/approvals`: what waits for a second person (oldest first) with approve and
//! reject-with-note, and what was decided lately. Supervisors and admins; the server checks the
//! permission in every call, and nobody decides their own request.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::approvals::{
    ApprovalLists as Lists, ApproveRequest, RejectRequest, list_approvals,
};
use crate::approval::model::{ApprovalKind, ApprovalView, DecisionResult};
use crate::components::error_panel::RefusedPanel;
use crate::components::island::{Live, input_value};
use crate::error::AppError;
use crate::i18n::*;
use crate::orders::model::order_path;

#[derive(Clone, Copy)]
struct Actions {
    approve: ServerAction<ApproveRequest>,
    reject: ServerAction<RejectRequest>,
}

#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let i18n = use_i18n();
    let lists = Resource::new(|| (), |_| list_approvals());
    view! {
        <Title text=tu_string!(i18n, approvals.title) />
        <div class="page-head">
            <div>
                <h1>{tu_string!(i18n, approvals.heading)}</h1>
                <p class="subtle">{tu_string!(i18n, approvals.intro)}</p>
            </div>
        </div>
        <Suspense fallback=move || view! { <p class="loading">{tu_string!(i18n, approvals.loading)}</p> }>
            {move || Suspend::new(async move {
                match lists.await {
                    Ok(lists) => view! { <ApprovalLists lists /> }.into_any(),
                    Err(error) => view! { <Refused error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Why the lists cannot be shown: not an approver (403), or another error.
#[component]
fn Refused(error: AppError) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <RefusedPanel
            error
            testid="approvers-only"
            heading=tu_string!(i18n, approvals.approvers_only.heading)
            body=tu_string!(i18n, approvals.approvers_only.body)
        />
    }
}

/// What waits and what was decided (`lists`, as the server loaded them), reloaded after every
/// decision.
#[island(lazy)]
fn ApprovalLists(lists: Lists) -> impl IntoView {
    crate::components::island::enter_lazy("ApprovalLists");
    let i18n = use_i18n();
    let actions = Actions {
        approve: ServerAction::new(),
        reject: ServerAction::new(),
    };
    let lists = Live::new(Ok::<_, AppError>(lists));
    Effect::new(move |seen: Option<()>| {
        let _ = (
            actions.approve.version().get(),
            actions.reject.version().get(),
        );
        if seen.is_some() {
            lists.reload(list_approvals());
        }
    });
    // What the last decision did (DANA's answer after an approval), or why it was refused.
    let message = RwSignal::new(None::<Result<DecisionResult, String>>);
    for value in [actions.approve.value(), actions.reject.value()] {
        Effect::new(move |_| {
            if let Some(result) = value.get() {
                message.set(Some(
                    result.map_err(|e| e.message_in(crate::language::current())),
                ));
            }
        });
    }
    view! {
        {move || message.get().map(|m| match m {
            Ok(done) => view! {
                <div class=format!("flash flash-{}", done.tone) role="status" data-testid="approval-message">
                    <a class="mono" href=order_path(&done.reference)>{done.reference.clone()}</a>
                    ": " {done.message}
                </div>
            }.into_any(),
            Err(e) => view! { <p class="flash flash-failed" role="alert" data-testid="approval-message">{e}</p> }.into_any(),
        })}
        {move || {
            match lists.get() {
                Err(error) => view! { <Refused error /> }.into_any(),
                Ok(lists) => {
                    let threshold = lists.threshold_display.clone();
                    let rule = move || match threshold.clone() {
                        None => t_string!(i18n, approvals.rule_off).to_string(),
                        Some(t) => t_string!(i18n, approvals.rule, threshold = t).to_string(),
                    };
                    let count = lists.waiting.len();
                    let heading = move || match count {
                        0 => t_string!(i18n, approvals.nothing_waits).to_string(),
                        1 => t_string!(i18n, approvals.one_waits).to_string(),
                        n => t_string!(i18n, approvals.several_wait, total = n).to_string(),
                    };
                    view! {
                        <section class="panel" data-testid="approvals-waiting">
                            <h2>{heading}</h2>
                            <p class="subtle small">{rule}</p>
                            {(count == 0).then(move || view! { <p class="empty subtle">{tu_string!(i18n, approvals.empty)}</p> })}
                            <div class="approval-list">
                                {lists.waiting.into_iter().map(|a| view! { <WaitingCard approval=a actions /> }).collect_view()}
                            </div>
                        </section>
                        <DecidedTable decided=lists.decided />
                    }.into_any()
                }
            }
        }}
    }
}

fn what(a: &ApprovalView, locale: Locale) -> String {
    match a.kind {
        ApprovalKind::Cancel | ApprovalKind::Refund => a.kind.label_in(locale).to_string(),
        _ => td_string!(
            locale,
            approvals.what_resolve,
            kind = a.kind.label_in(locale),
            resolution = crate::approval::model::resolution_label(
                a.resolution.as_deref().unwrap_or_default(),
                locale
            )
        )
        .to_string(),
    }
}

#[component]
fn WaitingCard(approval: ApprovalView, actions: Actions) -> impl IntoView {
    let i18n = use_i18n();
    let a = approval;
    let id = a.id.to_string();
    let note_id = format!("reject-note-{}", a.id);
    let by_hand = !matches!(a.kind, ApprovalKind::Cancel | ApprovalKind::Refund);
    let why = move || {
        if by_hand {
            t_string!(i18n, approvals.why_confirmed)
        } else {
            t_string!(i18n, approvals.why_reason)
        }
    };
    let what_text = {
        let a = a.clone();
        move || what(&a, i18n.get_locale())
    };
    let waiting_since = {
        let (age, since) = (a.age_display.clone(), a.requested_at_display.clone());
        move || {
            t_string!(
                i18n,
                approvals.waiting_since,
                age = age.clone(),
                since = since.clone()
            )
            .to_string()
        }
    };
    let decide = if a.mine {
        view! {
            <p class="subtle small" data-testid="own-request">
                {tu_string!(i18n, approvals.own_request)}
            </p>
        }
        .into_any()
    } else {
        let approval = a.id;
        let note = NodeRef::<leptos::html::Input>::new();
        // Sent by direct calls (`ActionForm` would bring form-data parsing into the download).
        let approve = move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            actions.approve.dispatch(ApproveRequest { id: approval });
        };
        let reject = move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            actions.reject.dispatch(RejectRequest {
                id: approval,
                note: input_value(note),
            });
        };
        let label_for = note_id.clone();
        let approve_url = <ApproveRequest as leptos::server_fn::ServerFn>::url();
        let reject_url = <RejectRequest as leptos::server_fn::ServerFn>::url();
        let approve_label = {
            let (number, reference) = (id.clone(), a.partner_reference_no.clone());
            move || {
                t_string!(
                    i18n,
                    approvals.approve_label,
                    number = number.clone(),
                    reference = reference.clone()
                )
                .to_string()
            }
        };
        view! {
            <div class="approval-actions">
                <form method="post" action=approve_url on:submit=approve>
                    <button
                        type="submit"
                        class="button"
                        aria-label=approve_label
                        disabled=move || actions.approve.pending().get()
                    >
                        {move || if actions.approve.pending().get() { t_string!(i18n, approvals.working) } else { t_string!(i18n, approvals.approve) }}
                    </button>
                </form>
                <form method="post" action=reject_url class="reject-form" on:submit=reject>
                    <label class="field field-grow" for=label_for>
                        <span>{tu_string!(i18n, approvals.reject_why)}</span>
                        <input id=note_id type="text" name="note" node_ref=note required maxlength="500" placeholder=tu_string!(i18n, approvals.reject_placeholder) />
                    </label>
                    <button type="submit" class="button button-secondary" disabled=move || actions.reject.pending().get()>
                        {tu_string!(i18n, approvals.reject)}
                    </button>
                </form>
            </div>
        }
        .into_any()
    };
    view! {
        <article class="approval-card" data-testid="approval-card" data-reference=a.partner_reference_no.clone()>
            <div class="approval-head">
                <div>
                    <p class="subtle small">{what_text}</p>
                    <a class="mono approval-ref" href=order_path(&a.partner_reference_no)>{a.partner_reference_no.clone()}</a>
                </div>
                <div class="amount-big">{a.amount_display.clone()}</div>
            </div>
            <dl class="facts">
                <dt>{why}</dt>
                <dd translate="no">{format!("\u{201c}{}\u{201d}", a.reason)}</dd>
                <dt>{tu_string!(i18n, approvals.asked_by)}</dt>
                <dd>{a.requested_by.clone()}</dd>
                <dt>{tu_string!(i18n, approvals.waiting)}</dt>
                <dd>{waiting_since}</dd>
                <dt>{tu_string!(i18n, approvals.expires)}</dt>
                <dd>{a.expires_at_display.clone()}</dd>
            </dl>
            {decide}
        </article>
    }
}

#[component]
fn DecidedTable(decided: Vec<ApprovalView>) -> impl IntoView {
    let i18n = use_i18n();
    if decided.is_empty() {
        return ().into_any();
    }
    let rows = decided
        .into_iter()
        .map(move |a| {
            let badge = match a.state {
                crate::approval::model::ApprovalState::Approved => "badge badge-success",
                crate::approval::model::ApprovalState::Rejected => "badge badge-failed",
                _ => "badge badge-muted",
            };
            let state = a.state;
            let what_text = {
                let a = a.clone();
                move || what(&a, i18n.get_locale())
            };
            view! {
                <tr data-testid="decided-row">
                    <td class="nowrap">{a.decided_at_display.clone().unwrap_or_default()}</td>
                    <td><a class="mono" href=order_path(&a.partner_reference_no)>{a.partner_reference_no.clone()}</a></td>
                    <td>{what_text}</td>
                    <td class="num nowrap">{a.amount_display.clone()}</td>
                    <td>{a.requested_by.clone()}</td>
                    <td><span class=badge>{move || state.label_in(i18n.get_locale())}</span></td>
                    <td>{a.decided_by.clone().unwrap_or_else(|| "\u{2014}".into())}</td>
                    <td translate="no">{a.decision_note.clone().unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel">
            <h2>{tu_string!(i18n, approvals.decided.heading)}</h2>
            <div class="table-scroll" tabindex="0" role="region" aria-label=tu_string!(i18n, approvals.decided.label)>
                <table class="orders" data-testid="approvals-decided">
                    <thead>
                        <tr>
                            <th>{tu_string!(i18n, approvals.decided.when)}</th>
                            <th>{tu_string!(i18n, approvals.decided.order)}</th>
                            <th>{tu_string!(i18n, approvals.decided.request)}</th>
                            <th class="num">{tu_string!(i18n, approvals.decided.amount)}</th>
                            <th>{tu_string!(i18n, approvals.decided.asked_by)}</th>
                            <th>{tu_string!(i18n, approvals.decided.decision)}</th>
                            <th>{tu_string!(i18n, approvals.decided.by)}</th>
                            <th>{tu_string!(i18n, approvals.decided.note)}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}
