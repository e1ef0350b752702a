//! `totp-replay`: log an account with a TOTP secret in (a case of the plan's), then send
//! the request that carried the code again with the same code (`last_code`). Accepted
//! twice (the original step's checks pass again, with a 2xx answer) raises the advisory:
//! RFC 6238 §5.2 says a verifier must not accept the second attempt of an OTP.

use super::derive::{REPLAY_STEP, replay_case};
use super::run::{ProbeResult, ProbeRun};
use crate::advise::ProbeStatus;
use crate::exec::outcome::CaseStatus;

const PROBE: &str = "totp-replay";

impl ProbeRun<'_> {
    pub(super) async fn totp_replay(&self) -> ProbeResult {
        let Some(case) = replay_case(&self.cases, &self.runner.profile) else {
            return self.result(
                PROBE,
                None,
                ProbeStatus::Skipped,
                "no selected case logs in an account with a TOTP secret".to_string(),
            );
        };
        let source = case
            .id
            .split_once('+')
            .map_or(case.id.as_str(), |(id, _)| id)
            .to_string();
        let account = case.account.or_else(|| case.successful_login());
        if let Some(why) = account.and_then(|a| self.over_budget(a, 1)) {
            return self.result(PROBE, Some(&source), ProbeStatus::Skipped, why);
        }
        let outcome = self.runner.run_case(&case).await;
        let replay = outcome
            .steps
            .iter()
            .position(|s| s.name.ends_with(REPLAY_STEP));
        let status_of = |i: usize| {
            outcome.steps[i]
                .exchange
                .as_ref()
                .and_then(|e| e.response.as_ref())
                .map(|r| r.status)
        };
        let replay_status = replay.and_then(status_of);
        let code_step = replay
            .and_then(|i| i.checked_sub(1))
            .map(|i| outcome.steps[i].name.clone())
            .unwrap_or_default();
        let mut result = match (&outcome.status, replay, replay_status) {
            (CaseStatus::Passed, Some(_), Some(status)) if (200..300).contains(&status) => self
                .raised(
                    PROBE,
                    &source,
                    format!(
                        "the code sent by `{code_step}` was accepted a second time: the same request with the same code was answered HTTP {status} and passed the same checks"
                    ),
                ),
            (CaseStatus::Passed | CaseStatus::Failed, Some(i), Some(status))
                if outcome.failures.iter().all(|f| f.step == Some(i)) =>
            {
                self.result(
                    PROBE,
                    Some(&source),
                    ProbeStatus::Clean,
                    format!("the code sent by `{code_step}` was refused the second time (HTTP {status})"),
                )
            }
            (CaseStatus::Skipped(why), ..) => {
                self.result(PROBE, Some(&source), ProbeStatus::Skipped, why.clone())
            }
            (CaseStatus::Inconclusive(why) | CaseStatus::Interrupted(why), ..) => {
                self.result(PROBE, Some(&source), ProbeStatus::Inconclusive, why.clone())
            }
            _ => {
                let hint = if self.fresh_codes {
                    ""
                } else {
                    " (a server that refuses a code twice refuses one of a TOTP window an earlier case used: --fresh-codes waits for a new window)"
                };
                let what = outcome
                    .failures
                    .first()
                    .map_or("no answer".to_string(), |f| f.title.clone());
                self.result(
                    PROBE,
                    Some(&source),
                    ProbeStatus::Inconclusive,
                    format!("the login it replays failed before the replay ({what}){hint}"),
                )
            }
        };
        result.ran = Some(case.id.clone());
        result
    }
}
