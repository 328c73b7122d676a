//! How a value Cancel Desk does not know yet reads on every page: an em dash.

/// The text, or `—` when it is unknown.
pub fn or_dash(value: Option<String>) -> String {
    value.unwrap_or_else(|| "—".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_reads_as_a_dash() {
        assert_eq!(or_dash(None), "—");
        assert_eq!(or_dash(Some("Budi".into())), "Budi");
    }
}
