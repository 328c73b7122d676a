//! CSV import: finance teams export orders from their shop system and import the file here,
//! from the command line (`cancel-desk import orders FILE.csv`) or the admins' upload page.
//!
//! The file is streamed: rows are read, checked and applied [`BATCH_ROWS`] at a time, each
//! batch in its own write transaction, so memory stays flat whatever the file's size (the
//! references already read, which catch a repeat anywhere in the file, wait in a scratch SQLite
//! file, `db::seen`). A crashed import can simply be run again: rows already in are
//! `unchanged`. `--dry-run` does all of it and rolls every batch back.

use std::collections::HashMap;
use std::io::Read;

use serde::{Deserialize, Serialize};

use super::apply::{RowResult, Tally, apply_batch};
use super::facts::{AmountInput, InputStatus, OrderFacts, OrderInput, RowError};
use crate::audit::key::AuditKey;
use crate::audit::{NewEvent, Outcome};
use crate::db::Pool;
use crate::orders::model::OrderSource;

/// Rows per write transaction.
pub const BATCH_ROWS: usize = 5_000;

/// The columns: one table, shared with the upload page.
pub use crate::orders::import::CSV_COLUMNS as COLUMNS;

/// One problem with one row: its line in the file (the header is line 1), the column, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowIssue {
    pub line: u64,
    pub column: String,
    pub reason: String,
}

/// Why a whole file was refused.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(
        "the file is empty: its first line must be the header ({})",
        required_columns()
    )]
    Empty,
    #[error("the file is not UTF-8 text (line {line}): save it as \"CSV UTF-8\" and try again")]
    NotUtf8 { line: u64 },
    #[error("the header is wrong: {0}")]
    Header(String),
    #[error("the file cannot be read: {0}")]
    Read(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Audit(#[from] crate::audit::AuditError),
}

impl ImportError {
    /// The `Display` text in `locale`, for the admin on the upload page (the CLI and the logs
    /// keep the English `Display`).
    pub fn message_in(&self, locale: crate::i18n::Locale) -> String {
        match self {
            ImportError::Empty => {
                crate::i18n::td_string!(locale, validation.file.empty, columns = required_columns())
                    .to_string()
            }
            ImportError::NotUtf8 { line } => {
                crate::i18n::td_string!(locale, validation.file.not_utf8, line = *line).to_string()
            }
            ImportError::Header(problem) => {
                crate::i18n::td_string!(locale, validation.file.header, problem = problem)
                    .to_string()
            }
            ImportError::Read(error) => {
                crate::i18n::td_string!(locale, validation.file.unreadable, error = error)
                    .to_string()
            }
            other => other.to_string(),
        }
    }
}

fn required_columns() -> String {
    COLUMNS
        .iter()
        .filter(|(_, required, _)| *required)
        .map(|(name, _, _)| *name)
        .collect::<Vec<_>>()
        .join(",")
}

/// Where each known column sits in this file.
struct Header {
    index: HashMap<&'static str, usize>,
    width: usize,
}

impl Header {
    fn read(record: &csv::ByteRecord) -> Result<Self, ImportError> {
        // The problems in the language of the request (English for the CLI).
        let locale = crate::language::current();
        let mut index = HashMap::new();
        let mut unknown = Vec::new();
        for (i, raw) in record.iter().enumerate() {
            let name = std::str::from_utf8(raw)
                .map_err(|_| ImportError::NotUtf8 { line: 1 })?
                .trim_start_matches('\u{feff}')
                .trim()
                .to_ascii_lowercase();
            match COLUMNS.iter().find(|(known, _, _)| *known == name) {
                Some((known, _, _)) => {
                    if index.insert(*known, i).is_some() {
                        return Err(ImportError::Header(
                            crate::i18n::td_string!(
                                locale,
                                validation.file.column_twice,
                                column = known
                            )
                            .to_string(),
                        ));
                    }
                }
                None => unknown.push(if name.is_empty() {
                    crate::i18n::td_string!(locale, validation.file.empty_column).to_string()
                } else {
                    name
                }),
            }
        }
        let missing: Vec<&str> = COLUMNS
            .iter()
            .filter(|(name, required, _)| *required && !index.contains_key(name))
            .map(|(name, _, _)| *name)
            .collect();
        if !missing.is_empty() || !unknown.is_empty() {
            let mut problems = Vec::new();
            if !missing.is_empty() {
                problems.push(
                    crate::i18n::td_string!(
                        locale,
                        validation.file.missing_columns,
                        columns = missing.join(", ")
                    )
                    .to_string(),
                );
            }
            if !unknown.is_empty() {
                problems.push(
                    crate::i18n::td_string!(
                        locale,
                        validation.file.unknown_columns,
                        columns = unknown.join(", ")
                    )
                    .to_string(),
                );
            }
            return Err(ImportError::Header(
                crate::i18n::td_string!(
                    locale,
                    validation.file.columns_are,
                    problems = problems.join("; "),
                    columns = COLUMNS
                        .iter()
                        .map(|(n, _, _)| *n)
                        .collect::<Vec<_>>()
                        .join(",")
                )
                .to_string(),
            ));
        }
        Ok(Self {
            index,
            width: record.len(),
        })
    }

    /// The row as an [`OrderInput`], or the first problem with it.
    fn row(&self, record: &csv::ByteRecord, line: u64) -> Result<OrderInput, RowIssue> {
        if record.len() != self.width {
            return Err(RowIssue {
                line,
                column: String::new(),
                reason: crate::i18n::td_string!(
                    crate::language::current(),
                    validation.row.field_count,
                    found = record.len(),
                    expected = self.width
                )
                .to_string(),
            });
        }
        let cell = |name: &'static str| -> Result<Option<String>, RowIssue> {
            let Some(&i) = self.index.get(name) else {
                return Ok(None);
            };
            let raw = record.get(i).unwrap_or_default();
            let text = std::str::from_utf8(raw).map_err(|_| RowIssue {
                line,
                column: name.into(),
                reason: crate::i18n::td_string!(
                    crate::language::current(),
                    validation.row.not_utf8
                )
                .into(),
            })?;
            Ok((!text.is_empty()).then(|| text.to_string()))
        };
        let status = match cell("status")?.map(|s| s.to_ascii_uppercase()) {
            None => None,
            Some(s) if s == "PAID" => Some(InputStatus::Paid),
            Some(s) if s == "UNPAID" => Some(InputStatus::Unpaid),
            Some(_) => {
                return Err(RowIssue {
                    line,
                    column: "status".into(),
                    reason: crate::i18n::td_string!(
                        crate::language::current(),
                        validation.row.paid_or_unpaid
                    )
                    .into(),
                });
            }
        };
        Ok(OrderInput {
            partner_reference_no: cell("partner_reference_no")?.unwrap_or_default(),
            reference_no: cell("reference_no")?,
            merchant_id: cell("merchant_id")?.unwrap_or_default(),
            sub_merchant_id: cell("sub_merchant_id")?,
            external_store_id: cell("external_store_id")?,
            amount: AmountInput {
                value: cell("amount")?.unwrap_or_default(),
                currency: cell("currency")?.unwrap_or_else(|| crate::money::IDR.to_string()),
            },
            status,
            paid_at: cell("paid_at")?,
            placed_at: cell("placed_at")?,
            customer_name: cell("customer_name")?,
            customer_phone: cell("customer_phone")?,
            item_description: cell("item_description")?,
        })
    }
}

/// A row error's column as the CSV spells it (`amount.value` is the `amount` column).
fn csv_column(field: &str) -> String {
    match field {
        "amount.value" => "amount".into(),
        "amount.currency" => "currency".into(),
        other => other.into(),
    }
}

fn reader<R: Read>(input: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input)
}

fn read_record<R: Read>(
    csv: &mut csv::Reader<R>,
    record: &mut csv::ByteRecord,
) -> Result<bool, ImportError> {
    csv.read_byte_record(record)
        .map_err(|e| ImportError::Read(e.to_string()))
}

/// The first rows of a file, checked but not looked up or written: what the upload page shows
/// before anyone imports.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PreviewRow {
    pub line: u64,
    pub input: Option<OrderInput>,
    pub issue: Option<RowIssue>,
}

pub fn preview<R: Read>(input: R, rows: usize) -> Result<Vec<PreviewRow>, ImportError> {
    let mut csv = reader(input);
    let mut record = csv::ByteRecord::new();
    if !read_record(&mut csv, &mut record)? {
        return Err(ImportError::Empty);
    }
    let header = Header::read(&record)?;
    let mut out = Vec::new();
    let mut line = 1;
    while out.len() < rows && read_record(&mut csv, &mut record)? {
        line += 1;
        let row = header.row(&record, line).and_then(|input| {
            input.check().map(|_| input.clone()).map_err(|e| RowIssue {
                line,
                column: csv_column(&e.field),
                reason: e.reason,
            })
        });
        out.push(match row {
            Ok(input) => PreviewRow {
                line,
                input: Some(input),
                issue: None,
            },
            Err(issue) => PreviewRow {
                line,
                input: header.row(&record, line).ok(),
                issue: Some(issue),
            },
        });
    }
    Ok(out)
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSummary {
    /// Data rows read (the header not counted).
    pub rows: u64,
    pub tally: Tally,
    pub dry_run: bool,
}

/// Who imports what, and whether to write.
pub struct ImportRun<'a> {
    pub pool: &'a Pool,
    pub key: &'a AuditKey,
    pub clock: &'a crate::clock::Clock,
    /// The audit trail's actor: a staff e-mail, or `system:cli`.
    pub actor: &'a str,
    /// The file's name, for the audit trail.
    pub file_name: &'a str,
    pub dry_run: bool,
}

impl ImportRun<'_> {
    /// Reads, checks and applies the whole file; every row problem goes to `on_issue` as it is
    /// found (the caller writes the error file or keeps the first few).
    pub async fn run<R: Read>(
        &self,
        input: R,
        mut on_issue: impl FnMut(RowIssue),
    ) -> Result<ImportSummary, ImportError> {
        let mut csv = reader(input);
        let mut record = csv::ByteRecord::new();
        let empty = !read_record(&mut csv, &mut record)?;
        if empty {
            return Err(ImportError::Empty);
        }
        let header = Header::read(&record)?;
        if !self.dry_run {
            self.audit("orders.import_started", Outcome::Info, None)
                .await?;
        }
        // A reference repeated anywhere in the file is refused at each repeat, naming the
        // line it first appeared on; the references read so far wait in a scratch file.
        let mut seen = crate::db::seen::SeenReferences::open().await?;
        let mut summary = ImportSummary {
            dry_run: self.dry_run,
            ..ImportSummary::default()
        };
        let mut lines = Vec::with_capacity(BATCH_ROWS);
        let mut rows: Vec<Result<OrderFacts, RowError>> = Vec::with_capacity(BATCH_ROWS);
        let mut line = 1u64;
        loop {
            let more = read_record(&mut csv, &mut record)?;
            if more {
                line += 1;
                // A blank line (a trailing newline, an empty row a spreadsheet left) is skipped.
                if record.len() == 1 && record.get(0).is_some_and(<[u8]>::is_empty) {
                    continue;
                }
                summary.rows += 1;
                match header.row(&record, line) {
                    Err(issue) => {
                        summary.tally.rejected += 1;
                        on_issue(issue);
                    }
                    Ok(input) => {
                        lines.push(line);
                        rows.push(input.check());
                    }
                }
            }
            if rows.len() >= BATCH_ROWS || (!more && !rows.is_empty()) {
                let named: Vec<(&str, u64)> = rows
                    .iter()
                    .zip(&lines)
                    .filter_map(|(row, &at)| {
                        row.as_ref()
                            .ok()
                            .map(|facts| (facts.partner_reference_no.as_str(), at))
                    })
                    .collect();
                let repeats = seen.first_lines(&named).await?;
                let mut repeat_of: HashMap<u64, u64> = HashMap::new();
                for ((_, at), first) in named.iter().zip(repeats) {
                    if let Some(first) = first {
                        repeat_of.insert(*at, first);
                    }
                }
                for (row, at) in rows.iter_mut().zip(&lines) {
                    if let Some(first) = repeat_of.get(at) {
                        *row = Err(RowError::new(
                            "partner_reference_no",
                            crate::i18n::td_string!(
                                crate::language::current(),
                                validation.row.repeats_line,
                                first = first
                            )
                            .to_string(),
                        ));
                    }
                }
                let results = self.apply(&rows).await?;
                for (result, &at) in results.iter().zip(&lines) {
                    summary.tally.add(result);
                    if let RowResult::Rejected { field, reason } = result {
                        on_issue(RowIssue {
                            line: at,
                            column: csv_column(field),
                            reason: reason.clone(),
                        });
                    }
                }
                rows.clear();
                lines.clear();
            }
            if !more {
                break;
            }
        }
        if !self.dry_run {
            let outcome = if summary.tally.rejected == 0 {
                Outcome::Success
            } else {
                Outcome::Info
            };
            self.audit("orders.imported", outcome, Some(&summary))
                .await?;
        }
        Ok(summary)
    }

    async fn apply(
        &self,
        rows: &[Result<OrderFacts, RowError>],
    ) -> Result<Vec<RowResult>, ImportError> {
        let mut tx = crate::db::begin_write(self.pool).await?;
        let now = self.clock.now_on(&mut tx).await?;
        let results = apply_batch(&mut tx, rows, OrderSource::Import, now).await?;
        if self.dry_run {
            tx.rollback().await?;
        } else {
            tx.commit().await?;
        }
        Ok(results)
    }

    async fn audit(
        &self,
        action: &'static str,
        outcome: Outcome,
        summary: Option<&ImportSummary>,
    ) -> Result<(), ImportError> {
        let mut details = serde_json::json!({ "source": "import", "file": self.file_name });
        if let Some(s) = summary {
            details["rows"] = s.rows.into();
            details["created"] = s.tally.created.into();
            details["updated"] = s.tally.updated.into();
            details["unchanged"] = s.tally.unchanged.into();
            details["rejected"] = s.tally.rejected.into();
        }
        let mut tx = crate::db::begin_write(self.pool).await?;
        let now = self.clock.now_on(&mut tx).await?;
        let event = NewEvent {
            actor: self.actor.to_string(),
            action,
            outcome,
            order_ref: None,
            response_code: None,
            details,
        };
        crate::audit::append_in(&mut tx, self.key, &event, now).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The error file: one line per problem, as spreadsheet users open it.
pub fn error_file_header() -> &'static str {
    "line,column,reason\n"
}

pub fn error_file_line(issue: &RowIssue) -> String {
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    writer
        .write_record([
            issue.line.to_string().as_str(),
            &issue.column,
            &issue.reason,
        ])
        .expect("writing to memory");
    String::from_utf8(writer.into_inner().expect("writing to memory")).unwrap_or_default()
}
