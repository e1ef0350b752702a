//! The profile's accounts as the reference servers check them.
//!
//! Every account needs a username and a password, and a second factor the server can verify
//! by itself (a TOTP secret or a fixed code; a code command only works on the client side).

use std::sync::Arc;

use super::error::ReferenceError;
use super::faults::PasswordCheck;
use super::guards::UsedCodes;
use crate::otp::{TotpGenerator, now_unix};
use crate::profile::{Account, AccountName, CodeSource, Profile};

/// TOTP windows accepted either side of the current one.
pub(crate) const TOTP_SKEW: u64 = 1;

/// Windows either side the `accept_stale_codes` mutants accept (an hour of 30 s).
const STALE_SKEW: u64 = 120;

/// How the server checks an account's second-factor code.
#[derive(Clone, Debug)]
pub(crate) enum SecondFactor {
    /// RFC 6238 codes, one window of skew either side.
    Totp(TotpGenerator),
    /// One fixed code.
    Static(String),
}

impl SecondFactor {
    /// Whether `code` is valid now.
    pub(crate) fn accepts(&self, code: &str) -> bool {
        let code = code.trim();
        match self {
            SecondFactor::Totp(generator) => {
                generator.verify(code, now_unix(), TOTP_SKEW).is_some()
            }
            SecondFactor::Static(expected) => !code.is_empty() && code == expected,
        }
    }

    /// The TOTP window `code` is valid in now and the Unix second that window's code stops
    /// being accepted; `None` for a static code or an invalid one.
    fn totp_validity(&self, code: &str) -> Option<(u64, u64)> {
        let SecondFactor::Totp(generator) = self else {
            return None;
        };
        let window = generator.verify(code.trim(), now_unix(), TOTP_SKEW)?;
        let until = (window + TOTP_SKEW + 1).saturating_mul(generator.period());
        Some((window, until))
    }

    /// Whether `code` is valid within an hour either side: the check of the
    /// `accept_stale_codes` mutants.
    pub(crate) fn accepts_stale(&self, code: &str) -> bool {
        let code = code.trim();
        match self {
            SecondFactor::Totp(generator) => {
                generator.verify(code, now_unix(), STALE_SKEW).is_some()
            }
            SecondFactor::Static(expected) => !code.is_empty() && code == expected,
        }
    }

    /// Whether `code` starts like a valid code (its first `n` characters match): the
    /// check of the `code_prefix` mutants.
    pub(crate) fn accepts_prefix(&self, code: &str, n: usize) -> bool {
        let code = code.trim();
        let head = |s: &str| s.chars().take(n).collect::<String>();
        match self {
            SecondFactor::Totp(generator) => {
                let now = generator.window(now_unix());
                (now.saturating_sub(TOTP_SKEW)..=now + TOTP_SKEW)
                    .any(|w| head(&generator.code_at(w * generator.period())) == head(code))
            }
            SecondFactor::Static(expected) => !code.is_empty() && head(expected) == head(code),
        }
    }
}

/// One account the reference accepts logins for.
#[derive(Clone, Debug)]
pub(crate) struct RefAccount {
    /// The profile account it came from.
    pub(crate) role: AccountName,
    /// Login name.
    pub(crate) username: String,
    /// E-mail address, for APIs that log in by e-mail.
    pub(crate) email: Option<String>,
    /// Password.
    pub(crate) password: String,
    /// Long-term API key (cielo24's securekey).
    pub(crate) secure_key: Option<String>,
    /// The second factor, if the account has two-factor authentication.
    pub(crate) second_factor: Option<SecondFactor>,
}

impl RefAccount {
    fn from_profile(role: AccountName, account: &Account) -> Result<Self, ReferenceError> {
        let unusable = |reason: &str| ReferenceError::UnusableAccount {
            role: role.name(),
            reason: reason.to_string(),
        };
        let username = account
            .username
            .clone()
            .ok_or_else(|| unusable("it has no username"))?;
        let password = account
            .password
            .clone()
            .ok_or_else(|| unusable("it has no password"))?;
        let second_factor = match &account.code {
            None => None,
            Some(CodeSource::Totp(generator)) => Some(SecondFactor::Totp(generator.clone())),
            Some(CodeSource::Static(code)) => Some(SecondFactor::Static(code.clone())),
            Some(CodeSource::Command(_)) => {
                return Err(unusable(
                    "a code_command cannot verify codes; give totp_secret or code instead",
                ));
            }
        };
        Ok(Self {
            role,
            username,
            email: account.email.clone(),
            password,
            secure_key: account.secure_key.clone(),
            second_factor,
        })
    }
}

/// All accounts of a profile, checked for what the reference needs.
#[derive(Clone, Debug)]
pub(crate) struct Accounts {
    list: Vec<RefAccount>,
    /// How passwords are compared (a mutant may loosen it).
    password_check: PasswordCheck,
    /// TOTP codes already accepted, when a code may be used only once.
    used_codes: Option<Arc<UsedCodes>>,
}

impl Accounts {
    /// Takes every account of `profile`; fails on the first one the reference cannot serve.
    pub(crate) fn from_profile(profile: &Profile) -> Result<Self, ReferenceError> {
        let mut list: Vec<RefAccount> = Vec::new();
        for (role, account) in &profile.accounts {
            let account = RefAccount::from_profile(*role, account)?;
            if let Some(other) = list.iter().find(|a| a.username == account.username) {
                return Err(ReferenceError::DuplicateUsername {
                    username: account.username,
                    first: other.role.name(),
                    second: role.name(),
                });
            }
            list.push(account);
        }
        if list.is_empty() {
            return Err(ReferenceError::NoAccounts);
        }
        Ok(Self {
            list,
            password_check: PasswordCheck::Exact,
            used_codes: None,
        })
    }

    /// The same accounts, their passwords compared as `check` says.
    pub(crate) fn with_password_check(self, check: PasswordCheck) -> Self {
        Self {
            password_check: check,
            ..self
        }
    }

    /// The same accounts, a TOTP code accepted only once when `refuse_reuse` is set.
    pub(crate) fn with_totp_no_reuse(self, refuse_reuse: bool) -> Self {
        Self {
            used_codes: refuse_reuse.then(Arc::default),
            ..self
        }
    }

    /// Whether `code` is `account`'s second factor now: [`SecondFactor::accepts`], and,
    /// under the no-reuse guard, a TOTP code not accepted before (RFC 6238 §5.2). An
    /// accepted code is used up. Static codes have no validity to wait out and are not
    /// guarded.
    pub(crate) fn code_ok(&self, account: &RefAccount, code: &str) -> bool {
        let Some(factor) = &account.second_factor else {
            return false;
        };
        if !factor.accepts(code) {
            return false;
        }
        match (&self.used_codes, factor.totp_validity(code)) {
            (Some(used), Some((window, until))) => {
                used.first_use(&account.username, window, until, now_unix())
            }
            _ => true,
        }
    }

    /// Whether `given` is `account`'s password.
    pub(crate) fn password_ok(&self, account: &RefAccount, given: &str) -> bool {
        let stored = account.password.as_str();
        match self.password_check {
            PasswordCheck::Exact => given == stored,
            PasswordCheck::IgnoreCase => given.to_lowercase() == stored.to_lowercase(),
            PasswordCheck::Prefix(n) => given.chars().take(n).eq(stored.chars().take(n)),
        }
    }

    /// The account with this exact username.
    pub(crate) fn by_username(&self, username: &str) -> Option<&RefAccount> {
        self.list.iter().find(|a| a.username == username)
    }

    /// The account with this e-mail address (ASCII case ignored, as mail systems do).
    pub(crate) fn by_email(&self, email: &str) -> Option<&RefAccount> {
        self.list.iter().find(|a| {
            a.email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(email))
        })
    }

    /// Every account, in profile order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &RefAccount> {
        self.list.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::reference_profile;

    #[test]
    fn reference_profile_is_servable() {
        let accounts = Accounts::from_profile(&reference_profile()).unwrap();
        let alice = accounts.by_username("alice").unwrap();
        assert!(alice.second_factor.is_none());
        let bob = accounts.by_email("BOB@example.test").unwrap();
        assert_eq!(bob.username, "bob");
        let Some(SecondFactor::Totp(generator)) = &bob.second_factor else {
            panic!("bob has TOTP");
        };
        let factor = bob.second_factor.as_ref().unwrap();
        assert!(factor.accepts(&generator.current()));
        assert!(!factor.accepts(&generator.wrong_code(now_unix(), TOTP_SKEW)));
        assert!(!factor.accepts(""));
    }

    #[test]
    fn code_command_and_missing_fields_are_refused() {
        let mut profile = reference_profile();
        let bob = profile.accounts.get_mut(&AccountName::TWO_FACTOR).unwrap();
        bob.code = Some(CodeSource::Command("echo 123456".into()));
        let err = Accounts::from_profile(&profile).unwrap_err();
        assert!(err.to_string().contains("code_command"), "{err}");

        let mut profile = reference_profile();
        profile
            .accounts
            .get_mut(&AccountName::PRIMARY)
            .unwrap()
            .password = None;
        let err = Accounts::from_profile(&profile).unwrap_err();
        assert_eq!(
            err.to_string(),
            "account `primary` cannot be served by the reference server: it has no password"
        );

        let mut profile = reference_profile();
        profile
            .accounts
            .get_mut(&AccountName::TWO_FACTOR)
            .unwrap()
            .username = Some("alice".into());
        assert!(matches!(
            Accounts::from_profile(&profile),
            Err(ReferenceError::DuplicateUsername { .. })
        ));
        assert!(matches!(
            Accounts::from_profile(&Profile::default()),
            Err(ReferenceError::NoAccounts)
        ));
    }

    #[test]
    fn static_code_is_compared_exactly() {
        let factor = SecondFactor::Static("4321".into());
        assert!(factor.accepts("4321"));
        assert!(factor.accepts(" 4321\n"));
        assert!(!factor.accepts("1234"));
    }
}
