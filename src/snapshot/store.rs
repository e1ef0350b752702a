//! Snapshot files: one per case and step, in insta's `.snap` format so `cargo insta`
//! tooling reads them; compared on every run, written only on request.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What happened to one snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SnapshotStatus {
    /// The file holds the same content.
    Matched,
    /// There is no file yet (and updating is off).
    Missing,
    /// The file holds other content (and updating is off); with a diff.
    Changed(String),
    /// The file was created.
    Created,
    /// The file was rewritten with new content.
    Updated,
}

/// A directory of snapshots, e.g. `snapshots/` for the reference or
/// `snapshots-staging/` for a staging server.
#[derive(Clone, Debug)]
pub struct SnapshotStore {
    root: PathBuf,
    update: bool,
}

impl SnapshotStore {
    /// A store at `root`; with `update`, new and changed snapshots are written.
    pub fn new(root: impl Into<PathBuf>, update: bool) -> Self {
        Self {
            root: root.into(),
            update,
        }
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Refuses a file that is not lexically inside the root (`..`, an absolute path
    /// elsewhere, the root itself): whatever names a spec or case carries, the store
    /// reads, writes and deletes nothing outside its directory.
    fn confine(&self, file: &Path) -> std::io::Result<()> {
        let inside = file.strip_prefix(&self.root).is_ok_and(|rest| {
            rest.components().next().is_some()
                && rest
                    .components()
                    .all(|c| matches!(c, std::path::Component::Normal(_)))
        });
        if inside {
            Ok(())
        } else {
            Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!(
                    "{} lies outside the snapshot directory {}",
                    file.display(),
                    self.root.display()
                ),
            ))
        }
    }

    /// Deletes a stale snapshot: only a `.snap` file inside the root.
    pub fn remove(&self, file: &Path) -> std::io::Result<()> {
        self.confine(file)?;
        if file.extension().is_none_or(|e| e != "snap") {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("{} is not a .snap file", file.display()),
            ));
        }
        std::fs::remove_file(file)
    }

    /// Checks (and with `update`, writes) one snapshot.
    pub fn check(
        &self,
        file: &Path,
        source: &str,
        content: &str,
    ) -> std::io::Result<SnapshotStatus> {
        self.confine(file)?;
        let existing = match std::fs::read_to_string(file) {
            Ok(text) => Some(contents_of(&text).to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        let content = content.trim_end();
        match existing {
            Some(old) if old == content => Ok(SnapshotStatus::Matched),
            Some(old) if !self.update => Ok(SnapshotStatus::Changed(
                similar::TextDiff::from_lines(
                    format!("{old}\n").as_str(),
                    format!("{content}\n").as_str(),
                )
                .unified_diff()
                .header("snapshot", "received")
                .to_string(),
            )),
            None if !self.update => Ok(SnapshotStatus::Missing),
            existing => {
                if let Some(parent) = file.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(file, format!("---\nsource: {source}\n---\n{content}\n"))?;
                Ok(if existing.is_some() {
                    SnapshotStatus::Updated
                } else {
                    SnapshotStatus::Created
                })
            }
        }
    }

    /// Snapshot files of `spec` that belong to none of `expected` (stale: their case
    /// or step no longer exists).
    pub fn stale(&self, spec: &str, expected: &BTreeSet<PathBuf>) -> Vec<PathBuf> {
        let dir = self.root.join(spec);
        if self.confine(&dir).is_err() {
            return Vec::new();
        }
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Vec::new();
        };
        let mut stale: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "snap") && !expected.contains(p))
            .filter(|p| self.confine(p).is_ok())
            .collect();
        stale.sort();
        stale
    }
}

/// The file a snapshot of a step lives in: `ROOT/SPEC/CASE@NN-STEP.snap`.
pub fn snapshot_file(
    root: &Path,
    spec: &str,
    case_id: &str,
    step_index: usize,
    step_name: &str,
) -> PathBuf {
    root.join(spec).join(format!(
        "{}.snap",
        snapshot_name(case_id, step_index, step_name)
    ))
}

/// The snapshot name (file stem) of a step: `CASE@NN-STEP`.
pub fn snapshot_name(case_id: &str, step_index: usize, step_name: &str) -> String {
    let mut slug = String::new();
    for c in step_name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    format!("{case_id}@{:02}-{slug}", step_index + 1)
}

/// The contents of a `.snap` file: what follows its `---` header.
pub fn contents_of(text: &str) -> &str {
    let body = match text.strip_prefix("---\n") {
        Some(rest) => match rest.find("\n---\n") {
            Some(i) => &rest[i + 5..],
            None => rest,
        },
        None => text,
    };
    body.trim_end()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_contents() {
        assert_eq!(
            snapshot_name(
                "json.login.two_factor",
                1,
                "log in (JSON) › two_factor › repeat with tfkey"
            ),
            "json.login.two_factor@02-log-in-json-two-factor-repeat-with-tfkey"
        );
        assert_eq!(
            contents_of("---\nsource: a\nexpression: b\n---\nline 1\nline 2\n"),
            "line 1\nline 2"
        );
    }

    #[test]
    fn compare_then_update_only_what_changed() {
        let dir = tempfile::tempdir().unwrap();
        let file = snapshot_file(dir.path(), "txty", "a", 0, "log in");
        let compare = SnapshotStore::new(dir.path(), false);
        let update = SnapshotStore::new(dir.path(), true);
        assert_eq!(
            compare.check(&file, "specs/txty.yaml", "x\n").unwrap(),
            SnapshotStatus::Missing
        );
        assert_eq!(
            update.check(&file, "specs/txty.yaml", "x\n").unwrap(),
            SnapshotStatus::Created
        );
        let written = std::fs::metadata(&file).unwrap().modified().unwrap();
        assert_eq!(
            update.check(&file, "specs/txty.yaml", "x").unwrap(),
            SnapshotStatus::Matched
        );
        assert_eq!(
            std::fs::metadata(&file).unwrap().modified().unwrap(),
            written,
            "unchanged files are not rewritten"
        );
        assert!(
            matches!(compare.check(&file, "s", "y").unwrap(), SnapshotStatus::Changed(d) if d.contains("-x") && d.contains("+y"))
        );
        assert_eq!(
            update.check(&file, "s", "y").unwrap(),
            SnapshotStatus::Updated
        );
        let expected = BTreeSet::new();
        assert_eq!(update.stale("txty", &expected), vec![file]);
    }

    #[test]
    fn nothing_outside_the_root_is_read_written_or_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("snaps");
        let store = SnapshotStore::new(&root, true);
        let victim = dir.path().join("victim");
        std::fs::create_dir_all(&victim).unwrap();
        std::fs::write(victim.join("a@01-x.snap"), "keep").unwrap();
        for spec in ["../victim", "/tmp/conform-victim", ".."] {
            let file = snapshot_file(&root, spec, "a", 0, "x");
            let err = store.check(&file, "s", "y").unwrap_err();
            assert!(
                err.to_string().contains("outside the snapshot directory"),
                "{err}"
            );
            assert!(store.remove(&file).is_err());
            assert_eq!(store.stale(spec, &BTreeSet::new()), Vec::<PathBuf>::new());
        }
        assert_eq!(
            std::fs::read_to_string(victim.join("a@01-x.snap")).unwrap(),
            "keep"
        );
        assert!(!std::path::Path::new("/tmp/conform-victim").exists());
        let inside = snapshot_file(&root, "t", "a", 0, "x");
        store.check(&inside, "s", "y").unwrap();
        let other = root.join("t").join("notes.txt");
        std::fs::write(&other, "mine").unwrap();
        assert!(
            store.remove(&other).is_err(),
            "only .snap files are deleted"
        );
        store.remove(&inside).unwrap();
        assert!(!inside.exists());
    }
}
