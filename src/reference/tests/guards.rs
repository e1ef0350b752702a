//! Guards: the rate limiter, failed-login blocking and TOTP no-reuse, each on a manual
//! clock, and each off by default.

use std::time::Duration;

use serde_json::{Value, json};

use super::support::*;
use crate::reference::{Api, Guards, Lockout, RateLimit, ReferenceServer};

/// Status, the three rate headers (`None` when absent), whether `Retry-After` came, body.
#[derive(Debug)]
struct Limited {
    status: u16,
    limit: Option<String>,
    remaining: Option<String>,
    reset: Option<String>,
    retry_after: bool,
    body: Value,
}

async fn exchange(request: reqwest::RequestBuilder) -> Limited {
    let response = request.send().await.expect("request reaches the server");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().expect("ASCII header").to_string())
    };
    let (limit, remaining, reset) = (
        header("x-ratelimit-limit"),
        header("x-ratelimit-remaining"),
        header("x-ratelimit-reset"),
    );
    let retry_after = header("retry-after").is_some();
    let status = response.status().as_u16();
    let text = response.text().await.expect("body reads");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Limited {
        status,
        limit,
        remaining,
        reset,
        retry_after,
        body,
    }
}

fn rate_limit(calls: u32, millis: u64) -> Guards {
    Guards {
        rate_limit: Some(RateLimit {
            calls,
            window: Duration::from_millis(millis),
        }),
        ..Guards::default()
    }
}

fn lockout(failures: u32, millis: u64) -> Guards {
    Guards {
        lockout: Some(Lockout {
            failures,
            window: Duration::from_millis(millis),
        }),
        ..Guards::default()
    }
}

fn rc_login(server: &ReferenceServer, body: &Value) -> reqwest::RequestBuilder {
    client()
        .post(format!("{}/api/v1/login", server.base_url()))
        .json(body)
}

fn rc_me(server: &ReferenceServer) -> reqwest::RequestBuilder {
    client().get(format!("{}/api/v1/me", server.base_url()))
}

fn alice(password: &str) -> Value {
    json!({"user": "alice", "password": password})
}

#[tokio::test]
async fn the_call_over_the_limit_gets_rocket_chats_429_until_the_window_ends() {
    let (server, clock) = start_guarded(Api::RocketChat, rate_limit(3, 1000)).await;
    let reset = (CLOCK_START_MS + 1000).to_string();
    for remaining in ["2", "1", "0"] {
        let allowed = exchange(rc_me(&server)).await;
        assert_eq!(allowed.status, 401, "{allowed:?}");
        assert_eq!(allowed.limit.as_deref(), Some("3"));
        assert_eq!(allowed.remaining.as_deref(), Some(remaining));
        assert_eq!(allowed.reset.as_deref(), Some(reset.as_str()));
        assert!(!allowed.retry_after);
    }
    clock.advance(Duration::from_millis(250));
    let refused = exchange(rc_me(&server)).await;
    assert_eq!(refused.status, 429);
    assert_eq!(
        refused.body,
        json!({"success": false, "error": "Error, too many requests. Please slow down. You must wait 1 seconds before trying this endpoint again. [error-too-many-requests]"})
    );
    assert_eq!(
        (
            refused.limit.as_deref(),
            refused.remaining.as_deref(),
            refused.reset.as_deref()
        ),
        (Some("3"), Some("0"), Some(reset.as_str()))
    );
    assert!(!refused.retry_after, "Rocket.Chat sends no Retry-After");

    // Another route and another client have windows of their own.
    let login = exchange(rc_login(&server, &alice(ALICE_PASSWORD))).await;
    assert_eq!((login.status, login.remaining.as_deref()), (200, Some("2")));
    let other_client = exchange(rc_me(&server).header("X-Real-IP", "192.0.2.7")).await;
    assert_eq!(
        (other_client.status, other_client.remaining.as_deref()),
        (401, Some("2"))
    );

    // The window ends at its reset time; the next call opens a new one.
    clock.advance(Duration::from_millis(750));
    let renewed = exchange(rc_me(&server)).await;
    assert_eq!(renewed.status, 401);
    assert_eq!(renewed.remaining.as_deref(), Some("2"));
    let next_reset = (CLOCK_START_MS + 2000).to_string();
    assert_eq!(renewed.reset.as_deref(), Some(next_reset.as_str()));
    server.shutdown().await;
}

#[tokio::test]
async fn the_seconds_to_wait_are_rounded_up() {
    let (server, clock) = start_guarded(Api::RocketChat, rate_limit(1, 60_000)).await;
    assert_eq!(exchange(rc_me(&server)).await.status, 401);
    clock.advance(Duration::from_millis(1));
    let refused = exchange(rc_me(&server)).await;
    assert_eq!(refused.status, 429);
    let error = refused.body["error"].as_str().unwrap().to_string();
    assert!(error.contains("You must wait 60 seconds"), "{error}");
    server.shutdown().await;
}

#[tokio::test]
async fn every_api_is_rate_limited_in_the_same_shape() {
    let paths = [
        (Api::Txty, "/user/newapikey/login.json"),
        (Api::Cielo24, "/api/account/login"),
        (Api::RocketChat, "/api/v1/login"),
        (Api::Payroll, "/login"),
        (Api::Coldstream, "/account/me"),
    ];
    for (api, path) in paths {
        let (server, _clock) = start_guarded(api, rate_limit(1, 1000)).await;
        let method = if api == Api::RocketChat {
            reqwest::Method::POST
        } else {
            reqwest::Method::GET
        };
        let call = || client().request(method.clone(), format!("{}{path}", server.base_url()));
        let allowed = exchange(call()).await;
        assert_ne!(allowed.status, 429, "{api}");
        assert_eq!(allowed.remaining.as_deref(), Some("0"), "{api}");
        let refused = exchange(call()).await;
        assert_eq!(refused.status, 429, "{api}");
        assert_eq!(refused.body["success"], false, "{api}");
        server.shutdown().await;
    }
}

#[tokio::test]
async fn guards_are_off_by_default() {
    let server = start(Api::RocketChat).await;
    for _ in 0..12 {
        let answer = exchange(rc_login(&server, &alice("wrong"))).await;
        assert_eq!(answer.status, 401);
        assert_eq!(answer.body["error"], "Unauthorized");
        assert_eq!(answer.limit, None);
    }
    let ok = exchange(rc_login(&server, &alice(ALICE_PASSWORD))).await;
    assert_eq!(ok.status, 200);
    server.shutdown().await;
}

/// Rocket.Chat's user block, in the reference's failure shape.
fn blocked_for_user() -> Value {
    json!({"success": false, "status": "error", "error": "error-login-blocked-for-user", "message": "Login has been temporarily blocked For User"})
}

fn blocked_for_ip() -> Value {
    json!({"success": false, "status": "error", "error": "error-login-blocked-for-ip", "message": "Login has been temporarily blocked For IP"})
}

#[tokio::test]
async fn n_failures_block_the_user_even_with_the_right_password_until_the_window_ends() {
    let (server, clock) = start_guarded(Api::RocketChat, lockout(3, 2000)).await;
    for _ in 0..3 {
        let wrong = exchange(rc_login(&server, &alice("wrong"))).await;
        assert_eq!(
            (wrong.status, &wrong.body["error"]),
            (401, &json!("Unauthorized"))
        );
    }
    let blocked = exchange(rc_login(&server, &alice(ALICE_PASSWORD))).await;
    assert_eq!((blocked.status, blocked.body), (401, blocked_for_user()));
    // By e-mail it is the same user.
    let by_email = json!({"user": "alice@example.test", "password": ALICE_PASSWORD});
    assert_eq!(
        exchange(rc_login(&server, &by_email)).await.body,
        blocked_for_user()
    );
    // Other users are not blocked.
    let bob = json!({"user": "bob", "password": BOB_PASSWORD, "code": bob_code()});
    assert_eq!(exchange(rc_login(&server, &bob)).await.status, 200);

    clock.advance(Duration::from_millis(1999));
    let still = exchange(rc_login(&server, &alice(ALICE_PASSWORD))).await;
    assert_eq!(still.body, blocked_for_user());
    clock.advance(Duration::from_millis(1));
    let free = exchange(rc_login(&server, &alice(ALICE_PASSWORD))).await;
    assert_eq!(free.status, 200, "{:?}", free.body);
    server.shutdown().await;
}

#[tokio::test]
async fn a_success_resets_the_count_and_unknown_users_and_bad_tokens_count() {
    let (server, _clock) = start_guarded(Api::RocketChat, lockout(3, 2000)).await;
    for _ in 0..2 {
        exchange(rc_login(&server, &alice("wrong"))).await;
    }
    assert_eq!(
        exchange(rc_login(&server, &alice(ALICE_PASSWORD)))
            .await
            .status,
        200
    );
    for _ in 0..2 {
        exchange(rc_login(&server, &alice("wrong"))).await;
    }
    assert_eq!(
        exchange(rc_login(&server, &alice(ALICE_PASSWORD)))
            .await
            .status,
        200,
        "the success before forgot the first two failures"
    );

    // An unknown user is counted under the name it was tried with.
    let ghost = json!({"user": "ghost", "password": "x"});
    for _ in 0..3 {
        assert_eq!(
            exchange(rc_login(&server, &ghost)).await.body["error"],
            "Unauthorized"
        );
    }
    assert_eq!(
        exchange(rc_login(&server, &ghost)).await.body,
        blocked_for_user()
    );
    server.shutdown().await;
}

#[tokio::test]
async fn totp_required_is_not_counted_but_totp_invalid_is() {
    let (server, _clock) = start_guarded(Api::RocketChat, lockout(3, 2000)).await;
    let no_code = json!({"user": "bob", "password": BOB_PASSWORD});
    for _ in 0..5 {
        let required = exchange(rc_login(&server, &no_code)).await;
        assert_eq!(required.body["error"], "totp-required");
    }
    let wrong_code = json!({"user": "bob", "password": BOB_PASSWORD, "code": bob_wrong_code()});
    for _ in 0..3 {
        assert_eq!(
            exchange(rc_login(&server, &wrong_code)).await.body["error"],
            "totp-invalid"
        );
    }
    let right = json!({"user": "bob", "password": BOB_PASSWORD, "code": bob_code()});
    assert_eq!(
        exchange(rc_login(&server, &right)).await.body,
        blocked_for_user()
    );
    server.shutdown().await;
}

#[tokio::test]
async fn an_ip_is_blocked_after_five_times_n_failures_and_that_block_counts() {
    let (server, clock) = start_guarded(Api::RocketChat, lockout(2, 2000)).await;
    let from = |ip: &str, body: &Value| rc_login(&server, body).header("X-Real-IP", ip);
    // Ten unknown users, one failure each, from one IP: no user is blocked, the IP is.
    for i in 0..10 {
        let body = json!({"user": format!("ghost{i}"), "password": "x"});
        assert_eq!(
            exchange(from("192.0.2.1", &body)).await.body["error"],
            "Unauthorized"
        );
    }
    for _ in 0..2 {
        let blocked = exchange(from("192.0.2.1", &alice(ALICE_PASSWORD))).await;
        assert_eq!((blocked.status, blocked.body), (401, blocked_for_ip()));
    }
    // The IP block counted twice against alice: she is blocked from anywhere now.
    let elsewhere = exchange(from("192.0.2.2", &alice(ALICE_PASSWORD))).await;
    assert_eq!(elsewhere.body, blocked_for_user());
    // The user block is not counted (Rocket.Chat ignores it), so the second IP stays open.
    for _ in 0..10 {
        exchange(from("192.0.2.2", &alice(ALICE_PASSWORD))).await;
    }
    let bob = json!({"user": "bob", "password": BOB_PASSWORD, "code": bob_code()});
    assert_eq!(exchange(from("192.0.2.2", &bob)).await.status, 200);

    clock.advance(Duration::from_millis(2000));
    assert_eq!(
        exchange(from("192.0.2.1", &alice(ALICE_PASSWORD)))
            .await
            .status,
        200
    );
    server.shutdown().await;
}

#[tokio::test]
async fn bad_resume_tokens_count_against_the_ip() {
    let (server, _clock) = start_guarded(Api::RocketChat, lockout(1, 2000)).await;
    for _ in 0..5 {
        let refused = exchange(rc_login(&server, &json!({"resume": "made-up"}))).await;
        assert_eq!(refused.status, 401);
        assert_eq!(refused.body["error"], 403);
    }
    assert_eq!(
        exchange(rc_login(&server, &alice(ALICE_PASSWORD)))
            .await
            .body,
        blocked_for_ip()
    );
    server.shutdown().await;
}

#[tokio::test]
async fn the_other_apis_refuse_a_block_in_their_own_shape() {
    let cases: [(Api, &str, &str, &str); 4] = [
        (
            Api::Txty,
            "/user/newapikey/login.json?user=alice&pass=wrong",
            "/user/newapikey/login.json?user=alice&pass=Tr0ub4dor%263-primary",
            r#"{"status":"error","error":"LOGIN_BLOCKED_FOR_USER"}"#,
        ),
        (
            Api::Cielo24,
            "/api/account/login?v=1&username=alice&password=wrong",
            "/api/account/login?v=1&username=alice&password=Tr0ub4dor%263-primary",
            r#"{"ErrorType":"LOGIN_BLOCKED_FOR_USER","ErrorComment":"Login has been temporarily blocked for this user"}"#,
        ),
        (
            Api::Payroll,
            "/login",
            "/login",
            r#"{"status":"error","code":403,"message":"Login has been temporarily blocked for this user."}"#,
        ),
        (
            Api::Coldstream,
            "/account/login?username=alice&password=wrong&identityToken=t",
            "/account/login?username=alice&password=Tr0ub4dor%263-primary&identityToken=t",
            r#"{"message":"Login has been temporarily blocked for this user"}"#,
        ),
    ];
    for (api, wrong, right, blocked) in cases {
        let (server, _clock) = start_guarded(api, lockout(1, 1000)).await;
        let call = |path: &str, password: &str| {
            let method = if api == Api::Coldstream {
                reqwest::Method::POST
            } else {
                reqwest::Method::GET
            };
            client()
                .request(method, format!("{}{path}", server.base_url()))
                .header("User-Name", "alice")
                .header("Password", password)
        };
        let failure = send(call(wrong, "wrong")).await;
        assert!(!failure.text.contains("BLOCKED"), "{api}: {}", failure.text);
        assert!(!failure.text.contains("blocked"), "{api}: {}", failure.text);
        let refused = send(call(right, ALICE_PASSWORD)).await;
        assert_eq!(refused.text, blocked, "{api}");
        let expected_status = match api {
            Api::Cielo24 => 400,
            Api::Coldstream => 401,
            _ => 200,
        };
        assert_eq!(refused.status, expected_status, "{api}");
        server.shutdown().await;
    }
}

#[tokio::test]
async fn coldstream_counts_wrong_codes_of_the_mfa_step_for_the_tokens_user() {
    let (server, _clock) = start_guarded(Api::Coldstream, lockout(2, 2000)).await;
    let mfa_token = || async {
        let login = client().post(format!(
            "{}/account/login?username=bob&password=c0rrect-h0rse-2fa&identityToken=t",
            server.base_url()
        ));
        send(login).await.json()["mfaToken"]
            .as_str()
            .expect("an mfaToken: the password step is not counted")
            .to_string()
    };
    let mfa = |token: String, code: String| {
        client()
            .post(format!("{}/account/login/mfa", server.base_url()))
            .json(&json!({"mfaToken": token, "code": code}))
    };
    let last = mfa_token().await;
    for _ in 0..2 {
        let wrong = send(mfa(mfa_token().await, bob_wrong_code())).await;
        assert_eq!(wrong.json(), json!({"message": "Invalid code"}));
    }
    let blocked_body = json!({"message": "Login has been temporarily blocked for this user"});
    let blocked = send(mfa(last, bob_code())).await;
    assert_eq!(
        (blocked.status, blocked.json()),
        (401, blocked_body.clone())
    );
    // The password step refuses the blocked user too.
    let login = client().post(format!(
        "{}/account/login?username=bob&password=c0rrect-h0rse-2fa&identityToken=t",
        server.base_url()
    ));
    assert_eq!(send(login).await.json(), blocked_body);
    server.shutdown().await;
}

#[tokio::test]
async fn a_totp_code_is_refused_the_second_time_only_with_no_reuse() {
    let no_reuse = Guards {
        totp_no_reuse: true,
        ..Guards::default()
    };
    for (guards, second_status) in [(Guards::default(), 200), (no_reuse, 401)] {
        let (server, _clock) = start_guarded(Api::RocketChat, guards).await;
        let code = bob_code();
        let body = json!({"user": "bob", "password": BOB_PASSWORD, "code": code});
        assert_eq!(exchange(rc_login(&server, &body)).await.status, 200);
        let again = exchange(rc_login(&server, &body)).await;
        assert_eq!(again.status, second_status, "{:?}", again.body);
        if second_status == 401 {
            assert_eq!(again.body["error"], "totp-invalid");
        }
        server.shutdown().await;
    }
}

#[tokio::test]
async fn txty_and_coldstream_refuse_a_reused_code_too() {
    let guards = Guards {
        totp_no_reuse: true,
        ..Guards::default()
    };
    let (txty, _clock) = start_guarded(Api::Txty, guards.clone()).await;
    let code = bob_code();
    let login = || {
        client()
            .get(format!("{}/user/newapikey/login.json", txty.base_url()))
            .query(&[("user", "bob"), ("pass", BOB_PASSWORD), ("tfkey", &code)])
    };
    assert_eq!(send(login()).await.json()["success"], "ADDED_KEY");
    assert_eq!(send(login()).await.json()["error"], "USER_NOT_FOUND");
    txty.shutdown().await;

    let (coldstream, _clock) = start_guarded(Api::Coldstream, guards).await;
    let base = coldstream.base_url();
    let code = bob_code();
    for expected in [200, 401] {
        let login = client().post(format!(
            "{base}/account/login?username=bob&password=c0rrect-h0rse-2fa&identityToken=t"
        ));
        let token = send(login).await.json()["mfaToken"]
            .as_str()
            .unwrap()
            .to_string();
        let mfa = client()
            .post(format!("{base}/account/login/mfa"))
            .json(&json!({"mfaToken": token, "code": code}));
        assert_eq!(send(mfa).await.status, expected);
    }
    coldstream.shutdown().await;
}
