//! Reading login parameters from requests: query string, form and JSON bodies, headers.
//!
//! Nothing here panics on malformed input: what cannot be read is simply absent, and each API
//! answers that with its own error response.

use serde_json::{Map, Value};
use wiremock::Request;

/// Name/value pairs from a query string or a form body; the last occurrence of a name wins
/// (as PHP and Express do).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// The request's query string.
    pub(crate) fn query(request: &Request) -> Self {
        Self {
            pairs: request
                .url
                .query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        }
    }

    /// An `application/x-www-form-urlencoded` body.
    pub(crate) fn form(body: &[u8]) -> Self {
        Self {
            pairs: url::form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        }
    }

    /// Pairs given directly (e.g. a JSON body's text fields).
    pub(crate) fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        Self { pairs }
    }

    /// These pairs followed by `later`'s, so that `later` wins.
    pub(crate) fn then(mut self, later: Params) -> Self {
        self.pairs.extend(later.pairs);
        self
    }

    /// The value of `name`, if given (possibly empty).
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of `name`, if given and not empty.
    pub(crate) fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    /// Every pair, in order.
    pub(crate) fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }
}

/// The first value of header `name` as text (invalid UTF-8 replaced), if present.
pub(crate) fn header(request: &Request, name: &str) -> Option<String> {
    request
        .headers
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

/// The request's media type, lowercased and without parameters (`application/json`).
pub(crate) fn media_type(request: &Request) -> Option<String> {
    let value = header(request, "content-type")?;
    let essence = value.split(';').next().unwrap_or_default().trim();
    Some(essence.to_ascii_lowercase())
}

/// Whether the body is declared form-encoded.
pub(crate) fn is_form(request: &Request) -> bool {
    media_type(request).as_deref() == Some("application/x-www-form-urlencoded")
}

/// Whether the body is declared JSON (`application/json` or a `+json` type).
pub(crate) fn is_json(request: &Request) -> bool {
    media_type(request).is_some_and(|m| m == "application/json" || m.ends_with("+json"))
}

/// A request body read as a JSON object.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum JsonBody {
    /// No body (or only whitespace).
    Absent,
    /// A JSON object.
    Object(Map<String, Value>),
    /// Something that is not a JSON object.
    Invalid,
}

/// Reads the body as a JSON object, whatever its declared type.
pub(crate) fn json_body(request: &Request) -> JsonBody {
    if request.body.iter().all(u8::is_ascii_whitespace) {
        return JsonBody::Absent;
    }
    match serde_json::from_slice(&request.body) {
        Ok(Value::Object(map)) => JsonBody::Object(map),
        _ => JsonBody::Invalid,
    }
}

/// A JSON value as login text: strings as they are, numbers written out (clients send
/// codes as either), anything else absent.
pub(crate) fn json_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(url: &str, content_type: Option<&str>, body: &[u8]) -> Request {
        let mut headers = wiremock::http::HeaderMap::new();
        if let Some(ct) = content_type {
            headers.insert("content-type", ct.parse().unwrap());
        }
        Request {
            url: url.parse().unwrap(),
            method: wiremock::http::Method::POST,
            headers,
            body: body.to_vec(),
        }
    }

    #[test]
    fn query_and_form_later_wins() {
        let req = request(
            "http://x/p?user=a&pass=1&user=b",
            Some("application/x-www-form-urlencoded; charset=UTF-8"),
            b"pass=2&tfkey=&d=x%20y+z",
        );
        assert!(is_form(&req));
        let params = Params::query(&req).then(Params::form(&req.body));
        assert_eq!(params.get("user"), Some("b"));
        assert_eq!(params.get("pass"), Some("2"));
        assert_eq!(params.get("tfkey"), Some(""));
        assert_eq!(params.non_empty("tfkey"), None);
        assert_eq!(params.get("d"), Some("x y z"));
        assert_eq!(params.get("nope"), None);
    }

    #[test]
    fn malformed_input_is_absent_not_a_panic() {
        let req = request("http://x/p?%ZZ=%FF", Some("application/json"), b"{\"a\":");
        assert_eq!(Params::query(&req).pairs().len(), 1);
        assert_eq!(json_body(&req), JsonBody::Invalid);
        let req = request("http://x/p", Some("Application/JSON"), b"  ");
        assert!(is_json(&req));
        assert_eq!(json_body(&req), JsonBody::Absent);
        let req = request("http://x/p", Some("application/vnd.api+json"), b"[1]");
        assert!(is_json(&req));
        assert_eq!(json_body(&req), JsonBody::Invalid);
        let mut req = request("http://x/p", None, b"");
        req.headers.insert(
            "x-auth-user",
            wiremock::http::HeaderValue::from_bytes(b"al\xffce").unwrap(),
        );
        assert_eq!(header(&req, "X-Auth-User").as_deref(), Some("al\u{fffd}ce"));
        assert_eq!(media_type(&req), None);
    }

    #[test]
    fn json_text_takes_strings_and_numbers() {
        let body = json!({"code": 123456, "s": "x", "o": {}});
        assert_eq!(json_text(body.get("code")).as_deref(), Some("123456"));
        assert_eq!(json_text(body.get("s")).as_deref(), Some("x"));
        assert_eq!(json_text(body.get("o")), None);
        assert_eq!(json_text(None), None);
    }
}
