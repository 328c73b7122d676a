//! Display preferences: the colour theme. It lives in a cookie on the device (a phone at night and
//! an office screen may want different ones), written by the browser when the switch is pressed
//! (no request, so two quick presses cannot arrive in the wrong order) and read by the server,
//! which renders the page in it from the first byte; the sign-in page follows it too.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Theme {
    /// Follows the device's `prefers-color-scheme`.
    #[default]
    Auto,
    Light,
    Dark,
}

impl Theme {
    pub const COOKIE: &'static str = "cd_theme";
    pub const ALL: [Theme; 3] = [Theme::Auto, Theme::Light, Theme::Dark];

    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Auto => "auto",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn parse(value: &str) -> Option<Theme> {
        Theme::ALL.into_iter().find(|t| t.as_str() == value)
    }

    /// The `data-theme` attribute on `<html>`; none lets the stylesheet follow the device.
    pub fn attribute(self) -> Option<&'static str> {
        match self {
            Theme::Auto => None,
            other => Some(other.as_str()),
        }
    }

    /// What the top bar's theme button switches to.
    pub fn next(self) -> Theme {
        match self {
            Theme::Auto => Theme::Dark,
            Theme::Dark => Theme::Light,
            Theme::Light => Theme::Auto,
        }
    }

    pub fn label(self) -> &'static str {
        self.label_in(crate::i18n::Locale::en)
    }

    pub fn label_in(self, locale: crate::i18n::Locale) -> &'static str {
        use crate::i18n::td_string;
        match self {
            Theme::Auto => td_string!(locale, labels.theme.auto),
            Theme::Light => td_string!(locale, labels.theme.light),
            Theme::Dark => td_string!(locale, labels.theme.dark),
        }
    }

    /// The theme a request's cookies ask for.
    #[cfg(feature = "ssr")]
    pub fn from_headers(headers: &http::HeaderMap) -> Theme {
        headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|h| crate::auth::session::token_from_cookie_header(h, Theme::COOKIE))
            .and_then(Theme::parse)
            .unwrap_or_default()
    }

    /// The cookie that keeps this theme for a year (Auto removes it).
    pub fn cookie(self, secure: bool) -> String {
        let secure = if secure { "; Secure" } else { "" };
        match self {
            Theme::Auto => format!(
                "{}=; Path=/; SameSite=Lax; Max-Age=0{secure}",
                Theme::COOKIE
            ),
            other => format!(
                "{}={}; Path=/; SameSite=Lax; Max-Age=31536000{secure}",
                Theme::COOKIE,
                other.as_str()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_button_cycles_through_every_theme() {
        for theme in Theme::ALL {
            assert_eq!(Theme::parse(theme.as_str()), Some(theme));
            assert_eq!(theme.next().next().next(), theme);
            assert_ne!(theme.next(), theme);
        }
        assert_eq!(Theme::parse("blue"), None);
        assert_eq!(Theme::Auto.attribute(), None);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn the_cookie_is_read_back_and_anything_else_means_auto() {
        let mut headers = http::HeaderMap::new();
        assert_eq!(Theme::from_headers(&headers), Theme::Auto);
        headers.insert(
            http::header::COOKIE,
            "cd_session=abc; cd_theme=dark".parse().unwrap(),
        );
        assert_eq!(Theme::from_headers(&headers), Theme::Dark);
        headers.insert(http::header::COOKIE, "cd_theme=<script>".parse().unwrap());
        assert_eq!(Theme::from_headers(&headers), Theme::Auto);
        assert!(Theme::Dark.cookie(true).ends_with("; Secure"));
        assert!(Theme::Auto.cookie(false).contains("Max-Age=0"));
    }
}
