//! Payroll: header checks in order, the body codes, the HS256 JWT.

use serde_json::{Value, json};

use super::support::*;
use crate::otp::now_unix;
use crate::reference::{Api, Faults, PayrollFaults, PayrollMessages, ReferenceServer};

/// Headers of one case.
type Headers<'a> = &'a [(&'a str, &'a str)];

fn login(server: &ReferenceServer, headers: &[(&str, &str)]) -> reqwest::RequestBuilder {
    let mut request = client().post(format!("{}/login", server.base_url()));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request
}

fn claims(token: &str) -> Value {
    serde_json::from_str(&jwt_part(token, 1)).unwrap()
}

#[tokio::test]
async fn success_returns_a_30_minute_hs256_jwt() {
    let server = start(Api::Payroll).await;
    let before = now_unix();
    for request in [
        login(
            &server,
            &[("User-Name", "alice"), ("Password", ALICE_PASSWORD)],
        ),
        client()
            .get(format!("{}/login", server.base_url()))
            .header("user-name", "bob")
            .header("password", BOB_PASSWORD),
    ] {
        let answer = send(request).await;
        assert_eq!(answer.status, 200);
        assert_eq!(answer.content_type, "application/json");
        assert!(
            answer
                .text
                .starts_with("{\"code\":200,\"status\":\"ok\",\"token\":")
        );
        let body = answer.json();
        let token = body["token"].as_str().unwrap();
        assert_eq!(token.split('.').count(), 3);
        assert_eq!(jwt_part(token, 0), r#"{"typ":"JWT","alg":"HS256"}"#);
        let claims = claims(token);
        let exp = claims["exp"].as_u64().unwrap();
        assert!((before + 1800..=now_unix() + 1800).contains(&exp));
        assert_eq!(claims.as_object().unwrap().len(), 2);
        assert!(matches!(claims["user"].as_str(), Some("alice" | "bob")));
    }
    server.shutdown().await;
}

#[tokio::test]
async fn header_problems_and_unknown_data_use_body_codes() {
    let server = start(Api::Payroll).await;
    let not_specified = |h: &str| format!("Required field {h} is not specified.");
    let is_empty = |h: &str| format!("Required field {h} is empty.");
    let cases: [(Headers, u16, String); 7] = [
        (&[], 402, not_specified("User-Name")),
        (&[("Password", "x")], 402, not_specified("User-Name")),
        (&[("User-Name", "alice")], 402, not_specified("Password")),
        (
            &[("User-Name", ""), ("Password", "x")],
            402,
            is_empty("User-Name"),
        ),
        (
            &[("User-Name", "alice"), ("Password", " ")],
            402,
            is_empty("Password"),
        ),
        (
            &[("User-Name", "alice"), ("Password", "wrong")],
            404,
            "Data not found.".into(),
        ),
        (
            &[("User-Name", "nobody"), ("Password", ALICE_PASSWORD)],
            404,
            "Data not found.".into(),
        ),
    ];
    for (headers, code, message) in cases {
        let answer = send(login(&server, headers)).await;
        assert_eq!(answer.status, 200, "{headers:?}");
        assert_eq!(
            answer.json(),
            json!({"status": "error", "code": code, "message": message}),
            "{headers:?}"
        );
    }
    server.shutdown().await;
}

fn with(payroll: PayrollFaults) -> Faults {
    Faults {
        payroll,
        ..Faults::default()
    }
}

#[tokio::test]
async fn faults_change_one_thing_each() {
    let alice = [("User-Name", "alice"), ("Password", ALICE_PASSWORD)];
    let faults = PayrollFaults {
        jwt_lifetime_secs: 3600,
        header_alg_first: true,
        extra_claims: true,
        extra_fields: true,
        ..Default::default()
    };
    let server = start_with(Api::Payroll, with(faults)).await;
    let body = send(login(&server, &alice)).await.json();
    let token = body["token"].as_str().unwrap();
    assert_eq!(jwt_part(token, 0), r#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = claims(token);
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        3600
    );
    assert_eq!(body["expires_in"], 3600);
    server.shutdown().await;

    let server = start_with(
        Api::Payroll,
        with(PayrollFaults {
            alg_none: true,
            code_as_string: true,
            ..Default::default()
        }),
    )
    .await;
    let body = send(login(&server, &alice)).await.json();
    assert_eq!(body["code"], "200");
    let token = body["token"].as_str().unwrap();
    assert!(token.ends_with('.'));
    assert_eq!(jwt_part(token, 0), r#"{"typ":"JWT","alg":"none"}"#);
    server.shutdown().await;

    let server = start_with(
        Api::Payroll,
        with(PayrollFaults {
            token_not_jwt: true,
            accept_wrong_password: true,
            ..Default::default()
        }),
    )
    .await;
    let body = send(login(&server, &[("User-Name", "alice"), ("Password", "x")]))
        .await
        .json();
    assert!(!body["token"].as_str().unwrap().contains('.'));
    server.shutdown().await;

    let faults = PayrollFaults {
        mirror_code_in_http_status: true,
        messages: PayrollMessages::AngleBrackets,
        password_checked_first: true,
        ..Default::default()
    };
    let server = start_with(Api::Payroll, with(faults)).await;
    let answer = send(login(&server, &[])).await;
    assert_eq!(answer.status, 402);
    assert_eq!(
        answer.json()["message"],
        "Required field < Password > is not specified."
    );
    assert_eq!(
        send(login(&server, &[("User-Name", "x"), ("Password", "y")]))
            .await
            .status,
        404
    );
    assert_eq!(send(login(&server, &alice)).await.status, 200);
    server.shutdown().await;

    let faults = PayrollFaults {
        wrong_error_code: true,
        empty_as_missing: true,
        messages: PayrollMessages::Generic,
        ..Default::default()
    };
    let server = start_with(Api::Payroll, with(faults)).await;
    let body = send(login(&server, &[("User-Name", "")])).await.json();
    assert_eq!(
        body,
        json!({"status": "error", "code": 400, "message": "Bad request."})
    );
    server.shutdown().await;
}

#[tokio::test]
async fn variant_reverse_key_order() {
    let faults = Faults {
        reverse_key_order: true,
        ..Faults::default()
    };
    let server = start_with(Api::Payroll, faults).await;
    let answer = send(login(&server, &[("User-Name", "alice"), ("Password", "x")])).await;
    assert_eq!(
        answer.text,
        r#"{"message":"Data not found.","code":404,"status":"error"}"#
    );
    server.shutdown().await;
}
