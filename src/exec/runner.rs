//! Running a whole plan: cases in order, `jobs` at a time, each outcome handed to
//! an event sink as soon as it and all cases before it are done, and the code ledger's
//! notices (waits for a fresh TOTP window) as they happen.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio::sync::mpsc::UnboundedSender;
use url::Url;

use super::case::CaseRunner;
use super::client::{ClientError, ClientOptions, build_client};
use super::codes::{CodeLedger, CodeNotice};
use super::outcome::{CaseOutcome, CaseStatus};
use crate::mask::Masker;
use crate::otp::WindowStore;
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
    /// Where `fresh_codes` records the windows used, so that later runs (other
    /// processes) do not reuse them either; `None` remembers them for this run only.
    pub state_dir: Option<PathBuf>,
    /// HTTP client settings.
    pub client: ClientOptions,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            jobs: 1,
            keep_exchanges: false,
            snapshots: false,
            fresh_codes: false,
            state_dir: None,
            client: ClientOptions::default(),
        }
    }
}

/// Receives outcomes as the run goes.
pub trait EventSink {
    /// A case finished (in plan order). A sink may add failures (snapshots do); the
    /// run counts the outcome as it is after every sink has seen it.
    fn case_finished(&mut self, case: &CasePlan, outcome: &mut CaseOutcome);

    /// The code ledger waits for a fresh TOTP window or cannot use its state file; sent
    /// as it happens, between `case_finished` calls.
    fn code_notice(&mut self, _notice: &CodeNotice) {}
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

/// The user name and password a target URL carries (`https://user:pass@host`), decoded:
/// credentials, masked like the profile's.
fn userinfo(target: &Url) -> Vec<String> {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    [
        Some(decode(target.username())),
        target.password().map(decode),
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.is_empty())
    .collect()
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
    let (notices, mut notices_rx) = tokio::sync::mpsc::unbounded_channel();
    let ledgers = ledgers(targets, options, &notices);
    drop(notices);
    let masker = Masker::new(
        plan.profile
            .secrets()
            .into_iter()
            .chain(targets.iter().flat_map(userinfo)),
    );
    let runners: Vec<CaseRunner> = targets
        .iter()
        .zip(&ledgers)
        .map(|(base, ledger)| CaseRunner {
            client: &client,
            base,
            profile: Arc::clone(&plan.profile),
            ledger,
            keep_exchanges: options.keep_exchanges,
            snapshots: options.snapshots,
            masker: &masker,
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
    loop {
        // Notices first: a wait is told before the case that waits can finish.
        let (case, mut outcome) = tokio::select! {
            biased;
            Some(notice) = notices_rx.recv() => {
                sink.code_notice(&notice);
                continue;
            }
            next = results.next() => match next {
                Some(result) => result,
                None => break,
            },
        };
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

/// One code ledger per distinct target (servers keep their own record of used codes),
/// indexed like `targets`; each records its windows in the state directory when fresh
/// codes are asked for.
fn ledgers(
    targets: &[Url],
    options: &RunOptions,
    notices: &UnboundedSender<CodeNotice>,
) -> Vec<Arc<CodeLedger>> {
    let mut by_target: Vec<(&Url, Arc<CodeLedger>)> = Vec::new();
    targets
        .iter()
        .map(|target| {
            if let Some((_, ledger)) = by_target.iter().find(|(t, _)| *t == target) {
                return Arc::clone(ledger);
            }
            let mut ledger = CodeLedger::new(options.fresh_codes).with_notices(notices.clone());
            if let Some(dir) = options.state_dir.as_ref().filter(|_| options.fresh_codes) {
                ledger = ledger.with_store(WindowStore::new(dir, target));
            }
            let ledger = Arc::new(ledger);
            by_target.push((target, Arc::clone(&ledger)));
            ledger
        })
        .collect()
}
