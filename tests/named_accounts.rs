//! Named accounts with free fields, and branch arms chosen by what the tester knows of
//! the account when the server's answers look alike.

mod common;

use common::{Scratch, conform_async, secret_forms::assert_no_leak};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PROFILE: &str = r#"
accounts:
  primary:
    username: alice
    password: "alice-Pa55word"
  two_factor:
    username: bob
    password: "bob-Pa55word"
    totp_secret: JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
  locked_user:
    username: carol
    password: "carol-Pa55word"
    fields: { tenant: acme }
    secret_fields: { pin: "9731-pin" }
"#;

/// Keycloak's way: "OTP required" and "wrong password" are the same 401 body.
const SPEC: &str = r#"
title: named accounts
document: d
cases:
  - id: login
    section: s
    account: primary
    require_arms: [refused]
    steps:
      - &login
        request:
          method: POST
          path: /token
          form: { username: "{{ account.username }}", password: "{{ account.password }}" }
        branch:
          - arm: needs_code
            when: { status: 401, account: { has: [code] } }
          - arm: refused
            when: { status: 401, account: { lacks: [code] } }
          - arm: issued
            when: { status: 200 }
  - id: login.two_factor
    section: s
    account: two_factor
    require_arms: [needs_code]
    steps:
      - *login
  - id: tenant
    section: s
    account: locked_user
    steps:
      - request:
          method: POST
          path: /token
          form:
            username: "{{ account.username }}"
            tenant: "{{ account.tenant }}"
            pin: "{{ account.pin }}"
        expect: { status: 401, not_contains: ["{{ account.pin }}"] }
  - id: absent
    section: s
    account: service_bot
    steps:
      - request: { path: "/u/{{ account.username }}" }
"#;

#[tokio::test]
async fn named_accounts_free_fields_and_account_aware_arms() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"error": "invalid_grant", "error_description": "Invalid user credentials"}),
        ))
        .mount(&server)
        .await;
    let s = Scratch::new();
    s.write("spec.yaml", SPEC);
    s.write("profile.yaml", PROFILE);
    let out = conform_async(
        s.path().to_path_buf(),
        vec![
            "run".into(),
            "--target".into(),
            server.uri(),
            "--profile".into(),
            "profile.yaml".into(),
            "-v".into(),
            "spec.yaml".into(),
        ],
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stdout.contains("PASS spec::login "), "{}", out.stdout);
    assert!(
        out.stdout.contains("PASS spec::login.two_factor "),
        "the 2FA account takes the code arm on the same answer: {}",
        out.stdout
    );
    assert!(out.stdout.contains("PASS spec::tenant "), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("SKIP spec::absent (the profile has no `service_bot` account)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("tenant=acme"),
        "free fields are shown: {}",
        out.stdout
    );
    assert_no_leak(&[("output", &out.all())], &["9731-pin", "carol-Pa55word"]);
}

#[tokio::test]
async fn a_typo_of_a_profile_account_is_an_error_at_lint() {
    let s = Scratch::new();
    s.write("profile.yaml", PROFILE);
    s.write(
        "spec.yaml",
        "title: t\ndocument: d\ncases:\n  - { id: a, section: s, account: locked_usr, steps: [{ request: { path: /x } }] }\n",
    );
    let out = conform_async(
        s.path().to_path_buf(),
        vec![
            "lint".into(),
            "--profile".into(),
            "profile.yaml".into(),
            "spec.yaml".into(),
        ],
    )
    .await;
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr
            .contains("the profile has no account `locked_usr`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("help: did you mean `locked_user`?"),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn what_a_step_sent_is_known_to_its_checks_and_masked() {
    let server = MockServer::start().await;
    // Echoes whatever password it was sent, right or wrong.
    struct Echo;
    impl wiremock::Respond for Echo {
        fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
            let form: Vec<(String, String)> = url::form_urlencoded::parse(&request.body)
                .into_owned()
                .collect();
            let pass = form
                .iter()
                .find(|(k, _)| k == "password")
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            ResponseTemplate::new(401)
                .set_body_json(json!({"error": "invalid_grant", "tried": pass}))
        }
    }
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(Echo)
        .mount(&server)
        .await;
    let s = Scratch::new();
    s.write("profile.yaml", PROFILE);
    s.write(
        "spec.yaml",
        r#"
title: t
document: d
vars: { wrong: "Wr0ng-guess-77" }
cases:
  - id: wrong_password_not_echoed
    section: s
    account: primary
    steps:
      - request:
          method: POST
          path: /token
          form: { username: "{{ account.username }}", password: "{{ vars.wrong }}" }
        expect: { status: 401, not_contains: ["{{ sent.password }}"] }
"#,
    );
    let out = conform_async(
        s.path().to_path_buf(),
        vec![
            "run".into(),
            "--target".into(),
            server.uri(),
            "--profile".into(),
            "profile.yaml".into(),
            "spec.yaml".into(),
        ],
    )
    .await;
    assert_eq!(
        out.code,
        1,
        "the echo of the wrong password is caught: {}",
        out.all()
    );
    assert!(
        out.stdout
            .contains("`{{ sent.password }}` appears in the body"),
        "{}",
        out.stdout
    );
    assert_no_leak(&[("output", &out.all())], &["Wr0ng-guess-77"]);

    s.write(
        "typo.yaml",
        "title: t\ndocument: d\ncases:\n  - id: a\n    section: s\n    steps:\n      - request: { path: /x, query: { password: p } }\n        expect: { not_contains: [\"{{ sent.pasword }}\"] }\n      - request: { path: \"/y/{{ sent.password }}\" }\n",
    );
    let out = conform_async(
        s.path().to_path_buf(),
        vec!["lint".into(), "typo.yaml".into()],
    )
    .await;
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr
            .contains("this step's request sends no `pasword`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("help: did you mean `password`?"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("`sent.password` is what this step sent, known only once it is sent"),
        "{}",
        out.stderr
    );
}
