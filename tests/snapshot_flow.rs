//! The snapshot workflow of `conform run --snapshots DIR` against the bundled
//! reference: record, re-run unchanged, a spec change fails, the update rewrites only
//! what changed, stale snapshots are reported and pruned — and the committed
//! reference snapshots hold no secret of the reference profile.

mod common;

use std::path::Path;

use common::{Scratch, conform};

const SPEC: &str = r#"
name: payroll
title: payroll subset
document: "003"
api: payroll
steps:
  login:
    name: log in
    request:
      path: /login
      headers: { User-Name: "{{ account.username }}", Password: "{{ account.password }}" }
    snapshot: { headers: [content-type] }
cases:
  - id: ok
    section: s
    account: primary
    steps: [{ use: login }]
  - id: unknown
    section: s
    account: primary
    steps:
      - use: login
        request: { headers: { User-Name: nobody } }
"#;

fn run(s: &Scratch, extra: &[&str]) -> common::Output {
    let mut args = vec!["run", "spec.yaml", "--snapshots", "snaps"];
    args.extend_from_slice(extra);
    conform(s.path(), &args)
}

fn read(s: &Scratch, rel: &str) -> String {
    std::fs::read_to_string(s.path().join(rel)).unwrap_or_default()
}

#[test]
fn record_compare_update_and_prune() {
    let s = Scratch::new();
    s.write("spec.yaml", SPEC);

    let out = run(&s, &[]);
    assert_eq!(out.code, 1, "missing snapshots fail: {}", out.all());
    assert!(
        out.stdout.contains(
            "no snapshot snaps/payroll/ok@01-log-in.snap yet; record it with --update-snapshots"
        ),
        "{}",
        out.stdout
    );

    let out = run(&s, &["--update-snapshots"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stdout
            .contains("snapshot created: snaps/payroll/ok@01-log-in.snap"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("snapshots: 2 created, 0 updated"),
        "{}",
        out.stdout
    );
    let ok_before = read(&s, "snaps/payroll/ok@01-log-in.snap");
    let unknown_before = read(&s, "snaps/payroll/unknown@01-log-in.snap");
    assert!(
        unknown_before.contains("\"message\": \"Data not found.\""),
        "{unknown_before}"
    );

    let out = run(&s, &["--update-snapshots"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        !out.stdout.contains("snapshot "),
        "a second update changes nothing: {}",
        out.stdout
    );
    assert_eq!(read(&s, "snaps/payroll/ok@01-log-in.snap"), ok_before);

    // A spec change (the unknown user now has a name that exists) shows as a failure.
    s.write(
        "spec.yaml",
        &SPEC.replace("User-Name: nobody", "User-Name: \"{{ account.username }}\""),
    );
    let out = run(&s, &[]);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stdout
            .contains("the response differs from snaps/payroll/unknown@01-log-in.snap"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("-  \"message\": \"Data not found.\""),
        "the diff is shown: {}",
        out.stdout
    );

    let out = run(&s, &["--update-snapshots"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stdout
            .contains("snapshot updated: snaps/payroll/unknown@01-log-in.snap"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("snapshots: 0 created, 1 updated"),
        "only what changed is rewritten: {}",
        out.stdout
    );
    assert_eq!(read(&s, "snaps/payroll/ok@01-log-in.snap"), ok_before);

    // Removing a case leaves its snapshot stale; pruning removes it.
    let without_unknown = SPEC
        .split("  - id: unknown")
        .next()
        .unwrap_or(SPEC)
        .to_string();
    s.write("spec.yaml", &without_unknown);
    let out = run(&s, &[]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stdout
            .contains("snapshot stale: snaps/payroll/unknown@01-log-in.snap"),
        "{}",
        out.stdout
    );
    let out = run(&s, &["--prune-snapshots"]);
    assert!(
        out.stdout
            .contains("snapshot removed: snaps/payroll/unknown@01-log-in.snap"),
        "{}",
        out.stdout
    );
    assert!(
        !s.path()
            .join("snaps/payroll/unknown@01-log-in.snap")
            .exists()
    );
}

#[test]
fn committed_snapshots_hold_no_secret() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // Searched for in every form (case, escapes, base64) by the leak suite's oracle, not
    // by conform's own masker.
    let secrets = conform::profile::reference_profile().secrets();
    let mut files = Vec::new();
    let mut dirs = vec![root.join("snapshots")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("snapshots directory") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    assert!(files.len() > 20, "the reference snapshots are committed");
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        for secret in &secrets {
            if let Some(found) = common::secret_forms::find_leak(&text, secret) {
                panic!("{} holds a reference secret: {found}", file.display());
            }
        }
    }
}
