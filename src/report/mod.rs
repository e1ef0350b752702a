//! Stage 5 — report: turn outcomes into text for people (terminal, progress line),
//! machines (JUnit, JSON, GitHub Actions) and `cargo test`. Reporters only see masked
//! outcomes.

mod advisories;
mod coverage;
mod details;
mod github;
mod github_text;
mod json;
mod json_junit;
mod json_merge;
mod junit;
mod matrix;
mod matrix_junit;
mod progress;
mod terminal;

pub use advisories::{
    ADVISORY_SUITE, AdvisoryReport, advisories_markdown, advisories_section, advisories_suite,
    advisory_annotations, advisory_count,
};
pub use coverage::{ArmCoverage, CoverageSink};
pub use details::{exchange_text, failure_details};
pub use github::{GithubOptions, GithubReporter, annotation_path, coverage_rows, github_case};
pub use github_text::{
    GithubCase, GithubCoverage, GithubFailure, GithubLocation, append_summary, case_annotations,
    case_commands, escape_data, escape_markdown, escape_property, is_listed, summary_markdown,
    totals_line,
};
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
pub use progress::Progress;
pub use terminal::TerminalReporter;
