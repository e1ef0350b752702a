//! Starting, recycling and stopping a reference server on wiremock.
//!
//! Each API contributes [`Route`]s (method, path pattern, handler); this module mounts
//! them, counts the requests they answer, passes them through the guards that are on
//! (`guards.rs`), and re-mounts them now and then so that a long-running server does not
//! keep every request in memory.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tokio::task::JoinHandle;
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::accounts::Accounts;
use super::api::Api;
use super::error::ReferenceError;
use super::faults::Faults;
use super::guards::{Clock, Guard, Guards, Login, SystemClock};
use super::reply::Render;
use super::{cielo24, coldstream, payroll, rocketchat, txty};
use crate::profile::Profile;

/// How long a server must have been idle before its mocks are re-mounted.
const RECYCLE_IDLE: Duration = Duration::from_millis(50);

/// How long [`ReferenceServer::shutdown`] waits for the port to close.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(2);

/// How to run a reference server.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// Address to listen on; port 0 picks a free port.
    pub bind: SocketAddr,
    /// Re-mount the mocks after this many requests, once the server is idle (for
    /// long-running servers: wiremock keeps every matched request, ~5 KB each).
    pub recycle_after: Option<u64>,
    /// Deliberate deviations; the default is the correct behaviour.
    pub faults: Faults,
    /// What guarded real servers add (rate limiting, failed-login blocking, TOTP
    /// no-reuse); the default adds nothing.
    pub guards: Guards,
    /// Added to every answer, to stand in for a real network (benchmarks).
    pub latency: Option<Duration>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            bind: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            recycle_after: None,
            faults: Faults::default(),
            guards: Guards::default(),
            latency: None,
        }
    }
}

/// What every API's routes are built from.
pub(crate) struct Context {
    /// The accounts logins are checked against.
    pub(crate) accounts: Arc<Accounts>,
    /// The server's base URL, for URLs inside bodies.
    pub(crate) base_url: String,
    /// How bodies are written.
    pub(crate) render: Render,
}

/// One endpoint: the methods and path it answers and who answers.
#[derive(Clone)]
pub(crate) struct Route {
    /// HTTP methods, each mounted as its own mock.
    pub(crate) methods: &'static [&'static str],
    /// An anchored regular expression for the URL path.
    pub(crate) path: &'static str,
    /// Who answers; its state lives outside the mock, so re-mounting keeps it.
    pub(crate) handler: Handler,
}

/// Who answers a route: any endpoint, or a login the lockout can watch.
#[derive(Clone)]
pub(crate) enum Handler {
    /// An endpoint that is not a login.
    Plain(Arc<dyn Respond>),
    /// A login endpoint: it says how each attempt went and how it words a block.
    Login(Arc<dyn Login>),
}

impl Handler {
    /// The answer without any guard.
    pub(crate) fn answer(&self, request: &Request) -> ResponseTemplate {
        match self {
            Handler::Plain(responder) => responder.respond(request),
            Handler::Login(login) => login.attempt(request).0,
        }
    }
}

/// A running reference server. Stop it with [`ReferenceServer::shutdown`]; dropping it
/// stops it too, without waiting for the port to close.
pub struct ReferenceServer {
    server: Option<Arc<MockServer>>,
    recycler: Option<JoinHandle<()>>,
    activity: Arc<Activity>,
    address: SocketAddr,
}

impl std::fmt::Debug for ReferenceServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReferenceServer")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

/// Starts the reference implementation of `api` for the accounts of `profile`.
///
/// Needs a Tokio runtime with timers when `recycle_after` is set (the recycler is a task).
///
/// # Errors
///
/// [`ReferenceError::Bind`] when the address cannot be bound; the account errors when
/// the profile has an account the reference cannot check logins for.
pub async fn serve(
    api: Api,
    profile: &Profile,
    options: ServeOptions,
) -> Result<ReferenceServer, ReferenceError> {
    serve_with_clock(api, profile, options, Arc::new(SystemClock)).await
}

/// [`serve`], the guards reading time from `clock`.
pub(crate) async fn serve_with_clock(
    api: Api,
    profile: &Profile,
    options: ServeOptions,
    clock: Arc<dyn Clock>,
) -> Result<ReferenceServer, ReferenceError> {
    let accounts = Arc::new(
        Accounts::from_profile(profile)?
            .with_password_check(options.faults.password_check)
            .with_totp_no_reuse(options.guards.totp_no_reuse),
    );
    let bind_error = |source| ReferenceError::Bind {
        addr: options.bind,
        source,
    };
    let listener = std::net::TcpListener::bind(options.bind).map_err(bind_error)?;
    let address = connectable(listener.local_addr().map_err(bind_error)?);
    let context = Context {
        accounts,
        base_url: format!("http://{address}"),
        render: Render {
            reverse_keys: options.faults.reverse_key_order,
            json_as_html: options.faults.json_as_html,
        },
    };
    let routes: Arc<[Route]> = routes(api, &context, &options.faults).into();
    let activity = Arc::new(Activity::new(options.recycle_after));
    let guard = (options.guards.rate_limit.is_some() || options.guards.lockout.is_some())
        .then(|| Arc::new(Guard::new(options.guards.clone(), clock)));
    let mounts = Mounts {
        routes,
        activity: activity.clone(),
        guard,
        latency: options.latency,
        no_store: !options.faults.cacheable_answers,
    };
    let server = MockServer::builder()
        .listener(listener)
        .disable_request_recording()
        .start()
        .await;
    let server = Arc::new(server);
    mounts.mount(&server).await;
    let recycler = options
        .recycle_after
        .map(|after| tokio::spawn(recycle_loop(server.clone(), mounts, after)));
    Ok(ReferenceServer {
        server: Some(server),
        recycler,
        activity,
        address,
    })
}

fn routes(api: Api, context: &Context, faults: &Faults) -> Vec<Route> {
    match api {
        Api::Txty => txty::routes(context, faults.txty.clone()),
        Api::Cielo24 => cielo24::routes(context, faults.cielo24.clone()),
        Api::RocketChat => rocketchat::routes(context, faults.rocketchat.clone()),
        Api::Payroll => payroll::routes(context, faults.payroll.clone()),
        Api::Coldstream => coldstream::routes(context, faults.coldstream.clone()),
    }
}

/// The address clients should use: a wildcard bind is reached over loopback.
fn connectable(local: SocketAddr) -> SocketAddr {
    match local.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => (Ipv4Addr::LOCALHOST, local.port()).into(),
        IpAddr::V6(ip) if ip.is_unspecified() => (Ipv6Addr::LOCALHOST, local.port()).into(),
        _ => local,
    }
}

impl ReferenceServer {
    /// The base URL, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The address clients connect to.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Requests answered since the server started, per route (`METHOD path-pattern`).
    pub fn requests_by_route(&self) -> std::collections::BTreeMap<String, u64> {
        self.activity
            .by_route
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default()
    }

    /// How many times the mocks have been re-mounted (see [`ServeOptions::recycle_after`]).
    pub fn recycles(&self) -> u64 {
        self.activity.recycles.load(Ordering::Relaxed)
    }

    /// Stops the server and waits (up to 2 s) until its port refuses connections.
    pub async fn shutdown(mut self) {
        if let Some(recycler) = self.recycler.take() {
            recycler.abort();
            // The task only ends by abort; its result says nothing useful.
            let _ = recycler.await;
        }
        // The last reference: wiremock signals its server thread to stop.
        drop(self.server.take());
        let deadline = Instant::now() + SHUTDOWN_WAIT;
        while Instant::now() < deadline {
            if tokio::net::TcpStream::connect(self.address).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl Drop for ReferenceServer {
    fn drop(&mut self) {
        if let Some(recycler) = self.recycler.take() {
            recycler.abort();
        }
    }
}

/// Request counting for the recycler.
struct Activity {
    origin: Instant,
    /// Requests answered since the last recycle.
    served: AtomicU64,
    /// Milliseconds from `origin` to the last answered request.
    last_ms: AtomicU64,
    recycles: AtomicU64,
    threshold: u64,
    due: Notify,
    /// Requests answered since the start, per route (never reset by recycling).
    by_route: std::sync::Mutex<std::collections::BTreeMap<String, u64>>,
}

impl Activity {
    fn new(recycle_after: Option<u64>) -> Self {
        Self {
            origin: Instant::now(),
            served: AtomicU64::new(0),
            last_ms: AtomicU64::new(0),
            recycles: AtomicU64::new(0),
            threshold: recycle_after.unwrap_or(u64::MAX).max(1),
            due: Notify::new(),
            by_route: std::sync::Mutex::new(std::collections::BTreeMap::new()),
        }
    }

    fn millis(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn record(&self, route: &str) {
        if let Ok(mut by_route) = self.by_route.lock() {
            *by_route.entry(route.to_string()).or_insert(0) += 1;
        }
        let served = self.served.fetch_add(1, Ordering::Relaxed) + 1;
        self.last_ms.store(self.millis(), Ordering::Relaxed);
        if served >= self.threshold {
            // Stores a permit if the recycler is busy, so the signal is never lost.
            self.due.notify_one();
        }
    }

    fn idle_for(&self) -> Duration {
        Duration::from_millis(
            self.millis()
                .saturating_sub(self.last_ms.load(Ordering::Relaxed)),
        )
    }
}

/// Counts each answered request, then lets the guards (if any) and the API answer it.
struct Counted {
    handler: Handler,
    activity: Arc<Activity>,
    guard: Option<Arc<Guard>>,
    /// The route as the rate limiter keys it: method and path pattern.
    route: String,
    latency: Option<Duration>,
    /// Whether answers say `Cache-Control: no-store` (RFC 6749 §5.1: answers carrying
    /// credentials must not be cached).
    no_store: bool,
}

impl Respond for Counted {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.activity.record(&self.route);
        let answer = match &self.guard {
            Some(guard) => guard.respond(&self.route, &self.handler, request),
            None => self.handler.answer(request),
        };
        let answer = if self.no_store {
            answer.insert_header("cache-control", "no-store")
        } else {
            answer
        };
        match self.latency {
            Some(latency) => answer.set_delay(latency),
            None => answer,
        }
    }
}

/// What is mounted, again on every recycle.
struct Mounts {
    routes: Arc<[Route]>,
    activity: Arc<Activity>,
    guard: Option<Arc<Guard>>,
    latency: Option<Duration>,
    no_store: bool,
}

impl Mounts {
    async fn mount(&self, server: &MockServer) {
        for route in self.routes.iter() {
            for verb in route.methods {
                Mock::given(method(*verb))
                    .and(path_regex(route.path))
                    .respond_with(Counted {
                        handler: route.handler.clone(),
                        activity: self.activity.clone(),
                        guard: self.guard.clone(),
                        route: format!("{verb} {}", route.path),
                        latency: self.latency,
                        no_store: self.no_store,
                    })
                    .mount(server)
                    .await;
            }
        }
    }
}

/// Re-mounts the mocks after `after` requests once the server has been idle for
/// [`RECYCLE_IDLE`], dropping the requests wiremock keeps in each mock.
///
/// Known window: `reset()` and the re-mount take wiremock's lock separately, so a request
/// that arrives in between (a few microseconds) finds no mock and gets wiremock's bare
/// 404. Waiting for idleness first makes this unlikely; wiremock offers no atomic swap.
async fn recycle_loop(server: Arc<MockServer>, mounts: Mounts, after: u64) {
    let activity = mounts.activity.clone();
    loop {
        activity.due.notified().await;
        if activity.served.load(Ordering::Relaxed) < after {
            continue;
        }
        loop {
            let idle = activity.idle_for();
            if idle >= RECYCLE_IDLE {
                break;
            }
            tokio::time::sleep(RECYCLE_IDLE.saturating_sub(idle)).await;
        }
        activity.served.store(0, Ordering::Relaxed);
        server.reset().await;
        mounts.mount(&server).await;
        activity.recycles.fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_binds_are_reached_over_loopback() {
        let any: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        assert_eq!(connectable(any).to_string(), "127.0.0.1:8080");
        let any6: SocketAddr = "[::]:8080".parse().unwrap();
        assert_eq!(connectable(any6).to_string(), "[::1]:8080");
        let fixed: SocketAddr = "192.0.2.1:1".parse().unwrap();
        assert_eq!(connectable(fixed), fixed);
    }

    #[test]
    fn every_route_pattern_compiles_and_is_anchored() {
        let profile = crate::profile::reference_profile();
        let context = Context {
            accounts: Arc::new(Accounts::from_profile(&profile).unwrap()),
            base_url: "http://127.0.0.1:1".into(),
            render: Render::default(),
        };
        for api in Api::ALL {
            for route in routes(api, &context, &Faults::default()) {
                assert!(regex::Regex::new(route.path).is_ok(), "{}", route.path);
                assert!(route.path.starts_with('^') && route.path.ends_with('$'));
                assert!(!route.methods.is_empty());
            }
        }
    }
}
