//! The named deviations of the reference: mutants that break one documented promise (or
//! one rule of login security) and conformant variants that differ only where a document
//! is silent.
//!
//! Data only: each entry is a stable id, a one-line description quoting the promise, and
//! the [`Faults`](super::Faults) that produce it. `conform mock --mutant/--variant` serves
//! one; `conform mutate` runs specs against all of them.

mod cielo24;
mod coldstream;
mod deviation;
mod payroll;
mod rocketchat;
mod txty;

pub use deviation::{Deviation, DeviationKind, catalog, deviations_of, find_deviation};
