//! What the CSV import page shows: the file's columns and the views of an upload's check and
//! import. Shared by the server and the browser.

use serde::{Deserialize, Serialize};

/// The CSV columns, in the order the README and the page list them: (name, required, what it
/// holds). Only the first three are required; the others may be left out or left empty.
pub const CSV_COLUMNS: &[(&str, bool, &str)] = &[
    (
        "partner_reference_no",
        true,
        "Your order id, as sent to DANA (1–64 characters)",
    ),
    (
        "merchant_id",
        true,
        "The DANA merchant id the order was paid to",
    ),
    ("amount", true, "10000.00: digits, a point, two decimals"),
    ("currency", false, "IDR (the default)"),
    ("status", false, "PAID (the default) or UNPAID"),
    (
        "paid_at",
        false,
        "2026-11-24T10:00:00+07:00; required for a paid order",
    ),
    (
        "placed_at",
        false,
        "The same form; required for an unpaid order",
    ),
    ("reference_no", false, "DANA's reference, when known"),
    ("sub_merchant_id", false, "Up to 32 characters"),
    ("external_store_id", false, "Up to 64 characters"),
    ("customer_name", false, "Up to 128 characters"),
    ("customer_phone", false, "Stored masked: +62 811-****-6789"),
    ("item_description", false, "Up to 256 characters"),
];

/// The largest file the upload page takes; larger files go through `cancel-desk import orders`.
pub const MAX_UPLOAD_BYTES: usize = 32 * 1024 * 1024;

/// One problem: the line in the file (the header is line 1), the column, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueView {
    pub line: u64,
    pub column: String,
    pub reason: String,
}

/// One of the file's first rows, as it reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewLine {
    pub line: u64,
    pub reference: String,
    pub amount: String,
    pub status: String,
    pub customer: String,
    pub time: String,
    /// The row's first problem, if it has one.
    pub problem: Option<String>,
}

/// How many rows did (or, before the import, would) what.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportCounts {
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
}

/// An uploaded file: its check (a dry run over every row), and its import once done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportView {
    pub upload: String,
    pub file_name: String,
    pub size_display: String,
    pub uploaded_by: String,
    pub uploaded_at_display: String,
    /// The whole file was refused (wrong header, empty, unreadable).
    pub file_error: Option<String>,
    /// The dry run's counts before the import; the import's own after it.
    pub counts: ImportCounts,
    pub preview: Vec<PreviewLine>,
    /// The first problems, by line; all of them are in the error file.
    pub issues: Vec<IssueView>,
    pub issue_count: u64,
    /// When it was imported (WIB), once it was.
    pub imported_at_display: Option<String>,
    /// An order the file brought in, to open after the import.
    pub first_reference: Option<String>,
}

/// Problems listed on the page; the error file has all of them.
pub const ISSUES_SHOWN: usize = 100;
/// Rows shown in the preview.
pub const PREVIEW_ROWS: usize = 10;
