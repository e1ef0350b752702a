//! Decoding JWTs (RFC 7519) without verifying them — there is no key — and checking
//! their shape, algorithm, claims and lifetime.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

/// A decoded JWT.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedJwt {
    /// The JOSE header.
    pub header: Map<String, Value>,
    /// The claims.
    pub payload: Map<String, Value>,
}

/// The longest token decoded. Real tokens are a few KiB; any string of a body is
/// tried as a JWT, and a payload is parsed into a tree outside the body's value budget,
/// so a hostile megabyte-long "token" must not be.
pub const MAX_JWT_LEN: usize = 64 * 1024;

/// Decodes a compact JWS (`header.payload.signature`); says why when it is not one.
pub fn decode(token: &str) -> Result<DecodedJwt, String> {
    if token.len() > MAX_JWT_LEN {
        return Err(format!(
            "the value is longer than {} KiB, too long for a JWT",
            MAX_JWT_LEN / 1024
        ));
    }
    let parts: Vec<&str> = token.trim().split('.').collect();
    if parts.len() != 3 {
        return Err(format!(
            "a JWT has 3 dot-separated parts, this has {}",
            parts.len()
        ));
    }
    let header = segment(parts[0], "header")?;
    let payload = segment(parts[1], "payload")?;
    Ok(DecodedJwt { header, payload })
}

fn segment(part: &str, what: &str) -> Result<Map<String, Value>, String> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|_| format!("the JWT {what} is not base64url"))?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(format!("the JWT {what} is not a JSON object")),
        Err(_) => Err(format!("the JWT {what} is not JSON")),
    }
}

/// Whether `token` decodes as a JWT with a real algorithm and a signature.
pub fn is_signed_jwt(token: &str) -> bool {
    check_signed(token).is_ok()
}

/// Decodes `token` and rejects `alg: none` and empty signatures.
pub fn check_signed(token: &str) -> Result<DecodedJwt, String> {
    let jwt = decode(token)?;
    match jwt.header.get("alg").and_then(Value::as_str) {
        None => return Err("the JWT header has no `alg`".to_string()),
        Some(alg) if alg.eq_ignore_ascii_case("none") => {
            return Err("the JWT is unsigned (`alg: none`)".to_string());
        }
        Some(_) => {}
    }
    let signature = token.trim().rsplit('.').next().unwrap_or_default();
    if signature.is_empty() {
        return Err("the JWT has an empty signature".to_string());
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| "the JWT signature is not base64url (RFC 7515)".to_string())?;
    let alg = jwt.header.get("alg").and_then(Value::as_str).unwrap_or("");
    if let Some(expected) = signature_len(alg)
        && bytes.len() != expected
    {
        return Err(format!(
            "the JWT signature has {} bytes, but {alg} signatures have {expected}",
            bytes.len()
        ));
    }
    Ok(jwt)
}

/// The length of a signature of the algorithms whose signatures have a fixed length
/// (RFC 7518): HMACs and ECDSA; RSA's depends on the key.
fn signature_len(alg: &str) -> Option<usize> {
    match alg {
        "HS256" => Some(32),
        "HS384" => Some(48),
        "HS512" => Some(64),
        "ES256" => Some(64),
        "ES384" => Some(96),
        "ES512" => Some(132),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example token of the payroll document (003).
    const PAYROLL_EXAMPLE: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJ1c2VyIjoidXNlcl90ZXN0IiwiZXhwIjoxNjI4NjA1MjA2fQ.sFG8WK8b509wAKSilBylyavIQr_yBuz4vueyzogMjZo";

    #[test]
    fn decodes_the_documented_example() {
        let jwt = check_signed(PAYROLL_EXAMPLE).unwrap();
        assert_eq!(jwt.header["alg"], "HS256");
        assert_eq!(jwt.payload["user"], "user_test");
        assert_eq!(jwt.payload["exp"], 1628605206);
    }

    #[test]
    fn rejects_non_jwts_and_alg_none() {
        assert!(decode("dcHZ2TXvMV").is_err());
        assert!(decode("a.b.c").is_err());
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode(r#"{"sub":"x"}"#)
        );
        assert_eq!(
            check_signed(&none).unwrap_err(),
            "the JWT is unsigned (`alg: none`)"
        );
        assert!(!is_signed_jwt(&none));
        let huge = format!(
            "{}.{}.c2ln",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256"}"#),
            URL_SAFE_NO_PAD.encode(format!("{{\"n\":[{}0]}}", "0,".repeat(MAX_JWT_LEN)))
        );
        assert_eq!(
            decode(&huge).unwrap_err(),
            "the value is longer than 64 KiB, too long for a JWT"
        );
        assert!(is_signed_jwt(PAYROLL_EXAMPLE));
    }

    #[test]
    fn signatures_are_base64url_of_the_algorithm_s_length() {
        let head = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256"}"#);
        let body = URL_SAFE_NO_PAD.encode(r#"{"sub":"u"}"#);
        let with = |sig: &str| check_signed(&format!("{head}.{body}.{sig}")).map(|_| ());
        assert_eq!(with(&URL_SAFE_NO_PAD.encode([1u8; 32])), Ok(()));
        assert_eq!(
            with(&"ab".repeat(32)).unwrap_err(),
            "the JWT signature has 48 bytes, but HS256 signatures have 32"
        );
        assert_eq!(
            with("ab+/cd==").unwrap_err(),
            "the JWT signature is not base64url (RFC 7515)"
        );
        assert_eq!(with("").unwrap_err(), "the JWT has an empty signature");
    }
}
