//! The audit log as CSV, one line per event.

use super::store::EventRow;

pub const HEADER: &str =
    "id,occurred_at_wib,actor,action,outcome,order_ref,response_code,details,hash\r\n";

/// One CSV field: quoted when needed, and defused against spreadsheet formulas.
fn field(value: &str) -> String {
    let defused = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

pub fn line(row: &EventRow) -> String {
    let time = chrono::DateTime::from_timestamp_millis(row.occurred_at)
        .map(|t| {
            t.with_timezone(&crate::time::jakarta())
                .format("%Y-%m-%d %H:%M:%S%.3f")
                .to_string()
        })
        .unwrap_or_default();
    [
        row.id.to_string(),
        time,
        field(&row.actor),
        field(&row.action),
        field(&row.outcome),
        field(row.order_ref.as_deref().unwrap_or("")),
        field(row.response_code.as_deref().unwrap_or("")),
        field(&row.details),
        row.hash.clone(),
    ]
    .join(",")
        + "\r\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_defuses() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(field("-1,2"), "\"'-1,2\"");
    }
}
