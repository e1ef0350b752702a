//! Honest exit codes and run health: a run in which nothing ran fails, skips can fail,
//! Ctrl-C and `--deadline` stop the run with complete reports, and a dead target fails
//! fast instead of waiting out every case's timeout.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Scratch, conform};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

/// A server that accepts connections and never answers.
async fn silent_server() -> (String, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = [0u8; 1024];
            let _ = socket.read(&mut buf).await;
            held.push(socket);
        }
    });
    (format!("http://{address}"), task)
}

fn many_cases(n: usize) -> String {
    let mut spec = String::from("title: t\ndocument: d\ncases:\n");
    for i in 0..n {
        spec.push_str(&format!(
            "  - {{ id: c{i}, section: s, steps: [{{ request: {{ path: /x }}, expect: {{ status: 200 }} }}] }}\n"
        ));
    }
    spec
}

#[test]
fn a_profile_lacking_every_account_fails_the_run() {
    let s = Scratch::new();
    s.write(
        "spec.yaml",
        "title: t\ndocument: d\ncases:\n  - { id: a, section: s, account: primary, steps: [{ request: { path: \"/u/{{ account.username }}\" } }] }\n",
    );
    let out = conform(
        s.path(),
        &["run", "--target", "http://127.0.0.1:9", "spec.yaml"],
    );
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stdout
            .contains("SKIP spec::a (the profile has no `primary` account)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.contains("error: no case ran: 1 skipped"),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn fail_on_skip_fails_a_run_with_a_skip() {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::path("/x"))
        .respond_with(wiremock::ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let s = Scratch::new();
    s.write(
        "spec.yaml",
        "title: t\ndocument: d\ncases:\n  - { id: a, section: s, account: primary, steps: [{ request: { path: /x } }] }\n  - { id: b, section: s, steps: [{ request: { path: /x }, expect: { status: 200 } }] }\n",
    );
    let run = |extra: &'static [&'static str]| {
        let dir = s.path().to_path_buf();
        let target = server.uri();
        tokio::task::spawn_blocking(move || {
            let mut args = vec!["run", "--target", target.as_str(), "spec.yaml"];
            args.extend_from_slice(extra);
            conform(&dir, &args)
        })
    };
    let plain = run(&[]).await.expect("join");
    assert_eq!(plain.code, 0, "a skip alone passes: {}", plain.all());
    let strict = run(&["--fail-on-skip"]).await.expect("join");
    assert_eq!(strict.code, 1, "{}", strict.all());
    assert!(
        strict
            .stderr
            .contains("error: 1 case(s) skipped and --fail-on-skip is set"),
        "{}",
        strict.stderr
    );
}

#[tokio::test]
async fn a_dead_target_fails_fast_after_three_transport_failures() {
    let (target, server) = silent_server().await;
    let s = Scratch::new();
    s.write("spec.yaml", &many_cases(500));
    let dir = s.path().to_path_buf();
    let started = Instant::now();
    let out = tokio::task::spawn_blocking(move || {
        conform(
            &dir,
            &[
                "run",
                "--target",
                &target,
                "--timeout",
                "300ms",
                "spec.yaml",
            ],
        )
    })
    .await
    .expect("join");
    server.abort();
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stdout.contains("0 passed, 500 failed"),
        "{}",
        &out.stdout[out.stdout.len().saturating_sub(500)..]
    );
    let unreachable = out
        .stdout
        .matches("not sent: the target is unreachable — the last 3 requests to it failed in transport (no complete response within 300ms)")
        .count();
    assert_eq!(unreachable, 497, "all but the first three fail at once");
    // Three timeouts of 300 ms, not 500: bounded by the failures, not the cases.
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[tokio::test]
async fn a_deadline_stops_the_run_and_the_reports_are_complete() {
    let (target, server) = silent_server().await;
    let s = Scratch::new();
    s.write("spec.yaml", &many_cases(5));
    let dir = s.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        conform(
            &dir,
            &[
                "run",
                "--target",
                &target,
                "--timeout",
                "30s",
                "--deadline",
                "500ms",
                "--junit",
                "junit.xml",
                "spec.yaml",
            ],
        )
    })
    .await
    .expect("join");
    server.abort();
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stdout
            .contains("INTERRUPTED spec::c0 (--deadline 500ms passed while it ran)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("INTERRUPTED spec::c4 (--deadline 500ms passed before it started)"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("5 interrupted"), "{}", out.stdout);
    let junit = std::fs::read_to_string(s.path().join("junit.xml")).expect("junit written");
    assert_eq!(junit.matches("<testcase ").count(), 5, "{junit}");
    assert_eq!(
        junit.matches("interrupted: --deadline").count(),
        5,
        "{junit}"
    );
}

#[tokio::test]
async fn ctrl_c_leaves_a_complete_junit_file_and_exits_130() {
    let (target, server) = silent_server().await;
    let s = Scratch::new();
    s.write("spec.yaml", &many_cases(4));
    let child = Command::new(env!("CARGO_BIN_EXE_conform"))
        .args([
            "run",
            "--target",
            &target,
            "--timeout",
            "60s",
            "--junit",
            "junit.xml",
            "spec.yaml",
        ])
        .current_dir(s.path())
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn conform");
    // The first request is in flight once the silent server holds a connection; a
    // second is plenty of time on a loaded machine.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("join")
        .expect("wait");
    server.abort();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stdout}{stderr}");
    assert!(stdout.contains("4 interrupted"), "{stdout}");
    assert!(
        stderr.contains("error: SIGINT stopped the run; 4 case(s) interrupted"),
        "{stderr}"
    );
    let junit = std::fs::read_to_string(s.path().join("junit.xml")).expect("junit written");
    assert_eq!(junit.matches("<testcase ").count(), 4, "{junit}");
    assert!(
        junit.contains("interrupted: SIGINT stopped the run"),
        "{junit}"
    );
}
