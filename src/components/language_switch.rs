//! The top bar's language switch: English ⇄ Bahasa Indonesia. The choice goes into this
//! browser's cookie and, for a signed-in person, onto their account (see `api::language`), so it
//! follows them to other devices; then the page loads again in it. A new load rather than a
//! change in place: the server's own texts on the page (notices, times) come in the new language
//! too, and pages render their texts once instead of watching the language (a smaller bundle).

use leptos::prelude::*;

use crate::i18n::*;
use crate::language::{code, other};

/// Each language's name in itself: a person looking for their language finds it in the words
/// they read, whatever the page is in now.
fn native_name(locale: Locale) -> &'static str {
    match locale {
        Locale::en => "English",
        Locale::id => "Bahasa Indonesia",
    }
}

/// Keeps `locale` in this browser's cookie, saves it on the account when someone is signed in,
/// and loads the page again in it.
fn switch_to(locale: Locale, signed_in: bool) {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        use leptos::wasm_bindgen::JsCast;
        let location = window().location();
        let secure = location.protocol().is_ok_and(|p| p == "https:");
        if let Ok(html) = document().dyn_into::<web_sys::HtmlDocument>() {
            let _ = html.set_cookie(&crate::language::cookie(locale, secure));
        }
        if signed_in {
            // Not saved (the session ended meanwhile): the cookie still keeps it here.
            let _ = crate::api::language::save_language(code(locale).to_string()).await;
        }
        let _ = location.reload();
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (locale, signed_in);
}

/// `signed_in`: whether the choice is also saved on the account.
#[island]
pub fn LanguageSwitch(signed_in: bool) -> impl IntoView {
    crate::components::island::enter();
    let i18n = use_i18n();
    let current = i18n.get_locale_untracked();
    let next = other(current);
    let switching = RwSignal::new(false);
    let switch = move |_| {
        if !switching.get_untracked() {
            switching.set(true);
            switch_to(next, signed_in);
        }
    };
    view! {
        <button
            type="button"
            class="language-switch"
            data-testid="language-switch"
            data-language=code(current)
            title=tu_string!(i18n, common.language_title)
            aria-busy=move || switching.get().then_some("true")
            on:click=switch
        >
            <span class="language-code">{code(next).to_uppercase()}</span>
            " "
            <span class="language-name" lang=code(next)>{native_name(next)}</span>
        </button>
    }
}
