//! `conform run --fresh-codes` twice against a server that refuses a replayed TOTP code
//! (RFC 6238 §5.2, Keycloak's default): the second run, another process, must not reuse
//! the first run's window, and must say that it waits.

mod common;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use common::{Output, Scratch, conform_env};
use conform::otp::TotpGenerator;
use serde_json::json;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// 80 bits, as GitHub and Google issue them.
const SECRET: &str = "JBSWY3DPEHPK3PXP";
const PERIOD: u64 = 2;

const SPEC: &str = r#"
title: t
document: d
cases:
  - id: login
    section: s
    account: two_factor
    steps:
      - request: { method: POST, path: /2fa, json: { code: "{{ code }}" } }
        expect: { status: 200 }
"#;

/// Accepts a code valid within one window of now, once: a code of a window at or
/// before the last one accepted is refused as a replay.
#[derive(Clone, Default)]
struct ReplayRefusingServer {
    accepted: Arc<Mutex<Vec<(u64, String)>>>,
}

impl Respond for ReplayRefusingServer {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
        let code = body["code"].as_str().unwrap_or_default().to_string();
        let g = TotpGenerator::from_base32(SECRET, "SHA1", 6, PERIOD).expect("secret");
        let Some(window) = g.verify(&code, conform::otp::now_unix(), 1) else {
            return ResponseTemplate::new(401).set_body_json(json!({"error": "invalid"}));
        };
        let mut accepted = self.accepted.lock().unwrap();
        if accepted.last().is_some_and(|(last, _)| window <= *last) {
            return ResponseTemplate::new(401).set_body_json(json!({"error": "replayed"}));
        }
        accepted.push((window, code));
        ResponseTemplate::new(200).set_body_json(json!({"ok": true}))
    }
}

fn now_seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs_f64()
}

async fn run(scratch: &Scratch, server: &MockServer, state: &std::path::Path) -> Output {
    let cwd: PathBuf = scratch.path().to_path_buf();
    let uri = server.uri();
    let state = state.to_string_lossy().into_owned();
    tokio::task::spawn_blocking(move || {
        let args = [
            "run",
            "--target",
            &uri,
            "--profile",
            "profile.yaml",
            "spec.yaml",
            "--fresh-codes",
        ];
        conform_env(&cwd, &args, &[("CONFORM_STATE_DIR", &state)])
    })
    .await
    .expect("join")
}

#[tokio::test]
async fn a_second_run_waits_for_a_window_the_first_did_not_use() {
    let scratch = Scratch::new();
    scratch.write("spec.yaml", SPEC);
    scratch.write(
        "profile.yaml",
        &format!(
            "accounts:\n  two_factor:\n    username: bob\n    totp_period: {PERIOD}\n    totp_secret: {SECRET}\n"
        ),
    );
    // The second run shows the state file's effect only if it starts in the window the
    // first one used: start the first early in a window (waiting at most 1.2 s for one),
    // and try again with a new server and state directory if it still ended too late.
    for _ in 0..5 {
        let into_window = now_seconds() % PERIOD as f64;
        if into_window > 0.8 {
            let to_boundary = PERIOD as f64 - into_window + 0.02;
            tokio::time::sleep(std::time::Duration::from_secs_f64(to_boundary)).await;
        }
        let state = tempfile::tempdir().expect("temp dir");
        let server = MockServer::start().await;
        let replay = ReplayRefusingServer::default();
        Mock::given(path("/2fa"))
            .respond_with(replay.clone())
            .mount(&server)
            .await;

        let first = run(&scratch, &server, state.path()).await;
        assert_eq!(first.code, 0, "{}", first.all());
        assert!(
            first.stderr.contains(
                "warning: profile.yaml:5:18: TOTP secret: account `two_factor`: the secret is 80 bits; RFC 4226 asks for at least 128"
            ),
            "{}",
            first.stderr
        );
        assert!(!first.stderr.contains("waiting"), "{}", first.stderr);
        let (window, first_code) = replay.accepted.lock().unwrap()[0].clone();
        let window_end = ((window + 1) * PERIOD) as f64;
        if window_end - now_seconds() < 0.8 {
            continue;
        }

        let second = run(&scratch, &server, state.path()).await;
        assert_eq!(
            second.code,
            0,
            "the server refused a replay:\n{}",
            second.all()
        );
        let notice = second
            .stderr
            .lines()
            .find(|l| l.starts_with("waiting "))
            .unwrap_or_else(|| panic!("no wait notice:\n{}", second.stderr));
        assert!(
            notice == "waiting 1 s for a fresh TOTP window for account two_factor (--fresh-codes)"
                || notice
                    == "waiting 2 s for a fresh TOTP window for account two_factor (--fresh-codes)",
            "{notice}"
        );
        let accepted = replay.accepted.lock().unwrap().clone();
        assert_eq!(accepted.len(), 2);
        assert!(accepted[1].0 > window, "{accepted:?}");

        let files: Vec<_> = std::fs::read_dir(state.path())
            .expect("state dir")
            .map(|e| e.expect("entry").path())
            .collect();
        let state_text = std::fs::read_to_string(state.path().join("totp-windows.json"))
            .unwrap_or_else(|e| panic!("no state file among {files:?}: {e}"));
        for leak in [
            first_code.as_str(),
            accepted[1].1.as_str(),
            SECRET,
            "127.0.0.1",
        ] {
            assert!(!state_text.contains(leak), "{leak} in {state_text}");
        }
        return;
    }
    panic!("every first run ended within 0.8 s of its window's end");
}
