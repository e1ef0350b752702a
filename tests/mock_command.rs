//! `conform mock`: the real binary serving one reference API, a mutant or a variant on
//! loopback, and listing the catalog.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::conform;

/// A `conform mock` process, killed on drop.
struct Served {
    child: Child,
    base: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(args: &[&str]) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_conform"))
        .arg("mock")
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start conform mock");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("base URL line");
    Served {
        child,
        base: line.trim().to_string(),
    }
}

/// A plain HTTP/1.1 GET; returns the whole response text.
fn get(base: &str, path_and_query: &str) -> String {
    let addr = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        stream,
        "GET {path_and_query} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut text = String::new();
    stream.read_to_string(&mut text).expect("read");
    text
}

const BOB_LOGIN: &str =
    "/user/newapikey/login.json?user=bob&pass=c0rrect-h0rse-2fa&description=test";

#[test]
fn serves_the_reference_and_a_mutant_of_it() {
    let reference = serve(&["--api", "txty"]);
    assert!(
        reference.base.starts_with("http://127.0.0.1:"),
        "{}",
        reference.base
    );
    let answer = get(&reference.base, BOB_LOGIN);
    assert!(answer.contains("\"ADDED_TF\""), "{answer}");
    assert!(!answer.contains("newapikey"), "{answer}");

    let mutant = serve(&["--api", "txty", "--mutant", "bypass-2fa"]);
    let answer = get(&mutant.base, BOB_LOGIN);
    assert!(answer.contains("\"ADDED_KEY\""), "{answer}");
    assert!(answer.contains("newapikey"), "{answer}");

    let variant = serve(&["--api", "txty", "--variant", "error-status-400"]);
    let answer = get(
        &variant.base,
        "/user/newapikey/login.json?user=nobody&pass=x",
    );
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("USER_NOT_FOUND"), "{answer}");
}

#[test]
fn lists_every_api_or_one() {
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let all = conform(here, &["mock", "--list"]);
    assert_eq!(all.code, 0, "{}", all.all());
    for api in ["txty", "cielo24", "rocketchat", "payroll", "coldstream"] {
        assert!(
            all.stdout
                .contains(&format!("mutant  {api}/wrong-password-accepted")),
            "{}",
            all.stdout
        );
    }
    assert!(
        all.stdout
            .lines()
            .any(|l| l.starts_with("variant payroll/post-only ")),
        "{}",
        all.stdout
    );
    let one = conform(here, &["mock", "--list", "--api", "cielo24"]);
    assert_eq!(one.code, 0, "{}", one.all());
    assert!(
        one.stdout.lines().all(|l| l.contains(" cielo24/")),
        "{}",
        one.stdout
    );
}

#[test]
fn unknown_apis_and_deviations_are_invalid_invocations() {
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = conform(here, &["mock", "--api", "txty", "--mutant", "no-such"]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr.starts_with(
            "error: txty has no mutant `no-such`; its mutants are bypass-2fa, any-tfkey,"
        ),
        "{}",
        out.stderr
    );
    let out = conform(
        here,
        &["mock", "--api", "payroll", "--variant", "bypass-2fa"],
    );
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr.contains("payroll has no variant `bypass-2fa`"),
        "{}",
        out.stderr
    );
    let out = conform(here, &["mock", "--api", "rocket.chat"]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr.contains("error: unknown api `rocket.chat`"),
        "{}",
        out.stderr
    );
}

#[test]
fn sigterm_stops_it_cleanly() {
    let mut served = serve(&["--api", "payroll"]);
    assert!(get(&served.base, "/login").contains("Required field"));
    let pid = served.child.id().to_string();
    let status = Command::new("sh")
        .args(["-c", &format!("kill -TERM {pid}")])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = served.child.wait().expect("wait");
    assert_eq!(exit.code(), Some(0), "{exit:?}");
    let mut stderr = String::new();
    served
        .child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    assert!(
        stderr.contains("serving the payroll reference at http://127.0.0.1:"),
        "{stderr}"
    );
    assert!(stderr.trim_end().ends_with("stopped"), "{stderr}");
    let addr = served.base.trim_start_matches("http://").to_string();
    assert!(TcpStream::connect(addr).is_err(), "the port still answers");
}

#[test]
fn verbose_runs_mask_the_keys_and_tokens_the_reference_issues() {
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for (spec, filter, masked) in [
        ("specs/txty.yaml", "xml.login.primary", "<key>***</key>"),
        ("specs/txty.yaml", "json.login.primary", r#""key": "***""#),
        (
            "specs/cielo24.yaml",
            "login.query.password",
            r#""ApiToken": "***""#,
        ),
        (
            "specs/rocketchat.yaml",
            "json.username",
            r#""authToken": "***""#,
        ),
        ("specs/payroll.yaml", "login", r#""token": "***""#),
    ] {
        let out = conform(here, &["run", "-v", spec, "--filter", filter]);
        assert_eq!(out.code, 0, "{}", out.all());
        assert!(
            out.stdout.contains(masked),
            "{spec} {filter}: {}",
            out.stdout
        );
    }
}
