//! `/users`: staff accounts, for admins. Add an account (its first password is shown once),
//! change a role, disable or enable, reset a password, end sessions. The server checks the role
//! in every call; other roles are told the page is for admins (403).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::users::{
    AddStaff, ChangeStaffRole, DisableStaff, EnableStaff, EndStaffSessions, OneTimePassword,
    ResetStaffPassword, StaffMember, list_staff,
};
use crate::auth::role::Role;
use crate::components::error_panel::ErrorPanel;
use crate::components::http_status::HttpStatus;
use crate::components::layout::role_label;
use crate::error::AppError;

#[derive(Clone, Copy)]
struct Actions {
    role: ServerAction<ChangeStaffRole>,
    disable: ServerAction<DisableStaff>,
    enable: ServerAction<EnableStaff>,
    reset: ServerAction<ResetStaffPassword>,
    end: ServerAction<EndStaffSessions>,
}

fn say(err: AppError) -> String {
    match err {
        AppError::InvalidInput { field, message } => format!("{field}: {message}"),
        other => other.to_string(),
    }
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let add = ServerAction::<AddStaff>::new();
    let actions = Actions {
        role: ServerAction::new(),
        disable: ServerAction::new(),
        enable: ServerAction::new(),
        reset: ServerAction::new(),
        end: ServerAction::new(),
    };
    let staff = Resource::new(
        move || {
            (
                add.version().get(),
                actions.role.version().get(),
                actions.disable.version().get(),
                actions.enable.version().get(),
                actions.reset.version().get(),
                actions.end.version().get(),
            )
        },
        |_| list_staff(),
    );
    // What the last action did, in words (or why it was refused), and the last password made.
    let message = RwSignal::new(None::<Result<String, String>>);
    let password = RwSignal::new(None::<Result<OneTimePassword, String>>);
    let done = move |result: Option<Result<String, AppError>>| {
        if let Some(result) = result {
            password.set(None);
            message.set(Some(result.map_err(say)));
        }
    };
    Effect::new(move |_| {
        done(
            actions.role.value().get().map(|r| {
                r.map(|_| "Role changed; the person signs in again to use it.".to_string())
            }),
        )
    });
    Effect::new(move |_| {
        done(
            actions
                .disable
                .value()
                .get()
                .map(|r| r.map(|_| "Account disabled and signed out everywhere.".to_string())),
        )
    });
    Effect::new(move |_| {
        done(
            actions
                .enable
                .value()
                .get()
                .map(|r| r.map(|_| "Account enabled.".to_string())),
        )
    });
    Effect::new(move |_| {
        done(
            actions
                .end
                .value()
                .get()
                .map(|r| r.map(|n| format!("{n} session(s) ended."))),
        )
    });
    for made in [add.value(), actions.reset.value()] {
        Effect::new(move |_| {
            if let Some(result) = made.get() {
                message.set(None);
                password.set(Some(result.map_err(say)));
            }
        });
    }
    view! {
        <Title text="Staff · Cancel Desk" />
        <div class="page-head">
            <div>
                <h1>"Staff"</h1>
                <p class="subtle">"Who can sign in to Cancel Desk, and what each role may do."</p>
            </div>
        </div>
        <Transition fallback=|| view! { <p class="loading">"Loading staff…"</p> }>
            {move || Suspend::new(async move {
                match staff.await {
                    Err(AppError::Forbidden) => view! {
                        <HttpStatus code=403 />
                        <section class="panel notice notice-error" role="alert" data-testid="admins-only">
                            <h2>"This page is for admins"</h2>
                            <p>"Staff accounts are managed by an admin. Ask one to add, change or disable an account."</p>
                        </section>
                    }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    Ok(members) => view! {
                        <AddForm add />
                        {move || password.get().map(|p| match p {
                            Ok(p) => view! {
                                <section class="flash flash-success" role="status" data-testid="one-time-password">
                                    <p>
                                        "First password for " <strong>{p.email}</strong> ": "
                                        <code class="mono password" data-testid="password-value">{p.password}</code>
                                    </p>
                                    <p class="small">
                                        "It is shown only now. Give it to the person directly (not by e-mail). It works for their first sign-in only: Cancel Desk then asks them to choose their own. Cancel Desk keeps only its hash; reset it to make a new one."
                                    </p>
                                </section>
                            }.into_any(),
                            Err(e) => view! { <p class="flash flash-failed" role="alert">{e}</p> }.into_any(),
                        })}
                        {move || message.get().map(|m| match m {
                            Ok(m) => view! { <p class="flash flash-success" role="status" data-testid="staff-message">{m}</p> }.into_any(),
                            Err(e) => view! { <p class="flash flash-failed" role="alert" data-testid="staff-message">{e}</p> }.into_any(),
                        })}
                        <StaffTable members actions />
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn AddForm(add: ServerAction<AddStaff>) -> impl IntoView {
    view! {
        <section class="panel">
            <h2>"Add a person"</h2>
            <ActionForm action=add attr:class="filters" attr:data-testid="add-staff">
                <label class="field field-grow">
                    <span>"E-mail"</span>
                    <input type="email" name="email" required maxlength="320" autocomplete="off" />
                </label>
                <label class="field">
                    <span>"Role"</span>
                    <select name="role">
                        {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str()>{role_label(r)}</option> }).collect_view()}
                    </select>
                </label>
                <div class="filter-actions">
                    <button type="submit" class="button" disabled=move || add.pending().get()>
                        "Add and make a password"
                    </button>
                </div>
            </ActionForm>
        </section>
    }
}

#[component]
fn StaffTable(members: Vec<StaffMember>, actions: Actions) -> impl IntoView {
    let rows = members
        .into_iter()
        .map(|m| {
            let email = m.email.clone();
            let status = if m.active { "Active" } else { "Disabled" };
            let badge = if m.active { "badge badge-success" } else { "badge badge-muted" };
            let role_form = {
                let label = format!("Role of {email}");
                let hidden = email.clone();
                view! {
                    <ActionForm action=actions.role attr:class="inline-form">
                        <input type="hidden" name="email" value=hidden />
                        <select name="role" aria-label=label>
                            {Role::ALL
                                .into_iter()
                                .map(|r| view! { <option value=r.as_str() selected=r == m.role>{role_label(r)}</option> })
                                .collect_view()}
                        </select>
                        <button type="submit" class="button button-secondary button-small">"Change"</button>
                    </ActionForm>
                }
            };
            let toggle_email = email.clone();
            let toggle = if m.active {
                view! {
                    <ActionForm action=actions.disable>
                        <input type="hidden" name="email" value=toggle_email />
                        <button type="submit" class="button button-secondary button-small">"Disable"</button>
                    </ActionForm>
                }
                .into_any()
            } else {
                view! {
                    <ActionForm action=actions.enable>
                        <input type="hidden" name="email" value=toggle_email />
                        <button type="submit" class="button button-secondary button-small">"Enable"</button>
                    </ActionForm>
                }
                .into_any()
            };
            let (reset_email, end_email) = (email.clone(), email.clone());
            view! {
                <tr data-testid="staff-row" data-email=email.clone()>
                    <td class="customer">{email.clone()}</td>
                    <td>{role_form}</td>
                    <td><span class=badge>{status}</span></td>
                    <td class="nowrap">{m.last_sign_in.unwrap_or_else(|| "Never".into())}</td>
                    <td class="num">{m.open_sessions}</td>
                    <td>
                        <div class="row-actions staff-actions">
                            {toggle}
                            <ActionForm action=actions.reset>
                                <input type="hidden" name="email" value=reset_email />
                                <button type="submit" class="button button-secondary button-small">"Reset password"</button>
                            </ActionForm>
                            <ActionForm action=actions.end>
                                <input type="hidden" name="email" value=end_email />
                                <button type="submit" class="button button-secondary button-small" disabled=m.open_sessions == 0>"End sessions"</button>
                            </ActionForm>
                        </div>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel table-panel" tabindex="0" aria-label="Staff accounts">
            <table class="orders staff" data-testid="staff-table">
                <thead>
                    <tr>
                        <th>"E-mail"</th>
                        <th>"Role"</th>
                        <th>"Status"</th>
                        <th>"Last sign-in (WIB)"</th>
                        <th class="num">"Open sessions"</th>
                        <th>"Actions"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
}
