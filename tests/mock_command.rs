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

/// A plain HTTP/1.1 request with a JSON body; returns the whole response text.
fn post_json(base: &str, path: &str, headers: &[(&str, &str)], body: &str) -> String {
    let addr = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    write!(stream, "{head}\r\n{body}").expect("send");
    let mut text = String::new();
    stream.read_to_string(&mut text).expect("read");
    text
}

/// The value of header `name` in a response text (names compared ignoring case).
fn header_of<'a>(response: &'a str, name: &str) -> Option<&'a str> {
    let head = response.split("\r\n\r\n").next().unwrap_or_default();
    head.lines().skip(1).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then_some(value.trim())
    })
}

const ALICE_RIGHT: &str = r#"{"user":"alice","password":"Tr0ub4dor&3-primary"}"#;
const ALICE_WRONG: &str = r#"{"user":"alice","password":"wrong"}"#;

#[test]
fn rate_limit_answers_rocket_chats_429_after_n_calls() {
    // A long window: four calls never straddle two windows, however slow the machine.
    let served = serve(&["--api", "rocketchat", "--rate-limit", "3/60s"]);
    for remaining in ["2", "1", "0"] {
        let answer = get(&served.base, "/api/v1/me");
        assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
        assert_eq!(
            header_of(&answer, "x-ratelimit-limit"),
            Some("3"),
            "{answer}"
        );
        assert_eq!(
            header_of(&answer, "x-ratelimit-remaining"),
            Some(remaining),
            "{answer}"
        );
    }
    let refused = get(&served.base, "/api/v1/me");
    assert!(refused.starts_with("HTTP/1.1 429"), "{refused}");
    assert!(
        refused.contains(r#"{"success":false,"error":"Error, too many requests. Please slow down. You must wait "#),
        "{refused}"
    );
    assert!(
        refused
            .contains(" seconds before trying this endpoint again. [error-too-many-requests]\"}"),
        "{refused}"
    );
    assert_eq!(header_of(&refused, "retry-after"), None, "{refused}");
    let reset: u128 = header_of(&refused, "x-ratelimit-reset")
        .and_then(|v| v.parse().ok())
        .expect("X-RateLimit-Reset in epoch milliseconds");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_millis();
    assert!(reset > now && reset <= now + 60_000, "{reset} vs {now}");
    // The login route has a window of its own.
    let login = post_json(&served.base, "/api/v1/login", &[], ALICE_RIGHT);
    assert!(login.starts_with("HTTP/1.1 200"), "{login}");
}

#[test]
fn lockout_blocks_correct_credentials_after_n_failures() {
    let served = serve(&["--api", "rocketchat", "--lockout", "2/60s"]);
    for _ in 0..2 {
        let wrong = post_json(&served.base, "/api/v1/login", &[], ALICE_WRONG);
        assert!(wrong.contains(r#""error":"Unauthorized""#), "{wrong}");
    }
    let blocked = post_json(&served.base, "/api/v1/login", &[], ALICE_RIGHT);
    assert!(blocked.starts_with("HTTP/1.1 401"), "{blocked}");
    assert!(
        blocked.ends_with(r#"{"success":false,"status":"error","error":"error-login-blocked-for-user","message":"Login has been temporarily blocked For User"}"#),
        "{blocked}"
    );
    // X-Real-IP names the client: ten failures from one IP (5 × 2) block that IP.
    for i in 0..10 {
        let body = format!(r#"{{"user":"ghost{i}","password":"x"}}"#);
        post_json(
            &served.base,
            "/api/v1/login",
            &[("X-Real-IP", "192.0.2.9")],
            &body,
        );
    }
    let bob = r#"{"user":"bob","password":"c0rrect-h0rse-2fa"}"#;
    let ip_blocked = post_json(
        &served.base,
        "/api/v1/login",
        &[("X-Real-IP", "192.0.2.9")],
        bob,
    );
    assert!(
        ip_blocked.contains(r#""error":"error-login-blocked-for-ip""#),
        "{ip_blocked}"
    );
    let elsewhere = post_json(&served.base, "/api/v1/login", &[], bob);
    assert!(
        elsewhere.contains(r#""error":"totp-required""#),
        "{elsewhere}"
    );
}

#[test]
fn totp_no_reuse_refuses_a_code_the_second_time() {
    let profile = conform::profile::reference_profile();
    let Some(conform::profile::CodeSource::Totp(generator)) = profile
        .account(conform::profile::AccountName::TWO_FACTOR)
        .and_then(|a| a.code.clone())
    else {
        panic!("the reference profile's two_factor account has TOTP");
    };
    let served = serve(&["--api", "rocketchat", "--totp-no-reuse"]);
    let body = format!(
        r#"{{"user":"bob","password":"c0rrect-h0rse-2fa","code":"{}"}}"#,
        generator.current()
    );
    let first = post_json(&served.base, "/api/v1/login", &[], &body);
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    let again = post_json(&served.base, "/api/v1/login", &[], &body);
    assert!(again.contains(r#""error":"totp-invalid""#), "{again}");
}

#[test]
fn guard_flags_are_checked_and_named_on_start() {
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = conform(here, &["mock", "--api", "txty", "--rate-limit", "ten/60s"]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr.contains("`ten` is not a count of at least 1"),
        "{}",
        out.stderr
    );
    let out = conform(here, &["mock", "--api", "txty", "--lockout", "3"]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr.contains("`3` is not N/DURATION"),
        "{}",
        out.stderr
    );

    let mut served = serve(&[
        "--api",
        "payroll",
        "--rate-limit",
        "3/1s",
        "--lockout",
        "5/2s",
        "--totp-no-reuse",
    ]);
    assert!(get(&served.base, "/login").contains("x-ratelimit-limit: 3"));
    // SIGTERM, not a kill: the server has written its stderr in full once it exits.
    let pid = served.child.id().to_string();
    let status = Command::new("sh")
        .args(["-c", &format!("kill -TERM {pid}")])
        .status()
        .expect("kill");
    assert!(status.success());
    served.child.wait().expect("wait");
    let mut stderr = String::new();
    served
        .child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    assert!(
        stderr.contains(
            "serving the payroll reference (rate limit 3/1s, lockout 5/2s, no TOTP reuse) at http://127.0.0.1:"
        ),
        "{stderr}"
    );
}
