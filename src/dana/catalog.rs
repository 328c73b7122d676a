//! The response-code catalogs: tables of data, read by the client logic (what an answer means,
//! whether to retry) and by the UI (what to tell staff). Compiled into both the server and the
//! browser bundle. Cancel Order (service 57) texts in `cause` and `solution` are DANA's, from the
//! seed page; Query Payment (service 55) rows and the transaction statuses are from DANA's Query
//! Payment page as its SDKs publish it; Refund Order (service 58) rows are in `catalog/refund.rs`.
//! Each row's `explain` is our own advice for staff, in English and Bahasa Indonesia: its texts
//! are in `locales/{en,id}/catalog.json` (DANA's `message`, `cause` and `solution` stay DANA's).

use serde::Serialize;

use crate::i18n::{Locale, td_string};

/// DANA's SNAP service code for Cancel Order.
pub const CANCEL_SERVICE_CODE: &str = "57";
/// DANA's SNAP service code for Query Payment.
pub const QUERY_SERVICE_CODE: &str = "55";
/// DANA's SNAP service code for Refund Order.
pub const REFUND_SERVICE_CODE: &str = "58";

mod refund;
pub use refund::{
    REFUND_CATALOG, SANDBOX_REFUND_AMOUNTS, lookup_refund, refund_timeout, refund_unexpected,
};

/// What an answer means for the cancel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Outcome {
    /// DANA cancelled the order.
    Success,
    /// Not settled yet: the same request must be sent again until DANA settles it.
    Pending,
    /// DANA refused; the order stays paid.
    Failed,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        self.label_in(Locale::en)
    }

    pub fn label_in(self, locale: Locale) -> &'static str {
        match self {
            Outcome::Success => td_string!(locale, labels.outcome.success),
            Outcome::Pending => td_string!(locale, labels.outcome.pending),
            Outcome::Failed => td_string!(locale, labels.outcome.failed),
        }
    }

    /// CSS tone, shared with the order status badges.
    pub fn tone(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Pending => "pending",
            Outcome::Failed => "failed",
        }
    }
}

/// What may be done after the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum RetryRule {
    /// Send the same request body again later (fresh X-EXTERNAL-ID, timestamp and signature).
    RetrySamePayloadLater,
    /// Sending it again as it is will fail the same way: the request must be corrected.
    FixRequest,
    /// Nothing more to send.
    DoNotRetry,
    /// Only DANA can resolve it.
    ContactDana,
}

impl RetryRule {
    pub fn label(self) -> &'static str {
        self.label_in(Locale::en)
    }

    pub fn label_in(self, locale: Locale) -> &'static str {
        match self {
            RetryRule::RetrySamePayloadLater => {
                td_string!(locale, labels.retry_rule.retry_same_payload_later)
            }
            RetryRule::FixRequest => td_string!(locale, labels.retry_rule.fix_request),
            RetryRule::DoNotRetry => td_string!(locale, labels.retry_rule.do_not_retry),
            RetryRule::ContactDana => td_string!(locale, labels.retry_rule.contact_dana),
        }
    }
}

/// The two catalog rows that are not DANA response codes.
pub const TOTAL_TIMEOUT: &str = "TIMEOUT";
pub const UNEXPECTED: &str = "UNEXPECTED";

#[derive(Clone, Serialize)]
pub struct CatalogEntry {
    /// DANA's 7-character `responseCode`, or [`TOTAL_TIMEOUT`] / [`UNEXPECTED`].
    pub code: &'static str,
    /// The HTTP status DANA answers this code with (`None` for the two non-codes).
    pub http_status: Option<u16>,
    /// DANA's `responseMessage` (some carry a `[reason]` or field name after it).
    pub message: &'static str,
    pub cause: &'static str,
    /// The seed page's solution, word for word.
    pub solution: &'static str,
    pub outcome: Outcome,
    pub retry: RetryRule,
    /// At most this many attempts in all (the seed's rule for time-outs).
    pub max_attempts: Option<u32>,
    /// Whether the cancel may have taken effect without our knowing: check its status with DANA
    /// before sending it again.
    pub outcome_unknown: bool,
    /// One sentence for finance staff: what happened and what to do, in each language (our
    /// words, in `locales/*/catalog.json`). Read it with [`CatalogEntry::explanation_in`] or
    /// [`CatalogEntry::explanation`]; serialized as `explanation`, in English.
    #[serde(rename = "explanation", serialize_with = "serialize_explanation")]
    pub explain: fn(Locale) -> &'static str,
}

impl CatalogEntry {
    /// The explanation for staff, in `locale`.
    pub fn explanation_in(&self, locale: Locale) -> &'static str {
        (self.explain)(locale)
    }

    /// The explanation for staff in English (what the audit trail and the CLI record).
    pub fn explanation(&self) -> &'static str {
        self.explanation_in(Locale::en)
    }
}

/// Serializes an `explain` field as the English text, as the `explanation` field used to be.
fn serialize_explanation<S: serde::Serializer>(
    explain: &fn(Locale) -> &'static str,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(explain(Locale::en))
}

// By hand rather than derived: a function pointer's address means nothing (one function may get
// two addresses, two functions one), so these compare and show the English explanation instead,
// as they did when it was a string.
impl PartialEq for CatalogEntry {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
            && self.http_status == other.http_status
            && self.message == other.message
            && self.cause == other.cause
            && self.solution == other.solution
            && self.outcome == other.outcome
            && self.retry == other.retry
            && self.max_attempts == other.max_attempts
            && self.outcome_unknown == other.outcome_unknown
            && self.explanation() == other.explanation()
    }
}

impl Eq for CatalogEntry {}

impl std::fmt::Debug for CatalogEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatalogEntry")
            .field("code", &self.code)
            .field("http_status", &self.http_status)
            .field("message", &self.message)
            .field("cause", &self.cause)
            .field("solution", &self.solution)
            .field("outcome", &self.outcome)
            .field("retry", &self.retry)
            .field("max_attempts", &self.max_attempts)
            .field("outcome_unknown", &self.outcome_unknown)
            .field("explanation", &self.explanation())
            .finish()
    }
}

macro_rules! entry {
    ($code:expr, $http:expr, $message:expr, $cause:expr, $solution:expr, $outcome:ident, $retry:ident, $($key:ident).+) => {
        CatalogEntry {
            code: $code,
            http_status: Some($http),
            message: $message,
            cause: $cause,
            solution: $solution,
            outcome: Outcome::$outcome,
            retry: RetryRule::$retry,
            max_attempts: None,
            outcome_unknown: false,
            explain: |l| crate::i18n::td_string!(l, $($key).+),
        }
    };
}

pub static CATALOG: &[CatalogEntry] = &[
    entry!(
        "2005700",
        200,
        "Successful",
        "Success to be processed",
        "Mark Cancel Order process as Success",
        Success,
        DoNotRetry,
        catalog.cancel.c2005700
    ),
    entry!(
        "2025700",
        202,
        "Request In Progress",
        "Cancel is on process",
        "Mark Cancel Order process as Pending. Retry request periodically by sending same request payload",
        Pending,
        RetrySamePayloadLater,
        catalog.cancel.c2025700
    ),
    entry!(
        "4005700",
        400,
        "Bad Request",
        "General request failed error",
        "Mark Cancel Order process as Failed. Retry request with proper parameter",
        Failed,
        FixRequest,
        catalog.cancel.c4005700
    ),
    entry!(
        "4005701",
        400,
        "Invalid Field Format",
        "Invalid format for certain field",
        "Mark Cancel Order process as Failed. Retry request with proper parameter",
        Failed,
        FixRequest,
        catalog.cancel.c4005701
    ),
    entry!(
        "4005702",
        400,
        "Invalid Mandatory Field",
        "Missing or invalid format on mandatory field",
        "Mark Cancel Order process as Failed. Retry request with proper parameter",
        Failed,
        FixRequest,
        catalog.cancel.c4005702
    ),
    entry!(
        "4015700",
        401,
        "Unauthorized. [reason]",
        "General unauthorized error",
        "Mark Cancel Order process as Failed. Retry request with proper parameter",
        Failed,
        FixRequest,
        catalog.cancel.c4015700
    ),
    entry!(
        "4035700",
        403,
        "Transaction Expired",
        "Transaction cannot be cancelled because cancel time is already expired",
        "Mark Cancel Order process as Failed. Inform to user that order cancel cannot be processed",
        Failed,
        DoNotRetry,
        catalog.cancel.c4035700
    ),
    entry!(
        "4035705",
        403,
        "Do Not Honor",
        "Account or user status is abnormal",
        "Mark Cancel Order process as Failed. Retry request with proper parameter or can contact to DANA check the user/account status",
        Failed,
        ContactDana,
        catalog.cancel.c4035705
    ),
    entry!(
        "4035714",
        403,
        "Insufficient Funds",
        "Insufficient funds of merchant\u{2019}s account to cancel the order",
        "Mark Cancel Order process as Failed. Retry request periodically",
        Failed,
        RetrySamePayloadLater,
        catalog.cancel.c4035714
    ),
    entry!(
        "4035715",
        403,
        "Transaction Not Permitted.[reason]",
        "Transaction not permitted",
        "Mark Cancel Order process as Failed. Retry request periodically or contact DANA to consult",
        Failed,
        RetrySamePayloadLater,
        catalog.cancel.c4035715
    ),
    entry!(
        "4045700",
        404,
        "Invalid Transaction Status",
        "Invalid transaction status",
        "Mark Cancel Order process as Failed. Retry request periodically or contact DANA to consult",
        Failed,
        RetrySamePayloadLater,
        catalog.cancel.c4045700
    ),
    entry!(
        "4045701",
        404,
        "Transaction Not Found",
        "Transaction not found",
        "Mark Cancel Order process as Failed. Retry request with proper parameter",
        Failed,
        FixRequest,
        catalog.cancel.c4045701
    ),
    entry!(
        "4045708",
        404,
        "Invalid Merchant",
        "Merchant does not exist or status abnormal",
        "Mark Cancel Order process as Failed. Retry request with proper parameter",
        Failed,
        FixRequest,
        catalog.cancel.c4045708
    ),
    entry!(
        "4295700",
        429,
        "Too Many Requests",
        "Maximum transaction limit exceeded",
        "Mark Cancel Order process as Pending. Retry request periodically by sending same request payload",
        Pending,
        RetrySamePayloadLater,
        catalog.cancel.c4295700
    ),
    entry!(
        "5005700",
        500,
        "General Error",
        "General error non retry-able",
        "Mark Cancel Order process as Failed. Retry request periodically",
        Failed,
        RetrySamePayloadLater,
        catalog.cancel.c5005700
    ),
    entry!(
        "5005701",
        500,
        "Internal Server Error",
        "Unknown internal server failure, please retry the process again",
        "Mark Cancel Order process as Pending. Retry request periodically by sending same request payload",
        Pending,
        RetrySamePayloadLater,
        catalog.cancel.c5005701
    ),
    CatalogEntry {
        code: TOTAL_TIMEOUT,
        http_status: None,
        message: "Total Timeout",
        cause: "Total timeout, the client side does not get any responses from the server side (can be due to network issue, server slowing down, and so on)",
        solution: "Do a retry maximum 3 attempts, if the result is still the same then action is aborted. Show appropriate error message to users",
        outcome: Outcome::Pending,
        retry: RetryRule::RetrySamePayloadLater,
        max_attempts: Some(3),
        outcome_unknown: true,
        explain: |l| td_string!(l, catalog.cancel.timeout),
    },
    CatalogEntry {
        code: UNEXPECTED,
        http_status: None,
        message: "Unexpected response",
        cause: "The server does not produce expected responses (can be due to hardware failure, bugs, and so on)",
        solution: "",
        outcome: Outcome::Pending,
        retry: RetryRule::ContactDana,
        max_attempts: None,
        outcome_unknown: true,
        explain: |l| td_string!(l, catalog.cancel.unexpected),
    },
];

/// The entry for a catalog code (a DANA code, `TIMEOUT` or `UNEXPECTED`).
pub fn lookup(code: &str) -> Option<&'static CatalogEntry> {
    CATALOG.iter().find(|e| e.code == code)
}

pub fn total_timeout() -> &'static CatalogEntry {
    lookup(TOTAL_TIMEOUT).expect("the catalog has a time-out entry")
}

pub fn unexpected() -> &'static CatalogEntry {
    lookup(UNEXPECTED).expect("the catalog has an unexpected-response entry")
}

/// Why an answer did not fit DANA's contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum UnexpectedReason {
    EmptyBody,
    NotJson,
    MissingResponseCode,
    /// Not 7 digits.
    MalformedCode(String),
    /// The code belongs to another SNAP service.
    WrongServiceCode(String),
    /// The code's HTTP part disagrees with the HTTP status.
    HttpStatusMismatch {
        code: String,
        http_status: u16,
    },
    UnknownCode(String),
    /// A Query Payment success without a known `latestTransactionStatus`.
    BadTransactionStatus(Option<String>),
    /// A Query Payment answer about another order than the one asked about.
    OtherOrder(String),
}

impl UnexpectedReason {
    pub fn describe(&self) -> String {
        match self {
            UnexpectedReason::EmptyBody => "the answer had an empty body".into(),
            UnexpectedReason::NotJson => "the answer was not JSON".into(),
            UnexpectedReason::MissingResponseCode => "the answer had no responseCode".into(),
            UnexpectedReason::MalformedCode(c) => format!("responseCode {c:?} is not 7 digits"),
            UnexpectedReason::WrongServiceCode(c) => {
                format!("responseCode {c} belongs to another DANA service")
            }
            UnexpectedReason::HttpStatusMismatch { code, http_status } => {
                format!("responseCode {code} came with HTTP status {http_status}")
            }
            UnexpectedReason::UnknownCode(c) => {
                format!("responseCode {c} is not in DANA's list for this service")
            }
            UnexpectedReason::BadTransactionStatus(None) => {
                "the answer had no latestTransactionStatus".into()
            }
            UnexpectedReason::BadTransactionStatus(Some(s)) => {
                format!("latestTransactionStatus {s:?} is not one DANA defines")
            }
            UnexpectedReason::OtherOrder(r) => {
                format!("the answer was about another order ({r})")
            }
        }
    }
}

/// What an HTTP answer means, against one service's catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    pub entry: &'static CatalogEntry,
    pub response_code: Option<String>,
    pub response_message: Option<String>,
    pub unexpected: Option<UnexpectedReason>,
}

/// One SNAP service's table: its two-digit code, its rows, and its row for off-contract answers.
struct Service {
    code: &'static str,
    table: &'static [CatalogEntry],
    unexpected: fn() -> &'static CatalogEntry,
}

const CANCEL: Service = Service {
    code: CANCEL_SERVICE_CODE,
    table: CATALOG,
    unexpected,
};

const QUERY: Service = Service {
    code: QUERY_SERVICE_CODE,
    table: QUERY_CATALOG,
    unexpected: query_unexpected,
};

/// Classifies a Cancel Order answer by `responseCode` alone (never the message: DANA's sandbox
/// appends debug hints to it). Anything off-contract is UNEXPECTED, never a success.
pub fn classify(http_status: u16, body: &[u8]) -> Classification {
    classify_for(&CANCEL, http_status, body)
}

const REFUND: Service = Service {
    code: REFUND_SERVICE_CODE,
    table: REFUND_CATALOG,
    unexpected: refund_unexpected,
};

/// Classifies a Refund Order answer, like [`classify`].
pub fn classify_refund(http_status: u16, body: &[u8]) -> Classification {
    classify_for(&REFUND, http_status, body)
}

/// Classifies a Query Payment answer. A success must also carry a known
/// `latestTransactionStatus`: the status is the point of asking.
pub fn classify_query(http_status: u16, body: &[u8]) -> Classification {
    let mut c = classify_for(&QUERY, http_status, body);
    if c.entry.outcome == Outcome::Success {
        let status = serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|j| {
                j.get("latestTransactionStatus")
                    .and_then(|s| s.as_str())
                    .map(str::to_string)
            });
        if status.as_deref().and_then(transaction_status).is_none() {
            c.entry = query_unexpected();
            c.unexpected = Some(UnexpectedReason::BadTransactionStatus(status));
        }
    }
    c
}

fn classify_for(service: &Service, http_status: u16, body: &[u8]) -> Classification {
    let fail =
        |reason: UnexpectedReason, code: Option<String>, message: Option<String>| Classification {
            entry: (service.unexpected)(),
            response_code: code,
            response_message: message,
            unexpected: Some(reason),
        };
    if body.iter().all(u8::is_ascii_whitespace) {
        return fail(UnexpectedReason::EmptyBody, None, None);
    }
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) else {
        return fail(UnexpectedReason::NotJson, None, None);
    };
    let message = json
        .get("responseMessage")
        .and_then(|m| m.as_str())
        .map(str::to_string);
    let Some(code) = json
        .get("responseCode")
        .and_then(|c| c.as_str())
        .map(str::to_string)
    else {
        return fail(UnexpectedReason::MissingResponseCode, None, message);
    };
    if code.len() != 7 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return fail(
            UnexpectedReason::MalformedCode(code.clone()),
            Some(code),
            message,
        );
    }
    if &code[3..5] != service.code {
        return fail(
            UnexpectedReason::WrongServiceCode(code.clone()),
            Some(code),
            message,
        );
    }
    if code[0..3] != http_status.to_string() {
        return fail(
            UnexpectedReason::HttpStatusMismatch {
                code: code.clone(),
                http_status,
            },
            Some(code),
            message,
        );
    }
    match service
        .table
        .iter()
        .find(|e| e.code == code && e.http_status.is_some())
    {
        Some(entry) => Classification {
            entry,
            response_code: Some(code),
            response_message: message,
            unexpected: None,
        },
        None => fail(
            UnexpectedReason::UnknownCode(code.clone()),
            Some(code),
            message,
        ),
    }
}

macro_rules! query_entry {
    ($code:expr, $http:expr, $message:expr, $solution:expr, $outcome:ident, $retry:ident, $($key:ident).+) => {
        CatalogEntry {
            code: $code,
            http_status: Some($http),
            message: $message,
            cause: $message,
            solution: $solution,
            outcome: Outcome::$outcome,
            retry: RetryRule::$retry,
            max_attempts: None,
            outcome_unknown: false,
            explain: |l| crate::i18n::td_string!(l, $($key).+),
        }
    };
}

/// Query Payment's answers. `outcome` here is about the question, not the cancel: Success means
/// DANA told us the transaction's status; Pending, ask again later; Failed, the question is wrong.
pub static QUERY_CATALOG: &[CatalogEntry] = &[
    query_entry!(
        "2005500",
        200,
        "Successful",
        "Read latestTransactionStatus",
        Success,
        DoNotRetry,
        catalog.query.c2005500
    ),
    query_entry!(
        "4005500",
        400,
        "Bad Request",
        "Retry request with proper parameter",
        Failed,
        FixRequest,
        catalog.query.c4005500
    ),
    query_entry!(
        "4005501",
        400,
        "Invalid Field Format",
        "Retry request with proper parameter",
        Failed,
        FixRequest,
        catalog.query.c4005501
    ),
    query_entry!(
        "4005502",
        400,
        "Invalid Mandatory Field",
        "Retry request with proper parameter",
        Failed,
        FixRequest,
        catalog.query.c4005502
    ),
    query_entry!(
        "4015500",
        401,
        "Unauthorized. [reason]",
        "Retry request with proper parameter",
        Failed,
        FixRequest,
        catalog.query.c4015500
    ),
    query_entry!(
        "4015501",
        401,
        "Invalid Token (B2B)",
        "Retry request with proper parameter",
        Failed,
        FixRequest,
        catalog.query.c4015501
    ),
    query_entry!(
        "4045501",
        404,
        "Transaction Not Found",
        "Try to create a new order",
        Failed,
        ContactDana,
        catalog.query.c4045501
    ),
    query_entry!(
        "4295500",
        429,
        "Too Many Requests",
        "Retry request periodically",
        Pending,
        RetrySamePayloadLater,
        catalog.query.c4295500
    ),
    query_entry!(
        "5005500",
        500,
        "General Error",
        "Retry request periodically",
        Pending,
        RetrySamePayloadLater,
        catalog.query.c5005500
    ),
    query_entry!(
        "5005501",
        500,
        "Internal Server Error",
        "Retry request periodically",
        Pending,
        RetrySamePayloadLater,
        catalog.query.c5005501
    ),
    CatalogEntry {
        code: TOTAL_TIMEOUT,
        http_status: None,
        message: "Total Timeout",
        cause: "No answer to the status question in time",
        solution: "Ask again later",
        outcome: Outcome::Pending,
        retry: RetryRule::RetrySamePayloadLater,
        max_attempts: None,
        outcome_unknown: true,
        explain: |l| td_string!(l, catalog.query.timeout),
    },
    CatalogEntry {
        code: UNEXPECTED,
        http_status: None,
        message: "Unexpected response",
        cause: "The answer to the status question did not fit DANA's contract",
        solution: "",
        outcome: Outcome::Pending,
        retry: RetryRule::ContactDana,
        max_attempts: None,
        outcome_unknown: true,
        explain: |l| td_string!(l, catalog.query.unexpected),
    },
];

pub fn lookup_query(code: &str) -> Option<&'static CatalogEntry> {
    QUERY_CATALOG.iter().find(|e| e.code == code)
}

pub fn query_timeout() -> &'static CatalogEntry {
    lookup_query(TOTAL_TIMEOUT).expect("the query catalog has a time-out entry")
}

pub fn query_unexpected() -> &'static CatalogEntry {
    lookup_query(UNEXPECTED).expect("the query catalog has an unexpected-response entry")
}

/// What a `latestTransactionStatus` means for a cancel waiting on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub enum StatusDecision {
    /// The payment is closed: the cancel took effect; settle it without sending again.
    Cancelled,
    /// The payment is still paid: the cancel did not take and may be sent again.
    StillPaid,
    /// DANA is still processing the payment: ask again later, send nothing.
    InProcess,
    /// DANA does not know the payment, or it was never paid: a person must look.
    NeedsPerson,
}

#[derive(Clone, Serialize)]
pub struct TransactionStatus {
    pub code: &'static str,
    pub name: &'static str,
    /// DANA's description.
    pub meaning: &'static str,
    pub decision: StatusDecision,
    /// One sentence for staff: what it means for the cancel, in each language (our words, in
    /// `locales/*/catalog.json`); serialized as `explanation`, in English.
    #[serde(rename = "explanation", serialize_with = "serialize_explanation")]
    pub explain: fn(Locale) -> &'static str,
}

impl TransactionStatus {
    /// The explanation for staff, in `locale`.
    pub fn explanation_in(&self, locale: Locale) -> &'static str {
        (self.explain)(locale)
    }

    /// The explanation for staff in English (what the audit trail records).
    pub fn explanation(&self) -> &'static str {
        self.explanation_in(Locale::en)
    }
}

// By hand, like `CatalogEntry`'s: compare and show the English explanation, not an address.
impl PartialEq for TransactionStatus {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
            && self.name == other.name
            && self.meaning == other.meaning
            && self.decision == other.decision
            && self.explanation() == other.explanation()
    }
}

impl Eq for TransactionStatus {}

impl std::fmt::Debug for TransactionStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransactionStatus")
            .field("code", &self.code)
            .field("name", &self.name)
            .field("meaning", &self.meaning)
            .field("decision", &self.decision)
            .field("explanation", &self.explanation())
            .finish()
    }
}

pub static TRANSACTION_STATUSES: &[TransactionStatus] = &[
    TransactionStatus {
        code: "00",
        name: "Success",
        meaning: "The order has been successfully in final state and paid",
        decision: StatusDecision::StillPaid,
        explain: |l| td_string!(l, catalog.status.success),
    },
    TransactionStatus {
        code: "01",
        name: "Initiated",
        meaning: "The order has been created, but has not been paid",
        decision: StatusDecision::NeedsPerson,
        explain: |l| td_string!(l, catalog.status.initiated),
    },
    TransactionStatus {
        code: "02",
        name: "Paying",
        meaning: "The order is in process, not in final state",
        decision: StatusDecision::InProcess,
        explain: |l| td_string!(l, catalog.status.paying),
    },
    TransactionStatus {
        code: "05",
        name: "Cancelled",
        meaning: "The order has been closed",
        decision: StatusDecision::Cancelled,
        explain: |l| td_string!(l, catalog.status.cancelled),
    },
    TransactionStatus {
        code: "07",
        name: "Not found",
        meaning: "The order is not found",
        decision: StatusDecision::NeedsPerson,
        explain: |l| td_string!(l, catalog.status.not_found),
    },
];

pub fn transaction_status(code: &str) -> Option<&'static TransactionStatus> {
    TRANSACTION_STATUSES.iter().find(|s| s.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_has_the_sixteen_codes_and_two_non_codes() {
        assert_eq!(CATALOG.len(), 18);
        for e in CATALOG.iter().filter(|e| e.http_status.is_some()) {
            assert_eq!(e.code.len(), 7, "{}", e.code);
            assert_eq!(&e.code[3..5], CANCEL_SERVICE_CODE);
            assert_eq!(e.code[0..3], e.http_status.unwrap().to_string());
        }
        let pending: Vec<_> = CATALOG
            .iter()
            .filter(|e| e.http_status.is_some() && e.outcome == Outcome::Pending)
            .map(|e| e.code)
            .collect();
        assert_eq!(pending, ["2025700", "4295700", "5005701"]);
        assert_eq!(total_timeout().max_attempts, Some(3));
        assert_ne!(unexpected().outcome, Outcome::Success);
    }

    #[test]
    fn decides_on_the_code_not_the_message() {
        let c = classify(
            200,
            br#"{"responseCode":"2005700","responseMessage":"Successful | debug: took 3ms"}"#,
        );
        assert_eq!(c.entry.outcome, Outcome::Success);
        let c = classify(
            404,
            br#"{"responseCode":"4045701","responseMessage":"Successful"}"#,
        );
        assert_eq!(c.entry.code, "4045701");
    }

    #[test]
    fn every_unexpected_shape_is_unexpected() {
        let reason = |status, body: &[u8]| classify(status, body).unexpected;
        assert_eq!(reason(200, b""), Some(UnexpectedReason::EmptyBody));
        assert_eq!(
            reason(200, b"<html>oops</html>"),
            Some(UnexpectedReason::NotJson)
        );
        assert_eq!(
            reason(200, br#"{"responseMessage":"Successful"}"#),
            Some(UnexpectedReason::MissingResponseCode)
        );
        assert!(matches!(
            reason(200, br#"{"responseCode":"200570"}"#),
            Some(UnexpectedReason::MalformedCode(_))
        ));
        assert!(matches!(
            reason(200, br#"{"responseCode":2005700}"#),
            Some(UnexpectedReason::MissingResponseCode)
        ));
        assert!(matches!(
            reason(200, br#"{"responseCode":"2005500"}"#),
            Some(UnexpectedReason::WrongServiceCode(_))
        ));
        assert!(matches!(
            reason(500, br#"{"responseCode":"2005700"}"#),
            Some(UnexpectedReason::HttpStatusMismatch { .. })
        ));
        assert!(matches!(
            reason(400, br#"{"responseCode":"4005799"}"#),
            Some(UnexpectedReason::UnknownCode(_))
        ));
        for body in [&b""[..], b"nope", br#"{"responseCode":"2005700"}"#] {
            assert_ne!(classify(500, body).entry.outcome, Outcome::Success);
        }
    }

    #[test]
    fn query_catalog_is_service_55_and_needs_a_status() {
        for e in QUERY_CATALOG.iter().filter(|e| e.http_status.is_some()) {
            assert_eq!(&e.code[3..5], QUERY_SERVICE_CODE, "{}", e.code);
            assert_eq!(e.code[0..3], e.http_status.unwrap().to_string());
        }
        let ok = |status: &str| {
            format!(
                r#"{{"responseCode":"2005500","responseMessage":"Successful","latestTransactionStatus":"{status}"}}"#
            )
        };
        assert_eq!(
            classify_query(200, ok("05").as_bytes()).entry.code,
            "2005500"
        );
        assert_eq!(
            classify_query(200, ok("09").as_bytes()).unexpected,
            Some(UnexpectedReason::BadTransactionStatus(Some("09".into())))
        );
        assert_eq!(
            classify_query(
                200,
                br#"{"responseCode":"2005500","responseMessage":"Successful"}"#
            )
            .entry
            .code,
            UNEXPECTED
        );
        // A cancel code is not a query answer, and the other way round.
        assert_eq!(
            classify_query(200, br#"{"responseCode":"2005700"}"#)
                .entry
                .code,
            UNEXPECTED
        );
        assert_eq!(classify(200, ok("05").as_bytes()).entry.code, UNEXPECTED);
        assert_eq!(
            classify_query(429, br#"{"responseCode":"4295500"}"#)
                .entry
                .outcome,
            Outcome::Pending
        );
        let decisions: Vec<_> = ["00", "01", "02", "05", "07"]
            .iter()
            .map(|c| transaction_status(c).unwrap().decision)
            .collect();
        assert_eq!(
            decisions,
            [
                StatusDecision::StillPaid,
                StatusDecision::NeedsPerson,
                StatusDecision::InProcess,
                StatusDecision::Cancelled,
                StatusDecision::NeedsPerson
            ]
        );
    }

    #[test]
    fn every_row_explains_itself_in_both_languages() {
        for e in CATALOG.iter().chain(QUERY_CATALOG).chain(REFUND_CATALOG) {
            assert!(!e.explanation().is_empty(), "{}", e.code);
            assert!(!e.explanation_in(Locale::id).is_empty(), "{}", e.code);
            assert_ne!(e.explanation_in(Locale::id), e.explanation(), "{}", e.code);
        }
        for s in TRANSACTION_STATUSES {
            assert!(!s.explanation().is_empty(), "{}", s.code);
            assert_ne!(s.explanation_in(Locale::id), s.explanation(), "{}", s.code);
        }
        // Serialized as before: an English `explanation` string.
        let json = serde_json::to_value(unexpected()).unwrap();
        assert_eq!(json["explanation"], unexpected().explanation());
        assert!(json.get("explain").is_none());
        let json = serde_json::to_value(transaction_status("05").unwrap()).unwrap();
        assert_eq!(
            json["explanation"],
            "DANA says the payment is cancelled: the cancel took effect and nothing more is sent."
        );
    }
}
