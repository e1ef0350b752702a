//! Turning a raw profile into resolved accounts: environment expanded, TOTP built.

use std::sync::Arc;

use indexmap::IndexMap;
use serde_saphyr::Spanned;

use super::env::{EnvSource, expand};
use super::model::{AccountSpec, ProfileSpec};
use super::redact::secret_ranges;
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::otp::TotpGenerator;

/// Which profile account a case uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccountRole {
    /// The account without two-factor authentication.
    Primary,
    /// The account with two-factor authentication.
    TwoFactor,
}

impl AccountRole {
    /// All roles, in profile order.
    pub const ALL: [AccountRole; 2] = [AccountRole::Primary, AccountRole::TwoFactor];

    /// The name used in profiles and specs.
    pub fn name(self) -> &'static str {
        match self {
            AccountRole::Primary => "primary",
            AccountRole::TwoFactor => "two_factor",
        }
    }

    /// Parses a profile/spec account name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.name() == name)
    }
}

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
}

impl Account {
    /// The value of a text field by its profile name, if the account has it.
    pub fn field(&self, name: &str) -> Option<&str> {
        match name {
            "username" => self.username.as_deref(),
            "email" => self.email.as_deref(),
            "password" => self.password.as_deref(),
            "secure_key" => self.secure_key.as_deref(),
            _ => None,
        }
    }

    /// The text fields templates may read.
    pub const FIELDS: [&'static str; 4] = ["username", "email", "password", "secure_key"];

    /// Values that must never be shown: password, key, TOTP secret, static code.
    pub fn secrets(&self) -> Vec<String> {
        let mut out: Vec<String> = [&self.password, &self.secure_key, &self.totp_secret]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        if let Some(CodeSource::Static(code)) = &self.code {
            out.push(code.clone());
        }
        out
    }
}

/// A resolved profile.
#[derive(Clone, Debug, Default)]
pub struct Profile {
    /// Display name of the file it came from.
    pub name: String,
    /// Accounts by role.
    pub accounts: IndexMap<AccountRole, Account>,
    /// Free values for `vars.*`.
    pub vars: IndexMap<String, String>,
}

impl Profile {
    /// The account of a role, if the profile has it.
    pub fn account(&self, role: AccountRole) -> Option<&Account> {
        self.accounts.get(&role)
    }

    /// Every secret of every account.
    pub fn secrets(&self) -> Vec<String> {
        self.accounts.values().flat_map(Account::secrets).collect()
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
    let mut accounts = IndexMap::new();
    for (role, spec) in [
        (AccountRole::Primary, raw.accounts.primary),
        (AccountRole::TwoFactor, raw.accounts.two_factor),
    ] {
        if let Some(spec) = spec {
            let account = resolve_account(role, spec, source, env, &mut errors);
            accounts.insert(role, account);
        }
    }
    let mut vars = IndexMap::new();
    for (name, value) in raw.vars {
        if let Some(v) = text(Some(value), source, env, &mut errors) {
            vars.insert(name, v);
        }
    }
    if errors.is_empty() {
        Ok(Profile {
            name: source.name.clone(),
            accounts,
            vars,
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
    role: AccountRole,
    spec: AccountSpec,
    source: &Arc<SourceFile>,
    env: &dyn EnvSource,
    errors: &mut Vec<Diagnostic>,
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
    let code = if let (Some(secret), Some(raw)) = (&totp_secret, &spec.totp_secret) {
        let algorithm = spec
            .totp_algorithm
            .as_ref()
            .map_or("SHA1", |a| a.value.as_str());
        let digits = spec.totp_digits.as_ref().map_or(6, |d| d.value);
        let period = spec.totp_period.as_ref().map_or(30, |p| p.value);
        match TotpGenerator::from_base32(secret, algorithm, digits, period) {
            Ok(g) => Some(CodeSource::Totp(g)),
            Err(e) => {
                errors.push(Diagnostic::error(
                    "TOTP secret",
                    source.span_of(&raw.referenced),
                    e.to_string(),
                ));
                None
            }
        }
    } else if spec.code.is_some() {
        non_empty(spec.code, "code", source, env, errors).map(CodeSource::Static)
    } else {
        non_empty(spec.code_command, "code_command", source, env, errors).map(CodeSource::Command)
    };
    Account {
        username: text(spec.username, source, env, errors),
        email: text(spec.email, source, env, errors),
        password: text(spec.password, source, env, errors),
        secure_key: text(spec.secure_key, source, env, errors),
        totp_secret,
        code,
    }
}
