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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Renders `$.expires_in` as the value given, everything else as its text.
    struct Response(Value);
    impl Resolve for Response {
        fn value(&self, t: &Template) -> Result<Value, String> {
            match t.as_literal() {
                Some(text) => Ok(Value::String(text)),
                None => Ok(Value::String(t.to_string().replace(
                    "{{ $.expires_in }}",
                    &crate::exec::text_of(self.0.clone()),
                ))),
            }
        }
    }

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    fn rendered(text: &str) -> DurationValue {
        DurationValue::Rendered(Template::parse(text).unwrap())
    }

    #[test]
    fn header_alg_typ_kid() {
        let check = JwtHeaderCheck {
            alg: vec!["RS256".into(), "ES256".into()],
            typ: Some("JWT".into()),
            kid: Some(KidTest::Present),
        };
        let r = Response(Value::Null);
        let ok = map(json!({"alg": "ES256", "typ": "jwt", "kid": "k1"}));
        assert_eq!(eval_header(&ok, &check, &r), Ok(()));
        let hs = map(json!({"alg": "HS256", "typ": "JWT", "kid": "k1"}));
        assert_eq!(
            eval_header(&hs, &check, &r).unwrap_err(),
            "the JWT `alg` is HS256, expected one of RS256, ES256"
        );
        let no_kid = map(json!({"alg": "RS256", "typ": "JWT"}));
        assert_eq!(
            eval_header(&no_kid, &check, &r).unwrap_err(),
            "the JWT header has no `kid`"
        );
        let equals = JwtHeaderCheck {
            kid: Some(KidTest::Equals(Template::literal("k2"))),
            ..JwtHeaderCheck::default()
        };
        assert_eq!(
            eval_header(&ok, &equals, &r).unwrap_err(),
            "the JWT `kid` is \"k1\", expected \"k2\""
        );
    }

    #[test]
    fn audience_string_or_array_and_issuer() {
        let r = Response(Value::Null);
        let aud = Template::literal("account");
        assert_eq!(
            eval_audience(&map(json!({"aud": "account"})), &aud, &r),
            Ok(())
        );
        assert_eq!(
            eval_audience(&map(json!({"aud": ["x", "account"]})), &aud, &r),
            Ok(())
        );
        assert_eq!(
            eval_audience(&map(json!({"aud": ["x"]})), &aud, &r).unwrap_err(),
            "the JWT `aud` is [\"x\"], expected it to be or contain \"account\""
        );
        assert_eq!(
            eval_audience(&map(json!({})), &aud, &r).unwrap_err(),
            "the JWT has no `aud` claim, expected \"account\""
        );
        let iss = Template::literal("https://idp.test");
        assert_eq!(
            eval_issuer(&map(json!({"iss": "https://idp.test"})), &iss, &r),
            Ok(())
        );
        assert_eq!(
            eval_issuer(&map(json!({"iss": "https://evil.test"})), &iss, &r).unwrap_err(),
            "the JWT `iss` is \"https://evil.test\", expected \"https://idp.test\""
        );
    }

    #[test]
    fn lifetime_from_the_response_and_what_a_non_number_renders_to() {
        let window = Window {
            want: rendered("{{ $.expires_in }}s"),
            tolerance: Duration::from_secs(5).into(),
        };
        let token = map(json!({"iat": 1000, "exp": 1300}));
        assert_eq!(
            eval_lifetime(&token, &window, &Response(json!(300))),
            Ok(())
        );
        assert_eq!(
            eval_lifetime(&token, &window, &Response(json!(303))),
            Ok(())
        );
        assert_eq!(
            eval_lifetime(&token, &window, &Response(json!(3600))).unwrap_err(),
            "the JWT lives 5m (`exp` − `iat`), expected 60m ± 5s"
        );
        assert_eq!(
            eval_lifetime(&token, &window, &Response(json!("soon"))).unwrap_err(),
            "`lifetime` is `{{ $.expires_in }}s`, which renders to \"soons\": not a duration"
        );
        assert_eq!(
            eval_lifetime(&map(json!({"exp": 1300})), &window, &Response(json!(300))).unwrap_err(),
            "the JWT has no `iat` claim"
        );
    }
}
