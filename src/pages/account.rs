//! `/account/password`: a signed-in person sets their own password. After signing in with a
//! one-time password an admin made, this is the only page they can reach until they do.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::auth::ChangePassword;
use crate::auth::MIN_PASSWORD_CHARS as MIN_CHARS;
use crate::components::layout::{Me, current_user};
use crate::error::AppError;

#[component]
pub fn PasswordPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let query = use_query_map();
    let next = move || query.with(|q| q.get("next")).unwrap_or_default();
    let me = use_context::<Me>();
    let forced = move || {
        me.and_then(current_user)
            .is_some_and(|u| u.must_change_password)
    };
    let problem = move || {
        change
            .value()
            .get()
            .and_then(Result::err)
            .map(|err| match err {
                AppError::InvalidInput { field, message } => {
                    let label = match field.as_str() {
                        "current_password" => "Current password",
                        "new_password_again" => "New password again",
                        _ => "New password",
                    };
                    format!("{label}: {message}")
                }
                other => other.to_string(),
            })
    };
    view! {
        <Title text="Your password · Cancel Desk" />
        <section class="panel login-panel" data-testid="password-page">
            <h1>{move || if forced() { "Choose your own password" } else { "Change your password" }}</h1>
            <p class="subtle">
                {move || if forced() {
                    "You signed in with a one-time password an admin made. Choose your own before you continue: nobody else, the admin included, will know it."
                } else {
                    "Your other sessions end when you change it; this one stays signed in."
                }}
            </p>
            <ActionForm action=change attr:class="login-form">
                <input type="hidden" name="next" value=next />
                <label class="field">
                    <span>"Current password"</span>
                    <input type="password" name="current_password" autocomplete="current-password" required />
                </label>
                <label class="field">
                    <span>"New password"</span>
                    <input type="password" name="new_password" autocomplete="new-password" minlength=MIN_CHARS.to_string() maxlength="128" required aria-describedby="password-rule" />
                </label>
                <p class="subtle small" id="password-rule">{format!("At least {MIN_CHARS} characters. A few unrelated words are easy to remember and hard to guess.")}</p>
                <label class="field">
                    <span>"New password again"</span>
                    <input type="password" name="new_password_again" autocomplete="new-password" required />
                </label>
                {move || problem().map(|p| view! { <p class="form-error" role="alert">{p}</p> })}
                <button type="submit" class="button" disabled=move || change.pending().get()>
                    {move || if change.pending().get() { "Saving…" } else { "Save my password" }}
                </button>
            </ActionForm>
        </section>
    }
}
