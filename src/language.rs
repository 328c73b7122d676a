//! The language a page or an answer is in: English or Bahasa Indonesia. The browser keeps the
//! choice in a cookie (leptos_i18n's), a signed-in person's choice is also saved on their account
//! and put back in that cookie when they sign in, and without either the request's
//! `Accept-Language` decides.

use crate::i18n::Locale;

/// The cookie leptos_i18n reads and writes for the chosen language (its default name, which its
/// `resolve_locale` reads in server functions).
pub const COOKIE: &str = "i18n_pref_locale";

/// The language of the request being answered: on the server, from its cookie or its
/// `Accept-Language`; outside a request (the worker, the CLI, tests) English. In the browser,
/// the page's language.
pub fn current() -> Locale {
    #[cfg(feature = "ssr")]
    {
        leptos::prelude::use_context::<http::request::Parts>()
            .map(|p| from_headers(&p.headers))
            .unwrap_or(Locale::en)
    }
    #[cfg(not(feature = "ssr"))]
    {
        leptos::prelude::use_context::<leptos_i18n::I18nContext<Locale>>()
            .map(|i18n| i18n.get_locale_untracked())
            .unwrap_or(Locale::en)
    }
}

/// A request's language: the switch's cookie, else the best of `Accept-Language`, else English.
/// Read straight from the headers (leptos_i18n's own resolver writes a `Set-Cookie` back).
#[cfg(feature = "ssr")]
pub fn from_headers(headers: &http::HeaderMap) -> Locale {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| crate::auth::session::token_from_cookie_header(h, COOKIE))
        .and_then(parse)
        .or_else(|| {
            headers
                .get(http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(from_accept_language)
        })
        .unwrap_or(Locale::en)
}

/// The language `Accept-Language` prefers among ours (`id`, its old code `in`, `en`): the highest
/// `q`, the first of equals; none when it names neither.
pub fn from_accept_language(header: &str) -> Option<Locale> {
    let mut best: Option<(f32, Locale)> = None;
    for range in header.split(',') {
        let mut parts = range.split(';');
        let tag = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let weight = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok());
        let locale = match tag.split('-').next().unwrap_or_default() {
            "id" | "in" => Locale::id,
            "en" => Locale::en,
            _ => continue,
        };
        match weight {
            Some(q) if q > 0.0 && best.is_none_or(|(b, _)| q > b) => best = Some((q, locale)),
            _ => {}
        }
    }
    best.map(|(_, locale)| locale)
}

/// The page's language context (what `use_i18n` reads): from the cookie, else `Accept-Language`
/// on the server; in the browser, the language the server rendered. Provided by hand rather
/// than with leptos_i18n's `I18nContextProvider`, which writes `<html>` through a meta `<Html>`
/// (dropping the shell's `data-theme`) and adds an empty inline `<script>` the page's CSP refuses.
pub fn init_context() -> leptos_i18n::I18nContext<Locale> {
    // The cookie the switch writes is for the whole site, for a year.
    let cookie = leptos_i18n::context::CookieOptions::<Locale>::default()
        .path("/".to_string())
        .max_age(365 * 24 * 3_600 * 1_000_i64);
    #[cfg(feature = "hydrate")]
    let cookie = cookie.secure(
        leptos::prelude::window()
            .location()
            .protocol()
            .is_ok_and(|p| p == "https:"),
    );
    let options = leptos_i18n::context::I18nContextOptions::<Locale>::default();
    leptos_i18n::context::init_i18n_context_with_options(leptos_i18n::context::I18nContextOptions {
        cookie_options: cookie,
        ..options
    })
}

/// A text and the language it is in, for the `lang` attribute of what shows it: our own words
/// come in the reader's language, text stored before they could (older notes) in English.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Worded {
    pub text: String,
    /// `en` or `id`.
    pub lang: String,
}

/// A saved choice as stored on the account (`en`, `id`).
pub fn parse(value: &str) -> Option<Locale> {
    match value {
        "en" => Some(Locale::en),
        "id" => Some(Locale::id),
        _ => None,
    }
}

pub fn code(locale: Locale) -> &'static str {
    match locale {
        Locale::en => "en",
        Locale::id => "id",
    }
}

/// The cookie that keeps `locale` on this device for a year, as the server sets it at sign-in
/// and when a signed-in person switches.
pub fn cookie(locale: Locale, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000{secure}",
        code(locale)
    )
}

/// The other language: what the top bar's switch offers.
pub fn other(locale: Locale) -> Locale {
    match locale {
        Locale::en => Locale::id,
        Locale::id => Locale::en,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_ones_are_refused() {
        for locale in [Locale::en, Locale::id] {
            assert_eq!(parse(code(locale)), Some(locale));
            assert_ne!(other(locale), locale);
        }
        assert_eq!(parse("fr"), None);
        assert_eq!(parse("ID"), None);
        assert_eq!(
            from_accept_language("id-ID,id;q=0.9,en;q=0.8"),
            Some(Locale::id)
        );
        assert_eq!(
            from_accept_language("en-US,en;q=0.9,id;q=0.8"),
            Some(Locale::en)
        );
        assert_eq!(
            from_accept_language("fr;q=1, id;q=0.4, en;q=0.6"),
            Some(Locale::en)
        );
        assert_eq!(from_accept_language("in"), Some(Locale::id));
        assert_eq!(from_accept_language("fr-FR, de"), None);
        assert_eq!(from_accept_language("id;q=0, en;q=oops"), None);
        assert_eq!(from_accept_language(""), None);
        assert_eq!(
            cookie(Locale::id, true),
            "i18n_pref_locale=id; Path=/; SameSite=Lax; Max-Age=31536000; Secure"
        );
    }
}
