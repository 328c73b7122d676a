//! The HTTP server: Leptos pages and server functions on axum, sharing one [`AppState`].

use axum::Router;
use axum::extract::FromRef;
use axum::response::Redirect;
use axum::routing::get;
use leptos::config::LeptosOptions;
use std::sync::OnceLock;

use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use tokio::net::TcpListener;

use crate::app::{App, shell};
use crate::config::Config;
use crate::db::Pool;

/// What every request may use. Server functions read it from the Leptos context.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: Pool,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl AppState {
    pub fn new(config: &Config, pool: Pool) -> Self {
        let leptos_options = LeptosOptions::builder()
            .output_name("cancel-desk")
            .site_root(config.site_root.to_string_lossy().into_owned())
            .site_pkg_dir("pkg")
            .site_addr(config.addr)
            .build();
        Self {
            leptos_options,
            pool,
        }
    }
}

/// The app's routes, computed once per process: generating them raises a process-global flag
/// that leaves any resource first polled meanwhile pending forever (leptos issue #4773), so it
/// must never run while another server in the process is rendering.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

pub fn router(state: AppState) -> Router {
    let routes = route_list();
    Router::new()
        // A real 303 for the bare address (the Leptos router's redirect answers 200 + Location).
        .route("/", get(|| async { Redirect::to("/orders") }))
        .leptos_routes(&state, routes, {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .with_state(state)
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
