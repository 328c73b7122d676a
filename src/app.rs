//! The application: the HTML shell, the layout and the routes.

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::components::layout::AppLayout;
use crate::pages::account::PasswordPage;
use crate::pages::approvals::ApprovalsPage;
use crate::pages::audit::AuditPageView;
use crate::pages::codes::CodesPage;
use crate::pages::import::ImportPage;
use crate::pages::login::LoginPage;
use crate::pages::not_found::NotFound;
use crate::pages::order_detail::OrderDetailPage;
use crate::pages::orders::OrdersPage;
use crate::pages::pending::PendingPage;
use crate::pages::users::UsersPage;

pub fn shell(options: LeptosOptions) -> impl IntoView {
    // The page's Content-Security-Policy names this response's nonce, which Leptos puts on its
    // own inline scripts (hydration, streamed resources); no other inline script can run.
    #[cfg(feature = "ssr")]
    if let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) && let Ok(value) = http::HeaderValue::from_str(&crate::web::headers::page_csp(&nonce))
    {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
    // The theme the browser chose is on `<html>` from the first byte, so a dark page never
    // flashes light; the top bar's switch changes it in place afterwards.
    #[cfg(feature = "ssr")]
    let theme = use_context::<http::request::Parts>()
        .map(|p| crate::prefs::Theme::from_headers(&p.headers))
        .unwrap_or_default();
    #[cfg(not(feature = "ssr"))]
    let theme = crate::prefs::Theme::Auto;
    // The language the page is rendered in (the language switch changes it in place).
    let lang = crate::language::code(crate::language::current());
    view! {
        <!DOCTYPE html>
        <html lang=lang data-theme=theme.attribute()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <HashedStylesheet options=options.clone() id="leptos" />
                <AutoReload options=options.clone() />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(crate::language::init_context());
    view! {
        <Title text="Cancel Desk" />
        <Router>
            <AppLayout>
                // Async rendering: the status code (400, 404) is known before headers are sent.
                // The router runs on the server only: every page is rendered there, and the
                // browser runs a page's islands (its forms and buttons), each page's in a wasm
                // file of its own.
                <Routes fallback=NotFound>
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                    <Route path=path!("/codes") view=CodesPage ssr=SsrMode::Async />
                    <Route path=path!("/audit") view=AuditPageView ssr=SsrMode::Async />
                    <Route path=path!("/orders") view=OrdersPage ssr=SsrMode::Async />
                    <Route path=path!("/pending") view=PendingPage ssr=SsrMode::Async />
                    <Route path=path!("/users") view=UsersPage ssr=SsrMode::Async />
                    <Route path=path!("/approvals") view=ApprovalsPage ssr=SsrMode::Async />
                    <Route path=path!("/account/password") view=PasswordPage ssr=SsrMode::Async />
                    // Before `/orders/:reference`, which would otherwise take "import".
                    <Route path=path!("/orders/import") view=ImportPage ssr=SsrMode::Async />
                    <Route
                        path=path!("/orders/:reference")
                        view=OrderDetailPage
                        ssr=SsrMode::Async
                    />
                </Routes>
            </AppLayout>
        </Router>
    }
}
