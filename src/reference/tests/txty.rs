//! Txty: key issuance, the tfkey branch, the documented echo, XML, key follow-up calls.

use serde_json::json;

use super::support::*;
use crate::reference::{Api, Faults, ReferenceServer, TxtyFaults, XmlNaming};

const LOGIN: &str = "/user/newapikey/login.json";

fn login_query(user: &str, pass: &str, tfkey: Option<&str>) -> Vec<(&'static str, String)> {
    let mut query = vec![
        ("user", user.to_string()),
        ("pass", pass.to_string()),
        ("description", "conform".to_string()),
    ];
    if let Some(code) = tfkey {
        query.push(("tfkey", code.to_string()));
    }
    query
}

#[tokio::test]
async fn primary_login_issues_a_new_key_each_time() {
    let server = start(Api::Txty).await;
    let url = format!("{}{LOGIN}", server.base_url());
    let first = send(
        client()
            .get(&url)
            .query(&login_query("alice", ALICE_PASSWORD, None)),
    )
    .await;
    assert_eq!(first.status, 200);
    assert_eq!(first.content_type, "application/json; charset=utf-8");
    let body = first.json();
    assert_eq!(body["status"], "success");
    assert_eq!(body["success"], "ADDED_KEY");
    assert!(body["newapikey"]["controlapikey"].is_u64());
    let key = body["newapikey"]["key"].as_str().unwrap().to_string();
    assert_eq!(key.len(), 10);
    assert!(key.chars().all(|c| c.is_ascii_alphanumeric()));

    // A form-encoded POST, as the WordPress client sends it; tfkey is ignored for alice.
    let form = [
        ("user", "alice"),
        ("pass", ALICE_PASSWORD),
        ("description", "Smsi"),
        ("tfkey", "1"),
    ];
    let second = send(client().post(&url).form(&form)).await.json();
    assert_eq!(second["success"], "ADDED_KEY");
    assert_ne!(second["newapikey"]["key"], json!(key));

    let view = format!("{}/view/user/api.json", server.base_url());
    let user = send(
        client()
            .get(&view)
            .query(&[("user", "alice"), ("key", &key)]),
    )
    .await;
    assert_eq!(
        user.json(),
        json!({"status": "success", "success": "VIEW_USER",
               "user": {"controluser": 0, "username": "alice", "status": 10}})
    );
    for (user, key) in [("bob", key.as_str()), ("alice", "nope"), ("alice", "")] {
        let refused = send(client().post(&view).form(&[("user", user), ("key", key)])).await;
        assert_eq!(
            refused.json(),
            json!({"status": "error", "error": "INVALID_APIKEY"})
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn failures_echo_user_and_pass() {
    let server = start(Api::Txty).await;
    let url = format!("{}{LOGIN}", server.base_url());
    for (user, pass) in [
        ("alice", "wrong"),
        ("nobody", ALICE_PASSWORD),
        ("bob", ALICE_PASSWORD),
    ] {
        let answer = send(client().get(&url).query(&login_query(user, pass, None))).await;
        assert_eq!(answer.status, 200);
        assert_eq!(
            answer.json(),
            json!({"status": "error", "error": "USER_NOT_FOUND", "login": {"user": user, "pass": pass}})
        );
    }
    let bare = send(client().get(&url)).await.json();
    assert_eq!(bare["login"], json!({"user": null, "pass": null}));
    // Malformed percent-encoding and bodies are answered, never a panic.
    let odd = send(client().post(format!("{url}?user=%FF%ZZ")).body("pass=%")).await;
    assert_eq!(odd.json()["error"], "USER_NOT_FOUND");
    server.shutdown().await;
}

#[tokio::test]
async fn two_factor_account_needs_a_valid_tfkey() {
    let server = start(Api::Txty).await;
    let url = format!("{}{LOGIN}", server.base_url());
    let step_one = send(
        client()
            .get(&url)
            .query(&login_query("bob", BOB_PASSWORD, None)),
    )
    .await;
    assert_eq!(
        step_one.json(),
        json!({"status": "success", "success": "ADDED_TF"})
    );
    let empty = send(
        client()
            .get(&url)
            .query(&login_query("bob", BOB_PASSWORD, Some(""))),
    )
    .await;
    assert_eq!(empty.json()["success"], "ADDED_TF");

    let wrong = bob_wrong_code();
    let refused = send(
        client()
            .get(&url)
            .query(&login_query("bob", BOB_PASSWORD, Some(&wrong))),
    )
    .await;
    assert_eq!(
        refused.json(),
        json!({"status": "error", "error": "USER_NOT_FOUND", "login": {"user": "bob", "pass": BOB_PASSWORD}})
    );
    let code = bob_code();
    let form = [
        ("user", "bob"),
        ("pass", BOB_PASSWORD),
        ("description", "x"),
        ("tfkey", code.as_str()),
    ];
    let granted = send(client().post(&url).form(&form)).await.json();
    assert_eq!(granted["success"], "ADDED_KEY");
    assert_eq!(granted["newapikey"]["key"].as_str().unwrap().len(), 10);
    server.shutdown().await;
}

#[tokio::test]
async fn xml_suffix_answers_the_same_information_as_xml() {
    let server = start(Api::Txty).await;
    let url = format!("{}/user/newapikey/login.xml", server.base_url());
    let answer = send(
        client()
            .get(&url)
            .query(&login_query("alice", ALICE_PASSWORD, None)),
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type, "application/xml; charset=utf-8");
    let doc = roxmltree::Document::parse(&answer.text).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "response");
    let text = |name: &str| {
        root.descendants()
            .find(|n| n.has_tag_name(name))
            .and_then(|n| n.text())
            .map(str::to_string)
    };
    assert_eq!(text("status").as_deref(), Some("success"));
    assert_eq!(text("success").as_deref(), Some("ADDED_KEY"));
    assert_eq!(text("key").map(|k| k.len()), Some(10));

    let failed = send(
        client()
            .get(&url)
            .query(&login_query("alice", "a<b&c", None)),
    )
    .await;
    let doc = roxmltree::Document::parse(&failed.text).unwrap();
    let pass = doc.descendants().find(|n| n.has_tag_name("pass")).unwrap();
    assert_eq!(pass.text(), Some("a<b&c"));
    server.shutdown().await;
}

#[tokio::test]
async fn deleted_key_stops_working() {
    let server = start(Api::Txty).await;
    let base = server.base_url();
    let login = send(client().get(format!("{base}{LOGIN}")).query(&login_query(
        "alice",
        ALICE_PASSWORD,
        None,
    )))
    .await;
    let key = login.json()["newapikey"]["key"]
        .as_str()
        .unwrap()
        .to_string();
    let delete = format!("{base}/user/deleteapikey/api.json");
    let auth = [("user", "alice"), ("key", key.as_str())];
    let missing = send(client().get(&delete).query(&auth)).await.json();
    assert_eq!(missing["error"], "EMPTY_APIKEY");
    let deleted = send(
        client()
            .get(&delete)
            .query(&auth)
            .query(&[("apikey", &key)]),
    )
    .await;
    assert_eq!(
        deleted.json(),
        json!({"status": "success", "success": "DELETE_APIKEY"})
    );
    let view = send(
        client()
            .get(format!("{base}/view/user/api.json"))
            .query(&auth),
    )
    .await;
    assert_eq!(view.json()["error"], "INVALID_APIKEY");
    server.shutdown().await;
}

fn login_request(
    server: &ReferenceServer,
    user: &str,
    pass: &str,
    tfkey: Option<&str>,
) -> reqwest::RequestBuilder {
    client()
        .get(format!("{}{LOGIN}", server.base_url()))
        .query(&login_query(user, pass, tfkey))
}

fn with(txty: TxtyFaults) -> Faults {
    Faults {
        txty,
        ..Faults::default()
    }
}

#[tokio::test]
async fn variant_error_status_and_plain_json() {
    let server = start_with(
        Api::Txty,
        with(TxtyFaults {
            error_status: 401,
            json_charset: false,
            ..Default::default()
        }),
    )
    .await;
    let failed = send(login_request(&server, "alice", "x", None)).await;
    assert_eq!(
        (failed.status, failed.content_type.as_str()),
        (401, "application/json")
    );
    server.shutdown().await;
}

#[tokio::test]
async fn mutant_echo_and_error_code() {
    let server = start_with(
        Api::Txty,
        with(TxtyFaults {
            echo_password: false,
            wrong_error_code: true,
            ..Default::default()
        }),
    )
    .await;
    let failed = send(login_request(&server, "alice", "x", None))
        .await
        .json();
    assert_eq!(
        failed,
        json!({"status": "error", "error": "INVALID_LOGIN", "login": {"user": "alice"}})
    );
    server.shutdown().await;
}

#[tokio::test]
async fn mutant_second_factor_faults() {
    let server = start_with(
        Api::Txty,
        with(TxtyFaults {
            bypass_2fa: true,
            ..Default::default()
        }),
    )
    .await;
    assert_eq!(
        send(login_request(&server, "bob", BOB_PASSWORD, None))
            .await
            .json()["success"],
        "ADDED_KEY"
    );
    server.shutdown().await;

    let server = start_with(
        Api::Txty,
        with(TxtyFaults {
            accept_any_tfkey: true,
            accept_wrong_password: true,
            ..Default::default()
        }),
    )
    .await;
    assert_eq!(
        send(login_request(&server, "bob", "x", Some("0")))
            .await
            .json()["success"],
        "ADDED_KEY"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn key_shape_and_reuse() {
    let faults = TxtyFaults {
        controlapikey_as_string: true,
        key_length: 16,
        key_alphabet: crate::reference::TxtyKeyAlphabet::LowerHex,
        reuse_key: true,
        extra_fields: true,
        ..Default::default()
    };
    let server = start_with(Api::Txty, with(faults)).await;
    let first = send(login_request(&server, "alice", ALICE_PASSWORD, None))
        .await
        .json();
    let second = send(login_request(&server, "alice", ALICE_PASSWORD, None))
        .await
        .json();
    assert!(first["newapikey"]["controlapikey"].is_string());
    assert_eq!(first["newapikey"]["description"], "conform");
    let key = first["newapikey"]["key"].as_str().unwrap();
    assert!(key.len() == 16 && key.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(first["newapikey"], second["newapikey"]);
    server.shutdown().await;
}

#[tokio::test]
async fn mutant_xml_as_json_and_refused_keys() {
    let server = start_with(
        Api::Txty,
        with(TxtyFaults {
            xml_answers_json: true,
            refuse_issued_keys: true,
            ..Default::default()
        }),
    )
    .await;
    let xml_url = format!("{}/user/newapikey/login.xml", server.base_url());
    let answer = send(
        client()
            .get(xml_url)
            .query(&login_query("alice", ALICE_PASSWORD, None)),
    )
    .await;
    assert!(answer.content_type.starts_with("application/json"));
    let key = answer.json()["newapikey"]["key"]
        .as_str()
        .unwrap()
        .to_string();
    let view = send(
        client()
            .get(format!("{}/view/user/api.json", server.base_url()))
            .query(&[("user", "alice"), ("key", &key)]),
    )
    .await;
    assert_eq!(view.json()["error"], "INVALID_APIKEY");
    server.shutdown().await;
}

#[tokio::test]
async fn variant_xml_naming() {
    let server = start_with(
        Api::Txty,
        with(TxtyFaults {
            xml_naming: XmlNaming::UpperCase,
            ..Default::default()
        }),
    )
    .await;
    let answer = send(
        client()
            .get(format!("{}/user/newapikey/login.xml", server.base_url()))
            .query(&login_query("bob", BOB_PASSWORD, None)),
    )
    .await;
    assert!(
        answer
            .text
            .contains("<RESPONSE><STATUS>success</STATUS><SUCCESS>ADDED_TF</SUCCESS></RESPONSE>"),
        "{}",
        answer.text
    );
    server.shutdown().await;
}
