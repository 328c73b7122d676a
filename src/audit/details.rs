//! Events' details are capped in size: whatever a request or a remote answer carried, one event
//! stays small. Long strings keep their start and say how much was cut; an object still too
//! large after that is replaced by a note of its size.

use serde_json::{Value, json};

/// The most bytes one event's details take, serialised.
pub const MAX_DETAILS_BYTES: usize = 16 * 1024;
/// The most characters any one string in the details keeps.
pub const MAX_STRING_CHARS: usize = 2048;

fn cut_strings(value: &mut Value) {
    match value {
        Value::String(text) if text.chars().count() > MAX_STRING_CHARS => {
            let kept: String = text.chars().take(MAX_STRING_CHARS).collect();
            let cut = text.len() - kept.len();
            *text = format!("{kept}…[{cut} more bytes not recorded]");
        }
        Value::Array(items) => items.iter_mut().for_each(cut_strings),
        Value::Object(map) => map.values_mut().for_each(cut_strings),
        _ => {}
    }
}

/// `details` as it may be recorded.
pub fn cap(mut details: Value) -> Value {
    if details.to_string().len() <= MAX_DETAILS_BYTES {
        return details;
    }
    cut_strings(&mut details);
    let size = details.to_string().len();
    if size <= MAX_DETAILS_BYTES {
        return details;
    }
    let keys: Vec<String> = details
        .as_object()
        .map(|m| m.keys().take(32).cloned().collect())
        .unwrap_or_default();
    json!({"truncated": true, "bytes": size, "keys": keys})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_details_are_kept_whole() {
        let d = json!({"reason": "customer asked", "n": 1});
        assert_eq!(cap(d.clone()), d);
    }

    #[test]
    fn long_strings_keep_their_start_and_say_what_was_cut() {
        let d = json!({"filter": "x".repeat(50_000), "path": "/audit"});
        let capped = cap(d);
        assert!(capped.to_string().len() <= MAX_DETAILS_BYTES);
        let filter = capped["filter"].as_str().unwrap();
        assert!(filter.starts_with(&"x".repeat(MAX_STRING_CHARS)));
        assert!(
            filter.ends_with("[47952 more bytes not recorded]"),
            "{filter}"
        );
        assert_eq!(capped["path"], "/audit");
    }

    #[test]
    fn many_fields_collapse_to_a_note() {
        let map: serde_json::Map<String, Value> = (0..100)
            .map(|i| (format!("k{i}"), Value::String("y".repeat(1000))))
            .collect();
        let capped = cap(Value::Object(map));
        assert_eq!(capped["truncated"], true);
        assert!(capped.to_string().len() <= MAX_DETAILS_BYTES);
    }
}
