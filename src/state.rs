//! What every request may use: the pool, the DANA client, the cancel service, the settings the
//! HTTP layer needs and the audit key. At the bottom of the module graph: the server, the guard,
//! the server functions and the probes all read it, and it imports none of them.

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::config::Config;
use crate::dana::client::DanaClient;
use crate::db::Pool;

/// What every request may use. Server functions read it from the Leptos context.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: Pool,
    /// The signed DANA client (DANA itself, or the embedded sandbox).
    pub dana: DanaClient,
    /// Cancels and the pending queue (shares `pool` and `dana`).
    pub cancels: crate::cancel::service::CancelService,
    pub refunds: crate::refund::service::RefundService,
    /// Four-eyes requests over `cancels` and `refunds`: the front door for staff's cancels,
    /// refunds and settling by hand.
    pub approvals: crate::approval::service::ApprovalService,
    pub session_idle_seconds: i64,
    /// A session ends this long after sign-in, however active (`CANCEL_DESK_SESSION_MAX_HOURS`).
    pub session_max_seconds: i64,
    pub secure_cookies: bool,
    /// `CANCEL_DESK_METRICS_TOKEN`: when set, `/metrics` needs it as a bearer token.
    pub metrics_token: Option<String>,
    /// `CANCEL_DESK_METRICS_PUBLIC`: `/metrics` open without a token, on purpose.
    pub metrics_public: bool,
    /// Peers whose `X-Forwarded-For` is believed (`CANCEL_DESK_TRUSTED_PROXIES`).
    pub trusted_proxies: std::sync::Arc<Vec<ipnet::IpNet>>,
    /// The secret that keys the audit chain (outside the database).
    pub audit_key: crate::audit::key::AuditKey,
    /// Cancels go to the embedded sandbox, not DANA: every page says so.
    pub sandbox: bool,
    /// This process's metrics (`/metrics`); the cancel service records into the same registry.
    pub metrics: crate::metrics::Metrics,
    /// The longest a request may take (`CANCEL_DESK_REQUEST_TIMEOUT_SECONDS`).
    pub request_timeout_seconds: u64,
    /// Where sessions, throttling and the queue read the time: the database's clock, which every
    /// server of a deployment shares.
    pub clock: crate::clock::Clock,
    /// The Finish Notify receiver: `None` when no DANA public key is configured (the route then
    /// answers 404; nothing unverifiable is ever accepted).
    pub notify: Option<std::sync::Arc<crate::dana::notify::NotifyReceiver>>,
    /// Sandbox mode only: the sandbox DANA's notifier, which "pays" demo orders.
    pub sandbox_payments: Option<crate::sandbox::notify::FinishNotifier>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl AppState {
    pub fn new(
        config: &Config,
        pool: Pool,
        dana: DanaClient,
        audit_key: crate::audit::key::AuditKey,
        sandbox: bool,
    ) -> Self {
        let leptos_options = LeptosOptions::builder()
            .output_name("cancel-desk")
            .site_root(config.site_root.to_string_lossy().into_owned())
            .site_pkg_dir("pkg")
            .site_addr(config.addr)
            .hash_files(bundle_is_hashed())
            .build();
        let metrics = crate::metrics::Metrics::new();
        // One clock (and one measured offset) for the cancel service and the request paths.
        let clock = crate::clock::Clock::database();
        let cancels = crate::cancel::service::CancelService::new(
            pool.clone(),
            dana.clone(),
            config.queue.clone(),
            audit_key.clone(),
        )
        .with_metrics(metrics.clone())
        .with_clock(clock.clone());
        let refunds = crate::refund::service::RefundService::alongside(&cancels);
        let approvals = crate::approval::service::ApprovalService::new(
            cancels.clone(),
            refunds.clone(),
            config.approvals,
        );
        Self {
            leptos_options,
            pool,
            dana,
            cancels,
            refunds,
            approvals,
            session_idle_seconds: config.session_idle_minutes * 60,
            session_max_seconds: config.session_max_hours * 3600,
            secure_cookies: config.secure_cookies,
            metrics_token: config.metrics_token.clone(),
            metrics_public: config.metrics_public,
            trusted_proxies: std::sync::Arc::new(config.trusted_proxies.clone()),
            audit_key,
            sandbox,
            metrics,
            request_timeout_seconds: config.request_timeout_seconds,
            clock,
            notify: None,
            sandbox_payments: None,
        }
    }

    /// Receives DANA's Finish Notify with this receiver.
    pub fn with_notify(mut self, receiver: crate::dana::notify::NotifyReceiver) -> Self {
        self.notify = Some(std::sync::Arc::new(receiver));
        self
    }

    /// Sandbox mode: lets admins "pay" a demo order through the sandbox DANA.
    pub fn with_sandbox_payments(
        mut self,
        notifier: crate::sandbox::notify::FinishNotifier,
    ) -> Self {
        self.sandbox_payments = Some(notifier);
        self
    }
}

/// Whether the release bundle's file names carry content hashes: cargo-leptos then writes
/// `hash.txt` beside the server binary (ship the two together).
fn bundle_is_hashed() -> bool {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt")))
        .is_some_and(|path| path.is_file())
}

impl AppState {
    pub fn session_policy(&self) -> crate::auth::session::SessionPolicy {
        crate::auth::session::SessionPolicy {
            idle_seconds: self.session_idle_seconds,
            max_seconds: self.session_max_seconds,
        }
    }
}
