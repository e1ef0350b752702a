//! JWT advisories: no `exp`, a lifetime over 24 hours, and an HMAC signature that
//! verifies with a well-known weak secret. Only the short built-in list is tried: this
//! is a check for defaults left in place, never a brute force.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::{Sha256, Sha384, Sha512};

/// The secrets tried against HS256/384/512 signatures: defaults, tutorial and
/// documentation keys (`your-256-bit-secret` is JWT.io's example), and the empty key.
pub const WEAK_SECRETS: &[&str] = &[
    "",
    "secret",
    "changeme",
    "change-me",
    "password",
    "your-256-bit-secret",
    "your-384-bit-secret",
    "your-512-bit-secret",
    "jwt_secret",
    "jwt-secret",
    "jwtsecret",
    "secretkey",
    "secret_key",
    "mysecret",
    "key",
    "test",
    "default",
];

/// The longest lifetime a JWT may have without an advisory.
const MAX_LIFETIME_SECS: u64 = 24 * 60 * 60;

/// The findings of `token` when it is a JWT (none when it is not one): `(id, evidence)`.
pub fn check_jwt(token: &str, now: u64) -> Vec<(&'static str, String)> {
    let Some((header, claims)) = decode(token) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let exp = claims.get("exp").and_then(Value::as_u64);
    match exp {
        None => out.push(("jwt-no-exp", "an issued JWT has no `exp` claim".to_string())),
        Some(exp) => {
            let from = claims.get("iat").and_then(Value::as_u64).unwrap_or(now);
            let lifetime = exp.saturating_sub(from);
            if lifetime > MAX_LIFETIME_SECS {
                out.push((
                    "jwt-long-lifetime",
                    format!(
                        "an issued JWT lives {} h (exp − {})",
                        lifetime / 3600,
                        if claims.get("iat").is_some() {
                            "iat"
                        } else {
                            "now"
                        }
                    ),
                ));
            }
        }
    }
    let alg = header
        .get("alg")
        .and_then(Value::as_str)
        .unwrap_or_default();
    // The key is not named: it is the server's signing key, however well known, and
    // naming it in a CI log tells every reader how to forge tokens.
    if weak_secret(token, alg).is_some() {
        out.push((
            "jwt-weak-secret",
            format!("an issued {alg} JWT verifies with a key from conform's list of well-known weak secrets"),
        ));
    }
    out
}

/// The JWT's header and claims, when `token` is `header.claims.signature` with JSON
/// objects in the first two parts.
fn decode(token: &str) -> Option<(Value, Value)> {
    let mut parts = token.split('.');
    let (h, c, _s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let part = |p: &str| -> Option<Value> {
        let bytes = URL_SAFE_NO_PAD.decode(p.trim_end_matches('=')).ok()?;
        serde_json::from_slice::<Value>(&bytes)
            .ok()
            .filter(Value::is_object)
    };
    Some((part(h)?, part(c)?))
}

/// The index in [`WEAK_SECRETS`] of the secret the token's HMAC signature verifies with.
fn weak_secret(token: &str, alg: &str) -> Option<usize> {
    let (input, signature) = token.rsplit_once('.')?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature.trim_end_matches('='))
        .ok()?;
    WEAK_SECRETS.iter().position(|secret| {
        let key = secret.as_bytes();
        match alg {
            "HS256" => verifies::<Hmac<Sha256>>(key, input, &signature),
            "HS384" => verifies::<Hmac<Sha384>>(key, input, &signature),
            "HS512" => verifies::<Hmac<Sha512>>(key, input, &signature),
            _ => false,
        }
    })
}

fn verifies<M: Mac + KeyInit>(key: &[u8], input: &str, signature: &[u8]) -> bool {
    let Ok(mut mac) = <M as KeyInit>::new_from_slice(key) else {
        return false;
    };
    mac.update(input.as_bytes());
    mac.verify_slice(signature).is_ok()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    /// An HS256 JWT of `claims` signed with `secret`.
    pub(crate) fn hs256(claims: &Value, secret: &str) -> String {
        let enc = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
        let input = format!(
            "{}.{}",
            enc(&json!({"alg": "HS256", "typ": "JWT"})),
            enc(claims)
        );
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(input.as_bytes());
        let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{input}.{sig}")
    }

    fn ids(token: &str) -> Vec<&'static str> {
        check_jwt(token, 1_000)
            .into_iter()
            .map(|(id, _)| id)
            .collect()
    }

    #[test]
    fn a_strong_short_lived_jwt_raises_nothing() {
        let t = hs256(
            &json!({"sub": "a", "iat": 1_000, "exp": 4_600}),
            "k3y-n0t-on-any-list-4a1f",
        );
        assert_eq!(ids(&t), Vec::<&str>::new());
    }

    #[test]
    fn no_exp_and_long_lifetime_are_found() {
        let t = hs256(&json!({"sub": "a"}), "k3y-n0t-on-any-list-4a1f");
        assert_eq!(ids(&t), ["jwt-no-exp"]);
        let t = hs256(
            &json!({"iat": 1_000, "exp": 1_000 + 25 * 3600}),
            "k3y-n0t-on-any-list-4a1f",
        );
        assert_eq!(ids(&t), ["jwt-long-lifetime"]);
        let t = hs256(
            &json!({"exp": 1_000 + 24 * 3600}),
            "k3y-n0t-on-any-list-4a1f",
        );
        assert_eq!(ids(&t), Vec::<&str>::new());
    }

    #[test]
    fn weak_secrets_are_found_and_only_those() {
        for secret in ["secret", "your-256-bit-secret", "", "jwt_secret"] {
            let t = hs256(&json!({"exp": 2_000}), secret);
            assert_eq!(ids(&t), ["jwt-weak-secret"], "{secret:?}");
        }
        let t = hs256(&json!({"exp": 2_000}), "secret1");
        assert_eq!(ids(&t), Vec::<&str>::new());
    }

    #[test]
    fn not_a_jwt_is_ignored() {
        assert!(ids("a.b.c").is_empty());
        assert!(ids("example.com").is_empty());
    }
}
