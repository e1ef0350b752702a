//! The generic mutation matrix: record each spec once against its target, then replay
//! the recording unmutated (the replay's own baseline) and once per operator.

use std::sync::Arc;

use futures_util::StreamExt;
use url::Url;

use super::operators::{Operator, mutants};
use super::reads::read_paths;
use super::recording::{Recorder, Recording};
use super::server::{Index, ReplayServer, Script};
use super::variants::variants;
use crate::exec::{RunOptions, run_plan};
use crate::mutate::{
    Baseline, DeviationResult, Matrix, MutateError, MutateOptions, SpecMatrix, Subject, Verdict,
};
use crate::mutate::{Collector, JobOutcome, set_baseline, verdict};
use crate::plan::Plan;
use crate::reference::{ServeOptions, serve};
use crate::selfcheck::spec_api;

/// Where the recording is made.
#[derive(Clone, Debug)]
pub enum RecordFrom {
    /// The server under test (contacted by the recording run only).
    Target(Url),
    /// The bundled reference of each spec's `api:`, started for the recording.
    Reference,
}

/// What the recording runs sent, per spec (for the "nothing more reached the target"
/// promise and the bench).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordStats {
    /// Exchanges recorded, per spec in order.
    pub exchanges: Vec<usize>,
}

/// Records every plan (one spec each) once and replays it with every generic mutant and
/// variant, `options.jobs` replays at once.
///
/// # Errors
///
/// [`MutateError::NoReference`] when recording from the reference and a spec names no
/// API the reference implements.
pub async fn run_replay_matrix(
    plans: &[Plan],
    from: &RecordFrom,
    options: &MutateOptions,
) -> Result<(Matrix, RecordStats), MutateError> {
    let mut matrix = Matrix::default();
    let mut stats = RecordStats::default();
    for plan in plans {
        let (row, recorded) = spec_row(plan, from, options).await?;
        matrix.specs.push(row);
        stats.exchanges.push(recorded);
    }
    Ok((matrix, stats))
}

async fn spec_row(
    plan: &Plan,
    from: &RecordFrom,
    options: &MutateOptions,
) -> Result<(SpecMatrix, usize), MutateError> {
    let spec = plan
        .specs
        .first()
        .map(|s| s.name.clone())
        .unwrap_or_default();
    let (recorded, outcome, target) = match from {
        RecordFrom::Target(url) => {
            let (recording, outcome) = record(plan, url, &options.run).await;
            (recording, outcome, url.clone())
        }
        RecordFrom::Reference => {
            let api = plan.specs.iter().map(spec_api).next().transpose()?;
            let Some(api) = api else {
                return Ok((
                    row(
                        spec,
                        Subject::Recorded {
                            target: "nothing".into(),
                        },
                    ),
                    0,
                ));
            };
            record_reference(plan, api, &options.run).await
        }
    };
    let subject = Subject::Recorded {
        target: match from {
            RecordFrom::Target(url) => shown(url),
            RecordFrom::Reference => "the bundled reference".into(),
        },
    };
    let mut row = row(spec, subject);
    let count = recorded.as_ref().map_or(0, Recording::len);
    set_baseline(&mut row, outcome);
    let Some(recording) = recorded.filter(|_| matches!(row.baseline, Baseline::Passed)) else {
        return Ok((row, count));
    };
    replay_all(plan, &recording, &target, options, &mut row).await;
    Ok((row, count))
}

fn row(spec: String, subject: Subject) -> SpecMatrix {
    SpecMatrix {
        spec,
        subject,
        cases_run: 0,
        skipped: Vec::new(),
        baseline: Baseline::Passed,
        results: Vec::new(),
    }
}

/// The target as shown: scheme, host, port and path, never credentials or a query.
fn shown(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.set_query(None);
    u.set_fragment(None);
    u.to_string()
}

/// Starts the bundled reference of `api` and records the plan against it.
async fn record_reference(
    plan: &Plan,
    api: crate::reference::Api,
    options: &RunOptions,
) -> (Option<Recording>, JobOutcome, Url) {
    let fallback = || Url::parse("http://127.0.0.1/").unwrap_or_else(|_| unreachable!());
    let server = match serve(api, &plan.profile, ServeOptions::default()).await {
        Ok(s) => s,
        Err(e) => {
            let why = format!("the {api} reference cannot start: {e}");
            return (None, JobOutcome::Error(why), fallback());
        }
    };
    let url = match Url::parse(&server.base_url()) {
        Ok(u) => u,
        Err(e) => {
            server.shutdown().await;
            return (
                None,
                JobOutcome::Error(format!("bad reference URL: {e}")),
                fallback(),
            );
        }
    };
    let (recording, outcome) = record(plan, &url, options).await;
    server.shutdown().await;
    (recording, outcome, url)
}

/// Runs the plan against `target` once, recording every exchange.
async fn record(
    plan: &Plan,
    target: &Url,
    options: &RunOptions,
) -> (Option<Recording>, JobOutcome) {
    let secret_paths = plan
        .specs
        .first()
        .and_then(|s| s.cases.first())
        .map(|c| Arc::clone(&c.secret_paths))
        .unwrap_or_else(|| Arc::from(Vec::new()));
    let recorder = Arc::new(Recorder::new(Arc::clone(&plan.profile), secret_paths));
    let options = RunOptions {
        jobs: 1,
        recorder: Some(recorder.clone()),
        ..options.clone()
    };
    let outcome = run_once(plan, target, &options).await;
    (Some(recorder.finish()), outcome)
}

async fn run_once(plan: &Plan, target: &Url, options: &RunOptions) -> JobOutcome {
    let mut collector = Collector::default();
    match run_plan(
        plan,
        std::slice::from_ref(target),
        options,
        &mut collector,
        None,
    )
    .await
    {
        Ok(_) => JobOutcome::Ran {
            failed: collector.failed,
            ran: collector.ran,
            skipped: collector.skipped,
            advisories: Vec::new(),
        },
        Err(e) => JobOutcome::Error(e.to_string()),
    }
}

/// Replays `recording` as `script` says and returns what the plan made of it.
async fn replay(
    plan: &Plan,
    index: &Arc<Index>,
    script: Script,
    target: &Url,
    options: &RunOptions,
) -> JobOutcome {
    let server = match ReplayServer::start(Arc::clone(index), script).await {
        Ok(s) => s,
        Err(e) => return JobOutcome::Error(e),
    };
    let url = match server.target(target) {
        Ok(u) => u,
        Err(e) => return JobOutcome::Error(e),
    };
    let options = RunOptions {
        jobs: 1,
        recorder: Some(Arc::new(server.prompter())),
        ..options.clone()
    };
    run_once(plan, &url, &options).await
}

async fn replay_all(
    plan: &Plan,
    recording: &Recording,
    target: &Url,
    options: &MutateOptions,
    row: &mut SpecMatrix,
) {
    let index = Arc::new(Index::new(recording, &plan.profile));
    match replay(
        plan,
        &index,
        Script::identity(recording),
        target,
        &options.run,
    )
    .await
    {
        JobOutcome::Ran { failed, .. } if failed.is_empty() => {}
        JobOutcome::Ran { failed, .. } => {
            let first = failed
                .first()
                .and_then(|c| c.failures.first())
                .map(|f| format!(": {}", f.message))
                .unwrap_or_default();
            row.baseline = Baseline::Error(format!(
                "the replay of the recording fails {}{first}; the recording cannot stand in for the target",
                failed
                    .iter()
                    .map(|c| c.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            return;
        }
        JobOutcome::Error(e) => {
            row.baseline = Baseline::Error(format!("the replay cannot run: {e}"));
            return;
        }
    }
    let reads = read_paths(plan);
    let mut operators: Vec<Operator> = mutants(recording, &reads, &plan.profile);
    operators.extend(variants(recording, &reads));
    let index = &index;
    let results: Vec<DeviationResult> =
        futures_util::stream::iter(operators.into_iter().map(|op| async move {
            let verdict = match op.script {
                Err(reason) => Verdict::Survived {
                    reason: Some(reason),
                },
                Ok(script) => verdict(
                    op.info.kind,
                    None,
                    replay(plan, index, script, target, &options.run).await,
                ),
            };
            DeviationResult {
                deviation: op.info,
                verdict,
            }
        }))
        .buffered(options.jobs.max(1))
        .collect()
        .await;
    row.results = results;
}
