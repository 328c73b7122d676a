//! The audit log as supervisors filter it (`/audit?actor=…&order=…&action=…&outcome=…&code=…&
//! from=…&to=…&before=…`): newest first, keyset-paginated by event id. Shared with the browser.

use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::orders::query::JakartaDate;

pub const AUDIT_PAGE_SIZE: usize = 50;
pub const OUTCOMES: [&str; 5] = ["success", "failure", "pending", "forbidden", "info"];

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditParams {
    pub actor: Option<String>,
    pub order: Option<String>,
    pub action: Option<String>,
    pub outcome: Option<String>,
    pub code: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// Show events older than this id.
    pub before: Option<String>,
    /// Show events newer than this id.
    pub after: Option<String>,
}

/// The validated filter; times in Unix milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub order: Option<String>,
    pub action: Option<String>,
    pub outcome: Option<String>,
    pub code: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub before: Option<i64>,
    pub after: Option<i64>,
}

fn present(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

impl AuditParams {
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        Self {
            actor: get("actor"),
            order: get("order"),
            action: get("action"),
            outcome: get("outcome"),
            code: get("code"),
            from: get("from"),
            to: get("to"),
            before: get("before"),
            after: get("after"),
        }
    }

    pub fn validate(&self) -> Result<AuditFilter, AppError> {
        // Each rejection in the language of the request (of the page, in the browser).
        let locale = crate::language::current();
        let text = |field: &str, v: &Option<String>, max: usize| match present(v) {
            Some(s) if s.chars().count() > max => Err(AppError::invalid(
                field,
                crate::i18n::td_string!(locale, validation.filter.at_most_chars, max = max)
                    .to_string(),
            )),
            other => Ok(other),
        };
        let outcome = present(&self.outcome);
        if let Some(o) = &outcome
            && !OUTCOMES.contains(&o.as_str())
        {
            return Err(AppError::invalid(
                "outcome",
                crate::i18n::td_string!(
                    locale,
                    validation.filter.unknown_outcome,
                    value = format!("{o:?}"),
                    known = OUTCOMES.join(", ")
                )
                .to_string(),
            ));
        }
        let day = |field: &str, v: &Option<String>| -> Result<Option<JakartaDate>, AppError> {
            present(v)
                .map(|s| {
                    JakartaDate::parse(&s).ok_or_else(|| {
                        AppError::invalid(
                            field,
                            crate::i18n::td_string!(
                                locale,
                                validation.filter.not_a_date,
                                value = format!("{s:?}")
                            )
                            .to_string(),
                        )
                    })
                })
                .transpose()
        };
        let from = day("from", &self.from)?;
        let to = day("to", &self.to)?;
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            return Err(AppError::invalid(
                "to",
                crate::i18n::td_string!(locale, validation.filter.end_before_start),
            ));
        }
        let id = |field: &str, v: &Option<String>| -> Result<Option<i64>, AppError> {
            present(v)
                .map(|s| {
                    s.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                        AppError::invalid(
                            field,
                            crate::i18n::td_string!(locale, validation.filter.not_a_log_position),
                        )
                    })
                })
                .transpose()
        };
        let before = id("before", &self.before)?;
        let after = id("after", &self.after)?;
        if before.is_some() && after.is_some() {
            return Err(AppError::invalid(
                "after",
                crate::i18n::td_string!(locale, validation.filter.before_or_after),
            ));
        }
        Ok(AuditFilter {
            actor: text("actor", &self.actor, 320)?.map(|a| a.to_lowercase()),
            order: text("order", &self.order, 64)?,
            action: text("action", &self.action, 64)?,
            outcome,
            code: text("code", &self.code, 16)?,
            from_ms: from.map(|d| d.start_epoch_seconds() * 1000),
            to_ms: to.map(|d| (d.start_epoch_seconds() + 86_400) * 1000),
            before,
            after,
        })
    }

    pub fn to_query_string(&self, page: Option<(&str, &str)>) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("actor", &self.actor),
            ("order", &self.order),
            ("action", &self.action),
            ("outcome", &self.outcome),
            ("code", &self.code),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if let Some(v) = present(value) {
                out.append_pair(name, &v);
            }
        }
        if let Some((name, value)) = page {
            out.append_pair(name, value);
        }
        out.finish()
    }
}

/// One event as the audit page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEventView {
    pub id: i64,
    pub occurred_at_display: String,
    pub actor: String,
    pub action: String,
    pub outcome: String,
    pub order_ref: Option<String>,
    pub response_code: Option<String>,
    /// The details, pretty-printed JSON (for a DANA attempt: the request headers and body sent,
    /// and the response received).
    pub details: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub events: Vec<AuditEventView>,
    /// Cursor for older events (`before=`).
    pub older: Option<i64>,
    /// Cursor for newer events (`after=`).
    pub newer: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_values_name_their_field() {
        let p = |pairs: &[(&str, &str)]| {
            AuditParams::from_lookup(|k| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            })
        };
        for (pairs, field) in [
            (vec![("outcome", "great")], "outcome"),
            (vec![("from", "2026-02-30")], "from"),
            (vec![("before", "x")], "before"),
            (vec![("before", "1"), ("after", "2")], "after"),
            (vec![("from", "2026-11-02"), ("to", "2026-11-01")], "to"),
        ] {
            match p(&pairs).validate() {
                Err(AppError::InvalidInput { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{pairs:?}: {other:?}"),
            }
        }
        let f = p(&[("actor", " Rina@Merchant.test "), ("from", "2026-11-24")])
            .validate()
            .unwrap();
        assert_eq!(f.actor.as_deref(), Some("rina@merchant.test"));
        assert_eq!(f.from_ms, Some(1_795_453_200_000));
    }
}
