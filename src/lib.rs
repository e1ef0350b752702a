//! conform — a contract conformance harness for login APIs.
//!
//! The pipeline runs in stages, each a module returning data to the next:
//! [`spec`] (YAML → raw types) → [`plan`] (resolve against a profile) → [`exec`]
//! (HTTP, returns masked outcomes) → [`assert`] (pure checks) → [`report`] and
//! [`snapshot`] (human, JUnit, coverage, snapshots). [`reference`] holds the bundled
//! reference servers, apart from the runner; it shares only [`profile`] and [`otp`].
//! [`schema`] generates the JSON Schemas of the spec and profile formats for editors.
#![warn(missing_docs)]

pub mod advise;
pub mod assert;
pub mod diagnostic;
pub mod exec;
pub mod mask;
pub mod mutate;
pub mod otp;
pub mod plan;
pub mod profile;
pub mod reference;
pub mod replay;
pub mod report;
pub mod schema;
pub mod selfcheck;
pub mod snapshot;
pub mod spec;
