//! The JSON report (`--report-json`): the whole result of a run as one versioned
//! document for machines — totals, every case with its steps (masked request and
//! response summaries), failures with their place in the spec, waits, branch coverage
//! and snapshots. Built from the run's events like every other reporter; the types here
//! are report-side copies of the outcomes, so serde never touches the exec types.
//! `schema/report.schema.json` is generated from these types (`conform schema report`).

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use url::Url;

use super::coverage::{ArmCoverage, CoverageSink};
use crate::exec::{CaseOutcome, EventSink, Failure, ReportError, RunEvent, RunSummary, StepRecord};
use crate::plan::{CasePlan, Partition};
use crate::snapshot::{SnapshotEvent, SnapshotStatus};

/// The version of the format this conform writes and reads. It changes when a key is
/// removed or changes meaning; new optional keys and new `status` or `kind` words do
/// not change it.
pub const SCHEMA_VERSION: u32 = 1;

/// What `targets` says for a spec run against the bundled reference.
pub const BUNDLED_REFERENCE: &str = "bundled reference";

/// The JSON report of a run, or of several partitions merged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "conform JSON report")]
pub struct JsonReport {
    /// The version of this format: 1.
    #[schemars(extend("const" = 1))]
    pub schema_version: u32,
    /// The conform that wrote the report.
    pub conform: ToolReport,
    /// Each spec's target, without credentials.
    pub targets: Vec<TargetReport>,
    /// When the run started (RFC 3339, UTC).
    pub started_at: String,
    /// Wall time of the run, in milliseconds.
    pub duration_ms: u64,
    /// The shard of the cases this run ran (`--partition K/N`), when one was chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<PartitionReport>,
    /// Counts of the cases by status, and the waits for throttling servers.
    pub totals: Totals,
    /// Every case, in the order they finished.
    pub cases: Vec<CaseReport>,
    /// Branch coverage per spec with branches.
    pub coverage: Vec<SpecCoverageReport>,
    /// Snapshot files created, updated, missing, changed or stale (`--snapshots`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub snapshots: Vec<SnapshotReport>,
    /// Security advisories, beside pass and fail: deduplicated per spec, in plan order
    /// (left out when there are none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub advisories: Vec<super::advisories::AdvisoryReport>,
}

/// The program that wrote a report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolReport {
    /// Its version (`0.1.0`).
    pub version: String,
}

/// Where a spec was run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetReport {
    /// The spec's name.
    pub spec: String,
    /// The target URL without user name or password, or `bundled reference`.
    pub target: String,
}

/// A shard of the cases: the `index`-th of `count` (both from 1).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PartitionReport {
    /// K of `--partition K/N`.
    #[schemars(range(min = 1))]
    pub index: u64,
    /// N of `--partition K/N`.
    #[schemars(range(min = 1))]
    pub count: u64,
}

/// Counts of a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Totals {
    /// Cases that passed.
    pub passed: usize,
    /// Cases that failed.
    pub failed: usize,
    /// Cases without a verdict (throttled beyond the budget, or a blocked account).
    pub inconclusive: usize,
    /// Cases skipped.
    pub skipped: usize,
    /// Cases the run stopped (a signal, `--deadline`) before they finished.
    pub interrupted: usize,
    /// Waits for throttling servers (and paced requests).
    pub waits: usize,
    /// Time spent in them, in milliseconds.
    pub waited_ms: u64,
}

/// One case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseReport {
    /// The spec's name.
    pub spec: String,
    /// The full id, `spec::case`.
    pub id: String,
    /// The case title.
    pub title: String,
    /// The document section it checks.
    pub section: String,
    /// Its tags.
    pub tags: Vec<String>,
    /// The profile account it uses (`primary`, `two_factor`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// How it ended.
    #[schemars(with = "StatusWord")]
    pub status: String,
    /// Why it was skipped, is inconclusive or was interrupted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Wall time, in milliseconds.
    pub duration_ms: u64,
    /// The steps executed, in order.
    pub steps: Vec<StepReport>,
    /// The failures, in the order found.
    pub failures: Vec<FailureReport>,
    /// Waits for throttling servers, in order.
    pub waits: Vec<WaitReport>,
}

/// One executed step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepReport {
    /// The step name with its branch path (`login › two_factor › send code`).
    pub name: String,
    /// The request as sent (masked), when it was recorded (failing cases, `-v`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestSummary>,
    /// The response (masked), when one came and was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<ResponseSummary>,
}

/// A request, in short.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestSummary {
    /// HTTP method.
    pub method: String,
    /// The URL with its query, secrets masked as `***`.
    pub url: String,
}

/// A response, in short.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseSummary {
    /// Status code.
    pub status: u16,
    /// The `Content-Type` header, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
}

/// One failure of a case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FailureReport {
    /// What kind: `assertion`, `transport`, `request`, `no-arm`, `arms`, `capture`,
    /// `snapshot` (more may come).
    pub kind: String,
    /// A short title (`status code`, `JSON body`).
    pub title: String,
    /// What is wrong.
    pub message: String,
    /// The expected value, when it can be shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// The actual value, when it can be shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
    /// Index of the step it happened in (into `steps`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<usize>,
    /// Where in the spec.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// A place in a spec file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// The file as it was named when loaded (`specs/txty.yaml`).
    pub file: String,
    /// Line, from 1.
    pub line: u32,
    /// Column in characters, from 1.
    pub column: u32,
}

/// A wait before resending a throttled request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WaitReport {
    /// Index of the step that waited.
    pub step: usize,
    /// How long, in milliseconds.
    pub duration_ms: u64,
    /// Why, and where the wait was read from.
    pub reason: String,
}

/// Branch coverage of one spec.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpecCoverageReport {
    /// The spec's name.
    pub spec: String,
    /// Arms some case took.
    pub exercised: usize,
    /// Every arm of the spec's branches, by name.
    pub arms: Vec<ArmReport>,
}

/// Coverage of one arm name within a spec.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArmReport {
    /// The arm's name.
    pub arm: String,
    /// Whether some case took it.
    pub exercised: bool,
    /// Why it was not exercised, in words (absent when it was).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why_not: Option<String>,
    /// Cases that took it.
    pub taken_by: Vec<String>,
    /// Cases that declare it.
    pub declared_by: Vec<String>,
    /// Skip reasons of declaring cases that did not run, one per case.
    pub skip_reasons: Vec<String>,
    /// Declaring cases that failed before their branch chose an arm, each with why.
    pub failed_before_branching: Vec<String>,
}

/// What happened to one snapshot file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SnapshotReport {
    /// The file.
    pub file: String,
    /// `matched`, `missing`, `changed`, `created`, `updated`, `stale` or `removed`.
    pub status: String,
}

/// Schema-only: the words of `status`, [`STATUSES`].
struct StatusWord;

/// Every `status` a case may have (`CaseStatus::name`).
pub const STATUSES: [&str; 5] = ["passed", "failed", "skipped", "inconclusive", "interrupted"];

impl JsonSchema for StatusWord {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        "StatusWord".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "`passed`, `failed`, `skipped`, `inconclusive` (no verdict) or `interrupted` (the run stopped first).",
            "type": "string",
            "enum": STATUSES
        })
    }
}

/// A target URL as a report shows it: without user name and password.
pub fn target_without_credentials(target: &Url) -> String {
    let mut shown = target.clone();
    // Both only fail for URLs that cannot carry credentials, which then have none.
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

/// Collects a run's events into a [`JsonReport`].
#[derive(Debug)]
pub struct JsonReporter {
    report: JsonReport,
    coverage: CoverageSink,
}

impl JsonReporter {
    /// A reporter for a run of these targets, of this shard.
    pub fn new(targets: Vec<TargetReport>, partition: Option<Partition>) -> Self {
        Self {
            report: JsonReport {
                schema_version: SCHEMA_VERSION,
                conform: ToolReport {
                    version: env!("CARGO_PKG_VERSION").to_string(),
                },
                targets,
                started_at: rfc3339(SystemTime::now()),
                duration_ms: 0,
                partition: partition.map(|p| PartitionReport {
                    index: p.index,
                    count: p.count,
                }),
                totals: Totals::default(),
                cases: Vec::new(),
                coverage: Vec::new(),
                snapshots: Vec::new(),
                advisories: Vec::new(),
            },
            coverage: CoverageSink::new(),
        }
    }

    /// Adds what the snapshot sink did, and the stale files (`removed` when pruned).
    pub fn add_snapshots(&mut self, events: &[SnapshotEvent], stale: &[PathBuf], pruned: bool) {
        let shown = events.iter().map(|e| SnapshotReport {
            file: e.file.display().to_string(),
            status: snapshot_status(&e.status).to_string(),
        });
        let stale = stale.iter().map(|f| SnapshotReport {
            file: f.display().to_string(),
            status: if pruned { "removed" } else { "stale" }.to_string(),
        });
        self.report.snapshots.extend(shown.chain(stale));
    }

    /// The finished report.
    pub fn finish(mut self) -> JsonReport {
        self.report.coverage = coverage_reports(&self.coverage);
        self.report
    }
}

impl EventSink for JsonReporter {
    fn event(&mut self, event: &RunEvent<'_>) -> Result<(), ReportError> {
        match event {
            RunEvent::RunStarted { .. } => self.report.started_at = rfc3339(SystemTime::now()),
            RunEvent::CaseFinished { case, outcome } => {
                self.coverage.record(case, outcome);
                self.report.cases.push(case_report(case, outcome));
            }
            RunEvent::RunFinished { summary } => {
                self.report.totals = totals(summary);
                self.report.advisories = summary.advisories.iter().map(Into::into).collect();
                self.report.duration_ms = millis(summary.duration);
            }
            RunEvent::Notice(_) => {}
        }
        Ok(())
    }
}

impl JsonReport {
    /// The report as pretty-printed JSON, ending in a newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| unreachable!("report types always serialize: {e}"));
        text.push('\n');
        text
    }

    /// The counts as a run summary (for the summary line and the exit code).
    pub fn summary(&self) -> RunSummary {
        RunSummary {
            passed: self.totals.passed,
            failed: self.totals.failed,
            skipped: self.totals.skipped,
            inconclusive: self.totals.inconclusive,
            interrupted: self.totals.interrupted,
            stopped: None,
            waits: self.totals.waits,
            waited: Duration::from_millis(self.totals.waited_ms),
            duration: Duration::from_millis(self.duration_ms),
            advisories: self.advisories.iter().map(|a| a.advisory()).collect(),
            probes: Vec::new(),
        }
    }

    /// The branch coverage as a collector (to render, or to count unexercised arms).
    pub fn coverage_sink(&self) -> CoverageSink {
        let mut sink = CoverageSink::new();
        for spec in &self.coverage {
            for arm in &spec.arms {
                sink.insert_arm(&spec.spec, &arm.arm, arm_coverage(arm));
            }
        }
        sink
    }
}

fn totals(summary: &RunSummary) -> Totals {
    Totals {
        passed: summary.passed,
        failed: summary.failed,
        inconclusive: summary.inconclusive,
        skipped: summary.skipped,
        interrupted: summary.interrupted,
        waits: summary.waits,
        waited_ms: millis(summary.waited),
    }
}

fn case_report(case: &CasePlan, outcome: &CaseOutcome) -> CaseReport {
    let reason = match &outcome.status {
        crate::exec::CaseStatus::Skipped(r)
        | crate::exec::CaseStatus::Inconclusive(r)
        | crate::exec::CaseStatus::Interrupted(r) => Some(r.clone()),
        _ => None,
    };
    CaseReport {
        spec: outcome.spec.clone(),
        id: outcome.id.clone(),
        title: outcome.title.clone(),
        section: outcome.section.clone(),
        tags: outcome.tags.clone(),
        account: case.account.map(|a| a.name().to_string()),
        status: outcome.status.name().to_string(),
        reason,
        duration_ms: millis(outcome.duration),
        steps: outcome.steps.iter().map(step_report).collect(),
        failures: outcome.failures.iter().map(failure_report).collect(),
        waits: (outcome.waits.iter())
            .map(|w| WaitReport {
                step: w.step,
                duration_ms: millis(w.duration),
                reason: w.reason.clone(),
            })
            .collect(),
    }
}

fn step_report(step: &StepRecord) -> StepReport {
    let exchange = step.exchange.as_ref();
    StepReport {
        name: step.name.clone(),
        request: exchange.map(|x| RequestSummary {
            method: x.request.method.clone(),
            url: x.request.url.clone(),
        }),
        response: (exchange.and_then(|x| x.response.as_ref())).map(|r| ResponseSummary {
            status: r.status,
            content_type: (r.headers.iter())
                .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
                .map(|(_, value)| value.clone()),
        }),
    }
}

fn failure_report(f: &Failure) -> FailureReport {
    FailureReport {
        kind: f.kind.name().to_string(),
        title: f.title.clone(),
        message: f.message.clone(),
        expected: f.expected.clone(),
        actual: f.actual.clone(),
        step: f.step,
        location: f.span.as_ref().map(|span| Location {
            file: span.file.name.clone(),
            line: span.line,
            column: span.column,
        }),
    }
}

/// Coverage per spec, in the order specs were first seen.
pub(super) fn coverage_reports(sink: &CoverageSink) -> Vec<SpecCoverageReport> {
    sink.in_order()
        .filter(|(_, arms)| !arms.is_empty())
        .map(|(spec, arms)| SpecCoverageReport {
            spec: spec.to_string(),
            exercised: arms.values().filter(|c| c.exercised()).count(),
            arms: arms
                .iter()
                .map(|(name, c)| ArmReport {
                    arm: name.clone(),
                    exercised: c.exercised(),
                    why_not: (!c.exercised()).then(|| c.why_not()),
                    taken_by: c.taken_by.clone(),
                    declared_by: c.declared_by.clone(),
                    skip_reasons: c.skipped.clone(),
                    failed_before_branching: c.failed_before_branching.clone(),
                })
                .collect(),
        })
        .collect()
}

pub(super) fn arm_coverage(arm: &ArmReport) -> ArmCoverage {
    ArmCoverage {
        taken_by: arm.taken_by.clone(),
        declared_by: arm.declared_by.clone(),
        skipped: arm.skip_reasons.clone(),
        failed_before_branching: arm.failed_before_branching.clone(),
    }
}

fn snapshot_status(status: &SnapshotStatus) -> &'static str {
    match status {
        SnapshotStatus::Matched => "matched",
        SnapshotStatus::Missing => "missing",
        SnapshotStatus::Changed(_) => "changed",
        SnapshotStatus::Created => "created",
        SnapshotStatus::Updated => "updated",
    }
}

pub(super) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn rfc3339(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::CaseStatus;

    #[test]
    fn every_status_name_is_in_the_schema() {
        // A new status must be added to STATUSES (the schema's enum): this match stops
        // compiling when one is added without it.
        let all = |s: &CaseStatus| match s {
            CaseStatus::Passed
            | CaseStatus::Failed
            | CaseStatus::Skipped(_)
            | CaseStatus::Inconclusive(_)
            | CaseStatus::Interrupted(_) => s.name(),
        };
        let statuses = [
            CaseStatus::Passed,
            CaseStatus::Failed,
            CaseStatus::Skipped(String::new()),
            CaseStatus::Inconclusive(String::new()),
            CaseStatus::Interrupted(String::new()),
        ];
        for s in &statuses {
            assert!(STATUSES.contains(&all(s)), "{}", s.name());
        }
    }

    #[test]
    fn targets_lose_their_credentials() {
        let url = Url::parse("https://alice:s3cret@staging.example.com/api?tenant=acme").unwrap();
        assert_eq!(
            target_without_credentials(&url),
            "https://staging.example.com/api?tenant=acme"
        );
        let plain = Url::parse("http://127.0.0.1:8080/").unwrap();
        assert_eq!(target_without_credentials(&plain), "http://127.0.0.1:8080/");
    }
}
