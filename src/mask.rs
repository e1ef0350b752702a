//! Masking secrets in everything conform writes: passwords, keys, TOTP secrets,
//! codes and captured tokens become `***`, in the forms they travel in (raw,
//! URL-encoded, JSON-escaped, XML-escaped).

use aho_corasick::{AhoCorasick, MatchKind};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

/// What a masked secret is replaced with.
pub const MASK: &str = "***";

/// Values learnt during a run (captures, issued tokens) shorter than this are not masked:
/// replacing every `s` of a report would make it unreadable while hiding nothing a guess
/// would not find. The profile's secrets are masked whatever their length.
pub const MIN_LEARNT_CHARS: usize = 3;

/// The forms a secret may appear in on the wire or in a report.
pub fn variants(secret: &str) -> Vec<String> {
    let mut out = vec![secret.to_string()];
    let percent = utf8_percent_encode(secret, NON_ALPHANUMERIC).to_string();
    let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let json = serde_json::to_string(secret).unwrap_or_default();
    let json = json.trim_matches('"').to_string();
    let xml = secret
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;");
    // PHP's json_encode escapes `/` and every non-ASCII character (`\u00e6`), in
    // either case of hex; HTML writes `'` as `&#39;`.
    let slashes = json.replace('/', "\\/");
    let ascii = ascii_json(&json, false);
    let ascii_upper = ascii_json(&json, true);
    let php = ascii.replace('/', "\\/");
    let php_upper = ascii_upper.replace('/', "\\/");
    let html = xml.replace("&apos;", "&#39;");
    for v in [
        percent,
        form,
        json,
        xml,
        slashes,
        ascii,
        ascii_upper,
        php,
        php_upper,
        html,
    ] {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    // Lowercase percent escapes (`%2f`) are equally valid on the wire.
    let lower = lower_escapes(&utf8_percent_encode(secret, NON_ALPHANUMERIC).to_string());
    if !out.contains(&lower) {
        out.push(lower);
    }
    out
}

/// `json` (already JSON-escaped) with every non-ASCII character as `\uXXXX` (UTF-16).
fn ascii_json(json: &str, upper: bool) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c.is_ascii() {
            out.push(c);
            continue;
        }
        let mut units = [0u16; 2];
        for unit in c.encode_utf16(&mut units) {
            if upper {
                out.push_str(&format!("\\u{unit:04X}"));
            } else {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

fn lower_escapes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '%' {
            for _ in 0..2 {
                if let Some(h) = chars.next() {
                    out.push(h.to_ascii_lowercase());
                }
            }
        }
    }
    out
}

/// Replaces every known secret in text.
#[derive(Clone, Debug, Default)]
pub struct Masker {
    secrets: Vec<String>,
    matcher: Option<AhoCorasick>,
}

impl Masker {
    /// Builds a masker for these secrets (empty strings are ignored).
    pub fn new<I, S>(secrets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut m = Masker::default();
        m.extend(secrets);
        m
    }

    /// Adds secrets (empty strings are ignored).
    pub fn extend<I, S>(&mut self, secrets: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.add(secrets, 1);
    }

    /// Adds values learnt during a run (captures, issued tokens, codes), leaving out those
    /// shorter than [`MIN_LEARNT_CHARS`].
    pub fn extend_learnt<I, S>(&mut self, values: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.add(values, MIN_LEARNT_CHARS);
    }

    fn add<I, S>(&mut self, secrets: I, min_chars: usize)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let known = self.secrets.len();
        for s in secrets {
            let s = s.as_ref();
            if s.is_empty() || s.chars().count() < min_chars {
                continue;
            }
            for v in variants(s) {
                if !self.secrets.contains(&v) {
                    self.secrets.push(v);
                }
            }
        }
        if self.secrets.len() == known {
            return;
        }
        self.matcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&self.secrets)
            .ok();
    }

    /// Whether there is anything to mask.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// Returns `text` with every secret replaced by `***`.
    pub fn mask(&self, text: &str) -> String {
        match &self.matcher {
            Some(m) => m.replace_all(text, &vec![MASK; self.secrets.len()]),
            None => text.to_string(),
        }
    }

    /// Masks a string in place.
    pub fn mask_in_place(&self, text: &mut String) {
        if self
            .matcher
            .as_ref()
            .is_some_and(|m| m.is_match(text.as_str()))
        {
            *text = self.mask(text);
        }
    }

    /// Whether `text` contains a secret.
    pub fn leaks(&self, text: &str) -> bool {
        self.matcher.as_ref().is_some_and(|m| m.is_match(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_raw_and_encoded_forms() {
        let m = Masker::new(["p@ss w&rd\"", "123456"]);
        let text = "url ?pass=p%40ss+w%26rd%22&x=1 json {\"pass\":\"p@ss w&rd\\\"\"} xml <p>p@ss w&amp;rd&quot;</p> code 123456 pct p%40ss%20w%26rd%22";
        let masked = m.mask(text);
        assert!(!masked.contains("p@ss"), "{masked}");
        assert!(!masked.contains("p%40ss"), "{masked}");
        assert!(!masked.contains("123456"), "{masked}");
        assert_eq!(masked.matches(MASK).count(), 5, "{masked}");
    }

    #[test]
    fn masks_php_style_json_escapes() {
        let m = Masker::new(["Pæs/1"]);
        for text in [
            r#"{"pass":"P\u00e6s\/1"}"#,
            r#"{"pass":"P\u00E6s\/1"}"#,
            r#"{"pass":"P\u00e6s/1"}"#,
            r#"{"pass":"Pæs\/1"}"#,
        ] {
            assert_eq!(m.mask(text), r#"{"pass":"***"}"#, "{text}");
        }
        let emoji = Masker::new(["ab😀"]);
        assert_eq!(emoji.mask(r#""ab\ud83d\ude00""#), r#""***""#);
    }

    #[test]
    fn very_short_learnt_values_are_not_masked_but_profile_secrets_are() {
        let mut m = Masker::new(["pw"]);
        m.extend_learnt(["s", "ab", "abc"]);
        assert_eq!(m.mask("status ab abc pw"), "status ab *** ***");
    }

    #[test]
    fn empty_masker_is_identity() {
        assert_eq!(Masker::new(Vec::<String>::new()).mask("abc"), "abc");
    }
}
