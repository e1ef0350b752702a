//! The masker: finds every known secret in text, as written or decoded, in any case or
//! inside base64, and replaces the bytes that encode it with `***`.

use std::ops::Range;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use super::base64_cores::{base64_cores, widen_to_run};
use super::forms::text_forms;
use super::view::View;

/// What a masked secret is replaced with.
pub const MASK: &str = "***";

/// Values learnt during a run (captures, issued tokens) shorter than this are not masked:
/// replacing every `s` of a report would make it unreadable while hiding nothing a guess
/// would not find. The profile's secrets are masked whatever their length.
pub const MIN_LEARNT_CHARS: usize = 3;

/// Replaces every known secret in text.
///
/// A masker is a stack of layers: the run's secrets are built once and shared (cloning a
/// masker clones only pointers), and each case adds a small layer of its own for what it
/// learns. Each layer's automata take time and memory linear in its secrets' length.
#[derive(Clone, Debug, Default)]
pub struct Masker {
    frozen: Vec<Arc<Layer>>,
    top: Layer,
}

#[derive(Clone, Debug, Default)]
struct Layer {
    secrets: Vec<String>,
    /// Plain forms, matched ignoring ASCII case.
    text: Option<AhoCorasick>,
    /// Base64 cores, matched exactly.
    base64: Option<AhoCorasick>,
}

impl Layer {
    fn build(secrets: Vec<String>) -> Self {
        let mut forms: Vec<String> = Vec::new();
        let mut cores: Vec<String> = Vec::new();
        for s in &secrets {
            forms.extend(text_forms(s));
            cores.extend(base64_cores(s.as_bytes()));
        }
        Self {
            secrets,
            text: automaton(&forms, true),
            base64: automaton(&cores, false),
        }
    }

    fn knows(&self, secret: &str) -> bool {
        self.secrets.iter().any(|s| s == secret)
    }

    /// Source ranges of `source` where the secrets appear in `bytes` (the source itself
    /// or one of its views, mapped back by `map`).
    fn find(
        &self,
        source: &[u8],
        bytes: &[u8],
        map: &dyn Fn(usize, usize) -> (usize, usize),
        out: &mut Vec<Range<usize>>,
    ) {
        if let Some(ac) = &self.text {
            for m in ac.find_overlapping_iter(bytes) {
                let (s, e) = map(m.start(), m.end());
                out.push(s..e);
            }
        }
        if let Some(ac) = &self.base64 {
            for m in ac.find_overlapping_iter(bytes) {
                let (s, e) = map(m.start(), m.end());
                let (s, e) = widen_to_run(source, s, e);
                out.push(s..e);
            }
        }
    }
}

/// A contiguous NFA: its size and build time grow linearly with the patterns (a DFA's
/// would not), and overlapping search finds secrets that overlap each other.
fn automaton(patterns: &[String], ascii_case_insensitive: bool) -> Option<AhoCorasick> {
    if patterns.is_empty() {
        return None;
    }
    AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::ContiguousNFA))
        .ascii_case_insensitive(ascii_case_insensitive)
        .build(patterns)
        .ok()
}

impl Masker {
    /// A masker for these secrets (empty strings are ignored), built once and shared by
    /// its clones.
    pub fn new<I, S>(secrets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut m = Masker::default();
        m.extend(secrets);
        m.freeze();
        m
    }

    /// Makes the secrets added so far a shared layer, so clones do not copy them.
    pub fn freeze(&mut self) {
        if !self.top.secrets.is_empty() {
            self.frozen.push(Arc::new(std::mem::take(&mut self.top)));
        }
    }

    /// Adds secrets (empty strings are ignored).
    pub fn extend<I, S>(&mut self, secrets: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.add(secrets, 1);
    }

    /// Adds values learnt during a run (captures, issued tokens, codes, derived values),
    /// leaving out those shorter than [`MIN_LEARNT_CHARS`].
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
        let mut added = false;
        let mut secrets_now = std::mem::take(&mut self.top.secrets);
        for s in secrets {
            let s = s.as_ref();
            if s.is_empty()
                || s.chars().count() < min_chars
                || secrets_now.iter().any(|k| k == s)
                || self.frozen.iter().any(|l| l.knows(s))
            {
                continue;
            }
            secrets_now.push(s.to_string());
            added = true;
        }
        if added {
            self.top = Layer::build(secrets_now);
        } else {
            self.top.secrets = secrets_now;
        }
    }

    /// The length in bytes of the longest secret known.
    pub fn longest_secret(&self) -> usize {
        self.layers()
            .flat_map(|l| l.secrets.iter())
            .map(String::len)
            .max()
            .unwrap_or(0)
    }

    /// Whether there is anything to mask.
    pub fn is_empty(&self) -> bool {
        self.top.secrets.is_empty() && self.frozen.is_empty()
    }

    fn layers(&self) -> impl Iterator<Item = &Layer> {
        self.frozen.iter().map(Arc::as_ref).chain(Some(&self.top))
    }

    /// The byte ranges of `text` that encode a secret, sorted and merged.
    fn find(&self, text: &str) -> Vec<Range<usize>> {
        let source = text.as_bytes();
        let mut ranges = Vec::new();
        if self.is_empty() {
            return ranges;
        }
        let identity = |s: usize, e: usize| (s, e);
        for layer in self.layers() {
            layer.find(source, source, &identity, &mut ranges);
        }
        for view in View::decode_all(source) {
            let map = |s: usize, e: usize| view.source_range(s, e);
            for layer in self.layers() {
                layer.find(source, &view.bytes, &map, &mut ranges);
            }
        }
        merge(text, ranges)
    }

    /// Returns `text` with every secret replaced by `***`.
    pub fn mask(&self, text: &str) -> String {
        let ranges = self.find(text);
        if ranges.is_empty() {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for r in ranges {
            out.push_str(&text[at..r.start]);
            out.push_str(MASK);
            at = r.end;
        }
        out.push_str(&text[at..]);
        out
    }

    /// Masks a string in place.
    pub fn mask_in_place(&self, text: &mut String) {
        let masked = self.mask(text);
        if masked.len() != text.len() || masked != *text {
            *text = masked;
        }
    }

    /// Whether `text` contains a secret, in any form.
    pub fn leaks(&self, text: &str) -> bool {
        !self.find(text).is_empty()
    }
}

/// Sorts and merges overlapping or touching ranges, widened to character boundaries.
fn merge(text: &str, mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    for r in &mut ranges {
        while r.start > 0 && !text.is_char_boundary(r.start) {
            r.start -= 1;
        }
        while r.end < text.len() && !text.is_char_boundary(r.end) {
            r.end += 1;
        }
    }
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

    use super::*;

    const PW: &str = "p@ss w&rd\"/Æ";

    fn every_char(s: &str, f: impl Fn(char) -> String) -> String {
        s.chars().map(f).collect()
    }

    #[test]
    fn masks_raw_and_encoded_forms() {
        let m = Masker::new(["p@ss w&rd\"", "123456"]);
        let text = "url ?pass=p%40ss+w%26rd%22&x=1 json {\"pass\":\"p@ss w&rd\\\"\"} xml <p>p@ss w&amp;rd&quot;</p> code 123456 pct p%40ss%20w%26rd%22";
        let masked = m.mask(text);
        assert!(!masked.contains("p@ss"), "{masked}");
        assert!(!masked.contains("p%40ss"), "{masked}");
        assert!(!masked.contains("123456"), "{masked}");
        assert_eq!(masked.matches(MASK).count(), 5, "{masked}");
        assert!(masked.starts_with("url ?pass=***&x=1 json"), "{masked}");
    }

    #[test]
    fn masks_every_encoding_the_leak_review_used() {
        let m = Masker::new([PW]);
        let forms = [
            PW.to_string(),
            PW.to_uppercase(),
            PW.to_lowercase(),
            super::super::forms::swap_case(PW),
            every_char(PW, |c| {
                let mut b = [0u8; 4];
                c.encode_utf8(&mut b)
                    .bytes()
                    .enumerate()
                    .map(|(i, x)| {
                        if i % 2 == 0 {
                            format!("%{x:02x}")
                        } else {
                            format!("%{x:02X}")
                        }
                    })
                    .collect()
            }),
            every_char(PW, |c| format!("&#{};", c as u32)),
            every_char(PW, |c| format!("&#x{:x};", c as u32)),
            every_char(PW, |c| {
                let mut u = [0u16; 2];
                c.encode_utf16(&mut u)
                    .iter()
                    .map(|x| format!("\\u{x:04X}"))
                    .collect()
            }),
            STANDARD.encode(PW),
            STANDARD.encode(format!("alice:{PW}")),
            URL_SAFE_NO_PAD.encode(format!("{{\"sub\":\"x\",\"pw\":\"{PW}\"}}")),
        ];
        for form in forms {
            let text = format!("before {form} after");
            assert_eq!(m.mask(&text), "before *** after", "{form}");
        }
    }

    #[test]
    fn a_basic_header_is_masked_whole() {
        let m = Masker::new(["hunter22"]);
        let header = format!("Basic {}", STANDARD.encode("alice:hunter22"));
        assert_eq!(m.mask(&header), "Basic ***");
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
    fn overlapping_secrets_are_both_masked() {
        let m = Masker::new(["abcd", "cdef"]);
        assert_eq!(m.mask("xabcdefx"), "x***x");
    }

    #[test]
    fn very_short_learnt_values_are_not_masked_but_profile_secrets_are() {
        let mut m = Masker::new(["pw"]);
        m.extend_learnt(["s", "ab", "abc"]);
        assert_eq!(m.mask("status ab abc pw"), "status ab *** ***");
    }

    #[test]
    fn clones_share_the_frozen_layer_and_learn_alone() {
        let run = Masker::new(["secret-1"]);
        let mut case = run.clone();
        case.extend_learnt(["token-2"]);
        assert_eq!(case.mask("secret-1 token-2"), "*** ***");
        assert_eq!(run.mask("secret-1 token-2"), "*** token-2");
    }

    #[test]
    fn empty_masker_is_identity() {
        assert_eq!(Masker::new(Vec::<String>::new()).mask("abc"), "abc");
    }

    #[test]
    fn long_repetitive_secrets_are_masked() {
        // The build is linear (see the masker rows of `cargo bench --bench throughput`).
        let secret = "ab".repeat(50_000);
        let m = Masker::new([secret.as_str()]);
        assert_eq!(m.mask(&format!("x{secret}y")), "x***y");
    }
}
