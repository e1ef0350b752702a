//! The `json:` subset match: the body contains what the spec writes; objects may
//! have more members unless `$closed`; arrays match item by item; `$`-matchers test
//! types, patterns, JWTs and absence.

use serde_json::{Map, Value};

use super::outcome::{CheckFailure, Resolve, show};
use super::response::Response;
use super::value_tests::{
    eval_equals, eval_jwt_value, eval_length, eval_matches, eval_one_of, eval_type,
};
use crate::plan::{JsonMatcher, JsonType};

/// Checks the body against a `json:` matcher; a mismatch carries a diff.
pub fn eval_json_body(
    matcher: &JsonMatcher,
    response: &Response,
    resolve: &dyn Resolve,
) -> Vec<CheckFailure> {
    let actual = match response.json() {
        Ok(v) => v,
        Err(e) => {
            let mut failure = CheckFailure::new("JSON body", e);
            let text = response.text();
            if e.starts_with("the body is not JSON") {
                let expected = expected_view(matcher, None, resolve);
                failure.diff = Some(diff_text(&expected, text));
            }
            return vec![failure];
        }
    };
    let mut failures = eval_matcher(matcher, actual, "$", resolve);
    if let Some(first) = failures.first_mut() {
        let expected = expected_view(matcher, Some(actual), resolve);
        let projected = projected_view(matcher, actual);
        first.diff = Some(diff(&expected, &projected));
    }
    failures
}

/// Matches `actual` at `path` against `matcher`; returns every mismatch.
pub fn eval_matcher(
    matcher: &JsonMatcher,
    actual: &Value,
    path: &str,
    resolve: &dyn Resolve,
) -> Vec<CheckFailure> {
    let fail = |msg: String| {
        vec![CheckFailure::new("JSON body", format!("at {path}: {msg}")).focus(last_key(path))]
    };
    let single = |r: Result<(), String>| r.err().map(fail).unwrap_or_default();
    match matcher {
        JsonMatcher::Value(t) => match resolve.json(t) {
            Ok(expected) => single(eval_equals(actual, &expected)),
            Err(e) => fail(e),
        },
        JsonMatcher::Object { fields, closed } => {
            let Value::Object(map) = actual else {
                return fail(format!(
                    "expected an object, found {} {}",
                    JsonType::of(actual),
                    show(actual)
                ));
            };
            eval_object(fields, *closed, map, path, resolve)
        }
        JsonMatcher::Array(items) => {
            let Value::Array(values) = actual else {
                return fail(format!(
                    "expected an array, found {} {}",
                    JsonType::of(actual),
                    show(actual)
                ));
            };
            if values.len() != items.len() {
                return fail(format!(
                    "expected {} item(s), found {}",
                    items.len(),
                    values.len()
                ));
            }
            items
                .iter()
                .zip(values)
                .enumerate()
                .flat_map(|(i, (m, v))| eval_matcher(m, v, &format!("{path}[{i}]"), resolve))
                .collect()
        }
        JsonMatcher::Type(types) => single(eval_type(actual, types)),
        JsonMatcher::Matches(r) => single(eval_matches(actual, r)),
        JsonMatcher::OneOf(options) => match options
            .iter()
            .map(|o| resolve.json(o))
            .collect::<Result<Vec<_>, _>>()
        {
            Ok(options) => single(eval_one_of(actual, &options)),
            Err(e) => fail(e),
        },
        JsonMatcher::NotEquals(t) => match resolve.json(t) {
            Ok(expected) if super::value_tests::json_equal(actual, &expected) => {
                fail(format!("must not be {}", show(&expected)))
            }
            Ok(_) => Vec::new(),
            Err(e) => fail(e),
        },
        JsonMatcher::Length(spec) => single(eval_length(actual, spec)),
        JsonMatcher::Jwt(check) => single(eval_jwt_value(actual, check, resolve)),
        JsonMatcher::Any => Vec::new(),
        JsonMatcher::Absent => fail(format!("must be absent, found {}", show(actual))),
    }
}

fn eval_object(
    fields: &[(String, JsonMatcher)],
    closed: bool,
    map: &Map<String, Value>,
    path: &str,
    resolve: &dyn Resolve,
) -> Vec<CheckFailure> {
    let mut failures = Vec::new();
    for (key, m) in fields {
        let child = member_path(path, key);
        match (map.get(key), m) {
            // `null` is no value: a serializer that writes every field is still absent.
            (None | Some(Value::Null), JsonMatcher::Absent) => {}
            (None, _) => failures.push(
                CheckFailure::new("JSON body", format!("at {path}: missing member `{key}`"))
                    .focus(key.clone()),
            ),
            (Some(v), JsonMatcher::Absent) => failures.push(
                CheckFailure::new(
                    "JSON body",
                    format!("at {child}: must be absent, found {}", show(v)),
                )
                .focus(key.clone()),
            ),
            (Some(v), m) => failures.extend(eval_matcher(m, v, &child, resolve)),
        }
    }
    if closed {
        let extra: Vec<&str> = map
            .keys()
            .filter(|k| !fields.iter().any(|(f, _)| f == *k))
            .map(String::as_str)
            .collect();
        if !extra.is_empty() {
            failures.push(CheckFailure::new(
                "JSON body",
                format!(
                    "at {path}: the object is closed, but has member(s) {}",
                    extra.join(", ")
                ),
            ));
        }
    }
    failures
}

/// `$.a` for identifier keys, `$['a b']` otherwise.
pub fn member_path(path: &str, key: &str) -> String {
    if !key.is_empty()
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !key.starts_with(|c: char| c.is_ascii_digit())
    {
        format!("{path}.{key}")
    } else {
        format!("{path}['{}']", key.replace('\'', "\\'"))
    }
}

fn last_key(path: &str) -> String {
    path.rsplit(['.', '['])
        .next()
        .unwrap_or(path)
        .trim_matches(|c| c == '\'' || c == ']')
        .to_string()
}

/// What the spec expects, as JSON: matchers that pass show the actual value, the rest
/// show a description such as `<integer>`.
fn expected_view(m: &JsonMatcher, actual: Option<&Value>, resolve: &dyn Resolve) -> Value {
    match m {
        JsonMatcher::Value(t) => resolve.json(t).unwrap_or(Value::Null),
        JsonMatcher::Object { fields, .. } => {
            let mut out = Map::new();
            for (k, sub) in fields {
                if matches!(sub, JsonMatcher::Absent) {
                    continue;
                }
                let a = actual.and_then(|a| a.get(k));
                out.insert(k.clone(), expected_view(sub, a, resolve));
            }
            Value::Object(out)
        }
        JsonMatcher::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, sub)| expected_view(sub, actual.and_then(|a| a.get(i)), resolve))
                .collect(),
        ),
        other => match actual {
            Some(a) if eval_matcher(other, a, "$", resolve).is_empty() => a.clone(),
            _ => Value::String(describe(other)),
        },
    }
}

/// The actual body cut down to the members the spec mentions (and extras of closed objects).
fn projected_view(m: &JsonMatcher, actual: &Value) -> Value {
    match (m, actual) {
        (JsonMatcher::Object { fields, closed }, Value::Object(map)) => {
            let mut out = Map::new();
            for (k, sub) in fields {
                if let Some(v) = map.get(k) {
                    out.insert(k.clone(), projected_view(sub, v));
                }
            }
            if *closed {
                for (k, v) in map {
                    if !out.contains_key(k) {
                        out.insert(k.clone(), v.clone());
                    }
                }
            }
            // None of the expected members came: show what did, never a bare `{}`.
            if out.is_empty() && !map.is_empty() {
                return actual.clone();
            }
            Value::Object(out)
        }
        (JsonMatcher::Array(items), Value::Array(values)) => Value::Array(
            values
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    items
                        .get(i)
                        .map_or_else(|| v.clone(), |sub| projected_view(sub, v))
                })
                .collect(),
        ),
        _ => actual.clone(),
    }
}

/// `value` pretty-printed, or `None` as soon as the text passes [`DIFF_LIMIT`] (the
/// rest is never written).
fn pretty_within(value: &Value) -> Option<String> {
    struct Capped(Vec<u8>);
    impl std::io::Write for Capped {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.0.len() + buf.len() > DIFF_LIMIT {
                return Err(std::io::Error::other("over the diff limit"));
            }
            self.0.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut out = Capped(Vec::new());
    serde_json::to_writer_pretty(&mut out, value).ok()?;
    String::from_utf8(out.0).ok()
}

fn describe(m: &JsonMatcher) -> String {
    match m {
        JsonMatcher::Type(types) => {
            let names: Vec<String> = types.iter().map(ToString::to_string).collect();
            format!("<{}>", names.join(" | "))
        }
        JsonMatcher::Matches(r) => format!("<matching /{}/>", r.as_str()),
        JsonMatcher::OneOf(_) => "<one of the listed values>".into(),
        JsonMatcher::NotEquals(_) => "<not the given value>".into(),
        JsonMatcher::Length(_) => "<of the given length>".into(),
        JsonMatcher::Jwt(_) => "<a JWT>".into(),
        JsonMatcher::Any => "<any>".into(),
        JsonMatcher::Absent => "<absent>".into(),
        JsonMatcher::Value(_) | JsonMatcher::Object { .. } | JsonMatcher::Array(_) => {
            "<value>".into()
        }
    }
}

/// A unified diff of the expected JSON and a body that is not JSON, shown as its text.
fn diff_text(expected: &Value, actual: &str) -> String {
    const SHOWN: usize = 2048;
    let a = serde_json::to_string_pretty(expected).unwrap_or_default();
    let mut end = actual.len().min(SHOWN);
    while !actual.is_char_boundary(end) {
        end -= 1;
    }
    let cut = if end < actual.len() { "\n…" } else { "" };
    let b = format!("{}{cut}", actual[..end].trim_end());
    similar::TextDiff::from_lines(format!("{a}\n").as_str(), format!("{b}\n").as_str())
        .unified_diff()
        .context_radius(3)
        .header("expected", "actual body (not JSON)")
        .to_string()
}

/// The longest pretty-printed side a diff is computed for; a larger body would cost
/// many times its size in the diff and say nothing a reader could use.
const DIFF_LIMIT: usize = 64 * 1024;

/// A unified diff of two JSON values, pretty-printed; a note instead when a side is
/// larger than 64 KiB.
pub fn diff(expected: &Value, actual: &Value) -> String {
    let (Some(a), Some(b)) = (pretty_within(expected), pretty_within(actual)) else {
        return format!(
            "(no diff: a side is larger than {} KiB pretty-printed)\n",
            DIFF_LIMIT / 1024
        );
    };
    similar::TextDiff::from_lines(format!("{a}\n").as_str(), format!("{b}\n").as_str())
        .unified_diff()
        .context_radius(3)
        .header("expected", "actual")
        .to_string()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::plan::Template;

    struct NoVars;
    impl Resolve for NoVars {
        fn value(&self, _: &Template) -> Result<Value, String> {
            Err("no vars".into())
        }
    }

    fn token_wanted() -> JsonMatcher {
        JsonMatcher::Object {
            fields: vec![("token".into(), JsonMatcher::Type(vec![JsonType::String]))],
            closed: false,
        }
    }

    fn diff_of(body: &str) -> String {
        let response = Response::new(200, Vec::new(), body.as_bytes().to_vec());
        let failures = eval_json_body(&token_wanted(), &response, &NoVars);
        failures[0].diff.clone().unwrap_or_default()
    }

    #[test]
    fn an_object_without_the_expected_members_is_shown_whole() {
        let diff = diff_of(r#"{"error": "wrong password"}"#);
        assert!(diff.contains("+  \"error\": \"wrong password\""), "{diff}");
        assert!(!diff.contains("+{}"), "{diff}");
        assert_eq!(projected_view(&token_wanted(), &json!({})), json!({}));
    }

    #[test]
    fn a_body_that_is_not_json_is_shown_as_text() {
        let diff = diff_of("<html>Bad gateway</html>");
        assert!(diff.contains("+++ actual body (not JSON)"), "{diff}");
        assert!(diff.contains("+<html>Bad gateway</html>"), "{diff}");
        assert!(!diff.contains("{}"), "{diff}");
    }

    #[test]
    fn a_huge_side_gets_a_note_instead_of_a_diff() {
        let small = diff(&serde_json::json!({"a": 1}), &serde_json::json!({"a": 2}));
        assert!(
            small.contains("-  \"a\": 1") && small.contains("+  \"a\": 2"),
            "{small}"
        );
        let huge = Value::Array(vec![Value::from("x".repeat(100)); 1000]);
        assert_eq!(
            diff(&serde_json::json!({"a": 1}), &huge),
            "(no diff: a side is larger than 64 KiB pretty-printed)\n"
        );
    }
}
