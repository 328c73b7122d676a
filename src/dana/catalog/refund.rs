//! Refund Order (service 58) answers. DANA's SDKs list these codes without a cause or solution
//! text (their docs link to DANA's dashboard), so `cause` restates what DANA's own integration
//! scenarios use each code for, and `solution` is empty: the advice for staff is ours, in
//! `explain` (its texts in `locales/*/catalog.json`, under `refund`).

use super::{CatalogEntry, Outcome, RetryRule, TOTAL_TIMEOUT, UNEXPECTED};
use crate::i18n::td_string;

macro_rules! refund {
    ($code:expr, $http:expr, $message:expr, $cause:expr, $outcome:ident, $retry:ident, $($key:ident).+) => {
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
            explain: |l| crate::i18n::td_string!(l, $($key).+),
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
        catalog.refund.c2005800
    ),
    refund!(
        "2025800",
        202,
        "Request In Progress",
        "The refund is being processed",
        Pending,
        RetrySamePayloadLater,
        catalog.refund.c2025800
    ),
    refund!(
        "4005801",
        400,
        "Invalid Field Format",
        "A field has an invalid format (for example refundAmount without two decimals)",
        Failed,
        FixRequest,
        catalog.refund.c4005801
    ),
    refund!(
        "4005802",
        400,
        "Invalid Mandatory Field",
        "A mandatory field or header is missing or empty",
        Failed,
        FixRequest,
        catalog.refund.c4005802
    ),
    refund!(
        "4015800",
        401,
        "Unauthorized. [reason]",
        "The signature or credentials were not accepted",
        Failed,
        FixRequest,
        catalog.refund.c4015800
    ),
    refund!(
        "4035802",
        403,
        "Exceeds Transaction Amount Limit",
        "The refund exceeds what may be refunded for this payment",
        Failed,
        DoNotRetry,
        catalog.refund.c4035802
    ),
    refund!(
        "4035814",
        403,
        "Insufficient Funds",
        "The merchant's balance is too low for the refund",
        Failed,
        RetrySamePayloadLater,
        catalog.refund.c4035814
    ),
    refund!(
        "4035815",
        403,
        "Transaction Not Permitted.[reason]",
        "The refund is not permitted (by the merchant's agreement, or the refund window has passed)",
        Failed,
        ContactDana,
        catalog.refund.c4035815
    ),
    refund!(
        "4045800",
        404,
        "Invalid Transaction Status",
        "The payment is not in a state that can be refunded (for example not paid)",
        Failed,
        DoNotRetry,
        catalog.refund.c4045800
    ),
    refund!(
        "4045801",
        404,
        "Transaction Not Found",
        "No payment with this reference",
        Failed,
        FixRequest,
        catalog.refund.c4045801
    ),
    refund!(
        "4045808",
        404,
        "Invalid Merchant",
        "The merchant does not exist or its status is abnormal",
        Failed,
        FixRequest,
        catalog.refund.c4045808
    ),
    refund!(
        "4045812",
        404,
        "Invalid Bill",
        "The bill (the order being refunded) does not exist",
        Failed,
        FixRequest,
        catalog.refund.c4045812
    ),
    refund!(
        "4045818",
        404,
        "Inconsistent Request",
        "The same partnerRefundNo was used before with a different request",
        Failed,
        FixRequest,
        catalog.refund.c4045818
    ),
    refund!(
        "5005801",
        500,
        "Internal Server Error",
        "Unknown internal server failure",
        Pending,
        RetrySamePayloadLater,
        catalog.refund.c5005801
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
        explain: |l| td_string!(l, catalog.refund.timeout),
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
        explain: |l| td_string!(l, catalog.refund.unexpected),
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
