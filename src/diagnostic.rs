//! Source files, spans into them, and diagnostics rendered against them.
//!
//! Every stage that reads user input (specs, profiles) reports problems as
//! [`Diagnostic`]s pointing at a [`Span`]; the CLI renders them rustc-style with a
//! caret under the offending text. This module never decides exit codes.

use std::fmt;
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
}

impl SourceFile {
    /// Wraps a file's name and text for sharing between spans.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Arc<Self> {
        let text = text.into();
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Arc::new(Self {
            name: name.into(),
            text,
            line_starts,
        })
    }

    /// Returns the span of `len` bytes starting at byte `offset`, with its line and column.
    pub fn span(self: &Arc<Self>, offset: usize, len: usize) -> Span {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        // The last line start at or before `offset` (the first is always 0).
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let line_start = self.line_starts[line.saturating_sub(1)];
        let column = self.text[line_start..offset].chars().count() + 1;
        Span {
            file: Arc::clone(self),
            offset,
            len: len.min(self.text.len() - offset),
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

/// How far into an anchored node `narrow_to` looks for a word.
const ANCHOR_WINDOW: usize = 4096;

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
                let group = level.primary_title(&self.title).element(
                    Snippet::source(source)
                        .line_start(start_line)
                        .path(&span.file.name)
                        .annotation(AnnotationKind::Primary.span(range).label(&self.label)),
                );
                let mut report: Vec<Group> = vec![group];
                if let Some(help) = &self.help {
                    report.push(Group::with_title(Level::HELP.secondary_title(help)));
                }
                renderer.render(&report).to_string()
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

/// Cuts the lines around a span out of its file, so the renderer shows only those.
/// Returns the excerpt, the line number it starts at, and the span's range in it.
fn excerpt(span: &Span) -> (&str, usize, std::ops::Range<usize>) {
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
    let range_start = span.offset - start;
    let range_end = if span.len == 0 {
        range_start
    } else {
        span_end - start
    };
    (&text[start..end], first_line, range_start..range_end)
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
    fn suggests_close_words_only() {
        assert_eq!(
            did_you_mean("stauts", ["status", "headers"]).as_deref(),
            Some("did you mean `status`?")
        );
        assert_eq!(did_you_mean("xyz", ["status", "headers"]), None);
    }
}
