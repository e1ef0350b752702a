//! TLS against a local HTTPS server with a private CA (`fixtures/tls/`: `ca.pem` signed
//! `server.pem` for 127.0.0.1 and the client certificate in `client.pem`; the CA's key was
//! discarded): certificates are verified by default, `--cacert` trusts the CA,
//! `--insecure` skips verification and warns, `--client-cert` answers a server that
//! requires one.

mod common;

use std::path::Path;
use std::sync::Arc;

use common::{Scratch, conform_async};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/tls")
        .join(name)
}

/// Serves `{"ok":true}` over HTTPS on 127.0.0.1 until the test ends; returns the port.
async fn https_server() -> u16 {
    serve_tls(false).await
}

/// The same, requiring a client certificate signed by the test CA.
async fn mtls_server() -> u16 {
    serve_tls(true).await
}

async fn serve_tls(require_client_cert: bool) -> u16 {
    let certs = CertificateDer::pem_file_iter(fixture("server.pem"))
        .expect("server.pem")
        .collect::<Result<Vec<_>, _>>()
        .expect("certificates");
    let key = PrivateKeyDer::from_pem_file(fixture("server.key")).expect("server.key");
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("protocols");
    let builder = if require_client_cert {
        let mut roots = tokio_rustls::rustls::RootCertStore::empty();
        for ca in CertificateDer::pem_file_iter(fixture("ca.pem")).expect("ca.pem") {
            roots.add(ca.expect("ca")).expect("add ca");
        }
        let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .expect("client verifier");
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let config = builder.with_single_cert(certs, key).expect("server config");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A refused handshake (the client distrusts us) just ends the connection.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut seen = Vec::new();
                let mut buf = [0u8; 1024];
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                let body = br#"{"ok":true}"#;
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = tls.write_all(head.as_bytes()).await;
                let _ = tls.write_all(body).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    port
}

const SPEC: &str = r#"
title: tls
document: d
cases:
  - id: ok
    section: s
    steps:
      - request: { path: /ok }
        expect: { status: 200, json: { ok: true } }
"#;

async fn run(port: u16, extra: &[&str]) -> common::Output {
    let s = Scratch::new();
    s.write("spec.yaml", SPEC);
    let mut args: Vec<String> = vec![
        "run".into(),
        "--target".into(),
        format!("https://127.0.0.1:{port}"),
        "spec.yaml".into(),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    let out = conform_async(s.path().to_path_buf(), args).await;
    drop(s);
    out
}

#[tokio::test]
async fn an_unknown_ca_is_a_failed_case_with_its_cause() {
    let port = https_server().await;
    let out = run(port, &[]).await;
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(out.stdout.contains("FAIL spec::ok"), "{}", out.all());
    assert!(out.stdout.contains("error: transport"), "{}", out.all());
    assert!(
        out.stdout
            .contains("invalid peer certificate: UnknownIssuer"),
        "the cause names the certificate problem:\n{}",
        out.all()
    );
    assert!(
        out.stdout.contains("pass that CA with `--cacert FILE`"),
        "the cause says what to do:\n{}",
        out.all()
    );
}

/// Answers every connection with a plain HTTP response, as a server without TLS does.
async fn plain_http_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                let _ = tcp.read(&mut buf).await;
                let _ = tcp
                    .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
                let _ = tcp.shutdown().await;
            });
        }
    });
    port
}

#[tokio::test]
async fn an_https_target_on_a_plain_http_server_says_so() {
    let port = plain_http_server().await;
    let out = run(port, &[]).await;
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(out.stdout.contains("error: transport"), "{}", out.all());
    assert!(
        out.stdout
            .contains("the server does not speak TLS: is the target http:// rather than https://?"),
        "the cause names the likely mistake:\n{}",
        out.all()
    );
}

#[tokio::test]
async fn cacert_trusts_the_private_ca() {
    let port = https_server().await;
    let ca = fixture("ca.pem");
    let out = run(port, &["--cacert", &ca.to_string_lossy()]).await;
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stdout.contains("PASS spec::ok"), "{}", out.all());
    assert!(!out.stderr.contains("warning"), "{}", out.all());
}

#[tokio::test]
async fn insecure_skips_verification_and_warns() {
    let port = https_server().await;
    let out = run(port, &["--insecure"]).await;
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stderr
            .contains("warning: --insecure: TLS certificates are not verified"),
        "{}",
        out.all()
    );
}

#[tokio::test]
async fn a_cacert_that_is_not_pem_is_an_invalid_invocation() {
    let port = https_server().await;
    let s = Scratch::new();
    let bad = s.write("bad.pem", "not a certificate\n");
    let out = run(port, &["--cacert", &bad.to_string_lossy()]).await;
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(out.stderr.contains("bad.pem"), "{}", out.all());
}

#[tokio::test]
async fn client_cert_answers_a_server_that_requires_one() {
    let port = mtls_server().await;
    let ca = fixture("ca.pem");
    let ca = ca.to_string_lossy();
    let without = run(port, &["--cacert", &ca]).await;
    assert_eq!(without.code, 1, "{}", without.all());
    assert!(
        without.stdout.contains("error: transport"),
        "{}",
        without.all()
    );
    let client = fixture("client.pem");
    let with = run(
        port,
        &["--cacert", &ca, "--client-cert", &client.to_string_lossy()],
    )
    .await;
    assert_eq!(with.code, 0, "{}", with.all());
    assert!(with.stdout.contains("PASS spec::ok"), "{}", with.all());
}
