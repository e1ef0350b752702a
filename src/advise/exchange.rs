//! Passive advisories of one exchange: what a request the run makes anyway, and its raw
//! answer, show about the API's security. Reads the exchange before masking; its
//! evidence names fields and headers, never the values of secrets.

use std::net::IpAddr;

use serde_json::Value;
use url::Url;

use super::advisory::Finding;
use super::rules::rule;
use super::tokens::check_jwt;
use crate::assert::Response;
use crate::exec::RequestRecord;
use crate::plan::LoginAttempt;

/// One exchange as the advisories see it.
pub struct ExchangeView<'a> {
    /// What the request is as a login.
    pub login: LoginAttempt,
    /// Index of the step in its case.
    pub step: usize,
    /// The request as sent, not masked.
    pub request: &'a RequestRecord,
    /// The raw response.
    pub response: &'a Response,
    /// Whether the response issued a credential (a token, key or session cookie).
    pub issued: bool,
    /// Whether a value the request sent is one of the profile's secrets or a code.
    pub is_secret: &'a dyn Fn(&str) -> bool,
    /// Now, in seconds since the epoch (JWT lifetimes without `iat`).
    pub now: u64,
}

/// A value the request sent, with the name it was sent under and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Sent {
    pub(crate) name: String,
    pub(crate) value: String,
    pub(crate) place: &'static str,
}

/// The passive findings of one exchange.
pub fn observe_exchange(view: &ExchangeView<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut push = |id: &str, evidence: String| {
        if let Some(rule) = rule(id) {
            out.push(Finding {
                rule,
                evidence,
                step: view.step,
            });
        }
    };
    let sent = sent_values(view.request);
    let credentials: Vec<&Sent> = sent
        .iter()
        .filter(|s| {
            !s.value.is_empty() && (names_a_credential(&s.name) || (view.is_secret)(&s.value))
        })
        .collect();
    let login = view.login != LoginAttempt::None;
    if login {
        if let Some(s) = credentials.iter().find(|s| s.place == "query") {
            push(
                "credentials-in-query",
                format!("the login sends `{}` in the URL query string", s.name),
            );
        }
        if !credentials.is_empty()
            && let Some(host) = plain_http_host(&view.request.url)
        {
            push(
                "plain-http",
                format!(
                    "the login sends `{}` over http to {host}",
                    credentials[0].name
                ),
            );
        }
    }
    if let Some(s) = credentials
        .iter()
        .find(|s| s.value.chars().count() >= 4 && reflected(view.response, &s.value))
    {
        push(
            "credential-echo",
            format!(
                "HTTP {}: the response repeats the value sent as `{}` ({})",
                view.response.status, s.name, s.place
            ),
        );
    }
    if login
        && view.issued
        && (200..300).contains(&view.response.status)
        && !no_store(view.response)
    {
        let said = view.response.header("cache-control").map_or_else(
            || "no Cache-Control".to_string(),
            |v| format!("Cache-Control: {v}"),
        );
        push(
            "token-cacheable",
            format!(
                "HTTP {} issues a credential with {said}",
                view.response.status
            ),
        );
    }
    for (id, evidence) in cookie_findings(view.response, login) {
        push(id, evidence);
    }
    if let Some((id, evidence)) = media_type_finding(view.response) {
        push(id, evidence);
    }
    for (id, evidence) in jwt_findings(view.response, view.now) {
        push(id, evidence);
    }
    out
}

/// Whether a field name says it carries a password, a code or a key.
pub(crate) fn names_a_credential(name: &str) -> bool {
    let code = names_a_code(name);
    let name = name.to_ascii_lowercase();
    let password = [
        "pass",
        "secret",
        "securekey",
        "secure_key",
        "apikey",
        "api_key",
    ]
    .iter()
    .any(|w| name.contains(w));
    code || password || name == "key"
}

/// Whether a field name says it carries a second-factor code.
pub(crate) fn names_a_code(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["code", "tfkey", "totp", "otp", "2fa", "mfa"]
        .iter()
        .any(|w| name.contains(w))
        && !name.contains("token")
}

/// Every value the request sent: query pairs, body fields (JSON leaves or form pairs)
/// and headers.
pub(crate) fn sent_values(request: &RequestRecord) -> Vec<Sent> {
    let mut out = Vec::new();
    if let Ok(url) = Url::parse(&request.url) {
        out.extend(url.query_pairs().map(|(k, v)| Sent {
            name: k.into_owned(),
            value: v.into_owned(),
            place: "query",
        }));
    }
    if let Some(body) = &request.body {
        match serde_json::from_str::<Value>(body) {
            Ok(json) => json_leaves("", &json, &mut out),
            Err(_) if body.contains('=') => {
                out.extend(
                    url::form_urlencoded::parse(body.as_bytes()).map(|(k, v)| Sent {
                        name: k.into_owned(),
                        value: v.into_owned(),
                        place: "body",
                    }),
                );
            }
            Err(_) => {}
        }
    }
    out.extend(request.headers.iter().map(|(k, v)| Sent {
        name: k.to_ascii_lowercase(),
        value: v.clone(),
        place: "header",
    }));
    out
}

fn json_leaves(key: &str, value: &Value, out: &mut Vec<Sent>) {
    match value {
        Value::Object(map) => map.iter().for_each(|(k, v)| json_leaves(k, v, out)),
        Value::Array(items) => items.iter().for_each(|v| json_leaves(key, v, out)),
        Value::String(s) => out.push(Sent {
            name: key.to_string(),
            value: s.clone(),
            place: "body",
        }),
        Value::Number(n) => out.push(Sent {
            name: key.to_string(),
            value: n.to_string(),
            place: "body",
        }),
        _ => {}
    }
}

/// The host of an `http` URL that is not loopback.
fn plain_http_host(url: &str) -> Option<String> {
    let url = Url::parse(url).ok()?;
    if url.scheme() != "http" {
        return None;
    }
    let host = url.host_str()?.trim_matches(['[', ']']).to_string();
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host.to_ascii_lowercase().ends_with(".localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    (!loopback).then_some(host)
}

/// Whether `value` appears in the response's body or headers as a whole word: not inside
/// a longer run of letters and digits (a six-digit code inside a timestamp is no echo).
fn reflected(response: &Response, value: &str) -> bool {
    let mut texts: Vec<&str> = vec![response.text()];
    texts.extend(
        response
            .headers
            .iter()
            .filter(|(n, _)| n != "date")
            .map(|(_, v)| v.as_str()),
    );
    if texts.iter().any(|t| contains_word(t, value)) {
        return true;
    }
    // A JSON string may escape what the raw text shows (`\/`, `\u0026`).
    response
        .json()
        .ok()
        .is_some_and(|doc| crate::assert::any_string(doc, &mut |s| contains_word(s, value)))
}

pub(crate) fn contains_word(text: &str, word: &str) -> bool {
    let edge_ok = |c: Option<char>, inner: Option<char>| match (c, inner) {
        (Some(c), Some(i)) => !(c.is_alphanumeric() && i.is_alphanumeric()),
        _ => true,
    };
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        edge_ok(before, word.chars().next()) && edge_ok(after, word.chars().next_back())
    })
}

fn no_store(response: &Response) -> bool {
    response
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("cache-control"))
        .any(|(_, v)| {
            v.split(',')
                .any(|d| d.trim().eq_ignore_ascii_case("no-store"))
        })
}

/// Words in a cookie name that make it a session cookie.
const SESSION_WORDS: [&str; 6] = ["sess", "sid", "token", "auth", "login", "jwt"];

/// `cookie-flags` for each session cookie the response sets (every cookie a login's
/// answer sets is one) without Secure, HttpOnly or SameSite.
fn cookie_findings(response: &Response, login: bool) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for (_, value) in response
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
    {
        let mut parts = value.split(';');
        let name = parts
            .next()
            .and_then(|p| p.split_once('='))
            .map(|(n, _)| n.trim().to_string())
            .unwrap_or_default();
        let lower = name.to_ascii_lowercase();
        if !login && !SESSION_WORDS.iter().any(|w| lower.contains(w)) {
            continue;
        }
        let attrs: Vec<String> = parts
            .map(|p| {
                p.split('=')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase()
            })
            .collect();
        let missing: Vec<&str> = [
            ("secure", "Secure"),
            ("httponly", "HttpOnly"),
            ("samesite", "SameSite"),
        ]
        .into_iter()
        .filter(|(a, _)| !attrs.iter().any(|x| x == a))
        .map(|(_, shown)| shown)
        .collect();
        if !missing.is_empty() {
            out.push((
                "cookie-flags",
                format!("cookie `{name}` is set without {}", missing.join(", ")),
            ));
        }
    }
    out
}

/// `json-as-html` or `json-media-type` when a JSON object or array comes with another
/// media type.
fn media_type_finding(response: &Response) -> Option<(&'static str, String)> {
    let text = response.text().trim_start();
    if !(text.starts_with('{') || text.starts_with('[')) || response.json().is_err() {
        return None;
    }
    let media = response.media_type();
    let json = media
        .as_deref()
        .is_some_and(|m| m == "application/json" || m.ends_with("+json"));
    if json {
        return None;
    }
    let shown = media.clone().unwrap_or_else(|| "no Content-Type".into());
    if media.as_deref() == Some("text/html") {
        return Some((
            "json-as-html",
            format!("HTTP {}: a JSON body is served as {shown}", response.status),
        ));
    }
    Some((
        "json-media-type",
        format!("HTTP {}: a JSON body is served as {shown}", response.status),
    ))
}

/// JWT findings over every string of the body and every header value.
fn jwt_findings(response: &Response, now: u64) -> Vec<(&'static str, String)> {
    let mut candidates: Vec<String> = Vec::new();
    if let Ok(doc) = response.json() {
        crate::assert::any_string(doc, &mut |s| {
            if s.matches('.').count() == 2 {
                candidates.push(s.to_string());
            }
            false
        });
    }
    for (_, v) in &response.headers {
        for word in v.split([' ', ';', ',', '=']) {
            if word.matches('.').count() == 2 {
                candidates.push(word.to_string());
            }
        }
    }
    let mut out: Vec<(&'static str, String)> = Vec::new();
    for token in candidates {
        for (id, evidence) in check_jwt(&token, now) {
            if !out.iter().any(|(i, _)| *i == id) {
                out.push((id, evidence));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(url: &str) -> RequestRecord {
        RequestRecord {
            method: "POST".into(),
            url: url.into(),
            headers: Vec::new(),
            body: Some(r#"{"user":"alice","password":"Pa55-word-x"}"#.into()),
        }
    }

    fn ids(url: &str, login: LoginAttempt) -> Vec<&'static str> {
        let response = Response::new(
            200,
            vec![("content-type".into(), "application/json".into())],
            b"{}".to_vec(),
        );
        let request = record(url);
        let view = ExchangeView {
            login,
            step: 0,
            request: &request,
            response: &response,
            issued: false,
            is_secret: &|_| false,
            now: 0,
        };
        observe_exchange(&view).iter().map(|f| f.rule.id).collect()
    }

    #[test]
    fn plain_http_is_flagged_only_off_loopback() {
        let login = LoginAttempt::Failed(None);
        assert_eq!(ids("http://api.example.com/login", login), ["plain-http"]);
        for quiet in [
            "https://api.example.com/login",
            "http://127.0.0.1:8080/login",
            "http://[::1]/login",
            "http://localhost/login",
        ] {
            assert!(ids(quiet, login).is_empty(), "{quiet}");
        }
        assert!(ids("http://api.example.com/x", LoginAttempt::None).is_empty());
    }

    #[test]
    fn echoes_are_whole_words() {
        assert!(contains_word("code 123456 ok", "123456"));
        assert!(!contains_word("ts 1712345678", "234567"));
    }
}
