//! The top bar's language switch: English ⇄ Bahasa Indonesia. The page changes at once; the
//! choice stays in this browser (leptos_i18n's cookie) and, for a signed-in person, on their
//! account (see `api::language`), so it follows them to other devices.

use leptos::prelude::*;

use crate::api::language::SaveLanguage;
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

/// `signed_in`: whether the choice is also saved on the account.
#[component]
pub fn LanguageSwitch(#[prop(into)] signed_in: Signal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let save = ServerAction::<SaveLanguage>::new();
    let switch = move |_| {
        let next = other(i18n.get_locale_untracked());
        i18n.set_locale(next);
        #[cfg(feature = "hydrate")]
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", code(next));
        }
        if signed_in.get_untracked() {
            save.dispatch(SaveLanguage {
                language: code(next).to_string(),
            });
        }
    };
    view! {
        <button
            type="button"
            class="language-switch"
            data-testid="language-switch"
            data-language=move || code(i18n.get_locale())
            title=move || t_string!(i18n, common.language_title)
            on:click=switch
        >
            <span class="language-code" aria-hidden="true">
                {move || code(other(i18n.get_locale())).to_uppercase()}
            </span>
            <span lang=move || code(other(i18n.get_locale()))>
                {move || native_name(other(i18n.get_locale()))}
            </span>
        </button>
    }
}
