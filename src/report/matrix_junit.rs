//! A mutation matrix as JUnit XML: one suite per spec (`mutate::SPEC`), one testcase per
//! deviation (`mutant/ID`, `variant/ID`), failing where the spec misses a mutant or
//! falsely fails a variant, plus a `baseline` testcase for the correct reference.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::details::failure_details;
use super::matrix::ids;
use crate::exec::CaseOutcome;
use crate::mutate::{Baseline, Matrix, SpecMatrix, Verdict};

/// Renders the matrix as JUnit XML.
pub fn matrix_junit(matrix: &Matrix, total: Duration) -> Result<String, String> {
    let mut report = Report::new("conform mutate");
    report.set_time(total);
    report.add_test_suites(matrix.specs.iter().map(spec_suite));
    report.to_string().map_err(|e| e.to_string())
}

fn spec_suite(spec: &SpecMatrix) -> TestSuite {
    let mut suite = TestSuite::new(format!("mutate::{}", spec.spec));
    let score = spec.score();
    suite.add_property(Property::new(
        "mutants-killed",
        format!("{}/{}", score.killed, score.mutants),
    ));
    suite.add_property(Property::new(
        "variants-passed",
        format!("{}/{}", score.passed, score.variants),
    ));
    let baseline = match &spec.baseline {
        Baseline::Passed => TestCaseStatus::success(),
        Baseline::Failed(cases) => failure(
            "baseline",
            format!("{} fails {}", spec.subject.baseline_name(), ids(cases)),
            reports(cases),
        ),
        Baseline::Error(e) => failure("error", e.clone(), String::new()),
    };
    suite.add_test_case(testcase(spec, "baseline".into(), baseline, None));
    for r in &spec.results {
        let status = match &r.verdict {
            Verdict::Killed { .. } | Verdict::Passed | Verdict::AdvisoryRaised { .. } => {
                TestCaseStatus::success()
            }
            Verdict::Survived { reason } => failure(
                "survived",
                format!(
                    "{}: {}",
                    reason.as_deref().unwrap_or("no case failed"),
                    r.deviation.description
                ),
                String::new(),
            ),
            Verdict::FalselyFailed { cases } => failure(
                "false-failure",
                format!("the spec fails a conformant variant in {}", ids(cases)),
                reports(cases),
            ),
            Verdict::Error(e) => failure("error", e.clone(), String::new()),
        };
        let name = format!("{}/{}", r.deviation.kind.name(), r.deviation.id);
        let killers = match &r.verdict {
            Verdict::Killed { by } => Some(by.join(",")),
            Verdict::AdvisoryRaised { id } => Some(format!("advisory:{id}")),
            _ => None,
        };
        let mut tc = testcase(spec, name, status, killers);
        tc.add_property(Property::new(
            "description",
            r.deviation.description.as_str(),
        ));
        suite.add_test_case(tc);
    }
    suite
}

fn testcase(
    spec: &SpecMatrix,
    name: String,
    status: TestCaseStatus,
    killed_by: Option<String>,
) -> TestCase {
    let mut tc = TestCase::new(name, status);
    tc.set_classname(format!("mutate::{}", spec.spec));
    if let Some(by) = killed_by {
        tc.add_property(Property::new("killed-by", by));
    }
    tc
}

fn failure(kind: &str, message: String, description: String) -> TestCaseStatus {
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
    status.set_type(kind.to_string());
    status.set_message(message);
    if !description.is_empty() {
        status.set_description(description);
    }
    status
}

fn reports(cases: &[CaseOutcome]) -> String {
    cases.iter().map(|c| failure_details(c, false)).collect()
}
