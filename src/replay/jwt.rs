//! Rewriting the JWTs of recorded answers: their times shifted to now (so that
//! time-window checks hold on replay), and the JWT operators' edits.
//!
//! Nothing can re-sign a token without the server's key: the signature bytes are kept
//! as recorded, which specs (they decode, they do not verify) cannot tell.

use std::sync::LazyLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

/// What to do to every JWT of an answer beyond shifting its times.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum JwtEdit {
    /// Nothing.
    #[default]
    None,
    /// `alg` set to `none` and the signature removed.
    AlgNone,
    /// The signature removed, `alg` kept.
    SignatureStripped,
    /// `exp` a day later.
    ExpLater,
    /// `exp` an hour ago.
    ExpPast,
}

static JWT: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"eyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")
        .unwrap_or_else(|e| unreachable!("{e}"))
});

/// Whether `text` holds a JWT.
pub(crate) fn has_jwt(text: &str) -> bool {
    JWT.find_iter(text).any(|m| parts(m.as_str()).is_some())
}

/// Every JWT of `text` rewritten: times shifted by `shift` seconds, then `edit` (`now`
/// in seconds since the epoch). Returns the text and the `(new, old)` pairs changed.
pub(crate) fn rewrite_jwts(
    text: &str,
    shift: i64,
    edit: JwtEdit,
    now: i64,
) -> (String, Vec<(String, String)>) {
    let mut changed = Vec::new();
    let out = JWT.replace_all(text, |c: &regex::Captures<'_>| {
        let old = &c[0];
        match rewrite(old, shift, edit, now) {
            Some(new) if new != old => {
                changed.push((new.clone(), old.to_string()));
                new
            }
            _ => old.to_string(),
        }
    });
    (out.into_owned(), changed)
}

fn parts(token: &str) -> Option<(Value, Value, &str)> {
    let mut it = token.splitn(3, '.');
    let header = decode(it.next()?)?;
    let payload = decode(it.next()?)?;
    let signature = it.next()?;
    (header.is_object() && payload.is_object()).then_some((header, payload, signature))
}

fn decode(part: &str) -> Option<Value> {
    let bytes = URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn encode(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

fn rewrite(token: &str, shift: i64, edit: JwtEdit, now: i64) -> Option<String> {
    let (mut header, mut payload, signature) = parts(token)?;
    let mut pieces = token.split('.');
    let (h, p) = (pieces.next()?, pieces.next()?);
    let mut payload_changed = false;
    if shift != 0 {
        for claim in ["exp", "iat", "nbf"] {
            if let Some(v) = payload.get(claim).and_then(Value::as_i64) {
                payload[claim] = (v + shift).into();
                payload_changed = true;
            }
        }
    }
    let mut signature = signature.to_string();
    let mut header_changed = false;
    match edit {
        JwtEdit::None => {}
        JwtEdit::AlgNone => {
            header["alg"] = "none".into();
            header_changed = true;
            signature.clear();
        }
        JwtEdit::SignatureStripped => signature.clear(),
        JwtEdit::ExpLater => {
            let exp = payload.get("exp").and_then(Value::as_i64)?;
            payload["exp"] = (exp + 24 * 3600).into();
            payload_changed = true;
        }
        JwtEdit::ExpPast => {
            payload["exp"] = (now - 3600).into();
            payload_changed = true;
        }
    }
    let header = if header_changed {
        encode(&header)
    } else {
        h.to_string()
    };
    let payload = if payload_changed {
        encode(&payload)
    } else {
        p.to_string()
    };
    Some(format!("{header}.{payload}.{signature}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(payload: &str) -> String {
        format!(
            "{}.{}.c2ln",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(payload)
        )
    }

    #[test]
    fn times_shift_and_edits_apply() {
        let t = token(r#"{"sub":"a","iat":100,"exp":400}"#);
        let body = format!(r#"{{"access_token":"{t}"}}"#);
        let (same, changed) = rewrite_jwts(&body, 0, JwtEdit::None, 1000);
        assert_eq!(same, body);
        assert!(changed.is_empty());
        let (shifted, changed) = rewrite_jwts(&body, 50, JwtEdit::None, 1000);
        assert_eq!(changed.len(), 1);
        let new = &changed[0].0;
        assert!(shifted.contains(new.as_str()));
        let (_, payload, sig) = parts(new).unwrap();
        assert_eq!(payload["exp"], 450);
        assert_eq!(payload["iat"], 150);
        assert_eq!(sig, "c2ln");
        let none = rewrite(&t, 0, JwtEdit::AlgNone, 1000).unwrap();
        let (header, _, sig) = parts(&none).unwrap();
        assert_eq!(header["alg"], "none");
        assert_eq!(sig, "");
        let past = rewrite(&t, 0, JwtEdit::ExpPast, 1000).unwrap();
        assert_eq!(parts(&past).unwrap().1["exp"], 1000 - 3600);
        assert!(has_jwt(&body));
        assert!(!has_jwt("eyJnot.eyJa.token"));
    }
}
