//! Runs that are safe against guarded staging servers: the real binary against the
//! reference with Rocket.Chat's rate limiter and failed-login blocking on, and against
//! wiremock servers that throttle in every way a server can say "wait".

mod common;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{Output, Scratch, conform_async};
use conform::reference::{Api, Guards, ServeOptions, find_deviation, serve};
use serde_json::json;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn rocketchat_spec() -> String {
    root().join("specs/rocketchat.yaml").display().to_string()
}

fn reference_profile() -> String {
    root()
        .join("fixtures/reference-profile.yaml")
        .display()
        .to_string()
}

async fn run(cwd: &Path, args: &[&str]) -> Output {
    conform_async(
        cwd.to_path_buf(),
        args.iter().map(|s| s.to_string()).collect(),
    )
    .await
}

async fn guarded_rocketchat(
    guards: Guards,
    mutant: Option<&str>,
) -> conform::reference::ReferenceServer {
    let faults = mutant
        .map(|id| {
            find_deviation(
                Api::RocketChat,
                conform::reference::DeviationKind::Mutant,
                id,
            )
            .expect("mutant exists")
            .faults
        })
        .unwrap_or_default();
    let options = ServeOptions {
        guards,
        faults,
        ..ServeOptions::default()
    };
    serve(
        Api::RocketChat,
        &conform::profile::reference_profile(),
        options,
    )
    .await
    .expect("reference starts")
}

/// `conform run` of the rocketchat spec against `base` with the reference profile.
async fn run_rocketchat(cwd: &Path, base: &str, extra: &[&str]) -> Output {
    let (profile, spec) = (reference_profile(), rocketchat_spec());
    let mut args = vec!["run", "--target", base, "--profile", profile.as_str()];
    args.extend_from_slice(extra);
    args.push(spec.as_str());
    run(cwd, &args).await
}

fn count(stdout: &str, word: &str) -> usize {
    stdout.lines().filter(|l| l.starts_with(word)).count()
}

#[tokio::test]
async fn the_rocketchat_spec_passes_a_rate_limited_reference() {
    let guards = Guards {
        rate_limit: Some("10/1s".parse().expect("rate")),
        ..Guards::default()
    };
    let server = guarded_rocketchat(guards, None).await;
    let scratch = Scratch::new();
    let base = server.base_url();
    let out = run_rocketchat(scratch.path(), &base, &[]).await;
    server.shutdown().await;
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stdout.contains("; waited "),
        "the limiter was met: {}",
        out.stdout
    );
    // Paced before being told: a route whose allowance is spent (`X-RateLimit-Remaining:
    // 0`, reset in epoch milliseconds) is not called again before its reset, so the
    // limiter never has to answer 429.
    assert!(
        out.stderr.contains("the route's allowance is spent"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("throttled (HTTP 429)"),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn a_refusal_is_never_judged_on_a_429() {
    // Three answers a minute and one second of waiting in all: almost every case meets
    // a 429 it cannot wait out, and must end inconclusive — never pass.
    let guards = Guards {
        rate_limit: Some("3/60s".parse().expect("rate")),
        ..Guards::default()
    };
    let server = guarded_rocketchat(guards, None).await;
    let scratch = Scratch::new();
    let base = server.base_url();
    let out = run_rocketchat(scratch.path(), &base, &["--max-wait", "1s"]).await;
    server.shutdown().await;
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        count(&out.stdout, "PASS ") <= 3,
        "only three requests were answered: {}",
        out.stdout
    );
    assert!(count(&out.stdout, "INCONCLUSIVE ") >= 20, "{}", out.stdout);
    assert_eq!(count(&out.stdout, "FAIL "), 0, "{}", out.stdout);
    assert!(
        out.stdout
            .contains("raise --max-wait or lower the rate with --rate N/DURATION"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains(" inconclusive"), "{}", out.stdout);
}

#[tokio::test]
async fn a_broken_server_still_fails_behind_the_limiter() {
    let guards = Guards {
        rate_limit: Some("10/1s".parse().expect("rate")),
        ..Guards::default()
    };
    let server = guarded_rocketchat(guards, Some("wrong-password-accepted")).await;
    let scratch = Scratch::new();
    let base = server.base_url();
    let out = run_rocketchat(scratch.path(), &base, &[]).await;
    server.shutdown().await;
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stdout.contains("FAIL rocketchat::wrong_password "),
        "{}",
        out.stdout
    );
}

#[tokio::test]
async fn a_lockout_reference_stays_unlocked_through_two_runs_under_a_budget() {
    let guards = Guards {
        lockout: Some("3/60s".parse().expect("lockout")),
        ..Guards::default()
    };
    let server = guarded_rocketchat(guards, None).await;
    let scratch = Scratch::new();
    let base = server.base_url();
    for run_number in 1..=2 {
        let out = run_rocketchat(scratch.path(), &base, &["--max-failed-logins", "2"]).await;
        assert_eq!(out.code, 0, "run {run_number}: {}", out.all());
        assert!(
            out.stderr.contains("to reset its failed-login count — ok"),
            "run {run_number} resets between failures: {}",
            out.stderr
        );
        assert!(!out.all().contains("blocked"), "{}", out.all());
    }
    // Without a budget the same server blocks the accounts, and the run says so instead
    // of failing the cases.
    let out = run_rocketchat(scratch.path(), &base, &[]).await;
    server.shutdown().await;
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(out.stderr.contains("is blocked"), "{}", out.stderr);
    assert!(out.stdout.contains("INCONCLUSIVE "), "{}", out.stdout);
    assert_eq!(count(&out.stdout, "FAIL "), 0, "{}", out.stdout);
}

#[tokio::test]
async fn an_80_bit_totp_secret_logs_in() {
    let secret = "JBSWY3DPEHPK3PXP";
    let scratch = Scratch::new();
    let profile_text = format!(
        "accounts:\n  primary:\n    username: alice\n    email: alice@example.test\n    password: \"Tr0ub4dor&3-primary\"\n  two_factor:\n    username: bob\n    email: bob@example.test\n    password: \"c0rrect-h0rse-2fa\"\n    totp_secret: {secret}\n"
    );
    let profile_path = scratch.write("short.yaml", &profile_text);
    let profile = conform::profile::load_profile(&profile_path, &conform::profile::ProcessEnv)
        .expect("profile loads");
    let server = serve(Api::RocketChat, &profile, ServeOptions::default())
        .await
        .expect("reference");
    let base = server.base_url();
    let out = run(
        scratch.path(),
        &[
            "run",
            "--target",
            &base,
            "--profile",
            "short.yaml",
            "--filter",
            "rocketchat::two_factor.username",
            &rocketchat_spec(),
        ],
    )
    .await;
    server.shutdown().await;
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stdout.contains("PASS rocketchat::two_factor.username"));
    assert!(
        out.stderr
            .contains("the secret is 80 bits; RFC 4226 asks for at least 128"),
        "{}",
        out.stderr
    );
}

/// Response headers of a throttled answer.
type Headers = Vec<(&'static str, String)>;

/// Answers `status` with the given headers and body `throttles` times, then 200.
struct ThrottleThenOk {
    status: u16,
    throttles: usize,
    calls: AtomicUsize,
    headers: Vec<(String, String)>,
    body: String,
}

impl Respond for ThrottleThenOk {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        if self.calls.fetch_add(1, Ordering::SeqCst) < self.throttles {
            let mut r = ResponseTemplate::new(self.status).set_body_string(self.body.clone());
            for (n, v) in &self.headers {
                r = r.insert_header(n.as_str(), v.as_str());
            }
            r
        } else {
            ResponseTemplate::new(200).set_body_json(json!({"ok": true}))
        }
    }
}

fn epoch_ms_in(d: Duration) -> u128 {
    (SystemTime::now() + d)
        .duration_since(UNIX_EPOCH)
        .map(|t| t.as_millis())
        .unwrap_or_default()
}

const ONE_CASE: &str = r#"
title: t
document: d
throttled:
  when: { json: { error: throttled } }
  wait: "retry in (\\d+) s"
cases:
  - id: get
    section: s
    steps:
      - request: { path: /x }
        expect: { status: 200, json: { ok: true } }
"#;

async fn throttled_run(
    headers: Vec<(&str, String)>,
    body: &str,
    status: u16,
    extra: &[&str],
) -> Output {
    let server = MockServer::start().await;
    Mock::given(path("/x"))
        .respond_with(ThrottleThenOk {
            status,
            throttles: 1,
            calls: AtomicUsize::new(0),
            headers: headers
                .into_iter()
                .map(|(n, v)| (n.to_string(), v))
                .collect(),
            body: body.to_string(),
        })
        .mount(&server)
        .await;
    let scratch = Scratch::new();
    scratch.write("spec.yaml", ONE_CASE);
    let uri = server.uri();
    let mut args = vec!["run", "--target", uri.as_str(), "spec.yaml"];
    args.extend_from_slice(extra);
    run(scratch.path(), &args).await
}

#[tokio::test]
async fn every_wait_source_is_read_and_waited_out() {
    let date = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
    let cases: Vec<(Headers, &str, &str)> = vec![
        (vec![("retry-after", "1".into())], "", "Retry-After"),
        (vec![("retry-after", date)], "", "Retry-After"),
        (
            vec![(
                "x-ratelimit-reset",
                epoch_ms_in(Duration::from_millis(800)).to_string(),
            )],
            "",
            "X-RateLimit-Reset",
        ),
        (
            vec![(
                "x-ratelimit-reset",
                (epoch_ms_in(Duration::from_secs(1)) / 1000 + 1).to_string(),
            )],
            "",
            "X-RateLimit-Reset",
        ),
        (vec![("ratelimit-reset", "1".into())], "", "RateLimit-Reset"),
        (
            vec![("ratelimit", "\"default\";r=0;t=1".into())],
            "",
            "RateLimit",
        ),
        (vec![], "slow down, retry in 1 s", "the body"),
        (vec![("retry-after", "1".into())], "", "Retry-After"),
    ];
    let runs = cases.into_iter().map(|(headers, body, source)| async move {
        let out = throttled_run(headers, body, 429, &["--max-wait", "30s"]).await;
        (source, out)
    });
    for (source, out) in futures_util::future::join_all(runs).await {
        assert_eq!(out.code, 0, "{source}: {}", out.all());
        assert!(
            out.stdout.contains("PASS spec::get"),
            "{source}: {}",
            out.stdout
        );
        assert!(
            out.stdout.contains("; waited 1 time"),
            "{source}: {}",
            out.stdout
        );
        assert!(
            out.stderr.contains(&format!("it asks to wait ({source})")),
            "{source}: {}",
            out.stderr
        );
    }
}

#[tokio::test]
async fn a_spec_declared_throttle_without_429_is_waited_out_too() {
    // A 200 whose body says "throttled" (the spec's `throttled:` block) is waited out for
    // the seconds the body names (its `wait:` regex), then resent.
    let out = throttled_run(
        vec![],
        r#"{"error":"throttled","message":"retry in 1 s"}"#,
        200,
        &[],
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stdout.contains("; waited 1 time"), "{}", out.stdout);
    assert!(
        out.stderr
            .contains("throttled (HTTP 200): it asks to wait (the body)"),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn garbage_waits_back_off_and_absurd_ones_end_at_the_budget() {
    let month = (SystemTime::now() + Duration::from_secs(30 * 86_400))
        .duration_since(UNIX_EPOCH)
        .map(|t| t.as_secs())
        .unwrap_or_default()
        .to_string();
    let banana = throttled_run(vec![("retry-after", "banana".into())], "", 429, &[]);
    let absurd = throttled_run(vec![("x-ratelimit-reset", month)], "", 429, &[]);
    let over = throttled_run(
        vec![("retry-after", "120".into())],
        "",
        429,
        &["--max-wait", "2s"],
    );
    let started = Instant::now();
    let (banana, absurd, over) = tokio::join!(banana, absurd, over);
    assert!(started.elapsed() < Duration::from_secs(60), "nothing hangs");
    for (name, out) in [("banana", &banana), ("absurd", &absurd)] {
        assert_eq!(out.code, 0, "{name}: {}", out.all());
        assert!(out.stderr.contains("backing off"), "{name}: {}", out.stderr);
    }
    assert!(
        banana
            .stderr
            .contains("Retry-After: `banana` is neither seconds nor an HTTP date"),
        "{}",
        banana.stderr
    );
    assert!(
        absurd.stderr.contains("is not a rate-limit window"),
        "{}",
        absurd.stderr
    );
    assert_eq!(over.code, 1, "{}", over.all());
    assert!(
        over.stdout.contains("INCONCLUSIVE spec::get"),
        "{}",
        over.stdout
    );
    assert!(
        over.stdout
            .contains("would pass --max-wait 2s (2s left); raise --max-wait"),
        "{}",
        over.stdout
    );
    assert!(
        over.stdout.contains("0 passed, 0 failed, 1 inconclusive"),
        "{}",
        over.stdout
    );
}

/// Answers 200, saying the allowance is spent until `reset_in` from now, and records
/// when each request came.
struct SpentAllowance {
    seen: Arc<std::sync::Mutex<Vec<Instant>>>,
}

impl Respond for SpentAllowance {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        if let Ok(mut seen) = self.seen.lock() {
            seen.push(Instant::now());
        }
        ResponseTemplate::new(200)
            .insert_header("x-ratelimit-remaining", "0")
            .insert_header(
                "x-ratelimit-reset",
                epoch_ms_in(Duration::from_millis(700)).to_string(),
            )
            .set_body_json(json!({"ok": true}))
    }
}

#[tokio::test]
async fn a_spent_allowance_and_a_rate_pace_the_requests() {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let server = MockServer::start().await;
    Mock::given(path("/x"))
        .respond_with(SpentAllowance {
            seen: Arc::clone(&seen),
        })
        .mount(&server)
        .await;
    let scratch = Scratch::new();
    let spec = r#"
title: t
document: d
cases:
  - id: twice
    section: s
    steps:
      - request: { path: /x }
      - request: { path: /x }
"#;
    scratch.write("spec.yaml", spec);
    let uri = server.uri();
    let out = run(scratch.path(), &["run", "--target", &uri, "spec.yaml"]).await;
    assert_eq!(out.code, 0, "{}", out.all());
    let times = seen.lock().map(|s| s.clone()).unwrap_or_default();
    assert_eq!(times.len(), 2);
    assert!(
        times[1] - times[0] >= Duration::from_millis(600),
        "the second request waited for the reset: {:?}",
        times[1] - times[0]
    );
    assert!(out.stderr.contains("allowance is spent"), "{}", out.stderr);

    let rated = MockServer::start().await;
    let rated_seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    struct Record(Arc<std::sync::Mutex<Vec<Instant>>>);
    impl Respond for Record {
        fn respond(&self, _: &Request) -> ResponseTemplate {
            if let Ok(mut seen) = self.0.lock() {
                seen.push(Instant::now());
            }
            ResponseTemplate::new(200)
        }
    }
    Mock::given(path("/x"))
        .respond_with(Record(Arc::clone(&rated_seen)))
        .mount(&rated)
        .await;
    let uri = rated.uri();
    let out = run(
        scratch.path(),
        &["run", "--target", &uri, "--rate", "4/1s", "spec.yaml"],
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.all());
    let times = rated_seen.lock().map(|s| s.clone()).unwrap_or_default();
    assert!(
        times[1] - times[0] >= Duration::from_millis(200),
        "--rate 4/1s spaces requests by 250 ms: {:?}",
        times[1] - times[0]
    );
}

#[tokio::test]
async fn a_blocked_account_is_inconclusive_and_its_other_cases_skip() {
    let server = MockServer::start().await;
    Mock::given(path("/login"))
        // The block message echoes the password: it must reach no notice or skip reason.
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"error": "account-locked (last tried pw-123456)"})),
        )
        .mount(&server)
        .await;
    let scratch = Scratch::new();
    scratch.write(
        "profile.yaml",
        "accounts:\n  primary:\n    username: alice\n    password: \"pw-123456\"\n",
    );
    scratch.write(
        "spec.yaml",
        r#"
title: t
document: d
locked:
  when: { json: { error: { $matches: "^account-locked" } } }
cases:
  - id: first
    section: s
    account: primary
    steps:
      - request: { path: /login, query: { u: "{{ account.username }}", p: "{{ account.password }}" } }
        expect: { status: 200 }
  - id: second
    section: s
    account: primary
    steps:
      - request: { path: /login, query: { u: "{{ account.username }}", p: "{{ account.password }}" } }
        expect: { status: 200 }
"#,
    );
    let uri = server.uri();
    let out = run(
        scratch.path(),
        &[
            "run",
            "--target",
            &uri,
            "--profile",
            "profile.yaml",
            "spec.yaml",
        ],
    )
    .await;
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stdout.contains("INCONCLUSIVE spec::first"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "SKIP spec::second (account `primary` is blocked: account-locked (last tried ***))"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.contains("account primary is blocked"),
        "{}",
        out.stderr
    );
    assert!(!out.all().contains("pw-123456"), "{}", out.all());
}

#[tokio::test]
async fn list_counts_failed_logins_and_a_budget_skips_what_cannot_fit() {
    let scratch = Scratch::new();
    let out = run(scratch.path(), &["list", &rocketchat_spec()]).await;
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stdout
            .contains("rocketchat::two_factor.wrong_code [2fa, security, lockout-risk] — Example Call — When two-factor(2FA) authentication is enabled (failed logins: two_factor 1)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "failed logins a run sends at most: unknown users 1, primary 5, two_factor 7"
        ),
        "{}",
        out.stdout
    );
    let out = run(
        scratch.path(),
        &["run", "--max-failed-logins", "0", &rocketchat_spec()],
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stdout.contains(
            "SKIP rocketchat::wrong_password (it sends up to 1 failed logins for account `primary`, more than --max-failed-logins 0)"
        ),
        "{}",
        out.stdout
    );
}

#[tokio::test]
async fn a_replay_check_sends_the_same_code_without_waiting_for_a_window() {
    let guards = Guards {
        totp_no_reuse: true,
        ..Guards::default()
    };
    let server = guarded_rocketchat(guards, None).await;
    let scratch = Scratch::new();
    scratch.write(
        "replay.yaml",
        r#"
title: replay
document: a spec author's replay check
cases:
  - id: code_twice
    section: RFC 6238 §5.2
    account: two_factor
    steps:
      - request:
          method: POST
          path: /api/v1/login
          json: { user: "{{ account.username }}", password: "{{ account.password }}", code: "{{ code }}" }
        expect: { status: 200, jsonpath: [{ path: $.data.authToken, exists: true }] }
      - request:
          method: POST
          path: /api/v1/login
          json: { user: "{{ account.username }}", password: "{{ account.password }}", code: "{{ last_code }}" }
        expect: { jsonpath: [{ path: $.data.authToken, absent: true }] }
"#,
    );
    let state = scratch.path().join("state");
    let base = server.base_url();
    let args = [
        "run",
        "--target",
        base.as_str(),
        "--profile",
        &reference_profile(),
        "--fresh-codes",
        "replay.yaml",
    ];
    let out = common::conform_env_async(
        scratch.path().to_path_buf(),
        args.iter().map(|s| s.to_string()).collect(),
        vec![("CONFORM_STATE_DIR".to_string(), state.display().to_string())],
    )
    .await;
    server.shutdown().await;
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stdout.contains("PASS replay::code_twice"),
        "{}",
        out.stdout
    );
    assert!(
        !out.stderr.contains("waiting"),
        "a replay is no new use: {}",
        out.stderr
    );
}
