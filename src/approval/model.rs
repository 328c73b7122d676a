//! Approval requests as the pages show them.

use serde::{Deserialize, Serialize};

use crate::ids::ApprovalId;

/// What a request, once approved, does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ApprovalKind {
    Cancel,
    Refund,
    /// Settle a pending cancel by hand with the requester's note.
    ResolveCancel,
    /// Settle a pending refund by hand with the requester's note.
    ResolveRefund,
}

impl ApprovalKind {
    pub const ALL: [ApprovalKind; 4] = [
        ApprovalKind::Cancel,
        ApprovalKind::Refund,
        ApprovalKind::ResolveCancel,
        ApprovalKind::ResolveRefund,
    ];

    /// As stored in `approvals.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalKind::Cancel => "cancel",
            ApprovalKind::Refund => "refund",
            ApprovalKind::ResolveCancel => "resolve_cancel",
            ApprovalKind::ResolveRefund => "resolve_refund",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        self.label_in(crate::i18n::Locale::en)
    }

    pub fn label_in(self, locale: crate::i18n::Locale) -> &'static str {
        use crate::i18n::td_string;
        match self {
            ApprovalKind::Cancel => td_string!(locale, labels.approval_kind.cancel),
            ApprovalKind::Refund => td_string!(locale, labels.approval_kind.refund),
            ApprovalKind::ResolveCancel => td_string!(locale, labels.approval_kind.resolve_cancel),
            ApprovalKind::ResolveRefund => td_string!(locale, labels.approval_kind.resolve_refund),
        }
    }
}

/// Where a request stands, stored as text in `approvals.state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ApprovalState {
    Waiting,
    Approved,
    Rejected,
    Expired,
}

impl ApprovalState {
    pub const ALL: [ApprovalState; 4] = [
        ApprovalState::Waiting,
        ApprovalState::Approved,
        ApprovalState::Rejected,
        ApprovalState::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalState::Waiting => "WAITING",
            ApprovalState::Approved => "APPROVED",
            ApprovalState::Rejected => "REJECTED",
            ApprovalState::Expired => "EXPIRED",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        self.label_in(crate::i18n::Locale::en)
    }

    pub fn label_in(self, locale: crate::i18n::Locale) -> &'static str {
        use crate::i18n::td_string;
        match self {
            ApprovalState::Waiting => td_string!(locale, labels.approval_state.waiting),
            ApprovalState::Approved => td_string!(locale, labels.approval_state.approved),
            ApprovalState::Rejected => td_string!(locale, labels.approval_state.rejected),
            ApprovalState::Expired => td_string!(locale, labels.approval_state.expired),
        }
    }
}

/// One request: what, for which order and amount, why, who asked, and its decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalView {
    pub id: ApprovalId,
    pub kind: ApprovalKind,
    pub state: ApprovalState,
    pub partner_reference_no: String,
    pub amount_display: String,
    /// The reason sent to DANA, or the note of a settling by hand.
    pub reason: String,
    /// Settling by hand: what the requester says happened ("cancelled", "not refunded", …).
    pub resolution: Option<String>,
    pub requested_by: String,
    pub requested_at_display: String,
    /// How long it has waited ("3 min", "2 h 5 min").
    pub age_display: String,
    pub expires_at_display: String,
    pub decided_by: Option<String>,
    pub decided_at_display: Option<String>,
    pub decision_note: Option<String>,
    /// The viewer asked for it, so the viewer may not decide it.
    pub mine: bool,
}

/// What asking for a cancel or refund led to: done at once, or waiting for a second person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Started<T> {
    Done(T),
    Waiting(Box<ApprovalView>),
}

/// What a decision did, in words for the person who decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionResult {
    pub reference: String,
    pub message: String,
    /// "success", "failed" or "pending": how the message is coloured.
    pub tone: String,
}

/// How a settling by hand reads (`not_cancelled` or `not cancelled` → "not cancelled"), in
/// `locale`; an unknown value as it is stored, underscores as spaces.
pub fn resolution_label(raw: &str, locale: crate::i18n::Locale) -> String {
    use crate::i18n::td_string;
    let words = raw.replace('_', " ");
    let known = match words.as_str() {
        "cancelled" => td_string!(locale, labels.resolution.cancelled),
        "not cancelled" => td_string!(locale, labels.resolution.not_cancelled),
        "refunded" => td_string!(locale, labels.resolution.refunded),
        "not refunded" => td_string!(locale, labels.resolution.not_refunded),
        _ => return words,
    };
    known.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_states_round_trip() {
        for kind in ApprovalKind::ALL {
            assert_eq!(ApprovalKind::parse(kind.as_str()), Some(kind));
        }
        for state in ApprovalState::ALL {
            assert_eq!(ApprovalState::parse(state.as_str()), Some(state));
        }
        assert_eq!(ApprovalKind::parse("delete"), None);
    }
}
