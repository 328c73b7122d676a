//! `/login`: staff sign in. Works before the page is hydrated too (a plain form post).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::auth::Login;
use crate::error::AppError;

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let query = use_query_map();
    let next = move || query.with(|q| q.get("next")).unwrap_or_default();
    let problem = move || {
        login
            .value()
            .get()
            .and_then(Result::err)
            .map(|err| match err {
                AppError::InvalidInput { message, .. } | AppError::Conflict(message) => message,
                other => other.to_string(),
            })
    };
    view! {
        <Title text="Sign in · Cancel Desk" />
        <section class="panel login-panel">
            <h1>"Sign in"</h1>
            <p class="subtle">"Cancel Desk is for the merchant's finance, operations and supervisory staff."</p>
            <ActionForm action=login attr:class="login-form">
                <input type="hidden" name="next" value=next />
                <label class="field">
                    <span>"E-mail"</span>
                    <input type="email" name="email" autocomplete="username" required />
                </label>
                <label class="field">
                    <span>"Password"</span>
                    <input type="password" name="password" autocomplete="current-password" required />
                </label>
                {move || problem().map(|p| view! { <p class="form-error" role="alert">{p}</p> })}
                <button type="submit" class="button" disabled=move || login.pending().get()>
                    {move || if login.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </ActionForm>
        </section>
    }
}
