//! Turning a raw profile into resolved accounts: environment expanded, TOTP built.

use std::sync::Arc;

use indexmap::IndexMap;
use serde_saphyr::Spanned;

use super::account_name::AccountName;
use super::env::{EnvSource, expand};
use super::model::{AccountSpec, ProfileSpec};
use super::redact::secret_ranges;
use crate::diagnostic::{Diagnostic, SourceFile, did_you_mean};
use crate::otp::{RFC_MIN_SECRET_BITS, TotpConfigError, TotpGenerator};

/// How an account's second-factor code is obtained.
#[derive(Clone, Debug)]
pub enum CodeSource {
    /// Generated from an RFC 6238 secret.
    Totp(TotpGenerator),
    /// A fixed code.
    Static(String),
    /// The trimmed standard output of a shell command.
    Command(String),
}

/// A resolved account.
#[derive(Clone, Debug, Default)]
pub struct Account {
    /// Login name.
    pub username: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Password.
    pub password: Option<String>,
    /// Long-term API key.
    pub secure_key: Option<String>,
    /// The base32 TOTP secret as written (kept only to mask it).
    pub totp_secret: Option<String>,
    /// Where second-factor codes come from.
    pub code: Option<CodeSource>,
    /// Free fields, shown in reports.
    pub fields: IndexMap<String, String>,
    /// Free fields that are secrets.
    pub secret_fields: IndexMap<String, String>,
}

impl Account {
    /// The value of a text field by its name (a known field or a free one), if the
    /// account has it.
    pub fn field(&self, name: &str) -> Option<&str> {
        match name {
            "username" => self.username.as_deref(),
            "email" => self.email.as_deref(),
            "password" => self.password.as_deref(),
            "secure_key" => self.secure_key.as_deref(),
            other => self
                .fields
                .get(other)
                .or_else(|| self.secret_fields.get(other))
                .map(String::as_str),
        }
    }

    /// The fields every account may have; any other name reads a free field.
    pub const FIELDS: [&'static str; 4] = ["username", "email", "password", "secure_key"];

    /// Whether a field is a secret when nothing more is known of it (at plan time): every
    /// field but the names an account is known by. Free fields under `fields:` are
    /// public once the account is known ([`Account::holds_secret`]).
    pub fn is_secret_field(name: &str) -> bool {
        !matches!(name, "username" | "email")
    }

    /// Whether this account's field is a secret: `username`, `email` and the free
    /// `fields:` are not; the password, the key and `secret_fields:` are.
    pub fn holds_secret(&self, name: &str) -> bool {
        Self::is_secret_field(name) && !self.fields.contains_key(name)
    }

    /// Whether the account can give second-factor codes.
    pub fn has_codes(&self) -> bool {
        self.code.is_some()
    }

    /// Values that must never be shown: password, key, TOTP secret, static code, secret
    /// fields.
    pub fn secrets(&self) -> Vec<String> {
        let mut out: Vec<String> = [&self.password, &self.secure_key, &self.totp_secret]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        if let Some(CodeSource::Static(code)) = &self.code {
            out.push(code.clone());
        }
        out.extend(self.secret_fields.values().cloned());
        out
    }
}

/// A resolved profile.
#[derive(Clone, Debug, Default)]
pub struct Profile {
    /// Display name of the file it came from.
    pub name: String,
    /// Accounts by role.
    pub accounts: IndexMap<AccountName, Account>,
    /// Free values for `vars.*`.
    pub vars: IndexMap<String, String>,
    /// Names of the `vars` filled from the environment and not declared public: their
    /// values are secrets.
    pub secret_vars: Vec<String>,
    /// Problems that do not stop the profile being used (a TOTP secret shorter than
    /// RFC 4226 asks), one per account, in file order. None of them quotes a secret.
    pub warnings: Vec<Diagnostic>,
    /// Keys to verify JWT signatures with, by name (`keys:`).
    pub keys: IndexMap<String, super::keys::ProfileKey>,
}

impl Profile {
    /// The account of a role, if the profile has it.
    pub fn account(&self, role: AccountName) -> Option<&Account> {
        self.accounts.get(&role)
    }

    /// Every secret of every account, and the values of secret vars.
    pub fn secrets(&self) -> Vec<String> {
        let vars = self
            .secret_vars
            .iter()
            .filter_map(|name| self.vars.get(name).cloned());
        self.accounts
            .values()
            .flat_map(Account::secrets)
            .chain(vars)
            .chain(self.keys.values().filter_map(|k| k.secret.clone()))
            .collect()
    }
}

/// A profile's text as a source file whose diagnostics show its secret values as `***`.
pub fn masked_source(name: &str, text: String) -> Arc<SourceFile> {
    let masks = secret_ranges(&text);
    SourceFile::with_masks(name, text, masks)
}

/// Parses and resolves profile text; every problem of the file is reported at once.
/// Diagnostics quote the text with its secret values masked.
pub fn resolve_profile(
    source: &Arc<SourceFile>,
    env: &dyn EnvSource,
) -> Result<Profile, Vec<Diagnostic>> {
    let source = &masked_source(&source.name, source.text.clone());
    let raw: ProfileSpec = crate::spec::parse_yaml(source, "profile").map_err(|d| vec![d])?;
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut accounts = IndexMap::new();
    for (name, spec) in raw.accounts {
        let Some(role) = AccountName::parse(&name) else {
            errors.push(account_name_error(source, &name));
            continue;
        };
        let account = resolve_account(role, spec, source, env, &mut errors, &mut warnings);
        accounts.insert(role, account);
    }
    let mut vars = IndexMap::new();
    let mut secret_vars = Vec::new();
    for name in &raw.public_vars {
        if !raw.vars.contains_key(&name.value) {
            let d = Diagnostic::error(
                "public var",
                source.span_of(&name.referenced),
                format!("`{}` is not one of the profile's vars", name.value),
            );
            errors.push(
                match did_you_mean(&name.value, raw.vars.keys().map(String::as_str)) {
                    Some(help) => d.with_help(help),
                    None => d,
                },
            );
        }
    }
    for (name, value) in raw.vars {
        let from_env = value.value.contains("${");
        if let Some(v) = text(Some(value), source, env, &mut errors) {
            if from_env && !raw.public_vars.iter().any(|p| p.value == name) {
                secret_vars.push(name.clone());
            }
            vars.insert(name, v);
        }
    }
    let keys = super::keys::resolve_keys(raw.keys, source, env, &mut errors);
    if errors.is_empty() {
        Ok(Profile {
            name: source.name.clone(),
            accounts,
            vars,
            secret_vars,
            warnings,
            keys,
        })
    } else {
        Err(errors)
    }
}

fn text(
    value: Option<Spanned<String>>,
    source: &Arc<SourceFile>,
    env: &dyn EnvSource,
    errors: &mut Vec<Diagnostic>,
) -> Option<String> {
    let value = value?;
    let span = source.span_of(&value.referenced);
    match expand(&value.value, &span, env) {
        Ok(v) => Some(v),
        Err(d) => {
            errors.push(d);
            None
        }
    }
}

/// Like [`text`], refusing a value that is empty (or blank) once expanded: an empty
/// `code` or `code_command` yields no code, which only the run would notice.
fn non_empty(
    value: Option<Spanned<String>>,
    key: &str,
    source: &Arc<SourceFile>,
    env: &dyn EnvSource,
    errors: &mut Vec<Diagnostic>,
) -> Option<String> {
    let span = value.as_ref().map(|v| source.span_of(&v.referenced))?;
    let written_empty = value.as_ref().is_some_and(|v| v.value.trim().is_empty());
    let text = text(value, source, env, errors)?;
    if !text.trim().is_empty() {
        return Some(text);
    }
    let label = if written_empty {
        format!("`{key}` is empty")
    } else {
        format!("`{key}` is empty once its environment variables are expanded")
    };
    errors.push(
        Diagnostic::error("second factor", span, label)
            .with_help(format!("give `{key}` a value, or remove it")),
    );
    None
}

fn resolve_account(
    role: AccountName,
    spec: AccountSpec,
    source: &Arc<SourceFile>,
    env: &dyn EnvSource,
    errors: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) -> Account {
    let sources = [
        spec.totp_secret.is_some(),
        spec.code.is_some(),
        spec.code_command.is_some(),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    if sources > 1 {
        let at = spec
            .code
            .as_ref()
            .or(spec.code_command.as_ref())
            .or(spec.totp_secret.as_ref())
            .map(|s| source.span_of(&s.referenced));
        let d = Diagnostic {
            severity: crate::diagnostic::Severity::Error,
            title: "second factor".into(),
            span: at,
            label: format!(
                "account `{}` gives more than one of totp_secret, code and code_command",
                role.name()
            ),
            help: Some("keep exactly one way to obtain codes".into()),
        };
        errors.push(d);
    }
    let totp_secret = text(spec.totp_secret.clone(), source, env, errors);
    let code = if let Some(secret) = &totp_secret {
        totp_source(role, &spec, secret, source, errors, warnings)
    } else if spec.code.is_some() {
        non_empty(spec.code, "code", source, env, errors).map(CodeSource::Static)
    } else {
        non_empty(spec.code_command, "code_command", source, env, errors).map(CodeSource::Command)
    };
    let mut free = |map: IndexMap<String, Spanned<String>>| -> IndexMap<String, String> {
        map.into_iter()
            .filter_map(|(k, v)| text(Some(v), source, env, errors).map(|v| (k, v)))
            .collect()
    };
    let fields = free(spec.fields);
    let secret_fields = free(spec.secret_fields);
    Account {
        username: text(spec.username, source, env, errors),
        email: text(spec.email, source, env, errors),
        password: text(spec.password, source, env, errors),
        secure_key: text(spec.secure_key, source, env, errors),
        totp_secret,
        code,
        fields,
        secret_fields,
    }
}

/// An account named with characters a template cannot read.
fn account_name_error(source: &Arc<SourceFile>, name: &str) -> Diagnostic {
    let label = format!("`{name}` is not an account name");
    let help = "account names use letters, digits, `_` and `-`, and start with a letter or `_`, e.g. `primary` or `locked_user`";
    let at = source
        .text
        .find(&format!("{name}:"))
        .map(|i| source.span(i, name.len()));
    match at {
        Some(span) => Diagnostic::error("account", span, label),
        None => Diagnostic::plain("account", label),
    }
    .with_help(help)
}

/// Builds the TOTP generator of an account whose `totp_secret` expanded to `secret`.
/// A bad parameter is an error at its own key; a secret under RFC 4226's 128 bits is
/// used, with a warning that gives its length, never its value.
fn totp_source(
    role: AccountName,
    spec: &AccountSpec,
    secret: &str,
    source: &Arc<SourceFile>,
    errors: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) -> Option<CodeSource> {
    let raw_secret = spec.totp_secret.as_ref()?;
    let algorithm = spec
        .totp_algorithm
        .as_ref()
        .map_or("SHA1", |a| a.value.as_str());
    let digits = spec.totp_digits.as_ref().map_or(6, |d| d.value);
    let period = spec.totp_period.as_ref().map_or(30, |p| p.value);
    let secret_span = source.span_of(&raw_secret.referenced);
    match TotpGenerator::from_base32(secret, algorithm, digits, period) {
        Ok(g) => {
            if g.secret_bits() < RFC_MIN_SECRET_BITS {
                let label = format!(
                    "account `{}`: the secret is {} bits; RFC 4226 asks for at least {RFC_MIN_SECRET_BITS}",
                    role.name(),
                    g.secret_bits()
                );
                warnings.push(Diagnostic::error("TOTP secret", secret_span, label).warning());
            }
            Some(CodeSource::Totp(g))
        }
        Err(e) => {
            let at = |field: Option<&serde_saphyr::Location>| field.map(|f| source.span_of(f));
            let (title, span) = match &e {
                TotpConfigError::UnknownAlgorithm(_) => (
                    "TOTP algorithm",
                    at(spec.totp_algorithm.as_ref().map(|f| &f.referenced)),
                ),
                TotpConfigError::DigitsOutOfRange(_) => (
                    "TOTP digits",
                    at(spec.totp_digits.as_ref().map(|f| &f.referenced)),
                ),
                TotpConfigError::PeriodOutOfRange(_) => (
                    "TOTP period",
                    at(spec.totp_period.as_ref().map(|f| &f.referenced)),
                ),
                TotpConfigError::NotBase32 | TotpConfigError::EmptySecret => ("TOTP secret", None),
            };
            let span = span.unwrap_or(secret_span);
            errors.push(Diagnostic::error(title, span, e.to_string()));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn resolve(text: &str) -> Result<Profile, Vec<Diagnostic>> {
        resolve_profile(&SourceFile::new("p.yaml", text), &HashMap::new())
    }

    #[test]
    fn a_short_secret_is_used_with_a_warning_that_hides_it() {
        let profile = resolve(
            "accounts:\n  primary:\n    totp_secret: JBSWY3DPEHPK3PXP\n  two_factor:\n    username: bob\n    totp_secret: \"jbsw y3dp ehpk 3pxp\"\n",
        )
        .unwrap();
        let Some(CodeSource::Totp(g)) = &profile.accounts[&AccountName::TWO_FACTOR].code else {
            panic!("a TOTP account");
        };
        assert_eq!(
            g.code_at(59),
            "996554",
            "RFC 4226 code of the 80-bit secret"
        );
        let lines: Vec<String> = profile.warnings.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "p.yaml:3:18: TOTP secret: account `primary`: the secret is 80 bits; RFC 4226 asks for at least 128",
                "p.yaml:6:18: TOTP secret: account `two_factor`: the secret is 80 bits; RFC 4226 asks for at least 128",
            ]
        );
        assert!(
            profile
                .warnings
                .iter()
                .all(|w| w.severity == crate::diagnostic::Severity::Warning)
        );
        let full = resolve(
            "accounts:\n  two_factor:\n    totp_secret: JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\n",
        )
        .unwrap();
        assert!(full.warnings.is_empty(), "160 bits: {:?}", full.warnings);
    }

    #[test]
    fn totp_parameters_out_of_bounds_are_errors_at_their_key() {
        let errors = |extra: &str| {
            resolve(&format!(
                "accounts:\n  two_factor:\n    {extra}\n    totp_secret: JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\n"
            ))
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
        };
        assert_eq!(
            errors("totp_period: 18446744073709551615"),
            [
                "p.yaml:3:18: TOTP period: the TOTP period must be 1 to 3600 seconds, not 18446744073709551615"
            ]
        );
        assert_eq!(
            errors("totp_period: 0"),
            ["p.yaml:3:18: TOTP period: the TOTP period must be 1 to 3600 seconds, not 0"]
        );
        assert_eq!(
            errors("totp_digits: 5"),
            ["p.yaml:3:18: TOTP digits: a TOTP code has 6 to 9 digits, not 5"]
        );
        assert_eq!(
            errors("totp_algorithm: SHA3"),
            [
                "p.yaml:3:21: TOTP algorithm: unknown TOTP algorithm `SHA3`, expected SHA1, SHA256 or SHA512"
            ]
        );
        assert!(resolve(
            "accounts:\n  two_factor:\n    totp_secret: JBSWY3DPEHPK3PXP\n    totp_digits: 9\n    totp_period: 3600\n    totp_algorithm: sha512\n"
        )
        .is_ok());
    }

    #[test]
    fn an_empty_secret_is_an_error() {
        let errs = resolve("accounts:\n  two_factor:\n    totp_secret: \"\"\n").unwrap_err();
        assert_eq!(
            errs[0].to_string(),
            "p.yaml:3:18: TOTP secret: the TOTP secret is empty"
        );
    }
}
