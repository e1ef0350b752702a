//! Rendering what a step received as stable snapshot text: status, allow-listed
//! headers, and the body — JSON pretty-printed with sorted keys, XML as its JSON
//! view (the one XML path assertions use), anything else as text. Declared
//! redactions replace values with `[redacted]`; every JWT keeps its header and claim
//! names while claim values and signature are redacted. Secrets are masked later
//! with the rest of the case outcome.

use serde_json::{Map, Value};

use super::jwt::decode as decode_jwt;
use super::response::Response;
use crate::plan::SnapshotPlan;

/// What a redacted value is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Renders the snapshot of one response.
pub fn render_snapshot(response: &Response, plan: &SnapshotPlan) -> String {
    let mut out = format!("status: {}\n", response.status);
    let headers: Vec<(&str, &str)> = plan
        .headers
        .iter()
        .filter_map(|name| response.header(name).map(|v| (name.as_str(), v)))
        .collect();
    if !headers.is_empty() {
        out.push_str("headers:\n");
        for (name, value) in headers {
            out.push_str(&format!("  {name}: {value}\n"));
        }
    }
    let (kind, body) = body_text(response, plan);
    out.push_str(&format!("body ({kind}):\n{body}\n"));
    out
}

fn body_text(response: &Response, plan: &SnapshotPlan) -> (&'static str, String) {
    if response.body.is_empty() {
        return ("empty", String::new());
    }
    if let Ok(json) = response.json() {
        return ("json", pretty(json.clone(), plan));
    }
    if let Ok(view) = response.xml_view() {
        return ("xml view", pretty(view.clone(), plan));
    }
    ("text", response.text().trim_end().to_string())
}

fn pretty(mut value: Value, plan: &SnapshotPlan) -> String {
    for (path, _) in &plan.redact {
        let pointers: Vec<String> = path
            .query_located(&value)
            .iter()
            .map(|n| n.location().to_json_pointer())
            .collect();
        for pointer in pointers {
            if let Some(slot) = value.pointer_mut(&pointer) {
                *slot = Value::String(REDACTED.to_string());
            }
        }
    }
    let value = normalise(value);
    serde_json::to_string_pretty(&value).unwrap_or_default()
}

/// Sorts object keys and redacts JWTs, recursively.
fn normalise(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, normalise(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(normalise).collect()),
        Value::String(s) => match decode_jwt(&s) {
            Ok(jwt) => redacted_jwt(jwt.header, jwt.payload),
            Err(_) => Value::String(s),
        },
        other => other,
    }
}

fn redacted_jwt(header: Map<String, Value>, payload: Map<String, Value>) -> Value {
    let claims: Map<String, Value> = payload
        .keys()
        .map(|k| (k.clone(), Value::String(REDACTED.to_string())))
        .collect();
    let mut jwt = Map::new();
    jwt.insert("claims".into(), normalise(Value::Object(claims)));
    jwt.insert("header".into(), normalise(Value::Object(header)));
    jwt.insert("signature".into(), Value::String(REDACTED.to_string()));
    let mut outer = Map::new();
    outer.insert("$jwt".into(), Value::Object(jwt));
    Value::Object(outer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn plan(redact: &[&str]) -> SnapshotPlan {
        SnapshotPlan {
            headers: vec!["content-type".into()],
            redact: redact
                .iter()
                .map(|p| {
                    (
                        Arc::new(serde_json_path::JsonPath::parse(p).unwrap()),
                        p.to_string(),
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn json_sorted_redacted_and_jwt_shaped() {
        let jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJ1c2VyIjoidXNlcl90ZXN0IiwiZXhwIjoxNjI4NjA1MjA2fQ.sFG8WK8b509wAKSilBylyavIQr_yBuz4vueyzogMjZo";
        let body = format!(r#"{{"status":"ok","code":200,"token":"{jwt}","id":"x1"}}"#);
        let r = Response::new(
            200,
            vec![
                ("content-type".into(), "application/json".into()),
                ("date".into(), "now".into()),
            ],
            body.into_bytes(),
        );
        let text = render_snapshot(&r, &plan(&["$.id"]));
        assert_eq!(
            text,
            r#"status: 200
headers:
  content-type: application/json
body (json):
{
  "code": 200,
  "id": "[redacted]",
  "status": "ok",
  "token": {
    "$jwt": {
      "claims": {
        "exp": "[redacted]",
        "user": "[redacted]"
      },
      "header": {
        "alg": "HS256",
        "typ": "JWT"
      },
      "signature": "[redacted]"
    }
  }
}
"#
        );
    }

    #[test]
    fn xml_is_snapshotted_as_its_view() {
        let r = Response::new(200, vec![], b"<r><k>v</k><id>7</id></r>".to_vec());
        let text = render_snapshot(&r, &plan(&["$.r.id"]));
        assert!(text.contains("body (xml view):"), "{text}");
        assert!(text.contains("\"id\": \"[redacted]\""), "{text}");
        assert!(!text.contains("headers:"), "{text}");
    }
}
