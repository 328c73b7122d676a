//! What needs a second person: the amount rule (`CANCEL_DESK_APPROVAL_THRESHOLD_IDR`) and how
//! long a request may wait (`CANCEL_DESK_APPROVAL_EXPIRY_HOURS`). Settling by hand always does.

/// The largest threshold a setting may name: Rp 1 trillion.
pub const MAX_THRESHOLD_RUPIAH: i64 = 1_000_000_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApprovalPolicy {
    /// In minor units; `None`: no amount needs approval.
    pub threshold_minor: Option<i64>,
    pub expiry_seconds: i64,
}

impl Default for ApprovalPolicy {
    /// Rp 5.000.000, 24 hours.
    fn default() -> Self {
        Self {
            threshold_minor: Some(500_000_000),
            expiry_seconds: 24 * 3600,
        }
    }
}

impl ApprovalPolicy {
    /// Whether moving `amount_minor` needs a second person: at or above the threshold.
    pub fn needs_approval(&self, amount_minor: i64) -> bool {
        self.threshold_minor.is_some_and(|t| amount_minor >= t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_the_threshold_needs_approval_below_does_not() {
        let p = ApprovalPolicy::default();
        assert!(!p.needs_approval(499_999_999));
        assert!(p.needs_approval(500_000_000));
        assert!(p.needs_approval(500_000_001));
        let off = ApprovalPolicy {
            threshold_minor: None,
            ..p
        };
        assert!(!off.needs_approval(i64::MAX));
    }
}
