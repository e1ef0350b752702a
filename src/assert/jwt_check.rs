//! Evaluating `jwt:` checks: signed (and verified when a key is named), header, claims
//! present, payload subset, audience, issuer, and the time windows.

use serde_json::Value;

use super::json_body::eval_matcher;
use super::jwt::check_signed;
use super::jwt_claims::{
    eval_audience, eval_header, eval_issuer, eval_lifetime, human_seconds, window_seconds,
};
use super::jwt_signature::eval_signature;
use super::outcome::Resolve;
use crate::otp::now_unix;
use crate::plan::JwtCheck;

/// Clock skew allowed for `nbf`.
const NBF_SKEW_SECS: f64 = 60.0;

/// Checks a JWT string against `check`, relative to the current time.
pub fn eval_jwt(token: &str, check: &JwtCheck, resolve: &dyn Resolve) -> Result<(), String> {
    eval_jwt_at(token, check, resolve, now_unix())
}

/// Checks a JWT string against `check` as of `now` (Unix seconds).
pub fn eval_jwt_at(
    token: &str,
    check: &JwtCheck,
    resolve: &dyn Resolve,
    now: u64,
) -> Result<(), String> {
    let jwt = check_signed(token)?;
    eval_header(&jwt.header, &check.header, resolve)?;
    if let Some(signature) = &check.signature {
        eval_signature(token, &jwt.header, signature, resolve)?;
    }
    let missing: Vec<&str> = check
        .claims
        .iter()
        .filter(|c| !jwt.payload.contains_key(c.as_str()))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(format!("the JWT lacks claim(s) {}", missing.join(", ")));
    }
    if let Some(payload) = &check.payload {
        let failures = eval_matcher(payload, &Value::Object(jwt.payload.clone()), "$", resolve);
        if let Some(first) = failures.first() {
            return Err(format!("the JWT payload: {}", first.message));
        }
    }
    if let Some(audience) = &check.audience {
        eval_audience(&jwt.payload, audience, resolve)?;
    }
    if let Some(issuer) = &check.issuer {
        eval_issuer(&jwt.payload, issuer, resolve)?;
    }
    // A token that only becomes valid later authorizes nothing now (a minute of clock skew
    // is allowed).
    if let Some(Value::Number(nbf)) = jwt.payload.get("nbf")
        && let Some(nbf) = nbf.as_f64()
        && nbf > now as f64 + NBF_SKEW_SECS
    {
        return Err(format!(
            "the JWT is not valid before {} from now (`nbf` {nbf})",
            human_seconds(nbf - now as f64)
        ));
    }
    // A token that has expired on arrival authorizes nothing, whatever else is asked.
    if let Some(Value::Number(exp)) = jwt.payload.get("exp")
        && let Some(exp) = exp.as_f64()
        && exp <= now as f64
    {
        return Err(format!(
            "the JWT expired {} ago (`exp` {exp})",
            human_seconds(now as f64 - exp)
        ));
    }
    if let Some(window) = &check.expires_in {
        let (wanted, tolerance) = window_seconds(window, "expires_in", resolve)?;
        let exp = match jwt.payload.get("exp") {
            Some(Value::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
            Some(_) => return Err("the JWT `exp` claim is not a number".to_string()),
            None => return Err("the JWT has no `exp` claim".to_string()),
        };
        let lifetime = exp - now as f64;
        if (lifetime - wanted).abs() > tolerance {
            // `exp` is in seconds (RFC 7519); milliseconds put it ~50,000 years ahead.
            let hint = if exp > 1e11 {
                " (`exp` looks like milliseconds; JWT times are seconds)"
            } else {
                ""
            };
            return Err(format!(
                "the JWT expires in {}, expected {} ± {}{hint}",
                human_seconds(lifetime),
                human_seconds(wanted),
                human_seconds(tolerance)
            ));
        }
    }
    if let Some(window) = &check.lifetime {
        eval_lifetime(&jwt.payload, window, resolve)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Template, Window};
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use std::time::Duration;

    struct NoVars;
    impl Resolve for NoVars {
        fn value(&self, t: &Template) -> Result<Value, String> {
            t.as_literal()
                .map(Value::String)
                .ok_or_else(|| "no vars".into())
        }
    }

    fn window(want: u64, tolerance: u64) -> Window {
        Window {
            want: Duration::from_secs(want).into(),
            tolerance: Duration::from_secs(tolerance).into(),
        }
    }

    fn token(payload: &str) -> String {
        format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode([7u8; 32])
        )
    }

    #[test]
    fn lifetime_window() {
        let now = 1_700_000_000;
        let check = JwtCheck {
            claims: vec!["exp".into()],
            expires_in: Some(window(1800, 120)),
            ..JwtCheck::default()
        };
        let ok = token(&format!(r#"{{"user":"u","exp":{}}}"#, now + 1790));
        assert_eq!(eval_jwt_at(&ok, &check, &NoVars, now), Ok(()));
        let long = token(&format!(r#"{{"user":"u","exp":{}}}"#, now + 3600));
        assert_eq!(
            eval_jwt_at(&long, &check, &NoVars, now).unwrap_err(),
            "the JWT expires in 60m, expected 30m ± 2m"
        );
        let none = token(r#"{"user":"u"}"#);
        assert_eq!(
            eval_jwt_at(&none, &check, &NoVars, now).unwrap_err(),
            "the JWT lacks claim(s) exp"
        );
    }

    #[test]
    fn a_token_expired_on_arrival_fails_any_check() {
        let now = 1_700_000_000;
        let any = JwtCheck::default();
        let expired = token(&format!(r#"{{"sub":"u","exp":{}}}"#, now - 90));
        assert_eq!(
            eval_jwt_at(&expired, &any, &NoVars, now).unwrap_err(),
            format!("the JWT expired 1m30s ago (`exp` {})", now - 90)
        );
        let fresh = token(&format!(r#"{{"sub":"u","exp":{}}}"#, now + 1));
        assert_eq!(eval_jwt_at(&fresh, &any, &NoVars, now), Ok(()));
        let no_exp = token(r#"{"sub":"u"}"#);
        assert_eq!(eval_jwt_at(&no_exp, &any, &NoVars, now), Ok(()));
    }

    #[test]
    fn a_token_not_yet_valid_fails_and_milliseconds_are_named() {
        let now = 1_700_000_000;
        let any = JwtCheck::default();
        let later = token(&format!(r#"{{"nbf":{},"exp":{}}}"#, now + 1800, now + 3600));
        assert_eq!(
            eval_jwt_at(&later, &any, &NoVars, now).unwrap_err(),
            format!(
                "the JWT is not valid before 30m from now (`nbf` {})",
                now + 1800
            )
        );
        let skewed = token(&format!(r#"{{"nbf":{},"exp":{}}}"#, now + 30, now + 3600));
        assert_eq!(eval_jwt_at(&skewed, &any, &NoVars, now), Ok(()));
        let window = JwtCheck {
            expires_in: Some(window(1800, 120)),
            ..any
        };
        let ms = token(&format!(r#"{{"exp":{}}}"#, (now + 1800) * 1000));
        let err = eval_jwt_at(&ms, &window, &NoVars, now).unwrap_err();
        assert!(
            err.ends_with("(`exp` looks like milliseconds; JWT times are seconds)"),
            "{err}"
        );
    }
}
