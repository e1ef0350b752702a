//! The forms a secret may be written in, computed independently of conform's masker, and
//! a search for any of them in text: the leak tests' oracle.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};

/// One form of a secret: what it is called and the text to look for.
pub struct Form {
    pub label: String,
    pub text: String,
    /// Compared ignoring ASCII case (false for base64, where case is meaning).
    pub any_case: bool,
}

fn swap(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_lowercase() {
                c.to_uppercase().collect::<Vec<_>>()
            } else {
                c.to_lowercase().collect()
            }
        })
        .collect()
}

fn every_byte_percent(s: &str, upper: bool) -> String {
    s.bytes()
        .map(|b| {
            if upper {
                format!("%{b:02X}")
            } else {
                format!("%{b:02x}")
            }
        })
        .collect()
}

fn reserved_percent(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Every form of `secret` the leak suite looks for: raw, swapped, upper and lower case,
/// percent-encoded (reserved characters, or every byte), form-encoded, HTML/XML character
/// references (decimal, hex), XML-escaped, JSON-escaped, JSON `\u` for every character,
/// and base64 (standard and URL-safe) at every alignment.
pub fn forms(secret: &str) -> Vec<Form> {
    let mut out = Vec::new();
    let mut text = |label: &str, text: String| {
        out.push(Form {
            label: label.to_string(),
            text,
            any_case: true,
        })
    };
    text("raw", secret.to_string());
    text("swapped case", swap(secret));
    text("upper case", secret.to_uppercase());
    text("lower case", secret.to_lowercase());
    text("percent (reserved)", reserved_percent(secret));
    text("percent (every byte)", every_byte_percent(secret, true));
    text(
        "form-encoded",
        url::form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
    );
    text(
        "HTML decimal references",
        secret.chars().map(|c| format!("&#{};", c as u32)).collect(),
    );
    text(
        "HTML hex references",
        secret
            .chars()
            .map(|c| format!("&#x{:x};", c as u32))
            .collect(),
    );
    text(
        "XML-escaped",
        secret
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&apos;"),
    );
    let json = serde_json::to_string(secret).unwrap_or_default();
    text("JSON-escaped", json.trim_matches('"').to_string());
    text(
        "JSON \\u escapes",
        secret
            .encode_utf16()
            .map(|u| format!("\\u{u:04x}"))
            .collect(),
    );
    // Base64 of text holding the secret: the characters that depend on the secret alone,
    // for each alignment of its first byte.
    for skip in 0..3usize {
        let mut input = vec![b'\0'; skip];
        input.extend_from_slice(secret.as_bytes());
        let first = (8 * skip).div_ceil(6);
        let end = 8 * input.len() / 6;
        if end < first + 8 {
            continue;
        }
        for (name, engine) in [
            ("base64", &STANDARD_NO_PAD),
            ("base64url", &URL_SAFE_NO_PAD),
        ] {
            out.push(Form {
                label: format!("{name} (alignment {skip})"),
                text: engine.encode(&input)[first..end].to_string(),
                any_case: false,
            });
        }
    }
    out
}

/// The first form of `secret` found in `haystack`, with a little context.
pub fn find_leak(haystack: &str, secret: &str) -> Option<String> {
    let lower = haystack.to_ascii_lowercase();
    for form in forms(secret) {
        let found = if form.any_case {
            lower.find(&form.text.to_ascii_lowercase())
        } else {
            haystack.find(&form.text)
        };
        if let Some(at) = found {
            let mut start = at.saturating_sub(60);
            while !haystack.is_char_boundary(start) {
                start -= 1;
            }
            let mut end = (at + form.text.len() + 60).min(haystack.len());
            while !haystack.is_char_boundary(end) {
                end += 1;
            }
            return Some(format!(
                "{} form `{}` in …{}…",
                form.label,
                form.text,
                &haystack[start..end]
            ));
        }
    }
    None
}

/// Panics naming the first form of any secret found in any of the named texts.
pub fn assert_no_leak(texts: &[(&str, &str)], secrets: &[&str]) {
    for (name, text) in texts {
        for secret in secrets {
            if let Some(found) = find_leak(text, secret) {
                panic!("a secret leaked into {name}: {found}");
            }
        }
    }
}
