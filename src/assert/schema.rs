//! JSON Schema (draft 2020-12) validation of the body.
//!
//! A hostile body can break a schema in every one of its values, and a violation's
//! message quotes the value: both are bounded so a report stays readable and small.

use std::fmt::Write as _;

use super::outcome::CheckFailure;
use super::response::Response;

/// The most violations reported by one schema check; the rest are counted.
const MAX_VIOLATIONS: usize = 20;

/// The longest message of one violation, in bytes.
const MAX_MESSAGE: usize = 300;

/// Validates the JSON body; every violation is one failure (the first 20, then a count).
pub fn eval_schema(
    validator: &jsonschema::Validator,
    name: &str,
    response: &Response,
) -> Vec<CheckFailure> {
    let body = match response.json() {
        Ok(v) => v,
        Err(e) => return vec![CheckFailure::new("schema", e)],
    };
    let mut failures = Vec::new();
    let mut more = 0usize;
    for e in validator.iter_errors(body) {
        if failures.len() == MAX_VIOLATIONS {
            more += 1;
            continue;
        }
        let at = e.instance_path().to_string();
        let at = if at.is_empty() { "/".to_string() } else { at };
        failures.push(CheckFailure::new(
            "schema",
            format!("{name}: at {at}: {}", bounded(&e)),
        ));
    }
    if more > 0 {
        failures.push(CheckFailure::new(
            "schema",
            format!("{name}: {more} more violation(s) not shown"),
        ));
    }
    failures
}

/// The message of a violation cut to [`MAX_MESSAGE`] bytes without formatting the rest
/// (it may quote a value of megabytes).
fn bounded(message: &dyn std::fmt::Display) -> String {
    struct Capped(String);
    impl std::fmt::Write for Capped {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            let room = MAX_MESSAGE - self.0.len();
            if s.len() <= room {
                self.0.push_str(s);
                return Ok(());
            }
            let mut cut = room;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            self.0.push_str(&s[..cut]);
            self.0.push('…');
            // Stops the formatter: the rest is never produced.
            Err(std::fmt::Error)
        }
    }
    let mut out = Capped(String::new());
    let _ = write!(out, "{message}");
    out.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn violations_and_their_messages_are_bounded() {
        let schema = serde_json::json!({"items": {"type": "integer"}, "type": "object"});
        let validator = jsonschema::draft202012::new(&schema).unwrap();
        let body = format!("[{}\"x\"]", "\"x\",".repeat(99));
        let response = Response::new(200, Vec::new(), body.into_bytes());
        let failures = eval_schema(&validator, "s.json", &response);
        assert_eq!(failures.len(), MAX_VIOLATIONS + 1);
        assert!(
            failures[0].message.len() <= MAX_MESSAGE + "s.json: at /: …".len(),
            "{}",
            failures[0].message
        );
        assert!(
            failures[0].message.ends_with('…'),
            "{}",
            failures[0].message
        );
        assert_eq!(
            failures[MAX_VIOLATIONS].message,
            "s.json: 81 more violation(s) not shown"
        );
    }
}
