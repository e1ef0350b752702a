//! Coldstream (seed 004): `POST /account/login`, the MFA step and a bearer-token check.
//!
//! The page lost its parameter list, so this is an assumed contract:
//! - `POST /account/login` with `username`, `password` and `identityToken` in the query
//!   string (the page says the password ends up in the URI), also read from a JSON body.
//!   Missing values give 400 `{"message"}`, wrong credentials 401 `{"message"}`.
//! - Without MFA: 200 `{"accessToken": <HS256 JWT {sub, iat, exp: now+3600}>,
//!   "tokenType": "Bearer"}`. With MFA: 200 `{"mfaToken": <opaque, not a JWT>}` only.
//! - `POST /account/login/mfa` with JSON `{"mfaToken", "code"}`: a valid TOTP of the
//!   token's own account gives the same body as a direct login. mfaTokens live 5 minutes,
//!   are single-use and die after 5 wrong codes; any failure is 401.
//! - `GET /account/me` with `Authorization: Bearer <jwt>`: 200 `{"username"}` for an
//!   unexpired JWT this server signed, else 401.
//! - Under the lockout guard, both login steps refuse a blocked user (or IP) with 401
//!   `{"message"}` naming the block; a password step that asks for the code is not counted.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

use super::accounts::{Accounts, RefAccount};
use super::faults::ColdstreamFaults;
use super::guards::{Attempt, Block, Login, block_text};
use super::params::{self, JsonBody, Params, json_text};
use super::reply::{self, Render};
use super::server::{Context, Handler, Route};
use super::store::{IssuedTokens, lock};
use super::tokens::{JwtKey, random_hex, unsigned};
use crate::otp::now_unix;

const LOGIN: &str = r"^/account/login/?$";
const MFA: &str = r"^/account/login/mfa/?$";
const ME: &str = r"^/account/me/?$";
const BAD_MFA_TOKEN: &str = "Invalid or expired mfaToken";

/// The Coldstream routes, sharing one signing key and mfaToken store.
pub(crate) fn routes(context: &Context, faults: ColdstreamFaults) -> Vec<Route> {
    let state = Arc::new(Coldstream {
        accounts: context.accounts.clone(),
        faults,
        key: JwtKey::random(),
        tickets: Mutex::new(IssuedTokens::default()),
        render: context.render,
    });
    vec![
        Route {
            methods: &["POST"],
            path: LOGIN,
            handler: Handler::Login(Arc::new(PasswordStep(state.clone()))),
        },
        Route {
            methods: &["POST"],
            path: MFA,
            handler: Handler::Login(Arc::new(MfaStep(state.clone()))),
        },
        Route {
            methods: &["GET"],
            path: ME,
            handler: Handler::Plain(Arc::new(MeEndpoint(state))),
        },
    ]
}

/// `POST /account/login`.
struct PasswordStep(Arc<Coldstream>);

/// `POST /account/login/mfa`.
struct MfaStep(Arc<Coldstream>);

/// `GET /account/me`.
struct MeEndpoint(Arc<Coldstream>);

impl Respond for MeEndpoint {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.0.me(request)
    }
}

impl Login for PasswordStep {
    fn claimed_user(&self, request: &Request) -> Option<String> {
        inputs(request, self.0.faults.accept_json_body)?
            .non_empty("username")
            .map(str::to_string)
    }

    fn attempt(&self, request: &Request) -> (ResponseTemplate, Attempt) {
        self.0.login(request)
    }

    fn refuse_blocked(&self, _request: &Request, block: Block) -> ResponseTemplate {
        self.0.refusal(401, block_text(block))
    }
}

impl Login for MfaStep {
    /// The account whose login the mfaToken continues.
    fn claimed_user(&self, request: &Request) -> Option<String> {
        let inputs = inputs(request, true)?;
        let mfa_token = inputs.non_empty("mfaToken")?;
        let tickets = lock(&self.0.tickets);
        tickets.get(mfa_token).map(|t| t.username.clone())
    }

    fn attempt(&self, request: &Request) -> (ResponseTemplate, Attempt) {
        self.0.mfa(request)
    }

    fn refuse_blocked(&self, _request: &Request, block: Block) -> ResponseTemplate {
        self.0.refusal(401, block_text(block))
    }
}

fn succeeded(response: ResponseTemplate, user: &str) -> (ResponseTemplate, Attempt) {
    let user = user.to_string();
    (response, Attempt::Succeeded { user })
}

fn failed(response: ResponseTemplate, user: Option<&str>) -> (ResponseTemplate, Attempt) {
    let user = user.map(str::to_string);
    (response, Attempt::Failed { user })
}

fn not_counted(response: ResponseTemplate) -> (ResponseTemplate, Attempt) {
    (response, Attempt::NotCounted)
}

/// A pending second step: whose login it continues, until when, and how many wrong codes.
#[derive(Debug)]
struct MfaTicket {
    username: String,
    expires_at: u64,
    wrong_codes: u32,
}

struct Coldstream {
    accounts: Arc<Accounts>,
    faults: ColdstreamFaults,
    key: JwtKey,
    tickets: Mutex<IssuedTokens<MfaTicket>>,
    render: Render,
}

/// Query parameters, with a JSON body's string fields on top; `None` for broken JSON.
fn inputs(request: &Request, json_allowed: bool) -> Option<Params> {
    let query = Params::query(request);
    if !json_allowed {
        return Some(query);
    }
    match params::json_body(request) {
        JsonBody::Invalid if params::is_json(request) => None,
        JsonBody::Absent | JsonBody::Invalid => Some(query),
        JsonBody::Object(map) => {
            let pairs = map
                .iter()
                .filter_map(|(k, v)| json_text(Some(v)).map(|v| (k.clone(), v)))
                .collect();
            Some(query.then(Params::from_pairs(pairs)))
        }
    }
}

impl Coldstream {
    fn message(&self, status: u16, text: &str) -> ResponseTemplate {
        self.render.json(status, &json!({"message": text}))
    }

    /// A refused login or code: `{"message"}`, or an empty 401 with `empty_refusals`.
    fn refusal(&self, status: u16, text: &str) -> ResponseTemplate {
        if self.faults.empty_refusals {
            return reply::empty(401);
        }
        self.message(status, text)
    }

    fn missing(&self, name: &str) -> ResponseTemplate {
        self.message(400, &format!("Missing required parameter: {name}"))
    }

    fn login(&self, request: &Request) -> (ResponseTemplate, Attempt) {
        let Some(inputs) = inputs(request, self.faults.accept_json_body) else {
            return not_counted(self.message(400, "The request body is not valid JSON"));
        };
        let (Some(username), Some(password)) =
            (inputs.non_empty("username"), inputs.non_empty("password"))
        else {
            let name = if inputs.non_empty("username").is_none() {
                "username"
            } else {
                "password"
            };
            return not_counted(self.missing(name));
        };
        if inputs.non_empty("identityToken").is_none() && !self.faults.ignore_identity_token {
            return not_counted(self.missing("identityToken"));
        }
        let account = self.accounts.by_username(username).filter(|a| {
            self.faults.accept_wrong_password
                || self.accounts.password_ok(a, password)
                || (self.faults.mfa_token_for_wrong_password && a.second_factor.is_some())
        });
        let Some(account) = account else {
            let refusal = self.refusal(
                self.faults.credentials_error_status,
                "Invalid username or password",
            );
            return failed(refusal, Some(username));
        };
        if account.second_factor.is_none() || self.faults.skip_mfa {
            let mut body = self.access_body(&account.username);
            if self.faults.echo_password {
                body["password"] = json!(password);
            }
            if self.faults.null_mfa_token_field {
                body["mfaToken"] = Value::Null;
            }
            return succeeded(self.render.json(200, &body), &account.username);
        }
        let mfa_token = random_hex(32);
        let ticket = MfaTicket {
            username: account.username.clone(),
            expires_at: now_unix().saturating_add(self.faults.mfa_token_lifetime_secs),
            wrong_codes: 0,
        };
        lock(&self.tickets).insert(mfa_token.clone(), ticket);
        let field = if self.faults.rename_mfa_token_field {
            "mfa_token"
        } else {
            "mfaToken"
        };
        let mut body = json!({ field: mfa_token });
        if self.faults.bypass_2fa
            && let (Value::Object(body), Value::Object(access)) =
                (&mut body, self.access_body(&account.username))
        {
            body.extend(access);
        }
        // The password was right; the second step decides (like Rocket.Chat's totp-required).
        not_counted(self.render.json(200, &body))
    }

    fn mfa(&self, request: &Request) -> (ResponseTemplate, Attempt) {
        let Some(inputs) = inputs(request, true) else {
            return not_counted(self.message(400, "The request body is not valid JSON"));
        };
        let Some(mfa_token) = inputs.non_empty("mfaToken") else {
            return not_counted(self.missing("mfaToken"));
        };
        let Some(code) = inputs.non_empty("code") else {
            return not_counted(self.missing("code"));
        };
        let mut tickets = lock(&self.tickets);
        let Some(ticket) = tickets.get_mut(mfa_token) else {
            drop(tickets);
            return self.unknown_mfa_token(code);
        };
        let user = ticket.username.clone();
        if now_unix() >= ticket.expires_at {
            tickets.remove(mfa_token);
            return failed(self.message(401, BAD_MFA_TOKEN), Some(&user));
        }
        let Some(account) = self.code_owner(&user, code) else {
            ticket.wrong_codes += 1;
            if ticket.wrong_codes >= self.faults.mfa_max_attempts {
                tickets.remove(mfa_token);
            }
            return failed(self.refusal(401, "Invalid code"), Some(&user));
        };
        if !self.faults.mfa_token_reusable {
            tickets.remove(mfa_token);
        }
        let access = self.access_body(&account.username);
        succeeded(self.render.json(200, &access), &account.username)
    }

    /// An mfaToken this server never issued (or forgot): refused, unless the
    /// `accept_unknown_mfa_token` fault lets any two-factor account's code through.
    fn unknown_mfa_token(&self, code: &str) -> (ResponseTemplate, Attempt) {
        let owner = self.faults.accept_unknown_mfa_token.then(|| {
            self.accounts
                .iter()
                .find(|a| self.accounts.code_ok(a, code))
        });
        match owner.flatten() {
            Some(account) => {
                let access = self.access_body(&account.username);
                succeeded(self.render.json(200, &access), &account.username)
            }
            None => failed(self.refusal(401, BAD_MFA_TOKEN), None),
        }
    }

    /// The account `code` logs in: the ticket's own account if the code is valid for it
    /// (or, with the `mfa_unbound` fault, any two-factor account the code is valid for).
    fn code_owner(&self, username: &str, code: &str) -> Option<&RefAccount> {
        let own = self.accounts.by_username(username)?;
        let valid_for = |account: &RefAccount| {
            account.second_factor.as_ref().is_some_and(|f| {
                self.faults.accept_any_code
                    || (!self.faults.refuse_valid_code && self.accounts.code_ok(account, code))
                    || (self.faults.accept_stale_codes && f.accepts_stale(code))
            })
        };
        if valid_for(own) {
            return Some(own);
        }
        if self.faults.mfa_unbound {
            return self.accounts.iter().find(|a| valid_for(a));
        }
        None
    }

    fn access_body(&self, username: &str) -> Value {
        let field = self.faults.access_token_field.name();
        let token = if self.faults.token_not_jwt {
            random_hex(32)
        } else {
            self.jwt(username)
        };
        let mut body = json!({ field: token });
        if self.faults.token_type {
            body["tokenType"] = json!("Bearer");
        }
        body
    }

    fn jwt(&self, username: &str) -> String {
        let now = now_unix();
        let exp = if self.faults.jwt_expired {
            now.saturating_sub(60)
        } else {
            now.saturating_add(self.faults.jwt_lifetime_secs)
        };
        let claims = json!({"sub": username, "iat": now, "exp": exp});
        if self.faults.alg_none {
            unsigned(&json!({"alg": "none", "typ": "JWT"}), &claims)
        } else {
            self.key
                .sign(&json!({"alg": "HS256", "typ": "JWT"}), &claims)
        }
    }

    fn me(&self, request: &Request) -> ResponseTemplate {
        let token = params::header(request, "authorization").and_then(|value| {
            let (scheme, token) = value.trim().split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| token.trim().to_string())
        });
        let username = token
            .filter(|_| !self.faults.refuse_issued_tokens)
            .and_then(|t| self.key.verify(&t, now_unix(), self.faults.alg_none).ok())
            .and_then(|claims| {
                claims
                    .get("sub")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .filter(|sub| self.accounts.by_username(sub).is_some());
        match username {
            Some(username) => self.render.json(200, &json!({"username": username})),
            None => self.message(401, "Unauthorized"),
        }
    }
}
