//! Sending a request and reading the whole response, with transport faults turned
//! into one-line causes.

use std::error::Error as _;
use std::time::{Duration, Instant};

use crate::assert::{BODY_BYTES_PER_VALUE, Response};

/// Largest body read by default; beyond it the exchange fails rather than eat memory.
/// Login responses are a few KiB.
pub const DEFAULT_MAX_BODY: usize = 16 * 1024 * 1024;

/// How long the client waits for a connection by default.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What a response may cost beyond the request's own timeout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SendLimits {
    /// The connect timeout the client was built with (named when it fires).
    pub connect_timeout: Duration,
    /// Largest body read; a larger one fails the exchange.
    pub max_body: usize,
}

impl Default for SendLimits {
    fn default() -> Self {
        Self {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_body: DEFAULT_MAX_BODY,
        }
    }
}

/// Sends the request and reads the body. The error is a one-line cause.
pub async fn send(
    client: &reqwest::Client,
    request: reqwest::Request,
    timeout: Duration,
    limits: SendLimits,
) -> Result<(Response, Duration), String> {
    let started = Instant::now();
    let mut response = client
        .execute(request)
        .await
        .map_err(|e| cause(&e, timeout, limits.connect_timeout))?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let too_large = || format!("the response body is larger than {}", size(limits.max_body));
    // A declared length over the limit fails before any byte is read; a declared length
    // within it sizes the buffer once instead of doubling it.
    let declared = response.content_length().unwrap_or(0);
    if declared > limits.max_body as u64 {
        return Err(too_large());
    }
    let mut body = Vec::with_capacity(declared as usize);
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| cause(&e, timeout, limits.connect_timeout))?
    {
        if body.len() + chunk.len() > limits.max_body {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    body.shrink_to_fit();
    let response = Response::new(status, headers, body)
        .with_value_budget(limits.max_body / BODY_BYTES_PER_VALUE);
    Ok((response, started.elapsed()))
}

/// A byte count as people write it: `16 MiB`, `512 KiB`, `100 bytes`.
pub fn size(bytes: usize) -> String {
    const KIB: usize = 1024;
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// One line saying why a request failed: the error and its causes, without the URL
/// (which may carry credentials). A timeout names the limit that fired: the connect
/// timeout, or the request's own.
pub fn cause(err: &reqwest::Error, timeout: Duration, connect_timeout: Duration) -> String {
    if err.is_timeout() {
        return if err.is_connect() {
            format!(
                "could not connect within {}",
                humantime::format_duration(connect_timeout)
            )
        } else {
            format!(
                "no complete response within {}",
                humantime::format_duration(timeout)
            )
        };
    }
    let mut parts: Vec<String> = Vec::new();
    let mut source = err.source();
    let top = strip_url(&err.to_string());
    parts.push(top);
    while let Some(s) = source {
        let text = strip_url(&s.to_string());
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    super::hints::with_hint(parts.join(": "))
}

fn strip_url(text: &str) -> String {
    match text.find(" for url (") {
        Some(i) => text[..i].to_string(),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A listener whose accept queue is full: the kernel drops further SYNs, so a
    /// connect hangs until the client's connect timeout.
    async fn full_listener() -> (tokio::net::TcpListener, Vec<tokio::net::TcpStream>, String) {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let listener = socket.listen(0).unwrap();
        let addr = listener.local_addr().unwrap();
        let mut held = Vec::new();
        // Fill the queue; connects beyond it hang, so each gets a short deadline.
        for _ in 0..8 {
            let connect = tokio::net::TcpStream::connect(addr);
            match tokio::time::timeout(Duration::from_millis(100), connect).await {
                Ok(Ok(s)) => held.push(s),
                _ => break,
            }
        }
        (listener, held, format!("http://{addr}/"))
    }

    #[tokio::test]
    async fn timeouts_name_the_limit_that_fired() {
        let options = super::super::client::ClientOptions {
            connect_timeout: Some(Duration::from_millis(200)),
            ..Default::default()
        };
        let client = super::super::client::build_client(&options).unwrap();
        let limits = SendLimits {
            connect_timeout: options.connect_timeout(),
            ..SendLimits::default()
        };
        let (_listener, _held, url) = full_listener().await;
        let request = client
            .get(&url)
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        let err = send(&client, request, Duration::from_secs(5), limits)
            .await
            .unwrap_err();
        assert_eq!(err, "could not connect within 200ms");

        let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", silent.local_addr().unwrap());
        let request = client
            .get(&url)
            .timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        let err = send(&client, request, Duration::from_millis(300), limits)
            .await
            .unwrap_err();
        assert_eq!(err, "no complete response within 300ms");
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size(16 * 1024 * 1024), "16 MiB");
        assert_eq!(size(512 * 1024), "512 KiB");
        assert_eq!(size(1000), "1000 bytes");
    }
}
