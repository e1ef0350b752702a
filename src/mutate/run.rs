//! Running each spec against the correct reference and against every deviation of its
//! API, several servers at once.

use futures_util::StreamExt;
use url::Url;

use super::matrix::{Baseline, DeviationResult, Matrix, SpecMatrix, Subject, Verdict};
use crate::exec::{
    CaseOutcome, CaseStatus, EventSink, ReportError, RunEvent, RunOptions, run_plan,
};
use crate::plan::Plan;
use crate::reference::{Api, Deviation, DeviationKind, Faults, ServeOptions, deviations_of, serve};
use crate::selfcheck::{SelfCheckError, spec_api};

/// Settings of a mutation run.
#[derive(Clone, Debug)]
pub struct MutateOptions {
    /// Servers (deviations) run at once; the cases against one server run in order.
    pub jobs: usize,
    /// Settings of each run (the client is built once per server).
    pub run: RunOptions,
}

impl Default for MutateOptions {
    fn default() -> Self {
        Self {
            jobs: 8,
            run: RunOptions::default(),
        }
    }
}

/// Why a mutation run cannot start.
#[derive(Debug, thiserror::Error)]
pub enum MutateError {
    /// A spec has no bundled reference to mutate.
    #[error(transparent)]
    NoReference(#[from] SelfCheckError),
}

/// One server to run a plan against: the correct reference or one deviation.
struct Job<'p> {
    spec: usize,
    plan: &'p Plan,
    api: Api,
    deviation: Option<Deviation>,
}

/// What one job found.
pub(crate) enum JobOutcome {
    /// Outcomes of the failing cases, how many cases ran, and the skipped ones.
    Ran {
        failed: Vec<CaseOutcome>,
        ran: usize,
        skipped: Vec<(String, String)>,
        /// The ids of the advisories the run raised.
        advisories: Vec<String>,
    },
    /// The server or client could not be set up.
    Error(String),
}

/// Runs every plan (one spec each, see [`Plan::split`]) against its API's correct
/// reference and each of its mutants and variants, `options.jobs` servers at a time.
///
/// # Errors
///
/// [`MutateError::NoReference`] when a spec names no API the reference implements.
pub async fn run_matrix(plans: &[Plan], options: &MutateOptions) -> Result<Matrix, MutateError> {
    let apis: Vec<Api> = plans
        .iter()
        .flat_map(|p| p.specs.iter().map(spec_api))
        .collect::<Result<_, _>>()?;
    let mut jobs = Vec::new();
    for (spec, (plan, api)) in plans.iter().zip(&apis).enumerate() {
        jobs.push(Job {
            spec,
            plan,
            api: *api,
            deviation: None,
        });
        jobs.extend(deviations_of(*api).into_iter().map(|d| Job {
            spec,
            plan,
            api: *api,
            deviation: Some(d),
        }));
    }
    let mut matrix = Matrix {
        specs: plans
            .iter()
            .zip(&apis)
            .map(|(plan, api)| SpecMatrix {
                spec: plan
                    .specs
                    .first()
                    .map(|s| s.name.clone())
                    .unwrap_or_default(),
                subject: Subject::Api(*api),
                cases_run: 0,
                skipped: Vec::new(),
                baseline: Baseline::Passed,
                results: Vec::new(),
            })
            .collect(),
    };
    let mut finished: Vec<(usize, usize, Option<Deviation>, JobOutcome)> =
        futures_util::stream::iter(jobs.into_iter().enumerate().map(|(order, job)| async move {
            let outcome = run_job(&job, &options.run).await;
            (order, job.spec, job.deviation, outcome)
        }))
        .buffer_unordered(options.jobs.max(1))
        .collect()
        .await;
    finished.sort_by_key(|(order, ..)| *order);
    for (_, spec, deviation, outcome) in finished {
        let row = &mut matrix.specs[spec];
        match deviation {
            None => set_baseline(row, outcome),
            Some(deviation) => {
                let verdict = verdict(deviation.kind, deviation.advisory, outcome);
                row.results.push(DeviationResult {
                    deviation: (&deviation).into(),
                    verdict,
                });
            }
        }
    }
    Ok(matrix)
}

pub(crate) fn verdict(kind: DeviationKind, advisory: Option<&str>, outcome: JobOutcome) -> Verdict {
    let (failed, advisories) = match outcome {
        JobOutcome::Ran {
            failed, advisories, ..
        } => (failed, advisories),
        JobOutcome::Error(e) => return Verdict::Error(e),
    };
    let raised = advisory.filter(|id| advisories.iter().any(|a| a == id));
    match (kind, failed.is_empty()) {
        (DeviationKind::Mutant, true) => match raised {
            Some(id) => Verdict::AdvisoryRaised { id: id.to_string() },
            None => Verdict::Survived { reason: None },
        },
        (DeviationKind::Mutant, false) => Verdict::Killed {
            by: failed.into_iter().map(|o| local_id(&o)).collect(),
        },
        (DeviationKind::Variant, true) => Verdict::Passed,
        (DeviationKind::Variant, false) => Verdict::FalselyFailed { cases: failed },
    }
}

/// Records the run against the correct server (or the recording run) as a row's
/// baseline: the cases run and skipped, and whether it passed.
pub(crate) fn set_baseline(row: &mut SpecMatrix, outcome: JobOutcome) {
    row.baseline = match outcome {
        JobOutcome::Ran {
            failed,
            ran,
            skipped,
            ..
        } => {
            row.cases_run = ran;
            row.skipped = skipped;
            if failed.is_empty() {
                Baseline::Passed
            } else {
                Baseline::Failed(failed)
            }
        }
        JobOutcome::Error(e) => Baseline::Error(e),
    };
}

/// The case id without its `spec::` prefix.
pub(crate) fn local_id(outcome: &CaseOutcome) -> String {
    let prefix = format!("{}::", outcome.spec);
    outcome
        .id
        .strip_prefix(&prefix)
        .unwrap_or(&outcome.id)
        .to_string()
}

async fn run_job(job: &Job<'_>, options: &RunOptions) -> JobOutcome {
    let faults = job
        .deviation
        .as_ref()
        .map_or_else(Faults::default, |d| d.faults.clone());
    let serve_options = ServeOptions {
        faults,
        ..ServeOptions::default()
    };
    let server = match serve(job.api, &job.plan.profile, serve_options).await {
        Ok(s) => s,
        Err(e) => return JobOutcome::Error(format!("the {} reference cannot start: {e}", job.api)),
    };
    let target = match Url::parse(&server.base_url()) {
        Ok(u) => u,
        Err(e) => return JobOutcome::Error(format!("bad reference URL: {e}")),
    };
    let mut collector = Collector::default();
    let result = run_plan(job.plan, &[target], options, &mut collector, None).await;
    server.shutdown().await;
    match result {
        Ok(summary) => JobOutcome::Ran {
            failed: collector.failed,
            ran: collector.ran,
            skipped: collector.skipped,
            advisories: summary.advisories.into_iter().map(|a| a.id).collect(),
        },
        Err(e) => JobOutcome::Error(e.to_string()),
    }
}

/// Keeps the failing outcomes of one run, counts the cases that ran, and notes the
/// skipped ones.
#[derive(Default)]
pub(crate) struct Collector {
    pub(crate) failed: Vec<CaseOutcome>,
    pub(crate) ran: usize,
    pub(crate) skipped: Vec<(String, String)>,
}

impl EventSink for Collector {
    fn event(&mut self, event: &RunEvent<'_>) -> Result<(), ReportError> {
        if let RunEvent::CaseFinished { outcome, .. } = event {
            self.record(outcome);
        }
        Ok(())
    }
}

impl Collector {
    fn record(&mut self, outcome: &CaseOutcome) {
        match &outcome.status {
            CaseStatus::Skipped(reason) => {
                self.skipped.push((local_id(outcome), reason.clone()));
            }
            // No verdict checks nothing: its mutants go unchecked, like a skip's.
            CaseStatus::Inconclusive(reason) | CaseStatus::Interrupted(reason) => {
                self.skipped
                    .push((local_id(outcome), format!("inconclusive: {reason}")));
            }
            CaseStatus::Passed => self.ran += 1,
            CaseStatus::Failed => {
                self.ran += 1;
                self.failed.push(outcome.clone());
            }
        }
    }
}
