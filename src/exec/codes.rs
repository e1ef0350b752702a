//! Obtaining second-factor codes: from a TOTP secret, a static value, or a command.

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::Mutex;
use std::time::Duration;

use crate::otp::{now_unix, shift_last_digit};
use crate::profile::{AccountRole, CodeSource};

/// How long a `code_command` may run.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

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
    let child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .env("CONFORM_ACCOUNT", role.name())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(CodeError::Spawn)?;
    let output = tokio::time::timeout(COMMAND_TIMEOUT, child.wait_with_output())
        .await
        .map_err(|_| CodeError::Timeout(COMMAND_TIMEOUT))?
        .map_err(CodeError::Spawn)?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(CodeError::Failed {
            status: output.status.to_string(),
            stderr: stderr.lines().next().unwrap_or("").trim().to_string(),
        });
    }
    let code = String::from_utf8_lossy(&output.stdout).trim().to_string();
    if code.is_empty() {
        return Err(CodeError::Empty);
    }
    Ok(code)
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
