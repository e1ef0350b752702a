//! The bad-input corpus: every file under `fixtures/bad-specs/` and
//! `fixtures/bad-profiles/` holds one deviation; `conform lint` must exit 2 and print
//! exactly the diagnostic in the `.stderr` file beside it (file, line, column,
//! message, caret). `CONFORM_BLESS=1 cargo test --test diagnostics` rewrites the
//! expected files after a deliberate change; review the diff before committing.
//! A profile's diagnostic must show none of its secret values.

use std::path::{Path, PathBuf};
use std::process::Command;

use libtest_mimic::{Arguments, Failed, Trial};

fn main() {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut trials = Vec::new();
    for (dir, kind) in [
        ("fixtures/bad-specs", "spec"),
        ("fixtures/bad-profiles", "profile"),
    ] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .expect("fixture directory")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .filter(|p| p.file_name().is_some_and(|n| n != "spec.yaml"))
            .collect();
        files.sort();
        for file in files {
            let stem = file
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string();
            let rel = format!("{dir}/{stem}.yaml");
            let kind = kind.to_string();
            trials.push(Trial::test(format!("{kind}::{stem}"), move || {
                check(&rel, &kind)
            }));
        }
    }
    libtest_mimic::run(&args, trials).exit_code();
}

fn check(rel: &str, kind: &str) -> Result<(), Failed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_conform"));
    cmd.current_dir(root)
        .env("NO_COLOR", "1")
        .env_remove("CONFORM_TEST_UNSET_PASSWORD");
    if kind == "spec" {
        cmd.args(["lint", rel]);
    } else {
        cmd.args(["lint", "--profile", rel, "fixtures/bad-profiles/spec.yaml"]);
    }
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run conform: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if out.status.code() != Some(2) {
        return Err(format!("expected exit 2, got {:?}\n{stderr}", out.status.code()).into());
    }
    if kind == "profile" {
        check_no_secret(&root.join(rel), &stderr)?;
    }
    let expected_path = root.join(rel).with_extension("stderr");
    if std::env::var_os("CONFORM_BLESS").is_some() {
        std::fs::write(&expected_path, &stderr).map_err(|e| e.to_string())?;
        return Ok(());
    }
    let expected = std::fs::read_to_string(&expected_path).map_err(|e| {
        format!(
            "{}: {e} (run with CONFORM_BLESS=1 to create it)",
            expected_path.display()
        )
    })?;
    if expected == stderr {
        Ok(())
    } else {
        let diff = similar::TextDiff::from_lines(&expected, &stderr)
            .unified_diff()
            .header("expected", "actual")
            .to_string();
        Err(format!(
            "the diagnostic differs from {}:\n{diff}",
            expected_path.display()
        )
        .into())
    }
}

/// Fails when `stderr` quotes a secret value of the profile at `path`: the value of a
/// `password`, `secure_key`, `totp_secret`, `code` or `code_command` key (block or
/// flow style), or of a `vars:` entry — each literal piece around `${...}`.
fn check_no_secret(path: &Path, stderr: &str) -> Result<(), Failed> {
    // A fixture that is no regular file (`/dev/zero`) has nothing to quote.
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return Ok(());
    }
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let key = regex::Regex::new(
        r#"(?:password|secure_key|totp_secret|code|code_command)\s*:[ \t]*([^,}\n]*)"#,
    )
    .map_err(|e| e.to_string())?;
    let mut values: Vec<String> = key.captures_iter(&text).map(|c| c[1].to_string()).collect();
    let mut in_vars = false;
    for line in text.lines() {
        if !line.starts_with(' ') {
            in_vars = line.starts_with("vars:");
        } else if in_vars && let Some((_, value)) = line.split_once(':') {
            values.push(value.to_string());
        }
    }
    let env = regex::Regex::new(r"\$\{[^}]*\}?").map_err(|e| e.to_string())?;
    for value in &values {
        for piece in env.split(value.trim().trim_matches(['"', '\''])) {
            if piece.len() >= 4 && stderr.contains(piece) {
                return Err(format!("the diagnostic shows the secret `{piece}`:\n{stderr}").into());
            }
        }
    }
    Ok(())
}
