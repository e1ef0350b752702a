//! Stage 5 — report: turn outcomes into text for people (terminal), machines (JUnit)
//! and `cargo test`. Reporters only see masked outcomes.

mod coverage;
mod details;
mod junit;
mod matrix;
mod matrix_junit;
mod terminal;

pub use coverage::{ArmCoverage, CoverageSink};
pub use details::{exchange_text, failure_details};
pub use junit::JunitReporter;
pub use matrix::render_matrix;
pub use matrix_junit::matrix_junit;
pub use terminal::TerminalReporter;

use crate::exec::{CaseOutcome, EventSink, RunNotice};
use crate::plan::CasePlan;

/// Sends each event to several sinks.
pub struct Fanout<'a>(pub Vec<&'a mut dyn EventSink>);

impl EventSink for Fanout<'_> {
    fn case_finished(&mut self, case: &CasePlan, outcome: &mut CaseOutcome) {
        for sink in &mut self.0 {
            sink.case_finished(case, outcome);
        }
    }

    fn notice(&mut self, notice: &RunNotice) {
        for sink in &mut self.0 {
            sink.notice(notice);
        }
    }
}
