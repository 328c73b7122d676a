//! The DANA client for Cancel Order and Query Payment: validates, signs and sends one request at
//! a time, and reports each whole (request, answer or error, latency) so callers can audit every
//! one. Signing, transport and classification are separate steps. It knows no storage and no
//! screen.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::catalog::{self, CatalogEntry, Classification, TransactionStatus, UnexpectedReason};
use super::clock::{Clock, ExternalIdSource, RandomExternalIds, SystemClock, format_timestamp};
use super::config::DanaConfig;
use super::refund::{REFUND_PATH, RefundOrderRequest, RefundOrderResponse, validate_refund_body};
use super::signing::string_to_sign;
use super::types::{
    CANCEL_PATH, CancelOrderRequest, CancelOrderResponse, FieldError, QUERY_PATH,
    QueryPaymentRequest, QueryPaymentResponse,
};

/// The `originalPartnerReferenceNo` a signed request's body asks about.
fn partner_reference_of(body: &[u8]) -> Option<String> {
    let json: serde_json::Value = serde_json::from_slice(body).ok()?;
    json.get("originalPartnerReferenceNo")?
        .as_str()
        .map(str::to_string)
}

/// The seed's expected timeout for Cancel Order.
pub const EXPECTED_TIMEOUT: Duration = Duration::from_secs(8);
/// The most of an answer the client reads (DANA's are a few hundred bytes).
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// A request ready to send: every header, and the exact body bytes the signature covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRequest {
    pub method: &'static str,
    pub url: String,
    pub path: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
    pub external_id: String,
    pub timestamp: String,
}

impl SignedRequest {
    /// The request as HTTP text (for `--dry-run` and the audit view).
    pub fn to_http_text(&self) -> String {
        let mut text = format!("{} {} HTTP/1.1\n", self.method, self.url);
        for (name, value) in &self.headers {
            text.push_str(&format!("{name}: {value}\n"));
        }
        text.push('\n');
        text.push_str(&String::from_utf8_lossy(&self.body));
        text
    }

    /// The headers as a JSON object, name to value (for the audit trail; X-SIGNATURE is not a
    /// secret, and no key is in here).
    pub fn headers_object(&self) -> serde_json::Map<String, serde_json::Value> {
        self.headers
            .iter()
            .map(|(name, value)| (name.to_string(), serde_json::Value::String(value.clone())))
            .collect()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A DANA answer body the client reads: which catalog classifies it, and which order it names.
pub trait AnswerBody:
    serde::de::DeserializeOwned + std::fmt::Debug + Clone + PartialEq + Send + 'static
{
    /// Classifies an HTTP answer against this service's catalog.
    fn classify(http_status: u16, body: &[u8]) -> Classification;
    /// The catalog row of an exchange that got no answer.
    fn timeout_entry() -> &'static CatalogEntry;
    /// The catalog row of an answer off DANA's contract.
    fn unexpected_entry() -> &'static CatalogEntry;
    /// The `originalPartnerReferenceNo` the answer names.
    fn names_order(&self) -> Option<&str>;
}

impl AnswerBody for CancelOrderResponse {
    fn classify(http_status: u16, body: &[u8]) -> Classification {
        catalog::classify(http_status, body)
    }
    fn timeout_entry() -> &'static CatalogEntry {
        catalog::total_timeout()
    }
    fn unexpected_entry() -> &'static CatalogEntry {
        catalog::unexpected()
    }
    fn names_order(&self) -> Option<&str> {
        self.original_partner_reference_no.as_deref()
    }
}

impl AnswerBody for RefundOrderResponse {
    fn classify(http_status: u16, body: &[u8]) -> Classification {
        catalog::classify_refund(http_status, body)
    }
    fn timeout_entry() -> &'static CatalogEntry {
        catalog::refund_timeout()
    }
    fn unexpected_entry() -> &'static CatalogEntry {
        catalog::refund_unexpected()
    }
    fn names_order(&self) -> Option<&str> {
        self.original_partner_reference_no.as_deref()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum AttemptResult<R = CancelOrderResponse> {
    /// DANA answered (whatever it answered).
    Answered {
        http_status: u16,
        body: String,
        classification: Classification,
        /// The parsed body, when it parsed.
        response: Option<Box<R>>,
    },
    /// No answer within the timeout.
    TimedOut,
    /// No answer at all (connection refused, reset, DNS): the seed's "total timeout" too.
    Transport(String),
}

/// One attempt at a Cancel Order or Refund Order request.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt<R = CancelOrderResponse> {
    /// 1 for the first attempt.
    pub number: u32,
    pub request: SignedRequest,
    pub result: AttemptResult<R>,
    pub latency: Duration,
}

pub type CancelAttempt = Attempt<CancelOrderResponse>;
pub type RefundAttempt = Attempt<RefundOrderResponse>;

impl<R: AnswerBody> Attempt<R> {
    /// The catalog row this attempt ended in.
    pub fn entry(&self) -> &'static CatalogEntry {
        match &self.result {
            AttemptResult::Answered { classification, .. } => classification.entry,
            AttemptResult::TimedOut | AttemptResult::Transport(_) => R::timeout_entry(),
        }
    }
}

/// A Query Payment exchange.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusQuery {
    pub request: SignedRequest,
    pub result: QueryResult,
    pub latency: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub enum QueryResult {
    Answered {
        http_status: u16,
        body: String,
        classification: Classification,
        response: Option<Box<QueryPaymentResponse>>,
    },
    TimedOut,
    Transport(String),
}

impl StatusQuery {
    /// The Query Payment catalog row this exchange ended in.
    pub fn entry(&self) -> &'static CatalogEntry {
        match &self.result {
            QueryResult::Answered { classification, .. } => classification.entry,
            QueryResult::TimedOut | QueryResult::Transport(_) => catalog::query_timeout(),
        }
    }

    /// DANA's `latestTransactionStatus`, when DANA answered the question.
    pub fn transaction_status(&self) -> Option<&'static TransactionStatus> {
        match &self.result {
            QueryResult::Answered {
                classification,
                response: Some(response),
                ..
            } if classification.unexpected.is_none()
                && classification.entry.outcome == catalog::Outcome::Success =>
            {
                response
                    .latest_transaction_status
                    .as_deref()
                    .and_then(catalog::transaction_status)
            }
            _ => None,
        }
    }
}

/// What came back over the wire, before any reading of it.
enum Exchange {
    Answered { http_status: u16, body: Vec<u8> },
    TimedOut,
    Transport(String),
}

#[derive(Clone)]
pub struct DanaClient {
    http: reqwest::Client,
    config: Arc<DanaConfig>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn ExternalIdSource>,
    timeout: Duration,
}

impl std::fmt::Debug for DanaClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DanaClient")
            .field("config", &self.config)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl DanaClient {
    pub fn new(config: DanaConfig) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client with default settings builds");
        Self {
            http,
            config: Arc::new(config),
            clock: Arc::new(SystemClock),
            ids: Arc::new(RandomExternalIds),
            timeout: EXPECTED_TIMEOUT,
        }
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn with_external_ids(mut self, ids: Arc<dyn ExternalIdSource>) -> Self {
        self.ids = ids;
        self
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn config(&self) -> &DanaConfig {
        &self.config
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Validates and signs with the current time and a fresh X-EXTERNAL-ID.
    pub fn sign_cancel(&self, request: &CancelOrderRequest) -> Result<SignedRequest, FieldError> {
        self.sign_cancel_with(
            request,
            &format_timestamp(self.clock.now()),
            &self.ids.next_id(),
        )
    }

    /// Validates and signs with a given timestamp and X-EXTERNAL-ID (checked like DANA checks them).
    pub fn sign_cancel_with(
        &self,
        request: &CancelOrderRequest,
        timestamp: &str,
        external_id: &str,
    ) -> Result<SignedRequest, FieldError> {
        request.validate()?;
        self.sign_at(CANCEL_PATH, request.to_body(), timestamp, external_id)
    }

    /// Signs a stored Cancel Order body again, byte for byte, with the current time and a fresh
    /// X-EXTERNAL-ID: how a retry sends exactly the first attempt's payload.
    pub fn sign_cancel_body(&self, body: &[u8]) -> Result<SignedRequest, FieldError> {
        self.sign_stored(CANCEL_PATH, body, super::types::validate_body)
    }

    /// Validates and signs a Refund Order request with the current time and a fresh id.
    pub fn sign_refund(&self, request: &RefundOrderRequest) -> Result<SignedRequest, FieldError> {
        request.validate()?;
        self.sign_body(
            REFUND_PATH,
            request.to_body(),
            &format_timestamp(self.clock.now()),
            &self.ids.next_id(),
        )
    }

    /// Validates and signs a Refund Order request with a given timestamp and X-EXTERNAL-ID.
    pub fn sign_refund_with(
        &self,
        request: &RefundOrderRequest,
        timestamp: &str,
        external_id: &str,
    ) -> Result<SignedRequest, FieldError> {
        request.validate()?;
        self.sign_at(REFUND_PATH, request.to_body(), timestamp, external_id)
    }

    /// Signs a stored Refund Order body again, byte for byte (same `partnerRefundNo`: DANA
    /// answers a repeat with its first answer).
    pub fn sign_refund_body(&self, body: &[u8]) -> Result<SignedRequest, FieldError> {
        self.sign_stored(REFUND_PATH, body, validate_refund_body)
    }

    fn sign_stored(
        &self,
        path: &'static str,
        body: &[u8],
        validate: fn(&serde_json::Value) -> Result<(), FieldError>,
    ) -> Result<SignedRequest, FieldError> {
        let json: serde_json::Value = serde_json::from_slice(body).map_err(|_| FieldError {
            field: "body".into(),
            problem: "is not JSON".into(),
            missing: false,
        })?;
        validate(&json)?;
        self.sign_body(
            path,
            body.to_vec(),
            &format_timestamp(self.clock.now()),
            &self.ids.next_id(),
        )
    }

    /// Validates and signs a Query Payment request with the current time and a fresh id.
    pub fn sign_query(&self, request: &QueryPaymentRequest) -> Result<SignedRequest, FieldError> {
        request.validate()?;
        self.sign_body(
            QUERY_PATH,
            request.to_body(),
            &format_timestamp(self.clock.now()),
            &self.ids.next_id(),
        )
    }

    /// Signs with a timestamp given by the caller, checked like DANA checks it.
    fn sign_at(
        &self,
        path: &'static str,
        body: Vec<u8>,
        timestamp: &str,
        external_id: &str,
    ) -> Result<SignedRequest, FieldError> {
        if super::clock::parse_timestamp(timestamp).is_none() {
            return Err(FieldError {
                field: "X-TIMESTAMP".into(),
                problem: "must be YYYY-MM-DDTHH:mm:ss+07:00".into(),
                missing: false,
            });
        }
        self.sign_body(path, body, timestamp, external_id)
    }

    /// SNAP's asymmetric signature over `body` for `path`, and every header.
    fn sign_body(
        &self,
        path: &'static str,
        body: Vec<u8>,
        timestamp: &str,
        external_id: &str,
    ) -> Result<SignedRequest, FieldError> {
        let id_len = external_id.chars().count();
        if !(1..=36).contains(&id_len) {
            return Err(FieldError {
                field: "X-EXTERNAL-ID".into(),
                problem: "must be 1 to 36 characters".into(),
                missing: id_len == 0,
            });
        }
        let signature = self
            .config
            .key
            .sign(&string_to_sign("POST", path, &body, timestamp));
        let mut headers = vec![
            ("Content-Type", "application/json".to_string()),
            ("Accept", "application/json".to_string()),
            ("X-TIMESTAMP", timestamp.to_string()),
            ("X-SIGNATURE", signature),
        ];
        if let Some(origin) = &self.config.origin {
            headers.push(("ORIGIN", origin.clone()));
        }
        headers.extend([
            ("X-PARTNER-ID", self.config.partner_id.clone()),
            ("X-EXTERNAL-ID", external_id.to_string()),
            ("CHANNEL-ID", self.config.channel_id.clone()),
        ]);
        if self.config.debug_mode {
            headers.push(("X-Debug-Mode", "true".to_string()));
        }
        Ok(SignedRequest {
            method: "POST",
            url: format!("{}{}", self.config.base_url, path),
            path,
            headers,
            body,
            external_id: external_id.to_string(),
            timestamp: timestamp.to_string(),
        })
    }

    /// One HTTP exchange within the timeout; an answer is read up to [`MAX_RESPONSE_BYTES`].
    async fn exchange(&self, request: &SignedRequest) -> (Exchange, Duration) {
        let started = Instant::now();
        let mut builder = self
            .http
            .post(&request.url)
            .timeout(self.timeout)
            .body(request.body.clone());
        for (name, value) in &request.headers {
            builder = builder.header(*name, value);
        }
        let exchange = match builder.send().await {
            Ok(mut response) => {
                let http_status = response.status().as_u16();
                // Read at most MAX_RESPONSE_BYTES: DANA's answers are a few hundred bytes, and a
                // misbehaving peer must not fill our memory. Too large is an unknown outcome.
                let mut body = Vec::new();
                loop {
                    match response.chunk().await {
                        Ok(Some(chunk)) if body.len() + chunk.len() > MAX_RESPONSE_BYTES => {
                            break Exchange::Transport(format!(
                                "the answer was larger than {MAX_RESPONSE_BYTES} bytes; not read"
                            ));
                        }
                        Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                        Ok(None) => break Exchange::Answered { http_status, body },
                        Err(err) if err.is_timeout() => break Exchange::TimedOut,
                        Err(err) => break Exchange::Transport(err.to_string()),
                    }
                }
            }
            Err(err) if err.is_timeout() => Exchange::TimedOut,
            Err(err) => Exchange::Transport(err.to_string()),
        };
        (exchange, started.elapsed())
    }

    /// Asks DANA for a payment's status; never fails, every result is an exchange to record.
    pub async fn send_query(&self, request: SignedRequest, asked_about: &str) -> StatusQuery {
        let (exchange, latency) = self.exchange(&request).await;
        let result = match exchange {
            Exchange::Answered { http_status, body } => {
                let mut classification = catalog::classify_query(http_status, &body);
                let response: Option<Box<QueryPaymentResponse>> =
                    serde_json::from_slice(&body).ok();
                // An answer about another order must never settle this one.
                if let Some(other) = response
                    .as_ref()
                    .and_then(|r| r.original_partner_reference_no.as_deref())
                    .filter(|r| *r != asked_about)
                {
                    classification.entry = catalog::query_unexpected();
                    classification.unexpected = Some(UnexpectedReason::OtherOrder(other.into()));
                }
                QueryResult::Answered {
                    http_status,
                    body: String::from_utf8_lossy(&body).into_owned(),
                    classification,
                    response,
                }
            }
            Exchange::TimedOut => QueryResult::TimedOut,
            Exchange::Transport(err) => QueryResult::Transport(err),
        };
        let query = StatusQuery {
            request,
            result,
            latency,
        };
        tracing::info!(
            external_id = %query.request.external_id,
            code = query.entry().code,
            status = query.transaction_status().map(|s| s.code),
            latency_ms = query.latency.as_millis() as u64,
            "DANA query payment"
        );
        query
    }

    /// Validates, signs and sends one Query Payment request.
    pub async fn query_payment(
        &self,
        request: &QueryPaymentRequest,
    ) -> Result<StatusQuery, FieldError> {
        let signed = self.sign_query(request)?;
        Ok(self
            .send_query(signed, &request.original_partner_reference_no)
            .await)
    }

    /// Sends one signed Cancel Order request; never fails, every result is an attempt to record.
    pub async fn send(&self, request: SignedRequest, number: u32) -> CancelAttempt {
        self.send_as(request, number).await
    }

    /// Sends one signed Refund Order request; never fails, every result is an attempt to record.
    pub async fn send_refund(&self, request: SignedRequest, number: u32) -> RefundAttempt {
        self.send_as(request, number).await
    }

    async fn send_as<R: AnswerBody>(&self, request: SignedRequest, number: u32) -> Attempt<R> {
        let (exchange, latency) = self.exchange(&request).await;
        let result = match exchange {
            Exchange::Answered { http_status, body } => {
                let mut classification = R::classify(http_status, &body);
                let response: Option<Box<R>> = serde_json::from_slice(&body).ok();
                // An answer naming another order (a success above all) must never settle this
                // one: it is unexpected, and treated as no answer.
                let asked_about = partner_reference_of(&request.body);
                if let Some(other) = response
                    .as_ref()
                    .and_then(|r| r.names_order())
                    .filter(|r| asked_about.as_deref().is_some_and(|asked| asked != *r))
                {
                    classification.entry = R::unexpected_entry();
                    classification.unexpected = Some(UnexpectedReason::OtherOrder(other.into()));
                }
                AttemptResult::Answered {
                    http_status,
                    classification,
                    response,
                    body: String::from_utf8_lossy(&body).into_owned(),
                }
            }
            Exchange::TimedOut => AttemptResult::TimedOut,
            Exchange::Transport(err) => AttemptResult::Transport(err),
        };
        let attempt = Attempt {
            number,
            request,
            result,
            latency,
        };
        tracing::info!(
            path = attempt.request.path,
            external_id = %attempt.request.external_id,
            attempt = number,
            code = attempt.entry().code,
            latency_ms = attempt.latency.as_millis() as u64,
            "DANA attempt"
        );
        attempt
    }

    /// One attempt.
    pub async fn cancel_order(
        &self,
        request: &CancelOrderRequest,
    ) -> Result<CancelAttempt, FieldError> {
        Ok(self.send(self.sign_cancel(request)?, 1).await)
    }

    /// Sends the request, and again (same body, fresh X-EXTERNAL-ID, timestamp and signature)
    /// while DANA gives no answer, up to the catalog's limit of attempts for time-outs (3).
    /// `on_attempt` sees each attempt as soon as it ends, so it can be recorded before the next.
    pub async fn cancel_order_retrying_timeouts(
        &self,
        request: &CancelOrderRequest,
        mut on_attempt: impl FnMut(&CancelAttempt),
    ) -> Result<Vec<CancelAttempt>, FieldError> {
        let limit = catalog::total_timeout().max_attempts.unwrap_or(1);
        let mut attempts = Vec::new();
        for number in 1..=limit {
            let attempt = self.send(self.sign_cancel(request)?, number).await;
            on_attempt(&attempt);
            let no_answer = attempt.entry().code == catalog::TOTAL_TIMEOUT;
            attempts.push(attempt);
            if !no_answer {
                break;
            }
        }
        Ok(attempts)
    }
}
