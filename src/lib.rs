//! conform — a contract conformance harness for login APIs.
//!
//! The pipeline runs in stages, each a module returning data to the next:
//! [`spec`] (YAML → raw types) → `plan` (resolve against a profile) → `exec`
//! (HTTP) → `assert` (pure checks) → `report` (human, JUnit, snapshots).
#![warn(missing_docs)]

pub mod diagnostic;
pub mod otp;
pub mod profile;
pub mod reference;
pub mod spec;
