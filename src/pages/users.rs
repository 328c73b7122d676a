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
use crate::components::error_panel::RefusedPanel;
use crate::components::island::{Live, input_value, on_submit, select_value, url};
use crate::error::AppError;
use crate::i18n::*;

/// A role's name as people read it, in `locale` (the `<option value>` stays `Role::as_str`).
fn role_name(role: Role, locale: Locale) -> &'static str {
    match role {
        Role::Finance => td_string!(locale, users.roles.finance),
        Role::Operations => td_string!(locale, users.roles.operations),
        Role::Supervisor => td_string!(locale, users.roles.supervisor),
        Role::Admin => td_string!(locale, users.roles.admin),
    }
}

#[derive(Clone, Copy)]
struct Actions {
    role: ServerAction<ChangeStaffRole>,
    disable: ServerAction<DisableStaff>,
    enable: ServerAction<EnableStaff>,
    reset: ServerAction<ResetStaffPassword>,
    end: ServerAction<EndStaffSessions>,
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let i18n = use_i18n();
    let staff = Resource::new(|| (), |_| list_staff());
    view! {
        <Title text=tu_string!(i18n, users.title) />
        <div class="page-head">
            <div>
                <h1>{tu_string!(i18n, users.heading)}</h1>
                <p class="subtle">{tu_string!(i18n, users.intro)}</p>
            </div>
        </div>
        <Suspense fallback=move || view! { <p class="loading">{tu_string!(i18n, users.loading)}</p> }>
            {move || Suspend::new(async move {
                match staff.await {
                    Ok(members) => view! { <StaffAdmin members /> }.into_any(),
                    Err(error) => view! { <Refused error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Why the staff list cannot be shown: not an admin (403), or another error.
#[component]
fn Refused(error: AppError) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <RefusedPanel
            error
            testid="admins-only"
            heading=tu_string!(i18n, users.admins_only.heading)
            body=tu_string!(i18n, users.admins_only.body)
        />
    }
}

/// Adding staff and the staff list with its actions (`members`, as the server loaded them),
/// reloaded after every action.
#[island(lazy)]
fn StaffAdmin(members: Vec<StaffMember>) -> impl IntoView {
    crate::components::island::enter_lazy("StaffAdmin");
    let i18n = use_i18n();
    let add = ServerAction::<AddStaff>::new();
    let actions = Actions {
        role: ServerAction::new(),
        disable: ServerAction::new(),
        enable: ServerAction::new(),
        reset: ServerAction::new(),
        end: ServerAction::new(),
    };
    let staff = Live::new(Ok::<_, AppError>(members));
    Effect::new(move |seen: Option<()>| {
        let _ = (
            add.version().get(),
            actions.role.version().get(),
            actions.disable.version().get(),
            actions.enable.version().get(),
            actions.reset.version().get(),
            actions.end.version().get(),
        );
        if seen.is_some() {
            staff.reload(list_staff());
        }
    });
    // What the last action did, in words (or why it was refused), and the last password made.
    let message = RwSignal::new(None::<Result<String, String>>);
    let password = RwSignal::new(None::<Result<OneTimePassword, String>>);
    let done = move |result: Option<Result<String, AppError>>| {
        if let Some(result) = result {
            password.set(None);
            message.set(Some(
                result.map_err(|e| e.message_in(crate::language::current())),
            ));
        }
    };
    // The language is read untracked: switching it must not re-run these effects (that would
    // bring back an older action's message over the latest one).
    Effect::new(move |_| {
        let locale = i18n.get_locale_untracked();
        done(
            actions
                .role
                .value()
                .get()
                .map(|r| r.map(|_| td_string!(locale, users.messages.role_changed).to_string())),
        )
    });
    Effect::new(move |_| {
        let locale = i18n.get_locale_untracked();
        done(
            actions.disable.value().get().map(|r| {
                r.map(|_| td_string!(locale, users.messages.account_disabled).to_string())
            }),
        )
    });
    Effect::new(move |_| {
        let locale = i18n.get_locale_untracked();
        done(
            actions
                .enable
                .value()
                .get()
                .map(|r| r.map(|_| td_string!(locale, users.messages.account_enabled).to_string())),
        )
    });
    Effect::new(move |_| {
        let locale = i18n.get_locale_untracked();
        done(actions.end.value().get().map(|r| {
            r.map(|n| td_string!(locale, users.messages.sessions_ended, sessions = n).to_string())
        }))
    });
    for made in [add.value(), actions.reset.value()] {
        Effect::new(move |_| {
            if let Some(result) = made.get() {
                message.set(None);
                password.set(Some(
                    result.map_err(|e| e.message_in(crate::language::current())),
                ));
            }
        });
    }
    view! {
        {move || {
            match staff.get() {
                Err(error) => view! { <Refused error /> }.into_any(),
                Ok(members) => view! {
                    <AddForm add />
                    {move || password.get().map(|p| match p {
                        Ok(p) => {
                            let email = p.email;
                            view! {
                                <section class="flash flash-success" role="status" data-testid="one-time-password">
                                    <p>
                                        {t!(i18n, users.first_password, email = move || email.clone(), <strong> = <strong />)}
                                        " "
                                        <code class="mono password" data-testid="password-value">{p.password}</code>
                                    </p>
                                    <p class="small">{tu_string!(i18n, users.first_password_note)}</p>
                                </section>
                            }.into_any()
                        }
                        Err(e) => view! { <p class="flash flash-failed" role="alert">{e}</p> }.into_any(),
                    })}
                    {move || message.get().map(|m| match m {
                        Ok(m) => view! { <p class="flash flash-success" role="status" data-testid="staff-message">{m}</p> }.into_any(),
                        Err(e) => view! { <p class="flash flash-failed" role="alert" data-testid="staff-message">{e}</p> }.into_any(),
                    })}
                    <StaffTable members actions />
                }.into_any(),
            }
        }}
    }
}

#[component]
fn AddForm(add: ServerAction<AddStaff>) -> impl IntoView {
    let i18n = use_i18n();
    let (email, role) = (NodeRef::new(), NodeRef::new());
    // Sent by a direct call (`ActionForm` would bring form-data parsing into the download).
    let send = on_submit(move || {
        add.dispatch(AddStaff {
            email: input_value(email),
            role: select_value(role),
        });
    });
    view! {
        <section class="panel">
            <h2>{tu_string!(i18n, users.add.heading)}</h2>
            <form method="post" action={url::<AddStaff>()} class="filters" data-testid="add-staff" on:submit=send>
                <label class="field field-grow">
                    <span>{tu_string!(i18n, users.add.email)}</span>
                    <input type="email" name="email" required maxlength="320" autocomplete="off" node_ref=email />
                </label>
                <label class="field">
                    <span>{tu_string!(i18n, users.add.role)}</span>
                    <select name="role" node_ref=role>
                        {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str()>{move || role_name(r, i18n.get_locale())}</option> }).collect_view()}
                    </select>
                </label>
                <div class="filter-actions">
                    <button type="submit" class="button" disabled=move || add.pending().get()>
                        {tu_string!(i18n, users.add.submit)}
                    </button>
                </div>
            </form>
        </section>
    }
}

/// A row button's `on:submit`: calls `send` with the row's account (a direct call, as
/// `ActionForm` would bring form-data parsing into the download).
fn for_email(
    email: String,
    send: impl Fn(String) + 'static,
) -> impl Fn(leptos::ev::SubmitEvent) + 'static {
    on_submit(move || send(email.clone()))
}

#[component]
fn StaffTable(members: Vec<StaffMember>, actions: Actions) -> impl IntoView {
    let i18n = use_i18n();
    let rows = members
        .into_iter()
        .map(|m| {
            let email = m.email.clone();
            let active = m.active;
            let status = move || {
                if active {
                    t_string!(i18n, users.table.active)
                } else {
                    t_string!(i18n, users.table.disabled)
                }
            };
            let badge = if m.active { "badge badge-success" } else { "badge badge-muted" };
            let last_sign_in = m.last_sign_in.clone();
            let last_sign_in = move || {
                last_sign_in
                    .clone()
                    .unwrap_or_else(|| t_string!(i18n, users.table.never).to_string())
            };
            let role_form = {
                let label_email = email.clone();
                let label = move || {
                    t_string!(i18n, users.table.role_of, email = label_email.clone()).to_string()
                };
                let hidden = email.clone();
                let chosen = NodeRef::new();
                let send = {
                    let email = email.clone();
                    on_submit(move || {
                        actions.role.dispatch(ChangeStaffRole {
                            email: email.clone(),
                            role: select_value(chosen),
                        });
                    })
                };
                view! {
                    <form method="post" action={url::<ChangeStaffRole>()} class="inline-form" on:submit=send>
                        <input type="hidden" name="email" value=hidden />
                        <select name="role" aria-label=label node_ref=chosen>
                            {Role::ALL
                                .into_iter()
                                .map(|r| view! { <option value=r.as_str() selected=r == m.role>{move || role_name(r, i18n.get_locale())}</option> })
                                .collect_view()}
                        </select>
                        <button type="submit" class="button button-secondary button-small">{tu_string!(i18n, users.buttons.change)}</button>
                    </form>
                }
            };
            let toggle_email = email.clone();
            let send_disable = for_email(email.clone(), move |email| {
                actions.disable.dispatch(DisableStaff { email });
            });
            let send_enable = for_email(email.clone(), move |email| {
                actions.enable.dispatch(EnableStaff { email });
            });
            let send_reset = for_email(email.clone(), move |email| {
                actions.reset.dispatch(ResetStaffPassword { email });
            });
            let send_end = for_email(email.clone(), move |email| {
                actions.end.dispatch(EndStaffSessions { email });
            });
            let toggle = if m.active {
                view! {
                    <form method="post" action={url::<DisableStaff>()} on:submit=send_disable>
                        <input type="hidden" name="email" value=toggle_email />
                        <button type="submit" class="button button-secondary button-small">{tu_string!(i18n, users.buttons.disable)}</button>
                    </form>
                }
                .into_any()
            } else {
                view! {
                    <form method="post" action={url::<EnableStaff>()} on:submit=send_enable>
                        <input type="hidden" name="email" value=toggle_email />
                        <button type="submit" class="button button-secondary button-small">{tu_string!(i18n, users.buttons.enable)}</button>
                    </form>
                }
                .into_any()
            };
            let (reset_email, end_email) = (email.clone(), email.clone());
            view! {
                <tr data-testid="staff-row" data-email=email.clone()>
                    <td class="customer">{email.clone()}</td>
                    <td>{role_form}</td>
                    <td><span class=badge>{status}</span></td>
                    <td class="nowrap" data-label=tu_string!(i18n, users.table.card_last_sign_in)>{last_sign_in}</td>
                    <td class="num" data-suffix=tu_string!(i18n, users.table.card_open)>{m.open_sessions}</td>
                    <td>
                        <div class="row-actions staff-actions">
                            {toggle}
                            <form method="post" action={url::<ResetStaffPassword>()} on:submit=send_reset>
                                <input type="hidden" name="email" value=reset_email />
                                <button type="submit" class="button button-secondary button-small">{tu_string!(i18n, users.buttons.reset_password)}</button>
                            </form>
                            <form method="post" action={url::<EndStaffSessions>()} on:submit=send_end>
                                <input type="hidden" name="email" value=end_email />
                                <button type="submit" class="button button-secondary button-small" disabled=m.open_sessions == 0>{tu_string!(i18n, users.buttons.end_sessions)}</button>
                            </form>
                        </div>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel table-panel" tabindex="0" aria-label=tu_string!(i18n, users.table.label)>
            <table class="orders staff" data-testid="staff-table">
                <thead>
                    <tr>
                        <th>{tu_string!(i18n, users.table.email)}</th>
                        <th>{tu_string!(i18n, users.table.role)}</th>
                        <th>{tu_string!(i18n, users.table.status)}</th>
                        <th>{tu_string!(i18n, users.table.last_sign_in)}</th>
                        <th class="num">{tu_string!(i18n, users.table.open_sessions)}</th>
                        <th>{tu_string!(i18n, users.table.actions)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
}
