//! A stand-in for DANA's Cancel Order, Query Payment and Refund Order endpoints (one file each:
//! `cancel.rs`, `query.rs`, `refund.rs`; what they share is here), as strict as DANA and no
//! stricter: every header's presence and format, the signature against the merchant's public
//! key, every body field (an empty optional string counts as absent, as at DANA), DANA's magic
//! references, and the orders it knows with their state (paid or cancelled, including a cancel
//! whose answer never reached the client). Rules DANA does not document (timestamp skew, amount
//! equal to the order's, a reused X-EXTERNAL-ID) apply only in strict mode. Runs as
//! `cancel-desk sandbox [--strict]` or inside the dashboard.

mod cancel;
pub mod notify;
mod query;
mod refund;
pub mod scenario;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::Value;
use tokio::net::TcpListener;

use crate::dana::clock::{Clock, format_timestamp, parse_timestamp};
use crate::dana::signing::{PublicKey, string_to_sign};
use crate::dana::types::{
    CANCEL_PATH, CancelOrderResponse, QUERY_PATH, REQUEST_HEADERS, check_field, validate_fields,
};
use crate::money::Money;
use scenario::{Behaviour, Scripts};

/// In strict mode: how far X-TIMESTAMP may be from the sandbox's clock.
pub const STRICT_MAX_SKEW: Duration = Duration::from_secs(5 * 60);

/// An order as DANA knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxOrder {
    pub partner_reference_no: String,
    pub reference_no: Option<String>,
    pub merchant_id: String,
    pub amount: Money,
    pub currency: String,
    /// Unix seconds.
    pub paid_at: i64,
    /// Cancelled before the sandbox started (outside this sandbox).
    pub cancelled: bool,
    /// DANA took the payment (not unpaid or closed unpaid).
    pub paid: bool,
    /// Refunded in full before the sandbox started (outside this sandbox).
    pub refunded: bool,
}

/// Where the sandbox learns the orders it knows.
#[derive(Clone)]
pub enum OrderBook {
    /// The dashboard's database (what DANA would know of the merchant's payments).
    Database(crate::db::Pool),
    /// A fixed set, for tests.
    Fixed(Arc<HashMap<String, SandboxOrder>>),
}

impl OrderBook {
    pub fn fixed(orders: impl IntoIterator<Item = SandboxOrder>) -> Self {
        OrderBook::Fixed(Arc::new(
            orders
                .into_iter()
                .map(|o| (o.partner_reference_no.clone(), o))
                .collect(),
        ))
    }

    async fn find(&self, reference: &str) -> Result<Option<SandboxOrder>, sqlx::Error> {
        match self {
            OrderBook::Fixed(orders) => Ok(orders.get(reference).cloned()),
            OrderBook::Database(pool) => Ok(crate::db::orders::find_by_partner_reference(
                pool, reference,
            )
            .await?
            .and_then(|row| {
                Some(SandboxOrder {
                    amount: Money::from_minor(row.amount_minor).ok()?,
                    cancelled: row.status == "CANCELLED",
                    paid: !matches!(row.status.as_str(), "UNPAID" | "CLOSED"),
                    refunded: row.status == "REFUNDED",
                    partner_reference_no: row.partner_reference_no,
                    reference_no: row.reference_no,
                    merchant_id: row.merchant_id,
                    currency: row.currency,
                    paid_at: row.paid_at.seconds(),
                })
            })),
        }
    }
}

pub struct SandboxConfig {
    /// The merchant's public key, which every signature must verify against.
    pub public_key: PublicKey,
    /// The X-PARTNER-ID it accepts; `None` accepts any.
    pub partner_id: Option<String>,
    pub orders: OrderBook,
    pub clock: Arc<dyn Clock>,
    /// Also apply Cancel Desk's own rules, which DANA does not document: X-TIMESTAMP within
    /// [`STRICT_MAX_SKEW`], a cancel's amount equal to the order's, no X-EXTERNAL-ID reused
    /// within a day.
    pub strict: bool,
    /// Behaviours of Cancel Order requests.
    pub scripts: Scripts,
    /// Behaviours of Query Payment requests (normal unless scripted).
    pub query_scripts: Scripts,
    /// Behaviours of Refund Order requests, by the order's partner reference (normal unless
    /// scripted or a magic amount).
    pub refund_scripts: Scripts,
}

struct SandboxState {
    public_key: PublicKey,
    partner_id: Option<String>,
    orders: OrderBook,
    clock: Arc<dyn Clock>,
    strict: bool,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    scripts: Scripts,
    query_scripts: Scripts,
    cancellations: HashMap<String, cancel::Cancellation>,
    /// Refunds made, by `partnerRefundNo`.
    refunds: HashMap<String, refund::RefundRecord>,
    /// Refund Order behaviours, by the order's partner reference.
    refund_scripts: Scripts,
    /// Refund requests that passed the header checks, per partner reference.
    refund_calls: HashMap<String, usize>,
    /// (Jakarta day, X-EXTERNAL-ID) pairs seen: an id may not repeat within a day.
    external_ids: HashSet<(String, String)>,
    /// Cancel requests that passed the header checks, per partner reference.
    calls: HashMap<String, usize>,
    /// Query Payment requests that passed the header checks, per partner reference.
    query_calls: HashMap<String, usize>,
}

/// A running sandbox. Dropping it does not stop the server; call [`SandboxHandle::shutdown`].
#[derive(Clone)]
pub struct SandboxHandle {
    pub addr: SocketAddr,
    state: Arc<SandboxState>,
    shutdown: Arc<tokio::sync::Notify>,
}

impl SandboxHandle {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Sets the behaviours of the next requests for one order.
    pub fn script(&self, reference: &str, behaviours: Vec<Behaviour>) {
        self.state
            .inner
            .lock()
            .expect("sandbox state")
            .scripts
            .set(reference, behaviours);
    }

    /// Sets the behaviours of the next Query Payment requests for one order.
    pub fn script_queries(&self, reference: &str, behaviours: Vec<Behaviour>) {
        self.state
            .inner
            .lock()
            .expect("sandbox state")
            .query_scripts
            .set(reference, behaviours);
    }

    /// How many signed, well-formed Query Payment requests reached the sandbox for this order.
    pub fn query_calls(&self, reference: &str) -> usize {
        self.state
            .inner
            .lock()
            .expect("sandbox state")
            .query_calls
            .get(reference)
            .copied()
            .unwrap_or(0)
    }

    /// How many signed, well-formed cancel requests reached the sandbox for this order.
    pub fn calls(&self, reference: &str) -> usize {
        self.state
            .inner
            .lock()
            .expect("sandbox state")
            .calls
            .get(reference)
            .copied()
            .unwrap_or(0)
    }

    /// Sets the behaviours of the next Refund Order requests for one order.
    pub fn script_refunds(&self, reference: &str, behaviours: Vec<Behaviour>) {
        self.state
            .inner
            .lock()
            .expect("sandbox state")
            .refund_scripts
            .set(reference, behaviours);
    }

    /// How many signed, well-formed refund requests reached the sandbox for this order.
    pub fn refund_calls(&self, reference: &str) -> usize {
        self.state
            .inner
            .lock()
            .expect("sandbox state")
            .refund_calls
            .get(reference)
            .copied()
            .unwrap_or(0)
    }

    /// The sum the sandbox refunded for this order, in minor units.
    pub fn refunded_minor(&self, reference: &str) -> i64 {
        self.state
            .inner
            .lock()
            .expect("sandbox state")
            .refunded_minor(reference)
    }

    /// Whether the sandbox cancelled this order.
    pub fn is_cancelled(&self, reference: &str) -> bool {
        self.state
            .inner
            .lock()
            .expect("sandbox state")
            .cancellations
            .contains_key(reference)
    }

    pub fn shutdown(&self) {
        self.shutdown.notify_one();
    }
}

fn router(config: SandboxConfig) -> (Router, Arc<SandboxState>) {
    let state = Arc::new(SandboxState {
        public_key: config.public_key,
        partner_id: config.partner_id,
        orders: config.orders,
        clock: config.clock,
        strict: config.strict,
        inner: Mutex::new(Inner {
            scripts: config.scripts,
            query_scripts: config.query_scripts,
            refund_scripts: config.refund_scripts,
            ..Inner::default()
        }),
    });
    let router = Router::new()
        .route(CANCEL_PATH, post(cancel::cancel))
        .route(QUERY_PATH, post(query::query))
        .route(crate::dana::refund::REFUND_PATH, post(refund::refund))
        .with_state(state.clone());
    (router, state)
}

/// Serves the sandbox on `listener` in the background.
pub fn spawn(listener: TcpListener, config: SandboxConfig) -> std::io::Result<SandboxHandle> {
    let addr = listener.local_addr()?;
    let (router, state) = router(config);
    let shutdown = Arc::new(tokio::sync::Notify::new());
    let signal = shutdown.clone();
    tokio::spawn(async move {
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(async move { signal.notified().await })
            .await;
        if let Err(err) = served {
            tracing::error!(%err, "sandbox server stopped");
        }
    });
    Ok(SandboxHandle {
        addr,
        state,
        shutdown,
    })
}

/// A DANA answer: status from the code, JSON body, X-TIMESTAMP header.
fn answer(
    state: &SandboxState,
    code: &str,
    message: &str,
    extra: Option<CancelOrderResponse>,
) -> Response {
    let http = code[0..3]
        .parse::<u16>()
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = match extra {
        Some(full) => serde_json::to_string(&full),
        None => serde_json::to_string(
            &serde_json::json!({ "responseCode": code, "responseMessage": message }),
        ),
    }
    .expect("a response serialises");
    raw(state, http, body)
}

fn raw(state: &SandboxState, status: StatusCode, body: String) -> Response {
    let timestamp = format_timestamp(state.clock.now());
    (
        status,
        [
            ("content-type", "application/json"),
            ("x-timestamp", timestamp.as_str()),
        ],
        body,
    )
        .into_response()
}

/// SNAP codes are HTTP status + service + case; these three cases exist for every service.
fn snap(http_and_case: (&str, &str), service: &str) -> String {
    format!("{}{service}{}", http_and_case.0, http_and_case.1)
}

fn mandatory(service: &str, field: &str) -> (String, String) {
    (
        snap(("400", "02"), service),
        format!("Invalid Mandatory Field {field}"),
    )
}

fn format_error(service: &str, field: &str) -> (String, String) {
    (
        snap(("400", "01"), service),
        format!("Invalid Field Format {field}"),
    )
}

fn unauthorized(service: &str, reason: &str) -> (String, String) {
    (
        snap(("401", "00"), service),
        format!("Unauthorized. {reason}"),
    )
}

/// Header checks, in DANA's order: presence and length, format, skew, partner, signature.
fn check_headers(
    state: &SandboxState,
    service: &'static str,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<String, (String, String)> {
    for rule in REQUEST_HEADERS {
        let value = match headers.get(rule.name) {
            None => None,
            Some(v) => Some(Value::String(
                v.to_str()
                    .map_err(|_| format_error(service, rule.name))?
                    .to_string(),
            )),
        };
        check_field(rule, value.as_ref()).map_err(|e| {
            if e.missing {
                mandatory(service, rule.name)
            } else {
                format_error(service, rule.name)
            }
        })?;
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    };
    let content_type = header("content-type");
    if content_type.split(';').next().map(str::trim) != Some("application/json") {
        return Err(format_error(service, "Content-Type"));
    }
    let timestamp = header("x-timestamp");
    let sent_at = parse_timestamp(timestamp).ok_or_else(|| format_error(service, "X-TIMESTAMP"))?;
    let skew = (state.clock.now() - sent_at).num_seconds().unsigned_abs();
    if state.strict && skew > STRICT_MAX_SKEW.as_secs() {
        return Err(unauthorized(
            service,
            "X-TIMESTAMP is outside the allowed time window",
        ));
    }
    if let Some(expected) = &state.partner_id
        && header("x-partner-id") != expected
    {
        return Err(unauthorized(service, "Unknown X-PARTNER-ID"));
    }
    let signed = string_to_sign("POST", path, body, timestamp);
    state
        .public_key
        .verify(&signed, header("x-signature"))
        .map_err(|_| unauthorized(service, "Invalid Signature"))?;
    Ok(timestamp[..10].to_string())
}

/// What both endpoints check first, in DANA's order: the headers and signature over `path`, the
/// body as JSON, every field rule, then the typed request. Returns the Jakarta day, the
/// X-EXTERNAL-ID and the request, or the answer refusing it (with `service`'s codes).
fn receive<T: serde::de::DeserializeOwned>(
    state: &SandboxState,
    service: &'static str,
    path: &str,
    rules: &[crate::dana::types::FieldRule],
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(String, String, T), Box<Response>> {
    let bad_request = || {
        let code = snap_bad_request(service);
        let message = if code.ends_with("00") {
            "Bad Request"
        } else {
            "Invalid Field Format"
        };
        Box::new(answer(state, &code, message, None))
    };
    let day = check_headers(state, service, path, headers, body)
        .map_err(|(code, message)| Box::new(answer(state, &code, &message, None)))?;
    let mut json: Value = serde_json::from_slice(body).map_err(|_| bad_request())?;
    drop_empty_optionals(rules, &mut json);
    if let Err(e) = validate_fields(rules, &json) {
        let (code, message) = if e.missing {
            mandatory(service, &e.field)
        } else {
            format_error(service, &e.field)
        };
        return Err(Box::new(answer(state, &code, &message, None)));
    }
    let request = serde_json::from_value(json).map_err(|_| bad_request())?;
    let external_id = headers
        .get("x-external-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    Ok((day, external_id, request))
}

/// DANA treats an optional field sent as an empty string as absent.
fn drop_empty_optionals(rules: &[crate::dana::types::FieldRule], json: &mut Value) {
    let Some(object) = json.as_object_mut() else {
        return;
    };
    for rule in rules.iter().filter(|r| !r.required) {
        if object.get(rule.name).and_then(Value::as_str) == Some("") {
            object.remove(rule.name);
        }
    }
}

/// DANA's answer to a body that is not JSON: Bad Request where the service defines one;
/// Refund Order documents no 4005800, so its Invalid Field Format.
fn snap_bad_request(service: &str) -> String {
    match service {
        "58" => "4005801".into(),
        _ => snap(("400", "00"), service),
    }
}
