//! Active probes (#13, `--probe NAME`) through the real binary against the bundled
//! Rocket.Chat reference: each raises its advisory against a server without the guard
//! and not against one with it; `timing` runs and reports its medians (which way they
//! lean is not asserted: real timings); a probe that would pass `--max-failed-logins` is
//! skipped and says so; no output shows a password or code.

mod common;

use std::path::Path;
use std::time::Duration;

use common::secret_forms::assert_no_leak;
use common::{Output, Scratch, conform_env_async};
use conform::profile::{ProcessEnv, Profile, load_profile};
use conform::reference::{Api, Guards, Lockout, RateLimit, ReferenceServer, ServeOptions, serve};
use serde_json::Value;

/// The reference accounts, the TOTP period cut to 2 s so that `--fresh-codes` waits
/// little.
const PROFILE: &str = r#"accounts:
  primary:
    username: alice
    email: alice@example.test
    password: "Tr0ub4dor&3-primary"
  two_factor:
    username: bob
    email: bob@example.test
    password: "c0rrect-h0rse-2fa"
    totp_secret: JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
    totp_period: 2
"#;

const SECRETS: [&str; 3] = [
    "Tr0ub4dor&3-primary",
    "c0rrect-h0rse-2fa",
    "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
];

fn spec() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("specs/rocketchat.yaml")
        .display()
        .to_string()
}

struct Probed {
    out: Output,
    report: Value,
}

impl Probed {
    fn advisory_ids(&self) -> Vec<String> {
        self.report["advisories"]
            .as_array()
            .map(|all| {
                all.iter()
                    .filter_map(|a| a["id"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn advisory(&self, id: &str) -> Option<&Value> {
        self.report["advisories"]
            .as_array()?
            .iter()
            .find(|a| a["id"] == id)
    }
}

async fn server(s: &Scratch, guards: Guards) -> (ReferenceServer, String) {
    let path = s.write("profile.yaml", PROFILE);
    let profile: Profile = load_profile(&path, &ProcessEnv).expect("profile");
    let options = ServeOptions {
        guards,
        ..ServeOptions::default()
    };
    let server = serve(Api::RocketChat, &profile, options)
        .await
        .expect("serve");
    let base = server.base_url();
    (server, base)
}

/// Runs the rocketchat cases matching `filter` with `extra` flags against `base`.
async fn probe(s: &Scratch, base: &str, filter: &str, extra: &[&str]) -> Probed {
    let json = s.path().join("report.json");
    let state = s.path().join("state");
    let mut args: Vec<String> = [
        "run",
        "--target",
        base,
        "--profile",
        "profile.yaml",
        "--filter",
        filter,
        "--report-json",
        &json.to_string_lossy(),
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    args.extend(extra.iter().map(|a| a.to_string()));
    args.push(spec());
    let env = vec![("CONFORM_STATE_DIR".to_string(), state.display().to_string())];
    let out = conform_env_async(s.path().to_path_buf(), args, env).await;
    let text = std::fs::read_to_string(&json).unwrap_or_default();
    let report: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    assert_no_leak(
        &[
            ("stdout", &out.stdout),
            ("stderr", &out.stderr),
            ("report", &text),
        ],
        &SECRETS,
    );
    Probed { out, report }
}

#[tokio::test]
async fn totp_replay_is_raised_when_a_code_is_accepted_twice_and_not_when_refused() {
    let s = Scratch::new();
    let (open, base) = server(&s, Guards::default()).await;
    let filter = "rocketchat::two_factor.username";
    let run = probe(&s, &base, filter, &["--probe", "totp-replay"]).await;
    assert_eq!(run.out.code, 0, "{}", run.out.all());
    assert_eq!(run.advisory_ids(), ["totp-replay"], "{}", run.out.all());
    let a = run.advisory("totp-replay").expect("advisory");
    assert_eq!(a["severity"], "high");
    assert_eq!(a["case"], "rocketchat::two_factor.username");
    assert!(
        run.out
            .stdout
            .contains("totp-replay (rocketchat): raised — the code sent by"),
        "{}",
        run.out.stdout
    );
    assert!(
        run.out
            .stderr
            .contains("probe totp-replay (rocketchat): raised"),
        "{}",
        run.out.stderr
    );
    // The same advisory path as the passive ones: denied, then allowed.
    let denied = probe(
        &s,
        &base,
        filter,
        &["--probe", "totp-replay", "--deny-advisories", "high"],
    )
    .await;
    assert_eq!(denied.out.code, 1, "{}", denied.out.all());
    let allowed = probe(
        &s,
        &base,
        filter,
        &["--probe", "totp-replay", "--allow", "totp-replay"],
    )
    .await;
    assert_eq!(allowed.out.code, 0, "{}", allowed.out.all());
    assert!(allowed.advisory_ids().is_empty(), "{}", allowed.out.all());
    open.shutdown().await;

    let guards = Guards {
        totp_no_reuse: true,
        ..Guards::default()
    };
    let (guarded, base) = server(&s, guards).await;
    let run = probe(
        &s,
        &base,
        filter,
        &["--probe", "totp-replay", "--fresh-codes"],
    )
    .await;
    guarded.shutdown().await;
    assert_eq!(run.out.code, 0, "{}", run.out.all());
    assert!(run.advisory_ids().is_empty(), "{}", run.out.all());
    assert!(
        run.out
            .stdout
            .contains("totp-replay (rocketchat): found nothing — the code sent by"),
        "{}",
        run.out.stdout
    );
}

#[tokio::test]
async fn no_throttling_is_raised_unless_the_server_throttles_or_locks() {
    let s = Scratch::new();
    let filter = "rocketchat::json.username";
    let (open, base) = server(&s, Guards::default()).await;
    let run = probe(&s, &base, filter, &["--probe", "no-throttling"]).await;
    open.shutdown().await;
    assert_eq!(run.out.code, 0, "{}", run.out.all());
    assert_eq!(run.advisory_ids(), ["no-throttling"], "{}", run.out.all());
    let evidence = run.advisory("no-throttling").expect("advisory")["evidence"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        evidence.starts_with("5 wrong passwords in a row for account `primary`"),
        "{evidence}"
    );

    let lockout = Guards {
        lockout: Some(Lockout {
            failures: 3,
            window: Duration::from_secs(60),
        }),
        ..Guards::default()
    };
    let (locked, base) = server(&s, lockout).await;
    let run = probe(&s, &base, filter, &["--probe", "no-throttling"]).await;
    locked.shutdown().await;
    assert!(run.advisory_ids().is_empty(), "{}", run.out.all());
    assert!(
        run.out
            .stdout
            .contains("no-throttling (rocketchat): found nothing — wrong password 4 of 5 for account `primary` was answered locked"),
        "{}",
        run.out.stdout
    );

    let rate_limit = Guards {
        rate_limit: Some(RateLimit {
            calls: 3,
            window: Duration::from_secs(1),
        }),
        ..Guards::default()
    };
    let (limited, base) = server(&s, rate_limit).await;
    let run = probe(&s, &base, filter, &["--probe", "no-throttling"]).await;
    limited.shutdown().await;
    assert!(run.advisory_ids().is_empty(), "{}", run.out.all());
    assert!(
        run.out
            .stdout
            .contains("no-throttling (rocketchat): found nothing — wrong password"),
        "{}",
        run.out.stdout
    );
}

#[tokio::test]
async fn timing_runs_and_reports_both_medians() {
    let s = Scratch::new();
    let (open, base) = server(&s, Guards::default()).await;
    let run = probe(
        &s,
        &base,
        "rocketchat::json.username",
        &["--probe", "timing", "--probe-samples", "6"],
    )
    .await;
    open.shutdown().await;
    assert_eq!(run.out.code, 0, "{}", run.out.all());
    let line = run
        .out
        .stdout
        .lines()
        .find(|l| l.contains("timing (rocketchat):"))
        .unwrap_or_else(|| panic!("{}", run.out.stdout))
        .to_string();
    assert!(
        line.contains("unknown users refused in a median")
            && line.contains("wrong passwords in")
            && line.contains("(6 and 6 logins; Mann–Whitney p = "),
        "{line}"
    );
}

#[tokio::test]
async fn a_probe_that_would_pass_the_failed_login_budget_is_skipped_and_says_so() {
    let s = Scratch::new();
    let (open, base) = server(&s, Guards::default()).await;
    let run = probe(
        &s,
        &base,
        "rocketchat::json.username",
        &["--probe", "no-throttling", "--max-failed-logins", "3"],
    )
    .await;
    open.shutdown().await;
    assert_eq!(run.out.code, 0, "{}", run.out.all());
    assert!(run.advisory_ids().is_empty(), "{}", run.out.all());
    let said = "no-throttling (rocketchat): skipped — it would send 5 failed logins for account `primary`, more than --max-failed-logins 3";
    assert!(run.out.stdout.contains(said), "{}", run.out.stdout);
    assert!(run.out.stderr.contains(said), "{}", run.out.stderr);
}

#[test]
fn an_unknown_probe_is_refused_with_the_known_ones() {
    let s = Scratch::new();
    let out = common::conform(s.path(), &["run", "--probe", "brute-force", &spec()]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr
            .contains("unknown probe `brute-force`; known: totp-replay, timing, no-throttling"),
        "{}",
        out.stderr
    );
}
