//! `jwt:` checks beyond the shape: the JOSE header, `aud`, `iss`, and the lifetime
//! `exp − iat`. Pure functions over a decoded token.

use std::time::Duration;

use serde_json::{Map, Value};

use super::outcome::Resolve;
use crate::plan::{DurationValue, JwtHeaderCheck, KidTest, Template, Window};

/// Checks the JOSE header.
pub fn eval_header(
    header: &Map<String, Value>,
    check: &JwtHeaderCheck,
    resolve: &dyn Resolve,
) -> Result<(), String> {
    let text = |name: &str| header.get(name).and_then(Value::as_str);
    if !check.alg.is_empty() {
        let alg = text("alg").unwrap_or("");
        if !check.alg.iter().any(|a| a == alg) {
            return Err(format!(
                "the JWT `alg` is {alg}, expected {}",
                one_of(&check.alg)
            ));
        }
    }
    if let Some(typ) = &check.typ {
        match text("typ") {
            Some(t) if t.eq_ignore_ascii_case(typ) => {}
            Some(t) => return Err(format!("the JWT `typ` is {t:?}, expected {typ:?}")),
            None => return Err(format!("the JWT header has no `typ`, expected {typ:?}")),
        }
    }
    match (&check.kid, header.get("kid")) {
        (None, _) => {}
        (Some(_), None) => return Err("the JWT header has no `kid`".to_string()),
        (Some(KidTest::Present), Some(_)) => {}
        (Some(KidTest::Equals(t)), Some(kid)) => {
            let want = resolve.value(t)?;
            if *kid != want && Some(kid.as_str().unwrap_or_default()) != want.as_str() {
                return Err(format!("the JWT `kid` is {kid}, expected {want}"));
            }
        }
    }
    Ok(())
}

fn one_of(list: &[String]) -> String {
    match list {
        [one] => one.clone(),
        many => format!("one of {}", many.join(", ")),
    }
}

/// `aud` equals the audience or, as an array, contains it (RFC 7519 §4.1.3).
pub fn eval_audience(
    payload: &Map<String, Value>,
    audience: &Template,
    resolve: &dyn Resolve,
) -> Result<(), String> {
    let want = resolve.text(audience)?;
    match payload.get("aud") {
        Some(Value::String(aud)) if *aud == want => Ok(()),
        Some(Value::Array(auds)) if auds.iter().any(|a| a.as_str() == Some(&want)) => Ok(()),
        Some(other) => Err(format!(
            "the JWT `aud` is {other}, expected it to be or contain {want:?}"
        )),
        None => Err(format!("the JWT has no `aud` claim, expected {want:?}")),
    }
}

/// `iss` equals the issuer.
pub fn eval_issuer(
    payload: &Map<String, Value>,
    issuer: &Template,
    resolve: &dyn Resolve,
) -> Result<(), String> {
    let want = resolve.text(issuer)?;
    match payload.get("iss") {
        Some(Value::String(iss)) if *iss == want => Ok(()),
        Some(other) => Err(format!("the JWT `iss` is {other}, expected {want:?}")),
        None => Err(format!("the JWT has no `iss` claim, expected {want:?}")),
    }
}

/// `exp − iat` lies within the window.
pub fn eval_lifetime(
    payload: &Map<String, Value>,
    window: &Window,
    resolve: &dyn Resolve,
) -> Result<(), String> {
    let (want, tolerance) = window_seconds(window, "lifetime", resolve)?;
    let exp = number_claim(payload, "exp")?;
    let iat = number_claim(payload, "iat")?;
    let lifetime = exp - iat;
    if (lifetime - want).abs() > tolerance {
        return Err(format!(
            "the JWT lives {} (`exp` − `iat`), expected {} ± {}",
            human_seconds(lifetime),
            human_seconds(want),
            human_seconds(tolerance)
        ));
    }
    Ok(())
}

/// A number claim, or why it is missing.
pub fn number_claim(payload: &Map<String, Value>, name: &str) -> Result<f64, String> {
    match payload.get(name) {
        Some(Value::Number(n)) => n
            .as_f64()
            .ok_or_else(|| format!("the JWT `{name}` claim is not a number")),
        Some(_) => Err(format!("the JWT `{name}` claim is not a number")),
        None => Err(format!("the JWT has no `{name}` claim")),
    }
}

/// The wanted duration and tolerance of a window in seconds, rendering templates.
pub fn window_seconds(
    window: &Window,
    key: &str,
    resolve: &dyn Resolve,
) -> Result<(f64, f64), String> {
    let want = duration(&window.want, key, resolve)?;
    let tolerance = duration(&window.tolerance, "tolerance", resolve)?;
    Ok((want.as_secs_f64(), tolerance.as_secs_f64()))
}

/// A duration value; a rendered template that is not a duration says what it was.
pub fn duration(
    value: &DurationValue,
    key: &str,
    resolve: &dyn Resolve,
) -> Result<Duration, String> {
    match value {
        DurationValue::Fixed(d) => Ok(*d),
        DurationValue::Rendered(t) => {
            let text = resolve.text(t)?;
            humantime::parse_duration(text.trim())
                .map_err(|_| format!("`{key}` is `{t}`, which renders to {text:?}: not a duration"))
        }
    }
}

/// Seconds as `1m30s`.
pub fn human_seconds(s: f64) -> String {
    let sign = if s < 0.0 { "-" } else { "" };
    let s = s.abs().round() as u64;
    match (s / 60, s % 60) {
        (0, sec) => format!("{sign}{sec}s"),
        (m, 0) => format!("{sign}{m}m"),
        (m, sec) => format!("{sign}{m}m{sec}s"),
    }
}
