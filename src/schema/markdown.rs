//! The key references of `docs/`: a JSON Schema of [`super`] rendered as Markdown, one
//! table per mapping, every key with its full path, whether it is required, its type,
//! its default and its meaning (the doc comment that is the schema's `description`).
//!
//! Reads only the schema value, so the references cannot say more than the schema
//! does; `tests/docs.rs` keeps the shipped files equal to what this renders.
//!
//! A `$ref` into `$defs` is expanded once, at its first path in a walk that visits
//! required keys before optional ones (so `cases[].steps[].expect`, not
//! `throttled.when`); its other paths link there. `anyOf`/`oneOf` are read as
//! alternatives (a `null` alternative only makes a key optional); their `required`
//! lists, `not: {anyOf: [{required}]}` and `dependentRequired` become notes on the
//! table.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::SchemaKind;

/// Returns the Markdown key reference of a format (`docs/spec-reference.md`,
/// `docs/profile-reference.md`), ending in a newline.
pub fn render_markdown(kind: SchemaKind) -> String {
    let (command, preface) = match kind {
        SchemaKind::Spec => (
            "spec",
            "Every key a spec file may have. How to write a spec, in order and with \
             examples: [writing-specs.md](writing-specs.md).",
        ),
        SchemaKind::Profile => (
            "profile",
            "Every key a profile (`--profile FILE`) may have. How profiles are used: \
             [writing-specs.md](writing-specs.md#the-profile).",
        ),
        SchemaKind::Report => (
            "report",
            "Every key of the JSON report that `conform run --report-json FILE` writes.",
        ),
    };
    let intro = format!(
        "{preface}\n\n\
         Generated from [`{path}`](../{path}) by `conform schema {command} --markdown`; do not \
         edit by hand: `CONFORM_BLESS=1 cargo test --test docs` rewrites it after a change to \
         the types. *text* is a string; a number or boolean written there is read as its \
         text. A path reads `KEY[]` for the items of a list and `KEY.NAME` for the values of \
         a map. The schema sees structure only: templates, JSONPaths, regexes, captures and \
         arm names are checked by `conform lint`.",
        path = kind.shipped_path(),
    );
    markdown(&super::json_schema(kind), &intro)
}

/// Renders a JSON Schema (draft 2020-12, local `$ref`s into `$defs`) as a Markdown key
/// reference, `intro` as its first paragraph.
pub fn markdown(schema: &Value, intro: &str) -> String {
    let mut walk = Walk {
        defs: schema.get("$defs").and_then(Value::as_object),
        sections: Vec::new(),
        by_path: HashMap::new(),
        def_paths: HashMap::new(),
        def_sections: HashMap::new(),
        def_descriptions: HashMap::new(),
    };
    walk.visit(schema, "");
    let title = schema
        .get("title")
        .and_then(Value::as_str)
        .unwrap_or("JSON Schema");
    let mut out = format!("# {title}: key reference\n\n{intro}\n");
    if let Some(text) = description(schema) {
        out.push_str(&format!("\n{text}\n"));
    }
    for section in &walk.sections {
        walk.render_section(section, &mut out);
    }
    out
}

/// One mapping of the format, at the path where it is described.
struct Section<'a> {
    path: String,
    schema: &'a Map<String, Value>,
    /// Other paths where the same `$defs` entry is used.
    also: Vec<String>,
}

struct Walk<'a> {
    defs: Option<&'a Map<String, Value>>,
    sections: Vec<Section<'a>>,
    /// Section index by path.
    by_path: HashMap<String, usize>,
    /// Where each `$defs` entry is described.
    def_paths: HashMap<String, String>,
    /// The section of each `$defs` entry that is a mapping itself.
    def_sections: HashMap<String, usize>,
    /// The description of the `$defs` entry expanded at a path.
    def_descriptions: HashMap<String, String>,
}

impl<'a> Walk<'a> {
    /// The `$defs` entry a `$ref` names, with its name.
    fn deref(&self, schema: &'a Value) -> Option<(&'a str, &'a Value)> {
        let name = schema
            .get("$ref")
            .and_then(Value::as_str)?
            .strip_prefix("#/$defs/")?;
        let def = self.defs?.get(name)?;
        Some((name, def))
    }

    /// Finds the mappings under `schema`, which sits at `path`.
    fn visit(&mut self, schema: &'a Value, path: &str) {
        if let Some((name, def)) = self.deref(schema) {
            if self.def_paths.contains_key(name) {
                if let Some(&i) = self.def_sections.get(name) {
                    self.sections[i].also.push(path.to_string());
                }
            } else {
                self.def_paths.insert(name.to_string(), path.to_string());
                if let Some(text) = description(def) {
                    // A `$defs` entry expanded at the path of the one that uses it
                    // (`Status` → `StatusPattern`) does not describe the path.
                    self.def_descriptions
                        .entry(path.to_string())
                        .or_insert(text);
                }
                let next = self.sections.len();
                self.visit(def, path);
                if def.get("properties").is_some() && self.sections.len() > next {
                    self.def_sections.insert(name.to_string(), next);
                }
            }
            return;
        }
        let Some(object) = schema.as_object() else {
            return;
        };
        if let Some(properties) = object.get("properties").and_then(Value::as_object)
            && !self.by_path.contains_key(path)
        {
            self.by_path.insert(path.to_string(), self.sections.len());
            self.sections.push(Section {
                path: path.to_string(),
                schema: object,
                also: Vec::new(),
            });
            let required = required_keys(object);
            let (first, rest): (Vec<_>, Vec<_>) = properties
                .iter()
                .partition(|(key, _)| required.contains(&key.as_str()));
            for (key, value) in first.into_iter().chain(rest) {
                self.visit(value, &join(path, key));
            }
        }
        for key in ["anyOf", "oneOf"] {
            for alternative in object
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                self.visit(alternative, path);
            }
        }
        if let Some(items) = object.get("items") {
            self.visit(items, &format!("{path}[]"));
        }
        if let Some(values) = object.get("additionalProperties")
            && values.is_object()
        {
            self.visit(values, &join(path, "NAME"));
        }
    }

    fn render_section(&self, section: &Section, out: &mut String) {
        let heading = if section.path.is_empty() {
            "Top level".to_string()
        } else {
            format!("`{}`", section.path)
        };
        out.push_str(&format!("\n## {heading}\n\n"));
        let own = section.schema.get("description").and_then(one_line);
        if !section.path.is_empty()
            && let Some(text) = own.or_else(|| self.def_descriptions.get(&section.path).cloned())
        {
            out.push_str(&format!("{text}\n\n"));
        }
        if !section.also.is_empty() {
            let places: Vec<String> = section.also.iter().map(|p| format!("`{p}`")).collect();
            out.push_str(&format!("The same keys at {}.\n\n", list(&places, "and")));
        }
        for note in notes(section.schema) {
            out.push_str(&format!("{note}\n\n"));
        }
        out.push_str("| key | required | type | default | meaning |\n");
        out.push_str("| --- | --- | --- | --- | --- |\n");
        let required = required_keys(section.schema);
        let conditional = conditional_keys(section.schema);
        let properties = section.schema.get("properties").and_then(Value::as_object);
        for (key, schema) in properties.into_iter().flatten() {
            let path = join(&section.path, key);
            let needed = if required.contains(&key.as_str()) {
                "**required**"
            } else if conditional.contains(&key.as_str()) {
                "see above"
            } else {
                "optional"
            };
            let meaning = description(schema)
                .or_else(|| self.deref(schema).and_then(|(_, def)| description(def)))
                .unwrap_or_default();
            out.push_str(&format!(
                "| `{}` | {needed} | {} | {} | {} |\n",
                cell(&path),
                cell(&self.type_text(schema, &path)),
                cell(&default_text(schema)),
                cell(&meaning),
            ));
        }
    }

    /// What a value at `path` may be, in words.
    fn type_text(&self, schema: &Value, path: &str) -> String {
        list(&self.forms(schema, path), "or")
    }

    /// The forms a value at `path` may take, nested alternatives flattened; `null` is
    /// left out (it only makes a key optional).
    fn forms(&self, schema: &Value, path: &str) -> Vec<String> {
        if let Some((name, def)) = self.deref(schema) {
            let at = self.def_paths.get(name).map_or(path, String::as_str);
            return self.forms(def, at);
        }
        let Some(object) = schema.as_object() else {
            return vec!["any value".into()];
        };
        if object.contains_key("properties") {
            return vec![format!("mapping: [`{path}`](#{})", anchor(path))];
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(alternatives) = object.get(key).and_then(Value::as_array) {
                let forms: Vec<String> = alternatives
                    .iter()
                    .filter(|a| !is_null(a))
                    .flat_map(|a| self.forms(a, path))
                    .collect();
                if !forms.is_empty() {
                    return forms;
                }
            }
        }
        let types: Vec<&str> = match object.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let types: Vec<&str> = types.into_iter().filter(|t| *t != "null").collect();
        if types.is_empty() {
            return vec!["any value".into()];
        }
        if ["string", "number", "boolean"]
            .iter()
            .all(|t| types.contains(t))
        {
            return vec![format!("text{}", min_length(object))];
        }
        types
            .iter()
            .map(|t| self.one_type(object, t, path))
            .collect()
    }

    fn one_type(&self, object: &Map<String, Value>, name: &str, path: &str) -> String {
        match name {
            "string" => string_type(object),
            "integer" | "number" => format!("{name}{}", bounds(object)),
            "array" => {
                let items = object.get("items").map_or_else(
                    || "any value".into(),
                    |i| grouped(self.type_text(i, &format!("{path}[]"))),
                );
                let at_least = match object.get("minItems").and_then(Value::as_u64) {
                    Some(n) if n > 0 => format!(" (at least {n})"),
                    _ => String::new(),
                };
                format!("list of {items}{at_least}")
            }
            "object" => {
                let names = object
                    .get("propertyNames")
                    .and_then(|n| n.get("pattern"))
                    .and_then(Value::as_str)
                    .map(|p| format!(" (names matching `{p}`)"))
                    .unwrap_or_default();
                match object.get("additionalProperties") {
                    Some(values) if values.is_object() => format!(
                        "map{names} of NAME → {}",
                        grouped(self.type_text(values, &join(path, "NAME")))
                    ),
                    _ => "mapping".into(),
                }
            }
            other => other.to_string(),
        }
    }
}

fn string_type(object: &Map<String, Value>) -> String {
    if let Some(words) = object.get("enum").and_then(Value::as_array) {
        let words: Vec<String> = words
            .iter()
            .filter_map(Value::as_str)
            .map(|w| format!("`{w}`"))
            .collect();
        return list(&words, "or");
    }
    let mut text = format!("string{}", min_length(object));
    if let Some(examples) = object.get("examples").and_then(Value::as_array) {
        let examples: Vec<String> = examples.iter().map(|e| format!("`{}`", plain(e))).collect();
        text.push_str(&format!(", e.g. {}", examples.join(", ")));
    }
    text
}

fn min_length(object: &Map<String, Value>) -> String {
    match object.get("minLength").and_then(Value::as_u64) {
        Some(1) => " (not empty)".into(),
        Some(n) if n > 1 => format!(" (at least {n} characters)"),
        _ => String::new(),
    }
}

fn bounds(object: &Map<String, Value>) -> String {
    let min = object.get("minimum").map(plain);
    let max = object.get("maximum").map(plain);
    match (min, max) {
        (Some(min), Some(max)) => format!(" ({min} to {max})"),
        (Some(min), None) => format!(" (at least {min})"),
        (None, Some(max)) => format!(" (at most {max})"),
        (None, None) => String::new(),
    }
}

/// Notes on keys required together, in alternatives, or never together.
fn notes(object: &Map<String, Value>) -> Vec<String> {
    let mut notes = Vec::new();
    for (key, quantity) in [("oneOf", "Exactly one"), ("anyOf", "At least one")] {
        if let Some(sets) = object.get(key).and_then(required_sets) {
            notes.push(format!("{quantity} of {} is required.", list(&sets, "or")));
        }
    }
    if let Some(sets) = object
        .get("not")
        .and_then(|n| n.get("anyOf"))
        .and_then(required_sets)
    {
        notes.push(format!("Never together: {}.", sets.join("; ")));
    }
    if let Some(deps) = object.get("dependentRequired").and_then(Value::as_object) {
        for (key, needs) in deps {
            let needs: Vec<String> = needs
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(|k| format!("`{k}`"))
                .collect();
            notes.push(format!("`{key}` needs {}.", list(&needs, "and")));
        }
    }
    notes
}

/// `[{required: [a]}, {required: [b, c]}]` as `` `a` ``, `` `b` and `c` ``; `None`
/// unless every alternative names its required keys.
fn required_sets(alternatives: &Value) -> Option<Vec<String>> {
    alternatives
        .as_array()?
        .iter()
        .map(|a| {
            let keys: Vec<String> = a
                .get("required")?
                .as_array()?
                .iter()
                .filter_map(Value::as_str)
                .map(|k| format!("`{k}`"))
                .collect();
            (!keys.is_empty()).then(|| list(&keys, "and"))
        })
        .collect()
}

fn required_keys(object: &Map<String, Value>) -> Vec<&str> {
    object
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// Keys named by the `required` of an `anyOf`/`oneOf` alternative.
fn conditional_keys(object: &Map<String, Value>) -> Vec<&str> {
    ["anyOf", "oneOf"]
        .iter()
        .filter_map(|k| object.get(*k).and_then(Value::as_array))
        .flatten()
        .filter_map(|a| a.get("required").and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

fn description(schema: &Value) -> Option<String> {
    schema.get("description").and_then(one_line)
}

/// A description on one line (a table cell holds no line break).
fn one_line(text: &Value) -> Option<String> {
    let text = text.as_str()?;
    Some(text.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn default_text(schema: &Value) -> String {
    match schema.get("default") {
        None | Some(Value::Null) => String::new(),
        Some(value) => format!("`{}`", plain(value)),
    }
}

/// A JSON value as YAML would show it inline: strings unquoted.
fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn is_null(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// `a`, `a or b`, `a, b or c`.
fn list(items: &[String], last: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., tail] => format!("{} {last} {tail}", init.join(", ")),
    }
}

/// Alternatives inside a list or map type, in parentheses so `or` binds inside.
fn grouped(text: String) -> String {
    if text.contains(" or ") {
        format!("({text})")
    } else {
        text
    }
}

/// Text safe inside a table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// The anchor GitHub gives a `## \`path\`` heading: lower case, letters, digits, `-`
/// and `_` kept, everything else dropped.
fn anchor(path: &str) -> String {
    path.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn refs_expand_once_and_link_after() {
        let schema = json!({
            "title": "t",
            "type": "object",
            "required": ["b"],
            "properties": {
                "a": { "anyOf": [{ "$ref": "#/$defs/D" }, { "type": "null" }] },
                "b": { "type": "array", "items": { "$ref": "#/$defs/D" }, "minItems": 1 }
            },
            "$defs": {
                "D": {
                    "type": "object",
                    "description": "A thing.",
                    "properties": { "x": { "type": ["integer", "null"], "minimum": 0, "default": 3 } },
                    "oneOf": [{ "required": ["x"] }]
                }
            }
        });
        let text = markdown(&schema, "intro");
        assert!(
            text.contains(
                "## `b[]`\n\nA thing.\n\nThe same keys at `a`.\n\nExactly one of `x` is required."
            ),
            "{text}"
        );
        assert!(
            text.contains("| `b` | **required** | list of mapping: [`b[]`](#b) (at least 1) |"),
            "{text}"
        );
        assert!(
            text.contains("| `a` | optional | mapping: [`b[]`](#b) |"),
            "{text}"
        );
        assert!(
            text.contains("| `b[].x` | see above | integer (at least 0) | `3` |"),
            "{text}"
        );
        assert!(!text.contains("## `a`"), "{text}");
    }

    #[test]
    fn shapes_in_words() {
        let walk = Walk {
            defs: None,
            sections: Vec::new(),
            by_path: HashMap::new(),
            def_paths: HashMap::new(),
            def_sections: HashMap::new(),
            def_descriptions: HashMap::new(),
        };
        let cases = [
            (
                json!({ "type": ["string", "number", "boolean", "null"] }),
                "text",
            ),
            (json!({}), "any value"),
            (
                json!({ "type": ["string", "null"], "enum": ["a", "b", null] }),
                "`a` or `b`",
            ),
            (
                json!({ "type": "object", "additionalProperties": { "type": ["string", "number", "boolean"] } }),
                "map of NAME → text",
            ),
            (
                json!({ "anyOf": [{ "anyOf": [{ "type": "string" }, { "type": "array", "items": { "type": "integer" } }] }, { "type": "null" }] }),
                "string or list of integer",
            ),
            (json!({ "type": ["boolean", "null"] }), "boolean"),
        ];
        for (schema, words) in cases {
            assert_eq!(walk.type_text(&schema, "k"), words, "{schema}");
        }
    }

    #[test]
    fn notes_read_the_hand_written_shapes() {
        let object = json!({
            "not": { "anyOf": [{ "required": ["a", "b"] }, { "required": ["a", "c"] }] },
            "dependentRequired": { "c": ["d"] },
            "anyOf": [{ "required": ["a"] }, { "required": ["b"], "properties": {} }]
        });
        assert_eq!(
            notes(object.as_object().unwrap()),
            [
                "At least one of `a` or `b` is required.",
                "Never together: `a` and `b`; `a` and `c`.",
                "`c` needs `d`."
            ]
        );
    }
}
