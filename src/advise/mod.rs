//! Security advisories beside conformance: a second kind of result, separate from pass
//! and fail. A login API can honour its document and still be weak; advisories say
//! where, each with masked evidence and the requirement it rests on.
//!
//! Pure evaluation only: the exec stage hands each raw exchange to [`observe_exchange`]
//! (before masking) and the finished outcomes to [`AdvisoryLedger`]; this module sends
//! nothing and prints nothing.

mod advisory;
mod enumeration;
mod exchange;
mod ledger;
mod probe;
mod rules;
mod stats;
mod tokens;

pub use advisory::{AdviseOptions, Advisory, CaseAdvice, Finding};
pub use enumeration::{Refusal, RefusalKind, compare_refusals};
pub use exchange::{ExchangeView, observe_exchange};
pub use ledger::AdvisoryLedger;
pub use probe::{
    DEFAULT_PROBE_ATTEMPTS, DEFAULT_PROBE_SAMPLES, PROBES, ProbeReport, ProbeStatus, TIMING_ALPHA,
    TIMING_FLOOR_MS, judge_timing, probe_rule,
};
pub use rules::{RULES, Rule, Severity, SeverityError, rule};
pub use stats::{TimingVerdict, compare_timings, median_ms};
pub use tokens::{WEAK_SECRETS, check_jwt};
