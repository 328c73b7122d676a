//! The audit log as CSV, one line per event.

use super::store::EventRow;

pub const HEADER: &str =
    "id,occurred_at_wib,actor,action,outcome,order_ref,response_code,details,hash\r\n";

/// Characters that start a formula in Excel, LibreOffice or Sheets.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// One CSV field, always quoted, and defused against spreadsheet formulas: a formula start at
/// the beginning, or right after a `;` or `,` (spreadsheets set to split on either, as
/// Indonesian Excel splits on `;`, would start a new cell there), gets a `'` before it.
fn field(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    let mut cell_start = true;
    for c in value.chars() {
        if cell_start && FORMULA_STARTS.contains(&c) {
            out.push('\'');
        }
        if c == '"' {
            out.push('"');
        }
        out.push(c);
        cell_start = matches!(c, ';' | ',') || (cell_start && c == ' ');
    }
    out.push('"');
    out
}

pub fn line(row: &EventRow) -> String {
    let time = chrono::DateTime::from_timestamp_millis(row.occurred_at.millis())
        .map(|t| {
            t.with_timezone(&crate::time::jakarta())
                .format("%Y-%m-%d %H:%M:%S%.3f")
                .to_string()
        })
        .unwrap_or_default();
    [
        field(&row.id.to_string()),
        field(&time),
        field(&row.actor),
        field(&row.action),
        field(&row.outcome),
        field(row.order_ref.as_deref().unwrap_or("")),
        field(row.response_code.as_deref().unwrap_or("")),
        field(&row.details),
        field(&row.hash),
    ]
    .join(",")
        + "\r\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_every_field_and_defuses_formulas_after_separators() {
        assert_eq!(field("plain"), "\"plain\"");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK(1)"), "\"'=HYPERLINK(1)\"");
        assert_eq!(field("-1,2"), "\"'-1,2\"");
        // Typed as an e-mail at sign-in; Indonesian Excel splits on ';'.
        assert_eq!(field("zz;=1+1;@x.id"), "\"zz;'=1+1;'@x.id\"");
        assert_eq!(field("a, =cmd|' /C calc'!A0"), "\"a, '=cmd|' /C calc'!A0\"");
        assert_eq!(field("a;b"), "\"a;b\"");
    }
}
