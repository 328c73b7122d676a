//! A second person's approval, recorded in the same transaction as what it lets happen: the
//! cancel's or refund's intent, or the settling by hand. Either both commit or neither does, so a
//! crash never leaves an approval without its action, and of two people approving at once only
//! one wins the compare-and-set (the other's transaction rolls back, and DANA is called once).

use serde_json::json;

use crate::audit::key::AuditKey;
use crate::audit::{self, AuditError, NewEvent};
use crate::db::{self, Connection};
use crate::ids::ApprovalId;
use crate::time::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub id: ApprovalId,
    /// Who approved (never the requester).
    pub approver: String,
    pub order_ref: String,
    /// `approvals.kind`, for the audit trail.
    pub kind: &'static str,
}

impl Grant {
    /// Marks the request approved and audits `approval.approved`. False (and nothing written)
    /// when it was decided already or has expired.
    pub async fn record(
        &self,
        conn: &mut Connection,
        key: &AuditKey,
        now: Timestamp,
        stamp: Timestamp,
    ) -> Result<bool, AuditError> {
        if !db::approvals::decide(conn, self.id, "APPROVED", &self.approver, None, now).await? {
            return Ok(false);
        }
        let event = NewEvent {
            actor: self.approver.clone(),
            action: "approval.approved",
            outcome: audit::Outcome::Success,
            order_ref: Some(self.order_ref.clone()),
            response_code: None,
            details: json!({ "approval": self.id, "kind": self.kind }),
        };
        audit::append_in(conn, key, &event, stamp).await?;
        Ok(true)
    }
}

/// `event` with the approval that let it happen named in its details (`approval`,
/// `approved_by`); unchanged without one.
pub fn with_approval(mut event: NewEvent, grant: Option<&Grant>) -> NewEvent {
    if let (Some(grant), Some(details)) = (grant, event.details.as_object_mut()) {
        details.insert("approval".into(), json!(grant.id));
        details.insert("approved_by".into(), json!(grant.approver));
    }
    event
}
