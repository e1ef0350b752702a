//! The values a case's templates read: accounts, captures, and the codes and
//! random values generated for the current request.

use std::sync::{Arc, Mutex};

use indexmap::IndexMap;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use rand::Rng;
use serde_json::Value;

use crate::assert::Resolve;
use crate::plan::{Expr, Part, Template};
use crate::profile::{AccountName, Profile};

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
///
/// Secrecy is a property of the values it yields: every value read from a secret source
/// (a password or key, a code, a secret capture) or computed from one — by any function,
/// including functions added later — is learnt as a secret the moment it is evaluated,
/// so the case masks it wherever it travels.
#[derive(Debug)]
pub struct Scope {
    profile: Arc<Profile>,
    account: Option<AccountName>,
    captures: IndexMap<String, Captured>,
    /// Secrets generated, captured, issued or derived during the case (to mask).
    learnt: Mutex<Vec<String>>,
    /// What the current step's request carried, by name (`{{ sent.NAME }}`).
    carried: Mutex<Vec<(String, String)>>,
    /// The code prepared for the current request.
    pub code: Option<String>,
    /// The wrong code prepared for the current request.
    pub wrong_code: Option<String>,
    /// The stale code prepared for the current step, if it asks for one.
    pub stale_code: Option<String>,
    /// The code the last step that sent `code` sent (for `last_code`).
    pub last_code: Option<String>,
}

/// A captured value and whether it is secret.
#[derive(Debug)]
struct Captured {
    value: Value,
    secret: bool,
}

impl Scope {
    /// A fresh scope for a case.
    pub fn new(profile: Arc<Profile>, account: Option<AccountName>) -> Self {
        Self {
            profile,
            account,
            captures: IndexMap::new(),
            learnt: Mutex::new(Vec::new()),
            carried: Mutex::new(Vec::new()),
            code: None,
            wrong_code: None,
            stale_code: None,
            last_code: None,
        }
    }

    /// The case's account role.
    pub fn account(&self) -> Option<AccountName> {
        self.account
    }

    /// Stores a captured value; secret ones are learnt for masking.
    pub fn capture(&mut self, name: &str, value: Value, secret: bool) {
        if secret {
            self.learn_value(&value);
        }
        self.captures
            .insert(name.to_string(), Captured { value, secret });
    }

    /// Learns a secret of the case (a code, an issued credential).
    pub fn learn(&self, secret: impl Into<String>) {
        let secret = secret.into();
        let mut learnt = self.learnt.lock().unwrap_or_else(|e| e.into_inner());
        if !learnt.contains(&secret) {
            learnt.push(secret);
        }
    }

    fn learn_value(&self, value: &Value) {
        match value {
            Value::String(s) => self.learn(s.clone()),
            Value::Null | Value::Bool(_) => {}
            other => self.learn(other.to_string()),
        }
    }

    /// Records what the step's request carried, by name.
    pub fn set_carried(&self, carried: Vec<(String, String)>) {
        *self.carried.lock().unwrap_or_else(|e| e.into_inner()) = carried;
    }

    /// The secrets learnt so far, in the order learnt.
    pub fn learnt(&self) -> Vec<String> {
        self.learnt
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// How many secrets have been learnt.
    pub fn learnt_count(&self) -> usize {
        self.learnt.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// The value of an expression; a secret one is learnt before it is returned.
    fn eval(&self, expr: &Expr) -> Result<Value, String> {
        let (value, secret) = self.eval_marked(expr)?;
        if secret {
            self.learn_value(&value);
        }
        Ok(value)
    }

    /// The value of an expression and whether it is secret: read from a secret source,
    /// or computed from one.
    fn eval_marked(&self, expr: &Expr) -> Result<(Value, bool), String> {
        let prepared = |code: &Option<String>, what: &str| {
            code.clone()
                .map(|c| (Value::String(c), true))
                .ok_or_else(|| format!("no {what} was prepared"))
        };
        let public = |v: String| Ok((Value::String(v), false));
        match expr {
            Expr::Account { role, field } => {
                let role = role.or(self.account).ok_or("the case has no account")?;
                let account = self.profile.account(role);
                let value = account
                    .and_then(|a| a.field(field))
                    .ok_or_else(|| format!("account `{}` has no `{field}`", role.name()))?;
                Ok((
                    Value::String(value.to_string()),
                    account.is_none_or(|a| a.holds_secret(field)),
                ))
            }
            Expr::Capture(name) => self
                .captures
                .get(name)
                .map(|c| (c.value.clone(), c.secret))
                .ok_or_else(|| format!("`{name}` was not captured")),
            Expr::Code => prepared(&self.code, "code"),
            Expr::WrongCode => prepared(&self.wrong_code, "wrong code"),
            Expr::StaleCode => prepared(&self.stale_code, "stale code"),
            Expr::LastCode => prepared(&self.last_code, "code sent before"),
            Expr::Call(func, inner) => {
                let (value, secret) = self.eval_marked(inner)?;
                let value = match value {
                    Value::String(s) => Value::String(func.apply(&s)),
                    other => other,
                };
                Ok((value, secret))
            }
            Expr::Uuid => public(uuid::Uuid::new_v4().to_string()),
            Expr::RandomHex(n) => public(random_from(b"0123456789abcdef", *n)),
            Expr::RandomAlnum(n) => public(random_from(
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                *n,
            )),
            Expr::Var(name) => Err(format!("`vars.{name}` has no value")),
            Expr::Sent(name) => {
                let carried = self.carried.lock().unwrap_or_else(|e| e.into_inner());
                let value = carried
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.clone())
                    .ok_or_else(|| format!("the request sent no `{name}`"))?;
                // A credential the request carried is a secret even when it was wrong.
                Ok((Value::String(value), crate::plan::names_a_credential(name)))
            }
            // Read by the step's checks (`exec::step_resolve`), which see the response.
            Expr::Response(path) => Err(format!("`{path}` reads a response, and none is here")),
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
    fn account_has(&self, what: &str) -> Option<bool> {
        let account = self.profile.account(self.account?)?;
        Some(match what {
            "code" => account.has_codes(),
            field => account.field(field).is_some(),
        })
    }

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
