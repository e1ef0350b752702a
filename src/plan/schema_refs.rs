//! Confining JSON Schema references to the spec's directory: a `schema_file` (after
//! symlinks) and every `$ref` a schema follows must be a file under the directory of
//! the spec that names it. Remote references are never fetched. Planning reads the
//! files; nothing here runs at request time.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::Value;

/// Why a schema reference was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SchemaRefError {
    /// A reference to something other than a local file.
    #[error("`$ref` to {0} is remote; remote `$ref`s are never fetched")]
    Remote(String),
    /// A file outside the spec's directory (after following symlinks).
    #[error("`{0}` lies outside the spec's directory")]
    Outside(String),
    /// A file under the directory that cannot be read or is not JSON.
    #[error("`$ref` to `{name}`: {why}")]
    Unreadable {
        /// The file name.
        name: String,
        /// What went wrong.
        why: String,
    },
}

/// Resolves `$ref`s to files under one directory and refuses everything else,
/// remembering the first refusal so the diagnostic can say what it was.
#[derive(Clone, Debug)]
pub struct ConfinedRetriever {
    root: Option<PathBuf>,
    refused: Arc<Mutex<Option<SchemaRefError>>>,
}

impl ConfinedRetriever {
    /// A retriever for the schemas of a spec in `dir`. When `dir` cannot be
    /// canonicalised, every file reference is refused.
    pub fn new(dir: &Path) -> Self {
        // A spec in the working directory has an empty directory name.
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        Self {
            root: std::fs::canonicalize(dir).ok(),
            refused: Arc::new(Mutex::new(None)),
        }
    }

    /// The first reference refused, if any.
    pub fn refused(&self) -> Option<SchemaRefError> {
        self.refused
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Canonicalises `path` and checks it lies under the directory; the error names
    /// the file by its last component only, so messages carry no machine's paths.
    pub fn confine(&self, path: &Path) -> Result<PathBuf, SchemaRefError> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        let real = std::fs::canonicalize(path).map_err(|e| {
            if path.is_absolute() && !self.is_under(path) {
                SchemaRefError::Outside(name.clone())
            } else {
                SchemaRefError::Unreadable {
                    name: name.clone(),
                    why: e.to_string(),
                }
            }
        })?;
        if self.is_under(&real) {
            Ok(real)
        } else {
            Err(SchemaRefError::Outside(name))
        }
    }

    fn is_under(&self, path: &Path) -> bool {
        self.root
            .as_ref()
            .is_some_and(|root| path.starts_with(root))
    }

    fn load(&self, uri: &str) -> Result<Value, SchemaRefError> {
        let url = url::Url::parse(uri).map_err(|_| SchemaRefError::Remote(uri.to_string()))?;
        if url.scheme() != "file" {
            return Err(SchemaRefError::Remote(uri.to_string()));
        }
        let path = url
            .to_file_path()
            .map_err(|()| SchemaRefError::Remote(uri.to_string()))?;
        let real = self.confine(&path)?;
        let unreadable = |why: String| SchemaRefError::Unreadable {
            name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            why,
        };
        let text = std::fs::read_to_string(&real).map_err(|e| unreadable(e.to_string()))?;
        serde_json::from_str(&text).map_err(|e| unreadable(format!("not JSON: {e}")))
    }
}

impl jsonschema::Retrieve for ConfinedRetriever {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        self.load(uri.as_str()).map_err(|e| {
            let mut first = self.refused.lock().unwrap_or_else(|p| p.into_inner());
            first.get_or_insert_with(|| e.clone());
            Box::new(e) as Box<dyn std::error::Error + Send + Sync>
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_directory_name_is_the_working_directory() {
        let r = ConfinedRetriever::new(Path::new(""));
        assert_eq!(r.root, std::fs::canonicalize(".").ok());
        assert!(r.confine(Path::new("Cargo.toml")).is_ok());
    }

    #[test]
    fn only_files_under_the_directory_are_loaded() {
        let tmp = tempfile::tempdir().unwrap();
        let spec_dir = tmp.path().join("specs");
        std::fs::create_dir_all(spec_dir.join("schemas")).unwrap();
        std::fs::write(spec_dir.join("schemas/ok.json"), r#"{"type":"string"}"#).unwrap();
        std::fs::write(tmp.path().join("secret.json"), r#"{"type":"string"}"#).unwrap();
        let r = ConfinedRetriever::new(&spec_dir);
        let inside = url::Url::from_file_path(spec_dir.join("schemas/ok.json")).unwrap();
        assert_eq!(r.load(inside.as_str()).unwrap()["type"], "string");
        let outside = url::Url::from_file_path(tmp.path().join("secret.json")).unwrap();
        assert_eq!(
            r.load(outside.as_str()).unwrap_err(),
            SchemaRefError::Outside("secret.json".into())
        );
        let dotted = format!(
            "{}/specs/../secret.json",
            url::Url::from_file_path(tmp.path()).unwrap()
        );
        assert!(matches!(r.load(&dotted), Err(SchemaRefError::Outside(_))));
        assert!(matches!(
            r.load("https://example.com/s.json"),
            Err(SchemaRefError::Remote(_))
        ));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(tmp.path().join("secret.json"), spec_dir.join("link.json"))
                .unwrap();
            let link = url::Url::from_file_path(spec_dir.join("link.json")).unwrap();
            assert_eq!(
                r.load(link.as_str()).unwrap_err(),
                SchemaRefError::Outside("link.json".into())
            );
        }
    }
}
