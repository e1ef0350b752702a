//! Credentials a server issues (tokens, keys) found in a response, so that they are
//! masked in all output like the profile's secrets: the values at the spec's `secrets:`
//! paths, and every string of the body that decodes as a JWT.

use serde_json::Value;

use crate::assert::{Response, any_string, decode_jwt};
use crate::plan::SecretPaths;

/// Adds the issued credentials of `response` to `secrets`.
pub fn collect_issued(response: &Response, paths: &SecretPaths, secrets: &mut Vec<String>) {
    let Some(doc) = response.document() else {
        return;
    };
    for path in paths.iter() {
        for node in path.query(doc).all() {
            match node {
                Value::String(s) if !s.is_empty() => secrets.push(s.clone()),
                Value::Number(n) => secrets.push(n.to_string()),
                _ => {}
            }
        }
    }
    any_string(doc, &mut |s| {
        if decode_jwt(s).is_ok() {
            secrets.push(s.to_string());
        }
        false
    });
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn issued(body: &str, paths: &[&str]) -> Vec<String> {
        let paths: SecretPaths = paths
            .iter()
            .map(|p| Arc::new(serde_json_path::JsonPath::parse(p).unwrap()))
            .collect();
        let response = Response::new(200, Vec::new(), body.as_bytes().to_vec());
        let mut out = Vec::new();
        collect_issued(&response, &paths, &mut out);
        out
    }

    #[test]
    fn finds_declared_paths_and_any_jwt() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln";
        let body = format!(r#"{{"ApiToken":"abc123","n":{{"deep":"{jwt}"}},"user":"alice"}}"#);
        assert_eq!(issued(&body, &["$.ApiToken"]), ["abc123", jwt]);
        assert_eq!(
            issued(r#"{"ApiToken":""}"#, &["$.ApiToken"]),
            Vec::<String>::new()
        );
        assert_eq!(issued("not json", &["$.ApiToken"]), Vec::<String>::new());
        assert_eq!(
            issued("<r><key>k1</key></r>", &["$.r.key"]),
            ["k1"],
            "paths apply to the XML view"
        );
    }
}
