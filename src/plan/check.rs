//! Compiled checks: what the assert stage evaluates against a response.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde_json_path::JsonPath;

use super::json_template::JsonTemplate;
use super::template::Template;
use crate::diagnostic::Span;
use crate::spec::{LengthSpec, StatusSpec};

/// One check with the place in the spec it was written.
#[derive(Clone, Debug)]
pub struct Check {
    /// Where the expectation is written.
    pub span: Span,
    /// What is checked.
    pub kind: CheckKind,
}

/// The kinds of check.
#[derive(Clone, Debug)]
pub enum CheckKind {
    /// The status matches.
    Status(StatusSpec),
    /// A header meets a test.
    Header {
        /// Lowercase header name.
        name: String,
        /// The test.
        test: HeaderTest,
    },
    /// The `Content-Type` essence is one of these (lowercase, no parameters).
    MediaType(Vec<String>),
    /// The body is JSON and matches.
    JsonBody(JsonMatcher),
    /// The body is JSON and validates against a schema.
    Schema {
        /// The compiled schema.
        validator: Arc<jsonschema::Validator>,
        /// Inline, or the file name.
        name: String,
    },
    /// The body is well-formed XML.
    XmlWellFormed,
    /// Path assertions on the JSON body or the XML view.
    Path(PathCheck),
    /// The rendered value appears nowhere in the response.
    NotContains(Template),
    /// The case's account has (`true`) or lacks (`false`) a field or `code`.
    Account {
        /// The field name, or `code`.
        what: String,
        /// Whether it must be there.
        has: bool,
    },
}

/// A header test.
#[derive(Clone, Debug)]
pub enum HeaderTest {
    /// Equal to the rendered template.
    Equals(Template),
    /// Contains the rendered template.
    Contains(Template),
    /// Matches a regex.
    Matches(regex::Regex),
    /// Present.
    Present,
    /// Absent.
    Absent,
}

/// Which body a path applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyFormat {
    /// The JSON body.
    Json,
    /// The XML view of an XML body.
    Xml,
}

/// How many selected nodes must meet the tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantifier {
    /// Every node (and at least one).
    All,
    /// At least one node.
    Any,
    /// No node.
    None,
}

/// Path assertions.
#[derive(Clone, Debug)]
pub struct PathCheck {
    /// JSON body or XML view.
    pub body: BodyFormat,
    /// The compiled path.
    pub path: Arc<JsonPath>,
    /// The path as written (after `vars` substitution).
    pub path_text: String,
    /// Quantifier over selected nodes.
    pub nodes: Quantifier,
    /// Tests every considered node must pass, each with its span.
    pub tests: Vec<(PathTest, Span)>,
}

/// One test on a selected node (or on the node count).
#[derive(Clone, Debug)]
pub enum PathTest {
    /// At least one node is selected.
    Exists,
    /// No node is selected.
    Absent,
    /// The value equals.
    Equals(JsonTemplate),
    /// The value differs.
    NotEquals(JsonTemplate),
    /// A string matching the regex.
    Matches(regex::Regex),
    /// One of these JSON types.
    TypeIs(Vec<JsonType>),
    /// A length in range.
    Length(LengthSpec),
    /// One of these values.
    OneOf(Vec<JsonTemplate>),
    /// A string holding a JWT that meets the check.
    Jwt(Box<JwtCheck>),
}

/// JSON types, as spec authors name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonType {
    /// A string.
    String,
    /// A whole number.
    Integer,
    /// Any number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// An object.
    Object,
    /// An array.
    Array,
    /// `null`.
    Null,
}

impl JsonType {
    /// Every type name.
    pub const NAMES: [&'static str; 7] = [
        "string", "integer", "number", "boolean", "object", "array", "null",
    ];

    /// Parses a type name.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "string" => JsonType::String,
            "integer" => JsonType::Integer,
            "number" => JsonType::Number,
            "boolean" => JsonType::Boolean,
            "object" => JsonType::Object,
            "array" => JsonType::Array,
            "null" => JsonType::Null,
            _ => return None,
        })
    }

    /// Whether `value` has this type.
    pub fn admits(self, value: &serde_json::Value) -> bool {
        use serde_json::Value as V;
        match (self, value) {
            (JsonType::String, V::String(_)) => true,
            (JsonType::Integer, V::Number(n)) => n.is_i64() || n.is_u64(),
            (JsonType::Number, V::Number(_)) => true,
            (JsonType::Boolean, V::Bool(_)) => true,
            (JsonType::Object, V::Object(_)) => true,
            (JsonType::Array, V::Array(_)) => true,
            (JsonType::Null, V::Null) => true,
            _ => false,
        }
    }

    /// The type name of a value (`integer` for whole numbers).
    pub fn of(value: &serde_json::Value) -> &'static str {
        use serde_json::Value as V;
        match value {
            V::String(_) => "string",
            V::Number(n) if n.is_i64() || n.is_u64() => "integer",
            V::Number(_) => "number",
            V::Bool(_) => "boolean",
            V::Object(_) => "object",
            V::Array(_) => "array",
            V::Null => "null",
        }
    }
}

impl fmt::Display for JsonType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            JsonType::String => "string",
            JsonType::Integer => "integer",
            JsonType::Number => "number",
            JsonType::Boolean => "boolean",
            JsonType::Object => "object",
            JsonType::Array => "array",
            JsonType::Null => "null",
        };
        f.write_str(name)
    }
}

/// Checks on a decoded JWT (its signature verified only when `signature` is set).
#[derive(Clone, Debug, Default)]
pub struct JwtCheck {
    /// Claims that must be present.
    pub claims: Vec<String>,
    /// A subset the payload must contain.
    pub payload: Option<Box<JsonMatcher>>,
    /// `exp` must lie this far from now, within the tolerance.
    pub expires_in: Option<Window>,
    /// `exp − iat` must be this, within the tolerance.
    pub lifetime: Option<Window>,
    /// Checks on the JOSE header.
    pub header: JwtHeaderCheck,
    /// The key the signature must verify with.
    pub signature: Option<SignatureCheck>,
    /// `aud` equals this or, as an array, contains it.
    pub audience: Option<Template>,
    /// `iss` equals this.
    pub issuer: Option<Template>,
}

/// A duration and the distance allowed from it.
#[derive(Clone, Debug)]
pub struct Window {
    /// The duration wanted.
    pub want: DurationValue,
    /// How far from it is still right.
    pub tolerance: DurationValue,
}

/// A duration known at plan time or rendered from a template at run time.
#[derive(Clone, Debug)]
pub enum DurationValue {
    /// Written as a duration (`30m`).
    Fixed(Duration),
    /// A template (`"{{ $.expires_in }}s"`), rendered then parsed during the check.
    Rendered(Template),
}

impl From<Duration> for DurationValue {
    fn from(d: Duration) -> Self {
        DurationValue::Fixed(d)
    }
}

/// Checks on a JWT's JOSE header.
#[derive(Clone, Debug, Default)]
pub struct JwtHeaderCheck {
    /// `alg` is one of these (empty: any but `none`).
    pub alg: Vec<String>,
    /// `typ` equals this, ignoring case.
    pub typ: Option<String>,
    /// What `kid` must be.
    pub kid: Option<KidTest>,
}

/// A test of the header's `kid`.
#[derive(Clone, Debug)]
pub enum KidTest {
    /// Any `kid` is given.
    Present,
    /// `kid` equals the rendered template.
    Equals(Template),
}

/// Where the keys a signature must verify with come from.
#[derive(Clone, Debug)]
pub enum SignatureCheck {
    /// A profile key known at plan time (`hmac`, `pem`, `jwks_file`).
    Keys {
        /// The key's name in the profile.
        name: String,
        /// The keys.
        set: Arc<crate::profile::KeySet>,
    },
    /// A profile key that is a JWKS URL, fetched once per run.
    Url {
        /// The key's name in the profile.
        name: String,
        /// The absolute URL.
        url: String,
    },
    /// A JWKS the target serves at this path, fetched once per run.
    TargetPath(String),
}

impl SignatureCheck {
    /// Where a fetched key set is found (`None`: known at plan time).
    pub fn location(&self) -> Option<&str> {
        match self {
            SignatureCheck::Keys { .. } => None,
            SignatureCheck::Url { url, .. } => Some(url),
            SignatureCheck::TargetPath(path) => Some(path),
        }
    }

    /// How failures name the key.
    pub fn describe(&self) -> String {
        match self {
            SignatureCheck::Keys { name, .. } | SignatureCheck::Url { name, .. } => {
                format!("key `{name}`")
            }
            SignatureCheck::TargetPath(path) => format!("the target's JWKS at `{path}`"),
        }
    }
}

/// A JSON subset matcher compiled from a spec's `json:` value.
#[derive(Clone, Debug)]
pub enum JsonMatcher {
    /// Equal to this value (strings are templates).
    Value(JsonTemplate),
    /// An object with at least these members (exactly these when closed).
    Object {
        /// Members in spec order.
        fields: Vec<(String, JsonMatcher)>,
        /// Whether other members are forbidden.
        closed: bool,
    },
    /// An array of exactly these items, in order.
    Array(Vec<JsonMatcher>),
    /// `{$type: ...}`.
    Type(Vec<JsonType>),
    /// `{$matches: regex}` on a string.
    Matches(regex::Regex),
    /// `{$one_of: [...]}`.
    OneOf(Vec<JsonTemplate>),
    /// `{$not_equals: value}`.
    NotEquals(JsonTemplate),
    /// `{$length: ...}`.
    Length(LengthSpec),
    /// `{$jwt: {...}}`.
    Jwt(Box<JwtCheck>),
    /// `{$absent: true}`: the member must not exist.
    Absent,
    /// `{$any: true}`: the member must exist, any value.
    Any,
}
