//! The replay server: a loopback wiremock server that answers a run's requests from a
//! recording, each answer as a script (the recording itself, or one mutation of it)
//! says.
//!
//! A request is matched by its [`RequestKey`] (method, path, query, the headers the
//! plan sets, the body — codes and credentials by role — and the case's account), told
//! to the server by the run itself just before it sends ([`Prompter`]); repeated keys
//! are answered in recording order. A request matching nothing gets
//! [`NOT_RECORDED`] with a body saying so.

use std::collections::HashMap;
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use url::Url;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::jwt::{JwtEdit, rewrite_jwts};
use super::key::{Canon, RawRequest, RequestKey, StepContext};
use super::recording::{Answer, Recording};
use crate::assert::Response;
use crate::exec::{ExchangeRecorder, RequestRecord, Scope};
use crate::plan::StepPlan;
use crate::profile::Profile;

/// The status of an answer to a request the recording does not hold.
pub(crate) const NOT_RECORDED: u16 = 599;

/// What the replay answers: one answer per recorded exchange, and the JWT edit.
#[derive(Clone)]
pub(crate) struct Script {
    pub(crate) answers: Vec<Answer>,
    pub(crate) jwt: JwtEdit,
    /// `(served, recorded)` values the script changed that requests may send back.
    pub(crate) aliases: Vec<(String, String)>,
}

impl Script {
    /// The recording as it was.
    pub(crate) fn identity(recording: &Recording) -> Self {
        Self {
            answers: recording
                .exchanges
                .iter()
                .map(|e| e.answer.clone())
                .collect(),
            jwt: JwtEdit::None,
            aliases: Vec::new(),
        }
    }
}

/// A recording's keys, indexed; shared by every replay of it.
pub(crate) struct Index {
    canon: Canon,
    exact: HashMap<RequestKey, Vec<usize>>,
    /// By request alone, whatever the account (a token of another account).
    loose: HashMap<String, Vec<usize>>,
    made: SystemTime,
}

impl Index {
    pub(crate) fn new(recording: &Recording, profile: &Profile) -> Self {
        let mut exact: HashMap<RequestKey, Vec<usize>> = HashMap::new();
        let mut loose: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, e) in recording.exchanges.iter().enumerate() {
            exact.entry(e.key.clone()).or_default().push(i);
            loose.entry(e.key.request.clone()).or_default().push(i);
        }
        Self {
            canon: Canon::new(profile),
            exact,
            loose,
            made: recording.made,
        }
    }
}

/// What one replay server knows and remembers.
struct State {
    index: Arc<Index>,
    script: Script,
    /// The step about to be sent, as the run told it.
    context: Mutex<StepContext>,
    /// Answers served so far per key (the next of a repeated key comes next).
    cursors: Mutex<HashMap<String, usize>>,
    /// `(served, recorded)` values: a rewritten token sent back is matched as recorded.
    aliases: Mutex<Vec<(String, String)>>,
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReplayState(contents withheld)")
    }
}

/// Tells the replay server which step is about to send (an [`ExchangeRecorder`] that
/// records nothing).
#[derive(Debug)]
pub(crate) struct Prompter(Arc<State>);

impl ExchangeRecorder for Prompter {
    fn sending(&self, _case: &str, step: &StepPlan, scope: &Scope) {
        *lock(&self.0.context) = StepContext::of(step, scope);
    }

    fn exchanged(&self, _: &str, _: &StepPlan, _: &Scope, _: &RequestRecord, _: &Response) {}
}

/// A running replay server.
pub(crate) struct ReplayServer {
    server: MockServer,
    state: Arc<State>,
}

impl ReplayServer {
    /// Starts a server answering from `index` as `script` says.
    pub(crate) async fn start(index: Arc<Index>, script: Script) -> Result<Self, String> {
        let listener = std::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .map_err(|e| format!("the replay server cannot listen: {e}"))?;
        let mut script = script;
        script
            .aliases
            .sort_by_key(|(served, _)| std::cmp::Reverse(served.len()));
        let aliases = script.aliases.clone();
        let state = Arc::new(State {
            index,
            script,
            context: Mutex::new(StepContext::default()),
            cursors: Mutex::new(HashMap::new()),
            aliases: Mutex::new(aliases),
        });
        let server = MockServer::builder()
            .listener(listener)
            .disable_request_recording()
            .start()
            .await;
        Mock::given(wiremock::matchers::any())
            .respond_with(Responder(Arc::clone(&state)))
            .mount(&server)
            .await;
        Ok(Self { server, state })
    }

    /// The URL to run against: the target's path and query on this server.
    pub(crate) fn target(&self, recorded: &Url) -> Result<Url, String> {
        let mut url = Url::parse(&self.server.uri()).map_err(|e| e.to_string())?;
        url.set_path(recorded.path());
        url.set_query(recorded.query());
        Ok(url)
    }

    /// The recorder to run with, so the server knows each step before it is sent.
    pub(crate) fn prompter(&self) -> Prompter {
        Prompter(Arc::clone(&self.state))
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

struct Responder(Arc<State>);

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let state = &self.0;
        let Some(i) = state.find(request) else {
            return ResponseTemplate::new(NOT_RECORDED)
                .insert_header("content-type", "text/plain; charset=utf-8")
                .set_body_bytes(format!(
                    "conform replay: {} {} is not in the recording (the run sent a request the recorded run did not)",
                    request.method,
                    request.url.path()
                ));
        };
        state.answer(&state.script.answers[i])
    }
}

impl State {
    /// The recorded exchange `request` stands for.
    fn find(&self, request: &Request) -> Option<usize> {
        let aliases = lock(&self.aliases).clone();
        let restore = |text: &str| {
            let mut out = text.to_string();
            for (served, recorded) in &aliases {
                if out.contains(served.as_str()) {
                    out = out.replace(served.as_str(), recorded);
                }
            }
            out
        };
        let query = request.url.query().map(&restore);
        let headers: Vec<(String, String)> = request
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_string(),
                    restore(&String::from_utf8_lossy(v.as_bytes())),
                )
            })
            .collect();
        let body = restore(&String::from_utf8_lossy(&request.body));
        let raw = RawRequest {
            method: request.method.as_str(),
            path: request.url.path(),
            query: query.as_deref(),
            headers: headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect(),
            body: &body,
        };
        let key = self.index.canon.key(&lock(&self.context), &raw);
        let mut cursors = lock(&self.cursors);
        let mut next = |label: String, list: &Vec<usize>| {
            let at = cursors.entry(label).or_insert(0);
            let i = list[(*at).min(list.len() - 1)];
            *at += 1;
            i
        };
        if let Some(list) = self.index.exact.get(&key) {
            return Some(next(format!("{}\u{0}{}", key.account, key.request), list));
        }
        let list = self.index.loose.get(&key.request)?;
        Some(next(format!("*\u{0}{}", key.request), list))
    }

    /// The answer as served: JWT times shifted to now and the script's JWT edit.
    fn answer(&self, answer: &Answer) -> ResponseTemplate {
        let now = SystemTime::now();
        let shift = now
            .duration_since(self.index.made)
            .map_or(0, |d| d.as_secs() as i64);
        let now = now
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let mut changed = Vec::new();
        let body = match std::str::from_utf8(&answer.body) {
            Ok(text) => {
                let (text, c) = rewrite_jwts(text, shift, self.script.jwt, now);
                changed.extend(c);
                text.into_bytes()
            }
            Err(_) => answer.body.clone(),
        };
        let mut template = ResponseTemplate::new(answer.status);
        for (name, value) in &answer.headers {
            let lower = name.to_ascii_lowercase();
            if ["content-length", "transfer-encoding", "connection", "date"]
                .contains(&lower.as_str())
            {
                continue;
            }
            let (value, c) = rewrite_jwts(value, shift, self.script.jwt, now);
            changed.extend(c);
            if reqwest::header::HeaderName::from_bytes(lower.as_bytes()).is_ok()
                && reqwest::header::HeaderValue::from_str(&value).is_ok()
            {
                template = template.append_header(lower.as_str(), value.as_str());
            }
        }
        if !changed.is_empty() {
            let mut aliases = lock(&self.aliases);
            for pair in changed {
                if !aliases.contains(&pair) {
                    aliases.push(pair);
                }
            }
            aliases.sort_by_key(|(served, _)| std::cmp::Reverse(served.len()));
        }
        template.set_body_bytes(body)
    }
}
