//! The values a case's templates read: accounts, captures, and the codes and
//! random values generated for the current request.

use std::sync::Arc;

use indexmap::IndexMap;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use rand::Rng;
use serde_json::Value;

use crate::assert::Resolve;
use crate::plan::{Expr, Part, Template, swap_case};
use crate::profile::{AccountRole, Profile};

/// Characters escaped in values substituted into a path segment.
const PATH_SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'%');

/// Template values of one running case.
#[derive(Debug)]
pub struct Scope {
    profile: Arc<Profile>,
    account: Option<AccountRole>,
    captures: IndexMap<String, Value>,
    /// Secrets generated or captured during the case (to mask).
    pub secrets: Vec<String>,
    /// The code prepared for the current request.
    pub code: Option<String>,
    /// The wrong code prepared for the current request.
    pub wrong_code: Option<String>,
    /// The stale code prepared for the current step, if it asks for one.
    pub stale_code: Option<String>,
}

impl Scope {
    /// A fresh scope for a case.
    pub fn new(profile: Arc<Profile>, account: Option<AccountRole>) -> Self {
        Self {
            profile,
            account,
            captures: IndexMap::new(),
            secrets: Vec::new(),
            code: None,
            wrong_code: None,
            stale_code: None,
        }
    }

    /// The case's account role.
    pub fn account(&self) -> Option<AccountRole> {
        self.account
    }

    /// Stores a captured value; secret ones are remembered for masking.
    pub fn capture(&mut self, name: &str, value: Value, secret: bool) {
        if secret {
            match &value {
                Value::String(s) => self.secrets.push(s.clone()),
                Value::Null | Value::Bool(_) => {}
                other => self.secrets.push(other.to_string()),
            }
        }
        self.captures.insert(name.to_string(), value);
    }

    fn eval(&self, expr: &Expr) -> Result<Value, String> {
        match expr {
            Expr::Account { role, field } => {
                let role = role.or(self.account).ok_or("the case has no account")?;
                self.profile
                    .account(role)
                    .and_then(|a| a.field(field))
                    .map(|v| Value::String(v.to_string()))
                    .ok_or_else(|| format!("account `{}` has no `{field}`", role.name()))
            }
            Expr::Capture(name) => self
                .captures
                .get(name)
                .cloned()
                .ok_or_else(|| format!("`{name}` was not captured")),
            Expr::Code => self
                .code
                .clone()
                .map(Value::String)
                .ok_or_else(|| "no code was prepared".into()),
            Expr::WrongCode => self
                .wrong_code
                .clone()
                .map(Value::String)
                .ok_or_else(|| "no wrong code was prepared".into()),
            Expr::SwapCase(inner) => match self.eval(inner)? {
                Value::String(s) => Ok(Value::String(swap_case(&s))),
                other => Ok(other),
            },
            Expr::StaleCode => self
                .stale_code
                .clone()
                .map(Value::String)
                .ok_or_else(|| "no stale code was prepared".into()),
            Expr::Uuid => Ok(Value::String(uuid::Uuid::new_v4().to_string())),
            Expr::RandomHex(n) => Ok(Value::String(random_from(b"0123456789abcdef", *n))),
            Expr::RandomAlnum(n) => Ok(Value::String(random_from(
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                *n,
            ))),
            Expr::Var(name) => Err(format!("`vars.{name}` has no value")),
        }
    }

    /// Renders a template to a path, percent-encoding substituted values.
    pub fn render_path(&self, template: &Template) -> Result<String, String> {
        let mut out = String::new();
        for part in &template.parts {
            match part {
                Part::Lit(s) => out.push_str(s),
                Part::Expr(e, _) => {
                    let v = text_of(self.eval(e)?);
                    out.extend(utf8_percent_encode(&v, PATH_SEGMENT));
                }
            }
        }
        Ok(out)
    }
}

impl Resolve for Scope {
    fn value(&self, template: &Template) -> Result<Value, String> {
        if let Some(e) = template.sole_expr() {
            return self.eval(e);
        }
        let mut out = String::new();
        for part in &template.parts {
            match part {
                Part::Lit(s) => out.push_str(s),
                Part::Expr(e, _) => out.push_str(&text_of(self.eval(e)?)),
            }
        }
        Ok(Value::String(out))
    }
}

/// A value as text: strings as they are, anything else as JSON.
pub fn text_of(v: Value) -> String {
    match v {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

fn random_from(alphabet: &[u8], n: usize) -> String {
    let mut rng = rand::rng();
    (0..n)
        .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
        .collect()
}
