//! Scripted answers, so tests and demos can make the sandbox produce any catalog row, a hang, an
//! empty body or malformed JSON, deterministically, keyed on the order's partner reference.

use std::collections::{HashMap, VecDeque};

use serde::{Deserialize, Serialize};

/// What the sandbox does with one request for an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Behaviour {
    /// Check the request and cancel as DANA would.
    Normal,
    /// Answer this catalog code (with its HTTP status), whatever the order.
    Code { code: String },
    /// Wait this long, then behave normally (past the client's timeout, the answer is lost).
    Hang { millis: u64 },
    /// Behave normally at once (the cancel takes effect), then hold the answer this long: past
    /// the client's timeout, or a crash of the client, the answer is lost but the cancel stands.
    Hold { millis: u64 },
    /// HTTP 200 with an empty body.
    EmptyBody,
    /// A success that names another order (`reference`), without cancelling anything.
    Misdirected { reference: String },
    /// Query Payment only: DANA's answer with this `latestTransactionStatus` (00, 01, 02, 05,
    /// 07) and, optionally, this `additionalInfo`, whatever the sandbox knows of the order.
    Status {
        status: String,
        #[serde(default)]
        additional_info: Option<serde_json::Map<String, serde_json::Value>>,
    },
    /// HTTP 200 with a body that is not JSON.
    MalformedJson,
}

/// A scenario file: for each partner reference, the behaviours of its successive Cancel Order
/// requests (`orders`), Query Payment requests (`queries`) and Refund Order requests
/// (`refunds`); the last one repeats.
/// `{"orders": {"REF-1": [{"kind": "code", "code": "2025700"}, {"kind": "normal"}]}}`
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioFile {
    pub orders: HashMap<String, Vec<Behaviour>>,
    #[serde(default)]
    pub queries: HashMap<String, Vec<Behaviour>>,
    #[serde(default)]
    pub refunds: HashMap<String, Vec<Behaviour>>,
}

#[derive(Debug, Default)]
pub struct Scripts {
    by_reference: HashMap<String, VecDeque<Behaviour>>,
}

impl Scripts {
    /// The cancel, query and refund scripts of a file.
    pub fn from_file(file: ScenarioFile) -> (Self, Self, Self) {
        let scripts = |map: HashMap<String, Vec<Behaviour>>| {
            let mut scripts = Self::default();
            for (reference, behaviours) in map {
                scripts.set(&reference, behaviours);
            }
            scripts
        };
        (
            scripts(file.orders),
            scripts(file.queries),
            scripts(file.refunds),
        )
    }

    pub fn set(&mut self, reference: &str, behaviours: Vec<Behaviour>) {
        self.by_reference
            .insert(reference.to_string(), behaviours.into());
    }

    /// The behaviour for the next cancel of this order: scripted, else by magic reference.
    pub fn next(&mut self, reference: &str) -> Behaviour {
        self.next_scripted(reference)
            .unwrap_or_else(|| magic(reference))
    }

    /// The scripted behaviour for the next request of this order, if any.
    pub fn next_scripted(&mut self, reference: &str) -> Option<Behaviour> {
        let queue = self.by_reference.get_mut(reference)?;
        if queue.len() > 1 {
            return queue.pop_front();
        }
        queue.front().cloned()
    }
}

/// The partner references DANA's own sandbox answers with their code, as DANA documents them.
pub const DANA_MAGIC_REFERENCES: [&str; 7] = [
    "2025700", "4035700", "4035705", "4035714", "4035715", "4045708", "5005701",
];

/// DANA's sandbox convention: a partner reference equal to a response code answers that code
/// (every one of [`DANA_MAGIC_REFERENCES`]). Cancel Desk extends it to every other Cancel Order
/// code, and `SANDBOX-*` references give the off-contract answers and a cancel whose answer is
/// lost; real references never look like either.
fn magic(reference: &str) -> Behaviour {
    match reference {
        "SANDBOX-HANG" => Behaviour::Hang { millis: 10_000 },
        "SANDBOX-LOST" => Behaviour::Hold { millis: 30_000 },
        "SANDBOX-EMPTY-BODY" => Behaviour::EmptyBody,
        "SANDBOX-MALFORMED-JSON" => Behaviour::MalformedJson,
        code if crate::dana::catalog::lookup(code).is_some_and(|e| e.http_status.is_some()) => {
            Behaviour::Code {
                code: code.to_string(),
            }
        }
        _ => Behaviour::Normal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_play_in_order_and_the_last_repeats() {
        let file: ScenarioFile = serde_json::from_str(
            r#"{"orders": {"R1": [{"kind": "code", "code": "2025700"}, {"kind": "hang", "millis": 5}, {"kind": "normal"}]}}"#,
        )
        .unwrap();
        let mut s = Scripts::from_file(file).0;
        assert_eq!(
            s.next("R1"),
            Behaviour::Code {
                code: "2025700".into()
            }
        );
        assert_eq!(s.next("R1"), Behaviour::Hang { millis: 5 });
        assert_eq!(s.next("R1"), Behaviour::Normal);
        assert_eq!(s.next("R1"), Behaviour::Normal);
    }

    #[test]
    fn every_magic_reference_dana_documents_answers_its_code() {
        let mut s = Scripts::default();
        for code in DANA_MAGIC_REFERENCES {
            assert_eq!(s.next(code), Behaviour::Code { code: code.into() });
        }
    }

    #[test]
    fn magic_references() {
        let mut s = Scripts::default();
        assert_eq!(
            s.next("4035714"),
            Behaviour::Code {
                code: "4035714".into()
            }
        );
        assert_eq!(s.next("SANDBOX-EMPTY-BODY"), Behaviour::EmptyBody);
        assert_eq!(s.next("2026112400000000000001"), Behaviour::Normal);
        assert_eq!(
            s.next("TIMEOUT"),
            Behaviour::Normal,
            "catalog non-codes are not magic"
        );
    }
}
