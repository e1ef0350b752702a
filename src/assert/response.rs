//! A received response, with its body parsed as JSON or XML on first use.

use std::borrow::Cow;
use std::sync::OnceLock;

use serde_json::Value;

use super::xml_view::xml_to_value;

/// A response as received: status, headers and raw body.
#[derive(Debug)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// Headers in order received, names lowercase.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
    json: OnceLock<Result<Value, String>>,
    xml: OnceLock<Result<Value, String>>,
}

impl Response {
    /// Wraps a received response.
    pub fn new(status: u16, headers: Vec<(String, String)>, body: Vec<u8>) -> Self {
        Self {
            status,
            headers,
            body,
            json: OnceLock::new(),
            xml: OnceLock::new(),
        }
    }

    /// The first value of a header (name compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// The `Content-Type` essence: lowercase `type/subtype` without parameters.
    pub fn media_type(&self) -> Option<String> {
        self.header("content-type").map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
    }

    /// The body parsed as JSON, or why it is not JSON.
    pub fn json(&self) -> Result<&Value, &str> {
        self.json
            .get_or_init(|| {
                if self.body.iter().all(u8::is_ascii_whitespace) {
                    return Err("the body is empty".to_string());
                }
                serde_json::from_slice(&self.body).map_err(|e| format!("the body is not JSON: {e}"))
            })
            .as_ref()
            .map_err(String::as_str)
    }

    /// The body parsed as XML and turned into its JSON view, or why it is not XML.
    pub fn xml_view(&self) -> Result<&Value, &str> {
        self.xml
            .get_or_init(|| xml_to_value(&self.text()))
            .as_ref()
            .map_err(String::as_str)
    }
}
