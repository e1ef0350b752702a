//! JUnit XML (quick-junit), one testcase per case, readable by GitHub and GitLab.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::coverage::CoverageSink;
use super::details::{failure_details, inconclusive_details};
use crate::exec::{CaseOutcome, CaseStatus, EventSink, ReportError, RunEvent};
use crate::plan::CasePlan;

/// Collects outcomes into a JUnit report (keeps one small record per case).
#[derive(Debug)]
pub struct JunitReporter {
    suites: Vec<TestSuite>,
}

impl Default for JunitReporter {
    fn default() -> Self {
        Self::new()
    }
}

impl JunitReporter {
    /// An empty report.
    pub fn new() -> Self {
        Self { suites: Vec::new() }
    }

    /// Adds branch coverage: a `branch-coverage` property per spec suite and, when
    /// coverage is required, a failing `SPEC::branch-coverage` testcase per spec with
    /// arms not exercised.
    pub fn add_coverage(&mut self, coverage: &CoverageSink, required: bool) {
        for (spec, arms) in &coverage.specs {
            if arms.is_empty() {
                continue;
            }
            let hit = arms.values().filter(|c| c.exercised()).count();
            let Some(suite) = self.suites.iter_mut().find(|s| s.name.as_str() == spec) else {
                continue;
            };
            suite.add_property(quick_junit::Property::new(
                "branch-coverage",
                format!("{hit}/{} arms exercised", arms.len()),
            ));
            let missing: Vec<String> = arms
                .iter()
                .filter(|(_, c)| !c.exercised())
                .map(|(arm, c)| format!("arm `{arm}` not exercised — {}", c.why_not()))
                .collect();
            if required && !missing.is_empty() {
                suite.add_test_case(coverage_case(spec, &missing));
            }
        }
    }

    /// Renders the report as XML.
    pub fn to_xml(&self, total: Duration) -> Result<String, String> {
        let mut report = Report::new("conform");
        report.set_time(total);
        report.add_test_suites(self.suites.iter().cloned());
        report.to_string().map_err(|e| e.to_string())
    }
}

/// The failing `SPEC::branch-coverage` testcase of a spec with arms not exercised under
/// `--require-branches` (shared with the JUnit of merged reports).
pub(super) fn coverage_case(spec: &str, missing: &[String]) -> TestCase {
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
    status.set_message(format!("{} arm(s) not exercised", missing.len()));
    status.set_type("branch-coverage");
    status.set_description(missing.join("\n"));
    let mut tc = TestCase::new(format!("{spec}::branch-coverage"), status);
    tc.set_classname(spec.to_string());
    tc
}

impl EventSink for JunitReporter {
    fn event(&mut self, event: &RunEvent<'_>) -> Result<(), ReportError> {
        match event {
            RunEvent::CaseFinished { case, outcome } => self.record(case, outcome),
            RunEvent::RunFinished { summary } => {
                self.suites
                    .extend(super::advisories::advisories_suite(&summary.advisories));
            }
            RunEvent::RunStarted { .. } | RunEvent::Notice(_) => {}
        }
        Ok(())
    }
}

impl JunitReporter {
    /// Adds a finished case as a testcase of its spec's suite.
    pub fn record(&mut self, case: &CasePlan, outcome: &CaseOutcome) {
        let status = match &outcome.status {
            CaseStatus::Passed => TestCaseStatus::success(),
            CaseStatus::Failed => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                let first = outcome.failures.first();
                s.set_message(first.map_or("failed".to_string(), |f| {
                    format!("{}: {}", f.title, f.message)
                }));
                s.set_type(first.map_or("failure", |f| f.kind.name()));
                s.set_description(failure_details(outcome, false));
                s
            }
            CaseStatus::Skipped(reason) => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(reason.clone());
                s
            }
            CaseStatus::Interrupted(reason) => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(format!("interrupted: {reason}"));
                s.set_type("interrupted");
                s
            }
            // No verdict is neither a pass nor a contract failure: an error of the run.
            CaseStatus::Inconclusive(reason) => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
                s.set_message(format!("inconclusive: {reason}"));
                s.set_type("inconclusive");
                s.set_description(inconclusive_details(outcome));
                s
            }
        };
        let mut tc = TestCase::new(outcome.id.clone(), status);
        tc.set_classname(outcome.spec.clone());
        tc.set_time(outcome.duration);
        // Where the case's `- id:` is written, as GitLab and the test-report actions read.
        tc.extra
            .insert("file".into(), case.span.file.name.as_str().into());
        tc.extra
            .insert("line".into(), case.span.line.to_string().into());
        tc.add_property(quick_junit::Property::new("section", case.section.clone()));
        if !case.tags.is_empty() {
            tc.add_property(quick_junit::Property::new("tags", case.tags.join(",")));
        }
        if !outcome.waits.is_empty() {
            let total: std::time::Duration = outcome.waits.iter().map(|w| w.duration).sum();
            tc.add_property(quick_junit::Property::new(
                "waits",
                format!("{} ({:.1} s)", outcome.waits.len(), total.as_secs_f64()),
            ));
        }
        match self
            .suites
            .iter_mut()
            .find(|s| s.name.as_str() == outcome.spec)
        {
            Some(suite) => {
                suite.add_test_case(tc);
            }
            None => {
                let mut suite = TestSuite::new(outcome.spec.clone());
                suite.add_test_case(tc);
                self.suites.push(suite);
            }
        }
    }
}
