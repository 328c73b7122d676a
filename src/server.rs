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
use crate::dana::client::DanaClient;
use crate::dana::clock::SystemClock;
use crate::dana::config::{DEFAULT_CHANNEL_ID, DanaConfig, DanaConfigError};
use crate::dana::keys;
use crate::dana::signing::KeyError;
use crate::db::Pool;
use crate::sandbox::{self, OrderBook, SandboxConfig, SandboxHandle, scenario::Scripts};

/// What every request may use. Server functions read it from the Leptos context.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: Pool,
    /// The signed DANA client (DANA itself, or the embedded sandbox).
    pub dana: DanaClient,
    /// Cancels and the pending queue (shares `pool` and `dana`).
    pub cancels: crate::cancel::service::CancelService,
    pub session_idle_seconds: i64,
    pub secure_cookies: bool,
    /// `CANCEL_DESK_METRICS_TOKEN`: when set, `/metrics` needs it as a bearer token.
    pub metrics_token: Option<String>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl AppState {
    pub fn new(config: &Config, pool: Pool, dana: DanaClient) -> Self {
        let leptos_options = LeptosOptions::builder()
            .output_name("cancel-desk")
            .site_root(config.site_root.to_string_lossy().into_owned())
            .site_pkg_dir("pkg")
            .site_addr(config.addr)
            .build();
        let cancels = crate::cancel::service::CancelService::new(
            pool.clone(),
            dana.clone(),
            config.queue.clone(),
        );
        Self {
            leptos_options,
            pool,
            dana,
            cancels,
            session_idle_seconds: config.session_idle_minutes * 60,
            secure_cookies: config.secure_cookies,
            metrics_token: config.metrics_token.clone(),
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
        .route("/audit/export.csv", get(crate::audit::export::export_csv))
        .route("/healthz", get(crate::observability::healthz))
        .route("/readyz", get(crate::observability::readyz))
        .route("/metrics", get(crate::observability::metrics_endpoint))
        .leptos_routes(&state, routes, {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::auth::guard::guard,
        ))
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

#[derive(Debug, thiserror::Error)]
pub enum DanaSetupError {
    #[error(transparent)]
    Config(#[from] DanaConfigError),
    #[error("sandbox keys: {0}")]
    Key(#[from] KeyError),
    #[error("cannot start the embedded DANA sandbox: {0}")]
    Sandbox(std::io::Error),
}

/// The DANA client the dashboard uses: DANA at `DANA_BASE_URL` when it is set, otherwise the
/// embedded sandbox on a loopback port, signed with the development key pair under `key_dir`
/// (generated on first start).
pub async fn dana_client(
    config: &Config,
    pool: &Pool,
    env: impl Fn(&str) -> Option<String>,
) -> Result<(DanaClient, Option<SandboxHandle>), DanaSetupError> {
    let timeout = match env("DANA_TIMEOUT_MS") {
        None => crate::dana::client::EXPECTED_TIMEOUT,
        Some(ms) => match ms.trim().parse::<u64>() {
            Ok(ms) if (100..=60_000).contains(&ms) => std::time::Duration::from_millis(ms),
            _ => {
                return Err(DanaSetupError::Config(
                    crate::dana::config::DanaConfigError {
                        var: "DANA_TIMEOUT_MS",
                        message: "must be milliseconds between 100 and 60000".into(),
                    },
                ));
            }
        },
    };
    if let Some(dana) = DanaConfig::from_lookup(&env)? {
        tracing::info!(base_url = %dana.base_url, "cancels go to DANA");
        return Ok((DanaClient::new(dana).with_timeout(timeout), None));
    }
    let (key, public_key) = keys::ensure_sandbox_keys(&config.key_dir)?;
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(DanaSetupError::Sandbox)?;
    let handle = sandbox::spawn(
        listener,
        SandboxConfig {
            public_key,
            partner_id: None,
            orders: OrderBook::Database(pool.clone()),
            clock: std::sync::Arc::new(SystemClock),
            max_skew: sandbox::DEFAULT_MAX_SKEW,
            scripts: Scripts::default(),
            query_scripts: Scripts::default(),
        },
    )
    .map_err(DanaSetupError::Sandbox)?;
    let dana = DanaConfig {
        base_url: handle.base_url(),
        partner_id: "CANCEL-DESK-SANDBOX".into(),
        merchant_id: crate::seed::DEMO_MERCHANT_ID.into(),
        channel_id: DEFAULT_CHANNEL_ID.into(),
        origin: None,
        key,
    }
    .check()?;
    Ok((DanaClient::new(dana).with_timeout(timeout), Some(handle)))
}
