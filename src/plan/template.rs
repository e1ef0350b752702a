//! Templates: strings with `{{ expression }}` parts.
//!
//! Parsing and validation only. `vars.*` are substituted at plan time; what remains
//! (accounts, captures, codes, random values) is rendered by the exec stage.

use std::fmt;

use crate::profile::AccountName;

/// One `{{ ... }}` expression, resolved to what it reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// A text field of an account (`account.password`, `accounts.primary.username`).
    Account {
        /// `None` is the case's own account.
        role: Option<AccountName>,
        /// The field name (`username`, `email`, `password`, `secure_key`).
        field: String,
    },
    /// A value captured by an earlier step.
    Capture(String),
    /// The current second-factor code of the case's account.
    Code,
    /// A code that is certainly not the current one.
    WrongCode,
    /// A code the account's TOTP secret gave ten minutes ago: real, but long expired.
    StaleCode,
    /// The code an earlier step of the case sent, sent again (a replay check); never a
    /// new use of a TOTP window.
    LastCode,
    /// A fresh random UUID v4.
    Uuid,
    /// `n` fresh random lowercase hex digits.
    RandomHex(usize),
    /// `n` fresh random letters and digits.
    RandomAlnum(usize),
    /// A `vars.*` value (only before planning substitutes it).
    Var(String),
    /// What the step's request carried under a name (`sent.password`): a query
    /// parameter, form field, JSON key or header. Known once the request is sent, so only
    /// its own expectations read it.
    Sent(String),
    /// A value of the response being checked, by JSONPath (`$.expires_in`); only
    /// expectations may read it. The path is known to compile.
    Response(String),
    /// A function applied to the value of another expression (`swapcase(account.password)`).
    /// What a function makes of a secret is as secret as its argument, whatever the
    /// function: the exec stage masks it.
    Call(Func, Box<Expr>),
}

/// A function of one value, written `NAME(VALUE)` in a template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    /// Upper and lower case swapped, to try a password that differs only in case.
    SwapCase,
}

impl Func {
    /// Every function, by name.
    pub const ALL: [Func; 1] = [Func::SwapCase];

    /// The name written in templates.
    pub fn name(self) -> &'static str {
        match self {
            Func::SwapCase => "swapcase",
        }
    }

    /// The function of a name.
    pub fn parse(name: &str) -> Option<Func> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Applies the function to a text value.
    pub fn apply(self, value: &str) -> String {
        match self {
            Func::SwapCase => swap_case(value),
        }
    }
}

impl Expr {
    /// Whether the expression yields a different value each time (random, codes).
    pub fn is_generated(&self) -> bool {
        match self {
            Expr::Code
            | Expr::WrongCode
            | Expr::StaleCode
            | Expr::LastCode
            | Expr::Uuid
            | Expr::RandomHex(_)
            | Expr::RandomAlnum(_) => true,
            Expr::Call(_, inner) => inner.is_generated(),
            Expr::Account { .. }
            | Expr::Capture(_)
            | Expr::Var(_)
            | Expr::Sent(_)
            | Expr::Response(_) => false,
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Account { role: None, field } => write!(f, "account.{field}"),
            Expr::Account {
                role: Some(r),
                field,
            } => write!(f, "accounts.{}.{field}", r.name()),
            Expr::Capture(name) => write!(f, "{name}"),
            Expr::Code => write!(f, "code"),
            Expr::WrongCode => write!(f, "wrong_code"),
            Expr::StaleCode => write!(f, "stale_code"),
            Expr::LastCode => write!(f, "last_code"),
            Expr::Uuid => write!(f, "uuid"),
            Expr::RandomHex(n) => write!(f, "random_hex({n})"),
            Expr::RandomAlnum(n) => write!(f, "random_alnum({n})"),
            Expr::Var(name) => write!(f, "vars.{name}"),
            Expr::Sent(name) => write!(f, "sent.{name}"),
            Expr::Response(path) => f.write_str(path),
            Expr::Call(func, inner) => write!(f, "{}({inner})", func.name()),
        }
    }
}

/// A piece of a template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    /// Literal text.
    Lit(String),
    /// An expression, with its source text (for diagnostics).
    Expr(Expr, String),
}

/// A parsed template.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Template {
    /// The pieces, in order.
    pub parts: Vec<Part>,
}

/// Why a template cannot be parsed; `at` is the expression text to point at.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// `{{` without `}}`.
    #[error("`{{{{` is not closed by `}}}}`")]
    Unclosed {
        /// The text from the opening braces.
        at: String,
    },
    /// An expression that is not one of the known forms.
    #[error("unknown expression `{expr}`: {why}")]
    Unknown {
        /// The expression text.
        expr: String,
        /// What was expected instead.
        why: String,
        /// A close known name, if any.
        suggestion: Option<String>,
    },
}

impl TemplateError {
    /// The source text the error is about.
    pub fn at(&self) -> &str {
        match self {
            TemplateError::Unclosed { at } => at,
            TemplateError::Unknown { expr, .. } => expr,
        }
    }
}

impl Template {
    /// A template of literal text only.
    pub fn literal(text: impl Into<String>) -> Self {
        Template {
            parts: vec![Part::Lit(text.into())],
        }
    }

    /// Parses `text`; `{{` never appears literally in our specs, so no escape exists.
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            if start > 0 {
                parts.push(Part::Lit(rest[..start].to_string()));
            }
            let after = &rest[start + 2..];
            let Some(end) = after.find("}}") else {
                return Err(TemplateError::Unclosed {
                    at: rest[start..].to_string(),
                });
            };
            let source = after[..end].trim();
            parts.push(Part::Expr(parse_expr(source)?, source.to_string()));
            rest = &after[end + 2..];
        }
        if !rest.is_empty() {
            parts.push(Part::Lit(rest.to_string()));
        }
        Ok(Template { parts })
    }

    /// The expressions of the template.
    pub fn exprs(&self) -> impl Iterator<Item = (&Expr, &str)> {
        self.parts.iter().filter_map(|p| match p {
            Part::Expr(e, src) => Some((e, src.as_str())),
            Part::Lit(_) => None,
        })
    }

    /// The single expression if the template is exactly one `{{ }}` and nothing else.
    pub fn sole_expr(&self) -> Option<&Expr> {
        match self.parts.as_slice() {
            [Part::Expr(e, _)] => Some(e),
            _ => None,
        }
    }

    /// The text if the template has no expressions.
    pub fn as_literal(&self) -> Option<String> {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Lit(s) => Some(s.as_str()),
                Part::Expr(..) => None,
            })
            .collect::<Option<String>>()
    }

    /// Replaces `vars.*` expressions by their values, merging adjacent literals.
    /// Returns the names of variables that have no value.
    pub fn substitute_vars(&mut self, lookup: impl Fn(&str) -> Option<String>) -> Vec<String> {
        let mut missing = Vec::new();
        let mut parts: Vec<Part> = Vec::with_capacity(self.parts.len());
        for part in self.parts.drain(..) {
            let part = match part {
                Part::Expr(Expr::Var(name), src) => match lookup(&name) {
                    Some(v) => Part::Lit(v),
                    None => {
                        missing.push(name.clone());
                        Part::Expr(Expr::Var(name), src)
                    }
                },
                other => other,
            };
            match (parts.last_mut(), part) {
                (Some(Part::Lit(prev)), Part::Lit(s)) => prev.push_str(&s),
                (_, part) => parts.push(part),
            }
        }
        self.parts = parts;
        missing
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.parts {
            match p {
                Part::Lit(s) => f.write_str(s)?,
                Part::Expr(_, src) => write!(f, "{{{{ {src} }}}}")?,
            }
        }
        Ok(())
    }
}

pub use crate::mask::swap_case;

fn parse_expr(src: &str) -> Result<Expr, TemplateError> {
    let unknown = |why: &str, suggestion: Option<String>| TemplateError::Unknown {
        expr: src.to_string(),
        why: why.to_string(),
        suggestion,
    };
    if src.starts_with('$') {
        return response_path(src);
    }
    if let Some((name, arg)) = src.strip_suffix(')').and_then(|s| s.split_once('(')) {
        if let Some(func) = Func::parse(name.trim()) {
            return match parse_expr(arg.trim())? {
                Expr::Var(_) | Expr::Call(..) | Expr::Response(_) => Err(unknown(
                    &format!(
                        "{} takes an account field, a capture or a code",
                        func.name()
                    ),
                    None,
                )),
                inner => Ok(Expr::Call(func, Box::new(inner))),
            };
        }
        let n: usize = arg
            .trim()
            .parse()
            .map_err(|_| unknown("the argument must be a whole number", None))?;
        if n == 0 || n > 4096 {
            return Err(unknown("the length must be between 1 and 4096", None));
        }
        return match name.trim() {
            "random_hex" => Ok(Expr::RandomHex(n)),
            "random_alnum" => Ok(Expr::RandomAlnum(n)),
            other => Err(unknown(
                "the functions are random_hex(N), random_alnum(N) and swapcase(VALUE)",
                crate::diagnostic::did_you_mean(other, ["random_hex", "random_alnum", "swapcase"]),
            )),
        };
    }
    let segments: Vec<&str> = src.split('.').collect();
    if segments.iter().any(|s| !is_ident(s)) {
        return Err(unknown(
            "expected a name such as account.username, vars.NAME, code or a captured value",
            None,
        ));
    }
    match segments.as_slice() {
        ["code"] => Ok(Expr::Code),
        ["wrong_code"] => Ok(Expr::WrongCode),
        ["stale_code"] => Ok(Expr::StaleCode),
        ["last_code"] => Ok(Expr::LastCode),
        ["uuid"] => Ok(Expr::Uuid),
        ["account", field] => account_field(None, field, src),
        ["accounts", role, field] => match AccountName::parse(role) {
            Some(role) => account_field(Some(role), field, src),
            None => Err(unknown(
                "account names use letters, digits, `_` and `-`, e.g. `accounts.primary.username`",
                None,
            )),
        },
        ["vars", name] => Ok(Expr::Var((*name).to_string())),
        ["sent", name] => Ok(Expr::Sent((*name).to_string())),
        [name] => Ok(Expr::Capture((*name).to_string())),
        [first, ..] => Err(unknown(
            "dotted names start with `account`, `accounts`, `vars` or `sent`",
            crate::diagnostic::did_you_mean(first, ["account", "accounts", "vars", "sent"]),
        )),
        [] => Err(unknown("the expression is empty", None)),
    }
}

/// `$…`: a JSONPath (RFC 9535) into the response being checked, compiled now so a
/// bad path is a plan-time error.
fn response_path(src: &str) -> Result<Expr, TemplateError> {
    match serde_json_path::JsonPath::parse(src) {
        Ok(_) => Ok(Expr::Response(src.to_string())),
        Err(e) => Err(TemplateError::Unknown {
            expr: src.to_string(),
            why: format!("`$…` is a JSONPath (RFC 9535) into the response: {e}"),
            suggestion: Some("write e.g. `{{ $.expires_in }}` or `{{ $.data.token }}`".into()),
        }),
    }
}

/// An account field: a known one, or a free one (`fields:`/`secret_fields:` of the
/// profile's account). A name one typo away from a known field is taken for that typo.
fn account_field(role: Option<AccountName>, field: &str, src: &str) -> Result<Expr, TemplateError> {
    let known = crate::profile::Account::FIELDS;
    if !known.contains(&field)
        && let Some(suggestion) = crate::diagnostic::did_you_mean(field, known)
    {
        return Err(TemplateError::Unknown {
            expr: src.to_string(),
            why: "account fields are username, email, password, secure_key and the free fields of the profile's account".into(),
            suggestion: Some(suggestion),
        });
    }
    Ok(Expr::Account {
        role,
        field: field.to_string(),
    })
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_parts() {
        let t = Template::parse("/login.{{ vars.format }}?u={{account.username}}").unwrap();
        assert_eq!(t.parts.len(), 4);
        assert_eq!(
            t.parts[3],
            Part::Expr(
                Expr::Account {
                    role: None,
                    field: "username".into()
                },
                "account.username".into()
            )
        );
        assert_eq!(
            t.to_string(),
            "/login.{{ vars.format }}?u={{ account.username }}"
        );
    }

    #[test]
    fn substitutes_vars_and_merges_literals() {
        let mut t = Template::parse("/a.{{ vars.f }}/b").unwrap();
        let missing = t.substitute_vars(|n| (n == "f").then(|| "json".to_string()));
        assert!(missing.is_empty());
        assert_eq!(t.as_literal().as_deref(), Some("/a.json/b"));
    }

    #[test]
    fn functions_and_errors() {
        assert_eq!(
            Template::parse("{{ random_hex(32) }}").unwrap().sole_expr(),
            Some(&Expr::RandomHex(32))
        );
        let err = Template::parse("{{ account.pasword }}").unwrap_err();
        assert!(matches!(
            &err,
            TemplateError::Unknown { suggestion: Some(s), .. } if s == "did you mean `password`?"
        ));
        assert!(matches!(
            Template::parse("x {{ code"),
            Err(TemplateError::Unclosed { .. })
        ));
        assert!(
            Template::parse("{{ accounts.third.username }}").is_ok(),
            "any account name"
        );
        assert!(Template::parse("{{ accounts.9x.username }}").is_err());
        assert!(
            Template::parse("{{ account.tenant }}").is_ok(),
            "a free field"
        );
    }

    #[test]
    fn response_paths_compile_at_parse_time() {
        let t = Template::parse("{{ $.expires_in }}s").unwrap();
        assert_eq!(
            t.parts[0],
            Part::Expr(Expr::Response("$.expires_in".into()), "$.expires_in".into())
        );
        assert_eq!(t.to_string(), "{{ $.expires_in }}s");
        let err = Template::parse("{{ $.a[ }}").unwrap_err();
        assert!(err.to_string().contains("JSONPath"), "{err}");
    }

    #[test]
    fn swapcase_wraps_one_value() {
        let t = Template::parse("{{ swapcase(account.password) }}").unwrap();
        let expr = t.sole_expr().unwrap();
        assert_eq!(expr.to_string(), "swapcase(account.password)");
        assert_eq!(
            expr,
            &Expr::Call(
                Func::SwapCase,
                Box::new(Expr::Account {
                    role: None,
                    field: "password".into()
                })
            )
        );
        assert!(Template::parse("{{ swapcase(vars.x) }}").is_err());
        assert!(Template::parse("{{ swapcase(swapcase(code)) }}").is_err());
        assert!(Template::parse("{{ swapcase($.a) }}").is_err());
        assert_eq!(swap_case("Tr0ub4dor&3-Ärger"), "tR0UB4DOR&3-äRGER");
    }
}
