//! cielo24 API v1 (seed 001): `GET /api/account/login` and `GET /api/account/logout`.
//!
//! `v=1` is required in the query. Credentials come from the query (`username`, `password`,
//! `securekey`) or the `x-auth-*` headers, including the stale `x-auth-key` alias of
//! `x-auth-password` that the page's third example still shows. Errors are HTTP 400 with the
//! documented Error Format `{"ErrorType","ErrorComment"}`; success is
//! `{"ApiToken":"<32 lowercase hex>"}`. Under the lockout guard a blocked login gets the
//! Error Format with an `ErrorType` naming the block (`LOGIN_BLOCKED_FOR_USER`).

use std::sync::{Arc, Mutex};

use serde_json::json;
use wiremock::{Request, Respond, ResponseTemplate};

use super::accounts::Accounts;
use super::faults::{Cielo24ErrorBody, Cielo24Faults, Cielo24TokenFormat};
use super::guards::{Attempt, Block, Login, block_code, block_text};
use super::params::{self, Params};
use super::reply::{self, Render};
use super::server::{Context, Handler, Route};
use super::store::{IssuedTokens, lock};
use super::tokens::random_hex;

const LOGIN: &str = r"^/api/account/login/?$";
const LOGOUT: &str = r"^/api/account/logout/?$";
/// The `ErrorType` of wrong credentials.
const LOGIN_INVALID: &str = "LOGIN_INVALID";

/// The cielo24 routes, sharing one token store.
pub(crate) fn routes(context: &Context, faults: Cielo24Faults) -> Vec<Route> {
    let state = Arc::new(Cielo24 {
        accounts: context.accounts.clone(),
        faults,
        tokens: Mutex::new(IssuedTokens::default()),
        render: context.render,
    });
    vec![
        Route {
            methods: &["GET"],
            path: LOGIN,
            handler: Handler::Login(state.clone()),
        },
        Route {
            methods: &["GET"],
            path: LOGOUT,
            handler: Handler::Plain(Arc::new(Logout(state))),
        },
    ]
}

/// `GET /api/account/logout`.
struct Logout(Arc<Cielo24>);

impl Respond for Logout {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let query = Params::query(request);
        let answer = self
            .0
            .check_version(&query)
            .and_then(|()| self.0.logout(&query));
        answer.unwrap_or_else(|failure| self.0.error(failure))
    }
}

impl Login for Cielo24 {
    fn claimed_user(&self, request: &Request) -> Option<String> {
        self.credentials(request, &Params::query(request)).username
    }

    fn attempt(&self, request: &Request) -> (ResponseTemplate, Attempt) {
        let query = Params::query(request);
        let answer = self
            .check_version(&query)
            .and_then(|()| self.login(request, &query));
        let user = || self.claimed_user(request);
        match answer {
            Ok(response) => {
                let attempt =
                    user().map_or(Attempt::NotCounted, |user| Attempt::Succeeded { user });
                (response, attempt)
            }
            Err(failure) => {
                // Missing parameters and a wrong `v` are not login attempts.
                let attempt = if failure.kind == LOGIN_INVALID {
                    Attempt::Failed { user: user() }
                } else {
                    Attempt::NotCounted
                };
                (self.error(failure), attempt)
            }
        }
    }

    /// The documented Error Format, its `ErrorType` naming the block.
    fn refuse_blocked(&self, _request: &Request, block: Block) -> ResponseTemplate {
        self.error(Failure {
            kind: block_code(block),
            comment: block_text(block).to_string(),
        })
    }
}

/// An error response before it is rendered: an `ErrorType` and its comment.
struct Failure {
    kind: &'static str,
    comment: String,
}

impl Failure {
    fn missing(parameter: &str) -> Self {
        Self {
            kind: "MISSING_PARAMETER",
            comment: format!("Missing required parameter: {parameter}"),
        }
    }
}

/// The credentials of a login, from the query or the headers.
struct Credentials {
    username: Option<String>,
    password: Option<String>,
    securekey: Option<String>,
    /// Whether the secure key came from `x-auth-securekey`.
    securekey_from_header: bool,
}

struct Cielo24 {
    accounts: Arc<Accounts>,
    faults: Cielo24Faults,
    /// Issued API tokens and their usernames.
    tokens: Mutex<IssuedTokens<String>>,
    render: Render,
}

impl Cielo24 {
    fn check_version(&self, query: &Params) -> Result<(), Failure> {
        if !self.faults.require_v {
            return Ok(());
        }
        match query.get("v") {
            None => Err(Failure::missing("v")),
            Some("1") => Ok(()),
            Some(other) => Err(Failure {
                kind: "INVALID_OPTION",
                comment: format!("Invalid value for parameter v: {other}; allowed values: 1"),
            }),
        }
    }

    fn credentials(&self, request: &Request, query: &Params) -> Credentials {
        let header = |name: &str| {
            if self.faults.ignore_header_login {
                return None;
            }
            params::header(request, name).filter(|v| !v.is_empty())
        };
        let from_query = |name: &str| query.non_empty(name).map(str::to_string);
        let legacy = || {
            self.faults
                .accept_legacy_key_header
                .then(|| header("x-auth-key"))
                .flatten()
        };
        let query_key = from_query("securekey");
        let header_key = header("x-auth-securekey");
        let securekey_from_header = query_key.is_none() && header_key.is_some();
        let securekey = if self.faults.ignore_securekey {
            None
        } else {
            query_key.or(header_key)
        };
        Credentials {
            username: from_query("username").or_else(|| header("x-auth-user")),
            password: from_query("password")
                .or_else(|| header("x-auth-password"))
                .or_else(legacy),
            securekey,
            securekey_from_header,
        }
    }

    fn login(&self, request: &Request, query: &Params) -> Result<ResponseTemplate, Failure> {
        let credentials = self.credentials(request, query);
        let username = credentials
            .username
            .ok_or_else(|| Failure::missing("username"))?;
        if credentials.password.is_none() && credentials.securekey.is_none() {
            return Err(Failure::missing("password or securekey"));
        }
        let account = self.accounts.by_username(&username);
        let valid = account.is_some_and(|account| {
            let password_ok = credentials
                .password
                .as_ref()
                .is_none_or(|p| self.accounts.password_ok(account, p));
            let key_ok = credentials
                .securekey
                .as_ref()
                .is_none_or(|k| account.secure_key.as_ref() == Some(k))
                || (self.faults.unchecked_header_securekey && credentials.securekey_from_header);
            self.faults.accept_wrong_password || (password_ok && key_ok)
        });
        if !valid {
            return Err(Failure {
                kind: LOGIN_INVALID,
                comment: "Invalid username, password or secure key".into(),
            });
        }
        let token = self.new_token();
        lock(&self.tokens).insert(token.clone(), username);
        let field = if self.faults.rename_token_field {
            "api_token"
        } else {
            "ApiToken"
        };
        let mut body = json!({ field: token });
        if self.faults.extra_fields {
            body["ExpiresIn"] = json!(3600);
        }
        if self.faults.echo_password {
            body["Password"] = json!(credentials.password);
        }
        let content_type = if self.faults.plain_text_success {
            "text/plain; charset=utf-8"
        } else {
            self.json_type()
        };
        Ok(self
            .render
            .json_as(self.faults.success_status, &body, content_type))
    }

    fn new_token(&self) -> String {
        let hex = random_hex(16);
        match self.faults.token_format {
            Cielo24TokenFormat::Hex32 => hex,
            Cielo24TokenFormat::Hex40 => random_hex(20),
            Cielo24TokenFormat::UpperHex32 => hex.to_ascii_uppercase(),
            Cielo24TokenFormat::DashedUuid => format!(
                "{}-{}-{}-{}-{}",
                &hex[..8],
                &hex[8..12],
                &hex[12..16],
                &hex[16..20],
                &hex[20..]
            ),
        }
    }

    fn logout(&self, query: &Params) -> Result<ResponseTemplate, Failure> {
        let token = query
            .non_empty("api_token")
            .ok_or_else(|| Failure::missing("api_token"))?;
        let mut tokens = lock(&self.tokens);
        if !self.faults.refuse_issued_tokens && tokens.remove(token).is_some() {
            return Ok(reply::empty(204));
        }
        Err(Failure {
            kind: "BAD_API_TOKEN",
            comment: "The api_token is invalid or expired".into(),
        })
    }

    fn json_type(&self) -> &'static str {
        if self.faults.json_charset {
            reply::JSON_UTF8
        } else {
            reply::JSON
        }
    }

    fn error(&self, failure: Failure) -> ResponseTemplate {
        let status = self.faults.error_status;
        match self.faults.error_body {
            Cielo24ErrorBody::Documented => self.render.json_as(
                status,
                &json!({"ErrorType": failure.kind, "ErrorComment": failure.comment}),
                self.json_type(),
            ),
            Cielo24ErrorBody::Message => {
                self.render
                    .json_as(status, &json!({"error": failure.comment}), self.json_type())
            }
            Cielo24ErrorBody::PlainText => reply::empty(status)
                .set_body_raw(failure.comment.into_bytes(), "text/plain; charset=utf-8"),
        }
    }
}
