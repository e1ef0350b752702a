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

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

use super::accounts::{Accounts, RefAccount};
use super::faults::ColdstreamFaults;
use super::params::{self, JsonBody, Params, json_text};
use super::reply::{self, Render};
use super::server::{Context, Route};
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
    [
        (LOGIN, "POST", Endpoint::Login),
        (MFA, "POST", Endpoint::Mfa),
        (ME, "GET", Endpoint::Me),
    ]
    .into_iter()
    .map(|(path, verb, endpoint)| Route {
        methods: if verb == "GET" { &["GET"] } else { &["POST"] },
        path,
        responder: Arc::new(ColdstreamResponder {
            state: state.clone(),
            endpoint,
        }),
    })
    .collect()
}

#[derive(Clone, Copy, Debug)]
enum Endpoint {
    Login,
    Mfa,
    Me,
}

struct ColdstreamResponder {
    state: Arc<Coldstream>,
    endpoint: Endpoint,
}

impl Respond for ColdstreamResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        match self.endpoint {
            Endpoint::Login => self.state.login(request),
            Endpoint::Mfa => self.state.mfa(request),
            Endpoint::Me => self.state.me(request),
        }
    }
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

    fn login(&self, request: &Request) -> ResponseTemplate {
        let Some(inputs) = inputs(request, self.faults.accept_json_body) else {
            return self.message(400, "The request body is not valid JSON");
        };
        let (Some(username), Some(password)) =
            (inputs.non_empty("username"), inputs.non_empty("password"))
        else {
            let name = if inputs.non_empty("username").is_none() {
                "username"
            } else {
                "password"
            };
            return self.missing(name);
        };
        if inputs.non_empty("identityToken").is_none() && !self.faults.ignore_identity_token {
            return self.missing("identityToken");
        }
        let account = self.accounts.by_username(username).filter(|a| {
            self.faults.accept_wrong_password
                || self.accounts.password_ok(a, password)
                || (self.faults.mfa_token_for_wrong_password && a.second_factor.is_some())
        });
        let Some(account) = account else {
            return self.refusal(
                self.faults.credentials_error_status,
                "Invalid username or password",
            );
        };
        if account.second_factor.is_none() || self.faults.skip_mfa {
            let mut body = self.access_body(&account.username);
            if self.faults.echo_password {
                body["password"] = json!(password);
            }
            if self.faults.null_mfa_token_field {
                body["mfaToken"] = Value::Null;
            }
            return self.render.json(200, &body);
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
        self.render.json(200, &body)
    }

    fn mfa(&self, request: &Request) -> ResponseTemplate {
        let Some(inputs) = inputs(request, true) else {
            return self.message(400, "The request body is not valid JSON");
        };
        let Some(mfa_token) = inputs.non_empty("mfaToken") else {
            return self.missing("mfaToken");
        };
        let Some(code) = inputs.non_empty("code") else {
            return self.missing("code");
        };
        let mut tickets = lock(&self.tickets);
        let Some(ticket) = tickets.get_mut(mfa_token) else {
            drop(tickets);
            return self.unknown_mfa_token(code);
        };
        if now_unix() >= ticket.expires_at {
            tickets.remove(mfa_token);
            return self.message(401, BAD_MFA_TOKEN);
        }
        let Some(account) = self.code_owner(&ticket.username, code) else {
            ticket.wrong_codes += 1;
            if ticket.wrong_codes >= self.faults.mfa_max_attempts {
                tickets.remove(mfa_token);
            }
            return self.refusal(401, "Invalid code");
        };
        if !self.faults.mfa_token_reusable {
            tickets.remove(mfa_token);
        }
        self.render.json(200, &self.access_body(&account.username))
    }

    /// An mfaToken this server never issued (or forgot): refused, unless the
    /// `accept_unknown_mfa_token` fault lets any two-factor account's code through.
    fn unknown_mfa_token(&self, code: &str) -> ResponseTemplate {
        let owner = self.faults.accept_unknown_mfa_token.then(|| {
            self.accounts
                .iter()
                .find(|a| a.second_factor.as_ref().is_some_and(|f| f.accepts(code)))
        });
        match owner.flatten() {
            Some(account) => self.render.json(200, &self.access_body(&account.username)),
            None => self.refusal(401, BAD_MFA_TOKEN),
        }
    }

    /// The account `code` logs in: the ticket's own account if the code is valid for it
    /// (or, with the `mfa_unbound` fault, any two-factor account the code is valid for).
    fn code_owner(&self, username: &str, code: &str) -> Option<&RefAccount> {
        let own = self.accounts.by_username(username)?;
        let valid_for = |account: &RefAccount| {
            account.second_factor.as_ref().is_some_and(|f| {
                self.faults.accept_any_code
                    || (!self.faults.refuse_valid_code && f.accepts(code))
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
