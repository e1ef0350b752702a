//! Rocket.Chat REST API (seed 002): `POST /api/v1/login`, plus `GET /api/v1/me` and
//! `POST /api/v1/logout` to check the issued token.
//!
//! Behaves like a pre-8.0 server with TOTP two-factor enabled: the body is JSON or a form;
//! `user` (username or e-mail, or `{username}`/`{email}`), top-level `username`/`email`,
//! `password` (plain or Meteor's `{digest, algorithm:"sha-256"}`), `resume` (an issued
//! `authToken`, which skips 2FA), `code` or the `x-2fa-code` header. Every failure is HTTP
//! 401 with `{success:false, status:"error", error, message[, details]}`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

use super::accounts::{Accounts, RefAccount};
use super::faults::{MeFault, RocketChatFailureBody, RocketChatFaults};
use super::guards::{Attempt, Block, Login};
use super::params::{self, JsonBody, Params};
use super::reply::{self, Render};
use super::rocketchat_login::{LoginRequest, Password, Selector, form_object, parse_login};
use super::server::{Context, Handler, Route};
use super::store::{IssuedTokens, lock};
use super::tokens::{BASE64URL, meteor_id, random_string, sha256_hex};

const LOGIN: &str = r"^/api/v1/login/?$";
const ME: &str = r"^/api/v1/me/?$";
const LOGOUT: &str = r"^/api/v1/logout/?$";

/// Meteor's message for an unknown or revoked resume token.
const LOGGED_OUT: &str = "You've been logged out by the server. Please log in again.";
const MUST_LOG_IN: &str = "You must be logged in to do this.";

/// The Rocket.Chat routes, sharing one session store.
pub(crate) fn routes(context: &Context, faults: RocketChatFaults) -> Vec<Route> {
    let ids = context
        .accounts
        .iter()
        .map(|a| (a.username.clone(), meteor_id()))
        .collect();
    let state = Arc::new(RocketChat {
        accounts: context.accounts.clone(),
        base_url: context.base_url.clone(),
        faults,
        ids,
        sessions: Mutex::new(IssuedTokens::default()),
        render: context.render,
    });
    let plain = |endpoint| {
        Handler::Plain(Arc::new(RocketChatResponder {
            state: state.clone(),
            endpoint,
        }))
    };
    vec![
        Route {
            methods: &["POST"],
            path: LOGIN,
            handler: Handler::Login(state.clone()),
        },
        Route {
            methods: &["GET"],
            path: ME,
            handler: plain(Endpoint::Me),
        },
        Route {
            methods: &["POST"],
            path: LOGOUT,
            handler: plain(Endpoint::Logout),
        },
    ]
}

#[derive(Clone, Copy, Debug)]
enum Endpoint {
    Me,
    Logout,
}

struct RocketChatResponder {
    state: Arc<RocketChat>,
    endpoint: Endpoint,
}

impl Respond for RocketChatResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        match self.endpoint {
            Endpoint::Me => self.state.me_endpoint(request),
            Endpoint::Logout => self.state.logout(request),
        }
    }
}

impl Login for RocketChat {
    fn claimed_user(&self, request: &Request) -> Option<String> {
        let body = self.read_body(request)?;
        let LoginRequest::Password { selector, .. } =
            parse_login(&body, None, self.faults.break_email_login)
        else {
            return None;
        };
        Some(match selector {
            Selector::Username(name) => name,
            Selector::Email(email) => self
                .accounts
                .by_email(&email)
                .map_or(email, |a| a.username.clone()),
        })
    }

    fn attempt(&self, request: &Request) -> (ResponseTemplate, Attempt) {
        self.login(request)
    }

    /// Rocket.Chat's own errors (`Accounts.validateLoginAttempt`), in this server's
    /// failure shape.
    fn refuse_blocked(&self, _request: &Request, block: Block) -> ResponseTemplate {
        let (error, message) = match block {
            Block::Ip => (
                "error-login-blocked-for-ip",
                "Login has been temporarily blocked For IP",
            ),
            Block::User => (
                "error-login-blocked-for-user",
                "Login has been temporarily blocked For User",
            ),
        };
        self.failure(json!(error), message, None)
    }
}

/// A refusal that counts as a failed login of `user`.
fn failed(response: ResponseTemplate, user: Option<&str>) -> (ResponseTemplate, Attempt) {
    let user = user.map(str::to_string);
    (response, Attempt::Failed { user })
}

/// Who an `authToken` belongs to, and the `userId` the login answered with.
#[derive(Debug, Clone)]
struct Session {
    username: String,
    user_id: String,
}

struct RocketChat {
    accounts: Arc<Accounts>,
    base_url: String,
    faults: RocketChatFaults,
    /// Meteor `_id` per username, fixed for the server's life.
    ids: HashMap<String, String>,
    sessions: Mutex<IssuedTokens<Session>>,
    render: Render,
}

impl RocketChat {
    fn login(&self, request: &Request) -> (ResponseTemplate, Attempt) {
        let Some(body) = self.read_body(request) else {
            let refusal = self.render.json(
                400,
                &json!({"success": false, "error": "Invalid request body"}),
            );
            return (refusal, Attempt::NotCounted);
        };
        let code_header = params::header(request, "x-2fa-code").filter(|c| !c.is_empty());
        match parse_login(&body, code_header, self.faults.break_email_login) {
            LoginRequest::Resume(token) => self.resume(request, &token),
            LoginRequest::Password {
                selector,
                password,
                code,
            } => self.password_login(request, &selector, &password, code.as_deref()),
            LoginRequest::Incomplete => failed(self.unauthorized(), None),
        }
    }

    /// The body as a JSON object; a refused body type reads as empty, unreadable JSON is `None`.
    fn read_body(&self, request: &Request) -> Option<Map<String, Value>> {
        let as_form = |request: &Request| form_object(&Params::form(&request.body));
        if params::is_json(request) {
            if self.faults.reject_json {
                return Some(Map::new());
            }
            return match params::json_body(request) {
                JsonBody::Object(map) => Some(map),
                JsonBody::Absent => Some(Map::new()),
                JsonBody::Invalid => None,
            };
        }
        if params::is_form(request) {
            return Some(if self.faults.reject_form {
                Map::new()
            } else {
                as_form(request)
            });
        }
        match params::json_body(request) {
            JsonBody::Object(map) if !self.faults.reject_json => Some(map),
            JsonBody::Object(_) | JsonBody::Absent => Some(Map::new()),
            JsonBody::Invalid if self.faults.reject_form => Some(Map::new()),
            JsonBody::Invalid => Some(as_form(request)),
        }
    }

    fn resume(&self, request: &Request, token: &str) -> (ResponseTemplate, Attempt) {
        let session = lock(&self.sessions).get(token).cloned();
        let account = session
            .filter(|_| !self.faults.break_resume)
            .and_then(|s| self.accounts.by_username(&s.username))
            .or_else(|| {
                self.faults
                    .accept_any_resume
                    .then(|| self.accounts.iter().next())
                    .flatten()
            });
        match account {
            Some(account) => self.success(request, account, token),
            None => failed(self.failure(json!(403), LOGGED_OUT, None), None),
        }
    }

    fn password_login(
        &self,
        request: &Request,
        selector: &Selector,
        password: &Password,
        code: Option<&str>,
    ) -> (ResponseTemplate, Attempt) {
        let account = match selector {
            Selector::Username(name) => self.accounts.by_username(name),
            Selector::Email(email) => self.accounts.by_email(email),
        };
        let Some(account) = account else {
            let named = match selector {
                Selector::Username(name) | Selector::Email(name) => name,
            };
            return failed(self.unauthorized(), Some(named));
        };
        let user = Some(account.username.as_str());
        let password_ok = match password {
            Password::Plain(p) => self.accounts.password_ok(account, p),
            Password::Sha256(digest) => digest.eq_ignore_ascii_case(&sha256_hex(&account.password)),
        };
        let password_skipped = self.faults.code_skips_password && account.second_factor.is_some();
        if !password_ok && !self.faults.accept_wrong_password && !password_skipped {
            return failed(self.unauthorized(), user);
        }
        let form_bypass = self.faults.form_bypasses_2fa && params::is_form(request);
        if let Some(factor) = &account.second_factor
            && !self.faults.bypass_2fa
            && !form_bypass
        {
            let details = json!({"method": "totp", "availableMethods": ["totp"]});
            match code {
                None => {
                    let required =
                        self.failure(json!("totp-required"), "TOTP Required", Some(details));
                    return (required, Attempt::NotCounted);
                }
                Some(c)
                    if self.faults.accept_any_code
                        || self.accounts.code_ok(account, c)
                        || (self.faults.code_prefix_compare && factor.accepts_prefix(c, 4))
                        || (self.faults.accept_stale_codes && factor.accepts_stale(c))
                        || (self.faults.trust_header_code
                            && params::header(request, "x-2fa-code").as_deref() == Some(c)) => {}
                Some(_) => {
                    let invalid =
                        self.failure(json!("totp-invalid"), "TOTP Invalid", Some(details));
                    return failed(invalid, user);
                }
            }
        }
        let token = random_string(BASE64URL, self.faults.auth_token_length);
        self.success(request, account, &token)
    }

    fn success(
        &self,
        request: &Request,
        account: &RefAccount,
        token: &str,
    ) -> (ResponseTemplate, Attempt) {
        let id = self.id_of(account);
        let user_id = if self.faults.user_id_differs || self.faults.wrong_user_id {
            meteor_id()
        } else {
            id.clone()
        };
        // The `wrong_user_id` mutant answers one id and checks `/me` against another.
        let session_user_id = if self.faults.wrong_user_id {
            id.clone()
        } else {
            user_id.clone()
        };
        let session = Session {
            username: account.username.clone(),
            user_id: session_user_id,
        };
        lock(&self.sessions).insert(token.to_string(), session);
        let mut me = self.me(request, account, &id);
        if self.faults.echo_password {
            me.insert("password".into(), json!(account.password));
        }
        let status = if self.faults.status_ok {
            "ok"
        } else {
            "success"
        };
        let mut body = json!({
            "status": status,
            "data": {"userId": user_id, "authToken": token, "me": me}
        });
        if self.faults.success_flag {
            body["success"] = json!(true);
        }
        let attempt = Attempt::Succeeded {
            user: account.username.clone(),
        };
        (self.render.json(self.faults.success_status, &body), attempt)
    }

    fn id_of(&self, account: &RefAccount) -> String {
        self.ids.get(&account.username).cloned().unwrap_or_default()
    }

    /// `data.me`: Rocket.Chat's `getUserInfo` of the account.
    fn me(&self, request: &Request, account: &RefAccount, id: &str) -> Map<String, Value> {
        let base = params::header(request, "host")
            .map_or_else(|| self.base_url.clone(), |host| format!("http://{host}"));
        let emails: Vec<Value> = account
            .email
            .iter()
            .map(|address| match self.faults.me_fault {
                MeFault::EmailsAsStrings => json!(address),
                _ => json!({"address": address, "verified": false}),
            })
            .collect();
        let id_field = match self.faults.me_fault {
            MeFault::IdRenamed => "id",
            _ => "_id",
        };
        let mut me = Map::new();
        me.insert(id_field.into(), json!(id));
        me.insert("name".into(), json!(account.username));
        me.insert("emails".into(), Value::Array(emails));
        for (key, value) in [
            ("status", json!("online")),
            ("statusConnection", json!("online")),
            ("username", json!(account.username)),
            ("utcOffset", json!(0)),
            ("active", json!(true)),
            ("roles", json!(["user"])),
            ("settings", json!({"preferences": {}})),
            (
                "avatarUrl",
                json!(format!("{base}/avatar/{}", account.username)),
            ),
        ] {
            me.insert(key.into(), value);
        }
        if self.faults.me_fault == MeFault::MissingAvatarUrl {
            me.remove("avatarUrl");
        }
        if self.faults.me_minimal {
            for optional in ["name", "emails", "statusConnection", "utcOffset"] {
                me.remove(optional);
            }
        }
        if self.faults.extra_me_fields {
            me.insert("language".into(), json!("en"));
            me.insert("requirePasswordChange".into(), json!(false));
        }
        me
    }

    fn must_log_in(&self) -> ResponseTemplate {
        self.render
            .json(401, &json!({"status": "error", "message": MUST_LOG_IN}))
    }

    fn unauthorized(&self) -> ResponseTemplate {
        self.failure(json!("Unauthorized"), "Unauthorized", None)
    }

    fn failure(&self, error: Value, message: &str, details: Option<Value>) -> ResponseTemplate {
        let body = match self.faults.failure_body {
            RocketChatFailureBody::PlainText => {
                return reply::empty(self.faults.failure_status)
                    .set_body_raw(message.as_bytes().to_vec(), "text/plain; charset=utf-8");
            }
            RocketChatFailureBody::Slim => json!({"success": false, "error": "unauthorized"}),
            RocketChatFailureBody::Pre8 => {
                let mut body = json!({"success": false, "status": "error", "error": error});
                if let Some(details) = details {
                    body["details"] = details;
                }
                body["message"] = json!(message);
                body
            }
        };
        self.render.json(self.faults.failure_status, &body)
    }

    /// The session named by `X-Auth-Token` and `X-User-Id`, with its token.
    fn authenticated(&self, request: &Request) -> Option<(String, Session)> {
        let token = params::header(request, "x-auth-token")?;
        let user_id = params::header(request, "x-user-id")?;
        let session = lock(&self.sessions).get(&token).cloned()?;
        (session.user_id == user_id && !self.faults.refuse_issued_tokens)
            .then_some((token, session))
    }

    fn me_endpoint(&self, request: &Request) -> ResponseTemplate {
        let account = self
            .authenticated(request)
            .and_then(|(_, session)| self.accounts.by_username(&session.username));
        let Some(account) = account else {
            return self.must_log_in();
        };
        let mut me = self.me(request, account, &self.id_of(account));
        me.insert("success".into(), json!(true));
        self.render.json(200, &Value::Object(me))
    }

    fn logout(&self, request: &Request) -> ResponseTemplate {
        let Some((token, _)) = self.authenticated(request) else {
            return self.must_log_in();
        };
        lock(&self.sessions).remove(&token);
        self.render.json(
            200,
            &json!({"status": "success", "data": {"message": "You've been logged out!"}}),
        )
    }
}
