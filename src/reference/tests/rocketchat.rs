//! Rocket.Chat: body forms, the TOTP branch, resume, `/me` and logout, failure bodies.

use serde_json::{Value, json};

use super::support::*;
use crate::reference::tokens::{METEOR_ID_ALPHABET, sha256_hex};
use crate::reference::{
    Api, Faults, MeFault, ReferenceServer, RocketChatFailureBody, RocketChatFaults,
};

fn login(server: &ReferenceServer) -> reqwest::RequestBuilder {
    client().post(format!("{}/api/v1/login", server.base_url()))
}

fn me(server: &ReferenceServer, token: &str, user_id: &str) -> reqwest::RequestBuilder {
    client()
        .get(format!("{}/api/v1/me", server.base_url()))
        .header("X-Auth-Token", token)
        .header("X-User-Id", user_id)
}

/// Checks the documented success body and returns `(userId, authToken)`.
fn check_success(server: &ReferenceServer, answer: &Answer, username: &str) -> (String, String) {
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.content_type, "application/json");
    let body = answer.json();
    assert_eq!(body["status"], "success");
    assert_eq!(body["success"], true);
    let data = &body["data"];
    let user_id = data["userId"].as_str().unwrap().to_string();
    let token = data["authToken"].as_str().unwrap().to_string();
    assert_eq!(user_id.len(), 17);
    assert!(user_id.chars().all(|c| METEOR_ID_ALPHABET.contains(c)));
    assert_eq!(token.len(), 43);
    assert!(
        token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    );
    let me = &data["me"];
    assert_eq!(me["_id"], json!(user_id));
    assert_eq!(me["username"], username);
    assert_eq!(
        me["emails"],
        json!([{"address": format!("{username}@example.test"), "verified": false}])
    );
    for field in [
        "name",
        "status",
        "statusConnection",
        "utcOffset",
        "active",
        "roles",
    ] {
        assert!(!me[field].is_null(), "me.{field}");
    }
    assert_eq!(me["settings"], json!({"preferences": {}}));
    let host = server.base_url();
    assert_eq!(me["avatarUrl"], json!(format!("{host}/avatar/{username}")));
    assert!(me.get("password").is_none());
    (user_id, token)
}

#[tokio::test]
async fn every_documented_and_observed_body_form_logs_in() {
    let server = start(Api::RocketChat).await;
    let digest = json!({"digest": sha256_hex(ALICE_PASSWORD), "algorithm": "sha-256"});
    let bodies = [
        json!({"user": "alice", "password": ALICE_PASSWORD}),
        json!({"user": "alice@example.test", "password": ALICE_PASSWORD}),
        json!({"user": {"username": "alice"}, "password": ALICE_PASSWORD}),
        json!({"user": {"email": "alice@example.test"}, "password": ALICE_PASSWORD}),
        json!({"username": "alice", "password": ALICE_PASSWORD}),
        json!({"email": "alice@example.test", "password": digest}),
    ];
    let mut ids = Vec::new();
    for body in bodies {
        ids.push(check_success(&server, &send(login(&server).json(&body)).await, "alice").0);
    }
    let forms: [&[(&str, &str)]; 3] = [
        &[("user", "alice"), ("password", ALICE_PASSWORD)],
        &[("user", "alice@example.test"), ("password", ALICE_PASSWORD)],
        &[("user[username]", "alice"), ("password", ALICE_PASSWORD)],
    ];
    for form in forms {
        ids.push(check_success(&server, &send(login(&server).form(form)).await, "alice").0);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "one user, one id");
    server.shutdown().await;
}

#[tokio::test]
async fn failures_are_401_with_the_pre_8_body() {
    let server = start(Api::RocketChat).await;
    let unauthorized = json!({"success": false, "status": "error", "error": "Unauthorized", "message": "Unauthorized"});
    for body in [
        json!({}),
        json!({"user": "alice"}),
        json!({"user": "alice", "password": "wrong"}),
        json!({"user": "nobody", "password": ALICE_PASSWORD}),
        json!({"user": "alice", "password": {"digest": sha256_hex("wrong"), "algorithm": "sha-256"}}),
    ] {
        let answer = send(login(&server).json(&body)).await;
        assert_eq!(
            (answer.status, answer.json()),
            (401, unauthorized.clone()),
            "{body}"
        );
    }
    let empty = send(login(&server)).await;
    assert_eq!((empty.status, empty.json()), (401, unauthorized.clone()));
    let broken = send(
        login(&server)
            .header("content-type", "application/json")
            .body("{\"user\":"),
    )
    .await;
    assert_eq!(broken.status, 400);
    assert_eq!(broken.json()["success"], false);
    server.shutdown().await;
}

#[tokio::test]
async fn totp_branch_resume_me_and_logout() {
    let server = start(Api::RocketChat).await;
    let details = json!({"method": "totp", "availableMethods": ["totp"]});
    let required =
        send(login(&server).json(&json!({"user": "bob", "password": BOB_PASSWORD}))).await;
    assert_eq!(required.status, 401);
    assert_eq!(
        required.json(),
        json!({"success": false, "status": "error", "error": "totp-required", "details": details, "message": "TOTP Required"})
    );
    let wrong = bob_wrong_code();
    let invalid =
        send(login(&server).json(&json!({"user": "bob", "password": BOB_PASSWORD, "code": wrong})))
            .await;
    assert_eq!(invalid.status, 401);
    assert_eq!(
        (
            invalid.json()["error"].clone(),
            invalid.json()["message"].clone()
        ),
        (json!("totp-invalid"), json!("TOTP Invalid"))
    );

    let body = json!({"user": "bob@example.test", "password": BOB_PASSWORD, "code": bob_code()});
    let (user_id, token) = check_success(&server, &send(login(&server).json(&body)).await, "bob");
    let header_code = login(&server)
        .header("x-2fa-code", bob_code())
        .form(&[("user", "bob"), ("password", BOB_PASSWORD)]);
    check_success(&server, &send(header_code).await, "bob");

    // Resume skips the second factor and keeps the user.
    let resumed = send(login(&server).json(&json!({"resume": token}))).await;
    let (resumed_id, resumed_token) = check_success(&server, &resumed, "bob");
    assert_eq!(
        (resumed_id.as_str(), resumed_token.as_str()),
        (user_id.as_str(), token.as_str())
    );

    let profile = send(me(&server, &token, &user_id)).await;
    assert_eq!(profile.status, 200);
    assert_eq!(
        (
            profile.json()["username"].clone(),
            profile.json()["success"].clone()
        ),
        (json!("bob"), json!(true))
    );
    assert_eq!(send(me(&server, &token, "someone-else")).await.status, 401);
    let anonymous = send(client().get(format!("{}/api/v1/me", server.base_url()))).await;
    assert_eq!(
        anonymous.json(),
        json!({"status": "error", "message": "You must be logged in to do this."})
    );

    let logout = client()
        .post(format!("{}/api/v1/logout", server.base_url()))
        .header("X-Auth-Token", &token)
        .header("X-User-Id", &user_id);
    assert_eq!(send(logout).await.json()["status"], "success");
    assert_eq!(send(me(&server, &token, &user_id)).await.status, 401);
    let logged_out = send(login(&server).json(&json!({"resume": token}))).await;
    assert_eq!(logged_out.status, 401);
    assert_eq!(
        logged_out.json(),
        json!({"success": false, "status": "error", "error": 403, "message": "You've been logged out by the server. Please log in again."})
    );
    server.shutdown().await;
}

fn with(rocketchat: RocketChatFaults) -> Faults {
    Faults {
        rocketchat,
        ..Faults::default()
    }
}

async fn login_status(server: &ReferenceServer, body: Value) -> (u16, Value) {
    let answer = send(login(server).json(&body)).await;
    (answer.status, answer.json())
}

#[tokio::test]
async fn mutant_body_and_email_faults() {
    let alice = json!({"user": "alice", "password": ALICE_PASSWORD});
    let faults = RocketChatFaults {
        reject_form: true,
        break_email_login: true,
        ..Default::default()
    };
    let server = start_with(Api::RocketChat, with(faults)).await;
    assert_eq!(
        send(login(&server).form(&[("user", "alice"), ("password", ALICE_PASSWORD)]))
            .await
            .status,
        401
    );
    assert_eq!(
        login_status(
            &server,
            json!({"user": "alice@example.test", "password": ALICE_PASSWORD})
        )
        .await
        .0,
        401
    );
    assert_eq!(login_status(&server, alice.clone()).await.0, 200);
    server.shutdown().await;

    let server = start_with(
        Api::RocketChat,
        with(RocketChatFaults {
            reject_json: true,
            break_resume: true,
            ..Default::default()
        }),
    )
    .await;
    assert_eq!(login_status(&server, alice.clone()).await.0, 401);
    let form = send(login(&server).form(&[("user", "alice"), ("password", ALICE_PASSWORD)]))
        .await
        .json();
    let token = form["data"]["authToken"].as_str().unwrap().to_string();
    assert_eq!(
        send(login(&server).form(&[("resume", token.as_str())]))
            .await
            .status,
        401
    );
    server.shutdown().await;
}

#[tokio::test]
async fn mutant_second_factor_and_password_faults() {
    let server = start_with(
        Api::RocketChat,
        with(RocketChatFaults {
            bypass_2fa: true,
            ..Default::default()
        }),
    )
    .await;
    assert_eq!(
        login_status(&server, json!({"user": "bob", "password": BOB_PASSWORD}))
            .await
            .0,
        200
    );
    server.shutdown().await;

    let faults = RocketChatFaults {
        accept_any_code: true,
        accept_wrong_password: true,
        success_status: 201,
        ..Default::default()
    };
    let server = start_with(Api::RocketChat, with(faults)).await;
    assert_eq!(
        login_status(
            &server,
            json!({"user": "bob", "password": "x", "code": "000000"})
        )
        .await
        .0,
        201
    );
    server.shutdown().await;
}

#[tokio::test]
async fn mutant_me_and_user_id_faults() {
    let alice = json!({"user": "alice", "password": ALICE_PASSWORD});
    let faults = RocketChatFaults {
        me_fault: MeFault::IdRenamed,
        user_id_differs: true,
        echo_password: true,
        success_flag: false,
        extra_me_fields: true,
        auth_token_length: 24,
        ..Default::default()
    };
    let server = start_with(Api::RocketChat, with(faults)).await;
    let (_, body) = login_status(&server, alice.clone()).await;
    let data = &body["data"];
    assert!(body.get("success").is_none());
    assert!(data["me"].get("_id").is_none());
    assert_ne!(data["userId"], data["me"]["id"]);
    assert_eq!(data["me"]["password"], ALICE_PASSWORD);
    assert_eq!(data["me"]["language"], "en");
    assert_eq!(data["authToken"].as_str().unwrap().len(), 24);
    // The returned userId still works with its token: only the stated promise breaks.
    let (token, user_id) = (
        data["authToken"].as_str().unwrap(),
        data["userId"].as_str().unwrap(),
    );
    assert_eq!(send(me(&server, token, user_id)).await.status, 200);
    server.shutdown().await;

    for (fault, check) in [
        (MeFault::MissingAvatarUrl, "avatarUrl"),
        (MeFault::EmailsAsStrings, "emails"),
    ] {
        let server = start_with(
            Api::RocketChat,
            with(RocketChatFaults {
                me_fault: fault,
                ..Default::default()
            }),
        )
        .await;
        let me = login_status(&server, alice.clone()).await.1["data"]["me"].clone();
        match fault {
            MeFault::EmailsAsStrings => assert_eq!(me[check], json!(["alice@example.test"])),
            _ => assert!(me.get(check).is_none()),
        }
        server.shutdown().await;
    }
}

#[tokio::test]
async fn variant_slim_failures_and_refused_tokens() {
    let alice = json!({"user": "alice", "password": ALICE_PASSWORD});
    let faults = RocketChatFaults {
        failure_body: RocketChatFailureBody::Slim,
        failure_status: 403,
        refuse_issued_tokens: true,
        ..Default::default()
    };
    let server = start_with(Api::RocketChat, with(faults)).await;
    let failed = login_status(&server, json!({"user": "alice", "password": "x"})).await;
    assert_eq!(
        failed,
        (403, json!({"success": false, "error": "unauthorized"}))
    );
    let data = login_status(&server, alice.clone()).await.1["data"].clone();
    let refused = send(me(
        &server,
        data["authToken"].as_str().unwrap(),
        data["userId"].as_str().unwrap(),
    ))
    .await;
    assert_eq!(refused.status, 401);
    server.shutdown().await;
}

#[tokio::test]
async fn wrong_user_id_mutant_answers_an_id_that_me_refuses() {
    let alice = json!({"user": "alice", "password": ALICE_PASSWORD});
    let faults = RocketChatFaults {
        wrong_user_id: true,
        ..Default::default()
    };
    let server = start_with(Api::RocketChat, with(faults)).await;
    let (status, body) = login_status(&server, alice).await;
    assert_eq!(status, 200);
    let data = &body["data"];
    let token = data["authToken"].as_str().unwrap();
    let returned = data["userId"].as_str().unwrap();
    let own = data["me"]["_id"].as_str().unwrap();
    assert_ne!(returned, own);
    let refused = send(me(&server, token, returned)).await;
    assert_eq!(
        (refused.status, refused.json()),
        (
            401,
            json!({"status": "error", "message": "You must be logged in to do this."})
        )
    );
    let profile = send(me(&server, token, own)).await;
    assert_eq!(profile.status, 200);
    assert_eq!(profile.json()["_id"], json!(own));
    server.shutdown().await;
}

#[tokio::test]
async fn me_minimal_variant_leaves_out_the_optional_user_fields() {
    let faults = RocketChatFaults {
        me_minimal: true,
        ..Default::default()
    };
    let server = start_with(Api::RocketChat, with(faults)).await;
    let (status, body) = login_status(
        &server,
        json!({"user": "alice", "password": ALICE_PASSWORD}),
    )
    .await;
    assert_eq!(status, 200);
    let data = &body["data"];
    let user_id = data["userId"].as_str().unwrap();
    let token = data["authToken"].as_str().unwrap();
    let profile = send(me(&server, token, user_id)).await.json();
    for me in [&data["me"], &profile] {
        for absent in ["name", "emails", "statusConnection", "utcOffset"] {
            assert!(me.get(absent).is_none(), "{absent} in {me}");
        }
        assert_eq!(me["username"], "alice");
        assert_eq!(me["_id"], json!(user_id));
        assert!(me.get("avatarUrl").is_some());
    }
    server.shutdown().await;
}
