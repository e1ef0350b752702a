//! Txty API v4 (seed 000): `/user/newapikey/login.{json,xml}` and the key's follow-up calls.
//!
//! Parameters come from the query string and/or a form body (body wins, as PHP's
//! `$_REQUEST` does). Every answer is HTTP 200 by default: the document signals errors in
//! the body only. A two-factor account first gets `ADDED_TF`, then `ADDED_KEY` when the same
//! request carries a valid `tfkey`; wrong user, password or tfkey all give `USER_NOT_FOUND`
//! with the documented echo of `user` and `pass`. Under the lockout guard a blocked login
//! gets the same error body, its `error` naming the block (`LOGIN_BLOCKED_FOR_USER`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

use super::accounts::{Accounts, RefAccount};
use super::faults::{NoKey, TxtyFaults, TxtyKeyAlphabet, XmlNaming};
use super::guards::{Attempt, Block, Login, block_code};
use super::params::{self, Params};
use super::reply::{self, Render};
use super::server::{Context, Handler, Route};
use super::store::{IssuedTokens, lock};
use super::tokens::{ALPHANUMERIC, random_string};

const LOGIN: &str = r"^/user/newapikey/login\.(json|xml)$";
const VIEW_USER: &str = r"^/view/user/api\.(json|xml)$";
const DELETE_KEY: &str = r"^/user/deleteapikey/api\.(json|xml)$";
const METHODS: &[&str] = &["GET", "POST"];

/// The Txty routes, sharing one key store.
pub(crate) fn routes(context: &Context, faults: TxtyFaults) -> Vec<Route> {
    let state = Arc::new(Txty {
        accounts: context.accounts.clone(),
        faults,
        keys: Mutex::new(Keys::default()),
        render: context.render,
    });
    let login = Route {
        methods: METHODS,
        path: LOGIN,
        handler: Handler::Login(state.clone()),
    };
    let others = [
        (VIEW_USER, Endpoint::ViewUser),
        (DELETE_KEY, Endpoint::DeleteKey),
    ]
    .into_iter()
    .map(|(path, endpoint)| Route {
        methods: METHODS,
        path,
        handler: Handler::Plain(Arc::new(TxtyResponder {
            state: state.clone(),
            endpoint,
        })),
    });
    std::iter::once(login).chain(others).collect()
}

#[derive(Clone, Copy, Debug)]
enum Endpoint {
    ViewUser,
    DeleteKey,
}

struct TxtyResponder {
    state: Arc<Txty>,
    endpoint: Endpoint,
}

impl Respond for TxtyResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if let Some(refusal) = self.state.refuse_method(request) {
            return refusal;
        }
        let params = request_params(request);
        let outcome = match self.endpoint {
            Endpoint::ViewUser => self.state.view_user(&params),
            Endpoint::DeleteKey => self.state.delete_key(&params),
        };
        self.state.answer(is_xml(request), outcome)
    }
}

impl Login for Txty {
    fn claimed_user(&self, request: &Request) -> Option<String> {
        request_params(request)
            .non_empty("user")
            .map(str::to_string)
    }

    fn attempt(&self, request: &Request) -> (ResponseTemplate, Attempt) {
        if let Some(refusal) = self.refuse_method(request) {
            return (refusal, Attempt::NotCounted);
        }
        let (outcome, attempt) = self.login(&request_params(request));
        (self.answer(is_xml(request), outcome), attempt)
    }

    /// An error body like USER_NOT_FOUND's, its code naming the block.
    fn refuse_blocked(&self, request: &Request, block: Block) -> ResponseTemplate {
        let mut body = json!({"status": "error", "error": block_code(block)});
        self.mark_no_key(&mut body);
        self.answer(is_xml(request), Outcome::Error(body))
    }
}

fn is_xml(request: &Request) -> bool {
    request.url.path().ends_with(".xml")
}

/// Query string, then a form body (declared, or undeclared but present) on top.
fn request_params(request: &Request) -> Params {
    let query = Params::query(request);
    let undeclared = params::media_type(request).is_none() && !request.body.is_empty();
    if params::is_form(request) || undeclared {
        query.then(Params::form(&request.body))
    } else {
        query
    }
}

/// A body and whether it reports an error.
enum Outcome {
    Success(Value),
    Error(Value),
}

#[derive(Debug)]
struct IssuedKey {
    username: String,
}

#[derive(Debug, Default)]
struct Keys {
    issued: IssuedTokens<IssuedKey>,
    next_id: u64,
    /// The latest key per user, for the `reuse_key` fault.
    latest: HashMap<String, (u64, String)>,
}

struct Txty {
    accounts: Arc<Accounts>,
    faults: TxtyFaults,
    keys: Mutex<Keys>,
    render: Render,
}

impl Txty {
    /// The 405 of the `post_only` variant.
    fn refuse_method(&self, request: &Request) -> Option<ResponseTemplate> {
        if self.faults.post_only {
            reply::refuse_unless_post(request.method.as_str())
        } else {
            None
        }
    }

    fn login(&self, params: &Params) -> (Outcome, Attempt) {
        let user = params.get("user");
        let pass = params.get("pass");
        let failed = || Attempt::Failed {
            user: user.map(str::to_string),
        };
        let Some(account) = user.and_then(|u| self.accounts.by_username(u)) else {
            return (self.user_not_found(user, pass), failed());
        };
        let succeeded = || Attempt::Succeeded {
            user: account.username.clone(),
        };
        let password_ok = self.faults.accept_wrong_password
            || (self.faults.empty_password_accepted && pass.is_none_or(str::is_empty))
            || pass.is_some_and(|p| self.accounts.password_ok(account, p))
            || (self.faults.code_skips_password && account.second_factor.is_some());
        if !password_ok {
            return (self.user_not_found(user, pass), failed());
        }
        if account.second_factor.is_none() || self.faults.bypass_2fa {
            return (self.issue_key(account, params), succeeded());
        }
        match params.non_empty("tfkey") {
            None => (self.added_tf(account, params), Attempt::NotCounted),
            Some(code) if self.faults.accept_any_tfkey || self.accounts.code_ok(account, code) => {
                (self.issue_key(account, params), succeeded())
            }
            Some(_) => (self.user_not_found(user, pass), failed()),
        }
    }

    fn added_tf(&self, account: &RefAccount, params: &Params) -> Outcome {
        let mut body = json!({"status": self.success_word(), "success": "ADDED_TF"});
        self.mark_no_key(&mut body);
        if self.faults.key_with_added_tf
            && let Outcome::Success(issued) = self.issue_key(account, params)
        {
            body["newapikey"] = issued["newapikey"].clone();
        }
        Outcome::Success(body)
    }

    /// Writes what the `no_key` variant puts where no key is issued.
    fn mark_no_key(&self, body: &mut Value) {
        match self.faults.no_key {
            NoKey::Absent => {}
            NoKey::Null => body["newapikey"] = Value::Null,
            NoKey::EmptyArray => body["newapikey"] = json!([]),
        }
    }

    /// The `status` of success bodies.
    fn success_word(&self) -> &'static str {
        if self.faults.status_ok {
            "ok"
        } else {
            "success"
        }
    }

    fn user_not_found(&self, user: Option<&str>, pass: Option<&str>) -> Outcome {
        let error = if self.faults.wrong_error_code {
            "INVALID_LOGIN"
        } else {
            "USER_NOT_FOUND"
        };
        let mut login = json!({"user": user});
        if self.faults.echo_password {
            login["pass"] = json!(pass);
        }
        let mut body = json!({"status": "error", "error": error, "login": login});
        self.mark_no_key(&mut body);
        Outcome::Error(body)
    }

    fn issue_key(&self, account: &RefAccount, params: &Params) -> Outcome {
        let (id, key) = self.new_key(&account.username);
        let id = if self.faults.controlapikey_as_string {
            json!(id.to_string())
        } else {
            json!(id)
        };
        let key_field = if self.faults.rename_key_field {
            "apikey"
        } else {
            "key"
        };
        let mut body = json!({
            "status": self.success_word(),
            "success": "ADDED_KEY",
            "newapikey": {"controlapikey": id, key_field: key}
        });
        if self.faults.echo_password_on_success {
            body["login"] = json!({"user": account.username, "pass": params.get("pass")});
        }
        if self.faults.extra_fields {
            body["newapikey"]["description"] = json!(params.get("description").unwrap_or(""));
            body["version"] = json!(4);
        }
        Outcome::Success(body)
    }

    fn new_key(&self, username: &str) -> (u64, String) {
        let mut keys = lock(&self.keys);
        if self.faults.reuse_key
            && let Some(latest) = keys.latest.get(username)
        {
            return latest.clone();
        }
        keys.next_id += 1;
        let id = keys.next_id;
        let key = self.random_key();
        let owner = IssuedKey {
            username: username.to_string(),
        };
        keys.issued.insert(key.clone(), owner);
        keys.latest.insert(username.to_string(), (id, key.clone()));
        (id, key)
    }

    fn random_key(&self) -> String {
        let alphabet = match self.faults.key_alphabet {
            TxtyKeyAlphabet::Alphanumeric => ALPHANUMERIC,
            TxtyKeyAlphabet::LowerHex => "0123456789abcdef",
        };
        random_string(alphabet, self.faults.key_length)
    }

    /// Whether `user` and `key` are a pair this server issued (and has not deleted).
    fn authenticated(&self, params: &Params) -> Option<String> {
        let user = params.get("user")?;
        let key = params.get("key")?;
        if self.faults.accept_any_key && self.accounts.by_username(user).is_some() {
            return Some(user.to_string());
        }
        let keys = lock(&self.keys);
        let owner = keys.issued.get(key)?;
        let owned = owner.username == user || self.faults.key_not_bound_to_user;
        (owned && !self.faults.refuse_issued_keys).then(|| user.to_string())
    }

    fn view_user(&self, params: &Params) -> Outcome {
        match self.authenticated(params) {
            Some(username) => Outcome::Success(json!({
                "status": self.success_word(),
                "success": "VIEW_USER",
                "user": {"controluser": 0, "username": username, "status": 10}
            })),
            None => invalid_apikey(),
        }
    }

    fn delete_key(&self, params: &Params) -> Outcome {
        let Some(username) = self.authenticated(params) else {
            return invalid_apikey();
        };
        let Some(target) = params.non_empty("apikey") else {
            return Outcome::Error(json!({
                "status": "error", "error": "EMPTY_APIKEY", "apikey": {"apikey": null}
            }));
        };
        let mut keys = lock(&self.keys);
        if keys
            .issued
            .get(target)
            .is_some_and(|k| k.username == username)
        {
            keys.issued.remove(target);
            keys.latest.retain(|_, (_, key)| key != target);
            Outcome::Success(json!({"status": "success", "success": "DELETE_APIKEY"}))
        } else {
            Outcome::Error(json!({
                "status": "error", "error": "APIKEY_NOT_FOUND", "apikey": {"apikey": target}
            }))
        }
    }

    fn answer(&self, xml: bool, outcome: Outcome) -> ResponseTemplate {
        let (status, body) = match outcome {
            Outcome::Success(body) => (200, body),
            Outcome::Error(body) => (self.faults.error_status, body),
        };
        if xml && !self.faults.xml_answers_json {
            return match self.faults.xml_naming {
                XmlNaming::Response => self.render.xml(status, "response", &body, &str::to_string),
                XmlNaming::Result => self.render.xml(status, "result", &body, &str::to_string),
                XmlNaming::UpperCase => {
                    self.render
                        .xml(status, "RESPONSE", &body, &str::to_ascii_uppercase)
                }
            };
        }
        let content_type = if self.faults.json_charset {
            reply::JSON_UTF8
        } else {
            reply::JSON
        };
        self.render.json_as(status, &body, content_type)
    }
}

fn invalid_apikey() -> Outcome {
    Outcome::Error(json!({"status": "error", "error": "INVALID_APIKEY"}))
}
