//! Stage 3 — exec: send each case's requests in order, evaluate its checks through
//! the assert stage, follow branch arms, and return masked outcomes.
//!
//! Never prints: everything it does goes out as [`RunEvent`]s to an [`EventSink`].

mod advice;
mod capture;
mod case;
mod client;
mod code_context;
mod codes;
mod events;
mod guard;
mod hints;
mod issued;
mod jwks;
mod outcome;
mod probe;
mod recorder;
mod request;
mod runner;
mod schedule;
mod scope;
mod send;
mod step_resolve;
mod throttle;

pub use case::CaseRunner;
pub use client::{ClientError, ClientOptions, build_client, install_crypto_provider};
pub use codes::{CodeError, CodeLedger, CodeNotice};
pub use events::{CaseCheck, EventSink, Fanout, ReportError, RunEvent};
pub use guard::{Rate, RunGuard, RunNotice};
pub(crate) use issued::collect_issued;
pub use jwks::{FetchedKeys, KeyCache};
pub use outcome::{
    ArmTaken, CaseOutcome, CaseStatus, ExchangeRecord, Failure, FailureKind, RequestRecord,
    ResponseRecord, StepRecord, WaitRecord,
};
pub use recorder::ExchangeRecorder;
pub use request::join_url;
pub use runner::{DEFAULT_MAX_WAIT, RunOptions, RunSummary, StopReason, run_plan};
pub use schedule::{Schedule, Slot, schedule};
pub use scope::{Scope, text_of};
pub use send::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY, SendLimits};
pub use step_resolve::StepResolve;
pub use throttle::{WaitSource, requested_wait, spent_allowance};
