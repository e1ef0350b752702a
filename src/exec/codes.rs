//! Obtaining second-factor codes: from a TOTP secret, a static value, or a command.
//!
//! Part of `exec`; never prints: waits for a fresh window are reported as [`CodeNotice`]s.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::mpsc::UnboundedSender;

use crate::otp::{Clock, SystemClock, TotpGenerator, WindowStore, now_unix, shift_last_digit};
use crate::profile::{AccountName, CodeSource};

/// How long a `code_command` may run.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// The most a `code_command` may print on standard output, and on standard error: a
/// code is a few characters, so more means the command is not printing a code.
pub const COMMAND_OUTPUT_LIMIT: usize = 4 * 1024;

/// Why a code could not be obtained.
#[derive(Debug, thiserror::Error)]
pub enum CodeError {
    /// `stale_code` asked of an account whose codes do not come from a TOTP secret.
    #[error("stale_code needs a totp_secret: old codes of other sources cannot be made")]
    NotTotp,
    /// The command could not be started.
    #[error("code_command could not start: {0}")]
    Spawn(std::io::Error),
    /// The command ran too long.
    #[error("code_command did not finish within {0:?}")]
    Timeout(Duration),
    /// The command failed.
    #[error("code_command exited with {status}: {stderr}")]
    Failed {
        /// Exit status.
        status: String,
        /// First line of its standard error.
        stderr: String,
    },
    /// The command printed more than [`COMMAND_OUTPUT_LIMIT`] bytes (it was killed).
    #[error("code_command printed more than {} KiB", COMMAND_OUTPUT_LIMIT / 1024)]
    TooMuchOutput,
    /// The command printed nothing.
    #[error("code_command printed no code")]
    Empty,
}

/// Something the ledger has to tell the user; the runner hands these to its sink as they
/// happen (the ledger itself never prints).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodeNotice {
    /// With fresh codes, the account's current window was already used (by this run or
    /// an earlier one): the ledger waits `seconds` for the next.
    Wait {
        /// The account's name in the profile.
        account: String,
        /// How long the wait is.
        seconds: u64,
    },
    /// The state file cannot be used: windows are remembered for this run only.
    StateUnusable {
        /// Which file or directory failed, and how.
        error: String,
    },
    /// The state file held something else; it was replaced.
    StateDiscarded {
        /// The state file.
        path: PathBuf,
        /// What was wrong with it.
        reason: String,
    },
}

/// Remembers which TOTP window each account last used, so that with `fresh` codes a
/// window is never used twice (RFC 6238 §5.2 lets servers refuse a reused code) — within
/// a run, and across runs when given a [`WindowStore`].
#[derive(Debug)]
pub struct CodeLedger {
    fresh: bool,
    clock: Arc<dyn Clock>,
    store: Option<WindowStore>,
    /// Set after the store failed once, so the warning is given once.
    store_failed: AtomicBool,
    notices: Option<UnboundedSender<CodeNotice>>,
    /// Account name → Unix time the last window it used ends.
    used: Mutex<HashMap<String, u64>>,
}

impl Default for CodeLedger {
    fn default() -> Self {
        Self::new(false)
    }
}

impl CodeLedger {
    /// A ledger on the system clock, remembering windows in memory; `fresh` makes every
    /// TOTP code come from an unused window.
    pub fn new(fresh: bool) -> Self {
        Self {
            fresh,
            clock: Arc::new(SystemClock),
            store: None,
            store_failed: AtomicBool::new(false),
            notices: None,
            used: Mutex::new(HashMap::new()),
        }
    }

    /// Also records used windows in `store`, shared with other runs (only with `fresh`).
    pub fn with_store(mut self, store: WindowStore) -> Self {
        self.store = Some(store);
        self
    }

    /// Reads the time from `clock` and waits on it.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Sends waits and state-file problems to `notices` as they happen.
    pub fn with_notices(mut self, notices: UnboundedSender<CodeNotice>) -> Self {
        self.notices = Some(notices);
        self
    }

    /// The current code of an account.
    pub async fn current(
        &self,
        role: AccountName,
        source: &CodeSource,
    ) -> Result<String, CodeError> {
        match source {
            CodeSource::Totp(g) if self.fresh => Ok(self.fresh_totp(role.name(), g).await),
            CodeSource::Totp(g) => Ok(g.code_at(self.clock.now_unix())),
            CodeSource::Static(code) => Ok(code.clone()),
            CodeSource::Command(cmd) => run_command(cmd, role).await,
        }
    }

    /// A code from a window no run has used for this account, waiting for one if needed.
    async fn fresh_totp(&self, account: &str, g: &TotpGenerator) -> String {
        loop {
            let now = self.clock.now_unix();
            let window_end = (g.window(now) + 1).saturating_mul(g.period());
            let Some(until) = self.claim(account, now, window_end) else {
                return g.code_at(now);
            };
            let seconds = until.saturating_sub(now).max(1);
            self.notify(CodeNotice::Wait {
                account: account.to_string(),
                seconds,
            });
            self.clock.sleep(Duration::from_secs(seconds)).await;
        }
    }

    /// Records the window ending at `window_end` as used by `account`, or returns when
    /// the window it last used (in this run or, through the store, another) ends.
    fn claim(&self, account: &str, now: u64, window_end: u64) -> Option<u64> {
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(until) = used.get(account).filter(|until| **until > now) {
            return Some(*until);
        }
        let store = self
            .store
            .as_ref()
            .filter(|_| !self.store_failed.load(Ordering::Relaxed));
        if let Some(store) = store {
            match store.claim(account, now, window_end) {
                Ok(claim) => {
                    if let Some(reason) = claim.discarded {
                        self.notify(CodeNotice::StateDiscarded {
                            path: store.path(),
                            reason,
                        });
                    }
                    if claim.busy_until.is_some() {
                        return claim.busy_until;
                    }
                }
                Err(e) => {
                    self.store_failed.store(true, Ordering::Relaxed);
                    self.notify(CodeNotice::StateUnusable {
                        error: e.to_string(),
                    });
                }
            }
        }
        used.insert(account.to_string(), window_end);
        None
    }

    fn notify(&self, notice: CodeNotice) {
        if let Some(tx) = &self.notices {
            // The receiver is gone only when the run is over; nobody is left to tell.
            let _ = tx.send(notice);
        }
    }

    /// A code the account's TOTP secret gave ten minutes ago, valid in no nearby window.
    ///
    /// # Errors
    ///
    /// [`CodeError::NotTotp`] for static and command codes (planning skips such cases).
    pub fn stale(source: &CodeSource) -> Result<String, CodeError> {
        match source {
            CodeSource::Totp(g) => Ok(g.stale_code(now_unix(), STALE_WINDOWS, 2)),
            CodeSource::Static(_) | CodeSource::Command(_) => Err(CodeError::NotTotp),
        }
    }

    /// A code that is certainly not the account's current one.
    pub async fn wrong(&self, role: AccountName, source: &CodeSource) -> Result<String, CodeError> {
        match source {
            CodeSource::Totp(g) => Ok(g.wrong_code(self.clock.now_unix(), 2)),
            CodeSource::Static(code) => Ok(different(code)),
            CodeSource::Command(cmd) => run_command(cmd, role).await.map(|c| different(&c)),
        }
    }
}

/// How many windows back `stale_code` reaches (10 minutes of 30-second windows).
const STALE_WINDOWS: u64 = 20;

fn different(code: &str) -> String {
    if code.chars().any(|c| c.is_ascii_digit()) {
        shift_last_digit(code)
    } else {
        format!("{code}x")
    }
}

async fn run_command(cmd: &str, role: AccountName) -> Result<String, CodeError> {
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .env("CONFORM_ACCOUNT", role.name())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(CodeError::Spawn)?;
    // Dropping `child` on any early return kills the command (`kill_on_drop`).
    let (stdout, stderr) = match (child.stdout.take(), child.stderr.take()) {
        (Some(out), Some(err)) => (out, err),
        _ => {
            return Err(CodeError::Spawn(std::io::Error::other(
                "no pipes to the command",
            )));
        }
    };
    let finished = async {
        let (out, err) = tokio::try_join!(read_bounded(stdout), read_bounded(stderr))?;
        let status = child.wait().await.map_err(CodeError::Spawn)?;
        Ok::<_, CodeError>((status, out, err))
    };
    let (status, stdout, stderr) = tokio::time::timeout(COMMAND_TIMEOUT, finished)
        .await
        .map_err(|_| CodeError::Timeout(COMMAND_TIMEOUT))??;
    if !status.success() {
        let stderr = String::from_utf8_lossy(&stderr);
        return Err(CodeError::Failed {
            status: status.to_string(),
            stderr: stderr.lines().next().unwrap_or("").trim().to_string(),
        });
    }
    let code = String::from_utf8_lossy(&stdout).trim().to_string();
    if code.is_empty() {
        return Err(CodeError::Empty);
    }
    Ok(code)
}

/// Reads a pipe to its end, failing as soon as it holds more than
/// [`COMMAND_OUTPUT_LIMIT`] bytes.
async fn read_bounded(pipe: impl AsyncRead + Unpin) -> Result<Vec<u8>, CodeError> {
    let mut out = Vec::new();
    // One byte past the limit tells "exactly the limit" from "more".
    let mut limited = pipe.take(COMMAND_OUTPUT_LIMIT as u64 + 1);
    limited
        .read_to_end(&mut out)
        .await
        .map_err(CodeError::Spawn)?;
    if out.len() > COMMAND_OUTPUT_LIMIT {
        return Err(CodeError::TooMuchOutput);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn command_codes() {
        let ledger = CodeLedger::new(false);
        let ok = CodeSource::Command("echo 123456".into());
        assert_eq!(
            ledger.current(AccountName::TWO_FACTOR, &ok).await.unwrap(),
            "123456"
        );
        assert_eq!(
            ledger.wrong(AccountName::TWO_FACTOR, &ok).await.unwrap(),
            "123457"
        );
        let who = CodeSource::Command("echo $CONFORM_ACCOUNT".into());
        assert_eq!(
            ledger.current(AccountName::TWO_FACTOR, &who).await.unwrap(),
            "two_factor"
        );
        let bad = CodeSource::Command("echo nope >&2; exit 3".into());
        let err = ledger
            .current(AccountName::TWO_FACTOR, &bad)
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "code_command exited with exit status: 3: nope"
        );
        let empty = CodeSource::Command("true".into());
        assert!(matches!(
            ledger.current(AccountName::TWO_FACTOR, &empty).await,
            Err(CodeError::Empty)
        ));
    }

    #[tokio::test]
    async fn endless_output_is_cut_off_and_the_command_killed() {
        let ledger = CodeLedger::new(false);
        for cmd in ["yes 123456", "yes oops >&2"] {
            let started = std::time::Instant::now();
            let err = ledger
                .current(AccountName::TWO_FACTOR, &CodeSource::Command(cmd.into()))
                .await
                .unwrap_err();
            assert!(matches!(err, CodeError::TooMuchOutput), "{cmd}: {err}");
            assert_eq!(err.to_string(), "code_command printed more than 4 KiB");
            assert!(started.elapsed() < Duration::from_secs(5), "{cmd}");
        }
        let at_limit = format!("printf '%0{COMMAND_OUTPUT_LIMIT}d'");
        let code = ledger
            .current(AccountName::TWO_FACTOR, &CodeSource::Command(at_limit))
            .await
            .unwrap();
        assert_eq!(
            code.len(),
            COMMAND_OUTPUT_LIMIT,
            "exactly the limit is fine"
        );
    }

    #[test]
    fn stale_codes_are_old_totp_codes_and_nothing_else() {
        let g = crate::otp::TotpGenerator::from_base32(
            "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
            "SHA1",
            6,
            30,
        )
        .unwrap();
        let stale = CodeLedger::stale(&CodeSource::Totp(g.clone())).unwrap();
        assert_eq!(stale.len(), 6);
        assert_eq!(g.verify(&stale, now_unix(), 2), None);
        assert!(matches!(
            CodeLedger::stale(&CodeSource::Static("1234".into())),
            Err(CodeError::NotTotp)
        ));
    }

    const SECRET: &str = "JBSWY3DPEHPK3PXP";

    fn totp() -> (TotpGenerator, CodeSource) {
        let g = TotpGenerator::from_base32(SECRET, "SHA1", 6, 30).unwrap();
        (g.clone(), CodeSource::Totp(g))
    }

    /// A fresh-codes ledger on a fake clock, with its notices.
    fn fresh_ledger(
        clock: &Arc<crate::otp::FakeClock>,
    ) -> (CodeLedger, tokio::sync::mpsc::UnboundedReceiver<CodeNotice>) {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let ledger = CodeLedger::new(true)
            .with_clock(Arc::clone(clock) as Arc<dyn Clock>)
            .with_notices(tx);
        (ledger, rx)
    }

    fn drain(rx: &mut tokio::sync::mpsc::UnboundedReceiver<CodeNotice>) -> Vec<CodeNotice> {
        std::iter::from_fn(|| rx.try_recv().ok()).collect()
    }

    fn wait(seconds: u64) -> CodeNotice {
        CodeNotice::Wait {
            account: "two_factor".into(),
            seconds,
        }
    }

    // 1_700_000_010 starts a 30-second window.
    const T: u64 = 1_700_000_013;

    #[tokio::test]
    async fn fresh_codes_wait_for_the_next_window_and_say_so() {
        let clock = Arc::new(crate::otp::FakeClock::at(T));
        let (ledger, mut rx) = fresh_ledger(&clock);
        let (g, source) = totp();
        let first = ledger
            .current(AccountName::TWO_FACTOR, &source)
            .await
            .unwrap();
        assert_eq!(first, g.code_at(T));
        assert_eq!(drain(&mut rx), vec![]);
        let second = ledger
            .current(AccountName::TWO_FACTOR, &source)
            .await
            .unwrap();
        assert_eq!(second, g.code_at(T + 27), "the next window's code");
        assert_eq!(clock.now_unix(), 1_700_000_040);
        assert_eq!(drain(&mut rx), vec![wait(27)]);
        let other = ledger.current(AccountName::PRIMARY, &source).await.unwrap();
        assert_eq!(
            other,
            g.code_at(1_700_000_040),
            "accounts do not wait for each other"
        );
        let plain = CodeLedger::new(false).with_clock(Arc::clone(&clock) as Arc<dyn Clock>);
        let a = plain
            .current(AccountName::TWO_FACTOR, &source)
            .await
            .unwrap();
        let b = plain
            .current(AccountName::TWO_FACTOR, &source)
            .await
            .unwrap();
        assert_eq!(a, b, "without fresh codes a window is reused");
    }

    #[tokio::test]
    async fn the_state_file_carries_windows_to_another_ledger() {
        let dir = tempfile::tempdir().unwrap();
        let target = url::Url::parse("https://bob:pw@login.example.com/api/4").unwrap();
        let clock = Arc::new(crate::otp::FakeClock::at(T));
        let (g, source) = totp();

        let (first, mut first_rx) = fresh_ledger(&clock);
        let first = first.with_store(WindowStore::new(dir.path(), &target));
        let code = first
            .current(AccountName::TWO_FACTOR, &source)
            .await
            .unwrap();
        assert_eq!(drain(&mut first_rx), vec![]);
        let bytes = std::fs::read(dir.path().join("totp-windows.json")).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.contains("\"two_factor\": 1700000040"), "{text}");
        for leak in [code.as_str(), SECRET, "login.example.com", "pw"] {
            assert!(!text.contains(leak), "{leak:?} in the state file: {text}");
        }

        clock.advance(5);
        // A second ledger stands for a second process: it shares only the directory.
        let (second, mut second_rx) = fresh_ledger(&clock);
        let second = second.with_store(WindowStore::new(dir.path(), &target));
        let next = second
            .current(AccountName::TWO_FACTOR, &source)
            .await
            .unwrap();
        assert_eq!(drain(&mut second_rx), vec![wait(22)]);
        assert_eq!(next, g.code_at(1_700_000_040));
        assert_ne!(next, code);

        let elsewhere = url::Url::parse("https://login.example.com/api/5").unwrap();
        let (third, mut third_rx) = fresh_ledger(&clock);
        let third = third.with_store(WindowStore::new(dir.path(), &elsewhere));
        third
            .current(AccountName::TWO_FACTOR, &source)
            .await
            .unwrap();
        assert_eq!(drain(&mut third_rx), vec![], "windows are kept per target");
    }

    #[tokio::test]
    async fn a_corrupt_or_unusable_state_file_is_only_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let target = url::Url::parse("https://login.example.com/").unwrap();
        let path = dir.path().join("totp-windows.json");
        std::fs::write(&path, "garbage").unwrap();
        let clock = Arc::new(crate::otp::FakeClock::at(T));
        let (_, source) = totp();
        let (ledger, mut rx) = fresh_ledger(&clock);
        let ledger = ledger.with_store(WindowStore::new(dir.path(), &target));
        ledger
            .current(AccountName::TWO_FACTOR, &source)
            .await
            .unwrap();
        let notices = drain(&mut rx);
        assert!(
            matches!(&notices[..], [CodeNotice::StateDiscarded { path: p, .. }] if *p == path),
            "{notices:?}"
        );

        let not_a_dir = dir.path().join("totp-windows.json");
        let (ledger, mut rx) = fresh_ledger(&clock);
        let ledger = ledger.with_store(WindowStore::new(&not_a_dir, &target));
        ledger
            .current(AccountName::TWO_FACTOR, &source)
            .await
            .unwrap();
        ledger.current(AccountName::PRIMARY, &source).await.unwrap();
        let notices = drain(&mut rx);
        assert!(
            matches!(&notices[..], [CodeNotice::StateUnusable { .. }]),
            "one warning, then memory only: {notices:?}"
        );
        ledger
            .current(AccountName::TWO_FACTOR, &source)
            .await
            .unwrap();
        assert_eq!(
            drain(&mut rx),
            vec![wait(27)],
            "memory still holds the window"
        );
    }

    #[tokio::test]
    async fn static_codes() {
        let ledger = CodeLedger::new(false);
        let s = CodeSource::Static("1234".into());
        assert_eq!(
            ledger.current(AccountName::TWO_FACTOR, &s).await.unwrap(),
            "1234"
        );
        assert_eq!(
            ledger.wrong(AccountName::TWO_FACTOR, &s).await.unwrap(),
            "1235",
            "a near miss, to catch servers that compare a prefix"
        );
    }
}
