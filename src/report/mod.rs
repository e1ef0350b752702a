//! Stage 5 — report: turn outcomes into text for people (terminal), machines (JUnit,
//! JSON) and `cargo test`. Reporters only see masked outcomes.

mod coverage;
mod details;
mod json;
mod json_junit;
mod json_merge;
mod junit;
mod matrix;
mod matrix_junit;
mod terminal;

pub use coverage::{ArmCoverage, CoverageSink};
pub use details::{exchange_text, failure_details};
pub use json::{
    ArmReport, BUNDLED_REFERENCE, CaseReport, FailureReport, JsonReport, JsonReporter, Location,
    PartitionReport, RequestSummary, ResponseSummary, SCHEMA_VERSION, STATUSES, SnapshotReport,
    SpecCoverageReport, StepReport, TargetReport, ToolReport, Totals, WaitReport,
    target_without_credentials,
};
pub use json_junit::junit_from_report;
pub use json_merge::{MergeError, merge_reports, partition_gaps, read_report};
pub use junit::JunitReporter;
pub use matrix::render_matrix;
pub use matrix_junit::matrix_junit;
pub use terminal::TerminalReporter;
