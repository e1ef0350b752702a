//! The raw profile: exactly the YAML of a profile file.

use indexmap::IndexMap;
use serde::Deserialize;
use serde_saphyr::Spanned;

/// A profile file: what one target needs, kept out of specs.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileSpec {
    /// The accounts specs log in with.
    #[serde(default)]
    pub accounts: AccountsSpec,
    /// Free values specs read as `vars.*` (path prefixes, field names, ...). A value
    /// filled from the environment is a secret (masked in all output) unless its name is
    /// listed in `public_vars`.
    #[serde(default)]
    pub vars: IndexMap<String, Spanned<String>>,
    /// Names of `vars` that may be shown even when filled from the environment.
    #[serde(default)]
    pub public_vars: Vec<Spanned<String>>,
}

/// The accounts of a profile.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountsSpec {
    /// An account without two-factor authentication.
    pub primary: Option<AccountSpec>,
    /// An account with two-factor authentication.
    pub two_factor: Option<AccountSpec>,
}

/// One account. Any value may be `${ENV_VAR}` (or `${ENV_VAR:-default}`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountSpec {
    /// Login name.
    pub username: Option<Spanned<String>>,
    /// E-mail address.
    pub email: Option<Spanned<String>>,
    /// Password (secret).
    pub password: Option<Spanned<String>>,
    /// Long-term API key (secret), e.g. cielo24's securekey.
    pub secure_key: Option<Spanned<String>>,
    /// Base32 RFC 6238 secret (secret).
    pub totp_secret: Option<Spanned<String>>,
    /// TOTP hash: `SHA1` (default), `SHA256` or `SHA512`.
    pub totp_algorithm: Option<Spanned<String>>,
    /// TOTP digits, 6 (default) to 9.
    pub totp_digits: Option<Spanned<u8>>,
    /// TOTP period in seconds, 1 to 3600 (default 30).
    pub totp_period: Option<Spanned<u64>>,
    /// A fixed second-factor code (secret).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub code: Option<Spanned<String>>,
    /// A shell command whose standard output is the current code (run only when needed).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub code_command: Option<Spanned<String>>,
}

/// Reads a key that is present but has no value (`code:`) as an empty string at its
/// place, so resolving refuses it instead of treating the account as having no code.
fn null_as_empty<'de, D>(deserializer: D) -> Result<Option<Spanned<String>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let value = Spanned::<Option<String>>::deserialize(deserializer)?;
    Ok(Some(Spanned::new(
        value.value.unwrap_or_default(),
        value.referenced,
        value.defined,
    )))
}
