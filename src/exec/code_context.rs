//! Why a step found no code to send: most often the step before took a branch arm
//! the author did not expect (a refused password read as "two-factor wanted").
//! Rewrites that failure so the report shows the answer that led there.

use super::outcome::{ArmTaken, Failure, StepRecord};

/// When `failure` says the account has no code for step `index` and an arm was taken
/// before it, names the arm and the likely cause, and files the failure under the
/// step that branched, so the report shows that step's request and response.
pub(crate) fn after_branch(
    mut failure: Failure,
    index: usize,
    arms: &[ArmTaken],
    steps: &[StepRecord],
) -> Failure {
    if !failure.message.contains("has no way to obtain codes") {
        return failure;
    }
    let Some(arm) = arms.last() else {
        return failure;
    };
    let earlier = &steps[..index.min(steps.len())];
    let Some(branched) = earlier
        .iter()
        .rposition(|s| s.name == arm.step && s.exchange.is_some())
    else {
        return failure;
    };
    let needing = steps
        .get(index)
        .map_or("the next step", |s| s.name.as_str());
    failure.message = format!(
        "`{needing}` needs a code, but {}; the previous answer (below) took arm `{}`; \
         if the password was refused, the account's profile password may be wrong",
        failure.message, arm.arm
    );
    failure.step = Some(branched);
    failure
}
