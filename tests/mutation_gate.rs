//! The mutation gate: the shipped specs kill every mutant and pass every conformant
//! variant of the reference (`conform mutate`, the real binary), and the gate itself
//! fails when a spec is too weak, over-reaches, or fails the correct reference.

mod common;

use std::path::Path;

use common::{Scratch, conform};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The line of a deviation in the matrix (`  mutant  bypass-2fa  killed by …`), in the
/// first spec that has one.
fn row<'a>(stdout: &'a str, kind: &str, id: &str) -> &'a str {
    row_in(stdout, "", kind, id)
}

/// The line of a deviation in the rows of `spec` (any spec when empty).
fn row_in<'a>(stdout: &'a str, spec: &str, kind: &str, id: &str) -> &'a str {
    let header = format!("{spec} (api ");
    stdout
        .lines()
        .skip_while(|l| !spec.is_empty() && !l.starts_with(&header))
        .find(|l| {
            let mut words = l.split_whitespace();
            words.next() == Some(kind) && words.next() == Some(id)
        })
        .unwrap_or_else(|| panic!("no row for {kind} {id} in:\n{stdout}"))
}

/// Asserts that the row of a deviation says `want`.
fn assert_row(stdout: &str, kind: &str, id: &str, want: &str) {
    let line = row(stdout, kind, id);
    assert!(
        line.contains(want),
        "{kind} {id}: `{line}` lacks `{want}` in:\n{stdout}"
    );
}

/// `killed/mutants` and `passed/variants` of the `overall:` line.
fn overall(stdout: &str) -> (usize, usize, usize, usize) {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("overall: "))
        .unwrap_or_else(|| panic!("no overall line in:\n{stdout}"));
    let numbers: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect();
    // killed, mutants, percent, passed, variants
    (numbers[0], numbers[1], numbers[3], numbers[4])
}

#[test]
fn the_shipped_specs_kill_every_mutant_and_pass_every_variant() {
    let out = conform(repo(), &["mutate"]);
    assert_eq!(out.code, 0, "{}", out.all());
    let (killed, mutants, passed, variants) = overall(&out.stdout);
    assert_eq!(killed, mutants, "{}", out.stdout);
    assert_eq!(passed, variants, "{}", out.stdout);
    assert!(mutants >= 50, "only {mutants} mutants");
    assert!(variants >= 15, "only {variants} variants");
    for spec in ["txty", "cielo24", "rocketchat", "payroll", "coldstream"] {
        assert!(
            out.stdout.contains(&format!("{spec} (api {spec}, ")),
            "{spec} missing from the matrix:\n{}",
            out.stdout
        );
    }
    assert!(!out.stdout.contains("SURVIVED"), "{}", out.stdout);
    assert!(!out.stdout.contains("BASELINE"), "{}", out.stdout);
    assert!(
        row_in(&out.stdout, "txty", "mutant", "bypass-2fa")
            .contains("killed   by json.login.two_factor"),
        "{}",
        out.stdout
    );
}

/// A txty spec that only checks that the primary account gets ADDED_KEY.
const WEAK_TXTY: &str = r#"
name: txty
title: weak
document: test
api: txty
cases:
  - id: login
    section: Login
    account: primary
    steps:
      - request:
          method: GET
          fallback_method: POST
          path: /user/newapikey/login.json
          query: { user: "{{ account.username }}", pass: "{{ account.password }}", description: x }
        expect:
          json: { success: ADDED_KEY }
"#;

#[test]
fn a_weak_spec_lets_mutants_survive_and_fails_the_gate() {
    let s = Scratch::new();
    let spec = s.write("txty.yaml", WEAK_TXTY);
    let spec = spec.to_string_lossy();
    let out = conform(s.path(), &["mutate", &spec]);
    assert_eq!(out.code, 1, "{}", out.all());
    assert_row(
        &out.stdout,
        "mutant",
        "bypass-2fa",
        "SURVIVED no case failed",
    );
    assert_row(&out.stdout, "mutant", "controlapikey-string", "SURVIVED");
    assert_row(&out.stdout, "mutant", "wrong-error-code", "SURVIVED");
    assert_row(&out.stdout, "mutant", "key-with-added-tf", "SURVIVED");
    let (killed, mutants, passed, variants) = overall(&out.stdout);
    assert!(killed < mutants, "{}", out.stdout);
    assert_eq!(passed, variants, "{}", out.stdout);
}

#[test]
fn an_over_reaching_spec_falsely_fails_a_variant_with_its_report() {
    let s = Scratch::new();
    let strict = WEAK_TXTY.replace(
        "json: { success: ADDED_KEY }",
        "json: { success: ADDED_KEY }\n          headers: { content-type: \"application/json; charset=utf-8\" }",
    );
    let spec = s.write("txty.yaml", &strict);
    let spec = spec.to_string_lossy();
    let out = conform(s.path(), &["mutate", &spec, "--junit", "matrix.xml"]);
    assert_eq!(out.code, 1, "{}", out.all());
    assert_row(
        &out.stdout,
        "variant",
        "json-no-charset",
        "FAILED   falsely, in txty::login",
    );
    assert_row(&out.stdout, "variant", "extra-fields", "passed");
    assert!(
        out.stdout
            .contains("--- txty on variant txty/json-no-charset: txty::login"),
        "{}",
        out.stdout
    );
    // The report of the false failure is the run's own: the header check and the request.
    assert!(out.stdout.contains("content-type"), "{}", out.stdout);
    assert!(
        out.stdout.contains("GET http://127.0.0.1:"),
        "{}",
        out.stdout
    );
    // Secrets stay masked in the report.
    assert!(!out.stdout.contains("Tr0ub4dor"), "{}", out.stdout);
    // The JUnit file has one testcase per deviation; the false failure is a failure with
    // its report, the rest pass.
    let junit = std::fs::read_to_string(s.path().join("matrix.xml")).expect("junit file");
    assert!(
        junit.contains(r#"<testsuite name="mutate::txty""#),
        "{junit}"
    );
    assert!(
        junit.contains(r#"<testcase name="baseline" classname="mutate::txty"/>"#),
        "{junit}"
    );
    let variant = junit
        .split("<testcase ")
        .find(|t| t.starts_with(r#"name="variant/json-no-charset""#))
        .unwrap_or_else(|| panic!("no json-no-charset testcase in {junit}"));
    assert!(
        variant.contains(r#"<failure message="the spec fails a conformant variant in txty::login" type="false-failure">"#),
        "{variant}"
    );
    assert!(variant.contains("GET http://127.0.0.1:"), "{variant}");
    assert!(!junit.contains("Tr0ub4dor"), "{junit}");
    assert!(junit.contains(r#"name="mutant/bypass-2fa""#), "{junit}");
}

#[test]
fn a_spec_failing_the_correct_reference_is_reported_as_a_broken_baseline() {
    let s = Scratch::new();
    let wrong = WEAK_TXTY.replace("success: ADDED_KEY", "success: ADDED_NOTHING");
    let spec = s.write("txty.yaml", &wrong);
    let spec = spec.to_string_lossy();
    let out = conform(s.path(), &["mutate", &spec]);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stdout
            .contains("BASELINE FAILED the correct reference fails txty::login"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("--- txty on the correct reference: txty::login"),
        "{}",
        out.stdout
    );
}

#[test]
fn invalid_specs_and_selections_exit_2_before_anything_runs() {
    let s = Scratch::new();
    let spec = s.write("bad.yaml", "name: x\ncases: 3\n");
    let out = conform(s.path(), &["mutate", &spec.to_string_lossy()]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(out.stderr.contains("nothing was sent"), "{}", out.all());

    let no_api = s.write("noapi.yaml", "title: t\ndocument: d\ncases:\n  - id: a\n    section: s\n    steps:\n      - request: { path: /x }\n");
    let out = conform(s.path(), &["mutate", &no_api.to_string_lossy()]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert_eq!(
        out.stderr,
        "error: spec `noapi` names no `api:`, so there is no bundled reference to run it against; without --target, conform mutate runs specs against the bundled reference (give --target URL to record from a server)\n"
    );

    let out = conform(repo(), &["mutate", "--filter", "no-such-case"]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr
            .contains("error: no case matches the given --filter/--tag"),
        "{}",
        out.all()
    );
}

#[test]
fn a_profile_without_the_two_factor_account_says_what_goes_unchecked() {
    let s = Scratch::new();
    let profile = s.write(
        "profile.yaml",
        "accounts:\n  primary:\n    username: alice\n    email: alice@example.test\n    password: \"Tr0ub4dor&3-primary\"\n",
    );
    let spec = repo().join("specs/rocketchat.yaml");
    let out = conform(
        s.path(),
        &[
            "mutate",
            &spec.to_string_lossy(),
            "--profile",
            &profile.to_string_lossy(),
        ],
    );
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stdout.contains(
            "case(s) skipped, so their mutants go unchecked: the profile has no `two_factor` account"
        ),
        "{}",
        out.stdout
    );
    assert_row(&out.stdout, "mutant", "bypass-2fa", "SURVIVED");
    assert_row(&out.stdout, "mutant", "form-rejected", "killed");
}
