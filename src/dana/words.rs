//! A catalog row or a transaction status in one language's words, for a page. The server puts
//! them in words, so the browser needs none of the catalog: its tables and both languages'
//! explanations stay out of the download.

use serde::{Deserialize, Serialize};

use super::catalog::{CatalogEntry, StatusDecision, TransactionStatus};
use crate::i18n::Locale;

/// What DANA answered: its code and message, and what it means for staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerWords {
    pub code: String,
    /// DANA's `responseMessage`, in English as DANA words it.
    pub message: String,
    /// Our explanation, in the reader's language.
    pub explanation: String,
    /// The outcome's colour: `success`, `pending` or `failed`.
    pub tone: String,
}

impl AnswerWords {
    pub fn of(entry: &CatalogEntry, locale: Locale) -> Self {
        AnswerWords {
            code: entry.code.to_string(),
            message: entry.message.to_string(),
            explanation: entry.explanation_in(locale).to_string(),
            tone: entry.outcome.tone().to_string(),
        }
    }
}

/// DANA's latest transaction status of a payment (Query Payment), and what it means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusWords {
    pub code: String,
    pub name: String,
    /// DANA's description, in English.
    pub meaning: String,
    pub decision: StatusDecision,
    /// Our explanation, in the reader's language.
    pub explanation: String,
}

impl StatusWords {
    pub fn of(status: &TransactionStatus, locale: Locale) -> Self {
        StatusWords {
            code: status.code.to_string(),
            name: status.name.to_string(),
            meaning: status.meaning.to_string(),
            decision: status.decision,
            explanation: status.explanation_in(locale).to_string(),
        }
    }
}
