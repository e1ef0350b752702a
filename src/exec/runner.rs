//! Running a whole plan in the order of its [schedule](super::schedule): cases without
//! failed logins `jobs` at a time, then those with failed logins one by one (with the
//! resets a failed-login budget asks for); each outcome handed to an event sink as it
//! finishes, and notices (waits, resets, blocked accounts, fresh TOTP windows) as they
//! happen.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio::sync::mpsc::UnboundedSender;
use url::Url;

use super::case::CaseRunner;
use super::client::{ClientError, ClientOptions, build_client};
use super::codes::{CodeLedger, CodeNotice};
use super::events::{CaseCheck, EventSink, RunEvent};
use super::guard::{Rate, RunGuard, RunNotice};
use super::outcome::{CaseOutcome, CaseStatus};
use super::probe::ProbeRun;
use super::recorder::ExchangeRecorder;
use super::schedule::{Slot, schedule};
use super::send::{DEFAULT_MAX_BODY, SendLimits};
use crate::advise::{AdviseOptions, Advisory, AdvisoryLedger, PROBES, ProbeReport, probe_rule};
use crate::mask::Masker;
use crate::otp::WindowStore;
use crate::plan::{CasePlan, Plan};

/// Why a run stopped before its end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// A signal (`SIGINT`, `SIGTERM`), by name.
    Signal(String),
    /// `--deadline` passed.
    Deadline(Duration),
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StopReason::Signal(name) => write!(f, "{name} stopped the run"),
            StopReason::Deadline(d) => {
                write!(f, "--deadline {} passed", humantime::format_duration(*d))
            }
        }
    }
}

/// The default of `--max-wait`: long enough for a few one-minute rate-limit windows.
pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(5 * 60);

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
    /// The most time the run spends waiting for throttling servers, summed over waits.
    pub max_wait: Duration,
    /// Requests per window sent to each target at most.
    pub rate: Option<Rate>,
    /// Failed logins allowed per account since its last successful login.
    pub max_failed_logins: Option<usize>,
    /// Largest response body read; a larger one fails its case.
    pub max_body: usize,
    /// Set to a reason to stop the run: nothing more is sent, cases in flight and not
    /// started are reported interrupted.
    pub stop: Option<tokio::sync::watch::Receiver<Option<StopReason>>>,
    /// The whole run's time limit; at it the run stops as on `stop`.
    pub deadline: Option<Duration>,
    /// Told of every exchange, in clear (the replay stage records with it).
    pub recorder: Option<Arc<dyn ExchangeRecorder>>,
    /// Advisories: which to silence, which fail the run, which probes to run.
    pub advise: AdviseOptions,
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
            max_wait: DEFAULT_MAX_WAIT,
            rate: None,
            max_failed_logins: None,
            max_body: DEFAULT_MAX_BODY,
            stop: None,
            deadline: None,
            recorder: None,
            advise: AdviseOptions::default(),
        }
    }
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
    /// Cases without a verdict (throttled beyond the budget, or a blocked account).
    pub inconclusive: usize,
    /// Cases the run stopped before they finished (a signal, `--deadline`).
    pub interrupted: usize,
    /// Why the run stopped early, if it did.
    pub stopped: Option<StopReason>,
    /// Waits for throttling servers (and paced requests).
    pub waits: usize,
    /// Time spent in them, summed.
    pub waited: Duration,
    /// Wall time of the run.
    pub duration: Duration,
    /// Security advisories, deduplicated per spec, in plan order (`--allow`ed ones left
    /// out).
    pub advisories: Vec<Advisory>,
    /// What each active probe (`--probe`) came to, per spec, in the order they ran.
    pub probes: Vec<ProbeReport>,
}

impl RunSummary {
    /// Whether every case that ran passed, none is inconclusive or interrupted, and no
    /// advisory is denied (`--deny-advisories`).
    pub fn success(&self) -> bool {
        self.failed == 0 && self.inconclusive == 0 && self.interrupted == 0 && self.denied() == 0
    }

    /// Advisories that `--deny-advisories` turns into failures.
    pub fn denied(&self) -> usize {
        self.advisories.iter().filter(|a| a.denied).count()
    }

    /// Cases that ran to a verdict (passed or failed).
    pub fn ran(&self) -> usize {
        self.passed + self.failed
    }

    /// Counts an outcome.
    pub fn count(&mut self, status: &CaseStatus) {
        match status {
            CaseStatus::Passed => self.passed += 1,
            CaseStatus::Failed => self.failed += 1,
            CaseStatus::Skipped(_) => self.skipped += 1,
            CaseStatus::Inconclusive(_) => self.inconclusive += 1,
            CaseStatus::Interrupted(_) => self.interrupted += 1,
        }
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

/// Runs every case of `plan`; `targets[i]` is the base URL of spec `i`. Every event goes
/// to `sink`; `check` (snapshots) sees each outcome first and may fail it.
pub async fn run_plan(
    plan: &Plan,
    targets: &[Url],
    options: &RunOptions,
    sink: &mut dyn EventSink,
    mut check: Option<&mut dyn CaseCheck>,
) -> Result<RunSummary, ClientError> {
    let started = Instant::now();
    let client = build_client(&options.client)?;
    let (code_notices, mut code_rx) = tokio::sync::mpsc::unbounded_channel();
    let ledgers = ledgers(targets, options, &code_notices);
    drop(code_notices);
    let (notices, mut notice_rx) = tokio::sync::mpsc::unbounded_channel();
    let guard = RunGuard::new(options.max_wait, options.rate, Some(notices));
    let masker = Masker::new(
        plan.profile
            .secrets()
            .into_iter()
            .chain(targets.iter().flat_map(userinfo)),
    );
    let limits = SendLimits {
        connect_timeout: options.client.connect_timeout(),
        max_body: options.max_body,
    };
    let keys = super::jwks::KeyCache::new();
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
            guard: &guard,
            limits,
            keys: &keys,
            recorder: options.recorder.as_deref(),
        })
        .collect();
    let cases: Vec<(usize, &CasePlan)> = plan
        .specs
        .iter()
        .enumerate()
        .flat_map(|(i, s)| s.cases.iter().map(move |c| (i, c)))
        .collect();
    let order = schedule(
        &cases.iter().map(|(_, c)| *c).collect::<Vec<_>>(),
        options.max_failed_logins,
    );
    let run_one = |i: usize| {
        let (spec, case) = cases[i];
        let runner = &runners[spec];
        async move { Some((case, runner.run_case(case).await)) }
    };
    let together = futures_util::stream::iter(order.concurrent.clone())
        .map(run_one)
        .buffered(options.jobs.max(1));
    let one_by_one = futures_util::stream::iter(order.sequential.clone()).then(|slot| {
        let guard = &guard;
        let cases = &cases;
        let runners = &runners;
        async move {
            match slot {
                Slot::Run(i) => run_one(i).await,
                Slot::Skip(i, reason) => {
                    let case = cases[i].1;
                    Some((case, CaseOutcome::skipped(case, reason)))
                }
                Slot::Reset { account, via } => {
                    let (spec, case) = cases[via];
                    let outcome = runners[spec].run_case(case).await;
                    let ok = outcome.status == CaseStatus::Passed;
                    guard.notify(RunNotice::Reset {
                        account,
                        via: case.id.clone(),
                        ok,
                    });
                    if !ok {
                        guard.set_locked(
                            account,
                            format!("its correct login ({}) was refused", case.id),
                        );
                    }
                    None
                }
            }
        }
    });
    let mut results = Box::pin(together.chain(one_by_one));
    let mut summary = RunSummary::default();
    // A sink's error is its own to keep (see `Fanout`); the run goes on regardless.
    let mut emit = |event: RunEvent<'_>| {
        let _ = sink.event(&event);
    };
    emit(RunEvent::RunStarted { cases: cases.len() });
    let stop = stop_requested(options.stop.clone());
    let deadline = deadline_passed(options.deadline);
    tokio::pin!(stop, deadline);
    let mut ledger = AdvisoryLedger::new(options.advise.clone());
    let order_of: std::collections::HashMap<&str, usize> = cases
        .iter()
        .enumerate()
        .map(|(i, (_, c))| (c.id.as_str(), i))
        .collect();
    let mut started_cases: HashSet<String> = HashSet::new();
    let mut reported: HashSet<String> = HashSet::new();
    loop {
        // A stop first, then notices: a wait is told before the case that waits can
        // finish.
        let next = tokio::select! {
            biased;
            reason = &mut stop => {
                summary.stopped = Some(reason);
                break;
            }
            reason = &mut deadline => {
                summary.stopped = Some(reason);
                break;
            }
            Some(notice) = code_rx.recv() => {
                emit(RunEvent::Notice(&RunNotice::Code(notice)));
                continue;
            }
            Some(notice) = notice_rx.recv() => {
                if let RunNotice::CaseStarted { case } = &notice {
                    started_cases.insert(case.clone());
                }
                emit(RunEvent::Notice(&notice));
                continue;
            }
            next = results.next() => next,
        };
        let Some(item) = next else {
            break;
        };
        let Some((case, mut outcome)) = item else {
            continue;
        };
        if let Some(check) = check.as_deref_mut() {
            check.check(case, &mut outcome);
        }
        summary.count(&outcome.status);
        let steps: Vec<String> = outcome.steps.iter().map(|s| s.name.clone()).collect();
        let order = order_of
            .get(case.id.as_str())
            .copied()
            .unwrap_or(usize::MAX);
        ledger.record(order, &outcome.spec, &outcome.id, &steps, &outcome.advice);
        reported.insert(case.id.clone());
        emit(RunEvent::CaseFinished {
            case,
            outcome: &outcome,
        });
    }
    // Stopped: the cases in flight are dropped unfinished; they and the ones not
    // started are reported interrupted, so every report stays complete.
    drop(results);
    if let Some(reason) = summary.stopped.clone() {
        for (_, case) in &cases {
            if reported.contains(&case.id) {
                continue;
            }
            let when = if started_cases.contains(&case.id) {
                "while it ran"
            } else {
                "before it started"
            };
            let outcome = CaseOutcome::interrupted(case, format!("{reason} {when}"));
            summary.count(&outcome.status);
            emit(RunEvent::CaseFinished {
                case,
                outcome: &outcome,
            });
        }
    }
    if summary.stopped.is_none() {
        let selected = plan
            .specs
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.cases.is_empty());
        for (i, spec) in selected {
            let r = &runners[i];
            // The probes' own runner keeps every exchange (they judge by them) and records
            // none (their requests are not the spec's).
            let runner = CaseRunner {
                profile: Arc::clone(&r.profile),
                keep_exchanges: true,
                snapshots: false,
                recorder: None,
                ..*r
            };
            let probes = ProbeRun {
                runner: &runner,
                spec: &spec.name,
                cases: spec.cases.iter().collect(),
                budget: options.max_failed_logins,
                attempts: options.advise.probe_attempts,
                samples: options.advise.probe_samples,
                fresh_codes: options.fresh_codes,
            };
            let wanted = PROBES
                .iter()
                .filter(|p| options.advise.probes.iter().any(|q| q == *p));
            for name in wanted {
                let mut result = probes.run(name).await;
                masker.mask_in_place(&mut result.report.detail);
                if let (Some(mut evidence), Some(rule)) = (result.evidence, probe_rule(name)) {
                    masker.mask_in_place(&mut evidence);
                    let case = result.report.case.clone().unwrap_or_default();
                    ledger.add_probe(&spec.name, &case, rule, evidence);
                }
                guard.notify(RunNotice::Probe {
                    report: result.report.clone(),
                    ran: result.ran,
                });
                summary.probes.push(result.report);
                while let Ok(notice) = code_rx.try_recv() {
                    emit(RunEvent::Notice(&RunNotice::Code(notice)));
                }
                while let Ok(notice) = notice_rx.try_recv() {
                    emit(RunEvent::Notice(&notice));
                }
            }
        }
    }
    while let Ok(notice) = notice_rx.try_recv() {
        emit(RunEvent::Notice(&notice));
    }
    (summary.waits, summary.waited) = guard.waited();
    summary.duration = started.elapsed();
    summary.advisories = ledger.finish();
    emit(RunEvent::RunFinished { summary: &summary });
    Ok(summary)
}

/// Resolves with the reason once a stop is requested; never without a receiver.
async fn stop_requested(
    stop: Option<tokio::sync::watch::Receiver<Option<StopReason>>>,
) -> StopReason {
    let Some(mut rx) = stop else {
        return std::future::pending().await;
    };
    loop {
        if let Some(reason) = rx.borrow_and_update().clone() {
            return reason;
        }
        if rx.changed().await.is_err() {
            // The sender is gone: no stop can come any more.
            return std::future::pending().await;
        }
    }
}

/// Resolves when the run's deadline passes; never without one.
async fn deadline_passed(deadline: Option<Duration>) -> StopReason {
    match deadline {
        Some(d) => {
            tokio::time::sleep(d).await;
            StopReason::Deadline(d)
        }
        None => std::future::pending().await,
    }
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
