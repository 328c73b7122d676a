//! Why a held cancel or refund needs a person. Stored as a code with its figures (JSON in the
//! queue's `attention` column) rather than as a sentence, so each reader gets it in their own
//! language; the audit trail records the English sentence.

use serde::{Deserialize, Serialize};

use crate::dana::catalog;
use crate::i18n::{Locale, td_string};
use crate::language::{Worded, code};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "note", rename_all = "snake_case")]
pub enum Attention {
    /// A cancel with no usable answer after DANA's limit of attempts.
    CancelNoAnswerLimit { tries: usize, limit: u32 },
    /// The same, and Query Payment says the payment is still paid.
    CancelNoAnswerStillPaid { tries: usize, limit: u32 },
    /// A cancel still open after the queue's age limit.
    CancelTooOld { minutes: i64 },
    /// Query Payment's status says paid while its details say cancelled.
    StatusContradicts {
        cancelled_at: Option<String>,
        void_amount: Option<String>,
    },
    /// Query Payment's `latestTransactionStatus` (a code of DANA's) needs a person.
    Status { code: String },
    /// The status check needs a person, with no status to explain why.
    StatusCheckNeedsPerson,
    /// DANA refused the status check with this Query Payment response code.
    StatusCheckRefused { code: String },
    /// A refund with no usable answer after DANA's limit of attempts.
    RefundNoAnswerLimit { tries: usize, limit: u32 },
    /// A refund still open after the queue's age limit.
    RefundTooOld { minutes: i64 },
}

impl Attention {
    /// What goes into the `attention` column.
    pub fn stored(&self) -> String {
        serde_json::to_string(self).expect("an attention note serializes")
    }

    /// The note as a sentence in `locale`.
    pub fn text(&self, locale: Locale) -> String {
        match self {
            Self::CancelNoAnswerLimit { tries, limit } => td_string!(
                locale,
                pending.hold.cancel_no_answer_limit,
                tries = tries,
                limit = limit
            )
            .to_string(),
            Self::CancelNoAnswerStillPaid { tries, limit } => td_string!(
                locale,
                pending.hold.cancel_no_answer_still_paid,
                tries = tries,
                limit = limit
            )
            .to_string(),
            Self::CancelTooOld { minutes } => {
                td_string!(locale, pending.hold.cancel_too_old, minutes = minutes).to_string()
            }
            Self::StatusContradicts {
                cancelled_at,
                void_amount,
            } => {
                let when = cancelled_at
                    .as_deref()
                    .map(|t| td_string!(locale, pending.hold.cancelled_at, time = t).to_string())
                    .unwrap_or_default();
                let amount = void_amount
                    .as_deref()
                    .map(|a| td_string!(locale, pending.hold.void_amount, amount = a).to_string())
                    .unwrap_or_default();
                td_string!(
                    locale,
                    pending.hold.status_contradicts,
                    when = when,
                    amount = amount
                )
                .to_string()
            }
            Self::Status { code } => match catalog::transaction_status(code) {
                Some(status) => status.explanation_in(locale).to_string(),
                None => td_string!(locale, pending.hold.status_check_needs_person).to_string(),
            },
            Self::StatusCheckNeedsPerson => {
                td_string!(locale, pending.hold.status_check_needs_person).to_string()
            }
            Self::StatusCheckRefused { code } => {
                let entry = query_entry(code);
                td_string!(
                    locale,
                    pending.hold.status_check_refused,
                    code = entry.code,
                    message = entry.message,
                    explanation = entry.explanation_in(locale)
                )
                .to_string()
            }
            Self::RefundNoAnswerLimit { tries, limit } => td_string!(
                locale,
                pending.hold.refund_no_answer_limit,
                tries = tries,
                limit = limit
            )
            .to_string(),
            Self::RefundTooOld { minutes } => {
                td_string!(locale, pending.hold.refund_too_old, minutes = minutes).to_string()
            }
        }
    }
}

/// The Query Payment catalog row for a stored code, including the two non-codes.
fn query_entry(code: &str) -> &'static catalog::CatalogEntry {
    catalog::lookup_query(code)
        .or_else(|| Some(catalog::query_timeout()).filter(|e| e.code == code))
        .unwrap_or_else(catalog::query_unexpected)
}

/// A stored note read in `locale`. Notes stored before they were codes are English sentences:
/// they are shown as they are, marked as English.
pub fn read(stored: &str, locale: Locale) -> Worded {
    match serde_json::from_str::<Attention>(stored) {
        Ok(note) => Worded {
            text: note.text(locale),
            lang: code(locale).to_string(),
        },
        Err(_) => Worded {
            text: stored.to_string(),
            lang: code(Locale::en).to_string(),
        },
    }
}

/// A stored note as the audit trail records it: in English.
pub fn english(stored: &str) -> String {
    read(stored, Locale::en).text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_is_stored_as_a_code_and_read_in_either_language() {
        let note = Attention::CancelTooOld { minutes: 30 };
        let stored = note.stored();
        assert_eq!(stored, r#"{"note":"cancel_too_old","minutes":30}"#);
        let en = read(&stored, Locale::en);
        assert_eq!(
            en.text,
            "Still pending after 30 minutes; Cancel Desk stopped retrying. Check the status with DANA, retry now, or resolve it with a note."
        );
        assert_eq!(en.lang, "en");
        let id = read(&stored, Locale::id);
        assert!(
            id.text.starts_with("Masih tertunda setelah 30 menit"),
            "{}",
            id.text
        );
        assert_eq!(id.lang, "id");
    }

    #[test]
    fn an_older_english_note_is_shown_as_it_is() {
        let old = "DANA's status check needs a person to look.";
        assert_eq!(
            read(old, Locale::id),
            Worded {
                text: old.to_string(),
                lang: "en".to_string()
            }
        );
        assert_eq!(english(old), old);
    }

    #[test]
    fn every_note_reads_differently_in_each_language_with_its_figures() {
        let notes = [
            Attention::CancelNoAnswerLimit { tries: 4, limit: 3 },
            Attention::CancelNoAnswerStillPaid { tries: 4, limit: 3 },
            Attention::CancelTooOld { minutes: 90 },
            Attention::StatusContradicts {
                cancelled_at: Some("2026-11-27T10:00:00+07:00".into()),
                void_amount: Some("10000.00".into()),
            },
            Attention::Status { code: "01".into() },
            Attention::StatusCheckNeedsPerson,
            Attention::StatusCheckRefused {
                code: "4045501".into(),
            },
            Attention::RefundNoAnswerLimit { tries: 3, limit: 3 },
            Attention::RefundTooOld { minutes: 90 },
        ];
        for note in notes {
            let stored = note.stored();
            assert_eq!(serde_json::from_str::<Attention>(&stored).unwrap(), note);
            let (en, id) = (note.text(Locale::en), note.text(Locale::id));
            assert_ne!(en, id, "{note:?}");
            for text in [&en, &id] {
                assert!(!text.contains("{{"), "{note:?}: {text}");
            }
            if let Attention::StatusContradicts { .. } = note {
                assert!(
                    en.contains(" at 2026-11-27T10:00:00+07:00 (void amount 10000.00)"),
                    "{en}"
                );
                assert!(
                    id.contains(" pada 2026-11-27T10:00:00+07:00 (jumlah void 10000.00)"),
                    "{id}"
                );
            }
            if let Attention::StatusCheckRefused { .. } = note {
                // DANA's own message stays as DANA sent it, in both.
                let message = catalog::lookup_query("4045501").unwrap().message;
                assert!(en.contains(message) && id.contains(message), "{en} / {id}");
            }
        }
    }
}
