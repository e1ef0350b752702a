//! The leak suite: no secret reaches any output, report or snapshot, in any encoding.
//!
//! Every shipped spec runs against the reference (passing, and failing with accounts
//! the server does not know, so failure reports show requests and echoes), and a fault
//! server echoes the password in every encoding a server might use, issues tokens in
//! headers and cookies, and reads an env-filled var and a target's userinfo. Each run
//! writes `-v` output, JUnit and snapshots; each is searched for every secret raw,
//! case-swapped, upper- and lower-cased, percent-, base64-, HTML-, XML- and
//! JSON-escaped (`common::secret_forms`, written apart from conform's masker).

mod common;

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use common::secret_forms::{assert_no_leak, find_leak};
use common::{Scratch, conform_env_async};
use serde_json::{Value, json};
use wiremock::matchers::path_regex;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The reference profile's secrets.
const REFERENCE_SECRETS: [&str; 4] = [
    "Tr0ub4dor&3-primary",
    "c0rrect-h0rse-2fa",
    "5f0c3e2a9b7d41c8a6e4d2b0c9f8e7a1",
    "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
];

/// Reads every file under `dir` into one text.
fn read_tree(dir: &Path) -> String {
    let mut out = String::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.push_str(&read_tree(&path));
        } else if let Ok(text) = std::fs::read_to_string(&path) {
            out.push_str(&format!("== {}\n{text}\n", path.display()));
        }
    }
    out
}

fn swap(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_lowercase() {
                c.to_uppercase().collect::<Vec<_>>()
            } else {
                c.to_lowercase().collect()
            }
        })
        .collect()
}

/// A run's outputs, named.
struct Outputs {
    stdout: String,
    stderr: String,
    junit: String,
    snapshots: String,
}

impl Outputs {
    fn named(&self) -> Vec<(&str, &str)> {
        vec![
            ("stdout", self.stdout.as_str()),
            ("stderr", self.stderr.as_str()),
            ("JUnit", self.junit.as_str()),
            ("snapshots", self.snapshots.as_str()),
        ]
    }
}

async fn run_all_outputs(
    scratch: &Scratch,
    mut args: Vec<String>,
    env: Vec<(String, String)>,
) -> (i32, Outputs) {
    args.extend(
        [
            "-v",
            "--junit",
            "junit.xml",
            "--snapshots",
            "snaps",
            "--update-snapshots",
        ]
        .map(String::from),
    );
    let out = conform_env_async(scratch.path().to_path_buf(), args, env).await;
    let outputs = Outputs {
        stdout: out.stdout,
        stderr: out.stderr,
        junit: std::fs::read_to_string(scratch.path().join("junit.xml")).unwrap_or_default(),
        snapshots: read_tree(&scratch.path().join("snaps")),
    };
    (out.code, outputs)
}

#[tokio::test]
async fn shipped_specs_against_the_reference_leak_nothing() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scratch = Scratch::new();
    let specs = root.join("specs").display().to_string();
    let (code, outputs) =
        run_all_outputs(&scratch, vec!["run".into(), specs.clone()], Vec::new()).await;
    assert_eq!(code, 0, "{}", outputs.stdout);
    assert!(
        outputs.snapshots.contains("body (json)"),
        "snapshots were written"
    );
    let derived: Vec<String> = REFERENCE_SECRETS.iter().map(|s| swap(s)).collect();
    let mut secrets: Vec<&str> = REFERENCE_SECRETS.to_vec();
    secrets.extend(derived.iter().map(String::as_str));
    assert_no_leak(&outputs.named(), &secrets);
}

#[tokio::test]
async fn failing_runs_of_the_shipped_specs_leak_nothing() {
    // The reference serves its own accounts; this profile's passwords and keys are
    // wrong, so most cases fail and their reports show every request and echo.
    let scratch = Scratch::new();
    let wrong = [
        "Wr0ng&Pässwörd/1 x",
        "An0ther\"Wrong<Pass>",
        "0123abcd4567ef89aa00bb11cc22dd33",
    ];
    scratch.write(
        "profile.yaml",
        &format!(
            "accounts:\n  primary:\n    username: alice\n    email: alice@example.test\n    password: {}\n    secure_key: {}\n  two_factor:\n    username: bob\n    email: bob@example.test\n    password: {}\n    totp_secret: JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\n",
            serde_json::to_string(wrong[0]).unwrap_or_default(),
            wrong[2],
            serde_json::to_string(wrong[1]).unwrap_or_default(),
        ),
    );
    let profile = conform::profile::reference_profile();
    let mut servers = Vec::new();
    let mut targets = Vec::new();
    for api in conform::reference::Api::ALL {
        let server = conform::reference::serve(api, &profile, Default::default())
            .await
            .expect("reference starts");
        targets.push((api, server.base_url()));
        servers.push(server);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (api, target) in targets {
        let spec = root.join(format!("specs/{api}.yaml")).display().to_string();
        let args = vec![
            "run".into(),
            "--target".into(),
            target.to_string(),
            "--profile".into(),
            "profile.yaml".into(),
            spec,
        ];
        let (code, outputs) = run_all_outputs(&scratch, args, Vec::new()).await;
        assert_eq!(
            code, 1,
            "{api}: the wrong accounts fail: {}",
            outputs.stdout
        );
        let derived: Vec<String> = wrong.iter().map(|s| swap(s)).collect();
        let mut secrets: Vec<&str> = wrong.to_vec();
        secrets.extend(derived.iter().map(String::as_str));
        assert_no_leak(&outputs.named(), &secrets);
    }
    for server in servers {
        server.shutdown().await;
    }
}

const PASSWORD: &str = "S3cr&t/Pæss wörd\"42";
const ENV_SECRET: &str = "env-secret-value-42";
const TARGET_PASSWORD: &str = "leak!pass-77";
const ISSUED: [&str; 4] = [
    "session-token-5b1f9e",
    "x-auth-token-77aa31",
    "bearer-token-c0ffee",
    "body-token-9d8e7f",
];

/// Echoes the password of a JSON login body in the encoding its path names.
struct Echo;

fn every_char(s: &str, f: impl Fn(char) -> String) -> String {
    s.chars().map(f).collect()
}

fn jwt_with(claim: &str) -> String {
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = URL_SAFE_NO_PAD.encode(json!({"sub": "alice", "pw": claim}).to_string());
    let signature = URL_SAFE_NO_PAD.encode([7u8; 32]);
    format!("{header}.{claims}.{signature}")
}

impl Respond for Echo {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let pw = body["password"].as_str().unwrap_or_default().to_string();
        let encoding = request.url.path().rsplit('/').next().unwrap_or_default();
        let json_body = |text: String| {
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/json")
                .set_body_string(text)
        };
        let html = |text: String| {
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/html")
                .set_body_string(format!("<html><body><p>{text}</p></body></html>"))
        };
        let padding = "x".repeat(20 * 1024);
        match encoding {
            "raw" => json_body(json!({"login": {"pass": pw}}).to_string()),
            "upper" => json_body(json!({"login": {"pass": pw.to_uppercase()}}).to_string()),
            "swapped" => json_body(json!({"login": {"pass": swap(&pw)}}).to_string()),
            "percent" => json_body(format!(
                r#"{{"next":"/x?p={}"}}"#,
                pw.bytes()
                    .enumerate()
                    .map(|(i, b)| if i % 2 == 0 {
                        format!("%{b:02x}")
                    } else {
                        format!("%{b:02X}")
                    })
                    .collect::<String>()
            )),
            "base64" => json_body(json!({"blob": STANDARD.encode(&pw)}).to_string()),
            "basic" => ResponseTemplate::new(200).insert_header(
                "x-echo",
                format!("Basic {}", STANDARD.encode(format!("alice:{pw}"))),
            ),
            "jwt-header" => ResponseTemplate::new(200)
                .insert_header("x-debug", format!("Bearer {}", jwt_with(&pw))),
            "html-decimal" => html(every_char(&pw, |c| format!("&#{};", c as u32))),
            "html-hex" => html(every_char(&pw, |c| format!("&#x{:X};", c as u32))),
            "xml" => ResponseTemplate::new(200)
                .insert_header("content-type", "application/xml")
                .set_body_string(format!(
                    "<r><pass>{}</pass></r>",
                    pw.replace('&', "&amp;")
                        .replace('<', "&lt;")
                        .replace('"', "&quot;")
                )),
            "json-u" => json_body(format!(
                r#"{{"pass":"{}"}}"#,
                pw.encode_utf16()
                    .map(|u| format!("\\u{u:04X}"))
                    .collect::<String>()
            )),
            "big-json-u" => json_body(format!(
                r#"{{"pad":"{padding}","pass":"{}"}}"#,
                pw.encode_utf16()
                    .map(|u| format!("\\u{u:04x}"))
                    .collect::<String>()
            )),
            "big-html" => html(format!(
                "{padding}{}",
                every_char(&pw, |c| format!("&#{};", c as u32))
            )),
            _ => ResponseTemplate::new(404),
        }
    }
}

/// Issues credentials in headers, a cookie and the body; the body says nothing else.
struct Issue;

impl Respond for Issue {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        ResponseTemplate::new(200)
            .insert_header(
                "set-cookie",
                format!("session={}; Path=/; HttpOnly", ISSUED[0]),
            )
            .insert_header("x-auth-token", ISSUED[1])
            .insert_header("authorization", format!("Bearer {}", ISSUED[2]))
            .set_body_json(json!({"ok": true, "token": ISSUED[3]}))
    }
}

const ENCODINGS: [&str; 13] = [
    "raw",
    "upper",
    "swapped",
    "percent",
    "base64",
    "basic",
    "jwt-header",
    "html-decimal",
    "html-hex",
    "xml",
    "json-u",
    "big-json-u",
    "big-html",
];

fn echo_spec() -> String {
    let mut cases = String::new();
    for encoding in ENCODINGS {
        for (id, value) in [
            ("echo", "{{ account.password }}"),
            ("swapped", "{{ swapcase(account.password) }}"),
        ] {
            cases.push_str(&format!(
                r#"
  - id: {id}.{encoding}
    section: echo
    account: primary
    steps:
      - request:
          method: POST
          path: /echo/{encoding}
          headers: {{ x-api-key: "{{{{ vars.api_key }}}}" }}
          json: {{ user: "{{{{ account.username }}}}", password: "{value}" }}
        expect:
          not_contains: ["{value}"]
        snapshot: {{ headers: [x-echo, x-debug, content-type] }}
"#
            ));
        }
    }
    format!(
        r#"
title: leaks
document: the leak suite
secrets: [$.token]
cases:
  - id: issue
    section: issued credentials
    account: primary
    steps:
      - request: {{ method: POST, path: /issue, json: {{ user: "{{{{ account.username }}}}" }} }}
        expect: {{ status: 200 }}
        snapshot: {{ headers: [set-cookie, x-auth-token, authorization] }}
{cases}"#
    )
}

#[tokio::test]
async fn echoes_in_every_encoding_are_caught_and_never_shown() {
    let server = MockServer::start().await;
    Mock::given(path_regex("^/echo/"))
        .respond_with(Echo)
        .mount(&server)
        .await;
    Mock::given(path_regex("^/issue$"))
        .respond_with(Issue)
        .mount(&server)
        .await;
    let scratch = Scratch::new();
    scratch.write("spec.yaml", &echo_spec());
    scratch.write(
        "profile.yaml",
        &format!(
            "accounts:\n  primary:\n    username: alice\n    password: {}\nvars:\n  api_key: ${{LEAK_API_KEY}}\n",
            serde_json::to_string(PASSWORD).unwrap_or_default()
        ),
    );
    let address = server.address();
    let target = format!(
        "http://leakuser:{}@{address}",
        TARGET_PASSWORD.replace('!', "%21")
    );
    let args = vec![
        "run".into(),
        "--target".into(),
        target,
        "--profile".into(),
        "profile.yaml".into(),
        "spec.yaml".into(),
    ];
    let env = vec![("LEAK_API_KEY".to_string(), ENV_SECRET.to_string())];
    let (code, outputs) = run_all_outputs(&scratch, args, env).await;
    assert_eq!(code, 1, "{}", outputs.stdout);
    assert!(
        outputs.stdout.contains("PASS spec::issue"),
        "{}",
        outputs.stdout
    );
    for encoding in ENCODINGS {
        for id in ["echo", "swapped"] {
            let line = format!("FAIL spec::{id}.{encoding} ");
            assert!(
                outputs.stdout.contains(&line),
                "not_contains catches the {id} password echoed as {encoding}:\n{}",
                outputs.stdout
            );
        }
    }
    assert!(
        outputs.stdout.contains("http://***:***@"),
        "the target's userinfo is masked: {}",
        outputs.stdout
    );
    let swapped = swap(PASSWORD);
    let mut secrets = vec![PASSWORD, swapped.as_str(), ENV_SECRET, TARGET_PASSWORD];
    secrets.extend(ISSUED);
    assert_no_leak(&outputs.named(), &secrets);
    assert!(
        find_leak(&outputs.stdout, "leakuser").is_none(),
        "the target's user name is masked too"
    );
}
