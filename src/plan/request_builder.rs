//! Compiling a raw request into a [`RequestPlan`].

use std::time::Duration;

use indexmap::IndexMap;
use serde_saphyr::Spanned;

use super::context::{Ctx, Use};
use super::json_template::JsonTemplate;
use super::model::{BodyPlan, RequestPlan};
use super::template::{Part, Template};
use crate::diagnostic::Span;
use crate::spec::{DefaultsSpec, RequestSpec};

/// Compiles a request; `step_span` is used when the request itself is missing.
pub fn build_request(
    ctx: &mut Ctx,
    spec: Option<&RequestSpec>,
    defaults: &DefaultsSpec,
    default_timeout: Duration,
    step_span: &Span,
) -> Option<RequestPlan> {
    let Some(spec) = spec else {
        ctx.error_help(
            "step",
            step_span.clone(),
            "the step has no `request:`",
            Some("give a request, or `use:` a named step that has one".into()),
        );
        return None;
    };
    let method = match &spec.method {
        None => reqwest::Method::GET,
        Some(m) => http_method(ctx, m)?,
    };
    let fallback_method = match &spec.fallback_method {
        None => None,
        Some(m) => Some(http_method(ctx, m)?),
    };
    let Some(path_spec) = &spec.path else {
        ctx.error("request", step_span.clone(), "the request has no `path:`");
        return None;
    };
    let path = ctx.spanned_template(path_spec, Use::Request)?;
    let query = pairs(ctx, &spec.query, false)?;
    let mut headers = Vec::new();
    for (name, value) in &defaults.headers {
        if !spec.headers.contains_key(name) {
            let span = ctx.span(value);
            let template = ctx.template(&value.value, &span, Use::Request)?;
            check_header_value(ctx, &format!("header `{name}`"), &template, &span)?;
            headers.push((name.clone(), template));
        }
    }
    headers.extend(pairs(ctx, &spec.headers, true)?);
    let body = body(ctx, spec)?;
    let timeout = match spec.timeout.as_ref().or(defaults.timeout.as_ref()) {
        Some(t) => ctx.duration(t)?,
        None => default_timeout,
    };
    Some(RequestPlan {
        method,
        fallback_method,
        path,
        query,
        headers,
        body,
        timeout,
    })
}

/// Compiles an ordered map of templates; `null` entries are dropped.
fn pairs(
    ctx: &mut Ctx,
    map: &IndexMap<String, Spanned<Option<String>>>,
    header_names: bool,
) -> Option<Vec<(String, Template)>> {
    let mut out = Vec::new();
    let mut ok = true;
    for (key, value) in map {
        let span = ctx.span(value);
        if header_names && reqwest::header::HeaderName::from_bytes(key.as_bytes()).is_err() {
            ctx.error(
                "header",
                span.clone(),
                format!("`{key}` is not a valid header name"),
            );
            ok = false;
            continue;
        }
        let Some(text) = &value.value else { continue };
        let key = match ctx
            .template(key, &span, Use::Static)
            .and_then(|t| t.as_literal())
        {
            Some(k) => k,
            None => {
                ok = false;
                continue;
            }
        };
        match ctx.template(text, &span, Use::Request) {
            Some(t) if header_names => {
                match check_header_value(ctx, &format!("header `{key}`"), &t, &span) {
                    Some(()) => out.push((key, t)),
                    None => ok = false,
                }
            }
            Some(t) => out.push((key, t)),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn body(ctx: &mut Ctx, spec: &RequestSpec) -> Option<BodyPlan> {
    let given = [
        spec.json.is_some(),
        spec.form.is_some(),
        spec.body.is_some(),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    if given > 1 {
        let span = spec
            .json
            .as_ref()
            .map(|j| ctx.span(j))
            .or_else(|| spec.body.as_ref().map(|b| ctx.span(b)));
        if let Some(span) = span {
            ctx.error(
                "request",
                span,
                "give only one of `json`, `form` and `body`",
            );
        }
        return None;
    }
    if let Some(json) = &spec.json {
        let span = ctx.span(json);
        let t = JsonTemplate::build(&json.value, &mut |s: &str| {
            ctx.template(s, &span, Use::Request).ok_or(())
        })
        .ok()?;
        return Some(BodyPlan::Json(t));
    }
    if let Some(form) = &spec.form {
        return pairs(ctx, form, false).map(BodyPlan::Form);
    }
    if let Some(text) = &spec.body {
        let content_type = match &spec.content_type {
            Some(c) => {
                let text = ctx.static_text(c)?;
                let span = ctx.span(c);
                check_header_value(ctx, "`content_type`", &Template::literal(&text), &span)?;
                Some(text)
            }
            None => None,
        };
        let text = ctx.spanned_template(text, Use::Request)?;
        return Some(BodyPlan::Raw { content_type, text });
    }
    if let Some(c) = &spec.content_type {
        let span = ctx.span(c);
        ctx.error("request", span, "`content_type` needs a raw `body`");
        return None;
    }
    Some(BodyPlan::None)
}

/// Refuses a header value whose literal text has a character no header can carry
/// (CR, LF and other controls but tab): the request could never be sent. Parts known
/// only at run time are checked when rendered.
fn check_header_value(ctx: &mut Ctx, what: &str, template: &Template, span: &Span) -> Option<()> {
    let bad = template.parts.iter().find_map(|part| match part {
        Part::Lit(text) => text.chars().find(|&c| c.is_ascii_control() && c != '\t'),
        Part::Expr(..) => None,
    });
    let Some(c) = bad else { return Some(()) };
    let name = match c {
        '\r' => "a carriage return (CR)".to_string(),
        '\n' => "a line feed (LF)".to_string(),
        c => format!("the control character U+{:04X}", u32::from(c)),
    };
    // A character written as itself can be pointed at; an escape (`\r\n`) cannot.
    let at = if span.text().contains(c) {
        span.narrow_to(&c.to_string())
    } else {
        span.clone()
    };
    ctx.error_help(
        "header",
        at,
        format!("{what} contains {name}, which a header value cannot carry"),
        Some("a header value is one line of text; remove the character".into()),
    );
    None
}

/// A method name (templates over `vars` allowed), upper-cased.
fn http_method(ctx: &mut Ctx, m: &Spanned<String>) -> Option<reqwest::Method> {
    let text = ctx.static_text(m)?;
    match reqwest::Method::from_bytes(text.trim().to_ascii_uppercase().as_bytes()) {
        Ok(m) => Some(m),
        Err(_) => {
            let span = ctx.span(m);
            ctx.error("method", span, format!("`{text}` is not an HTTP method"));
            None
        }
    }
}
