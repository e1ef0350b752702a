//! Helpers for integration tests: run the real `conform` binary on files written to a
//! temporary directory, against servers on loopback.
#![allow(dead_code)]

pub mod secret_forms;

use std::path::{Path, PathBuf};
use std::process::Command;

/// What a run of the binary produced.
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// A scratch directory with files.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, text).expect("write");
        path
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// Runs `conform` with `args` in `cwd` (no colour, no GitHub output, no inherited secrets).
pub fn conform(cwd: &Path, args: &[&str]) -> Output {
    conform_env(cwd, args, &[])
}

/// Runs `conform` with extra environment variables.
pub fn conform_env(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_conform"));
    // Tests run in GitHub Actions too: the output they check is a plain run's.
    cmd.args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run conform");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs the binary off the async runtime so in-process servers keep serving.
pub async fn conform_async(cwd: PathBuf, args: Vec<String>) -> Output {
    conform_env_async(cwd, args, Vec::new()).await
}

/// [`conform_async`] with extra environment variables.
pub async fn conform_env_async(
    cwd: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
) -> Output {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        conform_env(&cwd, &args, &env)
    })
    .await
    .expect("join")
}
