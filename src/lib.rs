//! conform — a contract conformance harness for login APIs.
//!
//! The pipeline runs in stages, each a module returning data to the next:
//! [`spec`] (YAML → raw types) → `plan` (resolve against a profile) → `exec`
//! (HTTP) → `assert` (pure checks) → `report` (human, JUnit, snapshots).
#![warn(missing_docs)]

pub mod assert;
pub mod diagnostic;
pub mod exec;
pub mod mask;
pub mod otp;
pub mod plan;
pub mod profile;
pub mod report;
pub mod snapshot;
pub mod spec;
