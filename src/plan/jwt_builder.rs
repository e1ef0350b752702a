//! Compiling `jwt:` checks: header, signature key, audience, issuer and time windows.

use std::time::Duration;

use serde_saphyr::Spanned;

use super::check::{JwtCheck, JwtHeaderCheck, KidTest, SignatureCheck, Window};
use super::context::{Ctx, Use};
use super::expect_builder::json_matcher;
use super::response_values::{duration_or, duration_value};
use crate::diagnostic::{Span, did_you_mean};
use crate::profile::KeySource;
use crate::spec::{JwtCheckSpec, JwtHeaderSpec, JwtSignatureSpec};

/// Default tolerance of `expires_in` (the token's `exp` against the clock).
pub const EXPIRES_IN_TOLERANCE: Duration = Duration::from_secs(120);

/// Default tolerance of `lifetime`: `exp − iat` and the response's `expires_in` are
/// computed by the server at one moment, so only rounding separates them.
pub const LIFETIME_TOLERANCE: Duration = Duration::from_secs(5);

/// The JWS algorithms (RFC 7518 and RFC 8037) an `alg:` list may name.
pub const JWS_ALGORITHMS: [&str; 13] = [
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256",
    "ES384", "ES512", "EdDSA",
];

/// Compiles a `jwt:` block written at `span`.
pub fn jwt_check(ctx: &mut Ctx, spec: &JwtCheckSpec, span: &Span) -> Option<JwtCheck> {
    let payload = match &spec.payload {
        Some(p) => Some(Box::new(json_matcher(ctx, &p.value, span)?)),
        None => None,
    };
    let tolerance = spec.tolerance.as_ref();
    let expires_in = match &spec.expires_in {
        Some(e) => Some(Window {
            want: duration_value(ctx, e)?,
            tolerance: duration_or(ctx, tolerance, EXPIRES_IN_TOLERANCE)?,
        }),
        None => None,
    };
    let lifetime = match &spec.lifetime {
        Some(l) => Some(Window {
            want: duration_value(ctx, l)?,
            tolerance: duration_or(ctx, tolerance, LIFETIME_TOLERANCE)?,
        }),
        None => None,
    };
    if tolerance.is_some() && expires_in.is_none() && lifetime.is_none() {
        ctx.error_help(
            "JWT",
            span.clone(),
            "`tolerance` needs `expires_in` or `lifetime`",
            Some("e.g. `jwt: { expires_in: 30m, tolerance: 1m }`".into()),
        );
    }
    let header = match &spec.header {
        Some(h) => header_check(ctx, h)?,
        None => JwtHeaderCheck::default(),
    };
    let signature = match &spec.signature {
        Some(s) => Some(signature_check(ctx, s)?),
        None => None,
    };
    let audience = match &spec.audience {
        Some(a) => Some(ctx.spanned_template(a, Use::Expect)?),
        None => None,
    };
    let issuer = match &spec.issuer {
        Some(i) => Some(ctx.spanned_template(i, Use::Expect)?),
        None => None,
    };
    Some(JwtCheck {
        claims: spec.claims.clone(),
        payload,
        expires_in,
        lifetime,
        header,
        signature,
        audience,
        issuer,
    })
}

fn header_check(ctx: &mut Ctx, spec: &Spanned<JwtHeaderSpec>) -> Option<JwtHeaderCheck> {
    let mut check = JwtHeaderCheck::default();
    let mut ok = true;
    if let Some(alg) = &spec.value.alg {
        let span = ctx.span(alg);
        for name in &alg.value.0 {
            ok &= alg_name(ctx, name, &span);
            check.alg.push(name.clone());
        }
    }
    if let Some(typ) = &spec.value.typ {
        check.typ = Some(ctx.static_text(typ)?);
    }
    if let Some(kid) = &spec.value.kid {
        check.kid = Some(if kid.value == "present" {
            KidTest::Present
        } else {
            KidTest::Equals(ctx.spanned_template(kid, Use::Expect)?)
        });
    }
    ok.then_some(check)
}

fn alg_name(ctx: &mut Ctx, name: &str, span: &Span) -> bool {
    if name.eq_ignore_ascii_case("none") {
        ctx.error_help(
            "JWT algorithm",
            span.narrow_to(name),
            "`none` is no signature: a token with `alg: none` can be forged by anyone",
            Some("list only signing algorithms, e.g. `header: { alg: [RS256, ES256] }`".into()),
        );
        return false;
    }
    if JWS_ALGORITHMS.contains(&name) {
        return true;
    }
    let help = did_you_mean(name, JWS_ALGORITHMS)
        .unwrap_or_else(|| format!("the algorithms are {}", JWS_ALGORITHMS.join(", ")));
    ctx.error_help(
        "JWT algorithm",
        span.narrow_to(name),
        format!("`{name}` is not a JWS algorithm"),
        Some(help),
    );
    false
}

fn signature_check(ctx: &mut Ctx, spec: &Spanned<JwtSignatureSpec>) -> Option<SignatureCheck> {
    match (&spec.value.key, &spec.value.jwks_path) {
        (Some(key), None) => profile_key(ctx, key),
        (None, Some(path)) => ctx.static_text(path).map(SignatureCheck::TargetPath),
        _ => {
            let at = ctx.span(spec);
            ctx.error_help(
                "JWT signature",
                at,
                "`signature` needs exactly one of `key` and `jwks_path`",
                Some(
                    "write `signature: { key: NAME }` (a key of the profile's `keys:`) or `signature: { jwks_path: /certs }`"
                        .into(),
                ),
            );
            None
        }
    }
}

fn profile_key(ctx: &mut Ctx, key: &Spanned<String>) -> Option<SignatureCheck> {
    let name = ctx.static_text(key)?;
    let Some(found) = ctx.keys.get(&name) else {
        let at = ctx.span(key);
        let names: Vec<&str> = ctx.keys.keys().map(String::as_str).collect();
        let help = if names.is_empty() {
            format!(
                "the profile has no `keys:`; add e.g. `keys: {{ {name}: {{ jwks_url: https://… }} }}` to it, or use `signature: {{ jwks_path: … }}`"
            )
        } else {
            let known = format!("the profile's keys are {}", names.join(", "));
            match did_you_mean(&name, names.iter().copied()) {
                Some(d) => format!("{d} ({known})"),
                None => known,
            }
        };
        ctx.error_help(
            "JWT signature",
            at,
            format!("the profile has no key `{name}`"),
            Some(help),
        );
        return None;
    };
    Some(match &found.source {
        KeySource::Set(set) => SignatureCheck::Keys {
            name,
            set: set.clone(),
        },
        KeySource::Url(url) => SignatureCheck::Url {
            name,
            url: url.clone(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::SourceFile;
    use crate::plan::{DurationValue, SignatureCheck};
    use crate::profile::ProfileKey;
    use indexmap::IndexMap;
    use std::path::Path;

    fn plan(yaml: &str, keys: &[&str]) -> (Option<JwtCheck>, Vec<crate::diagnostic::Diagnostic>) {
        let source = SourceFile::new("s.yaml", yaml.to_string());
        let spec: JwtCheckSpec = serde_saphyr::from_str(yaml).expect("yaml");
        let mut ctx = Ctx::new(source, Path::new("."), IndexMap::new());
        for k in keys {
            ctx.keys.insert(
                k.to_string(),
                ProfileKey {
                    source: KeySource::Url("https://idp.test/certs".into()),
                    secret: None,
                },
            );
        }
        let span = ctx.source.span(0, 1);
        let check = jwt_check(&mut ctx, &spec, &span);
        (check, ctx.errors)
    }

    #[test]
    fn an_unknown_key_lists_the_profile_s_keys() {
        let (check, errors) = plan("signature: { key: realn }\n", &["realm", "partner"]);
        assert!(check.is_none());
        assert_eq!(errors[0].label, "the profile has no key `realn`");
        assert_eq!(
            errors[0].help.as_deref(),
            Some("did you mean `realm`? (the profile's keys are realm, partner)")
        );
        let (check, errors) = plan("signature: { key: realm }\n", &["realm"]);
        assert!(errors.is_empty());
        assert!(matches!(
            check.unwrap().signature,
            Some(SignatureCheck::Url { .. })
        ));
    }

    #[test]
    fn durations_are_fixed_or_rendered_and_lifetime_defaults_to_5s() {
        let (check, errors) = plan("lifetime: \"{{ $.expires_in }}s\"\nexpires_in: 30m\n", &[]);
        assert!(errors.is_empty(), "{errors:?}");
        let check = check.unwrap();
        let lifetime = check.lifetime.unwrap();
        assert!(matches!(lifetime.want, DurationValue::Rendered(_)));
        assert!(matches!(lifetime.tolerance, DurationValue::Fixed(d) if d == LIFETIME_TOLERANCE));
        let expires = check.expires_in.unwrap();
        assert!(matches!(expires.tolerance, DurationValue::Fixed(d) if d == EXPIRES_IN_TOLERANCE));
        let (_, errors) = plan("tolerance: 1m\n", &[]);
        assert_eq!(
            errors[0].label,
            "`tolerance` needs `expires_in` or `lifetime`"
        );
    }

    #[test]
    fn alg_lists_refuse_none_and_unknown_names() {
        let (check, errors) = plan("header: { alg: [RS256, ES256], kid: present }\n", &[]);
        assert!(errors.is_empty());
        assert_eq!(check.unwrap().header.alg, ["RS256", "ES256"]);
        let (_, errors) = plan("header: { alg: [NONE] }\n", &[]);
        assert!(errors[0].label.starts_with("`none` is no signature"));
        let (_, errors) = plan("header: { alg: rs256 }\n", &[]);
        assert_eq!(errors[0].label, "`rs256` is not a JWS algorithm");
    }
}
