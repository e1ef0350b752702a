//! What a spec reads of its answers: the JSON paths of its checks (`jsonpath:` paths,
//! the keys of `json:` matchers, captures, branch conditions),
//! and which of them it tests for length or pattern.

use std::sync::Arc;

use serde_json_path::JsonPath;

use crate::plan::{
    BodyFormat, CaptureSource, CasePlan, Check, CheckKind, JsonMatcher, PathTest, Plan, StepPlan,
};

/// One path the spec reads.
#[derive(Clone, Debug)]
pub(crate) struct ReadPath {
    /// As shown (`$.data.authToken`).
    pub(crate) text: String,
    pub(crate) path: Arc<JsonPath>,
    /// Whether a check tests its length or a pattern (a token's length is then read).
    pub(crate) shape: bool,
}

/// Every JSON path the plan's checks read, first mention first.
pub(crate) fn read_paths(plan: &Plan) -> Vec<ReadPath> {
    let mut out: Vec<ReadPath> = Vec::new();
    for case in plan.cases() {
        case_paths(case, &mut out);
    }
    out
}

/// The `throttled:` and `locked:` signs are not read: they say when an answer is no
/// verdict, not what the contract promises.
fn case_paths(case: &CasePlan, out: &mut Vec<ReadPath>) {
    steps(&case.steps, out);
}

fn steps(list: &[StepPlan], out: &mut Vec<ReadPath>) {
    for step in list {
        checks(&step.checks, out);
        captures(&step.captures, out);
        for arm in &step.arms {
            checks(&arm.when, out);
            checks(&arm.checks, out);
            captures(&arm.captures, out);
            steps(&arm.steps, out);
        }
    }
}

fn captures(list: &[crate::plan::CapturePlan], out: &mut Vec<ReadPath>) {
    for c in list {
        if let CaptureSource::Json(path, text) = &c.source {
            add(out, text.clone(), Arc::clone(path), false);
        }
    }
}

fn checks(list: &[Check], out: &mut Vec<ReadPath>) {
    for check in list {
        match &check.kind {
            CheckKind::Path(p) if p.body == BodyFormat::Json => {
                let shape = p
                    .tests
                    .iter()
                    .any(|(t, _)| matches!(t, PathTest::Length(_) | PathTest::Matches(_)));
                add(out, p.path_text.clone(), Arc::clone(&p.path), shape);
            }
            CheckKind::JsonBody(m) => matcher(m, "$".into(), out),
            _ => {}
        }
    }
}

fn matcher(m: &JsonMatcher, at: String, out: &mut Vec<ReadPath>) {
    match m {
        JsonMatcher::Object { fields, .. } => {
            for (key, sub) in fields {
                matcher(sub, member(&at, key), out);
            }
        }
        JsonMatcher::Array(items) => {
            for (i, sub) in items.iter().enumerate() {
                matcher(sub, format!("{at}[{i}]"), out);
            }
        }
        // `$absent` reads nothing there is to break.
        JsonMatcher::Absent => {}
        leaf => {
            if let Ok(path) = JsonPath::parse(&at) {
                let shape = matches!(leaf, JsonMatcher::Length(_) | JsonMatcher::Matches(_));
                add(out, at, Arc::new(path), shape);
            }
        }
    }
}

/// `at.key`, or `at['key']` when the key is not a plain name.
fn member(at: &str, key: &str) -> String {
    let plain = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        format!("{at}.{key}")
    } else {
        format!("{at}['{}']", key.replace('\\', "\\\\").replace('\'', "\\'"))
    }
}

fn add(out: &mut Vec<ReadPath>, text: String, path: Arc<JsonPath>, shape: bool) {
    match out.iter_mut().find(|p| p.text == text) {
        Some(p) => p.shape |= shape,
        None => out.push(ReadPath { text, path, shape }),
    }
}

/// The JSON pointers of the nodes `path` selects in `value`.
pub(crate) fn pointers(path: &JsonPath, value: &serde_json::Value) -> Vec<String> {
    path.query_located(value)
        .locations()
        .map(|l| l.to_json_pointer())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_written_as_paths() {
        assert_eq!(member("$", "data"), "$.data");
        assert_eq!(member("$.data", "_id"), "$.data._id");
        assert_eq!(member("$", "a-b"), "$['a-b']");
        assert!(JsonPath::parse(&member("$", "it's")).is_ok());
    }
}
