//! Security advisories (#13) through the real binary: the exact set the shipped specs
//! raise against the bundled reference, each passive advisory shown by a wiremock server
//! that has the weakness and not by one without it, `--deny-advisories` and `--allow`,
//! and no secret in any output.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::secret_forms::assert_no_leak;
use common::{Scratch, conform, conform_async};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PASSWORD: &str = "Adv1sory-Pa55word";
const PROFILE: &str =
    "accounts:\n  primary:\n    username: alice\n    password: \"Adv1sory-Pa55word\"\n";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `(spec, id)` of each advisory of a JSON report.
fn advisories(report: &Value) -> BTreeSet<(String, String)> {
    report["advisories"]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|a| {
                    (
                        a["spec"].as_str().unwrap_or_default().to_string(),
                        a["id"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn pair(spec: &str, id: &str) -> (String, String) {
    (spec.to_string(), id.to_string())
}

#[test]
fn the_shipped_specs_raise_exactly_what_their_documents_imply() {
    let s = Scratch::new();
    let json = s.path().join("report.json");
    let junit = s.path().join("junit.xml");
    let specs = repo().join("specs");
    let out = conform(
        repo(),
        &[
            "run",
            "--report-json",
            &json.to_string_lossy(),
            "--junit",
            &junit.to_string_lossy(),
            &specs.to_string_lossy(),
        ],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    let text = std::fs::read_to_string(&json).expect("report");
    let report: Value = serde_json::from_str(&text).expect("JSON");
    let expected: BTreeSet<_> = [
        // Each document has its login send the password in the query string; payroll's
        // travels in headers and raises nothing.
        pair("txty", "credentials-in-query"),
        pair("cielo24", "credentials-in-query"),
        pair("coldstream", "credentials-in-query"),
        // Txty documents USER_NOT_FOUND echoing login.pass.
        pair("txty", "credential-echo"),
    ]
    .into_iter()
    .collect();
    assert_eq!(advisories(&report), expected, "{text}");
    assert_eq!(report["schema_version"], 1);
    assert!(
        out.stdout.contains("90 passed, 0 failed, 4 advisories"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("\nadvisories:\n"), "{}", out.stdout);
    let xml = std::fs::read_to_string(&junit).expect("junit");
    assert!(xml.contains("conform-advisories"), "{xml}");
    let profile =
        std::fs::read_to_string(repo().join("fixtures/reference-profile.yaml")).expect("profile");
    let secrets: Vec<&str> = profile
        .lines()
        .filter_map(|l| {
            let (k, v) = l.trim().split_once(": ")?;
            ["password", "secure_key", "totp_secret"]
                .contains(&k)
                .then(|| v.trim_matches('"'))
        })
        .collect();
    assert_eq!(secrets.len(), 4);
    assert_no_leak(
        &[("stdout", &out.stdout), ("json", &text), ("junit", &xml)],
        &secrets,
    );
}

#[test]
fn deny_advisories_fails_the_run_and_allow_silences() {
    let spec = repo().join("specs/txty.yaml");
    let spec = spec.to_string_lossy();
    let denied = conform(repo(), &["run", &spec, "--deny-advisories"]);
    assert_eq!(denied.code, 1, "{}", denied.all());
    assert!(
        denied.stdout.contains("2 advisories (2 denied)"),
        "{}",
        denied.stdout
    );
    assert!(
        denied.stderr.contains("denied by --deny-advisories"),
        "{}",
        denied.stderr
    );
    let above = conform(repo(), &["run", &spec, "--deny-advisories", "high"]);
    assert_eq!(above.code, 0, "{}", above.all());
    let allowed = conform(
        repo(),
        &[
            "run",
            &spec,
            "--deny-advisories",
            "--allow",
            "credentials-in-query",
            "--allow",
            "credential-echo",
        ],
    );
    assert_eq!(allowed.code, 0, "{}", allowed.all());
    assert!(!allowed.stdout.contains("advisor"), "{}", allowed.stdout);
    let unknown = conform(repo(), &["run", &spec, "--allow", "no-such-advisory"]);
    assert_eq!(unknown.code, 2, "{}", unknown.all());
}

/// A login spec: POST /login with the credentials in a JSON body (or in the query).
fn login_spec(in_query: bool) -> String {
    let creds = r#"{ user: "{{ account.username }}", password: "{{ account.password }}" }"#;
    let request = if in_query {
        format!("{{ method: POST, path: /login, query: {creds} }}")
    } else {
        format!("{{ method: POST, path: /login, json: {creds} }}")
    };
    format!(
        "title: adv\ndocument: d\ncases:\n  - id: login\n    section: s\n    account: primary\n    steps:\n      - request: {request}\n        expect: {{ status: 200 }}\n"
    )
}

/// An unknown user's and a wrong password's login, in the same shape.
const REFUSALS_SPEC: &str = r#"
title: adv
document: d
cases:
  - id: unknown_user
    section: s
    account: primary
    steps:
      - request: { method: POST, path: /login, json: { user: nobody-here, password: "{{ account.password }}" } }
        expect: { status: 4xx }
  - id: wrong_password
    section: s
    account: primary
    steps:
      - request: { method: POST, path: /login, json: { user: "{{ account.username }}", password: wrong-pass } }
        expect: { status: 4xx }
"#;

/// Runs `spec` against `server`; the advisory ids of the JSON report, and every output
/// checked for the password.
async fn advisory_ids(server: &MockServer, spec: &str) -> BTreeSet<String> {
    let s = Scratch::new();
    s.write("spec.yaml", spec);
    s.write("profile.yaml", PROFILE);
    let cwd: PathBuf = s.path().to_path_buf();
    let args: Vec<String> = [
        "run",
        "--target",
        &server.uri(),
        "--profile",
        "profile.yaml",
        "--report-json",
        "report.json",
        "--junit",
        "junit.xml",
        "--github",
        "spec.yaml",
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    let out = conform_async(cwd, args).await;
    let text = std::fs::read_to_string(s.path().join("report.json")).expect("report");
    let xml = std::fs::read_to_string(s.path().join("junit.xml")).expect("junit");
    assert_no_leak(
        &[
            ("stdout", &out.stdout),
            ("stderr", &out.stderr),
            ("json", &text),
            ("junit", &xml),
        ],
        &[PASSWORD],
    );
    let report: Value = serde_json::from_str(&text).expect("JSON");
    advisories(&report).into_iter().map(|(_, id)| id).collect()
}

async fn serving(answer: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/login"))
        .respond_with(answer)
        .mount(&server)
        .await;
    server
}

/// A JSON answer with `no-store`, as a careful API sends it.
fn careful(body: Value) -> ResponseTemplate {
    careful_with(200, body)
}

/// [`careful`] with another status.
fn careful_with(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("cache-control", "no-store")
        .set_body_raw(body.to_string().into_bytes(), "application/json")
}

fn jwt(claims: Value, secret: &str) -> String {
    let enc = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let input = format!(
        "{}.{}",
        enc(&json!({"alg": "HS256", "typ": "JWT"})),
        enc(&claims)
    );
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(input.as_bytes());
    format!(
        "{input}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A token that raises nothing: signed with a long random-looking key, an hour long.
fn good_token() -> String {
    jwt(
        json!({"sub": "alice", "iat": now(), "exp": now() + 3600}),
        "q8v2-Xn4t-on-any-list-7Hc1",
    )
}

fn only(id: &str) -> BTreeSet<String> {
    [id.to_string()].into_iter().collect()
}

#[tokio::test]
async fn a_careful_server_raises_nothing() {
    let server = serving(careful(json!({"token": good_token()}))).await;
    assert_eq!(
        advisory_ids(&server, &login_spec(false)).await,
        BTreeSet::new()
    );
}

#[tokio::test]
async fn credentials_in_query() {
    let server = serving(careful(json!({"ok": true}))).await;
    assert_eq!(
        advisory_ids(&server, &login_spec(true)).await,
        only("credentials-in-query")
    );
    assert_eq!(
        advisory_ids(&server, &login_spec(false)).await,
        BTreeSet::new()
    );
}

#[tokio::test]
async fn credential_echo() {
    let echo = serving(careful(json!({"error": "bad login", "pass": PASSWORD}))).await;
    assert_eq!(
        advisory_ids(&echo, &login_spec(false)).await,
        only("credential-echo")
    );
    let quiet = serving(careful(json!({"error": "bad login"}))).await;
    assert_eq!(
        advisory_ids(&quiet, &login_spec(false)).await,
        BTreeSet::new()
    );
}

#[tokio::test]
async fn token_cacheable() {
    let body = json!({"token": good_token()}).to_string().into_bytes();
    let cached = serving(ResponseTemplate::new(200).set_body_raw(body, "application/json")).await;
    assert_eq!(
        advisory_ids(&cached, &login_spec(false)).await,
        only("token-cacheable")
    );
    let private = serving(
        ResponseTemplate::new(200)
            .insert_header("cache-control", "private, no-store")
            .set_body_raw(
                json!({"token": good_token()}).to_string().into_bytes(),
                "application/json",
            ),
    )
    .await;
    assert_eq!(
        advisory_ids(&private, &login_spec(false)).await,
        BTreeSet::new()
    );
}

#[tokio::test]
async fn cookie_flags() {
    let bare = serving(
        careful(json!({"ok": true})).insert_header("set-cookie", "sid=abc123def456; Path=/"),
    )
    .await;
    assert_eq!(
        advisory_ids(&bare, &login_spec(false)).await,
        only("cookie-flags")
    );
    let flagged = serving(careful(json!({"ok": true})).insert_header(
        "set-cookie",
        "sid=abc123def456; Path=/; Secure; HttpOnly; SameSite=Strict",
    ))
    .await;
    assert_eq!(
        advisory_ids(&flagged, &login_spec(false)).await,
        BTreeSet::new()
    );
}

#[tokio::test]
async fn json_media_types() {
    let body = || json!({"ok": true}).to_string().into_bytes();
    let html =
        serving(ResponseTemplate::new(200).set_body_raw(body(), "text/html; charset=utf-8")).await;
    assert_eq!(
        advisory_ids(&html, &login_spec(false)).await,
        only("json-as-html")
    );
    let plain = serving(ResponseTemplate::new(200).set_body_raw(body(), "text/plain")).await;
    assert_eq!(
        advisory_ids(&plain, &login_spec(false)).await,
        only("json-media-type")
    );
    let problem =
        serving(ResponseTemplate::new(200).set_body_raw(body(), "application/problem+json")).await;
    assert_eq!(
        advisory_ids(&problem, &login_spec(false)).await,
        BTreeSet::new()
    );
}

#[tokio::test]
async fn jwt_lifetimes_and_weak_secrets() {
    let key = "q8v2-Xn4t-on-any-list-7Hc1";
    let no_exp = serving(careful(json!({"token": jwt(json!({"sub": "alice"}), key)}))).await;
    assert_eq!(
        advisory_ids(&no_exp, &login_spec(false)).await,
        only("jwt-no-exp")
    );
    let long = jwt(json!({"iat": now(), "exp": now() + 7 * 24 * 3600}), key);
    let long = serving(careful(json!({"token": long}))).await;
    assert_eq!(
        advisory_ids(&long, &login_spec(false)).await,
        only("jwt-long-lifetime")
    );
    let weak = jwt(
        json!({"iat": now(), "exp": now() + 3600}),
        "your-256-bit-secret",
    );
    let weak = serving(careful(json!({"token": weak}))).await;
    assert_eq!(
        advisory_ids(&weak, &login_spec(false)).await,
        only("jwt-weak-secret")
    );
}

#[tokio::test]
async fn user_enumeration() {
    let telling = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/login"))
        .and(body_partial_json(json!({"user": "nobody-here"})))
        .respond_with(careful_with(404, json!({"error": "no such user"})))
        .mount(&telling)
        .await;
    Mock::given(method("POST"))
        .and(path("/login"))
        .respond_with(careful_with(401, json!({"error": "wrong password"})))
        .mount(&telling)
        .await;
    assert_eq!(
        advisory_ids(&telling, REFUSALS_SPEC).await,
        only("user-enumeration")
    );
    // Same answer but for a request id and a timestamp, which differ between any two.
    let discreet = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/login"))
        .and(body_partial_json(json!({"user": "nobody-here"})))
        .respond_with(
            careful_with(401, json!({"error": "invalid credentials", "requestId": "6f1c0a9e-1d2b-4c3d-9e8f-0a1b2c3d4e5f", "at": "2025-01-02T03:04:05Z"})),
        )
        .mount(&discreet)
        .await;
    Mock::given(method("POST"))
        .and(path("/login"))
        .respond_with(
            careful_with(401, json!({"error": "invalid credentials", "requestId": "0b9e8d7c-6a5b-4c3d-8e2f-1a0b9c8d7e6f", "at": "2025-01-02T03:04:06Z"})),
        )
        .mount(&discreet)
        .await;
    assert_eq!(
        advisory_ids(&discreet, REFUSALS_SPEC).await,
        BTreeSet::new()
    );
}
