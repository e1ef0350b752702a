//! "This value must appear nowhere in the response" (e.g. the password).

use super::outcome::{CheckFailure, Resolve};
use super::response::Response;
use crate::mask::variants;
use crate::plan::Template;

/// Fails if the rendered value appears in a header or the body, in any encoding;
/// the message names every place it appears.
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
    let forms = variants(&needle);
    let mut places: Vec<String> = response
        .headers
        .iter()
        .filter(|(_, v)| forms.iter().any(|f| v.contains(f.as_str())))
        .map(|(name, _)| format!("header `{name}`"))
        .collect();
    let body = response.text();
    if forms.iter().any(|f| body.contains(f.as_str())) {
        places.push("the body".to_string());
    }
    if places.is_empty() {
        return None;
    }
    Some(CheckFailure::new(
        "forbidden value",
        format!("`{template}` appears in {}", places.join(" and ")),
    ))
}
