//! What a failed check reports, and how checks read values of the run.

use serde_json::Value;

use crate::diagnostic::Span;
use std::sync::Arc;

use crate::plan::{JsonTemplate, Template};
use crate::profile::KeySet;

/// One failed check: a short title, what is wrong, and optionally expected/actual/diff.
#[derive(Clone, Debug)]
pub struct CheckFailure {
    /// A short noun phrase ("status code", "JSON body", "schema").
    pub title: &'static str,
    /// What is wrong, as a lowercase fragment (shown under the spec's caret).
    pub message: String,
    /// What was expected, when it can be shown.
    pub expected: Option<String>,
    /// What came, when it can be shown.
    pub actual: Option<String>,
    /// A unified diff of expected vs actual bodies.
    pub diff: Option<String>,
    /// A word to narrow the spec span to (e.g. the JSON key that failed).
    pub focus: Option<String>,
    /// A more precise place in the spec than the check's own span.
    pub span: Option<Span>,
}

impl CheckFailure {
    /// A failure with only a message.
    pub fn new(title: &'static str, message: impl Into<String>) -> Self {
        Self {
            title,
            message: message.into(),
            expected: None,
            actual: None,
            diff: None,
            focus: None,
            span: None,
        }
    }

    /// Adds expected and actual values.
    pub fn expected_actual(
        mut self,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> Self {
        self.expected = Some(expected.into());
        self.actual = Some(actual.into());
        self
    }

    /// Points the failure at a more precise span.
    pub fn at(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }

    /// Adds a word to narrow the spec span to.
    pub fn focus(mut self, focus: impl Into<String>) -> Self {
        self.focus = Some(focus.into());
        self
    }
}

/// Renders the templates of expected values (accounts, captures) during checks.
pub trait Resolve {
    /// Renders a template to a JSON value (a sole capture keeps its type).
    fn value(&self, template: &Template) -> Result<Value, String>;

    /// The key set fetched for a signature check at `location` (a JWKS URL, or a path
    /// on the target); the exec stage fetches them before the checks run.
    fn key_set(&self, location: &str) -> Result<Arc<KeySet>, String> {
        Err(format!("no key set was fetched from `{location}`"))
    }

    /// Renders a template to text.
    fn text(&self, template: &Template) -> Result<String, String> {
        self.value(template).map(|v| match v {
            Value::String(s) => s,
            other => other.to_string(),
        })
    }

    /// Renders a JSON template.
    fn json(&self, template: &JsonTemplate) -> Result<Value, String> {
        template.render(&mut |t: &Template| self.value(t))
    }

    /// Whether the case's account has a field or (`code`) a way to obtain codes; `None`
    /// when there is no account to ask.
    fn account_has(&self, _what: &str) -> Option<bool> {
        None
    }
}

/// Shows a JSON value compactly for messages (long values are shortened).
pub fn show(value: &Value) -> String {
    let text = visible(&value.to_string());
    if text.chars().count() > 200 {
        let cut: String = text.chars().take(200).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// `text` with characters that print as nothing or as a plain space (no-break and other
/// Unicode spaces, zero-width characters, BOM) written as JSON `\uXXXX` escapes, so two
/// values that look alike in a report do not read the same.
fn visible(text: &str) -> String {
    let hidden = |c: char| {
        (c.is_whitespace() && !matches!(c, ' ' | '\n' | '\t' | '\r'))
            || matches!(
                c,
                '\u{200b}'..='\u{200f}' | '\u{2060}' | '\u{feff}' | '\u{00ad}'
            )
    };
    if !text.chars().any(hidden) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if hidden(c) {
                format!("\\u{:04x}", u32::from(c))
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_invisible_characters_as_escapes() {
        let nbsp = Value::String("Required field\u{a0}is empty.".into());
        assert_eq!(show(&nbsp), r#""Required field\u00a0is empty.""#);
        let zw = Value::String("ok\u{200b}".into());
        assert_eq!(show(&zw), r#""ok\u200b""#);
        let plain = Value::String("a b".into());
        assert_eq!(show(&plain), r#""a b""#);
    }
}
