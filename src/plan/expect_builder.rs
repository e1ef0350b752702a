//! Compiling `expect:`/`when:` blocks into checks.

use std::sync::Arc;

use serde_json::Value;
use serde_saphyr::Spanned;

use super::check::{
    BodyFormat, Check, CheckKind, HeaderTest, JsonMatcher, JsonType, PathCheck, PathTest,
    Quantifier,
};
use super::context::{Ctx, Use};
use super::json_template::JsonTemplate;
use super::jwt_builder::jwt_check;
use super::schema_refs::{ConfinedRetriever, SchemaRefError};
use crate::diagnostic::{Span, did_you_mean};
use crate::spec::{ExpectSpec, JwtCheckSpec, LengthSpec, OneOrMany, PathAssertSpec};

const MARKERS: [&str; 9] = [
    "$type",
    "$matches",
    "$one_of",
    "$not_equals",
    "$length",
    "$jwt",
    "$absent",
    "$any",
    "$closed",
];

/// Compiles an expectation block; problems are recorded in `ctx`.
pub fn build_checks(ctx: &mut Ctx, spec: &ExpectSpec) -> Vec<Check> {
    let mut checks = Vec::new();
    if let Some(status) = &spec.status {
        checks.push(Check {
            span: ctx.span(status),
            kind: CheckKind::Status(status.value.clone()),
        });
    }
    for (name, expect) in &spec.headers {
        header_checks(ctx, name, expect, &mut checks);
    }
    if let Some(media) = &spec.media_type {
        let span = ctx.span(media);
        let mut types = Vec::new();
        for t in &media.value.0 {
            let t = t.trim().to_ascii_lowercase();
            if t.split('/').count() != 2 || t.contains(';') {
                ctx.error(
                    "media type",
                    span.narrow_to(&t),
                    format!("`{t}` is not `type/subtype`"),
                );
            }
            types.push(t);
        }
        checks.push(Check {
            span,
            kind: CheckKind::MediaType(types),
        });
    }
    if let Some(json) = &spec.json {
        let span = ctx.span(json);
        if let Some(m) = json_matcher(ctx, &json.value, &span) {
            checks.push(Check {
                span,
                kind: CheckKind::JsonBody(m),
            });
        }
    }
    schema_checks(ctx, spec, &mut checks);
    for assertion in &spec.jsonpath {
        if let Some(c) = path_check(ctx, assertion, BodyFormat::Json) {
            checks.push(c);
        }
    }
    if let Some(xml) = &spec.xml {
        checks.push(Check {
            span: ctx.span(xml),
            kind: CheckKind::XmlWellFormed,
        });
        for assertion in &xml.value {
            if let Some(c) = path_check(ctx, assertion, BodyFormat::Xml) {
                checks.push(c);
            }
        }
    }
    if let Some(cond) = &spec.account {
        for (list, has) in [(&cond.has, true), (&cond.lacks, false)] {
            for what in list {
                checks.push(Check {
                    span: ctx.span(what),
                    kind: CheckKind::Account {
                        what: what.value.clone(),
                        has,
                    },
                });
            }
        }
    }
    for value in &spec.not_contains {
        let span = ctx.span(value);
        if let Some(t) = ctx.template(&value.value, &span, Use::Expect) {
            checks.push(Check {
                span,
                kind: CheckKind::NotContains(t),
            });
        }
    }
    checks
}

fn header_checks(
    ctx: &mut Ctx,
    name: &str,
    expect: &Spanned<crate::spec::HeaderExpectSpec>,
    checks: &mut Vec<Check>,
) {
    let span = ctx.span(expect);
    if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
        ctx.error(
            "header",
            span.clone(),
            format!("`{name}` is not a valid header name"),
        );
        return;
    }
    let name = name.to_ascii_lowercase();
    let e = &expect.value;
    let mut tests = Vec::new();
    if let Some(v) = &e.equals
        && let Some(t) = ctx.template(v, &span, Use::Expect)
    {
        tests.push(HeaderTest::Equals(t));
    }
    if let Some(v) = &e.contains
        && let Some(t) = ctx.template(v, &span, Use::Expect)
    {
        tests.push(HeaderTest::Contains(t));
    }
    if let Some(v) = &e.matches
        && let Some(r) = ctx.compile_regex(v, &span)
    {
        tests.push(HeaderTest::Matches(r));
    }
    match (e.present, e.absent) {
        (Some(true), _) | (_, Some(false)) => tests.push(HeaderTest::Present),
        (Some(false), _) | (_, Some(true)) => tests.push(HeaderTest::Absent),
        (None, None) => {}
    }
    if tests.is_empty() && e.equals.is_none() && e.contains.is_none() && e.matches.is_none() {
        ctx.error(
            "header",
            span.clone(),
            "the header expectation tests nothing",
        );
    }
    for test in tests {
        checks.push(Check {
            span: span.clone(),
            kind: CheckKind::Header {
                name: name.clone(),
                test,
            },
        });
    }
}

fn schema_checks(ctx: &mut Ctx, spec: &ExpectSpec, checks: &mut Vec<Check>) {
    if let Some(schema) = &spec.schema {
        let span = ctx.span(schema);
        let dir = if ctx.base_dir.as_os_str().is_empty() {
            std::path::Path::new(".")
        } else {
            ctx.base_dir
        };
        let base = std::fs::canonicalize(dir)
            .ok()
            .and_then(|dir| url::Url::from_directory_path(dir).ok());
        if let Some(v) = compile_schema(ctx, &schema.value, &span, base) {
            checks.push(Check {
                span,
                kind: CheckKind::Schema {
                    validator: v,
                    name: "inline schema".into(),
                },
            });
        }
    }
    if let Some(file) = &spec.schema_file {
        let span = ctx.span(file);
        let path = ctx.base_dir.join(&file.value);
        let outside = std::path::Path::new(&file.value).is_absolute()
            || std::path::Path::new(&file.value)
                .components()
                .any(|c| matches!(c, std::path::Component::ParentDir));
        if outside {
            ctx.error(
                "schema",
                span,
                "schema files must lie under the spec's directory",
            );
            return;
        }
        // A symlink may lead anywhere: the file it resolves to must lie under the
        // spec's directory too.
        let retriever = ConfinedRetriever::new(ctx.base_dir);
        let path = match retriever.confine(&path) {
            Ok(real) => real,
            Err(SchemaRefError::Unreadable { .. }) => path,
            Err(e) => {
                ctx.error_help(
                    "schema",
                    span,
                    format!("{e} (through a symlink)"),
                    Some("schema files must lie under the spec's directory".into()),
                );
                return;
            }
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                ctx.error("schema", span, format!("cannot read {}: {e}", file.value));
                return;
            }
        };
        let value: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                ctx.error("schema", span, format!("{} is not JSON: {e}", file.value));
                return;
            }
        };
        let base = url::Url::from_file_path(&path).ok();
        if let Some(v) = compile_schema(ctx, &value, &span, base) {
            checks.push(Check {
                span,
                kind: CheckKind::Schema {
                    validator: v,
                    name: file.value.clone(),
                },
            });
        }
    }
}

fn compile_schema(
    ctx: &mut Ctx,
    schema: &Value,
    span: &Span,
    base: Option<url::Url>,
) -> Option<Arc<jsonschema::Validator>> {
    let retriever = ConfinedRetriever::new(ctx.base_dir);
    let mut options = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .with_retriever(retriever.clone());
    if let Some(base) = base {
        options = options.with_base_uri(base.to_string());
    }
    match options.build(schema) {
        Ok(v) => Some(Arc::new(v)),
        Err(_) if retriever.refused().is_some() => {
            let refused = retriever
                .refused()
                .map(|e| e.to_string())
                .unwrap_or_default();
            ctx.error_help(
                "schema",
                span.clone(),
                refused,
                Some("a schema and its `$ref`s must lie under the spec's directory".into()),
            );
            None
        }
        Err(e) => {
            let at = e.instance_path().to_string();
            let label = if at.is_empty() {
                format!("invalid JSON Schema: {e}")
            } else {
                format!("invalid JSON Schema at {at}: {e}")
            };
            ctx.error_help(
                "schema",
                span.clone(),
                label,
                Some("schemas are draft 2020-12; remote `$ref`s are never fetched".into()),
            );
            None
        }
    }
}

fn path_check(ctx: &mut Ctx, a: &PathAssertSpec, body: BodyFormat) -> Option<Check> {
    let span = ctx.span(&a.path);
    let (path, path_text) = ctx.jsonpath(&a.path)?;
    let nodes = match &a.nodes {
        None => Quantifier::All,
        Some(n) => match n.value.as_str() {
            "all" => Quantifier::All,
            "any" => Quantifier::Any,
            "none" => Quantifier::None,
            other => {
                let at = ctx.span(n);
                ctx.error_help(
                    "JSONPath",
                    at,
                    format!("`{other}` is not a quantifier"),
                    Some("use `all`, `any` or `none`".into()),
                );
                Quantifier::All
            }
        },
    };
    let mut tests = Vec::new();
    if let Some(e) = &a.exists {
        let test = if e.value {
            PathTest::Exists
        } else {
            PathTest::Absent
        };
        tests.push((test, ctx.span(e)));
    }
    if let Some(e) = &a.absent {
        let test = if e.value {
            PathTest::Absent
        } else {
            PathTest::Exists
        };
        tests.push((test, ctx.span(e)));
    }
    if let Some(v) = &a.equals
        && let Some(t) = expected_value(ctx, v)
    {
        tests.push((PathTest::Equals(t), ctx.span(v)));
    }
    if let Some(v) = &a.not_equals
        && let Some(t) = expected_value(ctx, v)
    {
        tests.push((PathTest::NotEquals(t), ctx.span(v)));
    }
    if let Some(v) = &a.matches
        && let Some(r) = ctx.regex(v)
    {
        tests.push((PathTest::Matches(r), ctx.span(v)));
    }
    if let Some(v) = &a.type_is
        && let Some(types) = json_types(ctx, &v.value, &ctx.span(v))
    {
        tests.push((PathTest::TypeIs(types), ctx.span(v)));
    }
    if let Some(v) = &a.length {
        tests.push((PathTest::Length(v.value), ctx.span(v)));
    }
    if let Some(v) = &a.one_of {
        let at = ctx.span(v);
        let values: Option<Vec<_>> = v
            .value
            .iter()
            .map(|x| {
                JsonTemplate::build(x, &mut |s: &str| {
                    ctx.template(s, &at, Use::Expect).ok_or(())
                })
                .ok()
            })
            .collect();
        if let Some(values) = values {
            tests.push((PathTest::OneOf(values), at));
        }
    }
    if let Some(v) = &a.jwt {
        let at = ctx.span(v);
        if let Some(j) = jwt_check(ctx, &v.value, &at) {
            tests.push((PathTest::Jwt(Box::new(j)), at));
        }
    }
    let written = a.exists.is_some()
        || a.absent.is_some()
        || a.equals.is_some()
        || a.not_equals.is_some()
        || a.matches.is_some()
        || a.type_is.is_some()
        || a.length.is_some()
        || a.one_of.is_some()
        || a.jwt.is_some();
    if !written {
        ctx.error_help(
            "JSONPath",
            span.clone(),
            "the assertion tests nothing",
            Some(
                "add exists, absent, equals, not_equals, matches, type, length, one_of or jwt"
                    .into(),
            ),
        );
        return None;
    }
    let exists_only = tests
        .iter()
        .all(|(t, _)| matches!(t, PathTest::Exists | PathTest::Absent));
    if exists_only && nodes != Quantifier::All {
        ctx.error(
            "JSONPath",
            span.clone(),
            "`nodes` has no meaning for exists/absent",
        );
    }
    Some(Check {
        span,
        kind: CheckKind::Path(PathCheck {
            body,
            path,
            path_text,
            nodes,
            tests,
        }),
    })
}

fn expected_value(ctx: &mut Ctx, v: &Spanned<Value>) -> Option<JsonTemplate> {
    let span = ctx.span(v);
    JsonTemplate::build(&v.value, &mut |s: &str| {
        ctx.template(s, &span, Use::Expect).ok_or(())
    })
    .ok()
}

fn json_types(ctx: &mut Ctx, names: &OneOrMany<String>, span: &Span) -> Option<Vec<JsonType>> {
    let mut out = Vec::new();
    for name in &names.0 {
        match JsonType::parse(name) {
            Some(t) => out.push(t),
            None => {
                ctx.error_help(
                    "type",
                    span.narrow_to(name),
                    format!("`{name}` is not a JSON type"),
                    did_you_mean(name, JsonType::NAMES)
                        .or_else(|| Some(format!("use one of {}", JsonType::NAMES.join(", ")))),
                );
                return None;
            }
        }
    }
    Some(out)
}

/// Compiles a `json:` subset value, with `$`-matchers, into a matcher.
pub fn json_matcher(ctx: &mut Ctx, value: &Value, span: &Span) -> Option<JsonMatcher> {
    match value {
        Value::Object(map) => {
            let dollar: Vec<&String> = map.keys().filter(|k| k.starts_with('$')).collect();
            for key in &dollar {
                if !MARKERS.contains(&key.as_str()) {
                    ctx.error_help(
                        "JSON body",
                        span.narrow_to(key),
                        format!("`{key}` is not a matcher"),
                        did_you_mean(key, MARKERS)
                            .or_else(|| Some(format!("matchers are {}", MARKERS.join(", ")))),
                    );
                    return None;
                }
            }
            let markers: Vec<&String> =
                dollar.iter().copied().filter(|k| *k != "$closed").collect();
            if let Some(marker) = markers.first() {
                if map.len() != 1 {
                    ctx.error(
                        "JSON body",
                        span.narrow_to(marker),
                        format!("`{marker}` must be the only key of its object"),
                    );
                    return None;
                }
                return marker_matcher(ctx, marker, &map[marker.as_str()], span);
            }
            let closed = match map.get("$closed") {
                None => false,
                Some(Value::Bool(b)) => *b,
                Some(_) => {
                    ctx.error(
                        "JSON body",
                        span.narrow_to("$closed"),
                        "`$closed` takes true or false",
                    );
                    return None;
                }
            };
            let mut fields = Vec::new();
            for (k, v) in map.iter().filter(|(k, _)| *k != "$closed") {
                let key = ctx
                    .template(k, &span.narrow_to(k), Use::Static)
                    .and_then(|t| t.as_literal())?;
                fields.push((key, json_matcher(ctx, v, span)?));
            }
            Some(JsonMatcher::Object { fields, closed })
        }
        Value::Array(items) => items
            .iter()
            .map(|i| json_matcher(ctx, i, span))
            .collect::<Option<Vec<_>>>()
            .map(JsonMatcher::Array),
        Value::String(s) => {
            let at = span.narrow_to(s);
            ctx.template(s, &at, Use::Expect)
                .map(|t| JsonMatcher::Value(JsonTemplate::String(t)))
        }
        other => Some(JsonMatcher::Value(JsonTemplate::Plain(other.clone()))),
    }
}

fn marker_matcher(ctx: &mut Ctx, marker: &str, arg: &Value, span: &Span) -> Option<JsonMatcher> {
    let at = span.narrow_to(marker);
    let bad = |ctx: &mut Ctx, what: &str| {
        ctx.error("JSON body", at.clone(), format!("`{marker}` takes {what}"));
        None
    };
    match marker {
        "$type" => {
            let names: Vec<String> = match arg {
                Value::String(s) => vec![s.clone()],
                Value::Array(a) if a.iter().all(Value::is_string) => a
                    .iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect(),
                _ => return bad(ctx, "a type name or a list of them"),
            };
            json_types(ctx, &OneOrMany(names), &at).map(JsonMatcher::Type)
        }
        "$matches" => match arg {
            // Like every other regex of a spec, it may read `vars.*` (`/realms/{{ vars.realm }}$`).
            Value::String(s) => ctx
                .template(s, &at, Use::Static)
                .and_then(|t| t.as_literal())
                .and_then(|text| ctx.compile_regex(&text, &at))
                .map(JsonMatcher::Matches),
            _ => bad(ctx, "a regex"),
        },
        "$one_of" => match arg {
            Value::Array(items) => items
                .iter()
                .map(|x| {
                    JsonTemplate::build(x, &mut |s: &str| {
                        ctx.template(s, &at, Use::Expect).ok_or(())
                    })
                    .ok()
                })
                .collect::<Option<Vec<_>>>()
                .map(JsonMatcher::OneOf),
            _ => bad(ctx, "a list of values"),
        },
        "$not_equals" => JsonTemplate::build(arg, &mut |s: &str| {
            ctx.template(s, &at, Use::Expect).ok_or(())
        })
        .ok()
        .map(JsonMatcher::NotEquals),
        "$length" => match serde_json::from_value::<LengthSpec>(arg.clone()) {
            Ok(l) => Some(JsonMatcher::Length(l)),
            Err(_) => bad(ctx, "a length or {min, max}"),
        },
        "$jwt" => match serde_json::from_value::<JwtCheckSpec>(if arg.is_null() {
            Value::Object(Default::default())
        } else {
            arg.clone()
        }) {
            Ok(spec) => jwt_check(ctx, &spec, &at).map(|j| JsonMatcher::Jwt(Box::new(j))),
            Err(e) => bad(ctx, &format!("JWT checks ({e})")),
        },
        "$absent" => match arg {
            Value::Bool(true) => Some(JsonMatcher::Absent),
            _ => bad(ctx, "`true`"),
        },
        "$any" => match arg {
            Value::Bool(true) => Some(JsonMatcher::Any),
            _ => bad(ctx, "`true`"),
        },
        _ => bad(ctx, "nothing known"),
    }
}
