//! `--target` values that can never work are refused by the CLI (exit 2, one line on
//! stderr) before a spec is read or a request sent.

mod common;

use std::path::Path;

fn run_with_target(target: &str) -> common::Output {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    common::conform(root, &["run", "--target", target, "specs/txty.yaml"])
}

#[test]
fn a_target_that_is_not_http_is_refused_before_anything_is_sent() {
    let out = run_with_target("ftp://files.example.com/api");
    assert_eq!(out.code, 2, "{}", out.all());
    assert_eq!(
        out.stderr,
        "error: --target `ftp://files.example.com/api`: the scheme `ftp` is not supported; use an http:// or https:// URL\n"
    );
    assert_eq!(out.stdout, "");
}

#[test]
fn a_target_without_scheme_suggests_http() {
    for (target, expected) in [
        (
            "127.0.0.1:8080",
            "error: --target `127.0.0.1:8080` has no scheme; did you mean `http://127.0.0.1:8080`?\n",
        ),
        (
            "localhost:8080/api",
            "error: --target `localhost:8080/api` has no scheme; did you mean `http://localhost:8080/api`?\n",
        ),
    ] {
        let out = run_with_target(target);
        assert_eq!(out.code, 2, "{}", out.all());
        assert_eq!(out.stderr, expected);
    }
}

#[test]
fn a_refused_target_does_not_repeat_its_password() {
    let out = run_with_target("ftp://deploy:hunter2-secret@files.example.com");
    assert_eq!(out.code, 2, "{}", out.all());
    assert_eq!(
        out.stderr,
        "error: --target `ftp://deploy:***@files.example.com`: the scheme `ftp` is not supported; use an http:// or https:// URL\n"
    );
}

#[test]
fn a_target_with_userinfo_is_accepted() {
    // Nothing listens on port 9 of loopback: the case fails (exit 1), which shows the
    // flag itself was accepted.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = common::conform(
        root,
        &[
            "run",
            "--target",
            "http://user:pw@127.0.0.1:9",
            "--profile",
            "fixtures/reference-profile.yaml",
            "--filter",
            "json.login.primary",
            "specs/txty.yaml",
        ],
    );
    assert_eq!(out.code, 1, "{}", out.all());
}
