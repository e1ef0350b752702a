//! The last TOTP window each account used against each target, kept in a small file so
//! that separate runs (two CI jobs seconds apart) never send the same code twice.
//!
//! The file holds, per target and account, only the Unix time at which the last window
//! used ends — no code, no secret, no URL: a target is the SHA-256 of its origin and path
//! (userinfo, query and fragment left out). Entries that no longer hold anyone back are
//! dropped at each write, so the file stays a few lines long.
//!
//! Concurrent runs: every claim takes an exclusive lock on a lock file beside the state
//! file (`File::lock`), then reads, decides and writes a temporary file renamed over the
//! state file. Two processes therefore never take the same window, and no reader ever
//! sees a half-written file. The lock is held for a read and a write, never across a wait.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use url::Url;

use super::PERIOD_SECONDS;

/// Name of the state file in the state directory.
const STATE_FILE: &str = "totp-windows.json";

/// Name of the lock file beside it.
const LOCK_FILE: &str = "totp-windows.lock";

/// Target key → account name → Unix time the last window used ends.
type Windows = BTreeMap<String, BTreeMap<String, u64>>;

/// The directory for the state file: `$CONFORM_STATE_DIR`, else
/// `$XDG_CACHE_HOME/conform`, else `$HOME/.cache/conform`; `None` when none is set.
/// `var` reads an environment variable (injected so tests need not change the process's).
pub fn default_state_dir(var: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let set = |name: &str| var(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = set("CONFORM_STATE_DIR") {
        return Some(dir);
    }
    // The XDG spec says to ignore a relative XDG_CACHE_HOME.
    let cache = set("XDG_CACHE_HOME")
        .filter(|p| p.is_absolute())
        .or_else(|| set("HOME").map(|home| home.join(".cache")))?;
    Some(cache.join("conform"))
}

/// Why the state file could not be used.
#[derive(Debug, thiserror::Error)]
#[error("cannot use {}: {source}", path.display())]
pub struct StateError {
    /// The file or directory that failed.
    pub path: PathBuf,
    /// What the system said.
    pub source: std::io::Error,
}

/// What [`WindowStore::claim`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    /// `None` when the window was free and is now recorded as used; `Some(t)` when a run
    /// already used a window that ends at Unix time `t` (nothing was written).
    pub busy_until: Option<u64>,
    /// Why the file's earlier content was thrown away (it was not a state file).
    pub discarded: Option<String>,
}

/// The windows used against one target, in the state directory.
#[derive(Clone, Debug)]
pub struct WindowStore {
    dir: PathBuf,
    target: String,
}

impl WindowStore {
    /// The store of `target` in `dir` (created on the first claim).
    pub fn new(dir: impl Into<PathBuf>, target: &Url) -> Self {
        Self {
            dir: dir.into(),
            target: target_key(target),
        }
    }

    /// The state file.
    pub fn path(&self) -> PathBuf {
        self.dir.join(STATE_FILE)
    }

    /// Records that `account` uses the window ending at `window_end`, unless a run already
    /// used one that ends after `now`.
    ///
    /// # Errors
    ///
    /// The directory, lock or file cannot be created, read or written. A file that is
    /// not a state file is no error: it is replaced and [`Claim::discarded`] says why.
    pub fn claim(&self, account: &str, now: u64, window_end: u64) -> Result<Claim, StateError> {
        let fail = |path: &Path| {
            let path = path.to_path_buf();
            move |source| StateError { path, source }
        };
        std::fs::create_dir_all(&self.dir).map_err(fail(&self.dir))?;
        let lock_path = self.dir.join(LOCK_FILE);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(fail(&lock_path))?;
        // Released when `lock` is dropped, at the end of this function.
        lock.lock().map_err(fail(&lock_path))?;
        let path = self.path();
        let (mut windows, discarded) = read_windows(&path).map_err(fail(&path))?;
        let used = windows
            .get(&self.target)
            .and_then(|accounts| accounts.get(account))
            .copied();
        // An end further away than the longest period comes from no real window (a
        // hand-edited file, a clock set back): it would make runs wait for ever.
        let latest = now.saturating_add(*PERIOD_SECONDS.end());
        if let Some(until) = used.filter(|until| (now + 1..=latest).contains(until)) {
            return Ok(Claim {
                busy_until: Some(until),
                discarded,
            });
        }
        windows.retain(|_, accounts| {
            accounts.retain(|_, until| (now + 1..=latest).contains(until));
            !accounts.is_empty()
        });
        windows
            .entry(self.target.clone())
            .or_default()
            .insert(account.to_string(), window_end);
        write_atomically(&path, &windows).map_err(fail(&path))?;
        Ok(Claim {
            busy_until: None,
            discarded,
        })
    }
}

/// The windows in the file (none if it does not exist), and why its content was thrown
/// away if it was not a state file.
fn read_windows(path: &Path) -> std::io::Result<(Windows, Option<String>)> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Windows::new(), None)),
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
            return Ok((Windows::new(), Some("it is not UTF-8".into())));
        }
        Err(e) => return Err(e),
    };
    match serde_json::from_str(&text) {
        Ok(windows) => Ok((windows, None)),
        Err(e) => Ok((
            Windows::new(),
            Some(format!("it is not a state file ({e})")),
        )),
    }
}

/// Writes a temporary file beside `path` and renames it over `path`.
fn write_atomically(path: &Path, windows: &Windows) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(windows).map_err(std::io::Error::other)?;
    let mut temp = path.as_os_str().to_owned();
    temp.push(format!(".{}.tmp", std::process::id()));
    let temp = PathBuf::from(temp);
    std::fs::write(&temp, text + "\n")?;
    std::fs::rename(&temp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&temp);
    })
}

/// The SHA-256 (hex) of the target's origin and path: no URL, password or query on disk.
fn target_key(url: &Url) -> String {
    let text = format!(
        "{}{}",
        url.origin().ascii_serialization(),
        url.path().trim_end_matches('/')
    );
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn state_dir_from_the_environment() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| OsString::from(v))
            }
        };
        let all = env(&[
            ("CONFORM_STATE_DIR", "/state"),
            ("XDG_CACHE_HOME", "/xdg"),
            ("HOME", "/home/u"),
        ]);
        assert_eq!(default_state_dir(all), Some(PathBuf::from("/state")));
        let xdg = env(&[("XDG_CACHE_HOME", "/xdg"), ("HOME", "/home/u")]);
        assert_eq!(default_state_dir(xdg), Some(PathBuf::from("/xdg/conform")));
        let relative = env(&[("XDG_CACHE_HOME", "xdg"), ("HOME", "/home/u")]);
        assert_eq!(
            default_state_dir(relative),
            Some(PathBuf::from("/home/u/.cache/conform"))
        );
        assert_eq!(default_state_dir(env(&[("HOME", "")])), None);
    }

    #[test]
    fn the_target_key_is_origin_and_path_only() {
        let key = |u| target_key(&url(u));
        let plain = key("https://login.example.com/api/4");
        assert_eq!(plain.len(), 64);
        assert_eq!(key("https://user:pw@login.example.com/api/4/?q=1#f"), plain);
        assert_ne!(key("https://login.example.com/api/5"), plain);
        assert_ne!(key("https://login.example.com:8443/api/4"), plain);
    }

    #[test]
    fn claims_are_kept_per_target_and_account() {
        let dir = tempfile::tempdir().unwrap();
        let a = WindowStore::new(dir.path(), &url("https://a.example/"));
        let b = WindowStore::new(dir.path(), &url("https://b.example/"));
        assert_eq!(a.claim("two_factor", 100, 120).unwrap().busy_until, None);
        let again = WindowStore::new(dir.path(), &url("https://a.example/"));
        assert_eq!(
            again.claim("two_factor", 110, 120).unwrap().busy_until,
            Some(120),
            "another store (another process) sees the window"
        );
        assert_eq!(again.claim("primary", 110, 120).unwrap().busy_until, None);
        assert_eq!(b.claim("two_factor", 110, 180).unwrap().busy_until, None);
        assert_eq!(
            again.claim("two_factor", 120, 150).unwrap().busy_until,
            None
        );
        let text = std::fs::read_to_string(a.path()).unwrap();
        assert!(!text.contains("a.example"), "{text}");
        let windows: Windows = serde_json::from_str(&text).unwrap();
        assert_eq!(windows.len(), 2, "one entry per target: {text}");
        assert_eq!(windows[&a.target]["two_factor"], 150);
    }

    #[test]
    fn spent_entries_are_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let old = WindowStore::new(dir.path(), &url("http://127.0.0.1:4001/"));
        let new = WindowStore::new(dir.path(), &url("http://127.0.0.1:4002/"));
        old.claim("two_factor", 100, 120).unwrap();
        new.claim("two_factor", 130, 150).unwrap();
        let windows: Windows =
            serde_json::from_str(&std::fs::read_to_string(new.path()).unwrap()).unwrap();
        assert_eq!(windows.keys().collect::<Vec<_>>(), vec![&new.target]);
    }

    #[test]
    fn a_corrupt_file_is_replaced_and_said_so() {
        let dir = tempfile::tempdir().unwrap();
        let store = WindowStore::new(dir.path(), &url("https://a.example/"));
        std::fs::write(store.path(), "{not json").unwrap();
        let claim = store.claim("two_factor", 100, 120).unwrap();
        assert_eq!(claim.busy_until, None);
        assert!(
            claim
                .discarded
                .as_deref()
                .is_some_and(|d| d.starts_with("it is not a state file")),
            "{claim:?}"
        );
        assert_eq!(
            store.claim("two_factor", 101, 120).unwrap(),
            Claim {
                busy_until: Some(120),
                discarded: None
            }
        );
        let far = format!("{{\"{}\": {{\"two_factor\": 99999}}}}", store.target);
        std::fs::write(store.path(), far).unwrap();
        assert_eq!(
            store.claim("two_factor", 100, 120).unwrap().busy_until,
            None,
            "an end beyond the longest period is no window"
        );
        std::fs::write(store.path(), b"\xff\xfe").unwrap();
        let claim = store.claim("two_factor", 100, 120).unwrap();
        assert_eq!(claim.discarded.as_deref(), Some("it is not UTF-8"));
    }

    #[test]
    fn an_unusable_directory_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain-file");
        std::fs::write(&file, "").unwrap();
        let store = WindowStore::new(&file, &url("https://a.example/"));
        let err = store.claim("two_factor", 100, 120).unwrap_err();
        assert_eq!(err.path, file);
    }
}
