//! `{{ $.path }}`: values of the response being checked, read by expectations at run
//! time. Planning only decides where they may appear and compiles what is fixed.

use std::time::Duration;

use serde_saphyr::Spanned;

use super::check::DurationValue;
use super::context::{Ctx, Use};

/// The label and help of a `$…` template used where the response is not there yet.
pub fn refused(src: &str, usage: Use) -> (String, String) {
    let label = match usage {
        Use::Request => format!(
            "`{src}` reads the response being checked, which does not exist while the request is built"
        ),
        _ => format!(
            "`{src}` reads the response being checked, but only `vars.*` is known before the run"
        ),
    };
    let help = "use `{{ $.path }}` only in expected values (`equals`, `jwt: { lifetime: \"{{ $.expires_in }}s\" }`, …); to send a value of a response, capture it in an earlier step and write `{{ NAME }}`".to_string();
    (label, help)
}

/// A duration written at `value`: fixed when it has no template, otherwise rendered
/// at run time (it may read captures and `$…` values of the response).
pub fn duration_value(ctx: &mut Ctx, value: &Spanned<String>) -> Option<DurationValue> {
    let template = ctx.spanned_template(value, Use::Expect)?;
    if template.as_literal().is_some() {
        return ctx.duration(value).map(DurationValue::Fixed);
    }
    Some(DurationValue::Rendered(template))
}

/// A duration value with a default.
pub fn duration_or(
    ctx: &mut Ctx,
    value: Option<&Spanned<String>>,
    default: Duration,
) -> Option<DurationValue> {
    match value {
        Some(v) => duration_value(ctx, v),
        None => Some(DurationValue::Fixed(default)),
    }
}
