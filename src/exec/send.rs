//! Sending a request and reading the whole response, with transport faults turned
//! into one-line causes.

use std::error::Error as _;
use std::time::{Duration, Instant};

use crate::assert::Response;

/// Largest body read; beyond it the exchange fails rather than eat memory.
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// Sends the request and reads the body. The error is a one-line cause.
pub async fn send(
    client: &reqwest::Client,
    request: reqwest::Request,
    timeout: Duration,
) -> Result<(Response, Duration), String> {
    let started = Instant::now();
    let mut response = client
        .execute(request)
        .await
        .map_err(|e| cause(&e, timeout))?;
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
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| cause(&e, timeout))? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(format!(
                "the response body is larger than {} MiB",
                MAX_BODY / (1024 * 1024)
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((Response::new(status, headers, body), started.elapsed()))
}

/// One line saying why a request failed: the error and its causes, without the URL
/// (which may carry credentials).
pub fn cause(err: &reqwest::Error, timeout: Duration) -> String {
    if err.is_timeout() {
        return format!("timed out after {}", humantime::format_duration(timeout));
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
