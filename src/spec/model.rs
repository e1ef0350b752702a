//! The raw spec types: exactly the YAML a spec author writes, nothing resolved.
//!
//! Every struct denies unknown fields so a typo is an error with a position. Values
//! that later stages validate (templates, JSONPaths, regexes, schemas) are kept as
//! [`Spanned`] so their errors can point at them. No I/O and no validation here
//! beyond what the types themselves enforce.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::values::{HeaderExpectSpec, LengthSpec, OneOrMany, StatusSpec};
use crate::schema::{AccountName, NodesWord, PickWord, Text};

/// A conform spec: the login contract of one source document, as cases of requests
/// and the checks their responses must pass.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "conform spec")]
pub struct SpecFile {
    /// Short name used in case ids, e.g. `txty` in `txty::json.login.primary` (defaults to
    /// the file name without `.yaml`).
    #[schemars(with = "Option<Text>")]
    pub name: Option<Spanned<String>>,
    /// A human-readable title of the spec.
    #[schemars(with = "Text")]
    pub title: String,
    /// The source document the spec asserts (e.g. `000 Txty — Login`).
    #[schemars(with = "Text")]
    pub document: String,
    /// The bundled reference API that implements this document (`txty`, `cielo24`,
    /// `rocketchat`, `payroll` or `coldstream`); `conform run` without `--target` serves it.
    #[schemars(with = "Option<Text>")]
    pub api: Option<Spanned<String>>,
    /// Decisions about what the document leaves open or contradicts, with reasons.
    #[serde(default)]
    pub decisions: Vec<DecisionSpec>,
    /// Default values of `{{ vars.NAME }}`; a profile's `vars`, then a case's, override them.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, Text>")]
    pub vars: IndexMap<String, Spanned<String>>,
    /// JSONPaths of response values that are issued credentials (tokens, keys): they are
    /// masked in all output like captured secrets. JWTs anywhere in a body are masked too.
    #[serde(default)]
    #[schemars(with = "Vec<Text>")]
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
    /// Free YAML holding anchors (`&name`) that cases reuse with aliases (`*name`); not
    /// read otherwise.
    #[schemars(with = "Option<serde_json::Value>")]
    pub shared: Option<serde::de::IgnoredAny>,
    /// Named steps that cases reuse with `use: NAME`.
    #[serde(default)]
    pub steps: IndexMap<String, StepSpec>,
    /// The cases, each run on its own (at least one).
    #[schemars(length(min = 1))]
    pub cases: Vec<CaseSpec>,
}

/// How a spec recognises a throttled answer.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ThrottledSpec {
    /// What a throttled answer looks like (an expectation block, as an arm's `when:`).
    pub when: ExpectSpec,
    /// A regex finding the seconds to wait in the body (its first group), for APIs that
    /// say it only there (Rocket.Chat: `You must wait (\d+) seconds`).
    #[schemars(with = "Option<Text>")]
    pub wait: Option<Spanned<String>>,
}

/// How a spec recognises a blocked account or client.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LockedSpec {
    /// What a blocked answer looks like (an expectation block).
    pub when: ExpectSpec,
}

/// A written decision about something the document leaves open or contradicts.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionSpec {
    /// What the decision is about (e.g. `HTTP status`).
    #[schemars(with = "Text")]
    pub topic: String,
    /// What the spec does.
    #[schemars(with = "Text")]
    pub decision: String,
    /// Why, citing the document where it helps.
    #[schemars(with = "Text")]
    pub reason: String,
}

/// Settings applied to every request of the spec.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DefaultsSpec {
    /// Headers added to every request (a step's own headers win). Values are templates.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, Text>")]
    pub headers: IndexMap<String, Spanned<String>>,
    /// Timeout of every request (e.g. `10s`, `500ms`); a request's own `timeout` wins.
    #[schemars(with = "Option<Text>")]
    pub timeout: Option<Spanned<String>>,
}

/// One case: an ordered list of steps against one account.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseSpec {
    /// The case id, unique within the spec (e.g. `json.login.primary`).
    #[schemars(with = "Text")]
    pub id: Spanned<String>,
    /// A human-readable title.
    #[schemars(with = "Option<Text>")]
    pub title: Option<String>,
    /// The section of the source document the case comes from.
    #[schemars(with = "Text")]
    pub section: String,
    /// Tags for `--tag` (`2fa`, `security`, `lockout-risk`, ...).
    #[serde(default)]
    #[schemars(with = "Vec<Text>")]
    pub tags: Vec<Spanned<String>>,
    /// The profile account that `{{ account.FIELD }}` and `{{ code }}` refer to.
    #[schemars(with = "Option<AccountName>")]
    pub account: Option<Spanned<String>>,
    /// Values of `{{ vars.NAME }}` for this case (win over the spec's and the profile's).
    #[serde(default)]
    #[schemars(with = "IndexMap<String, Text>")]
    pub vars: IndexMap<String, Spanned<String>>,
    /// Branch arms the case must take (by arm name).
    #[serde(default)]
    #[schemars(with = "Vec<Text>")]
    pub require_arms: Vec<Spanned<String>>,
    /// Branch arms the case must not take (by arm name).
    #[serde(default)]
    #[schemars(with = "Vec<Text>")]
    pub forbid_arms: Vec<Spanned<String>>,
    /// The steps, run in order.
    #[schemars(with = "Vec<StepSpec>")]
    pub steps: Spanned<Vec<StepSpec>>,
}

/// One request and what must hold of its response.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepSpec {
    /// A human-readable name (defaults to `step N`).
    #[schemars(with = "Option<Text>")]
    pub name: Option<String>,
    /// A named step of the spec's `steps:` to start from; `query`, `headers`, `form` and
    /// `capture` given here merge key by key, everything else replaces.
    #[serde(rename = "use")]
    #[schemars(with = "Option<Text>")]
    pub use_step: Option<Spanned<String>>,
    /// The request to send.
    pub request: Option<RequestSpec>,
    /// What must hold of the response.
    pub expect: Option<ExpectSpec>,
    /// Values to capture from the response for later steps, by name.
    #[serde(default)]
    pub capture: IndexMap<String, CaptureSpec>,
    /// Arms keyed on what the response says; the first arm whose `when` holds is taken, and
    /// a response that matches none fails the case.
    #[schemars(with = "Option<Vec<ArmSpec>>", length(min = 1))]
    pub branch: Option<Spanned<Vec<ArmSpec>>>,
    /// Record the response as a snapshot (status, the listed headers, the body).
    pub snapshot: Option<SnapshotSpec>,
}

/// One arm of a branch.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArmSpec {
    /// The arm's name, unique within the case; used by `require_arms`, `forbid_arms` and
    /// branch coverage.
    #[schemars(with = "Text")]
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

/// A request. Every string in it is a template (`{{ account.username }}`). At most one
/// body: `json`, `form` or `body`.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend(
    "not" = {
        "anyOf": [
            { "required": ["json", "form"] },
            { "required": ["json", "body"] },
            { "required": ["form", "body"] }
        ]
    },
    "dependentRequired" = { "content_type": ["body"] }
))]
pub struct RequestSpec {
    /// HTTP method (default `GET`).
    #[schemars(with = "Option<Text>")]
    pub method: Option<Spanned<String>>,
    /// Method sent instead when the server answers `method` with 404 or 405 (for documents
    /// that name no method); the report shows the request that was answered.
    #[schemars(with = "Option<Text>")]
    pub fallback_method: Option<Spanned<String>>,
    /// Path relative to the target URL (whose own path is kept as a prefix).
    #[schemars(with = "Option<Text>")]
    pub path: Option<Spanned<String>>,
    /// Query parameters, in order; `null` removes one inherited from `use:`.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, Option<Text>>")]
    pub query: IndexMap<String, Spanned<Option<String>>>,
    /// Request headers; `null` removes one inherited from `use:` or the defaults.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, Option<Text>>")]
    pub headers: IndexMap<String, Spanned<Option<String>>>,
    /// A JSON body; strings inside are templates.
    #[schemars(with = "Option<serde_json::Value>")]
    pub json: Option<Spanned<serde_json::Value>>,
    /// A form body (`application/x-www-form-urlencoded`), in order; `null` removes a field
    /// inherited from `use:`.
    #[schemars(with = "Option<IndexMap<String, Option<Text>>>")]
    pub form: Option<IndexMap<String, Spanned<Option<String>>>>,
    /// A raw body, sent as written (a template).
    #[schemars(with = "Option<Text>")]
    pub body: Option<Spanned<String>>,
    /// Content type of the raw `body`.
    #[schemars(with = "Option<Text>")]
    pub content_type: Option<Spanned<String>>,
    /// Timeout of this request (e.g. `5s`).
    #[schemars(with = "Option<Text>")]
    pub timeout: Option<Spanned<String>>,
}

/// What must hold of a response. All listed checks must pass.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectSpec {
    /// The status: `200`, `[200, 201]`, `4xx`, or `{not: 2xx}`. Leave it out where the
    /// document is silent.
    #[schemars(with = "Option<StatusSpec>")]
    pub status: Option<Spanned<StatusSpec>>,
    /// Header checks by header name.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, HeaderExpectSpec>")]
    pub headers: IndexMap<String, Spanned<HeaderExpectSpec>>,
    /// Media type(s) the `Content-Type` must have (`application/json`), parameters such as
    /// `charset` ignored; one or a list.
    #[schemars(with = "Option<OneOrMany<String>>")]
    pub media_type: Option<Spanned<OneOrMany<String>>>,
    /// The body is JSON and contains this: a subset match, arrays item by item, with
    /// matchers such as `{$type: string}` or `{$absent: true}` (see the README).
    #[schemars(with = "Option<serde_json::Value>")]
    pub json: Option<Spanned<serde_json::Value>>,
    /// The JSON body validates against this inline JSON Schema (draft 2020-12).
    #[schemars(with = "Option<serde_json::Value>")]
    pub schema: Option<Spanned<serde_json::Value>>,
    /// The JSON body validates against this schema file, relative to the spec file.
    #[schemars(with = "Option<Text>")]
    pub schema_file: Option<Spanned<String>>,
    /// JSONPath assertions on the JSON body.
    #[serde(default)]
    pub jsonpath: Vec<PathAssertSpec>,
    /// The body is well-formed XML and these path assertions hold on its JSON view.
    #[schemars(with = "Option<Vec<PathAssertSpec>>")]
    pub xml: Option<Spanned<Vec<PathAssertSpec>>>,
    /// Values that must appear nowhere in the response (headers or body, raw or encoded).
    #[serde(default)]
    #[schemars(with = "Vec<Text>")]
    pub not_contains: Vec<Spanned<String>>,
    /// What the case's account has or lacks — a field, or `code` (a way to obtain
    /// second-factor codes). In an arm's `when:`, it chooses the arm by what the tester
    /// knows when answers look alike (Keycloak answers "code required" and "wrong
    /// password" the same way).
    pub account: Option<AccountCondSpec>,
}

/// What the case's account must have and lack.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountCondSpec {
    /// Fields (`secure_key`, a free field) or `code` the account must have.
    #[serde(default)]
    #[schemars(with = "Vec<Text>")]
    pub has: Vec<Spanned<String>>,
    /// Fields or `code` the account must not have.
    #[serde(default)]
    #[schemars(with = "Vec<Text>")]
    pub lacks: Vec<Spanned<String>>,
}

/// An assertion on the nodes a path selects: the `path` and at least one check.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("anyOf" = [
    { "required": ["exists"] },
    { "required": ["absent"] },
    { "required": ["equals"] },
    { "required": ["not_equals"] },
    { "required": ["matches"] },
    { "required": ["type"] },
    { "required": ["length"] },
    { "required": ["one_of"] },
    { "required": ["jwt"] }
]))]
pub struct PathAssertSpec {
    /// JSONPath (RFC 9535), e.g. `$.data.authToken`; under `xml:`, a path into the XML
    /// view of the body.
    #[schemars(with = "Text")]
    pub path: Spanned<String>,
    /// `true`: at least one node is selected; `false`: none is.
    #[schemars(with = "Option<bool>")]
    pub exists: Option<Spanned<bool>>,
    /// `true`: no node is selected, or only `null`s.
    #[schemars(with = "Option<bool>")]
    pub absent: Option<Spanned<bool>>,
    /// The value equals this (strings are templates).
    #[schemars(with = "Option<serde_json::Value>")]
    pub equals: Option<Spanned<serde_json::Value>>,
    /// The value differs from this (strings are templates).
    #[schemars(with = "Option<serde_json::Value>")]
    pub not_equals: Option<Spanned<serde_json::Value>>,
    /// The value is a string matching this regex.
    #[schemars(with = "Option<Text>")]
    pub matches: Option<Spanned<String>>,
    /// The value has this JSON type (`string`, `integer`, `number`, `boolean`, `object`,
    /// `array`, `null`), or one of a list.
    #[serde(rename = "type")]
    #[schemars(with = "Option<OneOrMany<String>>")]
    pub type_is: Option<Spanned<OneOrMany<String>>>,
    /// The value's length: string characters, array items or object members.
    #[schemars(with = "Option<LengthSpec>")]
    pub length: Option<Spanned<LengthSpec>>,
    /// The value is one of these.
    #[schemars(with = "Option<Vec<serde_json::Value>>")]
    pub one_of: Option<Spanned<Vec<serde_json::Value>>>,
    /// The value is a string holding a JWT that passes these checks (`{}` for the shape
    /// only).
    #[schemars(with = "Option<JwtCheckSpec>")]
    pub jwt: Option<Spanned<JwtCheckSpec>>,
    /// Which selected nodes the checks must hold for.
    #[schemars(with = "Option<NodesWord>")]
    pub nodes: Option<Spanned<String>>,
}

/// Checks on a JWT. It is decoded and checked: its shape, that `alg` is not `none`, the
/// signature's length, and that `exp` and `nbf` are plausible; its signature is verified
/// only when `signature:` names a key.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JwtCheckSpec {
    /// Claims that must be present in the payload.
    #[serde(default)]
    #[schemars(with = "Vec<Text>")]
    pub claims: Vec<String>,
    /// The payload contains this (subset match; strings are templates).
    #[schemars(with = "Option<serde_json::Value>")]
    pub payload: Option<Spanned<serde_json::Value>>,
    /// `exp` lies this far from now (e.g. `30m`).
    #[schemars(with = "Option<Text>")]
    pub expires_in: Option<Spanned<String>>,
    /// Allowed distance from `expires_in` (default `2m`) and from `lifetime` (default
    /// `5s`). Like them it may read `{{ $.path }}` of the response.
    #[schemars(with = "Option<Text>")]
    pub tolerance: Option<Spanned<String>>,
    /// `exp − iat` equals this (e.g. `"{{ $.expires_in }}s"`, read from the same
    /// response), within `tolerance`.
    #[schemars(with = "Option<Text>")]
    pub lifetime: Option<Spanned<String>>,
    /// Checks on the JOSE header: `alg` one of a list, `typ` equals, `kid` present or equals.
    #[schemars(with = "Option<JwtHeaderSpec>")]
    pub header: Option<Spanned<JwtHeaderSpec>>,
    /// The signature verifies with a key of the profile (`{ key: NAME }`) or with the JWKS
    /// the target serves at a path (`{ jwks_path: /certs }`).
    #[schemars(with = "Option<JwtSignatureSpec>")]
    pub signature: Option<Spanned<JwtSignatureSpec>>,
    /// The `aud` claim equals this, or is an array containing it (a template).
    #[schemars(with = "Option<Text>")]
    pub audience: Option<Spanned<String>>,
    /// The `iss` claim equals this (a template).
    #[schemars(with = "Option<Text>")]
    pub issuer: Option<Spanned<String>>,
}

/// Checks on a JWT's JOSE header.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JwtHeaderSpec {
    /// The algorithm is one of these (`RS256`, `[RS256, ES256]`); never `none`.
    #[schemars(with = "Option<OneOrMany<String>>")]
    pub alg: Option<Spanned<OneOrMany<String>>>,
    /// `typ` equals this (compared ignoring case, e.g. `JWT`).
    #[schemars(with = "Option<Text>")]
    pub typ: Option<Spanned<String>>,
    /// `present`: a `kid` is given; anything else: `kid` equals it (a template).
    #[schemars(with = "Option<Text>")]
    pub kid: Option<Spanned<String>>,
}

/// Which key a JWT's signature must verify with: exactly one of `key` and `jwks_path`.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("oneOf" = [
    { "required": ["key"] },
    { "required": ["jwks_path"] }
]))]
pub struct JwtSignatureSpec {
    /// The name of a key of the profile's `keys:`.
    #[schemars(with = "Option<Text>")]
    pub key: Option<Spanned<String>>,
    /// A path on the target serving its JWKS (only `vars.*` templates), fetched once per
    /// run, e.g. `/realms/{{ vars.realm }}/protocol/openid-connect/certs`.
    #[schemars(with = "Option<Text>")]
    pub jwks_path: Option<Spanned<String>>,
}

/// Where a captured value comes from: exactly one of `jsonpath`, `xml` and `header`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("oneOf" = [
    { "required": ["jsonpath"] },
    { "required": ["xml"] },
    { "required": ["header"] }
]))]
pub struct CaptureSpec {
    /// A JSONPath into the JSON body.
    #[schemars(with = "Option<Text>")]
    pub jsonpath: Option<Spanned<String>>,
    /// A JSONPath into the XML view of the body.
    #[schemars(with = "Option<Text>")]
    pub xml: Option<Spanned<String>>,
    /// A response header's name.
    #[schemars(with = "Option<Text>")]
    pub header: Option<Spanned<String>>,
    /// Which selected node to take.
    #[schemars(with = "Option<PickWord>")]
    pub pick: Option<Spanned<String>>,
    /// A regex applied to the value; its first group (or the whole match) is captured.
    #[schemars(with = "Option<Text>")]
    pub regex: Option<Spanned<String>>,
    /// Mask the value in all output (default `true`).
    pub secret: Option<bool>,
}

/// Snapshot settings of a step.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SnapshotSpec {
    /// Response headers to record (lowercase names).
    #[serde(default)]
    #[schemars(with = "Vec<Text>")]
    pub headers: Vec<String>,
    /// JSONPaths of volatile values to redact.
    #[serde(default)]
    #[schemars(with = "Vec<Text>")]
    pub redact: Vec<Spanned<String>>,
}
