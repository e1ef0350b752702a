//! Credentials a server issues (tokens, keys, session cookies) found in a response, so
//! that they are masked in all output like the profile's secrets: the values at the
//! spec's `secrets:` paths, every string of the body that decodes as a JWT, and the
//! credentials of response headers — `Set-Cookie` values, the values of headers named
//! for tokens, sessions, keys or authorization, and every JWT in any header.

use serde_json::Value;

use crate::assert::{Response, any_string, decode_jwt};
use crate::plan::SecretPaths;

/// The issued credentials of `response`.
pub fn collect_issued(response: &Response, paths: &SecretPaths) -> Vec<String> {
    let mut secrets = Vec::new();
    for (name, value) in &response.headers {
        header_credentials(name, value, &mut secrets);
    }
    let Some(doc) = response.document() else {
        return secrets;
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
    secrets
}

/// Words in a header name that say its value is a credential.
const CREDENTIAL_WORDS: [&str; 7] = [
    "token", "auth", "session", "secret", "password", "api-key", "apikey",
];

/// Headers whose names contain such a word but that carry no credential.
const NOT_CREDENTIALS: [&str; 3] = [
    "www-authenticate",
    "proxy-authenticate",
    "authentication-info",
];

fn header_credentials(name: &str, value: &str, out: &mut Vec<String>) {
    let name = name.to_ascii_lowercase();
    if name == "set-cookie" {
        // `NAME=VALUE; Path=/; HttpOnly`: the value is the session; the attributes stay
        // readable.
        if let Some((_, cookie)) = value.split(';').next().and_then(|c| c.split_once('=')) {
            let cookie = cookie.trim().trim_matches('"');
            if !cookie.is_empty() {
                out.push(cookie.to_string());
            }
        }
    } else if CREDENTIAL_WORDS.iter().any(|w| name.contains(w))
        && !NOT_CREDENTIALS.contains(&name.as_str())
    {
        // `Bearer abc`, `Token abc`: the credential follows the scheme.
        let credential = match value.trim().split_once(' ') {
            Some((scheme, rest)) if scheme.chars().all(|c| c.is_ascii_alphabetic()) => rest,
            _ => value,
        };
        let credential = credential.trim();
        if !credential.is_empty() {
            out.push(credential.to_string());
        }
    }
    for token in
        value.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '=')))
    {
        if token.matches('.').count() == 2 && decode_jwt(token).is_ok() {
            out.push(token.to_string());
        }
    }
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
        collect_issued(&response, &paths)
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

    #[test]
    fn finds_credentials_in_headers() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln";
        let headers = [
            ("set-cookie", "sid=abc123def; Path=/; HttpOnly"),
            ("x-auth-token", "tok-777"),
            ("authorization", "Bearer bearer-888"),
            ("www-authenticate", "Bearer realm=\"x\""),
            ("x-debug", &format!("claims in {jwt} here")),
            ("content-type", "application/json"),
        ];
        let response = Response::new(
            200,
            headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            Vec::new(),
        );
        let paths: SecretPaths = Vec::new().into();
        assert_eq!(
            collect_issued(&response, &paths),
            ["abc123def", "tok-777", "bearer-888", jwt]
        );
    }
}
