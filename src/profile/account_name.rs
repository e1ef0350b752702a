//! Account names: `primary`, `two_factor` (the names the five shipped specs use) or any
//! name a profile gives (`locked_user`, `tenant_b`). Names are interned, so an account
//! name is a small `Copy` value that compares in constant time and orders by its text.

use std::sync::{Mutex, OnceLock};

/// The name of a profile account, as cases and templates refer to it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct AccountName(u32);

fn names() -> &'static Mutex<Vec<&'static str>> {
    static NAMES: OnceLock<Mutex<Vec<&'static str>>> = OnceLock::new();
    // The two names the shipped specs use are always there, so they can be constants.
    NAMES.get_or_init(|| Mutex::new(vec!["primary", "two_factor"]))
}

impl AccountName {
    /// `primary`: the shipped specs' account without two-factor authentication.
    pub const PRIMARY: AccountName = AccountName(0);
    /// `two_factor`: the shipped specs' account with two-factor authentication.
    pub const TWO_FACTOR: AccountName = AccountName(1);

    /// The account called `name`, if it is a valid name: letters, digits, `_` and `-`,
    /// starting with a letter or `_`.
    pub fn parse(name: &str) -> Option<Self> {
        let mut chars = name.chars();
        let valid = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        valid.then(|| Self::intern(name))
    }

    fn intern(name: &str) -> Self {
        let mut names = names().lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = names.iter().position(|n| *n == name) {
            return AccountName(i as u32);
        }
        // A run knows a handful of account names; each is kept for the process's life.
        names.push(Box::leak(name.to_string().into_boxed_str()));
        AccountName((names.len() - 1) as u32)
    }

    /// The name as written in profiles and specs.
    pub fn name(self) -> &'static str {
        let names = names().lock().unwrap_or_else(|e| e.into_inner());
        names.get(self.0 as usize).copied().unwrap_or("?")
    }
}

impl std::fmt::Debug for AccountName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AccountName({})", self.name())
    }
}

impl std::fmt::Display for AccountName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl PartialOrd for AccountName {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for AccountName {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.name().cmp(other.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_intern_and_order_by_text() {
        assert_eq!(AccountName::parse("primary"), Some(AccountName::PRIMARY));
        assert_eq!(
            AccountName::parse("two_factor"),
            Some(AccountName::TWO_FACTOR)
        );
        let locked = AccountName::parse("locked_user").unwrap();
        assert_eq!(AccountName::parse("locked_user"), Some(locked));
        assert_eq!(locked.name(), "locked_user");
        assert!(locked < AccountName::PRIMARY);
        assert_eq!(AccountName::parse("9lives"), None);
        assert_eq!(AccountName::parse("a b"), None);
    }
}
