//! The resolved plan: validated, ready-to-run cases. No serde, no raw YAML.

use std::sync::Arc;
use std::time::Duration;

use serde_json_path::JsonPath;

use super::check::Check;
use super::json_template::JsonTemplate;
use super::template::{Expr, Template};
use crate::diagnostic::{SourceFile, Span};
use crate::profile::{AccountName, Profile};

/// Everything a run needs: the specs' cases and the profile they run with.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Specs in the order given.
    pub specs: Vec<SpecPlan>,
    /// The resolved profile.
    pub profile: Arc<Profile>,
}

impl Plan {
    /// Every case of every spec, in order.
    pub fn cases(&self) -> impl Iterator<Item = &CasePlan> {
        self.specs.iter().flat_map(|s| s.cases.iter())
    }

    /// One plan per spec, in order, all sharing this plan's profile.
    pub fn split(self) -> Vec<Plan> {
        let profile = self.profile;
        self.specs
            .into_iter()
            .map(|spec| Plan {
                specs: vec![spec],
                profile: Arc::clone(&profile),
            })
            .collect()
    }
}

/// One spec, resolved.
#[derive(Clone, Debug)]
pub struct SpecPlan {
    /// Short name, the prefix of its case ids.
    pub name: String,
    /// Human title.
    pub title: String,
    /// The source document.
    pub document: String,
    /// The bundled reference API implementing the document, if any.
    pub api: Option<String>,
    /// The spec file, for diagnostics.
    pub source: Arc<SourceFile>,
    /// The cases, in file order.
    pub cases: Vec<CasePlan>,
}

/// One case, resolved.
#[derive(Clone, Debug)]
pub struct CasePlan {
    /// Full id: `spec::case`.
    pub id: String,
    /// The spec's name.
    pub spec: String,
    /// Human title (defaults to the id).
    pub title: String,
    /// The document section the case comes from.
    pub section: String,
    /// Tags.
    pub tags: Vec<String>,
    /// The account `account.*` and `code` refer to.
    pub account: Option<AccountName>,
    /// Why the case cannot run with this profile, if it cannot.
    pub skip: Option<String>,
    /// The steps.
    pub steps: Vec<StepPlan>,
    /// Arms the case must take.
    pub require_arms: Vec<(String, Span)>,
    /// Arms the case must not take.
    pub forbid_arms: Vec<(String, Span)>,
    /// Where the case starts in its spec.
    pub span: Span,
    /// Paths of issued credentials in responses, masked in all output (the spec's).
    pub secret_paths: SecretPaths,
    /// How the spec's API says "throttled" and "locked".
    pub guards: Arc<GuardSigns>,
}

/// How an API says "too many requests" or "blocked", beyond the standard statuses.
#[derive(Clone, Debug, Default)]
pub struct GuardSigns {
    /// A throttled answer meets all of these (empty: only the standard signs).
    pub throttled: Vec<Check>,
    /// Finds the seconds to wait in a throttled answer's body.
    pub throttle_wait: Option<regex::Regex>,
    /// A blocked answer meets all of these (empty: only 423 Locked).
    pub locked: Vec<Check>,
}

/// The compiled `secrets:` paths of a spec, shared by its cases.
pub type SecretPaths = Arc<[Arc<serde_json_path::JsonPath>]>;

impl CasePlan {
    /// Every arm declared in the case, with the step it belongs to, depth first.
    pub fn arms(&self) -> Vec<(&StepPlan, &ArmPlan)> {
        fn walk<'a>(steps: &'a [StepPlan], out: &mut Vec<(&'a StepPlan, &'a ArmPlan)>) {
            for step in steps {
                for arm in &step.arms {
                    out.push((step, arm));
                    walk(&arm.steps, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.steps, &mut out);
        out
    }
}

/// One step: a request, its checks, captures and branch arms.
#[derive(Clone, Debug)]
pub struct StepPlan {
    /// Human name.
    pub name: String,
    /// Where the step is written.
    pub span: Span,
    /// The request.
    pub request: RequestPlan,
    /// Checks that must pass.
    pub checks: Vec<Check>,
    /// Values captured from the response.
    pub captures: Vec<CapturePlan>,
    /// Branch arms (empty when the step does not branch).
    pub arms: Vec<ArmPlan>,
    /// Where the branch is written, when there is one.
    pub branch_span: Option<Span>,
    /// Snapshot settings, when the step is snapshotted.
    pub snapshot: Option<SnapshotPlan>,
    /// What the request is as a login (for lockout budgets).
    pub login: super::logins::LoginAttempt,
}

/// One arm of a branch.
#[derive(Clone, Debug)]
pub struct ArmPlan {
    /// Arm name.
    pub name: String,
    /// Where the arm is written.
    pub span: Span,
    /// What selects the arm.
    pub when: Vec<Check>,
    /// What must then hold.
    pub checks: Vec<Check>,
    /// Values captured when the arm is taken.
    pub captures: Vec<CapturePlan>,
    /// Steps that follow.
    pub steps: Vec<StepPlan>,
}

/// A request whose parts are templates rendered at run time.
#[derive(Clone, Debug)]
pub struct RequestPlan {
    /// HTTP method.
    pub method: reqwest::Method,
    /// Sent instead when the server answers `method` with 404 or 405.
    pub fallback_method: Option<reqwest::Method>,
    /// Path relative to the target.
    pub path: Template,
    /// Query parameters in order.
    pub query: Vec<(String, Template)>,
    /// Headers in order.
    pub headers: Vec<(String, Template)>,
    /// The body.
    pub body: BodyPlan,
    /// The timeout.
    pub timeout: Duration,
}

impl RequestPlan {
    /// The request's templates, each with the name it is sent under (a query parameter,
    /// header, form field or the nearest JSON key; `""` for the path and a raw body).
    pub fn named_templates(&self) -> Vec<(&str, &Template)> {
        fn json<'a>(key: &'a str, value: &'a JsonTemplate, out: &mut Vec<(&'a str, &'a Template)>) {
            match value {
                JsonTemplate::Plain(_) => {}
                JsonTemplate::String(t) => out.push((key, t)),
                JsonTemplate::Array(items) => items.iter().for_each(|i| json(key, i, out)),
                JsonTemplate::Object(fields) => fields.iter().for_each(|(k, v)| json(k, v, out)),
            }
        }
        let mut out: Vec<(&str, &Template)> = vec![("", &self.path)];
        out.extend(self.query.iter().map(|(k, t)| (k.as_str(), t)));
        out.extend(self.headers.iter().map(|(k, t)| (k.as_str(), t)));
        match &self.body {
            BodyPlan::None => {}
            BodyPlan::Form(pairs) => out.extend(pairs.iter().map(|(k, t)| (k.as_str(), t))),
            BodyPlan::Raw { text, .. } => out.push(("", text)),
            BodyPlan::Json(value) => json("", value, &mut out),
        }
        out
    }

    /// Every expression of the request's templates, in order.
    pub fn exprs(&self) -> Vec<Expr> {
        self.named_templates()
            .into_iter()
            .flat_map(|(_, t)| t.exprs().map(|(e, _)| e.clone()).collect::<Vec<_>>())
            .collect()
    }
}

/// A request body.
#[derive(Clone, Debug)]
pub enum BodyPlan {
    /// No body.
    None,
    /// A JSON body.
    Json(JsonTemplate),
    /// A form body.
    Form(Vec<(String, Template)>),
    /// A raw body with an optional content type.
    Raw {
        /// The `Content-Type` to send.
        content_type: Option<String>,
        /// The text.
        text: Template,
    },
}

/// Where a captured value is read from.
#[derive(Clone, Debug)]
pub enum CaptureSource {
    /// A JSONPath into the JSON body.
    Json(Arc<JsonPath>, String),
    /// A JSONPath into the XML view of the body.
    Xml(Arc<JsonPath>, String),
    /// A response header (lowercase name).
    Header(String),
}

/// Which selected node a capture takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pick {
    /// The first node.
    First,
    /// The first node holding a JWT.
    Jwt,
}

/// One capture.
#[derive(Clone, Debug)]
pub struct CapturePlan {
    /// The name later templates use.
    pub name: String,
    /// Where the value comes from.
    pub source: CaptureSource,
    /// Which node to take.
    pub pick: Pick,
    /// A regex to extract part of the value.
    pub regex: Option<regex::Regex>,
    /// Whether the value is masked in output.
    pub secret: bool,
    /// Where the capture is written.
    pub span: Span,
}

/// Snapshot settings of a step.
#[derive(Clone, Debug, Default)]
pub struct SnapshotPlan {
    /// Response headers to include (lowercase).
    pub headers: Vec<String>,
    /// Selectors of values to redact, with their text.
    pub redact: Vec<(Arc<JsonPath>, String)>,
}
