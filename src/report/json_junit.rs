//! JUnit XML from a JSON report (`conform report merge --junit`): the same suites,
//! testcases, statuses and properties as the JUnit of a run ([`super::JunitReporter`]),
//! with failure descriptions built from the report (a report holds no spec text, so
//! there is no excerpt under the location).

use std::fmt::Write as _;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::json::{CaseReport, JsonReport};

/// Renders a report as JUnit XML; `required` adds a failing `SPEC::branch-coverage`
/// testcase per spec with arms not exercised (as `--require-branches` does).
pub fn junit_from_report(report: &JsonReport, required: bool) -> Result<String, String> {
    let mut suites: Vec<TestSuite> = Vec::new();
    for case in &report.cases {
        let tc = testcase(case);
        match suites.iter_mut().find(|s| s.name.as_str() == case.spec) {
            Some(suite) => {
                suite.add_test_case(tc);
            }
            None => {
                let mut suite = TestSuite::new(case.spec.clone());
                suite.add_test_case(tc);
                suites.push(suite);
            }
        }
    }
    for spec in &report.coverage {
        let Some(suite) = suites.iter_mut().find(|s| s.name.as_str() == spec.spec) else {
            continue;
        };
        suite.add_property(Property::new(
            "branch-coverage",
            format!("{}/{} arms exercised", spec.exercised, spec.arms.len()),
        ));
        let missing: Vec<String> = (spec.arms.iter())
            .filter(|a| !a.exercised)
            .map(|a| {
                let why = a.why_not.as_deref().unwrap_or_default();
                format!("arm `{}` not exercised — {why}", a.arm)
            })
            .collect();
        if required && !missing.is_empty() {
            suite.add_test_case(super::junit::coverage_case(&spec.spec, &missing));
        }
    }
    let advisories: Vec<crate::advise::Advisory> =
        report.advisories.iter().map(|a| a.advisory()).collect();
    suites.extend(super::advisories::advisories_suite(&advisories));
    let mut junit = Report::new("conform");
    junit.set_time(Duration::from_millis(report.duration_ms));
    junit.add_test_suites(suites);
    junit.to_string().map_err(|e| e.to_string())
}

fn testcase(case: &CaseReport) -> TestCase {
    let reason = case.reason.clone().unwrap_or_default();
    let status = match case.status.as_str() {
        "passed" => TestCaseStatus::success(),
        "skipped" => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(reason);
            s
        }
        "interrupted" => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(format!("interrupted: {reason}"));
            s.set_type("interrupted");
            s
        }
        "inconclusive" => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
            s.set_message(format!("inconclusive: {reason}"));
            s.set_type("inconclusive");
            s.set_description(waits_text(case));
            s
        }
        _ => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let first = case.failures.first();
            s.set_message(first.map_or("failed".to_string(), |f| {
                format!("{}: {}", f.title, f.message)
            }));
            s.set_type(first.map_or("failure", |f| f.kind.as_str()));
            s.set_description(failures_text(case));
            s
        }
    };
    let mut tc = TestCase::new(case.id.clone(), status);
    tc.set_classname(case.spec.clone());
    tc.set_time(Duration::from_millis(case.duration_ms));
    tc.add_property(Property::new("section", case.section.clone()));
    if !case.tags.is_empty() {
        tc.add_property(Property::new("tags", case.tags.join(",")));
    }
    if !case.waits.is_empty() {
        let total: u64 = case.waits.iter().map(|w| w.duration_ms).sum();
        tc.add_property(Property::new(
            "waits",
            format!("{} ({:.1} s)", case.waits.len(), total as f64 / 1000.0),
        ));
    }
    tc
}

/// Each failure as `error: TITLE`, its location, the step, the message and the
/// expected and actual values.
fn failures_text(case: &CaseReport) -> String {
    let mut text = String::new();
    for f in &case.failures {
        if let Some(step) = f.step.and_then(|i| case.steps.get(i)) {
            let _ = writeln!(text, "step: {}", step.name);
        }
        let _ = writeln!(text, "error: {}", f.title);
        if let Some(at) = &f.location {
            let _ = writeln!(text, "  --> {}:{}:{}", at.file, at.line, at.column);
        }
        let _ = writeln!(text, "{}", f.message);
        if let Some(expected) = &f.expected {
            let _ = writeln!(text, "expected: {expected}");
        }
        if let Some(actual) = &f.actual {
            let _ = writeln!(text, "actual: {actual}");
        }
    }
    text
}

fn waits_text(case: &CaseReport) -> String {
    let mut text = String::new();
    for w in &case.waits {
        let _ = writeln!(
            text,
            "step {}: waited {:.1} s: {}",
            w.step + 1,
            w.duration_ms as f64 / 1000.0,
            w.reason
        );
    }
    text
}
