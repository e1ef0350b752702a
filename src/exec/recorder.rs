//! A hook for whoever watches the exchanges of a run (the replay stage): told before
//! each request is sent and after each answer arrives, with the step that made it.
//!
//! It sees requests and answers in clear, so an implementation must keep them in
//! memory only and never print them.

use super::outcome::RequestRecord;
use super::scope::Scope;
use crate::assert::Response;
use crate::plan::StepPlan;

/// Watches the exchanges of a run.
pub trait ExchangeRecorder: Send + Sync + std::fmt::Debug {
    /// Called just before the step's request is sent (again before each resend).
    fn sending(&self, case: &str, step: &StepPlan, scope: &Scope) {
        let _ = (case, step, scope);
    }

    /// Called with the request as built (unmasked) and the answer it got.
    fn exchanged(
        &self,
        case: &str,
        step: &StepPlan,
        scope: &Scope,
        request: &RequestRecord,
        response: &Response,
    );
}
