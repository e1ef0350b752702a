//! Random tokens and HS256 JSON Web Tokens for the reference servers.
//!
//! JWTs are built by hand (base64url(header).base64url(claims).base64url(HMAC-SHA256)) so
//! the header's key order and algorithm stay under the caller's control.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// ASCII letters and digits.
pub(crate) const ALPHANUMERIC: &str =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// The base64url alphabet (RFC 4648 §5), Meteor's `Random.secret()` tokens use it.
pub(crate) const BASE64URL: &str =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Meteor's `Random.id()` alphabet: no 0, 1, I, O, U, V, l.
pub(crate) const METEOR_ID_ALPHABET: &str =
    "23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz";

/// `len` characters drawn uniformly from `alphabet` (which must not be empty).
pub(crate) fn random_string(alphabet: &str, len: usize) -> String {
    let chars: Vec<char> = alphabet.chars().collect();
    if chars.is_empty() {
        return String::new();
    }
    (0..len)
        .map(|_| chars[rand::random_range(0..chars.len())])
        .collect()
}

/// `bytes` random bytes as lowercase hex (two characters per byte).
pub(crate) fn random_hex(bytes: usize) -> String {
    hex(&random_bytes(bytes))
}

/// A 17-character Meteor document id.
pub(crate) fn meteor_id() -> String {
    random_string(METEOR_ID_ALPHABET, 17)
}

/// The lowercase hex SHA-256 of `text` (Meteor's client-side password digest).
pub(crate) fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

fn random_bytes(n: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; n];
    rand::fill(bytes.as_mut_slice());
    bytes
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Why a bearer token is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JwtError {
    /// Not three base64url parts holding JSON objects.
    Malformed,
    /// An algorithm other than HS256 (or `none` when unsigned tokens are refused).
    WrongAlgorithm,
    /// The HMAC does not match.
    BadSignature,
    /// `exp` is not after now.
    Expired,
}

/// The secret of one server's HS256 tokens.
#[derive(Clone)]
pub(crate) struct JwtKey {
    secret: Vec<u8>,
}

impl std::fmt::Debug for JwtKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtKey(***)")
    }
}

impl JwtKey {
    /// A fresh random secret.
    pub(crate) fn random() -> Self {
        Self {
            secret: random_bytes(32),
        }
    }

    /// A fixed secret (the weak-secret advisory's mutant).
    pub(crate) fn from_secret(secret: &[u8]) -> Self {
        Self {
            secret: secret.to_vec(),
        }
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC takes keys of any length; this cannot fail.
        <Hmac<Sha256> as KeyInit>::new_from_slice(&self.secret)
            .expect("HMAC accepts keys of any length")
    }

    /// Signs `claims` under `header`, which should say `"alg":"HS256"`.
    pub(crate) fn sign(&self, header: &Value, claims: &Value) -> String {
        let input = signing_input(header, claims);
        let mut mac = self.mac();
        mac.update(input.as_bytes());
        let signature = mac.finalize().into_bytes();
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    /// Checks a token this key signed and returns its claims. `alg: none` tokens pass only
    /// with `accept_unsigned` (a deliberately vulnerable verifier).
    pub(crate) fn verify(
        &self,
        token: &str,
        now: u64,
        accept_unsigned: bool,
    ) -> Result<Map<String, Value>, JwtError> {
        let mut parts = token.split('.');
        let (Some(header), Some(claims), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JwtError::Malformed);
        };
        let header_json = decode_object(header)?;
        match header_json.get("alg").and_then(Value::as_str) {
            Some("HS256") => {
                let signature = URL_SAFE_NO_PAD
                    .decode(signature)
                    .map_err(|_| JwtError::Malformed)?;
                let mut mac = self.mac();
                mac.update(format!("{header}.{claims}").as_bytes());
                mac.verify_slice(&signature)
                    .map_err(|_| JwtError::BadSignature)?;
            }
            Some(alg) if accept_unsigned && alg.eq_ignore_ascii_case("none") => {}
            _ => return Err(JwtError::WrongAlgorithm),
        }
        let claims = decode_object(claims)?;
        match claims.get("exp").map(Value::as_u64) {
            Some(Some(exp)) if exp > now => Ok(claims),
            Some(_) => Err(JwtError::Expired),
            None => Ok(claims),
        }
    }
}

/// An unsigned token (`header.claims.` with an empty signature), as `alg: none` issuers send.
pub(crate) fn unsigned(header: &Value, claims: &Value) -> String {
    format!("{}.", signing_input(header, claims))
}

fn signing_input(header: &Value, claims: &Value) -> String {
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

fn decode_object(part: &str) -> Result<Map<String, Value>, JwtError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| JwtError::Malformed)?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(JwtError::Malformed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn alphabets_and_lengths() {
        let id = meteor_id();
        assert_eq!(id.len(), 17);
        assert!(id.chars().all(|c| METEOR_ID_ALPHABET.contains(c)));
        let key = random_string(ALPHANUMERIC, 10);
        assert_eq!(key.len(), 10);
        assert!(key.chars().all(|c| c.is_ascii_alphanumeric()));
        let token = random_hex(16);
        assert_eq!(token.len(), 32);
        assert!(token.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')));
        let auth = random_string(BASE64URL, 43);
        assert_eq!(auth.len(), 43);
        assert!(
            auth.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_eq!(random_string("", 5), "");
    }

    #[test]
    fn sha256_of_known_text() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn hs256_matches_known_tokens() {
        // jwt.io's HS256 example, secret "your-256-bit-secret".
        let key = JwtKey {
            secret: b"your-256-bit-secret".to_vec(),
        };
        let header = json!({"alg": "HS256", "typ": "JWT"});
        let claims = json!({"sub": "1234567890", "name": "John Doe", "iat": 1516239022});
        assert_eq!(
            key.sign(&header, &claims),
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.\
             eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.\
             SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
        );
        // Seed 003's example: header keys in `typ, alg` order, claims `user, exp`.
        let header = json!({"typ": "JWT", "alg": "HS256"});
        let claims = json!({"user": "user_test", "exp": 1628605206});
        assert_eq!(
            signing_input(&header, &claims),
            "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJ1c2VyIjoidXNlcl90ZXN0IiwiZXhwIjoxNjI4NjA1MjA2fQ"
        );
    }

    #[test]
    fn sign_then_verify() {
        let key = JwtKey::random();
        let header = json!({"typ": "JWT", "alg": "HS256"});
        let token = key.sign(&header, &json!({"user": "alice", "exp": 2000}));
        let claims = key.verify(&token, 1999, false).unwrap();
        assert_eq!(claims["user"], "alice");
        assert_eq!(key.verify(&token, 2000, false), Err(JwtError::Expired));
        assert_eq!(
            JwtKey::random().verify(&token, 0, false),
            Err(JwtError::BadSignature)
        );
        let mut tampered = token.clone();
        tampered.push('x');
        assert!(key.verify(&tampered, 0, false).is_err());
        assert_eq!(key.verify("a.b", 0, false), Err(JwtError::Malformed));
        assert_eq!(key.verify("a.b.c.d", 0, false), Err(JwtError::Malformed));
        assert_eq!(key.verify("!!.b.c", 0, false), Err(JwtError::Malformed));
    }

    #[test]
    fn unsigned_tokens_pass_only_when_allowed() {
        let key = JwtKey::random();
        let token = unsigned(
            &json!({"typ": "JWT", "alg": "none"}),
            &json!({"sub": "bob"}),
        );
        assert!(token.ends_with('.'));
        assert_eq!(key.verify(&token, 0, false), Err(JwtError::WrongAlgorithm));
        assert_eq!(key.verify(&token, 0, true).unwrap()["sub"], "bob");
    }
}
