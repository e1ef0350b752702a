//! `examples/keycloak/` run by the real binary against a small Keycloak-like token
//! endpoint (wiremock with a custom `Respond`): RS256 access tokens signed with the test
//! key of `fixtures/keys/`, the realm's JWKS at the certs path, Keycloak's refusals
//! (401 `invalid_grant` for every bad user credential, OTP required included; 401
//! `invalid_client`; 400 `invalid_request` and `unsupported_grant_type`), and the
//! example profile's accounts given through the environment. The faithful server
//! passes every case; each broken variant fails the cases that should catch it.

mod common;

use std::path::PathBuf;

use common::{Output, conform_env_async, secret_forms::assert_no_leak};
use conform::otp::TotpGenerator;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const REALM: &str = "test-realm";
const CLIENT_ID: &str = "conform-cli";
const ALICE_PASSWORD: &str = "alice-Kc-Pa55!word";
const BOB_PASSWORD: &str = "bob-Kc-Pa55!word";
const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
/// Keycloak's issuer is its configured hostname, not the address a test reaches it by.
const ISSUER: &str = "https://sso.example.test/realms/test-realm";
const OTHER_ISSUER: &str = "https://sso.example.test/realms/master";
const LIFETIME: u64 = 300;

/// Every case of the example spec.
const CASES: [&str; 13] = [
    "login.primary",
    "login.two_factor",
    "wrong_password",
    "wrong_password.swapped_case",
    "missing_password",
    "unknown_user",
    "two_factor.wrong_password_with_code",
    "two_factor.wrong_code",
    "two_factor.stale_code",
    "two_factor.empty_code",
    "unknown_client",
    "missing_grant_type",
    "unsupported_grant_type",
];

/// How the server departs from Keycloak, if at all.
#[derive(Clone, Copy, PartialEq)]
enum Flaw {
    None,
    /// Any `totp` value (even an empty one) passes the OTP step.
    AnyTotp,
    /// An OTP user gets a token without a code.
    NoOtp,
    /// `expires_in` says 300 while the token lives `exp − iat` = 600 seconds.
    LifetimeMismatch,
    /// Tokens are signed with a key the realm's JWKS does not publish.
    OtherKey,
    /// Tokens name another realm as their issuer.
    OtherRealm,
}

#[derive(Clone)]
struct FakeKeycloak {
    flaw: Flaw,
}

fn key(name: &str) -> String {
    let path = format!("{}/fixtures/keys/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn error(status: u16, error: &str, description: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(json!({"error": error, "error_description": description}))
}

/// Keycloak's answer to every bad user credential, OTP required included.
fn invalid_grant() -> ResponseTemplate {
    error(401, "invalid_grant", "Invalid user credentials")
}

impl FakeKeycloak {
    fn token_response(&self, username: &str) -> ResponseTemplate {
        let iat = conform::otp::now_unix();
        let lived = match self.flaw {
            Flaw::LifetimeMismatch => 2 * LIFETIME,
            _ => LIFETIME,
        };
        let claims = json!({
            "exp": iat + lived, "iat": iat, "jti": uuid::Uuid::new_v4().to_string(),
            "iss": if self.flaw == Flaw::OtherRealm { OTHER_ISSUER } else { ISSUER }, "aud": "account", "sub": format!("id-{username}"), "typ": "Bearer",
            "azp": CLIENT_ID, "preferred_username": username, "scope": "profile email",
        });
        let private = match self.flaw {
            Flaw::OtherKey => "rsa-other-private.pem",
            _ => "rsa-private.pem",
        };
        let mut header = Header::new(Algorithm::RS256);
        header.typ = Some("JWT".into());
        header.kid = Some("rsa-1".into());
        let signing = EncodingKey::from_rsa_pem(key(private).as_bytes()).expect("test key");
        let token = encode(&header, &claims, &signing).expect("sign");
        ResponseTemplate::new(200).set_body_json(json!({
            "access_token": token, "expires_in": LIFETIME, "refresh_expires_in": 1800,
            "refresh_token": format!("refresh-{}", uuid::Uuid::new_v4()), "token_type": "Bearer",
            "not-before-policy": 0, "session_state": uuid::Uuid::new_v4().to_string(),
            "scope": "profile email",
        }))
    }

    /// The conditional OTP step: `otp`, else `totp`, valid within one window of now.
    fn otp_passes(&self, form: &[(String, String)]) -> bool {
        let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v);
        let code = field("otp").or_else(|| field("totp"));
        match (self.flaw, code) {
            (Flaw::NoOtp, _) => true,
            (Flaw::AnyTotp, Some(_)) => true,
            (_, None) => false,
            (_, Some(code)) => TotpGenerator::from_base32(TOTP_SECRET, "SHA1", 6, 30)
                .expect("secret")
                .verify(code, conform::otp::now_unix(), 1)
                .is_some(),
        }
    }
}

impl Respond for FakeKeycloak {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let form: Vec<(String, String)> = url::form_urlencoded::parse(&request.body)
            .into_owned()
            .collect();
        let field = |name: &str| {
            form.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        // TokenEndpoint: the grant type first, then the client, then the flow.
        match field("grant_type") {
            None => return error(400, "invalid_request", "Missing form parameter: grant_type"),
            Some("password") => {}
            Some(_) => return error(400, "unsupported_grant_type", "Unsupported grant_type"),
        }
        if field("client_id") != Some(CLIENT_ID) {
            return error(
                401,
                "invalid_client",
                "Invalid client or Invalid client credentials",
            );
        }
        let (password, has_otp) = match field("username") {
            Some("alice") => (ALICE_PASSWORD, false),
            Some("bob") => (BOB_PASSWORD, true),
            _ => return invalid_grant(),
        };
        if field("password") != Some(password) {
            return invalid_grant();
        }
        if has_otp && !self.otp_passes(&form) {
            return invalid_grant();
        }
        self.token_response(field("username").unwrap_or_default())
    }
}

/// Starts the fake Keycloak and runs the example spec with the example profile, its
/// accounts and realm given through the environment.
async fn run_example(flaw: Flaw) -> Output {
    let server = MockServer::start().await;
    let realm_path = format!("/realms/{REALM}/protocol/openid-connect");
    Mock::given(method("POST"))
        .and(path(format!("{realm_path}/token")))
        .respond_with(FakeKeycloak { flaw })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{realm_path}/certs")))
        .respond_with(ResponseTemplate::new(200).set_body_raw(key("jwks.json"), "application/json"))
        .mount(&server)
        .await;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let args = [
        "run",
        "--target",
        &server.uri(),
        "--profile",
        "examples/keycloak/profile.yaml",
        "examples/keycloak/keycloak.yaml",
    ];
    let env = [
        ("KEYCLOAK_REALM", REALM),
        ("KEYCLOAK_CLIENT_ID", CLIENT_ID),
        ("KEYCLOAK_USERNAME", "alice"),
        ("KEYCLOAK_PASSWORD", ALICE_PASSWORD),
        ("KEYCLOAK_OTP_USERNAME", "bob"),
        ("KEYCLOAK_OTP_PASSWORD", BOB_PASSWORD),
        ("KEYCLOAK_TOTP_SECRET", TOTP_SECRET),
    ];
    conform_env_async(
        root,
        args.iter().map(|s| s.to_string()).collect(),
        env.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
    .await
}

fn failed(out: &Output, case: &str) -> bool {
    out.stdout.contains(&format!("FAIL keycloak::{case} "))
}

#[tokio::test]
async fn the_example_passes_against_a_keycloak_like_server() {
    let out = run_example(Flaw::None).await;
    assert_eq!(out.code, 0, "{}", out.all());
    for case in CASES {
        assert!(
            out.stdout.contains(&format!("PASS keycloak::{case} ")),
            "{case} passes: {}",
            out.stdout
        );
    }
    assert!(
        out.stdout
            .contains(&format!("{} passed, 0 failed", CASES.len())),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("branch coverage keycloak: 2/2 arms exercised"),
        "{}",
        out.stdout
    );
    assert_no_leak(
        &[("output", &out.all())],
        &[ALICE_PASSWORD, BOB_PASSWORD, TOTP_SECRET],
    );
}

#[tokio::test]
async fn a_server_accepting_any_totp_fails_the_code_cases() {
    let out = run_example(Flaw::AnyTotp).await;
    assert_eq!(out.code, 1, "{}", out.all());
    for case in [
        "two_factor.wrong_code",
        "two_factor.stale_code",
        "two_factor.empty_code",
    ] {
        assert!(failed(&out, case), "{case} fails: {}", out.stdout);
    }
    assert!(!failed(&out, "login.two_factor"), "{}", out.stdout);
}

#[tokio::test]
async fn a_server_skipping_the_otp_step_fails_the_two_factor_login() {
    let out = run_example(Flaw::NoOtp).await;
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(failed(&out, "login.two_factor"), "{}", out.stdout);
    assert!(!failed(&out, "login.primary"), "{}", out.stdout);
}

#[tokio::test]
async fn a_token_living_longer_than_expires_in_fails_the_logins() {
    let out = run_example(Flaw::LifetimeMismatch).await;
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(failed(&out, "login.primary"), "{}", out.stdout);
    assert!(failed(&out, "login.two_factor"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("the JWT lives 10m (`exp` − `iat`), expected 5m ± 5s"),
        "{}",
        out.stdout
    );
    assert!(!failed(&out, "wrong_password"), "{}", out.stdout);
}

#[tokio::test]
async fn a_token_signed_with_another_key_fails_the_logins() {
    let out = run_example(Flaw::OtherKey).await;
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(failed(&out, "login.primary"), "{}", out.stdout);
    assert!(failed(&out, "login.two_factor"), "{}", out.stdout);
    assert!(
        out.stdout.contains(
            "the JWT signature (RS256) does not verify with the target's JWKS at `/realms/test-realm/protocol/openid-connect/certs`"
        ),
        "{}",
        out.stdout
    );
}

#[tokio::test]
async fn a_token_of_another_realm_fails_the_logins() {
    let out = run_example(Flaw::OtherRealm).await;
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(failed(&out, "login.primary"), "{}", out.stdout);
    assert!(failed(&out, "login.two_factor"), "{}", out.stdout);
    assert!(out.stdout.contains("realms/master"), "{}", out.stdout);
}
