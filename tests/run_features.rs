//! The real binary against wiremock servers on loopback: one test per capability of
//! the spec language, plus exit codes, masking, JUnit and transport faults.

mod common;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{Scratch, conform_async};
use serde_json::json;
use wiremock::matchers::{body_partial_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
const PASSWORD: &str = "S3cr3t Pa55&word";

fn profile() -> String {
    format!(
        "accounts:\n  primary:\n    username: alice\n    email: alice@example.test\n    password: \"{PASSWORD}\"\n  two_factor:\n    username: bob\n    password: \"{PASSWORD}\"\n    totp_secret: {TOTP_SECRET}\n"
    )
}

async fn run(scratch: &Scratch, server: &MockServer, extra: &[&str]) -> common::Output {
    let mut args: Vec<String> = vec![
        "run".into(),
        "--target".into(),
        server.uri(),
        "--profile".into(),
        "profile.yaml".into(),
        "spec.yaml".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    conform_async(scratch.path().to_path_buf(), args).await
}

fn scratch(spec: &str) -> Scratch {
    let s = Scratch::new();
    s.write("spec.yaml", spec);
    s.write("profile.yaml", &profile());
    s
}

#[tokio::test]
async fn captures_flow_into_later_steps_and_are_masked() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/login"))
        .and(body_partial_json(json!({"user": "alice"})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"token": "tok-0123456789abcdef"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/me"))
        .and(header("authorization", "Bearer tok-0123456789abcdef"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"name": "alice"})))
        .mount(&server)
        .await;
    let s = scratch(
        r#"
title: t
document: d
cases:
  - id: capture
    section: s
    account: primary
    steps:
      - request: { method: POST, path: /login, json: { user: "{{ account.username }}", password: "{{ account.password }}" } }
        expect: { status: 200 }
        capture:
          token: { jsonpath: $.token }
      - request:
          path: /me
          headers: { Authorization: "Bearer {{ token }}" }
        expect:
          json: { name: "{{ account.username }}" }
"#,
    );
    let out = run(&s, &server, &["-v"]).await;
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stdout.contains("PASS spec::capture"), "{}", out.stdout);
    assert!(
        out.stdout.contains("Bearer ***"),
        "verbose shows the masked header: {}",
        out.stdout
    );
    assert!(!out.all().contains("tok-0123456789abcdef"), "{}", out.all());
    assert!(out.stdout.contains("1 passed, 0 failed"));
}

#[tokio::test]
async fn a_response_matching_no_arm_fails_and_shows_the_response() {
    let server = MockServer::start().await;
    Mock::given(path("/login"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"state": "surprise"})))
        .mount(&server)
        .await;
    let s = scratch(
        r#"
title: t
document: d
cases:
  - id: branch
    section: s
    steps:
      - request: { path: /login }
        branch:
          - arm: done
            when: { json: { state: done } }
          - arm: needs_code
            when: { json: { state: code } }
"#,
    );
    let out = run(&s, &server, &[]).await;
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(out.stdout.contains("FAIL spec::branch"));
    assert!(
        out.stdout.contains("the response matches no arm"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("arm `done`: at $.state: expected \"done\", found \"surprise\""),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("\"state\": \"surprise\""),
        "the response body is shown: {}",
        out.stdout
    );
}

#[tokio::test]
async fn required_and_forbidden_arms() {
    let server = MockServer::start().await;
    Mock::given(path("/login"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"state": "done"})))
        .mount(&server)
        .await;
    let s = scratch(
        r#"
title: t
document: d
steps:
  flow:
    request: { path: /login }
    branch:
      - arm: direct
        when: { json: { state: done } }
      - arm: two_factor
        when: { json: { state: code } }
cases:
  - id: must_take_two_factor
    section: s
    require_arms: [two_factor]
    steps: [{ use: flow }]
  - id: must_not_take_direct
    section: s
    forbid_arms: [direct]
    steps: [{ use: flow }]
  - id: fine
    section: s
    require_arms: [direct]
    steps: [{ use: flow }]
"#,
    );
    let out = run(&s, &server, &[]).await;
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stdout
            .contains("the case must take arm `two_factor`, but did not"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("the response takes arm `direct`, which this case must not take"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("PASS spec::fine"));
}

/// Accepts the body's `code` if it is the current TOTP code of the test secret.
struct TotpServer;

impl Respond for TotpServer {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
        let code = body["code"].as_str().unwrap_or_default();
        let generator =
            conform::otp::TotpGenerator::from_base32(TOTP_SECRET, "SHA1", 6, 30).expect("secret");
        match generator.verify(code, conform::otp::now_unix(), 1) {
            Some(_) => ResponseTemplate::new(200).set_body_json(json!({"ok": true})),
            None => ResponseTemplate::new(401).set_body_json(json!({"ok": false})),
        }
    }
}

#[tokio::test]
async fn totp_codes_are_valid_and_wrong_codes_are_not() {
    let server = MockServer::start().await;
    Mock::given(path("/2fa"))
        .respond_with(TotpServer)
        .mount(&server)
        .await;
    let s = scratch(
        r#"
title: t
document: d
cases:
  - id: right
    section: s
    account: two_factor
    steps:
      - request: { method: POST, path: /2fa, json: { code: "{{ code }}" } }
        expect: { status: 200, json: { ok: true } }
  - id: wrong
    section: s
    account: two_factor
    steps:
      - request: { method: POST, path: /2fa, json: { code: "{{ wrong_code }}" } }
        expect: { status: 401 }
"#,
    );
    let out = run(&s, &server, &["-v"]).await;
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stdout.contains("\"code\":\"***\""),
        "codes are masked: {}",
        out.stdout
    );
    assert!(!out.all().contains(TOTP_SECRET));
}

#[tokio::test]
async fn static_and_command_codes() {
    let server = MockServer::start().await;
    Mock::given(path("/2fa"))
        .and(query_param("code", "424242"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(path("/2fa"))
        .and(query_param("code", "777777"))
        .respond_with(ResponseTemplate::new(201))
        .mount(&server)
        .await;
    let spec = r#"
title: t
document: d
cases:
  - id: code
    section: s
    account: two_factor
    steps:
      - request: { path: /2fa, query: { code: "{{ code }}" } }
        expect: { status: [200, 201] }
"#;
    let s = scratch(spec);
    s.write(
        "profile.yaml",
        "accounts:\n  two_factor: { username: bob, code: \"424242\" }\n",
    );
    let out = run(&s, &server, &[]).await;
    assert_eq!(out.code, 0, "static code: {}", out.all());
    s.write(
        "profile.yaml",
        "accounts:\n  two_factor: { username: bob, code_command: \"echo 777777\" }\n",
    );
    let out = run(&s, &server, &[]).await;
    assert_eq!(out.code, 0, "command code: {}", out.all());
    s.write(
        "profile.yaml",
        "accounts:\n  two_factor: { username: bob, code_command: \"echo boom >&2; exit 4\" }\n",
    );
    let out = run(&s, &server, &[]).await;
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stdout
            .contains("code_command exited with exit status: 4: boom"),
        "{}",
        out.stdout
    );
}

#[tokio::test]
async fn xml_paths() {
    let server = MockServer::start().await;
    Mock::given(path("/x.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"<?xml version="1.0"?><response kind="login"><status>success</status><key>abc</key><key>def</key></response>"#,
            "application/xml",
        ))
        .mount(&server)
        .await;
    Mock::given(path("/bad.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "success"})))
        .mount(&server)
        .await;
    let s = scratch(
        r#"
title: t
document: d
cases:
  - id: ok
    section: s
    steps:
      - request: { path: /x.xml }
        expect:
          xml:
            - { path: $.response.status, equals: success }
            - { path: "$.response['@kind']", equals: login }
            - { path: "$.response.key", length: 2 }
            - { path: "$..[?@ == 'def']", exists: true }
  - id: wrong_value
    section: s
    steps:
      - request: { path: /x.xml }
        expect:
          xml: [{ path: $.response.status, equals: error }]
  - id: not_xml
    section: s
    steps:
      - request: { path: /bad.xml }
        expect:
          xml: [{ path: $..status, exists: true }]
"#,
    );
    let out = run(&s, &server, &[]).await;
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(out.stdout.contains("PASS spec::ok"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("at $['response']['status']: expected \"error\", found \"success\""),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("the body is not well-formed XML"),
        "{}",
        out.stdout
    );
}

#[tokio::test]
async fn json_schema_inline_and_from_a_file() {
    let server = MockServer::start().await;
    Mock::given(path("/login"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"ApiToken": "7ca5dc5c", "extra": 1})),
        )
        .mount(&server)
        .await;
    let s = scratch(
        r#"
title: t
document: d
cases:
  - id: inline
    section: s
    steps:
      - request: { path: /login }
        expect:
          schema:
            type: object
            required: [ApiToken]
            properties: { ApiToken: { type: string, pattern: "^[0-9a-f]+$" } }
  - id: file
    section: s
    steps:
      - request: { path: /login }
        expect:
          schema_file: schemas/strict.json
"#,
    );
    s.write(
        "schemas/strict.json",
        r#"{"type": "object", "properties": {"ApiToken": {"type": "integer"}}, "additionalProperties": false}"#,
    );
    let out = run(&s, &server, &[]).await;
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(out.stdout.contains("PASS spec::inline"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("schemas/strict.json: at /ApiToken: \"7ca5dc5c\" is not of type \"integer\""),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("Additional properties are not allowed ('extra' was unexpected)"),
        "{}",
        out.stdout
    );
}

/// Issues a JWT whose `exp` lies `lifetime` seconds ahead of the request.
struct JwtServer {
    lifetime: u64,
}

impl Respond for JwtServer {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let exp = conform::otp::now_unix() + self.lifetime;
        let token = format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(r#"{"typ":"JWT","alg":"HS256"}"#),
            URL_SAFE_NO_PAD.encode(format!(r#"{{"user":"alice","exp":{exp}}}"#)),
            URL_SAFE_NO_PAD.encode([7u8; 32])
        );
        ResponseTemplate::new(200)
            .set_body_json(json!({"code": 200, "status": "ok", "token": token}))
    }
}

#[tokio::test]
async fn jwt_lifetime_window() {
    let server = MockServer::start().await;
    Mock::given(path("/thirty"))
        .respond_with(JwtServer { lifetime: 1800 })
        .mount(&server)
        .await;
    Mock::given(path("/sixty"))
        .respond_with(JwtServer { lifetime: 3600 })
        .mount(&server)
        .await;
    let s = scratch(
        r#"
title: t
document: d
cases:
  - id: thirty
    section: s
    steps:
      - request: { path: /thirty }
        expect:
          jsonpath: [{ path: $.token, jwt: { claims: [exp, user], expires_in: 30m, tolerance: 2m } }]
  - id: sixty
    section: s
    steps:
      - request: { path: /sixty }
        expect:
          jsonpath: [{ path: $.token, jwt: { expires_in: 30m } }]
  - id: shape
    section: s
    steps:
      - request: { path: /sixty }
        expect:
          jsonpath: [{ path: "$..*", nodes: any, jwt: {} }]
"#,
    );
    let out = run(&s, &server, &[]).await;
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(out.stdout.contains("PASS spec::thirty"), "{}", out.stdout);
    assert!(out.stdout.contains("PASS spec::shape"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("the JWT expires in 60m, expected 30m ± 2m"),
        "{}",
        out.stdout
    );
}

#[tokio::test]
async fn secrets_never_reach_stdout_stderr_or_junit() {
    let server = MockServer::start().await;
    let encoded: String = url::form_urlencoded::byte_serialize(PASSWORD.as_bytes()).collect();
    Mock::given(path("/echo"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-echo", encoded.as_str())
                .set_body_json(json!({"pass": PASSWORD, "token": "issued-token-value-42"})),
        )
        .mount(&server)
        .await;
    let s = scratch(
        r#"
title: t
document: d
cases:
  - id: leak
    section: s
    account: two_factor
    steps:
      - request:
          path: /echo
          query: { pass: "{{ account.password }}", code: "{{ code }}" }
          headers: { x-password: "{{ account.password }}" }
        capture:
          token: { jsonpath: $.token }
        expect:
          not_contains: ["{{ account.password }}"]
          json: { pass: nope }
"#,
    );
    let out = run(&s, &server, &["-v", "--junit", "report.xml"]).await;
    assert_eq!(out.code, 1, "{}", out.all());
    let junit = std::fs::read_to_string(s.path().join("report.xml")).expect("junit written");
    for text in [&out.stdout, &out.stderr, &junit] {
        assert!(!text.contains(PASSWORD), "password leaked: {text}");
        assert!(!text.contains(&encoded), "encoded password leaked: {text}");
        assert!(
            !text.contains("S3cr3t"),
            "part of the password leaked: {text}"
        );
        assert!(!text.contains(TOTP_SECRET), "TOTP secret leaked: {text}");
        assert!(
            !text.contains("issued-token-value-42"),
            "captured token leaked: {text}"
        );
    }
    assert!(
        out.stdout.contains("appears in header `x-echo`"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("pass=***"), "{}", out.stdout);
}

#[tokio::test]
async fn junit_report_is_valid_and_complete() {
    let server = MockServer::start().await;
    Mock::given(path("/ok"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let s = scratch(
        r#"
title: t
document: d
cases:
  - id: pass
    section: "§1"
    tags: [a]
    steps: [{ request: { path: /ok }, expect: { status: 200 } }]
  - id: fail
    section: "§2"
    steps: [{ request: { path: /ok }, expect: { status: 201 } }]
  - id: skip
    section: "§3"
    account: two_factor
    steps: [{ request: { path: /ok } }]
"#,
    );
    s.write("profile.yaml", "accounts:\n  primary: { username: a }\n");
    let out = run(&s, &server, &["--junit", "out/junit.xml"]).await;
    assert_eq!(
        out.code,
        2,
        "the JUnit directory does not exist: {}",
        out.all()
    );
    std::fs::create_dir_all(s.path().join("out")).expect("mkdir");
    let out = run(&s, &server, &["--junit", "out/junit.xml"]).await;
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stdout.contains("1 passed, 1 failed, 1 skipped"),
        "{}",
        out.stdout
    );
    let xml = std::fs::read_to_string(s.path().join("out/junit.xml")).expect("junit");
    let doc = roxmltree::Document::parse(&xml).expect("well-formed JUnit");
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 3);
    let failed = cases
        .iter()
        .find(|c| c.attribute("name") == Some("spec::fail"))
        .expect("fail case");
    let failure = failed
        .children()
        .find(|n| n.has_tag_name("failure"))
        .expect("failure element");
    assert_eq!(
        failure.attribute("message"),
        Some("status code: actual status is 200")
    );
    assert!(
        failure.text().unwrap_or_default().contains("spec.yaml:"),
        "the description points at the spec"
    );
    let skipped = cases
        .iter()
        .find(|c| c.attribute("name") == Some("spec::skip"))
        .expect("skip case");
    assert!(skipped.children().any(|n| n.has_tag_name("skipped")));
}

#[tokio::test]
async fn transport_faults_are_failed_cases_and_the_run_goes_on() {
    let server = MockServer::start().await;
    Mock::given(path("/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    Mock::given(path("/fast"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let s = scratch(
        r#"
title: t
document: d
cases:
  - id: slow
    section: s
    steps: [{ request: { path: /slow, timeout: 300ms }, expect: { status: 200 } }]
  - id: fast
    section: s
    steps: [{ request: { path: /fast }, expect: { status: 200 } }]
"#,
    );
    let out = run(&s, &server, &[]).await;
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stdout.contains("no complete response within 300ms"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("PASS spec::fast"), "{}", out.stdout);

    // Nothing listens on this port: connection refused is a failed case, not a crash.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let out = conform_async(
        s.path().to_path_buf(),
        vec![
            "run".into(),
            "--target".into(),
            format!("http://127.0.0.1:{port}"),
            "spec.yaml".into(),
            "--filter".into(),
            "fast".into(),
        ],
    )
    .await;
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(out.stdout.contains("error: transport"), "{}", out.stdout);
    assert!(out.stdout.contains("Connection refused"), "{}", out.stdout);
}

#[tokio::test]
async fn selection_by_filter_and_tag() {
    let server = MockServer::start().await;
    Mock::given(path("/ok"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let s = scratch(
        r#"
title: t
document: d
cases:
  - { id: a.one, section: s, tags: [x], steps: [{ request: { path: /ok } }] }
  - { id: a.two, section: s, tags: [y], steps: [{ request: { path: /ok } }] }
  - { id: b.one, section: s, tags: [x, lockout-risk], steps: [{ request: { path: /ok } }] }
"#,
    );
    let out = run(&s, &server, &["--filter", "spec::a.*"]).await;
    assert!(out.stdout.contains("2 passed"), "{}", out.stdout);
    let out = run(&s, &server, &["--tag", "x", "--tag", "!lockout-risk"]).await;
    assert!(
        out.stdout.contains("PASS spec::a.one") && out.stdout.contains("1 passed"),
        "{}",
        out.stdout
    );
    let out = run(&s, &server, &["--filter", "nothing-matches"]).await;
    assert_eq!(out.code, 1, "nothing ran, so the gate fails: {}", out.all());
    assert!(
        out.stderr
            .contains("error: no case ran: no case matches the given --filter/--tag"),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn fallback_method_is_sent_after_404_or_405_only() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/login"))
        .respond_with(ResponseTemplate::new(405))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/login"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "ok"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/teapot"))
        .respond_with(ResponseTemplate::new(418))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/teapot"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let s = scratch(
        r#"
title: t
document: d
cases:
  - id: post_after_405
    section: s
    steps:
      - request: { method: GET, fallback_method: POST, path: /login }
        expect: { status: 200, json: { status: ok } }
  - id: no_fallback_after_418
    section: s
    steps:
      - request: { method: GET, fallback_method: POST, path: /teapot }
        expect: { status: 200 }
"#,
    );
    let out = run(&s, &server, &[]).await;
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stdout.contains("PASS spec::post_after_405"),
        "{}",
        out.all()
    );
    assert!(
        out.stdout.contains("FAIL spec::no_fallback_after_418"),
        "{}",
        out.all()
    );
    assert!(out.stdout.contains("GET http://"), "{}", out.all());
}

#[tokio::test]
async fn checks_that_want_nothing_hold_on_a_body_that_is_not_json() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/login"))
        .respond_with(ResponseTemplate::new(401).set_body_raw("Unauthorized", "text/plain"))
        .mount(&server)
        .await;
    let s = scratch(
        r#"
title: t
document: d
cases:
  - id: refused
    section: s
    steps:
      - request: { method: POST, path: /login }
        expect:
          jsonpath:
            - { path: $.token, absent: true }
            - { path: "$..*", nodes: none, jwt: {} }
  - id: wants_a_field
    section: s
    steps:
      - request: { method: POST, path: /login }
        expect:
          jsonpath:
            - { path: $.error, exists: true }
"#,
    );
    let out = run(&s, &server, &[]).await;
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(out.stdout.contains("PASS spec::refused"), "{}", out.all());
    assert!(
        out.stdout.contains("FAIL spec::wants_a_field"),
        "{}",
        out.all()
    );
    assert!(out.stdout.contains("the body is not JSON"), "{}", out.all());
}

#[tokio::test]
async fn issued_tokens_and_jwts_are_masked_in_every_report() {
    let jwt = format!(
        "{}.{}.c2lnbmF0dXJl",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(r#"{"sub":"alice"}"#)
    );
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/login"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ApiToken": "issued-0123456789abcdef",
            "session": {"bearer": jwt},
            "user": "alice"
        })))
        .mount(&server)
        .await;
    let s = scratch(
        r#"
title: t
document: d
secrets: [$.ApiToken]
cases:
  - id: login
    section: s
    account: primary
    steps:
      - request: { method: POST, path: /login, json: { user: "{{ account.username }}" } }
        expect:
          json: { ApiToken: { $matches: "^[0-9]+$" }, user: nobody }
"#,
    );
    let out = run(&s, &server, &["-v", "--junit", "junit.xml"]).await;
    assert_eq!(out.code, 1, "{}", out.all());
    let junit = std::fs::read_to_string(s.path().join("junit.xml")).expect("junit");
    for text in [&out.stdout, &out.stderr, &junit] {
        assert!(!text.contains("issued-0123456789abcdef"), "{text}");
        assert!(!text.contains(&jwt), "{text}");
    }
    // The checks still saw the real values; reports show where they were.
    assert!(
        out.stdout.contains(r#""ApiToken": "***""#),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains(r#""bearer": "***""#), "{}", out.stdout);
    assert!(out.stdout.contains("nobody"), "{}", out.stdout);
}
