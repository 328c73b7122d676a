//! Refund Order (service 58) answers. DANA's SDKs list these codes without a cause or solution
//! text (their docs link to DANA's dashboard), so `cause` restates what DANA's own integration
//! scenarios use each code for, and `solution` is empty: the advice for staff is ours, in
//! `explanation`.

use super::{CatalogEntry, Outcome, RetryRule, TOTAL_TIMEOUT, UNEXPECTED};

macro_rules! refund {
    ($code:expr, $http:expr, $message:expr, $cause:expr, $outcome:ident, $retry:ident, $explanation:expr) => {
        CatalogEntry {
            code: $code,
            http_status: Some($http),
            message: $message,
            cause: $cause,
            solution: "",
            outcome: Outcome::$outcome,
            retry: RetryRule::$retry,
            max_attempts: None,
            outcome_unknown: false,
            explanation: $explanation,
        }
    };
}

pub static REFUND_CATALOG: &[CatalogEntry] = &[
    refund!(
        "2005800",
        200,
        "Successful",
        "The refund was made",
        Success,
        DoNotRetry,
        "DANA refunded the amount to the customer's DANA balance. Nothing more to do."
    ),
    refund!(
        "2025800",
        202,
        "Request In Progress",
        "The refund is being processed",
        Pending,
        RetrySamePayloadLater,
        "DANA is still processing the refund. It stays pending and the same request (same refund number) is sent again until DANA confirms."
    ),
    refund!(
        "4005801",
        400,
        "Invalid Field Format",
        "A field has an invalid format (for example refundAmount without two decimals)",
        Failed,
        FixRequest,
        "DANA rejected a field's format (named in DANA's message). Nothing was refunded; ask a developer to check the request."
    ),
    refund!(
        "4005802",
        400,
        "Invalid Mandatory Field",
        "A mandatory field or header is missing or empty",
        Failed,
        FixRequest,
        "A required field was missing (named in DANA's message). Nothing was refunded; ask a developer to check the request."
    ),
    refund!(
        "4015800",
        401,
        "Unauthorized. [reason]",
        "The signature or credentials were not accepted",
        Failed,
        FixRequest,
        "DANA did not accept our credentials or signature. Nothing was refunded; an administrator must check the DANA key set-up."
    ),
    refund!(
        "4035802",
        403,
        "Exceeds Transaction Amount Limit",
        "The refund exceeds what may be refunded for this payment",
        Failed,
        DoNotRetry,
        "The refund is more than DANA allows for this payment (more than what remains refundable). Nothing was refunded; check the amount."
    ),
    refund!(
        "4035814",
        403,
        "Insufficient Funds",
        "The merchant's balance is too low for the refund",
        Failed,
        RetrySamePayloadLater,
        "The merchant's DANA balance is too low for this refund. Nothing was refunded; top up the balance, then refund again."
    ),
    refund!(
        "4035815",
        403,
        "Transaction Not Permitted.[reason]",
        "The refund is not permitted (by the merchant's agreement, or the refund window has passed)",
        Failed,
        ContactDana,
        "DANA does not permit this refund (reason in DANA's message; for example the refund window has passed). Nothing was refunded; contact DANA."
    ),
    refund!(
        "4045800",
        404,
        "Invalid Transaction Status",
        "The payment is not in a state that can be refunded (for example not paid)",
        Failed,
        DoNotRetry,
        "DANA says this payment cannot be refunded in its current state (for example it was never paid, or was cancelled). Nothing was refunded."
    ),
    refund!(
        "4045801",
        404,
        "Transaction Not Found",
        "No payment with this reference",
        Failed,
        FixRequest,
        "DANA has no payment with this reference. Nothing was refunded; check the partner and DANA references."
    ),
    refund!(
        "4045808",
        404,
        "Invalid Merchant",
        "The merchant does not exist or its status is abnormal",
        Failed,
        FixRequest,
        "DANA does not recognise the merchant ID, or the merchant is suspended. Nothing was refunded; an administrator must check the merchant set-up."
    ),
    refund!(
        "4045812",
        404,
        "Invalid Bill",
        "The bill (the order being refunded) does not exist",
        Failed,
        FixRequest,
        "DANA does not know the order being refunded. Nothing was refunded; check the references."
    ),
    refund!(
        "4045818",
        404,
        "Inconsistent Request",
        "The same partnerRefundNo was used before with a different request",
        Failed,
        FixRequest,
        "DANA already holds a different refund under this refund number. This refund was not made; refund again (Cancel Desk uses a new refund number)."
    ),
    refund!(
        "5005801",
        500,
        "Internal Server Error",
        "Unknown internal server failure",
        Pending,
        RetrySamePayloadLater,
        "DANA had an internal error while refunding. The refund stays pending and the same request (same refund number) is sent again until DANA settles it."
    ),
    CatalogEntry {
        code: TOTAL_TIMEOUT,
        http_status: None,
        message: "Total Timeout",
        cause: "The client got no answer (network issue, server slowing down, and so on)",
        solution: "",
        outcome: Outcome::Pending,
        retry: RetryRule::RetrySamePayloadLater,
        max_attempts: Some(3),
        outcome_unknown: true,
        explanation: "DANA did not answer in time, so we do not know yet whether the refund was made. The same request (same refund number: DANA answers a repeat with its first answer) is sent up to 3 times in all; then a person must check it with DANA.",
    },
    CatalogEntry {
        code: UNEXPECTED,
        http_status: None,
        message: "Unexpected response",
        cause: "The answer did not fit DANA's contract",
        solution: "",
        outcome: Outcome::Pending,
        retry: RetryRule::ContactDana,
        max_attempts: None,
        outcome_unknown: true,
        explanation: "DANA's answer could not be understood, so the refund is not confirmed. It is sent again with the same refund number (DANA answers a repeat with its first answer).",
    },
];

/// The refund row for a code (a DANA code, `TIMEOUT` or `UNEXPECTED`).
pub fn lookup_refund(code: &str) -> Option<&'static CatalogEntry> {
    REFUND_CATALOG.iter().find(|e| e.code == code)
}

pub fn refund_timeout() -> &'static CatalogEntry {
    lookup_refund(TOTAL_TIMEOUT).expect("the refund catalog has a time-out entry")
}

pub fn refund_unexpected() -> &'static CatalogEntry {
    lookup_refund(UNEXPECTED).expect("the refund catalog has an unexpected-response entry")
}

/// DANA's sandbox picks its refund answer by the refund amount, as DANA's own integration
/// scenarios use it (`dana-id/uat-script`, PaymentGateway.json "RefundOrder*").
pub const SANDBOX_REFUND_AMOUNTS: [(&str, &str); 7] = [
    ("225800.00", "2025800"),
    ("435814.00", "4035814"),
    ("435815.00", "4035815"),
    ("435816.00", "4035815"),
    ("435817.00", "4035815"),
    ("445808.00", "4045808"),
    ("505801.00", "5005801"),
];
