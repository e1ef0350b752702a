//! Obtaining second-factor codes: from a TOTP secret, a static value, or a command.

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::Mutex;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};

use crate::otp::{now_unix, shift_last_digit};
use crate::profile::{AccountRole, CodeSource};

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

/// Remembers which TOTP window each account last used, so that with `fresh` codes a
/// window is never used twice (RFC 6238 §5.2 lets servers refuse a reused code).
#[derive(Debug, Default)]
pub struct CodeLedger {
    fresh: bool,
    used: Mutex<HashMap<AccountRole, u64>>,
}

impl CodeLedger {
    /// A ledger; `fresh` makes every TOTP code come from an unused window.
    pub fn new(fresh: bool) -> Self {
        Self {
            fresh,
            used: Mutex::new(HashMap::new()),
        }
    }

    /// The current code of an account.
    pub async fn current(
        &self,
        role: AccountRole,
        source: &CodeSource,
    ) -> Result<String, CodeError> {
        match source {
            CodeSource::Totp(g) => {
                if self.fresh {
                    loop {
                        let now = now_unix();
                        let window = g.window(now);
                        let wait = {
                            let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
                            if used.get(&role).is_some_and(|w| *w >= window) {
                                Some(g.period() - now % g.period())
                            } else {
                                used.insert(role, window);
                                None
                            }
                        };
                        match wait {
                            Some(s) => tokio::time::sleep(Duration::from_secs(s)).await,
                            None => return Ok(g.code_at(now)),
                        }
                    }
                }
                Ok(g.current())
            }
            CodeSource::Static(code) => Ok(code.clone()),
            CodeSource::Command(cmd) => run_command(cmd, role).await,
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
    pub async fn wrong(&self, role: AccountRole, source: &CodeSource) -> Result<String, CodeError> {
        match source {
            CodeSource::Totp(g) => Ok(g.wrong_code(now_unix(), 2)),
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

async fn run_command(cmd: &str, role: AccountRole) -> Result<String, CodeError> {
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
            ledger.current(AccountRole::TwoFactor, &ok).await.unwrap(),
            "123456"
        );
        assert_eq!(
            ledger.wrong(AccountRole::TwoFactor, &ok).await.unwrap(),
            "123457"
        );
        let who = CodeSource::Command("echo $CONFORM_ACCOUNT".into());
        assert_eq!(
            ledger.current(AccountRole::TwoFactor, &who).await.unwrap(),
            "two_factor"
        );
        let bad = CodeSource::Command("echo nope >&2; exit 3".into());
        let err = ledger
            .current(AccountRole::TwoFactor, &bad)
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "code_command exited with exit status: 3: nope"
        );
        let empty = CodeSource::Command("true".into());
        assert!(matches!(
            ledger.current(AccountRole::TwoFactor, &empty).await,
            Err(CodeError::Empty)
        ));
    }

    #[tokio::test]
    async fn endless_output_is_cut_off_and_the_command_killed() {
        let ledger = CodeLedger::new(false);
        for cmd in ["yes 123456", "yes oops >&2"] {
            let started = std::time::Instant::now();
            let err = ledger
                .current(AccountRole::TwoFactor, &CodeSource::Command(cmd.into()))
                .await
                .unwrap_err();
            assert!(matches!(err, CodeError::TooMuchOutput), "{cmd}: {err}");
            assert_eq!(err.to_string(), "code_command printed more than 4 KiB");
            assert!(started.elapsed() < Duration::from_secs(5), "{cmd}");
        }
        let at_limit = format!("printf '%0{COMMAND_OUTPUT_LIMIT}d'");
        let code = ledger
            .current(AccountRole::TwoFactor, &CodeSource::Command(at_limit))
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

    #[tokio::test]
    async fn static_codes() {
        let ledger = CodeLedger::new(false);
        let s = CodeSource::Static("1234".into());
        assert_eq!(
            ledger.current(AccountRole::TwoFactor, &s).await.unwrap(),
            "1234"
        );
        assert_eq!(
            ledger.wrong(AccountRole::TwoFactor, &s).await.unwrap(),
            "1235",
            "a near miss, to catch servers that compare a prefix"
        );
    }
}
