//! Rendering a planned request into an HTTP request and its record.

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use url::Url;

use super::outcome::RequestRecord;
use super::scope::{Scope, text_of};
use crate::assert::Resolve;
use crate::plan::{BodyPlan, RequestPlan};

/// A request ready to send, and how it will be shown.
pub struct BuiltRequest {
    /// The request.
    pub request: reqwest::Request,
    /// Its record for reports.
    pub record: RequestRecord,
}

/// Joins a target URL and a spec path: the target's own path is kept as a prefix, and
/// its query (`?tenant=x`, an API version) comes first in every request's query, before
/// a query in the path and the spec's `query:` parameters.
pub fn join_url(base: &Url, path: &str) -> Result<Url, String> {
    let mut root = base.clone();
    root.set_query(None);
    root.set_fragment(None);
    let base_text = root.as_str().trim_end_matches('/');
    let (path, path_query) = match path.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (path, None),
    };
    let joined = if path.is_empty() {
        format!("{base_text}/")
    } else {
        format!("{base_text}/{}", path.trim_start_matches('/'))
    };
    let mut url = Url::parse(&joined).map_err(|e| format!("`{joined}` is not a valid URL: {e}"))?;
    let query: Vec<&str> = [base.query(), path_query]
        .into_iter()
        .flatten()
        .filter(|q| !q.is_empty())
        .collect();
    if !query.is_empty() {
        url.set_query(Some(&query.join("&")));
    }
    Ok(url)
}

/// Renders the request against `base`, sent with `method` (the plan's own, or its
/// fallback).
pub fn build_request(
    client: &reqwest::Client,
    base: &Url,
    plan: &RequestPlan,
    method: &reqwest::Method,
    scope: &Scope,
) -> Result<BuiltRequest, String> {
    let mut url = join_url(base, &scope.render_path(&plan.path)?)?;
    // What the request carries under each name, for `{{ sent.NAME }}` in its checks.
    let mut carried: Vec<(String, String)> = Vec::new();
    if !plan.query.is_empty() {
        let mut pairs = url.query_pairs_mut();
        for (k, t) in &plan.query {
            let value = scope.text(t)?;
            pairs.append_pair(k, &value);
            carried.push((k.clone(), value));
        }
    }
    let mut headers = HeaderMap::new();
    let mut shown = Vec::new();
    for (name, t) in &plan.headers {
        let value = scope.text(t)?;
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("`{name}` is not a header name"))?;
        let hv = HeaderValue::from_str(&value).map_err(|_| {
            format!("the value of header `{name}` has characters a header cannot carry")
        })?;
        carried.push((name.as_str().to_string(), value.clone()));
        shown.push((name.as_str().to_string(), value));
        headers.append(name, hv);
    }
    let (body, content_type) = match &plan.body {
        BodyPlan::None => (None, None),
        BodyPlan::Json(t) => {
            let v = scope.json(t)?;
            json_carried("", &v, &mut carried);
            (Some(v.to_string()), Some("application/json"))
        }
        BodyPlan::Form(pairs) => {
            let mut s = url::form_urlencoded::Serializer::new(String::new());
            for (k, t) in pairs {
                let value = scope.text(t)?;
                s.append_pair(k, &value);
                carried.push((k.clone(), value));
            }
            (Some(s.finish()), Some("application/x-www-form-urlencoded"))
        }
        BodyPlan::Raw { content_type, text } => {
            (Some(text_of(scope.value(text)?)), content_type.as_deref())
        }
    };
    if let Some(ct) = content_type
        && !headers.contains_key(CONTENT_TYPE)
    {
        let hv =
            HeaderValue::from_str(ct).map_err(|_| format!("`{ct}` is not a valid content type"))?;
        headers.insert(CONTENT_TYPE, hv);
        shown.push(("content-type".to_string(), ct.to_string()));
    }
    let mut builder = client
        .request(method.clone(), url.clone())
        .headers(headers)
        .timeout(plan.timeout);
    if let Some(b) = &body {
        builder = builder.body(b.clone());
    }
    let request = builder
        .build()
        .map_err(|e| format!("cannot build the request: {e}"))?;
    scope.set_carried(carried);
    Ok(BuiltRequest {
        request,
        record: RequestRecord {
            method: method.to_string(),
            url: url.to_string(),
            headers: shown,
            body,
        },
    })
}

/// The string leaves of a JSON body under their nearest key.
fn json_carried(key: &str, value: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::String(s) => out.push((key.to_string(), s.clone())),
        serde_json::Value::Number(n) => out.push((key.to_string(), n.to_string())),
        serde_json::Value::Array(items) => items.iter().for_each(|v| json_carried(key, v, out)),
        serde_json::Value::Object(map) => map.iter().for_each(|(k, v)| json_carried(k, v, out)),
        serde_json::Value::Null | serde_json::Value::Bool(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_keeps_the_target_prefix() {
        let base = Url::parse("https://login.txty.dk/api/4/").unwrap();
        assert_eq!(
            join_url(&base, "/user/newapikey/login.json")
                .unwrap()
                .as_str(),
            "https://login.txty.dk/api/4/user/newapikey/login.json"
        );
        let bare = Url::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(
            join_url(&bare, "/login").unwrap().as_str(),
            "http://127.0.0.1:8080/login"
        );
        assert_eq!(
            join_url(&bare, "").unwrap().as_str(),
            "http://127.0.0.1:8080/"
        );
    }

    #[test]
    fn the_target_query_comes_first_in_every_request() {
        let base = Url::parse("https://h.example/api?tenant=x").unwrap();
        let mut url = join_url(&base, "/login").unwrap();
        assert_eq!(url.as_str(), "https://h.example/api/login?tenant=x");
        // build_request appends the spec's `query:` after it.
        url.query_pairs_mut().append_pair("user", "a b");
        assert_eq!(
            url.as_str(),
            "https://h.example/api/login?tenant=x&user=a+b"
        );
        let with_path_query = join_url(&base, "/login.json?v=2").unwrap();
        assert_eq!(
            with_path_query.as_str(),
            "https://h.example/api/login.json?tenant=x&v=2"
        );
        let slash = Url::parse("https://h.example/api/?tenant=x#frag").unwrap();
        assert_eq!(
            join_url(&slash, "").unwrap().as_str(),
            "https://h.example/api/?tenant=x"
        );
        let plain = Url::parse("https://h.example/").unwrap();
        assert_eq!(
            join_url(&plain, "/a?b=1").unwrap().as_str(),
            "https://h.example/a?b=1"
        );
    }
}
