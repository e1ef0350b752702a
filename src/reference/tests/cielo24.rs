//! cielo24: `v=1`, the four credential variants, the Error Format, logout.

use serde_json::json;

use super::support::*;
use crate::reference::{
    Api, Cielo24ErrorBody, Cielo24Faults, Cielo24TokenFormat, Faults, ReferenceServer,
};

fn login(server: &ReferenceServer) -> reqwest::RequestBuilder {
    client().get(format!("{}/api/account/login", server.base_url()))
}

fn is_hex32(token: &serde_json::Value) -> bool {
    token
        .as_str()
        .is_some_and(|t| t.len() == 32 && t.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')))
}

#[tokio::test]
async fn four_documented_login_variants_and_the_legacy_header() {
    let server = start(Api::Cielo24).await;
    let requests = [
        login(&server).query(&[
            ("v", "1"),
            ("username", "alice"),
            ("password", ALICE_PASSWORD),
        ]),
        login(&server).query(&[("v", "1"), ("username", "alice"), ("securekey", ALICE_KEY)]),
        login(&server)
            .query(&[("v", "1")])
            .header("x-auth-user", "alice")
            .header("x-auth-password", ALICE_PASSWORD),
        login(&server)
            .query(&[("v", "1")])
            .header("x-auth-user", "alice")
            .header("x-auth-securekey", ALICE_KEY),
        login(&server)
            .query(&[("v", "1")])
            .header("x-auth-user", "alice")
            .header("x-auth-key", ALICE_PASSWORD),
    ];
    let mut tokens = Vec::new();
    for request in requests {
        let answer = send(request).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        assert_eq!(answer.content_type, "application/json");
        let body = answer.json();
        assert_eq!(body.as_object().unwrap().len(), 1);
        assert!(is_hex32(&body["ApiToken"]), "{body}");
        tokens.push(body["ApiToken"].clone());
    }
    tokens.dedup();
    assert_eq!(tokens.len(), 5, "each login issues a new token");
    server.shutdown().await;
}

#[tokio::test]
async fn errors_are_400_in_the_error_format() {
    let server = start(Api::Cielo24).await;
    let cases = [
        (
            vec![("username", "alice"), ("password", ALICE_PASSWORD)],
            "MISSING_PARAMETER",
            Some("v"),
        ),
        (
            vec![
                ("v", "2"),
                ("username", "alice"),
                ("password", ALICE_PASSWORD),
            ],
            "INVALID_OPTION",
            Some("v"),
        ),
        (
            vec![("v", "1"), ("password", ALICE_PASSWORD)],
            "MISSING_PARAMETER",
            Some("username"),
        ),
        (
            vec![("v", "1"), ("username", "alice")],
            "MISSING_PARAMETER",
            Some("password"),
        ),
        (
            vec![("v", "1"), ("username", "alice"), ("password", "wrong")],
            "LOGIN_INVALID",
            None,
        ),
        (
            vec![
                ("v", "1"),
                ("username", "nobody"),
                ("password", ALICE_PASSWORD),
            ],
            "LOGIN_INVALID",
            None,
        ),
        (
            vec![("v", "1"), ("username", "alice"), ("securekey", "00")],
            "LOGIN_INVALID",
            None,
        ),
        (
            vec![("v", "1"), ("username", "bob"), ("securekey", ALICE_KEY)],
            "LOGIN_INVALID",
            None,
        ),
        (
            vec![
                ("v", "1"),
                ("username", "alice"),
                ("password", ALICE_PASSWORD),
                ("securekey", "00"),
            ],
            "LOGIN_INVALID",
            None,
        ),
    ];
    for (query, kind, mentions) in cases {
        let answer = send(login(&server).query(&query)).await;
        assert_eq!(answer.status, 400, "{query:?}");
        assert_eq!(answer.content_type, "application/json");
        let body = answer.json();
        assert_eq!(body["ErrorType"], kind, "{query:?}");
        let comment = body["ErrorComment"].as_str().unwrap();
        if let Some(word) = mentions {
            assert!(comment.contains(word), "{comment}");
        }
    }
    // A header cannot stand in for the required `v`.
    let answer = send(
        login(&server)
            .header("v", "1")
            .query(&[("username", "alice"), ("password", ALICE_PASSWORD)]),
    )
    .await;
    assert_eq!(answer.json()["ErrorType"], "MISSING_PARAMETER");
    server.shutdown().await;
}

#[tokio::test]
async fn logout_ends_the_token() {
    let server = start(Api::Cielo24).await;
    let token =
        send(login(&server).query(&[("v", "1"), ("username", "bob"), ("password", BOB_PASSWORD)]))
            .await
            .json()["ApiToken"]
            .as_str()
            .unwrap()
            .to_string();
    let logout = || client().get(format!("{}/api/account/logout", server.base_url()));
    let first = send(logout().query(&[("v", "1"), ("api_token", token.as_str())])).await;
    assert_eq!((first.status, first.text.as_str()), (204, ""));
    let again = send(logout().query(&[("v", "1"), ("api_token", token.as_str())])).await;
    assert_eq!(again.status, 400);
    assert_eq!(again.json()["ErrorType"], "BAD_API_TOKEN");
    let missing = send(logout().query(&[("v", "1")])).await;
    assert_eq!(missing.json()["ErrorType"], "MISSING_PARAMETER");
    server.shutdown().await;
}

fn with(cielo24: Cielo24Faults) -> Faults {
    Faults {
        cielo24,
        ..Faults::default()
    }
}

#[tokio::test]
async fn mutant_ignored_headers() {
    let password_query = [
        ("v", "1"),
        ("username", "alice"),
        ("password", ALICE_PASSWORD),
    ];
    let server = start_with(
        Api::Cielo24,
        with(Cielo24Faults {
            ignore_header_login: true,
            ..Default::default()
        }),
    )
    .await;
    let header_login = login(&server)
        .query(&[("v", "1")])
        .header("x-auth-user", "alice")
        .header("x-auth-password", ALICE_PASSWORD);
    assert_eq!(
        send(header_login).await.json()["ErrorType"],
        "MISSING_PARAMETER"
    );
    assert_eq!(
        send(login(&server).query(&password_query)).await.status,
        200
    );
    server.shutdown().await;
}

#[tokio::test]
async fn mutant_ignored_securekey_and_variant_strict_headers() {
    let server = start_with(
        Api::Cielo24,
        with(Cielo24Faults {
            ignore_securekey: true,
            accept_legacy_key_header: false,
            ..Default::default()
        }),
    )
    .await;
    let key_login =
        login(&server).query(&[("v", "1"), ("username", "alice"), ("securekey", ALICE_KEY)]);
    assert_eq!(send(key_login).await.status, 400);
    let legacy = login(&server)
        .query(&[("v", "1")])
        .header("x-auth-user", "alice")
        .header("x-auth-key", ALICE_PASSWORD);
    assert_eq!(send(legacy).await.status, 400);
    server.shutdown().await;
}

#[tokio::test]
async fn mutant_success_shape() {
    let faults = Cielo24Faults {
        require_v: false,
        token_format: Cielo24TokenFormat::DashedUuid,
        rename_token_field: true,
        success_status: 201,
        ..Default::default()
    };
    let server = start_with(Api::Cielo24, with(faults)).await;
    let answer =
        send(login(&server).query(&[("username", "alice"), ("password", ALICE_PASSWORD)])).await;
    assert_eq!(answer.status, 201);
    let token = answer.json()["api_token"].as_str().unwrap().to_string();
    assert_eq!((token.len(), token.matches('-').count()), (36, 4));
    server.shutdown().await;
}

#[tokio::test]
async fn mutant_error_shape() {
    let faults = Cielo24Faults {
        error_status: 500,
        error_body: Cielo24ErrorBody::PlainText,
        ..Default::default()
    };
    let server = start_with(Api::Cielo24, with(faults)).await;
    let answer = send(login(&server).query(&[("v", "1")])).await;
    assert_eq!(
        (answer.status, answer.content_type.as_str()),
        (500, "text/plain; charset=utf-8")
    );
    server.shutdown().await;
}

#[tokio::test]
async fn variant_charset_extra_fields_long_token() {
    let faults = Cielo24Faults {
        error_body: Cielo24ErrorBody::Message,
        accept_wrong_password: true,
        json_charset: true,
        extra_fields: true,
        token_format: Cielo24TokenFormat::Hex40,
        ..Default::default()
    };
    let server = start_with(Api::Cielo24, with(faults)).await;
    let answer =
        send(login(&server).query(&[("v", "1"), ("username", "alice"), ("password", "x")])).await;
    assert_eq!(answer.content_type, "application/json; charset=utf-8");
    let body = answer.json();
    assert_eq!(body["ApiToken"].as_str().unwrap().len(), 40);
    assert_eq!(body["ExpiresIn"], 3600);
    let error = send(login(&server).query(&[("v", "1")])).await.json();
    assert_eq!(
        error,
        json!({"error": "Missing required parameter: username"})
    );
    server.shutdown().await;
}

#[tokio::test]
async fn mutant_refused_tokens_and_variant_upper_hex() {
    let password_query = [
        ("v", "1"),
        ("username", "alice"),
        ("password", ALICE_PASSWORD),
    ];
    let server = start_with(
        Api::Cielo24,
        with(Cielo24Faults {
            refuse_issued_tokens: true,
            token_format: Cielo24TokenFormat::UpperHex32,
            ..Default::default()
        }),
    )
    .await;
    let token = send(login(&server).query(&password_query)).await.json()["ApiToken"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        token
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
    );
    let logout = client()
        .get(format!("{}/api/account/logout", server.base_url()))
        .query(&[("v", "1"), ("api_token", token.as_str())]);
    assert_eq!(send(logout).await.json()["ErrorType"], "BAD_API_TOKEN");
    server.shutdown().await;
}
