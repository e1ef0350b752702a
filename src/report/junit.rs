//! JUnit XML (quick-junit), one testcase per case, readable by GitHub and GitLab.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::details::failure_details;
use crate::exec::{CaseOutcome, CaseStatus, EventSink};
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

    /// Renders the report as XML.
    pub fn to_xml(&self, total: Duration) -> Result<String, String> {
        let mut report = Report::new("conform");
        report.set_time(total);
        report.add_test_suites(self.suites.iter().cloned());
        report.to_string().map_err(|e| e.to_string())
    }
}

impl EventSink for JunitReporter {
    fn case_finished(&mut self, case: &CasePlan, outcome: &mut CaseOutcome) {
        let status = match &outcome.status {
            CaseStatus::Passed => TestCaseStatus::success(),
            CaseStatus::Failed => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                let first = outcome.failures.first();
                s.set_message(first.map_or("failed".to_string(), |f| {
                    format!("{}: {}", f.title, f.message)
                }));
                s.set_type(first.map_or("failure".to_string(), |f| {
                    format!("{:?}", f.kind).to_lowercase()
                }));
                s.set_description(failure_details(outcome, false));
                s
            }
            CaseStatus::Skipped(reason) => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(reason.clone());
                s
            }
        };
        let mut tc = TestCase::new(outcome.id.clone(), status);
        tc.set_classname(outcome.spec.clone());
        tc.set_time(outcome.duration);
        tc.add_property(quick_junit::Property::new("section", case.section.clone()));
        if !case.tags.is_empty() {
            tc.add_property(quick_junit::Property::new("tags", case.tags.join(",")));
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
