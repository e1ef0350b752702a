//! CI output of the real binary: GitHub Actions annotations, groups and job summary on a
//! failing spec against wiremock; colour by `--color` and the environment; and nothing
//! live (carriage returns, escape codes) on a stderr that is not a terminal.

mod common;

use common::{Scratch, conform_env_async};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PASSWORD: &str = "S3cr3t Pa55&word";

const SPEC: &str = r#"title: t
document: d
cases:
  - id: login
    section: "§1"
    account: primary
    steps:
      - request: { method: POST, path: /login, json: { user: "{{ account.username }}", password: "{{ account.password }}" } }
        expect:
          status: 200
          json:
            ok: true
  - id: fine
    section: "§2"
    steps: [{ request: { path: /ok }, expect: { status: 200 } }]
  - id: blocked
    section: "§3"
    steps: [{ request: { path: /locked }, expect: { status: 200 } }]
"#;

async fn server() -> MockServer {
    let server = MockServer::start().await;
    // The server echoes the password: it must still appear nowhere.
    Mock::given(method("POST"))
        .and(path("/login"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"ok": false, "echo": PASSWORD})),
        )
        .mount(&server)
        .await;
    Mock::given(path("/ok"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(path("/locked"))
        .respond_with(ResponseTemplate::new(423))
        .mount(&server)
        .await;
    server
}

fn scratch() -> Scratch {
    let s = Scratch::new();
    s.write("spec.yaml", SPEC);
    s.write(
        "profile.yaml",
        &format!("accounts:\n  primary:\n    username: alice\n    password: \"{PASSWORD}\"\n"),
    );
    s
}

async fn run(
    s: &Scratch,
    server: &MockServer,
    extra: &[&str],
    env: &[(&str, &str)],
) -> common::Output {
    let mut args: Vec<String> = [
        "run",
        "--target",
        &server.uri(),
        "--profile",
        "profile.yaml",
        "spec.yaml",
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    args.extend(extra.iter().map(|a| a.to_string()));
    let env = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    conform_env_async(s.path().to_path_buf(), args, env).await
}

#[tokio::test]
async fn github_actions_get_annotations_groups_and_a_job_summary() {
    let server = server().await;
    let s = scratch();
    let summary = s.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").expect("summary file");
    let summary_env = summary.to_string_lossy().into_owned();
    let out = run(
        &s,
        &server,
        &[],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_STEP_SUMMARY", &summary_env),
        ],
    )
    .await;
    assert_eq!(out.code, 1, "{}", out.all());
    let lines: Vec<&str> = out.stdout.lines().collect();
    // `ok: true` is on line 12, its value at column 13.
    assert!(
        lines.contains(
            &"::error file=spec.yaml,line=12,col=13,title=spec%3A%3Alogin%3A JSON body::at $.ok: expected true, found false"
        ),
        "{}",
        out.stdout
    );
    // The inconclusive case warns at its `- id:` (line 16, the value at column 9).
    assert!(
        lines.iter().any(|l| l.starts_with(
            "::warning file=spec.yaml,line=16,col=9,title=spec%3A%3Ablocked%3A inconclusive::"
        )),
        "{}",
        out.stdout
    );
    // Details are in a group, with commands stopped while they print.
    let group = lines
        .iter()
        .position(|l| *l == "::group::spec::login")
        .expect("a group for the failed case");
    let token = lines[group + 1]
        .strip_prefix("::stop-commands::")
        .expect("commands stopped inside the group");
    assert_eq!(token.len(), 32, "a random token");
    let resume = format!("::{token}::");
    let end = group
        + lines[group..]
            .iter()
            .position(|l| **l == resume)
            .expect("resumed");
    assert_eq!(lines[end + 1], "::endgroup::");
    assert!(
        lines[group..end].contains(&"  --> spec.yaml:12:13"),
        "the terminal's failure details: {}",
        out.stdout
    );
    assert!(lines.contains(&"::group::spec::blocked"), "{}", out.stdout);
    // The terminal prints the case lines; the details are only in the groups.
    assert!(
        lines.iter().any(|l| l.starts_with("FAIL spec::login (")),
        "{}",
        out.stdout
    );
    assert_eq!(out.stdout.matches("  --> spec.yaml:12:13").count(), 1);

    let markdown = std::fs::read_to_string(&summary).expect("summary written");
    assert!(
        markdown.starts_with("earlier step\n## conform\n"),
        "appended: {markdown}"
    );
    assert!(
        // The server echoes the password it is sent: an advisory, counted and tabled.
        markdown.contains("**1 passed, 1 failed, 1 inconclusive, 1 advisory ("),
        "{markdown}"
    );
    assert!(
        markdown.contains(
            "| case | status | where | reason |\n| --- | --- | --- | --- |\n\
             | spec::login | failed | spec.yaml:12 | JSON body: at $.ok: expected true, found false |\n\
             | spec::blocked | inconclusive | spec.yaml:16 | the server says the account or client is blocked (HTTP 423)"
        ),
        "{markdown}"
    );
    assert!(
        markdown.contains("| medium | credential-echo | spec::login › step 1 |"),
        "{markdown}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("::warning title=advisory credential-echo (medium) in spec::")),
        "{}",
        out.stdout
    );
    for text in [&out.stdout, &out.stderr, &markdown] {
        assert!(!text.contains(PASSWORD), "the password leaked: {text}");
    }
}

#[tokio::test]
async fn github_output_is_off_outside_actions_and_on_with_the_flag() {
    let server = server().await;
    let s = scratch();
    let out = run(&s, &server, &[], &[("GITHUB_ACTIONS", "")]).await;
    assert!(!out.stdout.contains("::error"), "{}", out.stdout);
    assert!(
        out.stdout.contains("  --> spec.yaml:12:13"),
        "{}",
        out.stdout
    );
    let out = run(&s, &server, &["--github"], &[("GITHUB_ACTIONS", "")]).await;
    assert!(
        out.stdout
            .contains("::error file=spec.yaml,line=12,col=13,"),
        "{}",
        out.stdout
    );
}

#[tokio::test]
async fn colour_follows_the_flag_and_the_environment_and_stderr_stays_plain() {
    let server = server().await;
    let s = scratch();
    let esc = |o: &common::Output| o.stdout.contains('\x1b');
    // Piped, NO_COLOR=1 (the helper's default): plain.
    let out = run(&s, &server, &[], &[]).await;
    assert!(!esc(&out), "{}", out.stdout);
    let out = run(&s, &server, &["--color", "always"], &[]).await;
    assert!(
        esc(&out),
        "--color always wins over NO_COLOR: {}",
        out.stdout
    );
    let out = run(&s, &server, &[], &[("NO_COLOR", ""), ("FORCE_COLOR", "1")]).await;
    assert!(esc(&out), "FORCE_COLOR on a pipe: {}", out.stdout);
    let out = run(
        &s,
        &server,
        &["--color", "never"],
        &[("NO_COLOR", ""), ("CLICOLOR_FORCE", "1")],
    )
    .await;
    assert!(!esc(&out), "{}", out.stdout);
    // No progress line, carriage return or escape code on a stderr that is not a terminal.
    let out = run(&s, &server, &["--color", "always"], &[]).await;
    assert!(
        !out.stderr.contains('\r') && !out.stderr.contains('\x1b'),
        "{:?}",
        out.stderr
    );
    assert!(!out.stderr.contains("running spec::"), "{:?}", out.stderr);
}

#[test]
fn the_colour_flag_is_accepted_by_every_printing_subcommand() {
    let s = scratch();
    for args in [
        &["lint", "--color", "never", "spec.yaml"][..],
        &["list", "spec.yaml", "--color", "always"],
        &["--color", "auto", "lint", "spec.yaml"],
    ] {
        let out = common::conform(s.path(), args);
        assert_eq!(out.code, 0, "{args:?}: {}", out.all());
    }
}
