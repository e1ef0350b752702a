//! "This value must appear nowhere in the response" (e.g. the password).

use super::jwt::decode as decode_jwt;
use super::outcome::{CheckFailure, Resolve};
use super::response::{Response, any_string};
use crate::mask::variants;
use crate::plan::Template;

/// Whether a string of the JSON body (or of the XML view), decoded, contains `needle`:
/// catches every escape a serializer may choose.
fn decoded_strings_contain(response: &Response, needle: &str) -> bool {
    response.document().is_some_and(|doc| {
        any_string(doc, &mut |s| {
            // A JWT's claims are only base64url-encoded: a password inside is readable.
            s.contains(needle)
                || decode_jwt(s).is_ok_and(|jwt| {
                    any_string(&serde_json::Value::Object(jwt.payload), &mut |c| {
                        c.contains(needle)
                    })
                })
        })
    })
}

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
    if forms.iter().any(|f| body.contains(f.as_str())) || decoded_strings_contain(response, &needle)
    {
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
}
