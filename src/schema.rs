//! Editor support: JSON Schemas (draft 2020-12) of the spec and profile formats, and
//! of the JSON report (`--report-json`) for its consumers.
//!
//! Generated with `schemars` from the same serde types the loader reads, so they cannot
//! drift from what `conform lint` accepts on structure. They describe shape only —
//! keys, types, the forms of `status` and friends, required keys, one body per request —
//! never meaning: templates, JSONPaths, regexes, captures and accounts in use are
//! checked by the plan stage. The repository ships them under `schema/`
//! (`conform schema spec|profile` prints them); `tests/schema.rs` keeps the files in step.
//!
//! Where the YAML reader is lenient the schema asks for the plain form: text fields
//! take numbers and booleans as text (`limit: 10`), as the reader does, but numeric and
//! boolean keys want unquoted values although the reader also takes `"6"` or `"true"`.

use std::borrow::Cow;

use schemars::generate::SchemaSettings;
use schemars::transform::RecursiveTransform;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use crate::profile::ProfileSpec;
use crate::report::JsonReport;
use crate::spec::SpecFile;

mod markdown;

pub use markdown::{markdown, render_markdown};

/// Which file format a schema describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SchemaKind {
    /// A spec file (`specs/*.yaml`).
    Spec,
    /// A profile file (`--profile FILE`).
    Profile,
    /// The JSON report of a run (`--report-json FILE`, `conform report merge`).
    Report,
}

impl SchemaKind {
    /// Both formats, in the order they are shipped.
    pub const ALL: [SchemaKind; 3] = [SchemaKind::Spec, SchemaKind::Profile, SchemaKind::Report];

    /// The file the repository ships the schema in, relative to its root.
    pub fn shipped_path(self) -> &'static str {
        match self {
            SchemaKind::Spec => "schema/spec.schema.json",
            SchemaKind::Profile => "schema/profile.schema.json",
            SchemaKind::Report => "schema/report.schema.json",
        }
    }
}

/// Returns the JSON Schema of a format as a value.
pub fn json_schema(kind: SchemaKind) -> serde_json::Value {
    let settings = SchemaSettings::draft2020_12();
    // Input formats are described as they are read, the report as it is written.
    let settings = match kind {
        SchemaKind::Spec | SchemaKind::Profile => settings.for_deserialize(),
        SchemaKind::Report => settings.for_serialize(),
    };
    let generator = settings
        .with_transform(RecursiveTransform(unwrap_description))
        .into_generator();
    let schema = match kind {
        SchemaKind::Spec => generator.into_root_schema_for::<SpecFile>(),
        SchemaKind::Profile => generator.into_root_schema_for::<ProfileSpec>(),
        SchemaKind::Report => generator.into_root_schema_for::<JsonReport>(),
    };
    head_first(schema.to_value())
}

/// Joins the lines of a doc comment wrapped at 100 columns into one paragraph (editors
/// wrap hover text themselves); blank lines still separate paragraphs.
fn unwrap_description(schema: &mut Schema) {
    if let Some(serde_json::Value::String(text)) = schema.get_mut("description") {
        *text = text
            .split("\n\n")
            .map(|paragraph| paragraph.split('\n').collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join("\n\n");
    }
}

/// Moves `$schema`, `title` and `description` to the top of the root, where a reader of
/// the file looks for them.
fn head_first(value: serde_json::Value) -> serde_json::Value {
    let serde_json::Value::Object(mut rest) = value else {
        return value;
    };
    let mut root = serde_json::Map::new();
    for key in ["$schema", "title", "description"] {
        if let Some(v) = rest.shift_remove(key) {
            root.insert(key.to_string(), v);
        }
    }
    root.extend(rest);
    serde_json::Value::Object(root)
}

/// Returns the JSON Schema of a format as the pretty-printed text that is shipped
/// (ending in a newline).
pub fn render(kind: SchemaKind) -> String {
    let mut text = serde_json::to_string_pretty(&json_schema(kind))
        .unwrap_or_else(|e| unreachable!("a JSON value always serializes: {e}"));
    text.push('\n');
    text
}

/// Schema-only stand-in for a `String` field: the YAML reader takes any scalar as text,
/// so `limit: 10` is the text `10`.
pub(crate) struct Text;

impl JsonSchema for Text {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Text".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": ["string", "number", "boolean"] })
    }
}

/// Declares a schema-only type for a string field that takes one of a few words.
macro_rules! word_schema {
    ($(#[$doc:meta])* $name:ident, $description:literal, [$($word:literal),+]) => {
        $(#[$doc])*
        pub(crate) struct $name;

        impl JsonSchema for $name {
            fn inline_schema() -> bool {
                true
            }

            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({
                    "description": $description,
                    "type": "string",
                    "enum": [$($word),+]
                })
            }
        }
    };
}

/// Schema-only: a profile account name, as `AccountName::parse` reads it.
pub(crate) struct AccountName;

impl JsonSchema for AccountName {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "AccountName".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "The profile account the case uses: `primary` (no second factor) and `two_factor` in the shipped specs, or any account the profile names (letters, digits, `_` and `-`).",
            "type": "string",
            "pattern": "^[A-Za-z_][A-Za-z0-9_-]*$",
            "examples": ["primary", "two_factor", "locked_user"]
        })
    }
}

word_schema!(
    /// Schema-only: the `nodes:` quantifier of a path assertion.
    NodesWord,
    "Which selected nodes the checks must hold for: `all` (the default; at least one node \
     must be selected), `any` (at least one) or `none` (no node).",
    ["all", "any", "none"]
);

word_schema!(
    /// Schema-only: the `pick:` of a capture.
    PickWord,
    "Which selected node to capture: `first` (the default) or `jwt` (the first holding a JWT).",
    ["first", "jwt"]
);

/// Schema-only: a TOTP algorithm name, as `TotpGenerator` reads it (any letter case,
/// dashes ignored: `sha-256` is `SHA256`).
pub(crate) struct TotpAlgorithm;

impl JsonSchema for TotpAlgorithm {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "TotpAlgorithm".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^-*[sS]-*[hH]-*[aA]-*(?:1|2-*5-*6|5-*1-*2)-*$",
            "examples": ["SHA1", "SHA256", "SHA512"]
        })
    }
}
