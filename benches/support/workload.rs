//! The workload: the generated login spec, loading and planning it through the
//! library, and the two clients the bench compares (`run_plan` with a counting
//! sink, and a raw reqwest loop with the client conform builds).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use conform::exec::{
    CaseOutcome, CaseStatus, ClientOptions, EventSink, ReportError, RunEvent, RunOptions,
    build_client, run_plan,
};
use conform::plan::{CasePlan, Plan, PlanOptions, build_plan};
use conform::profile::Profile;
use conform::spec::load_all;
use futures_util::StreamExt;
use url::Url;

/// Cases of the spec the throughput rows run (and the RSS row the targets name).
pub const CASES: usize = 1000;

/// What every fallible step of the bench returns: the error is the message.
pub type BenchResult<T> = Result<T, String>;

/// Most cases in one generated file; larger counts are split over several specs, as a
/// real suite is.
pub const CASES_PER_FILE: usize = 5000;

/// A generated login spec named `name` with cases `first..first + count`, each one
/// POST with a JSON body expecting 200 and `status: ok` in the JSON answer.
pub fn spec_yaml(name: &str, first: usize, count: usize) -> String {
    let mut yaml = format!(
        "name: {name}\n\
         title: Generated login spec for the throughput bench\n\
         document: \"bench — POST /login answers 200 {{token, status: ok}}\"\n\
         cases:\n"
    );
    for i in first..first + count {
        let _ = write!(
            yaml,
            "  - id: login.{i:05}\n    section: Login\n    steps:\n      - request:\n          method: POST\n          path: /login\n          json: {{ username: user{i:05}, password: secret-{i:05} }}\n        expect: {{ status: 200, json: {{ status: ok }} }}\n"
        );
    }
    yaml
}

/// The spec files of `cases` cases in all, in `dir/cases-N/`.
pub fn write_specs(dir: &Path, cases: usize) -> BenchResult<Vec<PathBuf>> {
    let dir = dir.join(format!("cases-{cases}"));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut files = Vec::new();
    for (part, first) in (0..cases).step_by(CASES_PER_FILE).enumerate() {
        let count = CASES_PER_FILE.min(cases - first);
        let path = dir.join(format!("part-{part}.yaml"));
        let yaml = spec_yaml(&format!("bench{part}"), first, count);
        std::fs::write(&path, yaml).map_err(|e| format!("{}: {e}", path.display()))?;
        files.push(path);
    }
    Ok(files)
}

/// The generated spec files of `cases` cases.
pub fn spec_of(specs: &[(usize, Vec<PathBuf>)], cases: usize) -> &[PathBuf] {
    specs
        .iter()
        .find(|(n, _)| *n == cases)
        .map_or(&[], |(_, files)| files.as_slice())
}

/// Loads and plans spec files through the library, as `conform run` does.
pub fn load_plan(files: &[PathBuf], profile: Profile) -> BenchResult<Plan> {
    let render = |d: Vec<conform::diagnostic::Diagnostic>| {
        d.iter().map(ToString::to_string).collect::<String>()
    };
    let specs = load_all(files).map_err(render)?;
    build_plan(&specs, Arc::new(profile), &PlanOptions::default()).map_err(render)
}

/// The spec files as command-line arguments.
pub fn file_args(files: &[PathBuf]) -> Vec<String> {
    files
        .iter()
        .map(|f| f.to_string_lossy().into_owned())
        .collect()
}

pub fn url_of(addr: std::net::SocketAddr) -> BenchResult<Url> {
    Url::parse(&format!("http://{addr}")).map_err(|e| e.to_string())
}

/// Counts outcomes and keeps only the first failure's message.
#[derive(Default)]
pub struct CountingSink {
    /// Cases that passed.
    pub passed: usize,
    /// Cases that failed or were skipped.
    pub not_passed: usize,
    /// The first of those, with why.
    pub first_problem: Option<String>,
}

impl EventSink for CountingSink {
    fn event(&mut self, event: &RunEvent<'_>) -> Result<(), ReportError> {
        if let RunEvent::CaseFinished { case, outcome } = event {
            self.count(case, outcome);
        }
        Ok(())
    }
}

impl CountingSink {
    fn count(&mut self, case: &CasePlan, outcome: &CaseOutcome) {
        if outcome.status == CaseStatus::Passed {
            self.passed += 1;
            return;
        }
        self.not_passed += 1;
        if self.first_problem.is_none() {
            let why = outcome
                .failures
                .first()
                .map(|f| f.message.clone())
                .unwrap_or_else(|| format!("{:?}", outcome.status));
            self.first_problem = Some(format!("{}: {why}", case.id));
        }
    }
}

/// One `run_plan` over `plan`; its wall time, or why not every case passed.
pub async fn conform_once(plan: &Plan, target: &Url, jobs: usize) -> BenchResult<Duration> {
    let targets = vec![target.clone(); plan.specs.len()];
    let options = RunOptions {
        jobs,
        ..RunOptions::default()
    };
    let mut sink = CountingSink::default();
    let started = Instant::now();
    let summary = run_plan(plan, &targets, &options, &mut sink, None)
        .await
        .map_err(|e| e.to_string())?;
    let elapsed = started.elapsed();
    if summary.passed != plan.case_count() {
        return Err(format!(
            "{} of {} cases did not pass; first: {}",
            sink.not_passed,
            plan.case_count(),
            sink.first_problem.unwrap_or_default()
        ));
    }
    Ok(elapsed)
}

/// `cases` raw requests with the client conform builds: POST JSON, check 200,
/// parse the JSON answer, check `status`. `jobs` at a time.
pub async fn raw_once(target: Url, cases: usize, jobs: usize) -> BenchResult<Duration> {
    let started = Instant::now();
    let client = build_client(&ClientOptions::default()).map_err(|e| e.to_string())?;
    let url = target.join("/login").map_err(|e| e.to_string())?;
    if jobs <= 1 {
        for i in 0..cases {
            raw_request(&client, &url, i).await?;
        }
    } else {
        let mut results = futures_util::stream::iter(0..cases)
            .map(|i| raw_request(&client, &url, i))
            .buffered(jobs);
        while let Some(result) = results.next().await {
            result?;
        }
    }
    Ok(started.elapsed())
}

pub async fn raw_request(client: &reqwest::Client, url: &Url, i: usize) -> BenchResult<()> {
    let body = serde_json::json!({
        "username": format!("user{i:05}"),
        "password": format!("secret-{i:05}"),
    });
    let response = client
        .post(url.clone())
        .json(&body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if response.status() != reqwest::StatusCode::OK {
        return Err(format!("raw request {i}: status {}", response.status()));
    }
    let value: serde_json::Value = response.json().await.map_err(|e| e.to_string())?;
    if value["status"] != "ok" {
        return Err(format!("raw request {i}: body {value}"));
    }
    Ok(())
}

/// Which tokio runtime drives the client.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// One thread: the runner, hyper's connection tasks and the driver.
    CurrentThread,
    /// Worker threads (one per core); `block_on` runs on the calling thread.
    MultiThread,
}

/// A runtime of the given flavour with I/O and timers.
pub fn runtime(flavor: Flavor) -> BenchResult<tokio::runtime::Runtime> {
    let mut builder = match flavor {
        Flavor::CurrentThread => tokio::runtime::Builder::new_current_thread(),
        Flavor::MultiThread => tokio::runtime::Builder::new_multi_thread(),
    };
    builder
        .enable_all()
        .build()
        .map_err(|e| format!("cannot build the runtime: {e}"))
}

/// Milliseconds of a duration.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
