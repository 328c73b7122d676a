//! `/login`: staff sign in. Works before the page is hydrated too (a plain form post).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::auth::Login;
use crate::error::AppError;
use crate::i18n::*;

#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let login = ServerAction::<Login>::new();
    let query = use_query_map();
    let next = move || query.with(|q| q.get("next")).unwrap_or_default();
    // Signed in with a language saved on the account that this page is not in: the next page
    // loads anew (its cookie came with the answer) rather than by the router, so it is in it.
    Effect::new(move |_| {
        if let Some(Ok(Some(saved))) = login.value().get()
            && crate::language::parse(&saved).is_some_and(|l| l != i18n.get_locale_untracked())
        {
            #[cfg(feature = "hydrate")]
            let _ = window().location().assign(&crate::api::auth::safe_next(
                query.with_untracked(|q| q.get("next")).as_deref(),
            ));
        }
    });
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
        <Title text=tu_string!(i18n, users.login.title) />
        <section class="panel login-panel">
            <h1>{tu_string!(i18n, users.login.heading)}</h1>
            <p class="subtle">{tu_string!(i18n, users.login.intro)}</p>
            <ActionForm action=login attr:class="login-form">
                <input type="hidden" name="next" value=next />
                <label class="field">
                    <span>{tu_string!(i18n, users.login.email)}</span>
                    <input type="email" name="email" autocomplete="username" required data-testid="login-email" />
                </label>
                <label class="field">
                    <span>{tu_string!(i18n, users.login.password)}</span>
                    <input type="password" name="password" autocomplete="current-password" required data-testid="login-password" />
                </label>
                {move || problem().map(|p| view! { <p class="form-error" role="alert">{p}</p> })}
                <button type="submit" class="button" data-testid="login-submit" disabled=move || login.pending().get()>
                    {move || if login.pending().get() { t_string!(i18n, users.login.signing_in) } else { t_string!(i18n, users.login.submit) }}
                </button>
            </ActionForm>
        </section>
    }
}
