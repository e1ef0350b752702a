//! Path assertions: JSONPath over the JSON body or the XML view, with a quantifier
//! over the selected nodes.

use serde_json::Value;

use super::outcome::{CheckFailure, Resolve, show};
use super::response::Response;
use super::value_tests::{
    eval_equals, eval_jwt_value, eval_length, eval_matches, eval_one_of, eval_type, json_equal,
};
use crate::diagnostic::Span;
use crate::plan::{BodyFormat, PathCheck, PathTest, Quantifier};

/// A selected node (location, value) with the failures of the value tests on it.
type NodeResult<'a, 'v> = (&'a (String, &'v Value), Vec<(String, Span)>);

/// Whether the check holds whenever the path selects no node: `nodes: none`, or only
/// `absent` tests.
fn wants_nothing(check: &PathCheck) -> bool {
    check.nodes == Quantifier::None
        || (!check.tests.is_empty()
            && check
                .tests
                .iter()
                .all(|(t, _)| matches!(t, PathTest::Absent)))
}

/// Evaluates a path check.
pub fn eval_path(
    check: &PathCheck,
    response: &Response,
    resolve: &dyn Resolve,
) -> Vec<CheckFailure> {
    let title = match check.body {
        BodyFormat::Json => "JSONPath",
        BodyFormat::Xml => "XML path",
    };
    let doc = match check.body {
        BodyFormat::Json => response.json(),
        BodyFormat::Xml => response.xml_view(),
    };
    let doc = match doc {
        Ok(d) => d,
        // A body that is not JSON selects nothing, so checks that want nothing hold (a
        // refusal may come as text or empty); XML checks assert well-formedness instead.
        Err(_) if check.body == BodyFormat::Json && wants_nothing(check) => return Vec::new(),
        Err(e) => return vec![CheckFailure::new(title, e)],
    };
    let located = check.path.query_located(doc);
    let nodes: Vec<(String, &Value)> = located
        .iter()
        .map(|n| (n.location().to_string(), n.node()))
        .collect();
    let mut failures = Vec::new();
    let mut value_tests: Vec<&(PathTest, Span)> = Vec::new();
    for test in &check.tests {
        match &test.0 {
            PathTest::Exists if nodes.is_empty() => failures.push(
                CheckFailure::new(title, format!("`{}` selects nothing", check.path_text))
                    .at(test.1.clone()),
            ),
            // `null` is no value: only other nodes break `absent`.
            PathTest::Absent => {
                if let Some((location, value)) = nodes.iter().find(|(_, v)| !v.is_null()) {
                    failures.push(
                        CheckFailure::new(
                            title,
                            format!(
                                "`{}` must select nothing, but selects {location} ({})",
                                check.path_text,
                                show(value)
                            ),
                        )
                        .at(test.1.clone()),
                    );
                }
            }
            PathTest::Exists => {}
            _ => value_tests.push(test),
        }
    }
    if value_tests.is_empty() {
        return failures;
    }
    let results: Vec<NodeResult> = nodes
        .iter()
        .map(|node| {
            let errs = value_tests
                .iter()
                .filter_map(|(t, span)| {
                    eval_test(t, node.1, resolve)
                        .err()
                        .map(|e| (e, span.clone()))
                })
                .collect();
            (node, errs)
        })
        .collect();
    let first_span = value_tests[0].1.clone();
    match check.nodes {
        Quantifier::All => {
            if nodes.is_empty() {
                failures.push(
                    CheckFailure::new(title, format!("`{}` selects nothing", check.path_text))
                        .at(first_span),
                );
            }
            for ((loc, _), errs) in results {
                for (e, span) in errs {
                    failures.push(CheckFailure::new(title, format!("at {loc}: {e}")).at(span));
                }
            }
        }
        Quantifier::Any => {
            if !results.iter().any(|(_, errs)| errs.is_empty()) {
                let why = results
                    .first()
                    .and_then(|((loc, _), errs)| {
                        errs.first().map(|(e, _)| format!("; at {loc}: {e}"))
                    })
                    .unwrap_or_default();
                failures.push(
                    CheckFailure::new(
                        title,
                        format!(
                            "no node selected by `{}` passes ({} selected){why}",
                            check.path_text,
                            nodes.len()
                        ),
                    )
                    .at(first_span),
                );
            }
        }
        Quantifier::None => {
            for ((loc, value), errs) in results {
                if errs.is_empty() {
                    failures.push(
                        CheckFailure::new(
                            title,
                            format!(
                                "at {loc}: {} passes, but with `nodes: none` no node of `{}` may",
                                show(value),
                                check.path_text
                            ),
                        )
                        .at(first_span.clone()),
                    );
                }
            }
        }
    }
    failures
}

fn eval_test(test: &PathTest, value: &Value, resolve: &dyn Resolve) -> Result<(), String> {
    match test {
        PathTest::Exists | PathTest::Absent => Ok(()),
        PathTest::Equals(t) => eval_equals(value, &resolve.json(t)?),
        PathTest::NotEquals(t) => {
            let unwanted = resolve.json(t)?;
            if json_equal(value, &unwanted) {
                Err(format!("must not be {}", show(&unwanted)))
            } else {
                Ok(())
            }
        }
        PathTest::Matches(r) => eval_matches(value, r),
        PathTest::TypeIs(types) => eval_type(value, types),
        PathTest::Length(spec) => eval_length(value, spec),
        PathTest::OneOf(options) => {
            let options = options
                .iter()
                .map(|o| resolve.json(o))
                .collect::<Result<Vec<_>, _>>()?;
            eval_one_of(value, &options)
        }
        PathTest::Jwt(check) => eval_jwt_value(value, check, resolve),
    }
}
