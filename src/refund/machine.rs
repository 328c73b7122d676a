//! A refund's life as a table, like the cancel's (`cancel/machine.rs`), and simpler: DANA has no
//! "query refund", but a repeat of the same body under the same `partnerRefundNo` gets DANA's
//! first answer. So after a lost or pending answer the worker sends the stored body again; only
//! DANA's rule of at most 3 unanswered attempts, or the queue's age limit, hands a refund to a
//! person. Pure: no storage, no clock, no DANA.

use super::model::RefundState;
use crate::dana::catalog::{CatalogEntry, Outcome};

/// What DANA's answer to a refund attempt means, per the refund catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Answer {
    /// DANA refunded.
    Refunded,
    /// DANA refused: nothing was refunded.
    Refused,
    /// DANA is still working on it (2025800, 5005801).
    InProgress,
    /// No usable answer: the refund may or may not have been made.
    Unknown,
}

impl Answer {
    pub const ALL: [Answer; 4] = [
        Answer::Refunded,
        Answer::Refused,
        Answer::InProgress,
        Answer::Unknown,
    ];

    pub fn of(entry: &CatalogEntry) -> Self {
        match entry.outcome {
            Outcome::Success => Answer::Refunded,
            Outcome::Failed => Answer::Refused,
            Outcome::Pending if entry.outcome_unknown => Answer::Unknown,
            Outcome::Pending => Answer::InProgress,
        }
    }
}

/// Who made a refund due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum By {
    /// The worker: bound by the age limit.
    Worker,
    /// A person pressed "retry now".
    Person,
}

/// How a person settled a refund DANA could not settle for us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resolution {
    /// DANA (support, the merchant portal) confirmed the refund was made.
    Refunded,
    /// Confirmed not made: its amount is refundable again.
    NotRefunded,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    Answered(Answer),
    /// An attempt was found unfinished: its sender stopped before storing DANA's answer.
    FoundInterrupted,
    Due(By),
    Resolved(Resolution),
}

impl Event {
    pub fn all() -> Vec<Event> {
        let mut all: Vec<Event> = Answer::ALL.into_iter().map(Event::Answered).collect();
        all.extend([
            Event::FoundInterrupted,
            Event::Due(By::Worker),
            Event::Due(By::Person),
            Event::Resolved(Resolution::Refunded),
            Event::Resolved(Resolution::NotRefunded),
        ]);
        all
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Limits {
    /// 3 attempts in all got no answer.
    pub out_of_attempts: bool,
    /// Open longer than the queue's age limit.
    pub too_old: bool,
}

impl Limits {
    pub fn all() -> [Limits; 4] {
        [(false, false), (true, false), (false, true), (true, true)].map(|(a, o)| Limits {
            out_of_attempts: a,
            too_old: o,
        })
    }
}

/// Why a refund waits for a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Hold {
    NoAnswerLimit,
    TooOld,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// Record the next attempt, then send the stored body.
    Send,
    /// Finish the unfinished attempt as unanswered.
    MarkUnknown,
    /// Refunded: the order becomes PARTIALLY_REFUNDED or REFUNDED.
    Settle(Outcome),
    /// Back in the queue after the backoff.
    Retry,
    /// Back in the queue, held for a person.
    Hold(Hold),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub next: RefundState,
    pub effect: Effect,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum When {
    Always,
    OutOfAttempts,
    TooOld,
}

impl When {
    fn holds(self, l: Limits) -> bool {
        match self {
            When::Always => true,
            When::OutOfAttempts => l.out_of_attempts,
            When::TooOld => l.too_old,
        }
    }
}

use Effect::*;
use RefundState::{Failed, InFlight, Pending, Succeeded};

struct Row(RefundState, Event, When, RefundState, Effect);

#[rustfmt::skip]
const TABLE: &[Row] = &[
    Row(InFlight, Event::Answered(Answer::Refunded),   When::Always,        Succeeded, Settle(Outcome::Success)),
    Row(InFlight, Event::Answered(Answer::Refused),    When::Always,        Failed,    Settle(Outcome::Failed)),
    Row(InFlight, Event::Answered(Answer::InProgress), When::TooOld,        Pending,   Hold(Hold::TooOld)),
    Row(InFlight, Event::Answered(Answer::InProgress), When::Always,        Pending,   Retry),
    Row(InFlight, Event::Answered(Answer::Unknown),    When::OutOfAttempts, Pending,   Hold(Hold::NoAnswerLimit)),
    Row(InFlight, Event::Answered(Answer::Unknown),    When::TooOld,        Pending,   Hold(Hold::TooOld)),
    Row(InFlight, Event::Answered(Answer::Unknown),    When::Always,        Pending,   Retry),
    Row(InFlight, Event::FoundInterrupted,             When::Always,        Pending,   MarkUnknown),
    // A repeat of the same body is answered with DANA's first answer: resending is safe.
    Row(Pending,  Event::Due(By::Worker),              When::TooOld,        Pending,   Hold(Hold::TooOld)),
    Row(Pending,  Event::Due(By::Worker),              When::Always,        InFlight,  Send),
    Row(Pending,  Event::Due(By::Person),              When::Always,        InFlight,  Send),
    Row(Pending,  Event::Resolved(Resolution::Refunded),    When::Always,   Succeeded, Settle(Outcome::Success)),
    Row(Pending,  Event::Resolved(Resolution::NotRefunded), When::Always,   Failed,    Settle(Outcome::Failed)),
];

/// The step for `event` in `state` under `limits`; `None` when the event does not apply.
pub fn step(state: RefundState, event: Event, limits: Limits) -> Option<Step> {
    TABLE
        .iter()
        .find(|r| r.0 == state && r.1 == event && r.2.holds(limits))
        .map(|r| Step {
            next: r.3,
            effect: r.4,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expected(state: RefundState, event: Event, l: Limits) -> Option<(RefundState, Effect)> {
        let retry_or_hold_old = if l.too_old {
            (Pending, Hold(Hold::TooOld))
        } else {
            (Pending, Retry)
        };
        match (state, event) {
            (Succeeded | Failed, _) => None,
            (InFlight, Event::Answered(a)) => Some(match a {
                Answer::Refunded => (Succeeded, Settle(Outcome::Success)),
                Answer::Refused => (Failed, Settle(Outcome::Failed)),
                Answer::InProgress => retry_or_hold_old,
                Answer::Unknown if l.out_of_attempts => (Pending, Hold(Hold::NoAnswerLimit)),
                Answer::Unknown => retry_or_hold_old,
            }),
            (InFlight, Event::FoundInterrupted) => Some((Pending, MarkUnknown)),
            (InFlight, Event::Due(_) | Event::Resolved(_)) => None,
            (Pending, Event::Answered(_) | Event::FoundInterrupted) => None,
            (Pending, Event::Due(By::Worker)) if l.too_old => Some((Pending, Hold(Hold::TooOld))),
            (Pending, Event::Due(_)) => Some((InFlight, Send)),
            (Pending, Event::Resolved(Resolution::Refunded)) => {
                Some((Succeeded, Settle(Outcome::Success)))
            }
            (Pending, Event::Resolved(Resolution::NotRefunded)) => {
                Some((Failed, Settle(Outcome::Failed)))
            }
        }
    }

    #[test]
    fn every_state_event_and_limit_steps_as_the_table_says() {
        for state in RefundState::ALL {
            for event in Event::all() {
                for limits in Limits::all() {
                    assert_eq!(
                        step(state, event, limits).map(|s| (s.next, s.effect)),
                        expected(state, event, limits),
                        "{state:?} on {event:?} with {limits:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn only_a_send_puts_a_refund_in_flight_and_only_settling_ends_it() {
        for state in RefundState::ALL {
            for event in Event::all() {
                for limits in Limits::all() {
                    let Some(s) = step(state, event, limits) else {
                        continue;
                    };
                    assert_eq!(s.effect == Send, s.next == InFlight);
                    assert_eq!(
                        matches!(s.effect, Settle(_)),
                        matches!(s.next, Succeeded | Failed)
                    );
                }
            }
        }
    }
}
