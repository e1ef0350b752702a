//! Reading spec files from disk (or the embedded copies) into raw [`SpecFile`]s.
//!
//! Parsing only: a YAML or structure error becomes a [`Diagnostic`] at its position.
//! Meaning (templates, paths, accounts) is checked by the plan stage.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_saphyr::MessageFormatter;

use super::messages;
use super::model::SpecFile;
use super::read::{MAX_SPEC_BYTES, read_bounded};
use crate::diagnostic::{Diagnostic, SourceFile, did_you_mean};

/// A parsed spec with the file it came from.
#[derive(Debug)]
pub struct LoadedSpec {
    /// The source text, for diagnostics.
    pub source: Arc<SourceFile>,
    /// The directory relative paths in the spec (`schema_file`) resolve against.
    pub base_dir: PathBuf,
    /// The raw spec.
    pub spec: SpecFile,
}

/// The strict YAML options every spec and profile is read with: `NO` stays a string,
/// `0012` stays a string, indentation must be consistent.
pub fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        strict_booleans: true,
        underscored_numbers_as_strings: true,
        leading_zero_numbers_as_strings: true,
        strict_indentation: true,
        // The defaults (250,000 nodes) refuse a spec of ~8,000 simple cases; these still
        // bound a hostile file while letting generated suites of 100,000 cases load.
        budget: serde_saphyr::budget! {
            max_nodes: 5_000_000,
            max_events: 20_000_000,
        },
    }
}

/// Parses YAML text into `T`, turning the first error into a diagnostic titled `kind`.
pub fn parse_yaml<T: DeserializeOwned>(
    source: &Arc<SourceFile>,
    kind: &str,
) -> Result<T, Diagnostic> {
    serde_saphyr::from_str_with_options::<T>(&source.text, yaml_options())
        .map_err(|err| yaml_diagnostic(&err, source, kind))
}

/// Turns a serde-saphyr error into a diagnostic at its location.
pub fn yaml_diagnostic(
    err: &serde_saphyr::Error,
    source: &Arc<SourceFile>,
    kind: &str,
) -> Diagnostic {
    let inner = err.without_snippet();
    let message = serde_saphyr::UserMessageFormatter
        .format_message(inner)
        .into_owned();
    let message = message
        .split(", set DuplicateKeyPolicy")
        .next()
        .unwrap_or(&message)
        .to_string();
    let help = match inner {
        serde_saphyr::Error::SerdeUnknownField {
            field, expected, ..
        } => did_you_mean(field, expected.iter().copied()),
        _ => None,
    };
    // The snippet's location points where the problem starts (an unclosed quote's
    // opening), the error's own may be where the parser gave up (end of file).
    let snippet_location = match err {
        serde_saphyr::Error::WithSnippet { regions, .. } => {
            regions.first().map(|r| r.location).filter(|l| l.line() > 0)
        }
        _ => None,
    };
    let message = messages::user_words(&message);
    let diagnostic = match snippet_location.or_else(|| err.location()) {
        Some(location) => {
            let span = source.span_at(location.line(), location.column(), 1);
            let span = widen_to_token(span);
            match messages::explain(inner, &span) {
                Some(explained) => {
                    let diagnostic =
                        Diagnostic::error(kind, explained.span.unwrap_or(span), explained.label);
                    match explained.help.or(help) {
                        Some(help) => return diagnostic.with_help(help),
                        None => return diagnostic,
                    }
                }
                None => Diagnostic::error(kind, span, message),
            }
        }
        None => Diagnostic::plain(format!("{kind} {}", source.name), message),
    };
    match help {
        Some(help) => diagnostic.with_help(help),
        None => diagnostic,
    }
}

/// Widens a one-character span to the key or scalar starting there, so the caret
/// underlines the whole word.
fn widen_to_token(span: crate::diagnostic::Span) -> crate::diagnostic::Span {
    let rest = &span.file.text[span.offset..];
    let len = rest.find([':', '\n', ',', '}', ']']).unwrap_or(rest.len());
    let token = rest[..len].trim_end();
    span.file
        .span(span.offset, token.len().max(1).min(rest.len()))
}

/// Reads and parses one spec file.
pub fn load_spec_file(path: &Path) -> Result<LoadedSpec, Diagnostic> {
    let name = path.display().to_string();
    let text = read_bounded(path, "spec", MAX_SPEC_BYTES)
        .map_err(|e| e.into_diagnostic(&name, |name, text| SourceFile::new(name, text)))?;
    let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    load_spec_text(&name, text, base_dir)
}

/// Parses spec text that has a display name (used for embedded specs too).
pub fn load_spec_text(
    name: &str,
    text: String,
    base_dir: PathBuf,
) -> Result<LoadedSpec, Diagnostic> {
    let source = SourceFile::new(name, text);
    let spec = parse_yaml::<SpecFile>(&source, "spec")?;
    Ok(LoadedSpec {
        source,
        base_dir,
        spec,
    })
}

/// Expands the spec arguments (files and directories) into spec files, in order.
/// Directories contribute their `*.yaml`/`*.yml` files sorted by name.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Diagnostic> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries = std::fs::read_dir(path).map_err(|e| {
                Diagnostic::plain("cannot read directory", format!("{}: {e}", path.display()))
            })?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.is_file()
                        && matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
                })
                .collect();
            found.sort();
            if found.is_empty() {
                return Err(Diagnostic::plain(
                    "no specs",
                    format!("{} holds no .yaml files", path.display()),
                ));
            }
            files.extend(found);
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            return Err(Diagnostic::plain(
                "no such spec",
                format!("{} is neither a file nor a directory", path.display()),
            ));
        }
    }
    Ok(files)
}

/// Discovers and parses every spec under `paths`, reporting the problems of all
/// files at once.
pub fn load_all(paths: &[PathBuf]) -> Result<Vec<LoadedSpec>, Vec<Diagnostic>> {
    let files = discover(paths).map_err(|d| vec![d])?;
    let mut specs = Vec::new();
    let mut errors = Vec::new();
    for file in files {
        match load_spec_file(&file) {
            Ok(s) => specs.push(s),
            Err(d) => errors.push(d),
        }
    }
    if errors.is_empty() {
        Ok(specs)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_field_points_at_key_with_suggestion() {
        let text = "title: t\ndocument: d\ncases:\n  - id: a\n    section: s\n    steps:\n      - request: { path: / }\n        expect: { stauts: 200 }\n";
        let err = load_spec_text("specs/x.yaml", text.into(), PathBuf::new()).unwrap_err();
        let span = err.span.as_ref().unwrap();
        assert_eq!((span.line, span.column), (8, 19));
        assert_eq!(span.text(), "stauts");
        assert!(
            err.label.starts_with("unknown field `stauts`"),
            "{}",
            err.label
        );
        assert_eq!(err.help.as_deref(), Some("did you mean `status`?"));
    }
}
