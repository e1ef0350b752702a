//! "This value must appear nowhere in the response" (e.g. the password).

use super::outcome::{CheckFailure, Resolve};
use super::response::Response;
use crate::mask::variants;
use crate::plan::Template;

/// Fails if the rendered value appears in a header or the body, in any encoding.
pub fn eval_not_contains(
    template: &Template,
    response: &Response,
    resolve: &dyn Resolve,
) -> Option<CheckFailure> {
    let needle = match resolve.text(template) {
        Ok(n) if n.is_empty() => return None,
        Ok(n) => n,
        Err(e) => return Some(CheckFailure::new("forbidden value", e)),
    };
    let body = response.text();
    for form in variants(&needle) {
        if let Some((name, _)) = response.headers.iter().find(|(_, v)| v.contains(&form)) {
            return Some(CheckFailure::new(
                "forbidden value",
                format!("`{template}` appears in header `{name}`"),
            ));
        }
        if body.contains(&form) {
            return Some(CheckFailure::new(
                "forbidden value",
                format!("`{template}` appears in the body"),
            ));
        }
    }
    None
}
