//! The profile's `keys:` section: keys the tester holds to verify JWT signatures.
//!
//! Raw YAML types and their resolution (reading PEM and JWKS files beside the profile,
//! expanding `${ENV}`); every problem is a diagnostic at the key's value. Nothing is
//! fetched here: a `jwks_url` is only remembered, and the exec stage fetches it once per
//! run when a check names the key.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use indexmap::IndexMap;
use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::env::{EnvSource, expand};
use crate::diagnostic::{Diagnostic, SourceFile, Span};
use crate::schema::Text;

/// The shapes a key may have, for `help:` lines.
pub const KEY_SHAPES: &str = "a key is one of `{ hmac: \"${SECRET}\" }`, `{ pem: FILE }` (or an inline PEM public key), `{ jwks_file: FILE }` or `{ jwks_url: URL }`";

/// One key of a profile: exactly one of `hmac`, `pem`, `jwks_file` and `jwks_url`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("oneOf" = [
    { "required": ["hmac"] },
    { "required": ["pem"] },
    { "required": ["jwks_file"] },
    { "required": ["jwks_url"] }
]))]
pub struct KeySpec {
    /// An HMAC secret (HS256/384/512), usually `${ENV_VAR}`; a secret, masked in all output.
    #[schemars(with = "Option<Text>")]
    pub hmac: Option<Spanned<String>>,
    /// A PEM public key (RSA, EC or Ed25519): a file relative to the profile, or the PEM
    /// text itself (`-----BEGIN PUBLIC KEY-----…`).
    #[schemars(with = "Option<Text>")]
    pub pem: Option<Spanned<String>>,
    /// A JWKS file (RFC 7517 `{"keys": [...]}`) relative to the profile.
    #[schemars(with = "Option<Text>")]
    pub jwks_file: Option<Spanned<String>>,
    /// A JWKS URL, fetched once per run, when a check names the key, with the run's TLS
    /// settings.
    #[schemars(with = "Option<Text>")]
    pub jwks_url: Option<Spanned<String>>,
}

/// Public keys (or HMAC secrets) to verify signatures with.
#[derive(Clone, Default)]
pub struct KeySet {
    /// The keys, each with its `kid` when it has one.
    pub keys: Vec<SetKey>,
}

/// One key of a [`KeySet`].
#[derive(Clone)]
pub struct SetKey {
    /// The key id (`kid`), if known.
    pub kid: Option<String>,
    /// The key.
    pub key: DecodingKey,
}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kids: Vec<&str> = self
            .keys
            .iter()
            .map(|k| k.kid.as_deref().unwrap_or("-"))
            .collect();
        write!(f, "KeySet({kids:?})")
    }
}

impl KeySet {
    /// Parses a JWKS document; keys of a type this build cannot use are skipped, and a
    /// set left with no key is an error.
    pub fn from_jwks(text: &str) -> Result<KeySet, String> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("the JWKS is not JSON: {e}"))?;
        let Some(list) = value.get("keys").and_then(|k| k.as_array()) else {
            return Err("the JWKS has no `keys` array".to_string());
        };
        let mut keys = Vec::new();
        for item in list {
            // Encryption keys and unknown key types are not for verifying signatures.
            if item.get("use").and_then(|u| u.as_str()) == Some("enc") {
                continue;
            }
            let Ok(jwk) = serde_json::from_value::<Jwk>(item.clone()) else {
                continue;
            };
            if matches!(jwk.algorithm, AlgorithmParameters::OctetKey(_)) {
                // A symmetric key in a published set would be a leaked secret; never
                // trust one to verify.
                continue;
            }
            if let Ok(key) = DecodingKey::from_jwk(&jwk) {
                keys.push(SetKey {
                    kid: jwk.common.key_id.clone(),
                    key,
                });
            }
        }
        if keys.is_empty() {
            return Err(format!(
                "the JWKS has no usable signature key ({} key(s), none RSA, EC or OKP for `sig`)",
                list.len()
            ));
        }
        Ok(KeySet { keys })
    }

    /// Parses a PEM public key of any supported family.
    pub fn from_pem(pem: &str) -> Result<KeySet, String> {
        let bytes = pem.as_bytes();
        let key = DecodingKey::from_rsa_pem(bytes)
            .or_else(|_| DecodingKey::from_ec_pem(bytes))
            .or_else(|_| DecodingKey::from_ed_pem(bytes))
            .map_err(|e| format!("not a PEM public key (RSA, EC or Ed25519): {e}"))?;
        Ok(KeySet {
            keys: vec![SetKey { kid: None, key }],
        })
    }

    /// An HMAC secret as a set of one key.
    pub fn from_hmac(secret: &str) -> KeySet {
        KeySet {
            keys: vec![SetKey {
                kid: None,
                key: DecodingKey::from_secret(secret.as_bytes()),
            }],
        }
    }
}

/// Where a profile key's material is.
#[derive(Clone, Debug)]
pub enum KeySource {
    /// Known now (an HMAC secret, a PEM key, a JWKS file).
    Set(Arc<KeySet>),
    /// A JWKS to fetch at run time.
    Url(String),
}

/// A resolved profile key.
#[derive(Clone, Debug)]
pub struct ProfileKey {
    /// The key material or where to fetch it.
    pub source: KeySource,
    /// The HMAC secret, to mask (public keys are not secret).
    pub secret: Option<String>,
}

/// Resolves the `keys:` section; problems are pushed to `errors`.
pub fn resolve_keys(
    raw: IndexMap<String, Spanned<KeySpec>>,
    source: &Arc<SourceFile>,
    env: &dyn EnvSource,
    errors: &mut Vec<Diagnostic>,
) -> IndexMap<String, ProfileKey> {
    let base = Path::new(&source.name)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut out = IndexMap::new();
    for (name, spec) in raw {
        let at = source.span_of(&spec.referenced);
        match resolve_key(&name, spec.value, &at, &base, source, env) {
            Ok(key) => {
                out.insert(name, key);
            }
            Err(d) => errors.push(d),
        }
    }
    out
}

fn resolve_key(
    name: &str,
    spec: KeySpec,
    at: &Span,
    base: &Path,
    source: &Arc<SourceFile>,
    env: &dyn EnvSource,
) -> Result<ProfileKey, Diagnostic> {
    let bad =
        |span: Span, label: String| Diagnostic::error("key", span, label).with_help(KEY_SHAPES);
    let given: Vec<&str> = [
        ("hmac", &spec.hmac),
        ("pem", &spec.pem),
        ("jwks_file", &spec.jwks_file),
        ("jwks_url", &spec.jwks_url),
    ]
    .into_iter()
    .filter(|(_, v)| v.is_some())
    .map(|(k, _)| k)
    .collect();
    if given.len() != 1 {
        // Point at the second kind given, the one too many.
        let span = match given.get(1) {
            Some(second) => at.narrow_to(second),
            None => at.clone(),
        };
        return Err(bad(
            span,
            format!("key `{name}` needs exactly one of `hmac`, `pem`, `jwks_file` and `jwks_url`"),
        ));
    }
    let text = |v: &Spanned<String>| -> Result<(String, Span), Diagnostic> {
        let span = source.span_of(&v.referenced);
        Ok((expand(&v.value, &span, env)?, span))
    };
    let fixed = |set: KeySet| KeySource::Set(Arc::new(set));
    if let Some(v) = &spec.hmac {
        let (secret, span) = text(v)?;
        if secret.is_empty() {
            return Err(bad(
                span,
                format!("the HMAC secret of key `{name}` is empty"),
            ));
        }
        return Ok(ProfileKey {
            source: fixed(KeySet::from_hmac(&secret)),
            secret: Some(secret),
        });
    }
    let public = |source| {
        Ok(ProfileKey {
            source,
            secret: None,
        })
    };
    if let Some(v) = &spec.pem {
        let (value, span) = text(v)?;
        let pem = if value.trim_start().starts_with("-----BEGIN") {
            value
        } else {
            read_beside(base, &value).map_err(|e| bad(span.clone(), e))?
        };
        let set = KeySet::from_pem(&pem).map_err(|e| bad(span, e))?;
        return public(fixed(set));
    }
    if let Some(v) = &spec.jwks_file {
        let (value, span) = text(v)?;
        let json = read_beside(base, &value).map_err(|e| bad(span.clone(), e))?;
        let set = KeySet::from_jwks(&json).map_err(|e| bad(span, format!("`{value}`: {e}")))?;
        return public(fixed(set));
    }
    let Some(v) = &spec.jwks_url else {
        return Err(bad(at.clone(), format!("key `{name}` has no key")));
    };
    let (value, span) = text(v)?;
    match url::Url::parse(&value) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => public(KeySource::Url(value)),
        _ => Err(bad(
            span,
            format!("`{value}` is not an http:// or https:// URL"),
        )),
    }
}

fn read_beside(base: &Path, file: &str) -> Result<String, String> {
    let path = base.join(file);
    std::fs::read_to_string(&path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn keys_of(yaml: &str) -> Result<IndexMap<String, ProfileKey>, Vec<Diagnostic>> {
        let source = SourceFile::new("fixtures/p.yaml", yaml.to_string());
        let raw: IndexMap<String, Spanned<KeySpec>> = serde_saphyr::from_str(yaml)
            .map_err(|e| vec![Diagnostic::plain("yaml", e.to_string())])?;
        let mut errors = Vec::new();
        let env = HashMap::from([("SECRET".to_string(), "s3cr3t-value".to_string())]);
        let keys = resolve_keys(raw, &source, &env, &mut errors);
        if errors.is_empty() {
            Ok(keys)
        } else {
            Err(errors)
        }
    }

    #[test]
    fn resolves_each_kind() {
        let keys = keys_of(
            "a: { hmac: \"${SECRET}\" }\nb: { pem: keys/rsa-public.pem }\nc: { jwks_file: keys/jwks.json }\nd: { jwks_url: \"https://idp.example/certs\" }\n",
        )
        .unwrap();
        assert_eq!(keys["a"].secret.as_deref(), Some("s3cr3t-value"));
        assert!(matches!(keys["b"].source, KeySource::Set(_)));
        match &keys["c"].source {
            KeySource::Set(s) => assert_eq!(s.keys[0].kid.as_deref(), Some("rsa-1")),
            other => panic!("{other:?}"),
        }
        assert!(matches!(keys["d"].source, KeySource::Url(_)));
    }

    #[test]
    fn every_problem_is_a_diagnostic() {
        let errs = keys_of(
            "a: { pem: nope.pem }\nb: { hmac: x, pem: y }\nc: { pem: \"-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----\" }\nd: { jwks_url: ftp://x }\n",
        )
        .unwrap_err();
        assert_eq!(errs.len(), 4);
        assert!(
            errs[0].label.starts_with("cannot read `fixtures/nope.pem`"),
            "{}",
            errs[0].label
        );
        assert!(errs[1].label.contains("exactly one"));
        assert!(
            errs[2].label.starts_with("not a PEM public key"),
            "{}",
            errs[2].label
        );
        assert!(errs[3].label.contains("not an http"));
        assert_eq!(errs[0].help.as_deref(), Some(KEY_SHAPES));
    }

    #[test]
    fn a_jwks_without_signature_keys_is_refused() {
        assert!(
            KeySet::from_jwks(r#"{"keys": []}"#)
                .unwrap_err()
                .contains("no usable")
        );
        assert!(
            KeySet::from_jwks(r#"{"keys": [{"kty":"oct","k":"c2VjcmV0"}]}"#)
                .unwrap_err()
                .contains("no usable")
        );
        assert_eq!(
            KeySet::from_jwks("{}").unwrap_err(),
            "the JWKS has no `keys` array"
        );
    }
}
