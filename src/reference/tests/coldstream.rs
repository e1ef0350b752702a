//! Coldstream: query/JSON login, identityToken, the mfaToken step (single use, bound,
//! limited tries, expiry) and bearer checks.

use serde_json::{Value, json};

use super::support::*;
use crate::otp::{TotpGenerator, now_unix};
use crate::profile::{AccountName, CodeSource, reference_profile};
use crate::reference::{AccessTokenField, Api, ColdstreamFaults, Faults, ReferenceServer};

/// Query pairs of one case.
type Query<'a> = &'a [(&'a str, &'a str)];

fn login(server: &ReferenceServer, user: &str, password: &str) -> reqwest::RequestBuilder {
    client()
        .post(format!("{}/account/login", server.base_url()))
        .query(&[
            ("username", user),
            ("password", password),
            ("identityToken", "r4nd0m"),
        ])
}

fn mfa(server: &ReferenceServer, mfa_token: &str, code: &str) -> reqwest::RequestBuilder {
    client()
        .post(format!("{}/account/login/mfa", server.base_url()))
        .json(&json!({"mfaToken": mfa_token, "code": code}))
}

async fn whoami(server: &ReferenceServer, token: &str) -> (u16, Value) {
    let answer = send(
        client()
            .get(format!("{}/account/me", server.base_url()))
            .bearer_auth(token),
    )
    .await;
    (answer.status, answer.json())
}

async fn mfa_token(server: &ReferenceServer, user: &str, password: &str) -> String {
    let body = send(login(server, user, password)).await.json();
    assert_eq!(body.as_object().unwrap().len(), 1, "{body}");
    body["mfaToken"].as_str().unwrap().to_string()
}

/// Checks a direct-login body and returns its JWT.
fn access_token(answer: &Answer, username: &str) -> String {
    assert_eq!(answer.status, 200, "{}", answer.text);
    let body = answer.json();
    assert_eq!(body["tokenType"], "Bearer");
    let token = body["accessToken"].as_str().unwrap().to_string();
    assert_eq!(jwt_part(&token, 0), r#"{"alg":"HS256","typ":"JWT"}"#);
    let claims: Value = serde_json::from_str(&jwt_part(&token, 1)).unwrap();
    assert_eq!(claims["sub"], username);
    let iat = claims["iat"].as_u64().unwrap();
    assert_eq!(claims["exp"].as_u64().unwrap(), iat + 3600);
    assert!(iat <= now_unix());
    token
}

#[tokio::test]
async fn direct_login_and_bearer_check() {
    let server = start(Api::Coldstream).await;
    let token = access_token(
        &send(login(&server, "alice", ALICE_PASSWORD)).await,
        "alice",
    );
    assert_eq!(
        whoami(&server, &token).await,
        (200, json!({"username": "alice"}))
    );
    let json_body = client()
        .post(format!("{}/account/login", server.base_url()))
        .json(&json!({"username": "alice", "password": ALICE_PASSWORD, "identityToken": "x"}));
    access_token(&send(json_body).await, "alice");

    // Change one signature character (mid-signature, so every bit of it counts).
    let at = token.len() - 10;
    let replacement = if &token[at..=at] == "A" { "B" } else { "A" };
    let mut tampered = token.clone();
    tampered.replace_range(at..=at, replacement);
    assert_eq!(whoami(&server, &tampered).await.0, 401);
    assert_eq!(whoami(&server, "not-a-jwt").await.0, 401);
    let forged =
        crate::reference::tokens::unsigned(&json!({"alg": "none"}), &json!({"sub": "alice"}));
    assert_eq!(whoami(&server, &forged).await.0, 401);
    let anonymous = send(client().get(format!("{}/account/me", server.base_url()))).await;
    assert_eq!(anonymous.status, 401);
    server.shutdown().await;
}

#[tokio::test]
async fn missing_and_wrong_credentials() {
    let server = start(Api::Coldstream).await;
    let url = format!("{}/account/login", server.base_url());
    let cases: [(Query, u16, &str); 5] = [
        (
            &[("username", "alice"), ("password", ALICE_PASSWORD)],
            400,
            "identityToken",
        ),
        (
            &[("username", "alice"), ("identityToken", "x")],
            400,
            "password",
        ),
        (
            &[("password", "x"), ("identityToken", "x")],
            400,
            "username",
        ),
        (
            &[
                ("username", "alice"),
                ("password", "wrong"),
                ("identityToken", "x"),
            ],
            401,
            "Invalid username or password",
        ),
        (
            &[
                ("username", "nobody"),
                ("password", "x"),
                ("identityToken", "x"),
            ],
            401,
            "Invalid username or password",
        ),
    ];
    for (query, status, mentions) in cases {
        let answer = send(client().post(&url).query(query)).await;
        assert_eq!(answer.status, status, "{query:?}");
        let message = answer.json()["message"].as_str().unwrap().to_string();
        assert!(message.contains(mentions), "{message}");
    }
    let broken = send(
        client()
            .post(&url)
            .header("content-type", "application/json")
            .body("{"),
    )
    .await;
    assert_eq!(broken.status, 400);
    server.shutdown().await;
}

#[tokio::test]
async fn mfa_token_is_opaque_single_use_and_limited() {
    let server = start(Api::Coldstream).await;
    let token = mfa_token(&server, "bob", BOB_PASSWORD).await;
    assert!(!token.contains('.'), "an mfaToken is not a JWT");
    assert_eq!(whoami(&server, &token).await.0, 401);

    let wrong = send(mfa(&server, &token, &bob_wrong_code())).await;
    assert_eq!(wrong.status, 401);
    let jwt = access_token(&send(mfa(&server, &token, &bob_code())).await, "bob");
    assert_eq!(
        whoami(&server, &jwt).await,
        (200, json!({"username": "bob"}))
    );
    let reused = send(mfa(&server, &token, &bob_code())).await;
    assert_eq!(reused.status, 401, "single use");
    assert_eq!(send(mfa(&server, "unknown", &bob_code())).await.status, 401);
    let incomplete = client()
        .post(format!("{}/account/login/mfa", server.base_url()))
        .json(&json!({"mfaToken": token}));
    assert_eq!(send(incomplete).await.status, 400);

    let token = mfa_token(&server, "bob", BOB_PASSWORD).await;
    for _ in 0..5 {
        assert_eq!(
            send(mfa(&server, &token, &bob_wrong_code())).await.status,
            401
        );
    }
    assert_eq!(
        send(mfa(&server, &token, &bob_code())).await.status,
        401,
        "dead after 5 wrong codes"
    );
    server.shutdown().await;
}

/// The reference profile with a TOTP secret for alice too, so two accounts have codes.
fn two_totp_accounts() -> (crate::profile::Profile, TotpGenerator) {
    let mut profile = reference_profile();
    let alice_totp =
        TotpGenerator::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "SHA1", 6, 30).unwrap();
    let alice = profile.accounts.get_mut(&AccountName::PRIMARY).unwrap();
    alice.code = Some(CodeSource::Totp(alice_totp.clone()));
    (profile, alice_totp)
}

#[tokio::test]
async fn mfa_token_is_bound_to_its_account() {
    let (profile, alice_totp) = two_totp_accounts();
    let bob_now = bob_code();
    // Two secrets can share a code by chance (about 3 in a million): skip that instant.
    let distinct = alice_totp.verify(&bob_now, now_unix(), 1).is_none();

    let server = start_profile(Api::Coldstream, &profile, Faults::default()).await;
    let alice_token = mfa_token(&server, "alice", ALICE_PASSWORD).await;
    let bob_token = mfa_token(&server, "bob", BOB_PASSWORD).await;
    if distinct {
        assert_eq!(send(mfa(&server, &alice_token, &bob_now)).await.status, 401);
    }
    let jwt = access_token(
        &send(mfa(&server, &alice_token, &alice_totp.current())).await,
        "alice",
    );
    assert_eq!(whoami(&server, &jwt).await.1, json!({"username": "alice"}));
    access_token(&send(mfa(&server, &bob_token, &bob_now)).await, "bob");
    server.shutdown().await;

    // The mutant: bob's code completes alice's login, as bob.
    let faults = with(ColdstreamFaults {
        mfa_unbound: true,
        ..Default::default()
    });
    let server = start_profile(Api::Coldstream, &profile, faults).await;
    let alice_token = mfa_token(&server, "alice", ALICE_PASSWORD).await;
    if distinct {
        access_token(&send(mfa(&server, &alice_token, &bob_now)).await, "bob");
    }
    server.shutdown().await;
}

fn with(coldstream: ColdstreamFaults) -> Faults {
    Faults {
        coldstream,
        ..Faults::default()
    }
}

#[tokio::test]
async fn lifetimes_expire() {
    let faults = ColdstreamFaults {
        mfa_token_lifetime_secs: 0,
        jwt_lifetime_secs: 0,
        ..Default::default()
    };
    let server = start_with(Api::Coldstream, with(faults)).await;
    let token = mfa_token(&server, "bob", BOB_PASSWORD).await;
    assert_eq!(
        send(mfa(&server, &token, &bob_code())).await.status,
        401,
        "expired mfaToken"
    );
    let body = send(login(&server, "alice", ALICE_PASSWORD)).await.json();
    let jwt = body["accessToken"].as_str().unwrap();
    assert_eq!(whoami(&server, jwt).await.0, 401, "expired JWT");
    server.shutdown().await;
}

#[tokio::test]
async fn faults_change_one_thing_each() {
    let faults = ColdstreamFaults {
        mfa_token_reusable: true,
        accept_any_code: true,
        access_token_field: AccessTokenField::Jwt,
        token_type: false,
        ..Default::default()
    };
    let server = start_with(Api::Coldstream, with(faults)).await;
    let token = mfa_token(&server, "bob", BOB_PASSWORD).await;
    for _ in 0..2 {
        let body = send(mfa(&server, &token, "000000")).await.json();
        assert!(
            body["jwt"].is_string() && body.get("tokenType").is_none(),
            "{body}"
        );
    }
    server.shutdown().await;

    let server = start_with(
        Api::Coldstream,
        with(ColdstreamFaults {
            bypass_2fa: true,
            alg_none: true,
            ..Default::default()
        }),
    )
    .await;
    let body = send(login(&server, "bob", BOB_PASSWORD)).await.json();
    assert!(body["mfaToken"].is_string());
    let jwt = body["accessToken"].as_str().unwrap();
    assert!(jwt.ends_with('.'));
    assert_eq!(
        whoami(&server, jwt).await.0,
        200,
        "the vulnerable verifier takes its own tokens"
    );
    server.shutdown().await;

    let faults = ColdstreamFaults {
        ignore_identity_token: true,
        accept_wrong_password: true,
        refuse_issued_tokens: true,
        accept_json_body: false,
        credentials_error_status: 403,
        ..Default::default()
    };
    let server = start_with(Api::Coldstream, with(faults)).await;
    let url = format!("{}/account/login", server.base_url());
    let answer = send(
        client()
            .post(&url)
            .query(&[("username", "alice"), ("password", "x")]),
    )
    .await;
    let jwt = answer.json()["accessToken"].as_str().unwrap().to_string();
    assert_eq!(whoami(&server, &jwt).await.0, 401);
    let json_only = client()
        .post(&url)
        .json(&json!({"username": "alice", "password": "x"}));
    assert_eq!(send(json_only).await.status, 400);
    let unknown = send(
        client()
            .post(&url)
            .query(&[("username", "nobody"), ("password", "x")]),
    )
    .await;
    assert_eq!(unknown.status, 403);
    server.shutdown().await;
}

#[tokio::test]
async fn attempt_limit_is_a_knob() {
    let faults = ColdstreamFaults {
        mfa_max_attempts: 1,
        ..Default::default()
    };
    let server = start_with(Api::Coldstream, with(faults)).await;
    let token = mfa_token(&server, "bob", BOB_PASSWORD).await;
    assert_eq!(
        send(mfa(&server, &token, &bob_wrong_code())).await.status,
        401
    );
    assert_eq!(
        send(mfa(&server, &token, &bob_code())).await.status,
        401,
        "one try only"
    );
    server.shutdown().await;
}
