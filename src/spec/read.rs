//! Reading an input file (a spec or a profile) as text, with a size bound.
//!
//! A path such as `/dev/zero` or a runaway generated file must be refused, not read
//! until memory runs out; text that is not UTF-8 is refused at the first bad byte.
//! No parsing here.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, SourceFile};

/// Largest spec file read: generated suites of 100,000 cases stay well below it.
pub const MAX_SPEC_BYTES: u64 = 64 * 1024 * 1024;

/// Largest profile file read: a profile holds two accounts and a few vars.
pub const MAX_PROFILE_BYTES: u64 = 1024 * 1024;

/// Why an input file could not be read as text.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// `spec` or `profile`.
        kind: &'static str,
        /// The path as given.
        path: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The file holds more than the limit.
    #[error("{kind} {path} is larger than {} MiB", limit / (1024 * 1024))]
    TooLarge {
        /// `spec` or `profile`.
        kind: &'static str,
        /// The path as given.
        path: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// The file is not UTF-8.
    #[error("byte 0x{byte:02X} is not UTF-8; {kind} files are UTF-8 text")]
    NotUtf8 {
        /// `spec` or `profile`.
        kind: &'static str,
        /// The text with invalid bytes replaced by U+FFFD, to point into.
        lossy: String,
        /// Byte offset (in `lossy`) of the first replacement character.
        offset: usize,
        /// The first invalid byte.
        byte: u8,
    },
}

/// Reads `path` as UTF-8 text of at most `limit` bytes; `kind` names it in errors.
pub fn read_bounded(path: &Path, kind: &'static str, limit: u64) -> Result<String, ReadError> {
    let shown = path.display().to_string();
    let io = |source| ReadError::Io {
        kind,
        path: shown.clone(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    // One byte more than the limit tells "exactly the limit" from "larger".
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge {
            kind,
            path: shown,
            limit,
        });
    }
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let bytes = e.into_bytes();
        ReadError::NotUtf8 {
            kind,
            byte: bytes.get(offset).copied().unwrap_or_default(),
            lossy: String::from_utf8_lossy(&bytes).into_owned(),
            offset,
        }
    })
}

impl ReadError {
    /// The diagnostic to show; `source_for` wraps the (lossy) text of a file that is not
    /// UTF-8 into the source file a span can point into.
    pub fn into_diagnostic(
        self,
        name: &str,
        source_for: impl FnOnce(&str, String) -> Arc<SourceFile>,
    ) -> Diagnostic {
        match self {
            ReadError::Io { kind, .. } => {
                Diagnostic::plain(format!("cannot read {kind}"), self.to_string())
            }
            ReadError::TooLarge { .. } => Diagnostic::plain("file too large", self.to_string()),
            ReadError::NotUtf8 {
                kind,
                lossy,
                offset,
                byte,
            } => {
                let source = source_for(name, lossy);
                let span = source.span(offset, '\u{FFFD}'.len_utf8());
                let error = ReadError::NotUtf8 {
                    kind,
                    lossy: String::new(),
                    offset,
                    byte,
                };
                Diagnostic::error("encoding", span, error.to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_files_over_the_limit_and_reads_those_at_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.yaml");
        std::fs::write(&path, "a: 1\n").unwrap();
        assert_eq!(read_bounded(&path, "profile", 5).unwrap(), "a: 1\n");
        let err = read_bounded(&path, "profile", 4).unwrap_err();
        assert!(matches!(err, ReadError::TooLarge { limit: 4, .. }), "{err}");
    }

    #[test]
    fn an_endless_file_is_refused() {
        let zero = Path::new("/dev/zero");
        if zero.exists() {
            let err = read_bounded(zero, "profile", MAX_PROFILE_BYTES).unwrap_err();
            assert_eq!(err.to_string(), "profile /dev/zero is larger than 1 MiB");
        }
    }

    #[test]
    fn invalid_utf8_names_the_first_bad_byte() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.yaml");
        std::fs::write(&path, b"a: 1\nb: \xff\n").unwrap();
        match read_bounded(&path, "spec", MAX_SPEC_BYTES) {
            Err(ReadError::NotUtf8 {
                offset,
                byte,
                lossy,
                ..
            }) => {
                assert_eq!((offset, byte), (8, 0xFF));
                assert!(lossy[offset..].starts_with('\u{FFFD}'));
            }
            other => panic!("{other:?}"),
        }
    }
}
