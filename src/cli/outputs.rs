//! Report files (`--junit`, `--report-json`): checked writable before the first request,
//! so a run never ends with its result lost to a typo in a path, and written at the end.
//! `-` is stdout.

use std::io::Write;
use std::path::Path;

/// Whether the path means stdout.
pub fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Creates (or truncates) each output file now (leave stdout out); the first that
/// cannot be written is an error naming its flag and file.
pub fn check_writable<'a>(
    outputs: impl IntoIterator<Item = (&'a str, Option<&'a Path>)>,
) -> Result<(), String> {
    for (flag, path) in outputs {
        let Some(path) = path else {
            continue;
        };
        if let Err(e) = std::fs::File::create(path) {
            return Err(format!("cannot write {flag} {}: {e}", path.display()));
        }
    }
    Ok(())
}

/// Writes a report to its file, or to stdout for `-`.
pub fn write_output(path: &Path, text: &str) -> Result<(), String> {
    if is_stdout(path) {
        let mut out = std::io::stdout().lock();
        return out
            .write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .map_err(|e| format!("cannot write to stdout: {e}"));
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Checks the `--junit` and `--report-json` paths (`-` is stdout) before anything is
/// sent or written.
pub fn check_report_paths(junit: Option<&Path>, report_json: Option<&Path>) -> Result<(), String> {
    check_writable([
        ("--junit", junit),
        ("--report-json", report_json.filter(|p| !is_stdout(p))),
    ])
}

/// Whether GitHub Actions output is wanted: `--github`, or `GITHUB_ACTIONS=true`.
pub fn github_wanted(flag: bool) -> bool {
    flag || std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true")
}
