//! Verifying a JWT's signature (RFC 7515) with keys the tester holds, through
//! `jsonwebtoken` (ring): never by hand.

use std::str::FromStr;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation};
use serde_json::{Map, Value};

use super::outcome::Resolve;
use crate::plan::SignatureCheck;
use crate::profile::{KeySet, SetKey};

/// Checks the signature of `token` (whose decoded header is `header`) against the
/// keys `check` names.
pub fn eval_signature(
    token: &str,
    header: &Map<String, Value>,
    check: &SignatureCheck,
    resolve: &dyn Resolve,
) -> Result<(), String> {
    let what = check.describe();
    match check {
        SignatureCheck::Keys { set, .. } => verify(token, header, set, &what),
        _ => {
            let location = check.location().unwrap_or_default();
            let set = resolve
                .key_set(location)
                .map_err(|e| format!("the JWT signature cannot be checked: {e}"))?;
            verify(token, header, &set, &what)
        }
    }
}

/// Verifies `token` with the keys of `set` (those of its `kid` when the set names
/// keys); `what` names the set in messages.
pub fn verify(
    token: &str,
    header: &Map<String, Value>,
    set: &KeySet,
    what: &str,
) -> Result<(), String> {
    let name = header.get("alg").and_then(Value::as_str).unwrap_or("");
    let alg = Algorithm::from_str(name)
        .map_err(|_| format!("the JWT `alg` {name} is not an algorithm conform can verify"))?;
    let candidates = candidates(header, set, what)?;
    let mut wrong_family = 0;
    for key in &candidates {
        match decode(token, key, alg) {
            Ok(()) => return Ok(()),
            Err(ErrorKind::InvalidAlgorithm) => wrong_family += 1,
            Err(ErrorKind::InvalidSignature) => {}
            Err(other) => return Err(format!("the JWT cannot be verified: {other:?}")),
        }
    }
    if wrong_family == candidates.len() {
        return Err(format!(
            "the JWT is signed with {name}, which {what} cannot verify (HS* needs an `hmac` key, RS*/PS* an RSA key, ES* an EC key, EdDSA an Ed25519 key)"
        ));
    }
    Err(format!(
        "the JWT signature ({name}) does not verify with {what}: the token was signed by another key or altered"
    ))
}

fn candidates<'a>(
    header: &Map<String, Value>,
    set: &'a KeySet,
    what: &str,
) -> Result<Vec<&'a SetKey>, String> {
    let kid = header.get("kid").and_then(Value::as_str);
    let named = set.keys.iter().any(|k| k.kid.is_some());
    match kid {
        Some(kid) if named => {
            let matching: Vec<&SetKey> = set
                .keys
                .iter()
                .filter(|k| k.kid.as_deref() == Some(kid))
                .collect();
            if matching.is_empty() {
                let kids: Vec<&str> = set.keys.iter().filter_map(|k| k.kid.as_deref()).collect();
                return Err(format!(
                    "the JWT `kid` {kid:?} names no key of {what} (its kids: {})",
                    kids.join(", ")
                ));
            }
            Ok(matching)
        }
        _ => Ok(set.keys.iter().collect()),
    }
}

/// Only the signature: conform checks claims itself, with its own messages.
fn decode(token: &str, key: &SetKey, alg: Algorithm) -> Result<(), ErrorKind> {
    let mut validation = Validation::new(alg);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    jsonwebtoken::decode::<Value>(token.trim(), &key.key, &validation)
        .map(|_| ())
        .map_err(|e| e.into_kind())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header, encode};
    use serde_json::json;

    /// A test key of `fixtures/keys/`.
    pub fn fixture(name: &str) -> String {
        let path = format!("{}/fixtures/keys/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// Signs `claims` with a test key.
    pub fn sign(alg: Algorithm, kid: Option<&str>, claims: &Value) -> String {
        let key = match alg {
            Algorithm::HS256 => EncodingKey::from_secret(b"known-test-secret"),
            Algorithm::ES256 => {
                EncodingKey::from_ec_pem(fixture("ec-private.pem").as_bytes()).expect("ec key")
            }
            _ => EncodingKey::from_rsa_pem(fixture("rsa-private.pem").as_bytes()).expect("rsa key"),
        };
        let mut header = Header::new(alg);
        header.kid = kid.map(str::to_string);
        encode(&header, claims, &key).expect("sign")
    }

    fn header_of(token: &str) -> Map<String, Value> {
        crate::assert::decode_jwt(token).unwrap().header
    }

    fn check(token: &str, set: &KeySet) -> Result<(), String> {
        verify(token, &header_of(token), set, "key `k`")
    }

    #[test]
    fn hs256_rs256_es256_verify_with_their_keys() {
        let claims = json!({"sub": "u"});
        let hmac = KeySet::from_hmac("known-test-secret");
        assert_eq!(check(&sign(Algorithm::HS256, None, &claims), &hmac), Ok(()));
        let rsa = KeySet::from_pem(&fixture("rsa-public.pem")).unwrap();
        assert_eq!(check(&sign(Algorithm::RS256, None, &claims), &rsa), Ok(()));
        let ec = KeySet::from_pem(&fixture("ec-public.pem")).unwrap();
        assert_eq!(check(&sign(Algorithm::ES256, None, &claims), &ec), Ok(()));
        let jwks = KeySet::from_jwks(&fixture("jwks.json")).unwrap();
        assert_eq!(jwks.keys.len(), 1, "the encryption key is skipped");
        assert_eq!(
            check(&sign(Algorithm::RS256, Some("rsa-1"), &claims), &jwks),
            Ok(())
        );
    }

    #[test]
    fn another_key_a_wrong_kid_and_alg_confusion_fail() {
        let claims = json!({"sub": "u"});
        let rsa = KeySet::from_pem(&fixture("rsa-public.pem")).unwrap();
        let other = EncodingKey::from_rsa_pem(fixture("rsa-other-private.pem").as_bytes()).unwrap();
        let forged = encode(&Header::new(Algorithm::RS256), &claims, &other).unwrap();
        assert_eq!(
            check(&forged, &rsa).unwrap_err(),
            "the JWT signature (RS256) does not verify with key `k`: the token was signed by another key or altered"
        );
        let jwks = KeySet::from_jwks(&fixture("jwks.json")).unwrap();
        assert_eq!(
            check(&sign(Algorithm::RS256, Some("nope"), &claims), &jwks).unwrap_err(),
            "the JWT `kid` \"nope\" names no key of key `k` (its kids: rsa-1)"
        );
        // HS256 "signed" with the RSA public key as secret must not pass as RSA.
        let confused = encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(fixture("rsa-public.pem").as_bytes()),
        )
        .unwrap();
        assert!(
            check(&confused, &rsa)
                .unwrap_err()
                .contains("which key `k` cannot verify")
        );
        let hmac = KeySet::from_hmac("another-secret");
        assert!(check(&sign(Algorithm::HS256, None, &claims), &hmac).is_err());
    }
}
