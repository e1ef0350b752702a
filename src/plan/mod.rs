//! Stage 2 — plan: resolve raw specs against a profile into ready-to-run cases.
//!
//! Validates everything that can be known before sending a request (templates,
//! variables, captures in scope, JSONPaths, regexes, schemas, arms) and decides which
//! cases the profile cannot run. Never performs I/O except reading schema files.

mod build;
mod case_builder;
mod check;
mod context;
mod expect_builder;
mod json_template;
mod jwt_builder;
mod logins;
mod merge;
mod model;
mod request_builder;
mod response_values;
mod schema_refs;
mod select;
mod template;

pub use build::{PlanOptions, build_plan};
pub use check::{
    BodyFormat, Check, CheckKind, DurationValue, HeaderTest, JsonMatcher, JsonType, JwtCheck,
    JwtHeaderCheck, KidTest, PathCheck, PathTest, Quantifier, SignatureCheck, Window,
};
pub use json_template::JsonTemplate;
pub use logins::{LoginAttempt, classify, names_a_credential, sent_names};
pub use model::{
    ArmPlan, BodyPlan, CapturePlan, CaptureSource, CasePlan, GuardSigns, Pick, Plan, RequestPlan,
    SecretPaths, SnapshotPlan, SpecPlan, StepPlan,
};
pub use select::{Partition, Selection};
pub use template::{Expr, Func, Part, Template, TemplateError, swap_case};
