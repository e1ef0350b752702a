//! The raw spec types: exactly the YAML a spec author writes, nothing resolved.
//!
//! Every struct denies unknown fields so a typo is an error with a position. Values
//! that later stages validate (templates, JSONPaths, regexes, schemas) are kept as
//! [`Spanned`] so their errors can point at them. No I/O and no validation here
//! beyond what the types themselves enforce.

use indexmap::IndexMap;
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::values::{HeaderExpectSpec, LengthSpec, OneOrMany, StatusSpec};

/// A spec file: the contract of one source document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecFile {
    /// Short name used in case ids (defaults to the file stem).
    pub name: Option<Spanned<String>>,
    /// Human title.
    pub title: String,
    /// The source document the spec asserts (e.g. `000 Txty — Login`).
    pub document: String,
    /// The bundled reference API that implements this document (`txty`, `cielo24`, ...).
    pub api: Option<Spanned<String>>,
    /// Decisions about gaps and inconsistencies of the document, with reasons.
    #[serde(default)]
    pub decisions: Vec<DecisionSpec>,
    /// Default values of `vars.*`; a profile's `vars` override them.
    #[serde(default)]
    pub vars: IndexMap<String, Spanned<String>>,
    /// JSONPaths of response values that are issued credentials (tokens, keys): masked
    /// in all output like captured secrets. JWTs anywhere in a JSON body are masked too.
    #[serde(default)]
    pub secrets: Vec<Spanned<String>>,
    /// How the API says "too many requests" beyond the standard signs (429, or 503 with
    /// `Retry-After`): such an answer is never evidence; conform waits and resends.
    pub throttled: Option<ThrottledSpec>,
    /// How the API says an account or client is blocked after failed logins (besides 423
    /// Locked): a case meeting it is inconclusive, and the account's other cases skip.
    pub locked: Option<LockedSpec>,
    /// Settings applied to every request of the spec.
    #[serde(default)]
    pub defaults: DefaultsSpec,
    /// Free YAML holding anchors (`&name`) that cases reuse with aliases (`*name`);
    /// not read otherwise.
    pub shared: Option<serde::de::IgnoredAny>,
    /// Named steps that cases reuse with `use:`.
    #[serde(default)]
    pub steps: IndexMap<String, StepSpec>,
    /// The cases.
    pub cases: Vec<CaseSpec>,
}

/// How a spec recognises a throttled answer.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThrottledSpec {
    /// What a throttled answer looks like (an expectation block, as an arm's `when:`).
    pub when: ExpectSpec,
    /// A regex finding the seconds to wait in the body (its first group), for APIs that
    /// say it only there (Rocket.Chat: `You must wait (\d+) seconds`).
    pub wait: Option<Spanned<String>>,
}

/// How a spec recognises a blocked account or client.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockedSpec {
    /// What a blocked answer looks like (an expectation block).
    pub when: ExpectSpec,
}

/// A written decision about something the document leaves open or contradicts.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionSpec {
    /// What the decision is about.
    pub topic: String,
    /// What the spec does.
    pub decision: String,
    /// Why.
    pub reason: String,
}

/// Settings applied to every request of a spec.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefaultsSpec {
    /// Headers added to every request (a step's own headers win).
    #[serde(default)]
    pub headers: IndexMap<String, Spanned<String>>,
    /// Request timeout (e.g. `10s`).
    pub timeout: Option<Spanned<String>>,
}

/// One case: an ordered list of steps against one account.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseSpec {
    /// Unique id within the spec.
    pub id: Spanned<String>,
    /// Human title.
    pub title: Option<String>,
    /// The document section the case comes from.
    pub section: String,
    /// Tags for filtering (`2fa`, `security`, `lockout-risk`, ...).
    #[serde(default)]
    pub tags: Vec<Spanned<String>>,
    /// The profile account `account.*` and `code` refer to.
    pub account: Option<Spanned<String>>,
    /// Case-level values of `vars.*` (win over spec defaults and profile vars).
    #[serde(default)]
    pub vars: IndexMap<String, Spanned<String>>,
    /// Branch arms the case must take (by arm name).
    #[serde(default)]
    pub require_arms: Vec<Spanned<String>>,
    /// Branch arms the case must not take.
    #[serde(default)]
    pub forbid_arms: Vec<Spanned<String>>,
    /// The steps, run in order.
    pub steps: Spanned<Vec<StepSpec>>,
}

/// One request and what must hold of its response.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepSpec {
    /// Human name (defaults to `step N`).
    pub name: Option<String>,
    /// A named step of the spec's `steps:` to start from; fields given here override it.
    #[serde(rename = "use")]
    pub use_step: Option<Spanned<String>>,
    /// The request to send.
    pub request: Option<RequestSpec>,
    /// What must hold of the response.
    pub expect: Option<ExpectSpec>,
    /// Values to capture from the response for later steps.
    #[serde(default)]
    pub capture: IndexMap<String, CaptureSpec>,
    /// Arms keyed on what the response says; exactly one must match.
    pub branch: Option<Spanned<Vec<ArmSpec>>>,
    /// Record the response as a snapshot.
    pub snapshot: Option<SnapshotSpec>,
}

/// One arm of a branch.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArmSpec {
    /// Arm name, unique within the case; used by `require_arms`/`forbid_arms` and coverage.
    pub arm: Spanned<String>,
    /// What the response must look like for this arm to be taken.
    pub when: ExpectSpec,
    /// What must then hold (checked after the arm is chosen).
    pub expect: Option<ExpectSpec>,
    /// Values to capture when this arm is taken.
    #[serde(default)]
    pub capture: IndexMap<String, CaptureSpec>,
    /// Steps that follow when this arm is taken, before the case's next step.
    #[serde(default)]
    pub steps: Vec<StepSpec>,
}

/// A request. Every string is a template (`{{ account.username }}`).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    /// HTTP method (default `GET`).
    pub method: Option<Spanned<String>>,
    /// Method sent instead when the server answers `method` with 404 or 405 (for
    /// documents that name no method).
    pub fallback_method: Option<Spanned<String>>,
    /// Path relative to the target URL.
    pub path: Option<Spanned<String>>,
    /// Query parameters, in order; `null` removes one inherited from `use:`.
    #[serde(default)]
    pub query: IndexMap<String, Spanned<Option<String>>>,
    /// Request headers; `null` removes one inherited from `use:` or the defaults.
    #[serde(default)]
    pub headers: IndexMap<String, Spanned<Option<String>>>,
    /// A JSON body; strings inside are templates.
    pub json: Option<Spanned<serde_json::Value>>,
    /// A form body (`application/x-www-form-urlencoded`), in order.
    pub form: Option<IndexMap<String, Spanned<Option<String>>>>,
    /// A raw body.
    pub body: Option<Spanned<String>>,
    /// Content type of a raw body.
    pub content_type: Option<Spanned<String>>,
    /// Timeout of this request (e.g. `5s`).
    pub timeout: Option<Spanned<String>>,
}

/// What must hold of a response. All listed checks must pass.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectSpec {
    /// Status: `200`, `[200, 201]`, `4xx`, or `{not: 2xx}`.
    pub status: Option<Spanned<StatusSpec>>,
    /// Header checks by header name.
    #[serde(default)]
    pub headers: IndexMap<String, Spanned<HeaderExpectSpec>>,
    /// Media type(s) the `Content-Type` must have, parameters ignored.
    pub media_type: Option<Spanned<OneOrMany<String>>>,
    /// The body is JSON and contains this (subset match; see the README).
    pub json: Option<Spanned<serde_json::Value>>,
    /// The JSON body validates against this inline JSON Schema (draft 2020-12).
    pub schema: Option<Spanned<serde_json::Value>>,
    /// The JSON body validates against a schema file, relative to the spec file.
    pub schema_file: Option<Spanned<String>>,
    /// JSONPath assertions on the JSON body.
    #[serde(default)]
    pub jsonpath: Vec<PathAssertSpec>,
    /// The body is well-formed XML and these path assertions hold on it.
    pub xml: Option<Spanned<Vec<PathAssertSpec>>>,
    /// Values that must not appear anywhere in the response (status line, headers, body).
    #[serde(default)]
    pub not_contains: Vec<Spanned<String>>,
}

/// An assertion on the nodes a path selects.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathAssertSpec {
    /// JSONPath (RFC 9535); on XML, JSONPath over the XML view (see the README).
    pub path: Spanned<String>,
    /// `true`: at least one node is selected; `false`: none is.
    pub exists: Option<Spanned<bool>>,
    /// Shorthand for `exists: false`.
    pub absent: Option<Spanned<bool>>,
    /// The value equals this (strings are templates).
    pub equals: Option<Spanned<serde_json::Value>>,
    /// The value differs from this (strings are templates).
    pub not_equals: Option<Spanned<serde_json::Value>>,
    /// The value is a string matching this regex.
    pub matches: Option<Spanned<String>>,
    /// The value has this JSON type.
    #[serde(rename = "type")]
    pub type_is: Option<Spanned<OneOrMany<String>>>,
    /// The value's length (string characters, array items, object members).
    pub length: Option<Spanned<LengthSpec>>,
    /// The value is one of these.
    pub one_of: Option<Spanned<Vec<serde_json::Value>>>,
    /// The value is a string holding a JWT meeting these checks.
    pub jwt: Option<Spanned<JwtCheckSpec>>,
    /// Which selected nodes the tests must hold for: `all` (default, and at least one
    /// node), `any` (at least one), `none` (no node).
    pub nodes: Option<Spanned<String>>,
}

/// Checks on a JWT. It is decoded, not verified: there is no key.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JwtCheckSpec {
    /// Claims that must be present in the payload.
    #[serde(default)]
    pub claims: Vec<String>,
    /// The payload contains this (subset match, strings are templates).
    pub payload: Option<Spanned<serde_json::Value>>,
    /// `exp` lies this far from now (e.g. `30m`).
    pub expires_in: Option<Spanned<String>>,
    /// Allowed distance from `expires_in` (default `2m`).
    pub tolerance: Option<Spanned<String>>,
}

/// Where a captured value comes from. Exactly one source is given.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaptureSpec {
    /// JSONPath into the JSON body.
    pub jsonpath: Option<Spanned<String>>,
    /// JSONPath into the XML view of the body.
    pub xml: Option<Spanned<String>>,
    /// A response header.
    pub header: Option<Spanned<String>>,
    /// Which selected node to take: `first` (default) or `jwt` (the first holding a JWT).
    pub pick: Option<Spanned<String>>,
    /// A regex applied to the value; its first group (or whole match) is captured.
    pub regex: Option<Spanned<String>>,
    /// Mask the value in all output (default `true`).
    pub secret: Option<bool>,
}

/// Snapshot settings of a step.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotSpec {
    /// Response headers to include (lowercase names).
    #[serde(default)]
    pub headers: Vec<String>,
    /// JSONPath selectors of volatile values to redact.
    #[serde(default)]
    pub redact: Vec<Spanned<String>>,
}
