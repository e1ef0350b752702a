//! Building responses: JSON with a chosen content type, XML from the same JSON value.

use std::fmt::Write;

use serde_json::{Map, Value};
use wiremock::ResponseTemplate;

/// `application/json` without parameters.
pub(crate) const JSON: &str = "application/json";
/// `application/json` with the charset parameter.
pub(crate) const JSON_UTF8: &str = "application/json; charset=utf-8";
/// `application/xml` with the charset parameter.
pub(crate) const XML_UTF8: &str = "application/xml; charset=utf-8";

/// A response with no body. A status outside 100–999 (a bad fault setting) becomes 500
/// instead of a panic inside wiremock.
pub(crate) fn empty(status: u16) -> ResponseTemplate {
    let status = if (100..=999).contains(&status) {
        status
    } else {
        500
    };
    ResponseTemplate::new(status)
}

/// The 405 a POST-only route (the `post_only` variants) gives any other method; `None`
/// for a POST.
pub(crate) fn refuse_unless_post(method: &str) -> Option<ResponseTemplate> {
    (method != "POST").then(|| empty(405).insert_header("allow", "POST"))
}

/// How one server writes bodies: keys in the order the responder built them, or reversed
/// (a conformant variant: no document promises an order).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Render {
    /// Reverse the keys of every object.
    pub(crate) reverse_keys: bool,
    /// Serve JSON as `text/html` (an advisory-only mutant).
    pub(crate) json_as_html: bool,
}

impl Render {
    /// `body` as compact JSON with `Content-Type: application/json`.
    pub(crate) fn json(self, status: u16, body: &Value) -> ResponseTemplate {
        self.json_as(status, body, JSON)
    }

    /// `body` as compact JSON with the given content type.
    pub(crate) fn json_as(self, status: u16, body: &Value, content_type: &str) -> ResponseTemplate {
        let text = self.ordered(body).to_string();
        let content_type = if self.json_as_html {
            "text/html; charset=utf-8"
        } else {
            content_type
        };
        empty(status).set_body_raw(text.into_bytes(), content_type)
    }

    /// `body` as an XML document under `root`, element names from `name` applied to keys.
    pub(crate) fn xml(
        self,
        status: u16,
        root: &str,
        body: &Value,
        name: &dyn Fn(&str) -> String,
    ) -> ResponseTemplate {
        let text = to_xml(root, &self.ordered(body), name);
        empty(status).set_body_raw(text.into_bytes(), XML_UTF8)
    }

    fn ordered(self, body: &Value) -> Value {
        if self.reverse_keys {
            reversed(body)
        } else {
            body.clone()
        }
    }
}

/// `value` with the keys of every object in reverse order.
fn reversed(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .rev()
                .map(|(k, v)| (k.clone(), reversed(v)))
                .collect::<Map<String, Value>>(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(reversed).collect()),
        other => other.clone(),
    }
}

/// Renders `value` as XML: objects become nested elements, arrays repeat their element,
/// null is an empty element, scalars are text.
pub(crate) fn to_xml(root: &str, value: &Value, name: &dyn Fn(&str) -> String) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    write_element(&mut out, root, value, name);
    out.push('\n');
    out
}

fn write_element(out: &mut String, element: &str, value: &Value, name: &dyn Fn(&str) -> String) {
    // Writing to a String cannot fail.
    let _ = match value {
        Value::Null => write!(out, "<{element}/>"),
        Value::Array(items) => {
            for item in items {
                write_element(out, element, item, name);
            }
            Ok(())
        }
        Value::Object(map) => {
            let _ = write!(out, "<{element}>");
            for (key, child) in map {
                write_element(out, &name(key), child, name);
            }
            write!(out, "</{element}>")
        }
        Value::String(text) => write!(out, "<{element}>{}</{element}>", escape(text)),
        other => write!(out, "<{element}>{other}</{element}>"),
    };
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn xml_mirrors_json_and_parses() {
        let body = json!({
            "status": "error",
            "login": {"user": "a<b", "pass": null},
            "n": 0,
            "list": [1, 2]
        });
        let text = to_xml("response", &body, &|k| k.to_string());
        assert_eq!(
            text,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<response><status>error</status>\
             <login><user>a&lt;b</user><pass/></login><n>0</n><list>1</list><list>2</list>\
             </response>\n"
        );
        let doc = roxmltree::Document::parse(&text).unwrap();
        assert_eq!(doc.root_element().tag_name().name(), "response");
        let upper = to_xml("RESPONSE", &json!({"a": 1}), &|k| k.to_uppercase());
        assert!(upper.contains("<RESPONSE><A>1</A></RESPONSE>"));
    }

    #[test]
    fn invalid_status_does_not_panic() {
        let _ = empty(42);
        let _ = Render::default().json(1000, &json!({}));
    }

    #[test]
    fn keys_reverse_at_every_level() {
        let body = json!({"a": 1, "b": {"c": 2, "d": [{"e": 3, "f": 4}]}});
        assert_eq!(
            reversed(&body).to_string(),
            r#"{"b":{"d":[{"f":4,"e":3}],"c":2},"a":1}"#
        );
    }
}
