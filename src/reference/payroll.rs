//! The French payroll API (seed 003): `/login` with `User-Name` and `Password` headers.
//!
//! The outcome is in the body (`status`, integer `code`, `token` or `message`) and the HTTP
//! status is 200 throughout, as the page puts codes in the body only. The token is the
//! example's kind of JWT: HS256, header `{"typ":"JWT","alg":"HS256"}`, claims
//! `{"user","exp": now + 1800}`. The API has no second factor. Under the lockout guard a
//! blocked login gets code 403 and a message naming the block (the page has no such case).

use std::sync::Arc;

use serde_json::{Value, json};
use wiremock::{Request, ResponseTemplate};

use super::accounts::Accounts;
use super::faults::{PayrollFaults, PayrollMessages};
use super::guards::{Attempt, Block, Login, block_text};
use super::params;
use super::reply::{self, Render};
use super::server::{Context, Handler, Route};
use super::tokens::{JwtKey, random_hex, unsigned};
use crate::otp::now_unix;

const LOGIN: &str = r"^/login/?$";
const USER_NAME: &str = "User-Name";
const PASSWORD: &str = "Password";

/// The payroll route.
pub(crate) fn routes(context: &Context, faults: PayrollFaults) -> Vec<Route> {
    let state = Payroll {
        accounts: context.accounts.clone(),
        key: if faults.weak_jwt_secret {
            JwtKey::from_secret(b"secret")
        } else {
            JwtKey::random()
        },
        faults,
        render: context.render,
    };
    vec![Route {
        methods: &["GET", "POST"],
        path: LOGIN,
        handler: Handler::Login(Arc::new(state)),
    }]
}

struct Payroll {
    accounts: Arc<Accounts>,
    faults: PayrollFaults,
    key: JwtKey,
    render: Render,
}

/// Why a header cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HeaderProblem {
    Missing,
    Empty,
}

impl Login for Payroll {
    fn claimed_user(&self, request: &Request) -> Option<String> {
        params::header(request, USER_NAME).filter(|user| !user.trim().is_empty())
    }

    fn attempt(&self, request: &Request) -> (ResponseTemplate, Attempt) {
        self.login(request)
    }

    /// The documented `{status, code, message}`, code 403, the message naming the block.
    fn refuse_blocked(&self, _request: &Request, block: Block) -> ResponseTemplate {
        self.error(403, &format!("{}.", block_text(block)))
    }
}

impl Payroll {
    fn login(&self, request: &Request) -> (ResponseTemplate, Attempt) {
        if self.faults.post_only
            && let Some(refusal) = reply::refuse_unless_post(request.method.as_str())
        {
            return (refusal, Attempt::NotCounted);
        }
        let order = if self.faults.password_checked_first {
            [PASSWORD, USER_NAME]
        } else {
            [USER_NAME, PASSWORD]
        };
        for name in order {
            if let Some(problem) = self.header_problem(request, name) {
                let refusal =
                    self.error(self.required_code(), &self.required_message(name, problem));
                return (refusal, Attempt::NotCounted);
            }
        }
        let user = params::header(request, USER_NAME).unwrap_or_default();
        let password = params::header(request, PASSWORD).unwrap_or_default();
        let failed = || Attempt::Failed {
            user: Some(user.clone()),
        };
        let account = self.accounts.by_username(&user);
        if account.is_none() && self.faults.unknown_user_unauthorized {
            return (self.error(401, "Unauthorized."), failed());
        }
        let valid = account.is_some_and(|a| {
            self.faults.accept_wrong_password
                || self.accounts.password_ok(a, &password)
                || (self.faults.post_skips_password && request.method.as_str() == "POST")
        });
        if !valid {
            let message = match self.faults.messages {
                PayrollMessages::Generic => "Login failed.",
                _ => "Data not found.",
            };
            return (self.error(404, message), failed());
        }
        let status = if self.faults.status_success {
            "success"
        } else {
            "ok"
        };
        let mut body =
            json!({"code": self.code(200), "status": status, "token": self.token(&user)});
        if self.faults.extra_fields {
            body["expires_in"] = json!(self.faults.jwt_lifetime_secs);
        }
        if self.faults.echo_password {
            body["password"] = json!(password);
        }
        if self.faults.null_fields {
            body["message"] = Value::Null;
        }
        (self.render.json(200, &body), Attempt::Succeeded { user })
    }
    fn header_problem(&self, request: &Request, name: &str) -> Option<HeaderProblem> {
        match params::header(request, name) {
            None => Some(HeaderProblem::Missing),
            Some(value) if value.trim().is_empty() => Some(if self.faults.empty_as_missing {
                HeaderProblem::Missing
            } else {
                HeaderProblem::Empty
            }),
            Some(_) => None,
        }
    }

    fn required_code(&self) -> u16 {
        if self.faults.wrong_error_code {
            400
        } else {
            402
        }
    }

    fn required_message(&self, header: &str, problem: HeaderProblem) -> String {
        let state = match problem {
            HeaderProblem::Missing => "is not specified",
            HeaderProblem::Empty => "is empty",
        };
        match self.faults.messages {
            PayrollMessages::Documented => format!("Required field {header} {state}."),
            PayrollMessages::AngleBrackets => format!("Required field < {header} > {state}."),
            PayrollMessages::Generic => "Bad request.".to_string(),
        }
    }

    fn code(&self, code: u16) -> Value {
        if self.faults.code_as_string {
            json!(code.to_string())
        } else {
            json!(code)
        }
    }

    fn error(&self, code: u16, message: &str) -> ResponseTemplate {
        let status = if self.faults.mirror_code_in_http_status {
            code
        } else {
            200
        };
        let mut body = json!({"status": "error", "code": self.code(code), "message": message});
        if self.faults.null_fields {
            body["token"] = Value::Null;
        }
        if self.faults.omit_error_message
            && let Some(fields) = body.as_object_mut()
        {
            fields.remove("message");
        }
        self.render.json(status, &body)
    }

    fn token(&self, user: &str) -> String {
        if self.faults.token_not_jwt {
            return random_hex(32);
        }
        let alg = if self.faults.alg_none {
            "none"
        } else {
            "HS256"
        };
        let header = if self.faults.header_alg_first {
            json!({"alg": alg, "typ": "JWT"})
        } else {
            json!({"typ": "JWT", "alg": alg})
        };
        let now = now_unix();
        let mut claims = json!({"user": user});
        if self.faults.extra_claims {
            claims["iat"] = json!(now);
        }
        claims["exp"] = json!(now.saturating_add(self.faults.jwt_lifetime_secs));
        if self.faults.alg_none {
            unsigned(&header, &claims)
        } else {
            self.key.sign(&header, &claims)
        }
    }
}
