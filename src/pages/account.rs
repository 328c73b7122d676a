//! `/account/password`: a signed-in person sets their own password. After signing in with a
//! one-time password an admin made, this is the only page they can reach until they do.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::auth::ChangePassword;
use crate::auth::MIN_PASSWORD_CHARS as MIN_CHARS;
use crate::components::island::input_value;
use crate::components::layout::Me;
use crate::i18n::*;

#[component]
pub fn PasswordPage() -> impl IntoView {
    let i18n = use_i18n();
    let next = use_query_map()
        .with_untracked(|q| q.get("next"))
        .unwrap_or_default();
    let me = use_context::<Me>();
    view! {
        <Title text=tu_string!(i18n, users.password_page.title) />
        <section class="panel login-panel" data-testid="password-page">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let forced = match me {
                        Some(me) => me.await.ok().and_then(|s| s.user).is_some_and(|u| u.must_change_password),
                        None => false,
                    };
                    view! {
                        <h1>{if forced { tu_string!(i18n, users.password_page.heading_forced) } else { tu_string!(i18n, users.password_page.heading) }}</h1>
                        <p class="subtle">
                            {if forced {
                                tu_string!(i18n, users.password_page.intro_forced)
                            } else {
                                tu_string!(i18n, users.password_page.intro)
                            }}
                        </p>
                    }
                })}
            </Suspense>
            <PasswordForm next />
        </section>
    }
}

/// The form; saved, the server's redirect loads the page asked for (`next`).
#[island(lazy)]
fn PasswordForm(next: String) -> impl IntoView {
    crate::components::island::enter_lazy("PasswordForm");
    let i18n = use_i18n();
    let change = ServerAction::<ChangePassword>::new();
    let current = NodeRef::<leptos::html::Input>::new();
    let new = NodeRef::<leptos::html::Input>::new();
    let again = NodeRef::<leptos::html::Input>::new();
    let url = <ChangePassword as leptos::server_fn::ServerFn>::url();
    let submit = {
        let next = next.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            change.dispatch(ChangePassword {
                current_password: input_value(current),
                new_password: input_value(new),
                new_password_again: input_value(again),
                next: Some(next.clone()),
            });
        }
    };
    let problem = move || {
        change
            .value()
            .get()
            .and_then(Result::err)
            .map(|err| err.message_in(crate::language::current()))
    };
    view! {
            <form method="post" action=url class="login-form" on:submit=submit>
                <input type="hidden" name="next" value=next />
                <label class="field">
                    <span>{tu_string!(i18n, users.password_page.current_password)}</span>
                    <input type="password" name="current_password" node_ref=current autocomplete="current-password" required />
                </label>
                <label class="field">
                    <span>{tu_string!(i18n, users.password_page.new_password)}</span>
                    <input type="password" name="new_password" node_ref=new autocomplete="new-password" minlength=MIN_CHARS.to_string() maxlength="128" required aria-describedby="password-rule" />
                </label>
                <p class="subtle small" id="password-rule">{move || t_string!(i18n, users.password_page.rule, min_chars = MIN_CHARS).to_string()}</p>
                <label class="field">
                    <span>{tu_string!(i18n, users.password_page.new_password_again)}</span>
                    <input type="password" name="new_password_again" node_ref=again autocomplete="new-password" required />
                </label>
                {move || problem().map(|p| view! { <p class="form-error" role="alert">{p}</p> })}
                <button type="submit" class="button" disabled=move || change.pending().get()>
                    {move || if change.pending().get() { t_string!(i18n, users.password_page.saving) } else { t_string!(i18n, users.password_page.save) }}
                </button>
            </form>
    }
}
