//! Taking captured values out of a response.

use serde_json::Value;

use crate::assert::{Response, is_signed_jwt};
use crate::plan::{CapturePlan, CaptureSource, Pick};

/// The value a capture takes from the response, or why there is none.
pub fn eval_capture(capture: &CapturePlan, response: &Response) -> Result<Value, String> {
    let value = match &capture.source {
        CaptureSource::Json(path, text) | CaptureSource::Xml(path, text) => {
            let doc = match capture.source {
                CaptureSource::Json(..) => response.json(),
                _ => response.xml_view(),
            }
            .map_err(str::to_string)?;
            let nodes = path.query(doc).all();
            let chosen = match capture.pick {
                Pick::First => nodes.first().copied(),
                Pick::Jwt => nodes
                    .iter()
                    .copied()
                    .find(|v| v.as_str().is_some_and(is_signed_jwt)),
            };
            match (chosen, capture.pick) {
                (Some(v), _) => v.clone(),
                (None, Pick::First) => return Err(format!("`{text}` selects nothing")),
                (None, Pick::Jwt) => return Err(format!("no value selected by `{text}` is a JWT")),
            }
        }
        CaptureSource::Header(name) => match response.header(name) {
            Some(v) => Value::String(v.to_string()),
            None => return Err(format!("header `{name}` is missing")),
        },
    };
    match &capture.regex {
        None => Ok(value),
        Some(re) => {
            let text = match &value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let caps = re
                .captures(&text)
                .ok_or_else(|| format!("the value does not match /{}/", re.as_str()))?;
            let m = caps
                .get(1)
                .or_else(|| caps.get(0))
                .map_or("", |m| m.as_str());
            Ok(Value::String(m.to_string()))
        }
    }
}
