//! Sending what a probe sends: one request on its own (no checks, no branch), and a
//! correct login by rerunning a case.

use std::time::Duration;

use super::super::case::CaseRunner;
use super::super::guard::RunNotice;
use super::super::outcome::CaseStatus;
use super::super::scope::Scope;
use crate::assert::Response;
use crate::plan::{CasePlan, RequestPlan};
use crate::profile::AccountName;

impl CaseRunner<'_> {
    /// Sends `request` once, paced like every request of the run, and returns the answer
    /// with its time (`Err`: why it could not be sent or answered). `id` names the sender
    /// in wait notices.
    pub(in crate::exec) async fn send_alone(
        &self,
        id: &str,
        request: &RequestPlan,
        scope: &mut Scope,
    ) -> Result<(Response, Duration), String> {
        self.prepare_codes(request, scope).await?;
        let base = self.base.as_str();
        if let Some(why) = self.guard.unreachable(base) {
            return Err(format!("not sent: the target is unreachable — {why}"));
        }
        let route = format!("{} {}", request.method, request.path);
        self.guard.pace(base, &route, id).await;
        let (_, sent) = self.exchange(request, &request.method, scope).await?;
        match &sent {
            Ok(_) => self.guard.answered(base),
            Err(cause) => self.guard.transport_failed(base, cause),
        }
        sent
    }

    /// Logs `account` in correctly by rerunning `case` (resetting the failures a server
    /// counts since the last success), and says so as the schedule's resets do; `Err`
    /// with what became of the case when it did not pass.
    pub(in crate::exec) async fn log_in(
        &self,
        account: AccountName,
        case: &CasePlan,
    ) -> Result<(), String> {
        let outcome = self.run_case(case).await;
        let ok = outcome.status == CaseStatus::Passed;
        self.guard.notify(RunNotice::Reset {
            account,
            via: case.id.clone(),
            ok,
        });
        match outcome.status {
            CaseStatus::Passed => Ok(()),
            CaseStatus::Failed => Err(format!("its correct login ({}) was refused", case.id)),
            CaseStatus::Skipped(why)
            | CaseStatus::Inconclusive(why)
            | CaseStatus::Interrupted(why) => {
                Err(format!("its correct login ({}): {why}", case.id))
            }
        }
    }
}
