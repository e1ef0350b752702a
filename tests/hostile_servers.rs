//! The real binary against hostile servers: raw TCP on loopback writing hand-made
//! bytes. Every fault must end as a failed case (exit 1, a `FAIL` line) with a
//! one-line cause, in bounded time and memory — never a hang, a panic or an abort.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::{Output, Scratch};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server does with each connection once it has read the request head.
#[derive(Clone)]
enum Fault {
    /// Says nothing, keeps the connection open.
    Hang,
    /// Sends a valid head, then the body a byte every 200 ms.
    Drip,
    /// Sends half a body and resets the connection.
    Reset,
    /// Answers with bytes that are not HTTP.
    Garbage,
    /// Sends these bytes as a 200 answer with this content type.
    Body(&'static str, Vec<u8>),
    /// Sends a head with a 1 MiB header.
    HugeHeader,
}

/// Serves `fault` on a fresh loopback port; returns its base URL.
async fn serve(fault: Fault) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(answer(stream, fault.clone()));
        }
    });
    format!("http://{addr}")
}

async fn answer(mut stream: TcpStream, fault: Fault) {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let _ = match fault {
        Fault::Hang => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Ok(())
        }
        Fault::Drip => drip(&mut stream).await,
        Fault::Reset => {
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"a\":")
                .await;
            let _ = stream.flush().await;
            // A zero linger makes the close a reset (RST) rather than a clean FIN.
            let _ = stream.set_zero_linger();
            drop(stream);
            Ok(())
        }
        Fault::Garbage => {
            stream
                .write_all(b"SSH-2.0-OpenSSH_9.6\r\n\x00\x01\x02 not http at all\r\n\r\n")
                .await
        }
        Fault::Body(content_type, body) => {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\r\n",
                body.len()
            );
            match stream.write_all(head.as_bytes()).await {
                Ok(()) => stream.write_all(&body).await,
                Err(e) => Err(e),
            }
        }
        Fault::HugeHeader => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nx-filler: {}\r\ncontent-length: 2\r\n\r\n{{}}",
                "a".repeat(1024 * 1024)
            );
            stream.write_all(head.as_bytes()).await
        }
    };
}

async fn drip(stream: &mut TcpStream) -> std::io::Result<()> {
    stream
        .write_all(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n",
        )
        .await?;
    for _ in 0..100 {
        stream.write_all(b" ").await?;
        stream.flush().await?;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(())
}

const SPEC: &str = r#"
title: hostile
document: d
cases:
  - id: json
    section: s
    steps:
      - request: { path: /login }
        expect:
          json: { a: 1 }
          jsonpath: [{ path: "$..*", nodes: any, jwt: {} }]
          not_contains: [secret]
  - id: xml
    section: s
    steps:
      - request: { path: /login.xml }
        expect:
          xml: [{ path: $.r.a, equals: "1" }]
"#;

/// The result of one run and the child's peak resident memory in KiB.
struct Measured {
    out: Output,
    peak_kib: u64,
    elapsed: Duration,
}

/// Runs `conform run` against `target` with `extra` flags, polling the child's peak
/// RSS (VmHWM) while it runs.
async fn run(target: String, filter: &str, extra: &[&str]) -> Measured {
    let scratch = Scratch::new();
    scratch.write("spec.yaml", SPEC);
    scratch.write("profile.yaml", "accounts: {}\n");
    let mut args: Vec<String> = [
        "run",
        "--target",
        &target,
        "--profile",
        "profile.yaml",
        "--filter",
        filter,
        "--timeout",
        "1s",
        "spec.yaml",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    let cwd: PathBuf = scratch.path().to_path_buf();
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_conform"))
            .args(&args)
            .current_dir(&cwd)
            .env("NO_COLOR", "1")
            .env_remove("GITHUB_ACTIONS")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn conform");
        let status_file = format!("/proc/{}/status", child.id());
        let poll = std::thread::spawn(move || {
            let mut peak = 0;
            // Until the process is reaped its status file stays readable.
            while let Ok(text) = std::fs::read_to_string(&status_file) {
                if let Some(kib) = vm_hwm(&text) {
                    peak = peak.max(kib);
                }
                std::thread::sleep(Duration::from_millis(5));
                if started.elapsed() > Duration::from_secs(60) {
                    break;
                }
            }
            peak
        });
        let out = child.wait_with_output().expect("wait for conform");
        let elapsed = started.elapsed();
        let peak_kib = poll.join().expect("poll thread");
        drop(scratch);
        Measured {
            out: Output {
                code: out.status.code().unwrap_or(-1),
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            },
            peak_kib,
            elapsed,
        }
    })
    .await
    .expect("join")
}

fn vm_hwm(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The run failed its one case with a cause containing `cause`, on one line, quickly.
fn assert_failed_case(m: &Measured, cause: &str) {
    let all = m.out.all();
    assert_eq!(m.out.code, 1, "exit 1 for a failed case:\n{all}");
    assert!(all.contains("FAIL spec::"), "a FAIL line:\n{all}");
    assert!(
        all.lines().any(|l| l.contains(cause)),
        "the cause `{cause}` on one line:\n{all}"
    );
    assert!(!all.contains("panicked"), "no panic:\n{all}");
    assert!(
        m.elapsed < Duration::from_secs(15),
        "bounded time: {:?}",
        m.elapsed
    );
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let m = run(serve(Fault::Hang).await, "json", &[]).await;
    assert_failed_case(&m, "no complete response within 1s");
}

#[tokio::test]
async fn a_body_dripped_a_byte_at_a_time_times_out() {
    let m = run(serve(Fault::Drip).await, "json", &[]).await;
    assert_failed_case(&m, "no complete response within 1s");
}

#[tokio::test]
async fn a_connection_cut_mid_body_is_a_transport_fault() {
    let m = run(serve(Fault::Reset).await, "json", &[]).await;
    assert_failed_case(&m, "error: transport");
    assert_failed_case(&m, "error reading a body from connection");
}

#[tokio::test]
async fn bytes_that_are_not_http_are_a_transport_fault() {
    let m = run(serve(Fault::Garbage).await, "json", &[]).await;
    assert_failed_case(&m, "error: transport");
    assert_failed_case(&m, "invalid HTTP");
}

#[tokio::test]
async fn a_huge_header_is_a_transport_fault() {
    let m = run(serve(Fault::HugeHeader).await, "json", &[]).await;
    assert_failed_case(&m, "message head is too large");
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused() {
    let body = vec![b' '; 1024 * 1024];
    let m = run(
        serve(Fault::Body("application/json", body)).await,
        "json",
        &["--max-body", "64KiB"],
    )
    .await;
    assert_failed_case(&m, "the response body is larger than 64 KiB");
}

#[tokio::test]
async fn deeply_nested_json_is_refused_without_overflowing() {
    let body = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000)).into_bytes();
    // A large limit, so the parser's depth limit answers rather than the value budget.
    let m = run(
        serve(Fault::Body("application/json", body)).await,
        "json",
        &["--max-body", "64MiB"],
    )
    .await;
    assert_failed_case(&m, "recursion limit exceeded");
}

#[tokio::test]
async fn deeply_nested_xml_is_refused_without_overflowing() {
    let body = format!("{}x{}", "<r>".repeat(20_000), "</r>".repeat(20_000)).into_bytes();
    let m = run(
        serve(Fault::Body("application/xml", body)).await,
        "xml",
        &["--max-body", "64MiB"],
    )
    .await;
    assert_failed_case(&m, "the XML body nests deeper than 256 elements");
}

#[tokio::test]
async fn a_huge_body_costs_a_few_times_the_limit_at_most() {
    // `[0,0,…]` builds ~80 bytes of tree per byte of text when parsed whole; strings
    // at the value budget are the other extreme.
    const LIMIT_MIB: u64 = 16;
    let zeros = format!("[{}0]", "0,".repeat(15 * 512 * 1024 - 1)).into_bytes();
    let m = run(
        serve(Fault::Body("application/json", zeros)).await,
        "json",
        &["--max-body", "16MiB"],
    )
    .await;
    assert_failed_case(&m, "too many to check within the body limit");
    let baseline_mib = 48;
    let ceiling_kib = (4 * LIMIT_MIB + baseline_mib) * 1024;
    assert!(m.peak_kib > 0, "VmHWM was read");
    assert!(
        m.peak_kib <= ceiling_kib,
        "peak RSS {} KiB over {ceiling_kib} KiB",
        m.peak_kib
    );

    let item = format!("\"{}\"", "y".repeat(950));
    let strings = format!("[{}]", vec![item; 16_000].join(",")).into_bytes();
    let m = run(
        serve(Fault::Body("application/json", strings)).await,
        "json",
        &["--max-body", "16MiB"],
    )
    .await;
    assert_failed_case(&m, "expected");
    assert!(
        m.peak_kib <= ceiling_kib,
        "peak RSS {} KiB over {ceiling_kib} KiB",
        m.peak_kib
    );
}
