//! JWKS documents a run fetches for `jwt: { signature: … }` checks: a profile key's
//! `jwks_url`, or a path on the target. Each URL is fetched at most once per run, over
//! the run's own HTTP client (so `--cacert` and certificate verification apply), and
//! only when a check of the step being run names it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use super::request::join_url;
use super::send::cause;
use crate::plan::{Check, CheckKind, JsonMatcher, JwtCheck, PathTest};
use crate::profile::KeySet;

/// The largest JWKS read; real ones are a few KiB.
const MAX_JWKS_BYTES: usize = 1024 * 1024;

/// How long one JWKS fetch may take.
const JWKS_TIMEOUT: Duration = Duration::from_secs(10);

/// Key sets fetched for a step's checks, by the location the check names.
pub type FetchedKeys = HashMap<String, Result<Arc<KeySet>, String>>;

/// The key sets of one run, by absolute URL; failures are kept too, so a missing JWKS
/// is asked for once, not by every case.
#[derive(Debug, Default)]
pub struct KeyCache {
    fetched: tokio::sync::Mutex<HashMap<String, Result<Arc<KeySet>, String>>>,
}

impl KeyCache {
    /// A cache with nothing fetched.
    pub fn new() -> Self {
        Self::default()
    }

    /// Fetches (once) every key set `checks` name, relative to the target `base`.
    pub async fn for_checks<'c>(
        &self,
        client: &reqwest::Client,
        base: &Url,
        checks: impl IntoIterator<Item = &'c Check>,
    ) -> FetchedKeys {
        let mut out = FetchedKeys::new();
        let mut locations = Vec::new();
        for check in checks {
            locations_of_check(check, &mut locations);
        }
        for location in locations {
            if out.contains_key(&location) {
                continue;
            }
            let got = match absolute(base, &location) {
                Ok(url) => self.get(client, &url, &location).await,
                Err(e) => Err(e),
            };
            out.insert(location, got);
        }
        out
    }

    async fn get(
        &self,
        client: &reqwest::Client,
        url: &Url,
        shown: &str,
    ) -> Result<Arc<KeySet>, String> {
        // Held across the fetch: two cases asking at once still cause one request.
        let mut fetched = self.fetched.lock().await;
        if let Some(known) = fetched.get(url.as_str()) {
            return known.clone();
        }
        let got = fetch(client, url)
            .await
            .map_err(|e| format!("fetching the JWKS at `{shown}` failed: {e}"));
        fetched.insert(url.to_string(), got.clone());
        got
    }
}

/// A location as a URL: absolute as written, or a path on the target.
fn absolute(base: &Url, location: &str) -> Result<Url, String> {
    if location.starts_with("http://") || location.starts_with("https://") {
        Url::parse(location).map_err(|e| format!("`{location}` is not a URL: {e}"))
    } else {
        join_url(base, location)
    }
}

async fn fetch(client: &reqwest::Client, url: &Url) -> Result<Arc<KeySet>, String> {
    let response = client
        .get(url.clone())
        .header(reqwest::header::ACCEPT, "application/json")
        .timeout(JWKS_TIMEOUT)
        .send()
        .await
        .map_err(|e| cause(&e, JWKS_TIMEOUT, JWKS_TIMEOUT))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("the server answered {status}"));
    }
    let body = response
        .bytes()
        .await
        .map_err(|e| cause(&e, JWKS_TIMEOUT, JWKS_TIMEOUT))?;
    if body.len() > MAX_JWKS_BYTES {
        return Err(format!(
            "the JWKS is larger than {} KiB",
            MAX_JWKS_BYTES / 1024
        ));
    }
    let text = String::from_utf8_lossy(&body);
    KeySet::from_jwks(&text).map(Arc::new)
}

fn locations_of_check(check: &Check, out: &mut Vec<String>) {
    match &check.kind {
        CheckKind::Path(path) => {
            for (test, _) in &path.tests {
                if let PathTest::Jwt(jwt) = test {
                    locations_of_jwt(jwt, out);
                }
            }
        }
        CheckKind::JsonBody(matcher) => locations_of_matcher(matcher, out),
        _ => {}
    }
}

fn locations_of_matcher(matcher: &JsonMatcher, out: &mut Vec<String>) {
    match matcher {
        JsonMatcher::Object { fields, .. } => {
            for (_, m) in fields {
                locations_of_matcher(m, out);
            }
        }
        JsonMatcher::Array(items) => {
            for m in items {
                locations_of_matcher(m, out);
            }
        }
        JsonMatcher::Jwt(jwt) => locations_of_jwt(jwt, out),
        _ => {}
    }
}

fn locations_of_jwt(jwt: &JwtCheck, out: &mut Vec<String>) {
    if let Some(location) = jwt.signature.as_ref().and_then(|s| s.location()) {
        out.push(location.to_string());
    }
    if let Some(payload) = &jwt.payload {
        locations_of_matcher(payload, out);
    }
}
