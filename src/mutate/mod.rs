//! Tests of the tests: every spec against every mutant and conformant variant of its
//! API's reference, as a kill matrix.
//!
//! A driver around the pipeline like [`crate::selfcheck`]: it starts reference servers
//! with [`crate::reference::Faults`], runs plans through [`crate::exec`], and returns
//! data. It never prints; [`crate::report`] renders the matrix.

mod matrix;
mod run;

pub use matrix::{
    Baseline, DeviationInfo, DeviationResult, Matrix, Score, SpecMatrix, Subject, Verdict,
};
pub(crate) use run::{Collector, JobOutcome, set_baseline, verdict};
pub use run::{MutateError, MutateOptions, run_matrix};
