//! One spec's probes: which case each is derived from, the failed-login budget, and the
//! result handed back to the runner.

use super::super::case::CaseRunner;
use super::super::scope::Scope;
use super::derive::PasswordLogin;
use crate::advise::{ProbeReport, ProbeStatus};
use crate::plan::CasePlan;
use crate::profile::AccountName;

/// The probes of one spec against its target.
pub(in crate::exec) struct ProbeRun<'a> {
    /// Runs the probes' cases and requests (keeping exchanges, recording nothing).
    pub runner: &'a CaseRunner<'a>,
    /// The spec.
    pub spec: &'a str,
    /// The spec's cases that the run selected, in plan order.
    pub cases: Vec<&'a CasePlan>,
    /// `--max-failed-logins`.
    pub budget: Option<usize>,
    /// Wrong-password logins `no-throttling` sends.
    pub attempts: usize,
    /// Logins of each kind `timing` sends.
    pub samples: usize,
    /// `--fresh-codes`.
    pub fresh_codes: bool,
}

/// What a probe came to, and the evidence of its advisory when it raised it.
#[derive(Debug)]
pub(in crate::exec) struct ProbeResult {
    /// For reports.
    pub report: ProbeReport,
    /// The advisory's evidence, when raised.
    pub evidence: Option<String>,
    /// The id of the case the probe ran (not one of the plan's), if it ran one.
    pub ran: Option<String>,
}

impl ProbeRun<'_> {
    /// Runs the probe named `probe` (one of [`crate::advise::PROBES`]).
    pub async fn run(&self, probe: &str) -> ProbeResult {
        match probe {
            "totp-replay" => self.totp_replay().await,
            "no-throttling" => self.no_throttling().await,
            "timing" => self.timing().await,
            other => self.result(
                other,
                None,
                ProbeStatus::Skipped,
                format!("no probe is named `{other}`"),
            ),
        }
    }

    /// Why sending `n` failed logins for `account` would pass `--max-failed-logins`.
    pub(super) fn over_budget(&self, account: AccountName, n: usize) -> Option<String> {
        let budget = self.budget?;
        (n > budget).then(|| {
            format!(
                "it would send {n} failed logins for account `{}`, more than --max-failed-logins {budget}",
                account.name()
            )
        })
    }

    /// Starts a probe that sends `failed` failed logins for `login`'s account: within the
    /// budget, after a correct login. The id its requests go under and a fresh scope, or
    /// the result that ends it there (skipped over budget, inconclusive login).
    pub(super) async fn begin(
        &self,
        probe: &str,
        login: &PasswordLogin<'_>,
        failed: usize,
    ) -> Result<(String, Scope), ProbeResult> {
        let case = login.case.id.as_str();
        if let Some(why) = self.over_budget(login.account, failed) {
            return Err(self.result(probe, Some(case), ProbeStatus::Skipped, why));
        }
        if let Err(why) = self.runner.log_in(login.account, login.case).await {
            return Err(self.result(probe, Some(case), ProbeStatus::Inconclusive, why));
        }
        let scope = Scope::new(
            std::sync::Arc::clone(&self.runner.profile),
            login.case.account,
        );
        Ok((format!("{case} (probe {probe})"), scope))
    }

    /// A result without an advisory.
    pub(super) fn result(
        &self,
        probe: &str,
        case: Option<&str>,
        status: ProbeStatus,
        detail: String,
    ) -> ProbeResult {
        ProbeResult {
            report: ProbeReport {
                probe: probe.to_string(),
                spec: self.spec.to_string(),
                case: case.map(str::to_string),
                status,
                detail,
            },
            evidence: None,
            ran: None,
        }
    }

    /// A result that raises the probe's advisory with `evidence`.
    pub(super) fn raised(&self, probe: &str, case: &str, evidence: String) -> ProbeResult {
        let mut r = self.result(probe, Some(case), ProbeStatus::Raised, evidence.clone());
        r.evidence = Some(evidence);
        r
    }
}
