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
