//! The cancel state machine as data: one table maps (state, event, limits) to the next state and
//! the one effect to run. Pure: no storage, no clock, no DANA. The service, the worker and the
//! staff actions only gather the event and its limits, look the step up here, and run its effect
//! (`effects.rs`); changing a transition means changing one row of `TABLE`.
//!
//! A cancel starts IN_FLIGHT (its intent and first attempt recorded in one transaction, see
//! `service.rs`) and ends SUCCEEDED (DANA cancelled the order) or FAILED (DANA refused; the
//! order is still paid). In between it is PENDING (due for the worker, or held for a person) or
//! RETRYING (DANA refused with a "retry periodically" code: sent again on the slower schedule).
//!
//! Two rules keep a cancel DANA made from ever being labelled failed: a refusal of any attempt
//! after the first (DANA may have cancelled the order on an earlier one and now answers "invalid
//! status") settles only once Query Payment agrees the order is still paid; and DANA's 3-attempt
//! rule counts only attempts DANA gave no answer to.

use super::model::RequestState;
use crate::dana::catalog::{CatalogEntry, Outcome, RetryRule, StatusDecision};

/// What DANA's answer to an attempt means, per the response-code catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Answer {
    /// DANA cancelled the order.
    Cancelled,
    /// DANA refused: the order is still paid (as far as this answer goes).
    Refused,
    /// DANA refused with a code whose advice is "retry periodically" (4035714, 4035715, 4045700,
    /// 5005700): the order is still paid, and the same request may succeed later.
    RefusedRetryLater,
    /// DANA is still working on it (a pending code).
    InProgress,
    /// No usable answer (time-out, transport error, unreadable answer): the cancel may or may not
    /// have taken effect.
    Unknown,
}

impl Answer {
    pub const ALL: [Answer; 5] = [
        Answer::Cancelled,
        Answer::Refused,
        Answer::RefusedRetryLater,
        Answer::InProgress,
        Answer::Unknown,
    ];

    pub fn of(entry: &CatalogEntry) -> Self {
        match entry.outcome {
            Outcome::Success => Answer::Cancelled,
            Outcome::Failed if entry.retry == RetryRule::RetrySamePayloadLater => {
                Answer::RefusedRetryLater
            }
            Outcome::Failed => Answer::Refused,
            Outcome::Pending if entry.outcome_unknown => Answer::Unknown,
            Outcome::Pending => Answer::InProgress,
        }
    }
}

/// What DANA's Query Payment said about the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Finding {
    /// Closed: the cancel took effect.
    Cancelled,
    /// Still paid: the cancel did not take.
    StillPaid,
    /// DANA is still processing the payment.
    InProcess,
    /// DANA does not know the payment, or it was never paid.
    NeedsPerson,
    /// DANA refused the status check itself.
    QueryRefused,
    /// The status check got no usable answer.
    NoAnswer,
}

impl Finding {
    pub const ALL: [Finding; 6] = [
        Finding::Cancelled,
        Finding::StillPaid,
        Finding::InProcess,
        Finding::NeedsPerson,
        Finding::QueryRefused,
        Finding::NoAnswer,
    ];

    /// From DANA's `latestTransactionStatus` decision, or, without one, the Query Payment
    /// catalog row the exchange ended in.
    pub fn of(decision: Option<StatusDecision>, query_entry: &CatalogEntry) -> Self {
        match decision {
            Some(StatusDecision::Cancelled) => Finding::Cancelled,
            Some(StatusDecision::StillPaid) => Finding::StillPaid,
            Some(StatusDecision::InProcess) => Finding::InProcess,
            Some(StatusDecision::NeedsPerson) => Finding::NeedsPerson,
            None if query_entry.outcome == Outcome::Failed => Finding::QueryRefused,
            None => Finding::NoAnswer,
        }
    }
}

/// Who made a cancel due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum By {
    /// The worker, on the queue's schedule: bound by the age limit.
    Worker,
    /// A person pressed "retry now": overrides the age limit and any hold, not DANA's rule for
    /// unanswered attempts.
    Person,
}

/// How the last attempt ended, as far as the next step cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Last {
    /// DANA answered (a pending code, or a refusal on the periodic schedule): sending again is
    /// safe.
    Known,
    /// Nobody knows whether DANA acted: ask Query Payment before anything is sent again.
    Unknown,
    /// DANA refused an attempt after the first: ask Query Payment before settling, since an
    /// earlier attempt may have cancelled the order.
    Refused,
}

impl Last {
    pub const ALL: [Last; 3] = [Last::Known, Last::Unknown, Last::Refused];
}

/// What kind of refusal Query Payment is confirming.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Refusal {
    /// A code with no later: settle as failed once confirmed.
    Final,
    /// A "retry periodically" code: back on the periodic schedule once confirmed.
    RetryLater,
}

/// How a person settled a cancel DANA could not settle for us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resolution {
    /// Confirmed cancelled (for example by DANA support): the order is CANCELLED.
    Cancelled,
    /// Confirmed not cancelled: the order stays paid (CANCEL_FAILED, may be cancelled again).
    NotCancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    /// An attempt ended: DANA's answer, or none.
    Answered(Answer),
    /// An attempt was found unfinished: whoever sent it stopped before storing DANA's answer.
    FoundInterrupted,
    /// The cancel is due: for the worker, or a person pressed "retry now".
    Due { by: By, last: Last },
    /// Query Payment answered on the way to a resend.
    CheckedBeforeResend(Finding),
    /// Query Payment answered about a refusal of an attempt after the first.
    CheckedAfterRefusal(Finding, Refusal),
    /// Query Payment answered a person's "check status".
    CheckedByHand(Finding),
    /// A person settled the cancel with a note.
    Resolved(Resolution),
    /// A person stopped the periodic retries of a refused cancel, with a note.
    Stopped,
}

impl Event {
    /// Every event, for exhaustive tests.
    pub fn all() -> Vec<Event> {
        let mut all: Vec<Event> = Answer::ALL.into_iter().map(Event::Answered).collect();
        all.push(Event::FoundInterrupted);
        for by in [By::Worker, By::Person] {
            for last in Last::ALL {
                all.push(Event::Due { by, last });
            }
        }
        all.extend(Finding::ALL.into_iter().map(Event::CheckedBeforeResend));
        for refusal in [Refusal::Final, Refusal::RetryLater] {
            all.extend(
                Finding::ALL
                    .into_iter()
                    .map(|f| Event::CheckedAfterRefusal(f, refusal)),
            );
        }
        all.extend(Finding::ALL.into_iter().map(Event::CheckedByHand));
        all.push(Event::Resolved(Resolution::Cancelled));
        all.push(Event::Resolved(Resolution::NotCancelled));
        all.push(Event::Stopped);
        all
    }
}

/// What the caller measured that can change a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Limits {
    /// DANA's rule is spent: 3 attempts in all got no answer (time-outs, unreadable answers).
    pub out_of_attempts: bool,
    /// The cancel has been open longer than the queue's age limit.
    pub too_old: bool,
    /// The attempt answered was not the cancel's first.
    pub later_attempt: bool,
    /// The periodic schedule's cap is reached: no more "retry periodically" resends.
    pub periodic_spent: bool,
}

impl Limits {
    /// Every combination, for exhaustive tests.
    pub fn all() -> Vec<Limits> {
        let mut all = Vec::new();
        for bits in 0..16u8 {
            all.push(Limits {
                out_of_attempts: bits & 1 != 0,
                too_old: bits & 2 != 0,
                later_attempt: bits & 4 != 0,
                periodic_spent: bits & 8 != 0,
            });
        }
        all
    }
}

/// Why a cancel waits for a person; each has its text for staff in `effects.rs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Hold {
    /// DANA's 3-attempt rule is spent and the outcome is still unknown.
    NoAnswerLimit,
    /// The same, and Query Payment says the order is still paid.
    NoAnswerLimitStillPaid,
    /// Open longer than the age limit.
    TooOld,
    /// Query Payment's status needs a person (unknown or never-paid payment).
    StatusNeedsPerson,
    /// DANA refused the status check.
    QueryRefused,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// Record the next attempt, then send the stored body (and feed back `Answered`).
    Send,
    /// Ask Query Payment (and feed back `CheckedBeforeResend`).
    AskStatus,
    /// Finish the unfinished attempt as an unknown outcome.
    MarkUnknown,
    /// Settle: `Success` → order CANCELLED, `Failed` → CANCEL_FAILED (still paid).
    Settle(Outcome),
    /// Back in the queue, due after the backoff.
    Retry,
    /// Back in the queue, due now: Query Payment must confirm a refusal before it settles.
    Confirm,
    /// On the periodic schedule: due after the periodic interval, the order "cancel failed,
    /// retrying periodically".
    RetryPeriodically,
    /// Back in the queue as it was scheduled (after a person's status check), in its state.
    KeepSchedule,
    /// Back in the queue, held for a person.
    Hold(Hold),
}

/// One step: where the cancel goes and what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub next: RequestState,
    pub effect: Effect,
}

/// Which limits a row applies under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum When {
    Always,
    OutOfAttempts,
    TooOld,
    LaterAttempt,
    PeriodicSpent,
}

impl When {
    fn holds(self, limits: Limits) -> bool {
        match self {
            When::Always => true,
            When::OutOfAttempts => limits.out_of_attempts,
            When::TooOld => limits.too_old,
            When::LaterAttempt => limits.later_attempt,
            When::PeriodicSpent => limits.periodic_spent,
        }
    }
}

use Effect::*;
use RequestState::{Failed, InFlight, Pending, Retrying, Succeeded};

/// A row: in `from`, on `on`, when `when` holds (rows are tried in order), go to `next` and run
/// `effect`. A (state, event) pair with no row is not a transition: the caller refuses it.
struct Row {
    from: RequestState,
    on: Event,
    when: When,
    next: RequestState,
    effect: Effect,
}

const fn row(from: RequestState, on: Event, when: When, next: RequestState, effect: Effect) -> Row {
    Row {
        from,
        on,
        when,
        next,
        effect,
    }
}

const WORKER_KNOWN: Event = Event::Due {
    by: By::Worker,
    last: Last::Known,
};
const WORKER_UNKNOWN: Event = Event::Due {
    by: By::Worker,
    last: Last::Unknown,
};
const PERSON_KNOWN: Event = Event::Due {
    by: By::Person,
    last: Last::Known,
};
const PERSON_UNKNOWN: Event = Event::Due {
    by: By::Person,
    last: Last::Unknown,
};
const WORKER_REFUSED: Event = Event::Due {
    by: By::Worker,
    last: Last::Refused,
};
const PERSON_REFUSED: Event = Event::Due {
    by: By::Person,
    last: Last::Refused,
};
const fn after_refusal(finding: Finding, refusal: Refusal) -> Event {
    Event::CheckedAfterRefusal(finding, refusal)
}
use Refusal::{Final, RetryLater};

#[rustfmt::skip]
const TABLE: &[Row] = &[
    // An attempt's answer. A refusal of a later attempt is confirmed with Query Payment first.
    row(InFlight, Event::Answered(Answer::Cancelled),  When::Always,        Succeeded, Settle(Outcome::Success)),
    row(InFlight, Event::Answered(Answer::Refused),    When::LaterAttempt,  Pending,   Confirm),
    row(InFlight, Event::Answered(Answer::Refused),    When::Always,        Failed,    Settle(Outcome::Failed)),
    row(InFlight, Event::Answered(Answer::RefusedRetryLater), When::LaterAttempt,  Pending,  Confirm),
    row(InFlight, Event::Answered(Answer::RefusedRetryLater), When::PeriodicSpent, Failed,   Settle(Outcome::Failed)),
    row(InFlight, Event::Answered(Answer::RefusedRetryLater), When::Always,        Retrying, RetryPeriodically),
    row(InFlight, Event::Answered(Answer::InProgress), When::TooOld,        Pending,   Hold(Hold::TooOld)),
    row(InFlight, Event::Answered(Answer::InProgress), When::Always,        Pending,   Retry),
    row(InFlight, Event::Answered(Answer::Unknown),    When::OutOfAttempts, Pending,   Hold(Hold::NoAnswerLimit)),
    row(InFlight, Event::Answered(Answer::Unknown),    When::TooOld,        Pending,   Hold(Hold::TooOld)),
    row(InFlight, Event::Answered(Answer::Unknown),    When::Always,        Pending,   Retry),
    // A sender that stopped mid-attempt: its outcome is unknown.
    row(InFlight, Event::FoundInterrupted,             When::Always,        Pending,   MarkUnknown),
    // Due: never resend blindly after an unknown outcome, never settle a later refusal unasked.
    row(Pending,  WORKER_KNOWN,                        When::TooOld,        Pending,   Hold(Hold::TooOld)),
    row(Pending,  WORKER_KNOWN,                        When::Always,        InFlight,  Send),
    row(Pending,  WORKER_UNKNOWN,                      When::TooOld,        Pending,   Hold(Hold::TooOld)),
    row(Pending,  WORKER_UNKNOWN,                      When::Always,        Pending,   AskStatus),
    row(Pending,  WORKER_REFUSED,                      When::TooOld,        Pending,   Hold(Hold::TooOld)),
    row(Pending,  WORKER_REFUSED,                      When::Always,        Pending,   AskStatus),
    row(Pending,  PERSON_KNOWN,                        When::Always,        InFlight,  Send),
    row(Pending,  PERSON_UNKNOWN,                      When::Always,        Pending,   AskStatus),
    row(Pending,  PERSON_REFUSED,                      When::Always,        Pending,   AskStatus),
    // Query Payment before a resend.
    row(Pending,  Event::CheckedBeforeResend(Finding::Cancelled),    When::Always,        Succeeded, Settle(Outcome::Success)),
    row(Pending,  Event::CheckedBeforeResend(Finding::StillPaid),    When::OutOfAttempts, Pending,   Hold(Hold::NoAnswerLimitStillPaid)),
    row(Pending,  Event::CheckedBeforeResend(Finding::StillPaid),    When::Always,        InFlight,  Send),
    row(Pending,  Event::CheckedBeforeResend(Finding::InProcess),    When::Always,        Pending,   Retry),
    row(Pending,  Event::CheckedBeforeResend(Finding::NeedsPerson),  When::Always,        Pending,   Hold(Hold::StatusNeedsPerson)),
    row(Pending,  Event::CheckedBeforeResend(Finding::QueryRefused), When::Always,        Pending,   Hold(Hold::QueryRefused)),
    row(Pending,  Event::CheckedBeforeResend(Finding::NoAnswer),     When::Always,        Pending,   Retry),
    // Query Payment about a later attempt's refusal: 05 means an earlier attempt cancelled it.
    row(Pending,  after_refusal(Finding::Cancelled, Final),         When::Always,        Succeeded, Settle(Outcome::Success)),
    row(Pending,  after_refusal(Finding::Cancelled, RetryLater),    When::Always,        Succeeded, Settle(Outcome::Success)),
    row(Pending,  after_refusal(Finding::StillPaid, Final),         When::Always,        Failed,    Settle(Outcome::Failed)),
    row(Pending,  after_refusal(Finding::StillPaid, RetryLater),    When::PeriodicSpent, Failed,    Settle(Outcome::Failed)),
    row(Pending,  after_refusal(Finding::StillPaid, RetryLater),    When::Always,        Retrying,  RetryPeriodically),
    row(Pending,  after_refusal(Finding::InProcess, Final),         When::Always,        Pending,   Retry),
    row(Pending,  after_refusal(Finding::InProcess, RetryLater),    When::Always,        Pending,   Retry),
    row(Pending,  after_refusal(Finding::NeedsPerson, Final),       When::Always,        Pending,   Hold(Hold::StatusNeedsPerson)),
    row(Pending,  after_refusal(Finding::NeedsPerson, RetryLater),  When::Always,        Pending,   Hold(Hold::StatusNeedsPerson)),
    row(Pending,  after_refusal(Finding::QueryRefused, Final),      When::Always,        Pending,   Hold(Hold::QueryRefused)),
    row(Pending,  after_refusal(Finding::QueryRefused, RetryLater), When::Always,        Pending,   Hold(Hold::QueryRefused)),
    row(Pending,  after_refusal(Finding::NoAnswer, Final),          When::Always,        Pending,   Retry),
    row(Pending,  after_refusal(Finding::NoAnswer, RetryLater),     When::Always,        Pending,   Retry),
    // A person's status check never sends.
    row(Pending,  Event::CheckedByHand(Finding::Cancelled),          When::Always,        Succeeded, Settle(Outcome::Success)),
    row(Pending,  Event::CheckedByHand(Finding::StillPaid),          When::Always,        Pending,   KeepSchedule),
    row(Pending,  Event::CheckedByHand(Finding::InProcess),          When::Always,        Pending,   KeepSchedule),
    row(Pending,  Event::CheckedByHand(Finding::NeedsPerson),        When::Always,        Pending,   Hold(Hold::StatusNeedsPerson)),
    row(Pending,  Event::CheckedByHand(Finding::QueryRefused),       When::Always,        Pending,   KeepSchedule),
    row(Pending,  Event::CheckedByHand(Finding::NoAnswer),           When::Always,        Pending,   KeepSchedule),
    // Settled by hand, with a note.
    row(Pending,  Event::Resolved(Resolution::Cancelled),            When::Always,        Succeeded, Settle(Outcome::Success)),
    row(Pending,  Event::Resolved(Resolution::NotCancelled),         When::Always,        Failed,    Settle(Outcome::Failed)),
    // The periodic schedule: DANA refused and the order is still paid, so resending is safe;
    // the age limit does not apply (the periodic cap does, on the answer).
    row(Retrying, WORKER_KNOWN,                        When::Always,        InFlight,  Send),
    row(Retrying, WORKER_UNKNOWN,                      When::Always,        InFlight,  Send),
    row(Retrying, WORKER_REFUSED,                      When::Always,        InFlight,  Send),
    row(Retrying, PERSON_KNOWN,                        When::Always,        InFlight,  Send),
    row(Retrying, PERSON_UNKNOWN,                      When::Always,        InFlight,  Send),
    row(Retrying, PERSON_REFUSED,                      When::Always,        InFlight,  Send),
    row(Retrying, Event::CheckedByHand(Finding::Cancelled),          When::Always,        Succeeded, Settle(Outcome::Success)),
    row(Retrying, Event::CheckedByHand(Finding::StillPaid),          When::Always,        Retrying,  KeepSchedule),
    row(Retrying, Event::CheckedByHand(Finding::InProcess),          When::Always,        Retrying,  KeepSchedule),
    row(Retrying, Event::CheckedByHand(Finding::NeedsPerson),        When::Always,        Pending,   Hold(Hold::StatusNeedsPerson)),
    row(Retrying, Event::CheckedByHand(Finding::QueryRefused),       When::Always,        Retrying,  KeepSchedule),
    row(Retrying, Event::CheckedByHand(Finding::NoAnswer),           When::Always,        Retrying,  KeepSchedule),
    row(Retrying, Event::Resolved(Resolution::Cancelled),            When::Always,        Succeeded, Settle(Outcome::Success)),
    row(Retrying, Event::Resolved(Resolution::NotCancelled),         When::Always,        Failed,    Settle(Outcome::Failed)),
    row(Retrying, Event::Stopped,                                    When::Always,        Failed,    Settle(Outcome::Failed)),
];

/// The step for `event` in `state` under `limits`; `None` when the event does not apply there
/// (a settled cancel accepts nothing).
pub fn step(state: RequestState, event: Event, limits: Limits) -> Option<Step> {
    TABLE
        .iter()
        .find(|r| r.from == state && r.on == event && r.when.holds(limits))
        .map(|r| Step {
            next: r.next,
            effect: r.effect,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table restated as a match with no catch-all over events, so a new event or state
    /// cannot be added without saying here what it does in every state.
    fn expected(state: RequestState, event: Event, l: Limits) -> Option<(RequestState, Effect)> {
        let retry_or_hold_old = if l.too_old {
            (Pending, Hold(Hold::TooOld))
        } else {
            (Pending, Retry)
        };
        let periodic_or_fail = if l.periodic_spent {
            (Failed, Settle(Outcome::Failed))
        } else {
            (Retrying, RetryPeriodically)
        };
        match (state, event) {
            (Succeeded | Failed, _) => None,
            (InFlight, Event::Answered(a)) => Some(match a {
                Answer::Cancelled => (Succeeded, Settle(Outcome::Success)),
                Answer::Refused | Answer::RefusedRetryLater if l.later_attempt => {
                    (Pending, Confirm)
                }
                Answer::Refused => (Failed, Settle(Outcome::Failed)),
                Answer::RefusedRetryLater => periodic_or_fail,
                Answer::InProgress => retry_or_hold_old,
                Answer::Unknown if l.out_of_attempts => (Pending, Hold(Hold::NoAnswerLimit)),
                Answer::Unknown => retry_or_hold_old,
            }),
            (InFlight, Event::FoundInterrupted) => Some((Pending, MarkUnknown)),
            (InFlight, Event::Due { .. })
            | (InFlight, Event::CheckedBeforeResend(_))
            | (InFlight, Event::CheckedAfterRefusal(..))
            | (InFlight, Event::CheckedByHand(_))
            | (InFlight, Event::Resolved(_))
            | (InFlight, Event::Stopped) => None,
            (Pending | Retrying, Event::Answered(_))
            | (Pending | Retrying, Event::FoundInterrupted)
            | (Pending, Event::Stopped)
            | (Retrying, Event::CheckedBeforeResend(_))
            | (Retrying, Event::CheckedAfterRefusal(..)) => None,
            (Pending, Event::Due { by, last }) => Some(match (by, last) {
                (By::Worker, _) if l.too_old => (Pending, Hold(Hold::TooOld)),
                (_, Last::Known) => (InFlight, Send),
                (_, Last::Unknown | Last::Refused) => (Pending, AskStatus),
            }),
            (Pending, Event::CheckedBeforeResend(f)) => Some(match f {
                Finding::Cancelled => (Succeeded, Settle(Outcome::Success)),
                Finding::StillPaid if l.out_of_attempts => {
                    (Pending, Hold(Hold::NoAnswerLimitStillPaid))
                }
                Finding::StillPaid => (InFlight, Send),
                Finding::InProcess | Finding::NoAnswer => (Pending, Retry),
                Finding::NeedsPerson => (Pending, Hold(Hold::StatusNeedsPerson)),
                Finding::QueryRefused => (Pending, Hold(Hold::QueryRefused)),
            }),
            (Pending, Event::CheckedAfterRefusal(f, refusal)) => Some(match (f, refusal) {
                (Finding::Cancelled, _) => (Succeeded, Settle(Outcome::Success)),
                (Finding::StillPaid, Refusal::Final) => (Failed, Settle(Outcome::Failed)),
                (Finding::StillPaid, Refusal::RetryLater) => periodic_or_fail,
                (Finding::InProcess | Finding::NoAnswer, _) => (Pending, Retry),
                (Finding::NeedsPerson, _) => (Pending, Hold(Hold::StatusNeedsPerson)),
                (Finding::QueryRefused, _) => (Pending, Hold(Hold::QueryRefused)),
            }),
            (Pending | Retrying, Event::CheckedByHand(f)) => Some(match f {
                Finding::Cancelled => (Succeeded, Settle(Outcome::Success)),
                Finding::NeedsPerson => (Pending, Hold(Hold::StatusNeedsPerson)),
                Finding::StillPaid
                | Finding::InProcess
                | Finding::QueryRefused
                | Finding::NoAnswer => (state, KeepSchedule),
            }),
            (Pending | Retrying, Event::Resolved(Resolution::Cancelled)) => {
                Some((Succeeded, Settle(Outcome::Success)))
            }
            (Pending | Retrying, Event::Resolved(Resolution::NotCancelled)) => {
                Some((Failed, Settle(Outcome::Failed)))
            }
            (Retrying, Event::Due { .. }) => Some((InFlight, Send)),
            (Retrying, Event::Stopped) => Some((Failed, Settle(Outcome::Failed))),
        }
    }

    fn every_combination() -> Vec<(RequestState, Event, Limits)> {
        let mut all = Vec::new();
        for state in RequestState::ALL {
            for event in Event::all() {
                for limits in Limits::all() {
                    all.push((state, event, limits));
                }
            }
        }
        all
    }

    #[test]
    fn every_state_event_and_limit_steps_as_the_table_says() {
        let all = every_combination();
        assert_eq!(all.len(), 5 * 39 * 16, "every event is enumerated");
        for (state, event, limits) in all {
            let got = step(state, event, limits).map(|s| (s.next, s.effect));
            assert_eq!(
                got,
                expected(state, event, limits),
                "{state:?} on {event:?} with {limits:?}"
            );
        }
    }

    #[test]
    fn every_row_is_reachable() {
        for (i, row) in TABLE.iter().enumerate() {
            let used = Limits::all().into_iter().any(|l| {
                TABLE
                    .iter()
                    .position(|r| r.from == row.from && r.on == row.on && r.when.holds(l))
                    == Some(i)
            });
            assert!(used, "row {i} ({:?} on {:?}) is shadowed", row.from, row.on);
        }
    }

    #[test]
    fn money_safety_invariants_hold_everywhere() {
        for (state, event, limits) in every_combination() {
            let Some(s) = step(state, event, limits) else {
                continue;
            };
            // Only a send puts a cancel in flight, and a send always does.
            assert_eq!(s.effect == Send, s.next == InFlight, "{state:?} {event:?}");
            // Settling ends the cancel, in the state its outcome names; nothing else does.
            match s.effect {
                Settle(Outcome::Success) => assert_eq!(s.next, Succeeded),
                Settle(Outcome::Failed) => assert_eq!(s.next, Failed),
                Settle(Outcome::Pending) => panic!("a pending outcome never settles"),
                _ => assert!(s.next.is_open(), "{state:?} {event:?}"),
            }
            // Only the periodic schedule puts a cancel on it, and it always does.
            assert_eq!(
                s.effect == RetryPeriodically,
                s.next == Retrying && state != Retrying,
                "{state:?} {event:?}"
            );
            // After an unknown outcome or a later refusal, nothing is sent before Query
            // Payment answered (a cancel on the periodic schedule was confirmed still paid).
            if let Event::Due {
                last: Last::Unknown | Last::Refused,
                ..
            } = event
                && state == Pending
            {
                assert_ne!(s.effect, Send);
            }
            // A refusal of a later attempt never settles as failed unconfirmed: an earlier
            // attempt may have cancelled the order.
            if let Event::Answered(Answer::Refused | Answer::RefusedRetryLater) = event
                && limits.later_attempt
            {
                assert_eq!(s.effect, Confirm, "{event:?}");
            }
            // Query Payment's "cancelled" always settles as cancelled, whoever asked.
            if let Event::CheckedBeforeResend(Finding::Cancelled)
            | Event::CheckedAfterRefusal(Finding::Cancelled, _)
            | Event::CheckedByHand(Finding::Cancelled) = event
            {
                assert_eq!(s.effect, Settle(Outcome::Success));
            }
            // A person's status check never sends.
            if let Event::CheckedByHand(_) = event {
                assert_ne!(s.effect, Send);
            }
            // The worker sends nothing once a backoff cancel is too old or DANA's rule is spent.
            if matches!(event, Event::Due { by: By::Worker, .. })
                && limits.too_old
                && state == Pending
            {
                assert_ne!(s.effect, Send);
            }
            if event == Event::CheckedBeforeResend(Finding::StillPaid) && limits.out_of_attempts {
                assert_ne!(s.effect, Send);
            }
            // Once the periodic cap is reached, no answer puts a cancel back on the schedule.
            if limits.periodic_spent && state != Retrying {
                assert_ne!(s.effect, RetryPeriodically, "{state:?} {event:?}");
            }
        }
    }

    #[test]
    fn settled_cancels_accept_nothing() {
        for state in [Succeeded, Failed] {
            for event in Event::all() {
                for limits in Limits::all() {
                    assert_eq!(step(state, event, limits), None);
                }
            }
        }
    }
}
