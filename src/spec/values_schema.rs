//! JSON Schemas of the spec values that have their own `Deserialize` (see `values.rs`).
//!
//! Each schema describes the forms the visitor accepts, so an editor flags what
//! `conform lint` would refuse. Written by hand: a derive cannot see a visitor.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use super::values::{HeaderExpectSpec, LengthSpec, OneOrMany, StatusPattern, StatusSpec};
use crate::schema::Text;

/// `200`, `"200"`, `4xx` or `4XX`, as `StatusPattern::parse` reads them (surrounding
/// blanks, a `+` and leading zeros are tolerated there, so here too).
const STATUS_TEXT: &str = r"^\s*\+?0*(?:[1-5](?:xx|XX)|[1-5][0-9]{2})\s*$";

impl JsonSchema for StatusPattern {
    fn schema_name() -> Cow<'static, str> {
        "StatusPattern".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A status code (100 to 599) or a class of them (`2xx` to `5xx`).",
            "anyOf": [
                { "type": "integer", "minimum": 100, "maximum": 599 },
                { "type": "string", "pattern": STATUS_TEXT }
            ]
        })
    }
}

impl JsonSchema for StatusSpec {
    fn schema_name() -> Cow<'static, str> {
        "Status".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let pattern = generator.subschema_for::<StatusPattern>();
        let list = json_schema!({ "type": "array", "items": pattern, "minItems": 1 });
        json_schema!({
            "description": "The response status: a code (`200`), a class (`4xx`), a list of \
                those (any may match), or `{not: ...}` with a code, class or list (none may match).",
            "anyOf": [
                pattern,
                list,
                {
                    "type": "object",
                    "properties": {
                        "not": {
                            "description": "Codes or classes none of which may match.",
                            "anyOf": [pattern, list]
                        }
                    },
                    "required": ["not"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

impl JsonSchema for HeaderExpectSpec {
    fn schema_name() -> Cow<'static, str> {
        "HeaderExpectation".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let text = generator.subschema_for::<Option<Text>>();
        json_schema!({
            "description": "The header's value (it must equal this; templates allowed), or a map \
                of checks.",
            "anyOf": [
                { "type": "string" },
                { "type": "integer", "minimum": 0 },
                {
                    "type": "object",
                    "properties": {
                        "equals": {
                            "description": "The header value equals this (a template).",
                            "anyOf": [text]
                        },
                        "matches": {
                            "description": "The header value matches this regex.",
                            "anyOf": [text]
                        },
                        "contains": {
                            "description": "The header value contains this (a template).",
                            "anyOf": [text]
                        },
                        "present": {
                            "description": "`true`: the header is present; `false`: it is absent.",
                            "type": ["boolean", "null"]
                        },
                        "absent": {
                            "description": "Shorthand for `present: false`.",
                            "type": ["boolean", "null"]
                        }
                    },
                    "additionalProperties": false
                }
            ]
        })
    }
}

impl JsonSchema for LengthSpec {
    fn schema_name() -> Cow<'static, str> {
        "Length".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "An exact length (`32`) or a range `{min, max}` with at least one \
                bound (`min` not above `max`).",
            "anyOf": [
                { "type": "integer", "minimum": 0 },
                {
                    "type": "object",
                    "properties": {
                        "min": {
                            "description": "Smallest allowed length.",
                            "type": ["integer", "null"],
                            "minimum": 0
                        },
                        "max": {
                            "description": "Largest allowed length.",
                            "type": ["integer", "null"],
                            "minimum": 0
                        }
                    },
                    "additionalProperties": false,
                    "anyOf": [
                        { "required": ["min"], "properties": { "min": { "type": "integer" } } },
                        { "required": ["max"], "properties": { "max": { "type": "integer" } } }
                    ]
                }
            ]
        })
    }
}

/// Only `OneOrMany<String>` occurs in specs; its single form must be a string, while
/// list items are read as text (a number counts).
impl JsonSchema for OneOrMany<String> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "OneOrManyStrings".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let item = generator.subschema_for::<Text>();
        json_schema!({
            "anyOf": [
                { "type": "string" },
                { "type": "array", "items": item, "minItems": 1 }
            ]
        })
    }
}
