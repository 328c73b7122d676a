//! Typed ids: an order's id cannot be passed where a cancel request's is expected. Shared with
//! the browser (views carry them); stored as the tables' integer keys.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($name:ident, $what:literal) => {
        #[doc = concat!("The id of ", $what, ".")]
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
        )]
        #[cfg_attr(feature = "ssr", derive(sqlx::Type))]
        #[cfg_attr(feature = "ssr", sqlx(transparent))]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

id_type!(OrderId, "an order");
id_type!(CancelRequestId, "a cancel request");
id_type!(AttemptId, "a cancel attempt");
id_type!(UserId, "a staff account");
id_type!(RefundId, "a refund");
id_type!(RefundAttemptId, "a refund attempt");
id_type!(ApprovalId, "a four-eyes approval request");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_travel_as_plain_numbers() {
        assert_eq!(serde_json::to_string(&CancelRequestId(42)).unwrap(), "42");
        assert_eq!(serde_json::from_str::<OrderId>("7").unwrap(), OrderId(7));
        assert_eq!(UserId(3).to_string(), "3");
    }
}
