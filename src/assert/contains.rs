//! "This value must appear nowhere in the response" (e.g. the password).

use super::jwt::decode as decode_jwt;
use super::outcome::{CheckFailure, Resolve};
use super::response::{Response, any_string};
use crate::mask::{Masker, detector_for};
use crate::plan::Template;

/// Whether a JWT's claims hold the value: they are only base64url-encoded JSON, so a
/// password inside is readable, whatever escapes the JSON used.
fn jwt_claims_leak(token: &str, detector: &Masker) -> bool {
    decode_jwt(token).is_ok_and(|jwt| {
        any_string(&serde_json::Value::Object(jwt.payload), &mut |c| {
            detector.leaks(c)
        })
    })
}

/// Every JWT-shaped token of a header value (`Bearer x.y.z`, a cookie holding one).
fn jwt_tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '=')))
        .filter(|t| t.matches('.').count() == 2)
}

/// Whether a string of the JSON body (or of the XML view), decoded, holds the value,
/// in a string or a JWT's claims: catches every escape a serializer may choose.
fn decoded_strings_leak(response: &Response, detector: &Masker) -> bool {
    response.document().is_some_and(|doc| {
        any_string(doc, &mut |s| {
            detector.leaks(s) || jwt_claims_leak(s, detector)
        })
    })
}

/// Fails if the rendered value appears in a header or the body, in any form a secret
/// is searched under (any case, escaped, percent-encoded, in base64, in a JWT's
/// claims); the message names every place it appears.
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
    let detector = detector_for(&needle);
    let mut places: Vec<String> = response
        .headers
        .iter()
        .filter(|(_, v)| detector.leaks(v) || jwt_tokens(v).any(|t| jwt_claims_leak(t, &detector)))
        .map(|(name, _)| format!("header `{name}`"))
        .collect();
    if detector.leaks(response.text()) || decoded_strings_leak(response, &detector) {
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

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    struct Literal;
    impl Resolve for Literal {
        fn value(&self, t: &Template) -> Result<Value, String> {
            t.as_literal()
                .map(Value::String)
                .ok_or_else(|| "no vars".into())
        }
    }

    fn check(body: &str) -> Option<String> {
        let response = Response::new(200, Vec::new(), body.as_bytes().to_vec());
        eval_not_contains(&Template::literal("Pæs/1 x"), &response, &Literal).map(|f| f.message)
    }

    #[test]
    fn finds_the_value_however_the_body_escapes_it() {
        for body in [
            r#"{"login":{"pass":"Pæs/1 x"}}"#,
            r#"{"login":{"pass":"P\u00e6s\/1 x"}}"#,
            r#"{"login":{"pass":"P\u00E6s\u002f1\u0020x"}}"#,
            r#"<r><pass>P&#xe6;s/1&#32;x</pass></r>"#,
            "pass=P%C3%A6s%2F1+x",
            // Inside a JWT's claims: {"sub":"u","pw":"Pæs/1 x"}.
            r#"{"token":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1IiwicHciOiJQw6ZzLzEgeCJ9.c2ln"}"#,
        ] {
            assert_eq!(
                check(body).as_deref(),
                Some("`Pæs/1 x` appears in the body"),
                "{body}"
            );
        }
        assert_eq!(check(r#"{"login":{"pass":"***"}}"#), None);
    }

    #[test]
    fn finds_the_value_in_case_base64_and_header_jwts() {
        use base64::Engine;
        use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
        let value = "Pæs/1 x";
        let claims = URL_SAFE_NO_PAD.encode(r#"{"sub":"u","pw":"P\u00e6s\/1 x"}"#);
        let jwt = format!("eyJhbGciOiJIUzI1NiJ9.{claims}.c2ln");
        for (headers, body) in [
            (vec![], value.to_uppercase()),
            (vec![], STANDARD.encode(format!("alice:{value}"))),
            (
                vec![(
                    "authorization",
                    format!("Basic {}", STANDARD.encode(format!("alice:{value}"))),
                )],
                String::new(),
            ),
            (vec![("x-session", format!("Bearer {jwt}"))], String::new()),
            (vec![], "%50%C3%a6%73%2f%31%20%78".to_string()),
        ] {
            let headers: Vec<(String, String)> = headers
                .into_iter()
                .map(|(n, v)| (n.to_string(), v))
                .collect();
            let response = Response::new(200, headers, body.clone().into_bytes());
            assert!(
                eval_not_contains(&Template::literal(value), &response, &Literal).is_some(),
                "{body}"
            );
        }
    }
}
