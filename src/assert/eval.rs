//! Dispatching a check to its evaluator.

use super::contains::eval_not_contains;
use super::headers::{eval_header, eval_media_type};
use super::json_body::eval_json_body;
use super::outcome::{CheckFailure, Resolve};
use super::path::eval_path;
use super::response::Response;
use super::schema::eval_schema;
use super::status::eval_status;
use crate::plan::{Check, CheckKind};

/// Evaluates a check against a response; an empty list means it passed.
pub fn eval_check(check: &Check, response: &Response, resolve: &dyn Resolve) -> Vec<CheckFailure> {
    match &check.kind {
        CheckKind::Status(spec) => eval_status(spec, response.status).into_iter().collect(),
        CheckKind::Header { name, test } => eval_header(name, test, response, resolve)
            .into_iter()
            .collect(),
        CheckKind::MediaType(types) => eval_media_type(types, response).into_iter().collect(),
        CheckKind::JsonBody(m) => eval_json_body(m, response, resolve),
        CheckKind::Schema { validator, name } => eval_schema(validator, name, response),
        CheckKind::XmlWellFormed => match response.xml_view() {
            Ok(_) => Vec::new(),
            Err(e) => vec![CheckFailure::new("XML body", e)],
        },
        CheckKind::Path(p) => eval_path(p, response, resolve),
        CheckKind::NotContains(t) => eval_not_contains(t, response, resolve)
            .into_iter()
            .collect(),
        CheckKind::Account { what, has } => match resolve.account_has(what) {
            Some(actual) if actual == *has => Vec::new(),
            Some(_) => vec![CheckFailure::new(
                "account",
                format!(
                    "the case's account {} `{what}`",
                    if *has { "lacks" } else { "has" }
                ),
            )],
            None => vec![CheckFailure::new(
                "account",
                "the case names no account".to_string(),
            )],
        },
    }
}

/// Whether every check passes (used to choose a branch arm); else the first failure.
pub fn all_pass(
    checks: &[Check],
    response: &Response,
    resolve: &dyn Resolve,
) -> Result<(), Box<CheckFailure>> {
    for c in checks {
        if let Some(f) = eval_check(c, response, resolve).into_iter().next() {
            return Err(Box::new(f));
        }
    }
    Ok(())
}
