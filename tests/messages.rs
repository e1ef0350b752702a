//! Failure reports a newcomer understands: the real binary against wiremock servers on
//! loopback, asserting the exact lines a first spec's mistakes produce.

mod common;

use common::{Scratch, conform_async};
use serde_json::json;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn run(spec: &str, profile: &str, target: String) -> common::Output {
    let s = Scratch::new();
    s.write("spec.yaml", spec);
    s.write("profile.yaml", profile);
    let args = [
        "run",
        "--target",
        &target,
        "--profile",
        "profile.yaml",
        "spec.yaml",
    ];
    conform_async(
        s.path().to_path_buf(),
        args.iter().map(|a| a.to_string()).collect(),
    )
    .await
}

const PROFILE: &str =
    "accounts:\n  primary:\n    username: alice\n    password: \"n0t-the-Password\"\n";

/// A refused password sends the case down the 2FA arm, whose step needs a code the
/// account has no way to get: the report shows the refusal and says what it means.
#[tokio::test]
async fn a_code_step_after_a_refusal_shows_the_answer_that_led_there() {
    let server = MockServer::start().await;
    Mock::given(path("/login"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": "wrong password"})))
        .mount(&server)
        .await;
    let spec = r#"
title: t
document: d
cases:
  - id: login
    section: s
    account: primary
    steps:
      - request: { path: /login, query: { user: "{{ account.username }}", pass: "{{ account.password }}" } }
        branch:
          - arm: ok
            when: { status: 200 }
          - arm: two_factor
            when: { status: 401 }
            steps:
              - request: { path: /login, query: { code: "{{ code }}" } }
"#;
    let out = run(spec, PROFILE, server.uri()).await;
    assert_eq!(out.code, 1, "{}", out.all());
    let stdout = &out.stdout;
    assert!(
        stdout.contains("    step 1\n"),
        "the step that branched: {stdout}"
    );
    assert!(
        stdout.contains(
            "`step 1 › two_factor › step 1` needs a code, but account `primary` has no way \
             to obtain codes; the previous answer (below) took arm `two_factor`; if the \
             password was refused, the account's profile password may be wrong"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("\"error\": \"wrong password\""),
        "the refusal is shown: {stdout}"
    );
    assert!(!stdout.contains("n0t-the-Password"), "{stdout}");
}

/// An arm whose only case failed in transport is "not exercised" with the reason.
#[tokio::test]
async fn an_arm_whose_cases_failed_in_transport_says_so() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let spec = r#"
title: t
document: d
cases:
  - id: json.username
    section: s
    steps:
      - request: { path: /login }
        branch:
          - arm: issued
            when: { status: 200 }
"#;
    let out = run(spec, PROFILE, format!("http://127.0.0.1:{port}")).await;
    assert_eq!(out.code, 1, "{}", out.all());
    let line = out
        .stdout
        .lines()
        .find(|l| l.contains("arm `issued` not exercised"))
        .unwrap_or_default();
    assert!(
        line.starts_with(
            "  spec: arm `issued` not exercised — its cases failed before branching: \
             spec::json.username (transport: "
        ) && line.to_lowercase().contains("connection refused"),
        "{}",
        out.stdout
    );
}
