//! The raw profile: exactly the YAML of a profile file.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::schema::{Text, TotpAlgorithm};

/// A conform profile: the accounts and values one target needs, kept out of specs. Any
/// text value may be `${ENV_VAR}` or `${ENV_VAR:-default}` (`$$` is a literal `$`).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "conform profile")]
pub struct ProfileSpec {
    /// The accounts specs log in with, by name. The five shipped specs use `primary` (no
    /// second factor) and `two_factor`; a spec may name any other (`locked_user`,
    /// `tenant_b`): a case needing an account the profile lacks is skipped with the reason.
    #[serde(default)]
    #[schemars(extend("propertyNames" = { "pattern": "^[A-Za-z_][A-Za-z0-9_-]*$" }))]
    pub accounts: IndexMap<String, AccountSpec>,
    /// Free values specs read as `{{ vars.NAME }}` (paths, field names, ...). A value filled
    /// from the environment is a secret, masked in all output, unless its name is listed
    /// in `public_vars`.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, Text>")]
    pub vars: IndexMap<String, Spanned<String>>,
    /// Names of `vars` that may be shown even when filled from the environment.
    #[serde(default)]
    #[schemars(with = "Vec<Text>")]
    pub public_vars: Vec<Spanned<String>>,
    /// Keys that `jwt: { signature: { key: NAME } }` verifies tokens with, by name.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, super::keys::KeySpec>")]
    pub keys: IndexMap<String, Spanned<super::keys::KeySpec>>,
}

/// One account. Any text value may be `${ENV_VAR}` (or `${ENV_VAR:-default}`). At most one
/// way to obtain second-factor codes: `totp_secret`, `code` or `code_command`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("not" = {
    "anyOf": [
        { "required": ["totp_secret", "code"] },
        { "required": ["totp_secret", "code_command"] },
        { "required": ["code", "code_command"] }
    ]
}))]
pub struct AccountSpec {
    /// Login name.
    #[schemars(with = "Option<Text>")]
    pub username: Option<Spanned<String>>,
    /// E-mail address.
    #[schemars(with = "Option<Text>")]
    pub email: Option<Spanned<String>>,
    /// Password (a secret, masked in all output).
    #[schemars(with = "Option<Text>")]
    pub password: Option<Spanned<String>>,
    /// Long-term API key, e.g. cielo24's securekey (a secret).
    #[schemars(with = "Option<Text>")]
    pub secure_key: Option<Spanned<String>>,
    /// Base32 RFC 6238 secret that codes are generated from (a secret); any length, with a
    /// warning below 128 bits.
    #[schemars(with = "Option<Text>")]
    pub totp_secret: Option<Spanned<String>>,
    /// TOTP hash: `SHA1` (default), `SHA256` or `SHA512`.
    #[schemars(with = "Option<TotpAlgorithm>")]
    pub totp_algorithm: Option<Spanned<String>>,
    /// TOTP digits, 6 (default) to 9.
    #[schemars(with = "Option<u8>", range(min = 6, max = 9))]
    pub totp_digits: Option<Spanned<u8>>,
    /// TOTP period in seconds, 1 to 3600 (default 30).
    #[schemars(with = "Option<u64>", range(min = 1, max = 3600))]
    pub totp_period: Option<Spanned<u64>>,
    /// A fixed second-factor code (a secret).
    #[serde(default, deserialize_with = "null_as_empty")]
    #[schemars(with = "Text", length(min = 1))]
    pub code: Option<Spanned<String>>,
    /// A shell command whose standard output is the current code; run through `sh -c`
    /// only when a case needs a code, with `CONFORM_ACCOUNT` set to the account name.
    #[serde(default, deserialize_with = "null_as_empty")]
    #[schemars(with = "Text", length(min = 1))]
    pub code_command: Option<Spanned<String>>,
    /// Free fields specs read as `{{ account.NAME }}` (a tenant, a role, a client id),
    /// shown in reports.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, Text>")]
    pub fields: IndexMap<String, Spanned<String>>,
    /// Free fields that are secrets (a PIN, a second password), masked in all output.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, Text>")]
    pub secret_fields: IndexMap<String, Spanned<String>>,
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
