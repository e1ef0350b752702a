//! What one exchange shows for advisories, read from the raw exchange before masking
//! (the findings are masked with the case's outcome).

use std::time::{SystemTime, UNIX_EPOCH};

use super::outcome::RequestRecord;
use super::scope::Scope;
use crate::advise::{CaseAdvice, ExchangeView, Refusal, observe_exchange};
use crate::assert::Response;
use crate::mask::Masker;
use crate::plan::StepPlan;

/// Adds to `advice` what the exchange of step `index` shows; `masker` knows the profile's
/// secrets, `scope` the codes the step sent.
pub(super) fn observe(
    advice: &mut CaseAdvice,
    step: &StepPlan,
    index: usize,
    (request, response): (&RequestRecord, &Response),
    issued: bool,
    masker: &Masker,
    scope: &Scope,
) {
    let codes: Vec<&str> = [
        &scope.code,
        &scope.wrong_code,
        &scope.stale_code,
        &scope.last_code,
    ]
    .into_iter()
    .flatten()
    .map(String::as_str)
    .collect();
    let is_secret = |v: &str| codes.contains(&v) || (v.chars().count() >= 4 && masker.leaks(v));
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let view = ExchangeView {
        login: step.login,
        step: index,
        request,
        response,
        issued,
        is_secret: &is_secret,
        now,
    };
    advice.findings.extend(observe_exchange(&view));
    advice
        .refusals
        .extend(Refusal::of(step.login, index, request, response));
}
