//! Runs of the real release binary: wall time end to end and peak resident memory.
//!
//! Peak RSS is read two independent ways. GNU time (`/usr/bin/time -f %M`) reports
//! the child's `ru_maxrss` from `wait4`, the kernel's own high-water mark over the
//! whole life of the process, so nothing between two samples is missed; it is used
//! when installed. Polling `/proc/<pid>/status` for `VmHWM` (also a kernel-kept
//! high-water mark) needs nothing installed, but the last value read can be up to
//! one poll interval old when the process exits, so it is a lower bound. Showing
//! both cross-checks them.

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

/// How often `/proc/<pid>/status` is read while a child runs.
const POLL_INTERVAL: Duration = Duration::from_millis(2);

/// The release binary: `$CONFORM_BIN`, else `conform` in the profile directory this
/// bench was built into (`target/release/deps/..`), else `target/release/conform`.
pub fn find_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CONFORM_BIN") {
        return Some(PathBuf::from(path));
    }
    let beside = std::env::current_exe().ok().and_then(|exe| {
        let profile_dir = exe.parent()?.parent()?.to_path_buf();
        Some(profile_dir.join("conform"))
    });
    let fallback = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/conform");
    beside.into_iter().chain([fallback]).find(|p| p.is_file())
}

/// A warning when a file under `src/` is newer than the binary (it may be stale).
pub fn staleness(binary: &Path) -> Option<String> {
    let built = modified(binary)?;
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let newest = newest_under(&src)?;
    (newest.1 > built).then(|| {
        format!(
            "warning: {} is newer than {}; run `cargo build --release` first",
            newest.0.display(),
            binary.display()
        )
    })
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn newest_under(dir: &Path) -> Option<(PathBuf, SystemTime)> {
    let mut newest: Option<(PathBuf, SystemTime)> = None;
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).ok()?.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if let Some(time) = modified(&path)
                && newest.as_ref().is_none_or(|(_, t)| time > *t)
            {
                newest = Some((path, time));
            }
        }
    }
    newest
}

/// Runs `program args` with output discarded and returns its wall time; a non-zero
/// exit is an error. The caller bounds the run (every `conform run` here gets
/// `--timeout`).
pub fn run_timed(program: &Path, args: &[&str]) -> io::Result<Duration> {
    let started = Instant::now();
    let status = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    let elapsed = started.elapsed();
    if !status.success() {
        return Err(io::Error::other(format!(
            "{} {} exited with {status}",
            program.display(),
            args.join(" ")
        )));
    }
    Ok(elapsed)
}

/// Median and minimum of `runs` timed runs (after one unmeasured warm-up run).
pub fn median_of(runs: usize, program: &Path, args: &[&str]) -> io::Result<(Duration, Duration)> {
    run_timed(program, args)?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        times.push(run_timed(program, args)?);
    }
    times.sort();
    Ok((times[times.len() / 2], times[0]))
}

/// Whether `/usr/bin/time` is GNU time (understands `-f %M -o FILE`).
pub fn gnu_time() -> Option<PathBuf> {
    let time = PathBuf::from("/usr/bin/time");
    let out = tempfile::NamedTempFile::new().ok()?;
    let status = Command::new(&time)
        .args(["-f", "%M", "-o"])
        .arg(out.path())
        .arg("true")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?;
    let text = std::fs::read_to_string(out.path()).ok()?;
    (status.success() && text.trim().parse::<u64>().is_ok()).then_some(time)
}

/// Peak RSS in KiB (`ru_maxrss` through GNU time) and wall time of one run.
pub fn peak_rss_wait4(time: &Path, program: &Path, args: &[&str]) -> io::Result<(u64, Duration)> {
    let out = tempfile::NamedTempFile::new()?;
    let mut full: Vec<&str> = vec!["-f", "%M", "-o"];
    let out_path = out.path().to_string_lossy().into_owned();
    full.push(&out_path);
    let program_text = program.to_string_lossy().into_owned();
    full.push(&program_text);
    full.extend_from_slice(args);
    let elapsed = run_timed(time, &full)?;
    let text = std::fs::read_to_string(out.path())?;
    // GNU time writes "Command exited with non-zero status" first on failure; the
    // number is the last line.
    let kib = text
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .ok_or_else(|| io::Error::other(format!("unexpected GNU time output: {text:?}")))?;
    Ok((kib, elapsed))
}

/// Peak RSS in KiB (the last `VmHWM` read while it ran) and wall time of one run;
/// killed after `limit`.
pub fn peak_rss_polled(
    program: &Path,
    args: &[&str],
    limit: Duration,
) -> io::Result<(u64, Duration)> {
    let started = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let status_file = PathBuf::from(format!("/proc/{}/status", child.id()));
    let mut peak = 0;
    let status = loop {
        if let Some(kib) = vm_hwm(&status_file) {
            peak = peak.max(kib);
        }
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > limit {
            child.kill()?;
            child.wait()?;
            return Err(io::Error::other(format!(
                "{} did not finish within {limit:?}",
                program.display()
            )));
        }
        std::thread::sleep(POLL_INTERVAL);
    };
    let elapsed = started.elapsed();
    if !status.success() {
        return Err(io::Error::other(format!(
            "{} exited with {status}",
            program.display()
        )));
    }
    Ok((peak, elapsed))
}

fn vm_hwm(status_file: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(status_file).ok()?;
    let line = text.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
