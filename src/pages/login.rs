//! `/login`: staff sign in. Works before the page is hydrated too (a plain form post).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::auth::Login;
use crate::components::island::input_value;
use crate::error::AppError;
use crate::i18n::*;

#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let next = use_query_map()
        .with_untracked(|q| q.get("next"))
        .unwrap_or_default();
    view! {
        <Title text=tu_string!(i18n, users.login.title) />
        <LoginForm next />
    }
}

/// The sign-in form. Signed in, the server's redirect loads the next page anew (in the language
/// saved on the account, whose cookie came with the answer).
#[island(lazy)]
fn LoginForm(next: String) -> impl IntoView {
    crate::components::island::enter_lazy("LoginForm");
    let i18n = use_i18n();
    let login = ServerAction::<Login>::new();
    let email = NodeRef::<leptos::html::Input>::new();
    let password = NodeRef::<leptos::html::Input>::new();
    let url = <Login as leptos::server_fn::ServerFn>::url();
    let submit = {
        let next = next.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            login.dispatch(Login {
                email: input_value(email),
                password: input_value(password),
                next: Some(next.clone()),
            });
        }
    };
    let problem = move || {
        login
            .value()
            .get()
            .and_then(Result::err)
            .map(|err| match err {
                AppError::InvalidInput { message, .. } | AppError::Conflict(message) => message,
                other => other.message_in(crate::language::current()),
            })
    };
    view! {
        <section class="panel login-panel">
            <h1>{tu_string!(i18n, users.login.heading)}</h1>
            <p class="subtle">{tu_string!(i18n, users.login.intro)}</p>
            <form method="post" action=url class="login-form" on:submit=submit>
                <input type="hidden" name="next" value=next />
                <label class="field">
                    <span>{tu_string!(i18n, users.login.email)}</span>
                    <input type="email" name="email" node_ref=email autocomplete="username" required data-testid="login-email" />
                </label>
                <label class="field">
                    <span>{tu_string!(i18n, users.login.password)}</span>
                    <input type="password" name="password" node_ref=password autocomplete="current-password" required data-testid="login-password" />
                </label>
                {move || problem().map(|p| view! { <p class="form-error" role="alert">{p}</p> })}
                <button type="submit" class="button" data-testid="login-submit" disabled=move || login.pending().get()>
                    {move || if login.pending().get() { t_string!(i18n, users.login.signing_in) } else { t_string!(i18n, users.login.submit) }}
                </button>
            </form>
        </section>
    }
}
