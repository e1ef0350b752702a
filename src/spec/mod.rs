//! Stage 1 — spec: load YAML spec files into raw types that mirror the YAML.
//!
//! Nothing here resolves templates, talks to the network or reads profiles.

mod embedded;
mod load;
mod messages;
mod model;
mod read;
mod values;
mod values_schema;

pub use embedded::{EMBEDDED_SPECS, load_embedded};
pub use load::{
    LoadedSpec, discover, load_all, load_spec_file, load_spec_text, parse_yaml, yaml_diagnostic,
    yaml_options,
};
pub use model::{
    ArmSpec, CaptureSpec, CaseSpec, DecisionSpec, DefaultsSpec, ExpectSpec, JwtCheckSpec,
    JwtHeaderSpec, JwtSignatureSpec, PathAssertSpec, RequestSpec, SnapshotSpec, SpecFile, StepSpec,
};
pub use read::{MAX_PROFILE_BYTES, MAX_SPEC_BYTES, ReadError, read_bounded};
pub use values::{HeaderExpectSpec, LengthSpec, OneOrMany, StatusPattern, StatusSpec};
