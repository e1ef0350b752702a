//! JSON Schema (draft 2020-12) validation of the body.

use super::outcome::CheckFailure;
use super::response::Response;

/// Validates the JSON body; every violation is one failure.
pub fn eval_schema(
    validator: &jsonschema::Validator,
    name: &str,
    response: &Response,
) -> Vec<CheckFailure> {
    let body = match response.json() {
        Ok(v) => v,
        Err(e) => return vec![CheckFailure::new("schema", e)],
    };
    validator
        .iter_errors(body)
        .map(|e| {
            let at = e.instance_path().to_string();
            let at = if at.is_empty() { "/".to_string() } else { at };
            CheckFailure::new("schema", format!("{name}: at {at}: {e}"))
        })
        .collect()
}
