//! The real binary against a wiremock identity provider that issues RS256 tokens and
//! serves its JWKS: `jwt: { signature: { jwks_path } , header, audience, issuer,
//! lifetime: "{{ $.expires_in }}s" }` passes on a right token and fails, with the
//! cause, on a token signed by another key, an `alg: none` token, a lifetime that
//! differs from `expires_in`, and a wrong audience.

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{Scratch, conform_async};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ISSUER: &str = "https://idp.example.test/realms/test";

const SPEC: &str = r#"
title: t
document: d
vars: { realm: test }
cases:
  - id: token
    section: s
    steps:
      - request: { method: POST, path: "/realms/{{ vars.realm }}/protocol/openid-connect/token" }
        expect:
          status: 200
          jsonpath:
            - path: $.access_token
              jwt:
                header: { alg: [RS256, ES256], typ: JWT, kid: present }
                signature: { jwks_path: "/realms/{{ vars.realm }}/protocol/openid-connect/certs" }
                audience: account
                issuer: "https://idp.example.test/realms/test"
                lifetime: "{{ $.expires_in }}s"
  - id: token.again
    section: s
    steps:
      - request: { method: POST, path: "/realms/{{ vars.realm }}/protocol/openid-connect/token" }
        expect:
          jsonpath:
            - path: $.access_token
              jwt: { signature: { jwks_path: "/realms/{{ vars.realm }}/protocol/openid-connect/certs" } }
"#;

fn key(name: &str) -> String {
    let path = format!("{}/fixtures/keys/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn claims(aud: &str, lifetime: u64) -> Value {
    let iat = now();
    json!({"iss": ISSUER, "aud": [aud, "broker"], "sub": "alice", "iat": iat, "exp": iat + lifetime})
}

fn signed(private: &str, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("rsa-1".into());
    let key = EncodingKey::from_rsa_pem(key(private).as_bytes()).expect("test key");
    encode(&header, claims, &key).expect("sign")
}

fn unsigned(claims: &Value) -> String {
    format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT","kid":"rsa-1"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

/// Serves `token` with `expires_in: 300` and the JWKS of `fixtures/keys/`, and runs the
/// spec; the JWKS must be fetched exactly once for both cases.
async fn run_with(token: String) -> common::Output {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/realms/test/protocol/openid-connect/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": token, "token_type": "Bearer", "expires_in": 300}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/realms/test/protocol/openid-connect/certs"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(key("jwks.json"), "application/json"))
        .expect(1)
        .named("the JWKS, once per run")
        .mount(&server)
        .await;
    let scratch = Scratch::new();
    scratch.write("spec.yaml", SPEC);
    scratch.write("profile.yaml", "vars: {}\n");
    let args = [
        "run",
        "--target",
        &server.uri(),
        "--profile",
        "profile.yaml",
        "spec.yaml",
    ];
    conform_async(
        scratch.path().to_path_buf(),
        args.iter().map(|s| s.to_string()).collect(),
    )
    .await
}

#[tokio::test]
async fn a_right_token_passes_with_the_target_s_jwks() {
    let out = run_with(signed("rsa-private.pem", &claims("account", 300))).await;
    assert_eq!(out.code, 0, "{}", out.all());
}

#[tokio::test]
async fn a_token_signed_by_another_key_fails() {
    let out = run_with(signed("rsa-other-private.pem", &claims("account", 300))).await;
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.all().contains("the JWT signature (RS256) does not verify with the target's JWKS at `/realms/test/protocol/openid-connect/certs`"),
        "{}",
        out.all()
    );
}

#[tokio::test]
async fn an_unsigned_token_fails() {
    let out = run_with(unsigned(&claims("account", 300))).await;
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.all().contains("the JWT is unsigned (`alg: none`)"),
        "{}",
        out.all()
    );
}

#[tokio::test]
async fn a_lifetime_other_than_expires_in_fails() {
    let out = run_with(signed("rsa-private.pem", &claims("account", 3600))).await;
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.all()
            .contains("the JWT lives 60m (`exp` − `iat`), expected 5m ± 5s"),
        "{}",
        out.all()
    );
}

#[tokio::test]
async fn a_wrong_audience_fails() {
    let out = run_with(signed("rsa-private.pem", &claims("admin-console", 300))).await;
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.all()
            .contains(r#"expected it to be or contain "account""#),
        "{}",
        out.all()
    );
}

#[tokio::test]
async fn an_unreachable_jwks_fails_the_check_with_the_cause() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/realms/test/protocol/openid-connect/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": signed("rsa-private.pem", &claims("account", 300)),
            "expires_in": 300
        })))
        .mount(&server)
        .await;
    let scratch = Scratch::new();
    scratch.write("spec.yaml", SPEC);
    scratch.write("profile.yaml", "vars: {}\n");
    let args = [
        "run",
        "--target",
        &server.uri(),
        "--profile",
        "profile.yaml",
        "spec.yaml",
    ];
    let out = conform_async(
        scratch.path().to_path_buf(),
        args.iter().map(|s| s.to_string()).collect(),
    )
    .await;
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.all().contains("fetching the JWKS at `/realms/test/protocol/openid-connect/certs` failed: the server answered 404 Not Found"),
        "{}",
        out.all()
    );
}
