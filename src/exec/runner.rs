//! Running a whole plan: cases in order, `jobs` at a time, each outcome handed to
//! an event sink as soon as it and all cases before it are done.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use url::Url;

use super::case::CaseRunner;
use super::client::{ClientError, ClientOptions, build_client};
use super::codes::CodeLedger;
use super::outcome::{CaseOutcome, CaseStatus};
use super::send::{DEFAULT_MAX_BODY, SendLimits};
use crate::mask::Masker;
use crate::plan::{CasePlan, Plan};

/// Settings of a run.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Cases run at once (steps of one case always run in order).
    pub jobs: usize,
    /// Keep the exchanges of passing cases (for verbose output).
    pub keep_exchanges: bool,
    /// Render snapshots of the steps that ask for one.
    pub snapshots: bool,
    /// Never reuse a TOTP window for an account (waits for the next window).
    pub fresh_codes: bool,
    /// HTTP client settings.
    pub client: ClientOptions,
    /// Largest response body read; a larger one fails its case.
    pub max_body: usize,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            jobs: 1,
            keep_exchanges: false,
            snapshots: false,
            fresh_codes: false,
            client: ClientOptions::default(),
            max_body: DEFAULT_MAX_BODY,
        }
    }
}

/// Receives outcomes as the run goes.
pub trait EventSink {
    /// A case finished (in plan order). A sink may add failures (snapshots do); the
    /// run counts the outcome as it is after every sink has seen it.
    fn case_finished(&mut self, case: &CasePlan, outcome: &mut CaseOutcome);
}

/// Counts of a finished run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunSummary {
    /// Cases that passed.
    pub passed: usize,
    /// Cases that failed.
    pub failed: usize,
    /// Cases skipped.
    pub skipped: usize,
    /// Wall time of the run.
    pub duration: Duration,
}

impl RunSummary {
    /// Whether every case that ran passed.
    pub fn success(&self) -> bool {
        self.failed == 0
    }
}

/// Runs every case of `plan`; `target_of(spec_index)` gives each spec's base URL.
pub async fn run_plan(
    plan: &Plan,
    targets: &[Url],
    options: &RunOptions,
    sink: &mut dyn EventSink,
) -> Result<RunSummary, ClientError> {
    let started = Instant::now();
    let client = build_client(&options.client)?;
    let ledger = CodeLedger::new(options.fresh_codes);
    let masker = Masker::new(plan.profile.secrets());
    let limits = SendLimits {
        connect_timeout: options.client.connect_timeout(),
        max_body: options.max_body,
    };
    let runners: Vec<CaseRunner> = targets
        .iter()
        .map(|base| CaseRunner {
            client: &client,
            base,
            profile: Arc::clone(&plan.profile),
            ledger: &ledger,
            keep_exchanges: options.keep_exchanges,
            snapshots: options.snapshots,
            masker: &masker,
            limits,
        })
        .collect();
    let cases: Vec<(usize, &CasePlan)> = plan
        .specs
        .iter()
        .enumerate()
        .flat_map(|(i, s)| s.cases.iter().map(move |c| (i, c)))
        .collect();
    let mut summary = RunSummary::default();
    let mut results = futures_util::stream::iter(cases.iter().map(|(i, case)| {
        let runner = &runners[*i];
        async move { (*case, runner.run_case(case).await) }
    }))
    .buffered(options.jobs.max(1));
    while let Some((case, mut outcome)) = results.next().await {
        sink.case_finished(case, &mut outcome);
        match outcome.status {
            CaseStatus::Passed => summary.passed += 1,
            CaseStatus::Failed => summary.failed += 1,
            CaseStatus::Skipped(_) => summary.skipped += 1,
        }
    }
    summary.duration = started.elapsed();
    Ok(summary)
}
