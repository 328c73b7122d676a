//! Writes a batch of incoming orders: one read of the stored orders it names, the merge rules
//! for each, then one multi-row insert for the new ones and one guarded update per changed one,
//! all in the caller's write transaction.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::facts::{OrderFacts, RowError};
use super::merge::{Decision, decide};
use crate::db::{self, Connection};
use crate::orders::model::OrderSource;
use crate::time::Timestamp;

/// Why an incoming batch (or notification) could not be stored: nothing of it was written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Audit(#[from] crate::audit::AuditError),
}

/// What happened to one incoming order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "result", rename_all = "lowercase")]
pub enum RowResult {
    /// A new order.
    Created,
    /// A known order took new values.
    Updated,
    /// A known order already said exactly this.
    Unchanged,
    /// Nothing was written for this row.
    Rejected { field: String, reason: String },
}

impl From<RowError> for RowResult {
    fn from(e: RowError) -> Self {
        RowResult::Rejected {
            field: e.field,
            reason: e.reason,
        }
    }
}

/// Counts of a batch's results, for the audit trail and the import summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
}

impl Tally {
    pub fn add(&mut self, result: &RowResult) {
        match result {
            RowResult::Created => self.created += 1,
            RowResult::Updated => self.updated += 1,
            RowResult::Unchanged => self.unchanged += 1,
            RowResult::Rejected { .. } => self.rejected += 1,
        }
    }

    pub fn of(results: &[RowResult]) -> Self {
        let mut tally = Self::default();
        results.iter().for_each(|r| tally.add(r));
        tally
    }
}

/// Applies `rows` (each already checked, or refused with its reason) in the caller's write
/// transaction; the results are in the rows' order. A reference repeated within the batch is
/// refused after its first row, which alone is applied.
pub async fn apply_batch(
    conn: &mut Connection,
    rows: &[Result<OrderFacts, RowError>],
    source: OrderSource,
    now: Timestamp,
) -> Result<Vec<RowResult>, sqlx::Error> {
    let mut first_row: HashMap<&str, usize> = HashMap::with_capacity(rows.len());
    let mut results: Vec<Option<RowResult>> = vec![None; rows.len()];
    for (i, row) in rows.iter().enumerate() {
        match row {
            Err(e) => results[i] = Some(e.clone().into()),
            Ok(facts) => {
                if let Some(first) = first_row.get(facts.partner_reference_no.as_str()) {
                    results[i] = Some(
                        RowError::new(
                            "partner_reference_no",
                            crate::i18n::td_string!(
                                crate::language::current(),
                                validation.row.repeats_row,
                                first = first + 1
                            )
                            .to_string(),
                        )
                        .into(),
                    );
                } else {
                    first_row.insert(&facts.partner_reference_no, i);
                }
            }
        }
    }
    let references: Vec<&str> = first_row.keys().copied().collect();
    let stored: HashMap<String, db::orders::OrderRow> =
        db::orders::find_many_by_partner_reference(conn, &references)
            .await?
            .into_iter()
            .map(|row| (row.partner_reference_no.clone(), row))
            .collect();
    let mut inserts = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let (Ok(facts), None) = (row, &results[i]) else {
            continue;
        };
        let existing = stored.get(facts.partner_reference_no.as_str());
        results[i] = Some(match decide(existing, facts, source) {
            Decision::Create(order) => {
                inserts.push(order);
                RowResult::Created
            }
            Decision::Update {
                id,
                expected,
                values,
            } => {
                if db::orders::update_from_intake(conn, id, expected.as_str(), &values, now).await?
                {
                    RowResult::Updated
                } else {
                    RowError::new(
                        "status",
                        crate::i18n::td_string!(
                            crate::language::current(),
                            validation.row.changed_meanwhile
                        ),
                    )
                    .into()
                }
            }
            Decision::Unchanged => RowResult::Unchanged,
            Decision::Conflict(e) => e.into(),
        });
    }
    db::orders::insert_many(conn, &inserts, now).await?;
    Ok(results
        .into_iter()
        .map(|r| r.expect("every row has a result"))
        .collect())
}
