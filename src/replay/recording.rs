//! Recording a run: every exchange in memory, with what the plan says about it (the
//! case's account, the role of the code it carried, whether it sent the account's
//! password or a wrong one).
//!
//! A recording holds credentials in clear. It lives in memory only: nothing here writes
//! it anywhere, and its `Debug` shows counts, never contents.

use std::fmt;
use std::sync::Mutex;
use std::time::SystemTime;

use super::key::{Canon, RawRequest, RequestKey, StepContext};
use crate::assert::Response;
use crate::exec::{ExchangeRecorder, RequestRecord, Scope, collect_issued};
use crate::plan::{Expr, LoginAttempt, SecretPaths, StepPlan};
use crate::profile::{AccountName, Profile};

/// The role of the code a request carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CodeRole {
    /// `{{ code }}`: the current code.
    Code,
    /// `{{ wrong_code }}`.
    Wrong,
    /// `{{ stale_code }}`.
    Stale,
    /// `{{ last_code }}`: a code sent again.
    Last,
}

/// What password a request carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PasswordUse {
    /// None.
    None,
    /// The case account's own password (or key).
    Exact,
    /// A wrong one: derived from a secret, another account's, or a literal.
    Wrong,
}

/// A recorded (or rewritten) answer.
#[derive(Clone)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    /// Headers as received, names lowercase.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    /// The media type essence, lowercase.
    pub(crate) fn media_type(&self) -> String {
        self.header("content-type")
            .and_then(|v| v.split(';').next())
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Sets a header (replacing every value of that name).
    pub(crate) fn set_header(&mut self, name: &str, value: String) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value));
    }

    /// The body as JSON, when it is.
    pub(crate) fn json(&self) -> Option<serde_json::Value> {
        if self.is_xml() {
            return None;
        }
        serde_json::from_slice(&self.body).ok()
    }

    /// Whether the body is XML.
    pub(crate) fn is_xml(&self) -> bool {
        self.media_type().contains("xml")
            || String::from_utf8_lossy(&self.body[..self.body.len().min(64)])
                .trim_start()
                .starts_with('<')
    }

    /// Replaces the body with `value` written as serde writes it.
    pub(crate) fn set_json(&mut self, value: &serde_json::Value) {
        self.body = value.to_string().into_bytes();
    }

    pub(crate) fn success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// One recorded exchange.
pub(crate) struct Exchange {
    pub(crate) account: Option<AccountName>,
    pub(crate) login: LoginAttempt,
    pub(crate) code: Option<CodeRole>,
    pub(crate) password: PasswordUse,
    /// The account's password, when the request carried it (for `password-echoed`).
    pub(crate) sent_password: Option<String>,
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) key: RequestKey,
    /// Credentials the answer issued (the spec's `secrets:` paths, JWTs, credential
    /// headers).
    pub(crate) issued: Vec<String>,
    pub(crate) answer: Answer,
}

impl Exchange {
    /// Whether the request was a failed login with a wrong password.
    pub(crate) fn wrong_password(&self) -> bool {
        matches!(self.login, LoginAttempt::Failed(_))
            && self.password == PasswordUse::Wrong
            && !matches!(
                self.code,
                Some(CodeRole::Wrong | CodeRole::Stale | CodeRole::Last)
            )
    }

    /// Whether the request was a login with the account's password and no code (the
    /// plan may count it failed for an empty code field: the password is still right).
    pub(crate) fn password_only(&self) -> bool {
        self.login != LoginAttempt::None
            && self.password == PasswordUse::Exact
            && self.code.is_none()
    }
}

/// Every exchange of one recorded run, in the order they happened.
pub struct Recording {
    pub(crate) exchanges: Vec<Exchange>,
    /// When the recording was made (JWT times are shifted by the time since).
    pub(crate) made: SystemTime,
}

impl fmt::Debug for Recording {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Recording({} exchanges, contents withheld)",
            self.exchanges.len()
        )
    }
}

impl Recording {
    /// How many exchanges it holds.
    pub fn len(&self) -> usize {
        self.exchanges.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.exchanges.is_empty()
    }
}

/// Records a run's exchanges (an [`ExchangeRecorder`]).
pub(crate) struct Recorder {
    canon: Canon,
    profile: std::sync::Arc<Profile>,
    secret_paths: SecretPaths,
    exchanges: Mutex<Vec<Exchange>>,
}

impl fmt::Debug for Recorder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Recorder(contents withheld)")
    }
}

impl Recorder {
    pub(crate) fn new(profile: std::sync::Arc<Profile>, secret_paths: SecretPaths) -> Self {
        Self {
            canon: Canon::new(&profile),
            profile,
            secret_paths,
            exchanges: Mutex::new(Vec::new()),
        }
    }

    /// The recording so far.
    pub(crate) fn finish(&self) -> Recording {
        let exchanges =
            std::mem::take(&mut *self.exchanges.lock().unwrap_or_else(|e| e.into_inner()));
        Recording {
            exchanges,
            made: SystemTime::now(),
        }
    }
}

impl ExchangeRecorder for Recorder {
    fn exchanged(
        &self,
        _case: &str,
        step: &StepPlan,
        scope: &Scope,
        request: &RequestRecord,
        response: &Response,
    ) {
        let context = StepContext::of(step, scope);
        let Ok(url) = url::Url::parse(&request.url) else {
            return;
        };
        let raw = RawRequest {
            method: &request.method,
            path: url.path(),
            query: url.query(),
            headers: request
                .headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect(),
            body: request.body.as_deref().unwrap_or(""),
        };
        let key = self.canon.key(&context, &raw);
        let account = scope.account();
        let password = password_use(step, account);
        let sent_password = (password == PasswordUse::Exact)
            .then(|| {
                account
                    .and_then(|a| self.profile.account(a))
                    .and_then(|a| a.password.clone())
            })
            .flatten();
        let exchange = Exchange {
            account,
            login: step.login,
            code: code_role(step),
            password,
            sent_password,
            method: request.method.clone(),
            path: url.path().to_string(),
            key,
            issued: collect_issued(response, &self.secret_paths),
            answer: Answer {
                status: response.status,
                headers: response.headers.clone(),
                body: response.body.clone(),
            },
        };
        self.exchanges
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(exchange);
    }
}

fn code_role(step: &StepPlan) -> Option<CodeRole> {
    let exprs = step.request.exprs();
    [
        (Expr::WrongCode, CodeRole::Wrong),
        (Expr::StaleCode, CodeRole::Stale),
        (Expr::LastCode, CodeRole::Last),
        (Expr::Code, CodeRole::Code),
    ]
    .into_iter()
    .find(|(e, _)| exprs.contains(e))
    .map(|(_, role)| role)
}

fn is_password_field(field: &str) -> bool {
    field == "password" || field == "secure_key"
}

/// Whether the request carried the case account's own password, a wrong one, or none.
fn password_use(step: &StepPlan, account: Option<AccountName>) -> PasswordUse {
    let mut exact = false;
    let mut wrong = false;
    let mut literal = false;
    for (name, template) in step.request.named_templates() {
        let exprs: Vec<&Expr> = template.exprs().map(|(e, _)| e).collect();
        for e in &exprs {
            match e {
                Expr::Account { role, field } if is_password_field(field) => {
                    if role.is_none() || *role == account {
                        exact = true;
                    } else {
                        wrong = true;
                    }
                }
                Expr::Call(_, inner) if matches!(&**inner, Expr::Account { field, .. } if is_password_field(field)) =>
                {
                    wrong = true;
                }
                _ => {}
            }
        }
        let named = name.to_ascii_lowercase();
        let password_named = named.contains("pass") || named.contains("secret");
        if password_named && exprs.is_empty() {
            literal = true;
        }
        if password_named
            && exprs
                .iter()
                .any(|e| !matches!(e, Expr::Account { field, .. } if is_password_field(field)))
        {
            // The password with text added, or a made-up value.
            wrong = true;
        }
    }
    // A literal in a password field next to the account's own password is a client
    // secret, not a wrong password.
    match (exact, wrong, literal) {
        (_, true, _) | (false, false, true) => PasswordUse::Wrong,
        (true, false, _) => PasswordUse::Exact,
        (false, false, false) => PasswordUse::None,
    }
}
