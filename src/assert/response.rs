//! A received response, with its body parsed as JSON or XML on first use.
//!
//! A body may be large and hostile: its text borrows the body when it is UTF-8 already,
//! and no JSON tree or XML view is built with more values than the response's budget.

use std::ops::Range;
use std::sync::OnceLock;

use serde_json::Value;

use super::json_budget::{BODY_BYTES_PER_VALUE, exceeds_value_budget};
use super::xml_view::xml_to_value_within;

/// The values a response may build when no budget is given: that of the default 16 MiB
/// body limit.
const DEFAULT_VALUE_BUDGET: usize = 16 * 1024 * 1024 / BODY_BYTES_PER_VALUE;

/// The body as text: a range of the body bytes when they are valid in their charset as
/// they stand (UTF-8, or ASCII in an ASCII-compatible charset), else a decoded copy.
#[derive(Debug)]
enum Text {
    Body(Range<usize>),
    Decoded(String),
}

/// A response as received: status, headers and raw body.
#[derive(Debug)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// Headers in order received, names lowercase.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
    value_budget: usize,
    text: OnceLock<Text>,
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
            value_budget: DEFAULT_VALUE_BUDGET,
            text: OnceLock::new(),
            json: OnceLock::new(),
            xml: OnceLock::new(),
        }
    }

    /// Limits the JSON values (and XML nodes) a parse of the body may build; a body
    /// with more is refused as a document, with the reason.
    pub fn with_value_budget(mut self, values: usize) -> Self {
        self.value_budget = values;
        self
    }

    /// The first value of a header (name compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text, decoded from the charset its `Content-Type` (or its XML
    /// declaration) names, UTF-8 otherwise; a byte-order mark wins and is dropped, and
    /// undecodable bytes become U+FFFD.
    pub fn text(&self) -> &str {
        match self.text.get_or_init(|| self.decode()) {
            // Validated when the range was made; validating again costs a fast pass and
            // no copy of the body.
            Text::Body(range) => std::str::from_utf8(&self.body[range.clone()]).unwrap_or(""),
            Text::Decoded(text) => text,
        }
    }

    fn decode(&self) -> Text {
        let encoding = self
            .charset()
            .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()))
            .unwrap_or(encoding_rs::UTF_8);
        match encoding.decode(&self.body).0 {
            std::borrow::Cow::Borrowed(text) => {
                let start = text.as_ptr().addr() - self.body.as_ptr().addr();
                Text::Body(start..start + text.len())
            }
            std::borrow::Cow::Owned(text) => Text::Decoded(text),
        }
    }

    /// The body as a document: its XML view when it starts like XML, else its JSON;
    /// `None` when it is neither.
    pub fn document(&self) -> Option<&Value> {
        if self.text().trim_start().starts_with('<') {
            self.xml_view().ok()
        } else {
            self.json().ok()
        }
    }

    /// The charset label of the `Content-Type`, else of an XML declaration.
    fn charset(&self) -> Option<String> {
        let from_header = self.header("content-type").and_then(|v| {
            v.split(';').skip(1).find_map(|p| {
                let (k, v) = p.split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case("charset")
                    .then(|| v.trim().trim_matches('"').to_string())
            })
        });
        from_header.or_else(|| {
            // `<?xml version="1.0" encoding="ISO-8859-1"?>`: the declaration is ASCII in
            // every charset a server would declare this way.
            let head = &self.body[..self.body.len().min(200)];
            let ascii = head
                .iter()
                .position(|b| !b.is_ascii())
                .unwrap_or(head.len());
            let head = std::str::from_utf8(&head[..ascii]).ok()?;
            let decl = head.strip_prefix("<?xml")?;
            let decl = &decl[..decl.find("?>")?];
            let at = decl.find("encoding")? + "encoding".len();
            let rest = decl[at..].trim_start().strip_prefix('=')?.trim_start();
            let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
            let rest = &rest[1..];
            Some(rest[..rest.find(quote)?].to_string())
        })
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
                let text = self.text();
                if text.trim().is_empty() {
                    return Err("the body is empty".to_string());
                }
                if exceeds_value_budget(text, self.value_budget) {
                    return Err(format!(
                        "the JSON body has more than {} values, too many to check within the body limit",
                        self.value_budget
                    ));
                }
                serde_json::from_str(text).map_err(|e| format!("the body is not JSON: {e}"))
            })
            .as_ref()
            .map_err(String::as_str)
    }

    /// The body parsed as XML and turned into its JSON view, or why it is not XML.
    pub fn xml_view(&self) -> Result<&Value, &str> {
        self.xml
            .get_or_init(|| {
                let limit = u32::try_from(self.value_budget).unwrap_or(u32::MAX);
                xml_to_value_within(self.text(), limit)
            })
            .as_ref()
            .map_err(String::as_str)
    }
}

/// Whether `test` holds for some string of `value`: a string value or an object key, at
/// any depth.
pub fn any_string(value: &Value, test: &mut dyn FnMut(&str) -> bool) -> bool {
    match value {
        Value::String(s) => test(s),
        Value::Array(items) => items.iter().any(|v| any_string(v, test)),
        Value::Object(map) => map.iter().any(|(k, v)| test(k) || any_string(v, test)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(content_type: Option<&str>, body: &[u8]) -> Response {
        let headers = content_type
            .map(|ct| vec![("content-type".to_string(), ct.to_string())])
            .unwrap_or_default();
        Response::new(200, headers, body.to_vec())
    }

    #[test]
    fn bodies_are_decoded_from_their_charset() {
        let latin1 = b"{\"user\":\"s\xf8ren\"}";
        let r = response(Some("application/json; charset=ISO-8859-1"), latin1);
        assert_eq!(r.text(), "{\"user\":\"s\u{f8}ren\"}");
        assert_eq!(r.json().unwrap()["user"], "s\u{f8}ren");

        let xml = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r><u>s\xf8ren</u></r>";
        let r = response(Some("application/xml"), xml);
        assert_eq!(r.xml_view().unwrap()["r"]["u"], "s\u{f8}ren");

        let bom = b"\xef\xbb\xbf{\"ok\":true}";
        let r = response(Some("application/json"), bom);
        assert_eq!(r.json().unwrap()["ok"], true, "a BOM is dropped");

        let plain = response(None, "{\"name\":\"\u{e6}\"}".as_bytes());
        assert_eq!(plain.json().unwrap()["name"], "\u{e6}", "UTF-8 by default");

        let broken = response(None, b"{\"a\":\"\xff\"}");
        assert_eq!(broken.text(), "{\"a\":\"\u{fffd}\"}", "undecodable bytes");
    }

    #[test]
    fn utf8_text_borrows_the_body() {
        let r = response(Some("application/json"), b"\xef\xbb\xbf{\"ok\":true}");
        assert_eq!(r.text(), "{\"ok\":true}");
        assert!(matches!(r.text.get(), Some(Text::Body(range)) if *range == (3..14)));
        let ascii = response(Some("text/plain; charset=ISO-8859-1"), b"plain");
        assert!(ascii.text.get().is_none());
        assert_eq!(ascii.text(), "plain");
        assert!(matches!(ascii.text.get(), Some(Text::Body(_))));
    }

    #[test]
    fn no_tree_beyond_the_value_budget() {
        let zeros = format!("[{}0]", "0,".repeat(99));
        let r = response(Some("application/json"), zeros.as_bytes()).with_value_budget(101);
        assert!(r.json().is_ok());
        let r = response(Some("application/json"), zeros.as_bytes()).with_value_budget(50);
        assert_eq!(
            r.json().unwrap_err(),
            "the JSON body has more than 50 values, too many to check within the body limit"
        );
        assert!(r.document().is_none());
        let xml = format!("<r>{}</r>", "<k/>".repeat(100));
        let r = response(Some("application/xml"), xml.as_bytes()).with_value_budget(50);
        assert_eq!(
            r.xml_view().unwrap_err(),
            "the XML body has more than 50 nodes, too many to check within the body limit"
        );
    }

    #[test]
    fn json_nested_deeper_than_serde_allows_is_refused_not_overflowed() {
        let deep = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
        let r = response(Some("application/json"), deep.as_bytes()).with_value_budget(usize::MAX);
        let err = r.json().unwrap_err();
        assert!(err.contains("recursion limit exceeded"), "{err}");
    }
}
