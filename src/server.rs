//! The HTTP server: Leptos pages and server functions on axum, sharing one [`AppState`].

use axum::Router;
use axum::response::Redirect;
use axum::routing::get;
use std::sync::OnceLock;

use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use tokio::net::TcpListener;

pub use crate::state::AppState;

use crate::app::{App, shell};
use crate::config::Config;
use crate::dana::client::DanaClient;
use crate::dana::clock::SystemClock;
use crate::dana::config::{DEFAULT_CHANNEL_ID, DanaConfig, DanaConfigError};
use crate::dana::keys;
use crate::dana::signing::KeyError;
use crate::db::Pool;
use crate::sandbox::{self, OrderBook, SandboxConfig, SandboxHandle, scenario::Scripts};

/// The app's routes, computed once per process: generating them raises a process-global flag
/// that leaves any resource first polled meanwhile pending forever (leptos issue #4773), so it
/// must never run while another server in the process is rendering.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

pub fn router(state: AppState) -> Router {
    use crate::web::{headers, limits};
    let tls = state.secure_cookies;
    let timeout = std::time::Duration::from_secs(state.request_timeout_seconds);
    // Machines (DANA, the merchant's order system) sign or bear a token instead of a session:
    // their routes sit outside the session guard, each with its own body limit.
    Router::new()
        .merge(crate::intake::routes::machine_routes(&state))
        .merge(upload_routes(&state))
        .merge(staff_routes(&state))
        // Pages, JSON and the browser bundle go out gzip- or brotli-compressed when the client
        // asks (tower-http's default predicate: not tiny bodies, not images, not event streams).
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            http::StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(axum::middleware::from_fn(limits::refuse_oversized))
        .layer(axum::middleware::from_fn_with_state(
            tls,
            headers::security_headers,
        ))
        .with_state(state)
}

/// The CSV upload: a signed-in admin's page post, with room for a file.
fn upload_routes(state: &AppState) -> Router<AppState> {
    use crate::web::limits;
    let limit = crate::orders::import::MAX_UPLOAD_BYTES + 64 * 1024;
    Router::new()
        .route(
            "/orders/import/upload",
            axum::routing::post(crate::intake::upload::upload),
        )
        .layer(axum::extract::DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::auth::guard::guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            limit,
            limits::limit_unsized_bodies,
        ))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(limit))
}

/// Pages, server functions and everything else a signed-in person (or a probe) uses.
fn staff_routes(state: &AppState) -> Router<AppState> {
    use crate::web::limits;
    let routes = route_list();
    Router::new()
        // A real 303 for the bare address (the Leptos router's redirect answers 200 + Location).
        .route("/", get(|| async { Redirect::to("/orders") }))
        .route("/audit/export.csv", get(crate::audit::export::export_csv))
        .route(
            "/orders/import/{upload}/errors.csv",
            get(crate::intake::upload::errors_csv),
        )
        .route("/healthz", get(crate::observability::healthz))
        .route("/readyz", get(crate::observability::readyz))
        .route("/metrics", get(crate::observability::metrics_endpoint))
        .leptos_routes(state, routes, {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(
            |state: axum::extract::State<AppState>, request: axum::extract::Request| {
                crate::web::static_files::files_or_not_found(state, request, shell)
            },
        )
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::auth::guard::guard,
        ))
        .layer(axum::middleware::from_fn(
            crate::web::errors::status_from_app_error,
        ))
        .layer(axum::middleware::from_fn_with_state(
            limits::MAX_BODY_BYTES,
            limits::limit_unsized_bodies,
        ))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            limits::MAX_BODY_BYTES,
        ))
}

/// Serves until `shutdown` resolves, then lets open requests finish (up to 10 s). Each
/// connection must send its request headers within [`HEADER_READ_TIMEOUT`] (a slow-header
/// client is cut off), and every request learns its peer address (`ConnectInfo`).
///
/// [`HEADER_READ_TIMEOUT`]: crate::web::limits::HEADER_READ_TIMEOUT
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use tower::ServiceExt;
    let app = router(state);
    // HTTP/1.1 only: the header-read timeout below guards HTTP/1 connections, and a reverse
    // proxy speaks HTTP/1.1 to its upstream anyway.
    let mut builder = Builder::new(TokioExecutor::new()).http1_only();
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(crate::web::limits::HEADER_READ_TIMEOUT)
        // Room for our own header limit (431 with a message); past this hyper answers 431 itself.
        .max_buf_size(64 * 1024);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::warn!(%err, "accepting a connection failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let service =
            hyper::service::service_fn(move |mut request: http::Request<hyper::body::Incoming>| {
                request
                    .extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                app.clone().oneshot(request.map(axum::body::Body::new))
            });
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(%err, %peer, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(std::time::Duration::from_secs(10), graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("some connections were still open after 10 s; closing them");
    }
    Ok(())
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

/// The Finish Notify receiver and, in sandbox mode, the sandbox DANA that pays demo orders.
/// DANA mode needs DANA's public key (`DANA_PUBLIC_KEY_PATH` / `DANA_PUBLIC_KEY`) to receive
/// anything; without it the receiver is off. Sandbox mode uses the sandbox DANA's own pair
/// (generated under `key_dir`), and its notifications go to `own_base_url`.
pub fn notify_setup(
    config: &Config,
    env: impl Fn(&str) -> Option<String>,
    mode: DanaMode,
    own_base_url: &str,
) -> Result<
    (
        Option<crate::intake::notify::NotifyReceiver>,
        Option<crate::sandbox::notify::FinishNotifier>,
    ),
    DanaSetupError,
> {
    use crate::intake::notify::NotifyReceiver;
    let path = config.notify_path.clone();
    match mode {
        DanaMode::Dana => {
            let key = crate::dana::config::dana_public_key(env)?;
            if key.is_none() {
                tracing::warn!(
                    "DANA_PUBLIC_KEY_PATH is not set: DANA's Finish Notify is not received (set it to DANA's public key to take payments in as they finish)"
                );
            }
            Ok((key.map(|dana_key| NotifyReceiver { path, dana_key }), None))
        }
        DanaMode::Sandbox => {
            let (dana_private, dana_key) = keys::ensure_sandbox_dana_keys(&config.key_dir)?;
            let notifier = crate::sandbox::notify::FinishNotifier::new(
                dana_private,
                own_base_url.to_string(),
                path.clone(),
            );
            Ok((Some(NotifyReceiver { path, dana_key }), Some(notifier)))
        }
    }
}

/// Where cancels go, chosen explicitly: a production start must never fall back to a fake DANA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DanaMode {
    /// DANA at `DANA_BASE_URL` (required).
    Dana,
    /// The embedded sandbox (`serve --sandbox` or `--demo`); `DANA_BASE_URL` must be unset.
    Sandbox,
}

/// Whether `mode` fits the environment: DANA mode needs `DANA_BASE_URL`, sandbox mode must not
/// have it. Checked before the database is touched, so a refused start changes nothing.
pub fn check_dana_mode(
    env: &impl Fn(&str) -> Option<String>,
    mode: DanaMode,
) -> Result<(), DanaConfigError> {
    let url_set = env("DANA_BASE_URL").is_some_and(|v| !v.trim().is_empty());
    match (mode, url_set) {
        (DanaMode::Dana, false) => Err(DanaConfigError {
            var: "DANA_BASE_URL",
            message:
                "is not set: set it (and the other DANA_* variables) to send cancels to DANA, \
                      or start with --sandbox to use the embedded sandbox, which never reaches DANA"
                    .into(),
        }),
        (DanaMode::Sandbox, true) => Err(DanaConfigError {
            var: "DANA_BASE_URL",
            message: "is set, but --sandbox (or --demo) asks for the embedded sandbox: choose one"
                .into(),
        }),
        _ => Ok(()),
    }
}

/// The DANA client the dashboard uses: DANA at `DANA_BASE_URL`, or in sandbox mode the embedded
/// sandbox on a loopback port, signed with the development key pair under `key_dir` (generated
/// on first start).
pub async fn dana_client(
    config: &Config,
    pool: &Pool,
    env: impl Fn(&str) -> Option<String>,
    mode: DanaMode,
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
    check_dana_mode(&env, mode)?;
    if mode == DanaMode::Dana {
        let dana = DanaConfig::from_lookup(&env)?.ok_or_else(|| DanaConfigError {
            var: "DANA_BASE_URL",
            message: "is not set".into(),
        })?;
        tracing::info!(base_url = %dana.base_url, "cancels go to DANA");
        return Ok((DanaClient::new(dana).with_timeout(timeout), None));
    }
    tracing::warn!("sandbox mode: cancels go to the embedded DANA sandbox, never to DANA");
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
            strict: false,
            scripts: Scripts::default(),
            query_scripts: Scripts::default(),
            refund_scripts: Scripts::default(),
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
        debug_mode: false,
    }
    .check()?;
    Ok((DanaClient::new(dana).with_timeout(timeout), Some(handle)))
}
