//! Every page as a lazily loaded route. Built with `cargo leptos build --split`, a page's code
//! sits in a wasm file of its own: the browser fetches it with the page (the server names it in a
//! preload link) or on the first visit to the page, so a first visit to `/orders` downloads the
//! orders page and the frame around it, not the approvals or the staff pages.

use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

/// A route whose view is the page component `$page`, loaded lazily. Pages read their own data
/// (resources in the component), so the route's `data` half is empty.
macro_rules! lazy_page {
    ($(#[$doc:meta])* $route:ident => $page:path) => {
        $(#[$doc])*
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                crate::components::layout::mark_page_hydrated();
                #[cfg(feature = "ssr")]
                crate::pages::preload::page_files(stringify!($route));
                $page().into_any()
            }
        }
    };
}

lazy_page!(
    /// `/login`.
    LoginRoute => crate::pages::login::LoginPage
);
lazy_page!(
    /// `/codes`.
    CodesRoute => crate::pages::codes::CodesPage
);
lazy_page!(
    /// `/audit`.
    AuditRoute => crate::pages::audit::AuditPageView
);
lazy_page!(
    /// `/orders`.
    OrdersRoute => crate::pages::orders::OrdersPage
);
lazy_page!(
    /// `/pending`.
    PendingRoute => crate::pages::pending::PendingPage
);
lazy_page!(
    /// `/users`.
    UsersRoute => crate::pages::users::UsersPage
);
lazy_page!(
    /// `/approvals`.
    ApprovalsRoute => crate::pages::approvals::ApprovalsPage
);
lazy_page!(
    /// `/account/password`.
    PasswordRoute => crate::pages::account::PasswordPage
);
lazy_page!(
    /// `/orders/import`.
    ImportRoute => crate::pages::import::ImportPage
);
lazy_page!(
    /// `/orders/:reference`.
    OrderDetailRoute => crate::pages::order_detail::OrderDetailPage
);
