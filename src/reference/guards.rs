//! Guards: what guarded real servers do on top of an API's contract — a rate limiter, a
//! block after repeated failed logins, and refusing a TOTP code used twice.
//!
//! Part of the reference, off by default ([`Guards::default`] changes nothing). The shapes
//! are Rocket.Chat's, from its server code (`ApiClass.ts` `enforceRateLimit`,
//! `restrictLoginAttempts.ts`), applied to every API: each API only says, per login,
//! whom it concerned and how it went ([`Attempt`]) and how it words a block. Never reads
//! specs and never decides what a login means; `server.rs` calls [`Guard::respond`] for
//! every request.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;
use wiremock::{Request, ResponseTemplate};

use super::params;
use super::reply::Render;
use super::server::Handler;
use super::store::lock;

/// A blocked IP tolerates this many failures per failure a user is allowed (Rocket.Chat's
/// defaults: 10 per user, 50 per IP).
pub const LOCKOUT_IP_RATIO: u32 = 5;

/// How many rate-limit windows are kept before expired ones are dropped.
const WINDOWS_KEPT: usize = 10_000;

/// The guards a reference server applies; the default applies none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Guards {
    /// At most this many calls per client IP and route in a fixed window.
    pub rate_limit: Option<RateLimit>,
    /// Block logins after repeated failures.
    pub lockout: Option<Lockout>,
    /// Refuse a TOTP code that was accepted before, within its validity (RFC 6238 §5.2).
    pub totp_no_reuse: bool,
}

impl Guards {
    /// Whether no guard is on.
    pub fn is_off(&self) -> bool {
        self == &Guards::default()
    }
}

impl fmt::Display for Guards {
    /// `rate limit 3/1s, lockout 5/2s, no TOTP reuse`, or `no guards`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(limit) = &self.rate_limit {
            parts.push(format!("rate limit {limit}"));
        }
        if let Some(lockout) = &self.lockout {
            parts.push(format!("lockout {lockout}"));
        }
        if self.totp_no_reuse {
            parts.push("no TOTP reuse".to_string());
        }
        if parts.is_empty() {
            return f.write_str("no guards");
        }
        f.write_str(&parts.join(", "))
    }
}

/// Rocket.Chat's REST rate limiter: `calls` per `window` for each client IP and route
/// (method and path pattern), in a fixed window that opens with the first call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Calls allowed per window; call `calls + 1` gets 429.
    pub calls: u32,
    /// The window's length.
    pub window: Duration,
}

/// Rocket.Chat's failed-login blocking: a user with `failures` failed logins within
/// `window` since their last successful login is blocked, and so is an IP with
/// `failures × LOCKOUT_IP_RATIO`, until enough of those failures are older than `window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lockout {
    /// Failures per user that block the user.
    pub failures: u32,
    /// How far back failures count.
    pub window: Duration,
}

impl Lockout {
    /// Failures from one IP that block the IP.
    pub fn ip_failures(&self) -> u32 {
        self.failures.saturating_mul(LOCKOUT_IP_RATIO)
    }
}

/// Why `N/DURATION` could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuardParseError {
    /// No `/` between the count and the duration.
    #[error("`{0}` is not N/DURATION (e.g. 10/60s)")]
    Shape(String),
    /// The count is not a whole number of at least 1.
    #[error("`{0}` is not a count of at least 1")]
    Count(String),
    /// The duration is not a humantime duration of at least a millisecond.
    #[error("`{0}` is not a duration of at least 1ms (e.g. 60s, 5m)")]
    Duration(String),
}

fn parse_count_per_duration(text: &str) -> Result<(u32, Duration), GuardParseError> {
    let (count, duration) = text
        .split_once('/')
        .ok_or_else(|| GuardParseError::Shape(text.to_string()))?;
    let count = count
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| GuardParseError::Count(count.to_string()))?;
    let window = humantime::parse_duration(duration.trim())
        .ok()
        .filter(|d| d.as_millis() >= 1)
        .ok_or_else(|| GuardParseError::Duration(duration.to_string()))?;
    Ok((count, window))
}

impl FromStr for RateLimit {
    type Err = GuardParseError;

    /// Reads `N/DURATION`, e.g. `10/60s`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (calls, window) = parse_count_per_duration(text)?;
        Ok(Self { calls, window })
    }
}

impl FromStr for Lockout {
    type Err = GuardParseError;

    /// Reads `N/DURATION`, e.g. `10/5m`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (failures, window) = parse_count_per_duration(text)?;
        Ok(Self { failures, window })
    }
}

impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}",
            self.calls,
            humantime::format_duration(self.window)
        )
    }
}

impl fmt::Display for Lockout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}",
            self.failures,
            humantime::format_duration(self.window)
        )
    }
}

/// Where the guards read the time: the system clock, or a test's.
pub(crate) trait Clock: Send + Sync {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;
}

/// The system clock.
pub(crate) struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }
}

/// How one login request went, as the lockout counts it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Attempt {
    /// Not counted: not a login attempt (a malformed request), or a correct password that
    /// still needs its second factor (Rocket.Chat's `totp-required`).
    NotCounted,
    /// Logged in as this user: the user's and the IP's failures are forgotten.
    Succeeded {
        /// The account's username.
        user: String,
    },
    /// Refused: wrong password, unknown user, wrong code, bad token.
    Failed {
        /// The username the request named, if any.
        user: Option<String>,
    },
}

/// Which block refused a login.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Block {
    /// The client IP has too many failures.
    Ip,
    /// The user has too many failures.
    User,
}

/// A login endpoint, as the lockout sees it.
pub(crate) trait Login: Send + Sync {
    /// The username a request names, read before its credentials are checked.
    fn claimed_user(&self, request: &Request) -> Option<String>;
    /// Answers the request and says how the login went.
    fn attempt(&self, request: &Request) -> (ResponseTemplate, Attempt);
    /// The API's own refusal of a blocked login.
    fn refuse_blocked(&self, request: &Request, block: Block) -> ResponseTemplate;
}

/// The client a request comes from: `X-Real-IP` as Rocket.Chat reads it, else the socket
/// peer. wiremock does not expose the peer address, so every request without `X-Real-IP`
/// counts as one client (`peer`), which on loopback is what the peer would be anyway.
fn client(request: &Request) -> String {
    params::header(request, "x-real-ip")
        .map(|ip| ip.trim().to_string())
        .filter(|ip| !ip.is_empty())
        .unwrap_or_else(|| "peer".to_string())
}

/// The guards of one running server, with their state.
pub(crate) struct Guard {
    guards: Guards,
    clock: Arc<dyn Clock>,
    windows: Mutex<HashMap<(String, String), Window>>,
    failures: Mutex<Failures>,
}

/// One client's rate-limit window on one route.
#[derive(Clone, Copy, Debug)]
struct Window {
    ends_ms: u64,
    calls: u32,
}

/// Recent failures since the last success, per user and per IP; each list keeps only as
/// many as its threshold needs.
#[derive(Default)]
struct Failures {
    users: HashMap<String, VecDeque<u64>>,
    ips: HashMap<String, VecDeque<u64>>,
}

impl Guard {
    /// The state for `guards`, reading time from `clock`.
    pub(crate) fn new(guards: Guards, clock: Arc<dyn Clock>) -> Self {
        Self {
            guards,
            clock,
            windows: Mutex::new(HashMap::new()),
            failures: Mutex::new(Failures::default()),
        }
    }

    /// Answers `request` on the route `route` (method and path pattern) through the
    /// guards that are on.
    pub(crate) fn respond(
        &self,
        route: &str,
        handler: &Handler,
        request: &Request,
    ) -> ResponseTemplate {
        let client = client(request);
        let limit = self.guards.rate_limit.map(|limit| {
            let window = self.count_call(limit, &client, route);
            (limit, window)
        });
        let response = match limit {
            Some((limit, window)) if window.calls > limit.calls => {
                return self.too_many_requests(limit, window);
            }
            _ => self.login_or_answer(&client, handler, request),
        };
        match limit {
            Some((limit, window)) => rate_headers(response, limit, window),
            None => response,
        }
    }

    fn login_or_answer(
        &self,
        client: &str,
        handler: &Handler,
        request: &Request,
    ) -> ResponseTemplate {
        match (handler, self.guards.lockout) {
            (Handler::Login(login), Some(lockout)) => {
                self.guarded_login(lockout, client, login.as_ref(), request)
            }
            _ => handler.answer(request),
        }
    }

    /// Counts a call of `client` on `route` and returns its window after the call.
    fn count_call(&self, limit: RateLimit, client: &str, route: &str) -> Window {
        let now = self.clock.now_ms();
        let mut windows = lock(&self.windows);
        if windows.len() >= WINDOWS_KEPT {
            windows.retain(|_, w| w.ends_ms > now);
        }
        let window = windows
            .entry((client.to_string(), route.to_string()))
            .or_insert(Window {
                ends_ms: 0,
                calls: 0,
            });
        if window.ends_ms <= now {
            *window = Window {
                ends_ms: now.saturating_add(millis(limit.window)),
                calls: 0,
            };
        }
        window.calls = window.calls.saturating_add(1);
        *window
    }

    /// Rocket.Chat's 429: `{success:false, error}` and the rate headers, no `Retry-After`.
    fn too_many_requests(&self, limit: RateLimit, window: Window) -> ResponseTemplate {
        let left_ms = window.ends_ms.saturating_sub(self.clock.now_ms());
        let seconds = left_ms.div_ceil(1000);
        let error = format!(
            "Error, too many requests. Please slow down. You must wait {seconds} seconds before trying this endpoint again. [error-too-many-requests]"
        );
        let response = Render::default().json(429, &json!({"success": false, "error": error}));
        rate_headers(response, limit, window)
    }

    fn guarded_login(
        &self,
        lockout: Lockout,
        client: &str,
        login: &dyn Login,
        request: &Request,
    ) -> ResponseTemplate {
        let claimed = login.claimed_user(request);
        let now = self.clock.now_ms();
        let since = now.saturating_sub(millis(lockout.window));
        let mut failures = lock(&self.failures);
        if recent(failures.ips.get(client), since) >= lockout.ip_failures() {
            // Rocket.Chat counts the IP block itself as a failure, so hammering keeps it on.
            failures.record_failure(lockout, client, claimed.as_deref(), now);
            drop(failures);
            return login.refuse_blocked(request, Block::Ip);
        }
        if let Some(user) = &claimed
            && recent(failures.users.get(user), since) >= lockout.failures
        {
            // Rocket.Chat does not count the user block (`ignoredErrorTypes`).
            drop(failures);
            return login.refuse_blocked(request, Block::User);
        }
        drop(failures);
        let (response, attempt) = login.attempt(request);
        let mut failures = lock(&self.failures);
        match attempt {
            Attempt::NotCounted => {}
            Attempt::Succeeded { user } => {
                failures.users.remove(&user);
                failures.ips.remove(client);
            }
            Attempt::Failed { user } => {
                let user = user.or(claimed);
                failures.record_failure(lockout, client, user.as_deref(), now);
            }
        }
        response
    }
}

impl Failures {
    fn record_failure(&mut self, lockout: Lockout, ip: &str, user: Option<&str>, now: u64) {
        push_bounded(
            self.ips.entry(ip.to_string()).or_default(),
            now,
            lockout.ip_failures(),
        );
        if let Some(user) = user {
            push_bounded(
                self.users.entry(user.to_string()).or_default(),
                now,
                lockout.failures,
            );
        }
    }
}

/// Appends `at`, keeping the latest `keep` entries: the count that blocks needs no more.
fn push_bounded(list: &mut VecDeque<u64>, at: u64, keep: u32) {
    list.push_back(at);
    let keep = usize::try_from(keep).unwrap_or(usize::MAX);
    while list.len() > keep {
        list.pop_front();
    }
}

/// How many of `list` happened after `since`.
fn recent(list: Option<&VecDeque<u64>>, since: u64) -> u32 {
    let count = list.map_or(0, |l| l.iter().filter(|at| **at > since).count());
    u32::try_from(count).unwrap_or(u32::MAX)
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// `X-RateLimit-Limit`, `-Remaining` and `-Reset` (epoch milliseconds of the window's
/// end), as Rocket.Chat sends them on every limited call, allowed or not.
fn rate_headers(response: ResponseTemplate, limit: RateLimit, window: Window) -> ResponseTemplate {
    response
        .insert_header("X-RateLimit-Limit", limit.calls.to_string())
        .insert_header(
            "X-RateLimit-Remaining",
            limit.calls.saturating_sub(window.calls).to_string(),
        )
        .insert_header("X-RateLimit-Reset", window.ends_ms.to_string())
}

/// TOTP codes accepted so far, refused when presented again while still valid.
#[derive(Debug, Default)]
pub(crate) struct UsedCodes {
    used: Mutex<Ledger>,
}

/// `(username, window)` of each accepted code, and when each stops being valid.
#[derive(Debug, Default)]
struct Ledger {
    used: HashSet<(String, u64)>,
    /// `(valid_until, username, window)`, in the order the codes were accepted.
    expiries: VecDeque<(u64, String, u64)>,
}

impl UsedCodes {
    /// Records the code of `window` for `user`, valid until `valid_until` (Unix seconds);
    /// `false` when it was used already.
    pub(crate) fn first_use(&self, user: &str, window: u64, valid_until: u64, now: u64) -> bool {
        let mut ledger = lock(&self.used);
        let Ledger { used, expiries } = &mut *ledger;
        while expiries.front().is_some_and(|(until, _, _)| *until <= now) {
            if let Some((_, user, window)) = expiries.pop_front() {
                used.remove(&(user, window));
            }
        }
        if !used.insert((user.to_string(), window)) {
            return false;
        }
        expiries.push_back((valid_until, user.to_string(), window));
        true
    }
}

/// A refusal text naming the block, for the APIs that word their own.
pub(crate) fn block_text(block: Block) -> &'static str {
    match block {
        Block::Ip => "Login has been temporarily blocked for this IP",
        Block::User => "Login has been temporarily blocked for this user",
    }
}

/// A refusal code naming the block, for the APIs whose errors are codes.
pub(crate) fn block_code(block: Block) -> &'static str {
    match block {
        Block::Ip => "LOGIN_BLOCKED_FOR_IP",
        Block::User => "LOGIN_BLOCKED_FOR_USER",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_per_duration_parses_with_humantime() {
        let limit: RateLimit = "10/60s".parse().unwrap();
        assert_eq!(
            limit,
            RateLimit {
                calls: 10,
                window: Duration::from_secs(60)
            }
        );
        let lockout: Lockout = " 3 / 1m 30s ".parse().unwrap();
        assert_eq!(lockout.failures, 3);
        assert_eq!(lockout.window, Duration::from_secs(90));
        assert_eq!(lockout.ip_failures(), 15);
        assert_eq!(limit.to_string(), "10/1m");
        assert_eq!(
            "10".parse::<RateLimit>(),
            Err(GuardParseError::Shape("10".into()))
        );
        assert_eq!(
            "0/1s".parse::<Lockout>(),
            Err(GuardParseError::Count("0".into()))
        );
        assert_eq!(
            "x/1s".parse::<Lockout>(),
            Err(GuardParseError::Count("x".into()))
        );
        assert_eq!(
            "3/soon".parse::<RateLimit>(),
            Err(GuardParseError::Duration("soon".into()))
        );
        assert_eq!(
            "3/0s".parse::<RateLimit>(),
            Err(GuardParseError::Duration("0s".into()))
        );
        assert_eq!(
            GuardParseError::Shape("10".into()).to_string(),
            "`10` is not N/DURATION (e.g. 10/60s)"
        );
    }

    #[test]
    fn guards_describe_themselves() {
        assert!(Guards::default().is_off());
        assert_eq!(Guards::default().to_string(), "no guards");
        let all = Guards {
            rate_limit: Some("3/1s".parse().unwrap()),
            lockout: Some("5/2s".parse().unwrap()),
            totp_no_reuse: true,
        };
        assert!(!all.is_off());
        assert_eq!(
            all.to_string(),
            "rate limit 3/1s, lockout 5/2s, no TOTP reuse"
        );
    }

    #[test]
    fn a_used_code_is_refused_until_it_expires() {
        let used = UsedCodes::default();
        assert!(used.first_use("bob", 7, 100, 50));
        assert!(!used.first_use("bob", 7, 100, 60));
        assert!(used.first_use("alice", 7, 100, 60), "per user");
        assert!(used.first_use("bob", 8, 130, 60), "per window");
        // Past its validity the entry is forgotten (the code would not verify anyway).
        assert!(used.first_use("bob", 7, 200, 100));
    }

    #[test]
    fn failure_lists_keep_only_what_the_threshold_needs() {
        let mut list = VecDeque::new();
        for at in 0..10 {
            push_bounded(&mut list, at, 3);
        }
        assert_eq!(list, VecDeque::from([7, 8, 9]));
        assert_eq!(recent(Some(&list), 7), 2);
        assert_eq!(recent(None, 0), 0);
    }
}
