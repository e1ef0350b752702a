//! Source files, spans into them, and diagnostics rendered against them.
//!
//! Every stage that reads user input (specs, profiles) reports problems as
//! [`Diagnostic`]s pointing at a [`Span`]; the CLI renders them rustc-style with a
//! caret under the offending text. This module never decides exit codes.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

/// The text of one input file, kept so diagnostics can quote it.
#[derive(Debug)]
pub struct SourceFile {
    /// The name shown to users (a path as given, e.g. `specs/txty.yaml`).
    pub name: String,
    /// The whole text of the file.
    pub text: String,
    /// Byte offset of the start of every line, found once: spans are made for every value
    /// of a spec, so counting lines from the top each time would be quadratic.
    line_starts: Vec<usize>,
    /// Byte ranges of `text` that excerpts show as `***` (a profile's secret values),
    /// in order, each within one line. Spans still count in the real text.
    masks: Vec<Range<usize>>,
}

impl SourceFile {
    /// Wraps a file's name and text for sharing between spans.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Arc<Self> {
        Self::with_masks(name, text, Vec::new())
    }

    /// Like [`SourceFile::new`], with ranges of the text that diagnostics must never
    /// quote: excerpts show each as `***`. Ranges that are out of order, overlap, cross a
    /// line end or split a character are dropped.
    pub fn with_masks(
        name: impl Into<String>,
        text: impl Into<String>,
        masks: Vec<Range<usize>>,
    ) -> Arc<Self> {
        let text = text.into();
        let mut kept: Vec<Range<usize>> = Vec::with_capacity(masks.len());
        for m in masks {
            let usable = m.start < m.end
                && kept.last().is_none_or(|k| k.end <= m.start)
                && text.get(m.clone()).is_some_and(|t| !t.contains('\n'));
            if usable {
                kept.push(m);
            }
        }
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Arc::new(Self {
            name: name.into(),
            text,
            line_starts,
            masks: kept,
        })
    }

    /// Replaces every masked value (of three characters or more) that stands as a word
    /// in `text` by `***`, for labels and help lines that quote a value. (A word only: a
    /// password `secret` must not turn the key name `totp_secret` into `totp_***`.)
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for m in &self.masks {
            let masked = &self.text[m.clone()];
            // A value as written may end in a comment, and may be quoted.
            let value = masked.split(" #").next().unwrap_or(masked);
            let secret = value.trim().trim_matches(['"', '\'']);
            if secret.chars().count() >= 3 {
                out = replace_words(&out, secret, MASK);
            }
        }
        out
    }

    /// Returns the span of `len` bytes starting at byte `offset`, with its line and column.
    pub fn span(self: &Arc<Self>, offset: usize, len: usize) -> Span {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        // "At the end of the file" is shown at the end of its last line, not on the
        // empty line after the final line break, which no excerpt can show.
        if len == 0 && offset == self.text.len() && self.text.ends_with('\n') {
            offset -= 1;
        }
        // The last line start at or before `offset` (the first is always 0).
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let line_start = self.line_starts[line.saturating_sub(1)];
        let column = self.text[line_start..offset].chars().count() + 1;
        // The end too must fall between characters: a length counted by another
        // reader (a YAML parser's idea of a token) may end inside one.
        let mut end = offset + len.min(self.text.len() - offset);
        while !self.text.is_char_boundary(end) {
            end += 1;
        }
        Span {
            file: Arc::clone(self),
            offset,
            len: end - offset,
            line: line as u32,
            column: column as u32,
        }
    }

    /// Returns the span at a 1-based line and column, `len` bytes long.
    pub fn span_at(self: &Arc<Self>, line: u64, column: u64, len: usize) -> Span {
        let mut offset = 0;
        for (i, text) in self.text.split_inclusive('\n').enumerate() {
            if i + 1 == line as usize {
                let col_bytes: usize = text
                    .chars()
                    .take(column.saturating_sub(1) as usize)
                    .map(char::len_utf8)
                    .sum();
                return self.span(offset + col_bytes, len);
            }
            offset += text.len();
        }
        self.span(self.text.len(), 0)
    }

    /// Returns the span of a value deserialized with `serde_saphyr::Spanned`.
    pub fn span_of(self: &Arc<Self>, location: &serde_saphyr::Location) -> Span {
        let span = location.span();
        match (span.byte_offset(), span.byte_len()) {
            (Some(offset), Some(len)) => self.span(offset as usize, len as usize),
            _ => self.span_at(location.line(), location.column(), 1),
        }
    }
}

/// What excerpts show in place of a masked value.
const MASK: &str = "***";

/// How far into an anchored node `narrow_to` looks for a word.
const ANCHOR_WINDOW: usize = 4096;

/// Replaces the occurrences of `word` in `text` that no letter, digit or `_` touches.
fn replace_words(text: &str, word: &str, by: &str) -> String {
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (i, _) in text.match_indices(word) {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        if i < at || is_word(before) || is_word(after) {
            continue;
        }
        out.push_str(&text[at..i]);
        out.push_str(by);
        at = i + word.len();
    }
    out.push_str(&text[at..]);
    out
}

/// A place in a source file: a byte range with its 1-based line and column.
#[derive(Clone)]
pub struct Span {
    /// The file the span points into.
    pub file: Arc<SourceFile>,
    /// Byte offset of the first byte.
    pub offset: usize,
    /// Length in bytes (0 points between two characters).
    pub len: usize,
    /// 1-based line of the first byte.
    pub line: u32,
    /// 1-based column (in characters) of the first byte.
    pub column: u32,
}

impl Span {
    /// Returns the text the span covers.
    pub fn text(&self) -> &str {
        &self.file.text[self.offset..self.offset + self.len]
    }

    /// Narrows the span to the first occurrence of `needle` inside it (or just after
    /// its start, for block scalars), so a diagnostic can point inside a string.
    pub fn narrow_to(&self, needle: &str) -> Span {
        let text = &self.file.text;
        // An alias (`expect: *logged_in`) has no text of its own: look in its anchor.
        let (start, window) = match self.anchor_of_alias() {
            Some(anchor) => (anchor, ANCHOR_WINDOW),
            None => (self.offset, self.len.max(needle.len()) + 256),
        };
        let mut window_end = (start + window).min(text.len());
        while !text.is_char_boundary(window_end) {
            window_end -= 1;
        }
        let hay = &text[start..window_end];
        // A key is best found as `key:`; a bare word may stand elsewhere first.
        let found = hay.find(&format!("{needle}:")).or_else(|| hay.find(needle));
        match found {
            Some(i) => self.file.span(start + i, needle.len()),
            None => self.clone(),
        }
    }

    /// Where the anchor (`&name`) of the alias this span points at (`*name`) is defined.
    fn anchor_of_alias(&self) -> Option<usize> {
        let rest = self.file.text.get(self.offset..)?.strip_prefix('*')?;
        let name: String = rest
            .chars()
            .take_while(|c| !c.is_whitespace() && !",[]{}".contains(*c))
            .collect();
        if name.is_empty() {
            return None;
        }
        let definition = format!("&{name}");
        self.file
            .text
            .match_indices(&definition)
            .find(|(i, _)| {
                let after = self.file.text[i + definition.len()..].chars().next();
                after.is_none_or(|c| c.is_whitespace())
            })
            .map(|(i, _)| i)
    }

    /// Returns `file:line:column`, the form editors and CI annotations understand.
    pub fn location(&self) -> String {
        format!("{}:{}:{}", self.file.name, self.line, self.column)
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.location())
    }
}

/// How severe a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// The input cannot be used; nothing is sent.
    Error,
    /// The input is usable but probably not what was meant.
    Warning,
}

/// A problem in user input, with where it is and what was expected.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A short noun phrase ("unknown field", "JSONPath", "schema").
    pub title: String,
    /// Where the problem is, when it is in a file.
    pub span: Option<Span>,
    /// What is wrong at the span, as a lowercase fragment.
    pub label: String,
    /// A suggestion ("did you mean `status`?").
    pub help: Option<String>,
}

impl Diagnostic {
    /// Builds an error at a span.
    pub fn error(title: impl Into<String>, span: Span, label: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            title: title.into(),
            span: Some(span),
            label: label.into(),
            help: None,
        }
    }

    /// Builds an error about a whole file or the invocation, with no span.
    pub fn plain(title: impl Into<String>, label: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            title: title.into(),
            span: None,
            label: label.into(),
            help: None,
        }
    }

    /// Turns the diagnostic into a warning.
    pub fn warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    /// Adds a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Renders the diagnostic rustc-style; `color` adds ANSI styles.
    pub fn render(&self, color: bool) -> String {
        let level = match self.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let renderer = if color {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        let mut out = match &self.span {
            Some(span) => {
                let (source, start_line, range) = excerpt(span);
                let label = span.file.redact(&self.label);
                let help = self.help.as_deref().map(|h| span.file.redact(h));
                let group = level.primary_title(&self.title).element(
                    Snippet::source(&source)
                        .line_start(start_line)
                        .path(&span.file.name)
                        .annotation(AnnotationKind::Primary.span(range).label(&label)),
                );
                let mut report: Vec<Group> = vec![group];
                if let Some(help) = &help {
                    report.push(Group::with_title(Level::HELP.secondary_title(help)));
                }
                let rendered = renderer.render(&report).to_string();
                fix_location(rendered, span)
            }
            None => {
                let mut report = vec![Group::with_title(
                    level.primary_title(format!("{}: {}", self.title, self.label)),
                )];
                if let Some(help) = &self.help {
                    report.push(Group::with_title(Level::HELP.secondary_title(help)));
                }
                renderer.render(&report).to_string()
            }
        };
        out.push('\n');
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.span {
            Some(span) => write!(f, "{}: {}: {}", span.location(), self.title, self.label),
            None => write!(f, "{}: {}", self.title, self.label),
        }
    }
}

/// The renderer derives the `-->` location from the excerpt: a masked value before
/// the span on its line shifts the column, and a span at the very end of a file is
/// shown on the last line. The header is set back to the span's own location, the one
/// `Display` and editors use.
fn fix_location(rendered: String, span: &Span) -> String {
    let prefix = format!("{}:", span.file.name);
    let Some(at) = rendered.find(&prefix) else {
        return rendered;
    };
    let rest = &rendered[at + prefix.len()..];
    let digits = |s: &str| s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let line_len = digits(rest);
    let Some(after_line) = rest[line_len..].strip_prefix(':') else {
        return rendered;
    };
    let column_len = digits(after_line);
    if line_len == 0 || column_len == 0 {
        return rendered;
    }
    let end = at + prefix.len() + line_len + 1 + column_len;
    format!("{}{}{}", &rendered[..at], span.location(), &rendered[end..])
}

/// Cuts the lines around a span out of its file, so the renderer shows only those,
/// with the file's masked values shown as `***`. Returns the excerpt, the line number
/// it starts at, and the span's range in it.
fn excerpt(span: &Span) -> (String, usize, Range<usize>) {
    let (start, end, first_line) = excerpt_bounds(span);
    let file = &span.file;
    let mut out = String::with_capacity(end - start);
    // Each mask in the excerpt, with where its `***` starts in `out`.
    let mut placed: Vec<(Range<usize>, usize)> = Vec::new();
    let mut at = start;
    for m in file
        .masks
        .iter()
        .filter(|m| m.start >= start && m.end <= end)
    {
        out.push_str(&file.text[at..m.start]);
        placed.push((m.clone(), out.len()));
        out.push_str(MASK);
        at = m.end;
    }
    out.push_str(&file.text[at..end]);
    // Where an offset of the real text lands in `out`; inside a mask, a start lands
    // on the first `*` and an end after the last, so the caret covers the `***`.
    let map = |offset: usize, is_end: bool| {
        let mut shifted = (start, 0);
        for (m, masked_at) in &placed {
            if offset <= m.start {
                break;
            }
            if offset < m.end {
                return masked_at + if is_end { MASK.len() } else { 0 };
            }
            shifted = (m.end, masked_at + MASK.len());
        }
        shifted.1 + (offset - shifted.0)
    };
    let range_start = map(span.offset, false);
    let range_end = if span.len == 0 {
        range_start
    } else {
        map(span.offset + span.len, true)
    };
    (out, first_line, range_start..range_end)
}

/// The byte range of the lines an excerpt shows (up to two before the span's line,
/// through the end of the span's last line) and the number of its first line.
fn excerpt_bounds(span: &Span) -> (usize, usize, usize) {
    let text = &span.file.text;
    let first_line = span.line.saturating_sub(2).max(1) as usize;
    let mut start = 0;
    for _ in 1..first_line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => break,
        }
    }
    let span_end = span.offset + span.len;
    let end = text[span_end..]
        .find('\n')
        .map_or(text.len(), |i| span_end + i);
    (start, end, first_line)
}

/// Suggests the closest of `candidates` to `word`, for "did you mean" hints.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(word, c), c))
        .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn span_finds_line_and_column() {
        let file = SourceFile::new("a.yaml", "one: 1\ntwo: 2\n");
        let span = file.span(12, 1);
        assert_eq!((span.line, span.column), (2, 6));
        assert_eq!(span.text(), "2");
        assert_eq!(file.span_at(2, 6, 1).offset, 12);
    }

    #[test]
    fn span_lines_and_columns_at_edges() {
        let file = SourceFile::new("a.yaml", "é: 1\n\nname: x");
        let at = |offset| {
            let s = file.span(offset, 0);
            (s.line, s.column)
        };
        assert_eq!(at(0), (1, 1));
        assert_eq!(at(2), (1, 2), "columns count characters");
        assert_eq!(at(5), (1, 5), "the newline belongs to its line");
        assert_eq!(at(6), (2, 1), "an empty line");
        assert_eq!(at(7), (3, 1));
        assert_eq!(at(13), (3, 7));
        assert_eq!(at(99), (3, 8), "clamped to the end");
        assert_eq!(at(1), (1, 1), "inside a character: its start");
        let split = file.span(0, 1);
        assert_eq!(split.text(), "é", "an end inside a character: its end");
    }

    #[test]
    fn narrowing_an_alias_looks_in_its_anchor_and_prefers_keys() {
        let text = "shared:\n  - &ok\n    json:\n      user: x\n      username: y\ncases:\n  - id: username\n    expect: *ok\n";
        let file = SourceFile::new("a.yaml", text);
        let alias = text.find("*ok").unwrap();
        let at = file.span(alias, 3).narrow_to("username");
        assert_eq!((at.line, at.column, at.text()), (5, 7, "username"));
        let plain = file
            .span(text.find("user: x").unwrap(), 7)
            .narrow_to("user");
        assert_eq!((plain.line, plain.column), (4, 7));
    }

    #[test]
    fn renders_with_caret_and_location() {
        let file = SourceFile::new("specs/x.yaml", "a: 1\nstatus: 2000\n");
        let d = Diagnostic::error(
            "status code",
            file.span(13, 4),
            "not a status between 100 and 599",
        );
        let text = d.render(false);
        assert!(text.contains("error: status code"), "{text}");
        assert!(text.contains("specs/x.yaml:2:9"), "{text}");
        assert!(
            text.contains("^^^^ not a status between 100 and 599"),
            "{text}"
        );
    }

    #[test]
    fn masked_values_render_as_stars_with_the_caret_on_them() {
        let text = "a: 1\npassword: hunter2 # x\ncode: \"123456\"\nnext: 2\n";
        let p = text.find("hunter2").unwrap();
        let c = text.find("\"123456\"").unwrap();
        let file = SourceFile::with_masks("p.yaml", text, vec![p..p + 11, c..c + 8]);
        let on_value = Diagnostic::error("x", file.span(c, 8), "bad code").render(false);
        assert!(
            on_value.contains("3 | code: ***\n  |       ^^^ bad code"),
            "{on_value}"
        );
        assert!(!on_value.contains("hunter2") && !on_value.contains("123456"));
        let after = Diagnostic::error("x", file.span(text.find("next").unwrap(), 4), "k");
        assert!(after.render(false).contains("4 | next: 2\n  | ^^^^ k"));
        let inside = Diagnostic::error("x", file.span(p + 2, 3), "`hunter2` is bad");
        let inside = inside.render(false);
        assert!(
            inside.contains("2 | password: ***\n  |           ^^^ `***` is bad"),
            "{inside}"
        );
        assert!(
            inside.contains("--> p.yaml:2:13\n"),
            "the file's column: {inside}"
        );
        let key = Diagnostic::error("x", file.span(p - 10, 8), "totp_hunter2 stays");
        assert!(key.render(false).contains("^^^^^^^^ totp_hunter2 stays"));
    }

    #[test]
    fn masks_that_cross_lines_or_overlap_are_dropped() {
        let file = SourceFile::with_masks("p.yaml", "a: 1\nb: 2\n", vec![3..7, 3..4, 2..5, 8..9]);
        assert_eq!(file.masks, vec![3..4, 8..9]);
    }

    #[test]
    fn suggests_close_words_only() {
        assert_eq!(
            did_you_mean("stauts", ["status", "headers"]).as_deref(),
            Some("did you mean `status`?")
        );
        assert_eq!(did_you_mean("xyz", ["status", "headers"]), None);
    }
}
