//! What a run shares to stay within a guarded server's limits: the total time it may
//! spend waiting (`--max-wait`), the pace of each route (a spent allowance, and
//! `--rate N/DURATION`), and the accounts found blocked. Waits are announced as they
//! start and tick down, so a terminal can show a countdown.

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;

use super::codes::CodeNotice;
use crate::profile::AccountName;

/// Something the run says while it goes, apart from finished cases.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunNotice {
    /// A case starts sending.
    CaseStarted {
        /// The case.
        case: String,
    },
    /// A step of a case has its answer (or its transport fault).
    StepFinished {
        /// The case.
        case: String,
        /// The step's index in the case's record.
        step: usize,
        /// The step's name.
        name: String,
        /// The answer's status, when one came.
        status: Option<u16>,
    },
    /// About second-factor codes (fresh windows, the state file).
    Code(CodeNotice),
    /// A wait is under way: `left` is what remains; sent when it starts and about every
    /// second after.
    Wait {
        /// The case waiting (`None`: pacing before a request of no case in particular).
        case: String,
        /// What remains of the wait.
        left: Duration,
        /// Why (throttled by whom, with which source of the wait).
        reason: String,
    },
    /// A wait is over.
    WaitOver {
        /// The case that waited.
        case: String,
    },
    /// An account was logged in again to reset its failed-login count.
    Reset {
        /// The account.
        account: AccountName,
        /// The case rerun to do it.
        via: String,
        /// Whether the login succeeded.
        ok: bool,
    },
    /// An account was found blocked; its remaining cases are skipped.
    Locked {
        /// The account.
        account: AccountName,
        /// What the server said.
        reason: String,
    },
    /// An active probe (`--probe`) ran, found nothing, or was skipped.
    Probe {
        /// What it came to (masked).
        report: crate::advise::ProbeReport,
        /// The id of the case it ran (made from one of the plan's, not in the plan), if
        /// it ran one.
        ran: Option<String>,
    },
}

/// A request rate: `N` requests per `window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    /// Requests allowed per window.
    pub requests: u32,
    /// The window.
    pub window: Duration,
}

impl Rate {
    /// The spacing between requests that keeps to the rate.
    pub fn spacing(self) -> Duration {
        self.window / self.requests.max(1)
    }
}

impl FromStr for Rate {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (n, window) = text
            .split_once('/')
            .ok_or_else(|| format!("`{text}` is not N/DURATION, e.g. 10/60s"))?;
        let requests: u32 = n
            .trim()
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("`{n}` is not a positive number of requests"))?;
        let window = humantime::parse_duration(window.trim())
            .map_err(|e| format!("`{window}` is not a duration: {e}"))?;
        if window.is_zero() {
            return Err("the window must be longer than zero".into());
        }
        Ok(Rate { requests, window })
    }
}

/// The run's shared guard state.
#[derive(Debug)]
pub struct RunGuard {
    max_wait: Duration,
    waited: Mutex<Duration>,
    waits: Mutex<usize>,
    rate: Option<Rate>,
    /// Per target and route: not before this instant (a spent allowance).
    spent: Mutex<HashMap<String, Instant>>,
    /// Per target: the next slot `--rate` allows.
    slots: Mutex<HashMap<String, Instant>>,
    locked: Mutex<BTreeMap<AccountName, String>>,
    /// Per target: transport failures in a row, and the last one's cause.
    failing: Mutex<HashMap<String, (u32, String)>>,
    notices: Option<UnboundedSender<RunNotice>>,
}

/// Transport failures in a row after which a target is called unreachable and its
/// remaining requests fail at once.
pub const UNREACHABLE_AFTER: u32 = 3;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl RunGuard {
    /// A guard allowing `max_wait` of waiting in all, pacing requests to `rate`.
    pub fn new(
        max_wait: Duration,
        rate: Option<Rate>,
        notices: Option<UnboundedSender<RunNotice>>,
    ) -> Self {
        Self {
            max_wait,
            waited: Mutex::new(Duration::ZERO),
            waits: Mutex::new(0),
            rate,
            spent: Mutex::new(HashMap::new()),
            slots: Mutex::new(HashMap::new()),
            locked: Mutex::new(BTreeMap::new()),
            failing: Mutex::new(HashMap::new()),
            notices,
        }
    }

    /// Says something to whoever listens.
    pub fn notify(&self, notice: RunNotice) {
        if let Some(n) = &self.notices {
            let _ = n.send(notice);
        }
    }

    /// Reserves `wait` of the run's waiting budget; `false` when it does not fit.
    pub fn reserve(&self, wait: Duration) -> bool {
        let mut waited = lock(&self.waited);
        if *waited + wait > self.max_wait {
            return false;
        }
        *waited += wait;
        *lock(&self.waits) += 1;
        true
    }

    /// What remains of the waiting budget.
    pub fn budget_left(&self) -> Duration {
        self.max_wait.saturating_sub(*lock(&self.waited))
    }

    /// The `--max-wait` budget.
    pub fn max_wait(&self) -> Duration {
        self.max_wait
    }

    /// How many waits and how long in all, so far.
    pub fn waited(&self) -> (usize, Duration) {
        (*lock(&self.waits), *lock(&self.waited))
    }

    /// Sleeps `wait` (already reserved), announcing it and ticking down each second.
    pub async fn sleep(&self, case: &str, wait: Duration, reason: &str) {
        let end = Instant::now() + wait;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            self.notify(RunNotice::Wait {
                case: case.to_string(),
                left,
                reason: reason.to_string(),
            });
            let step = left.min(Duration::from_secs(1));
            tokio::time::sleep(step).await;
        }
        self.notify(RunNotice::WaitOver {
            case: case.to_string(),
        });
    }

    /// Waits, when needed, before a request to `route` of `target`: until a spent
    /// allowance resets, and until `--rate` allows the next request. Pacing waits count
    /// against the budget too; one that does not fit is skipped (the server then says
    /// whether it minds).
    pub async fn pace(&self, target: &str, route: &str, case: &str) {
        let key = format!("{target} {route}");
        let spent_until = lock(&self.spent).remove(&key);
        if let Some(until) = spent_until {
            let wait = until.saturating_duration_since(Instant::now());
            if !wait.is_zero() && self.reserve(wait) {
                self.sleep(
                    case,
                    wait,
                    "the route's allowance is spent (X-RateLimit-Remaining: 0)",
                )
                .await;
            }
        }
        let Some(rate) = self.rate else {
            return;
        };
        let slot = {
            let mut slots = lock(&self.slots);
            let now = Instant::now();
            let next = slots.get(target).copied().unwrap_or(now).max(now);
            slots.insert(target.to_string(), next + rate.spacing());
            next
        };
        let wait = slot.saturating_duration_since(Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// Remembers that `route` of `target` may not be called again for `wait`.
    pub fn allowance_spent(&self, target: &str, route: &str, wait: Duration) {
        lock(&self.spent).insert(format!("{target} {route}"), Instant::now() + wait);
    }

    /// Marks an account blocked (the first reason stays).
    pub fn set_locked(&self, account: AccountName, reason: String) {
        let first = match lock(&self.locked).entry(account) {
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(reason.clone());
                true
            }
            std::collections::btree_map::Entry::Occupied(_) => false,
        };
        if first {
            self.notify(RunNotice::Locked { account, reason });
        }
    }

    /// Counts a transport failure (refused, timed out, TLS, reset) against `target`.
    pub fn transport_failed(&self, target: &str, cause: &str) {
        let mut failing = lock(&self.failing);
        let entry = failing
            .entry(target.to_string())
            .or_insert((0, String::new()));
        entry.0 += 1;
        entry.1 = cause.to_string();
    }

    /// `target` answered: it is reachable.
    pub fn answered(&self, target: &str) {
        lock(&self.failing).remove(target);
    }

    /// Why `target` is taken for unreachable: [`UNREACHABLE_AFTER`] transport failures
    /// in a row, the last one's cause.
    pub fn unreachable(&self, target: &str) -> Option<String> {
        lock(&self.failing)
            .get(target)
            .filter(|(n, _)| *n >= UNREACHABLE_AFTER)
            .map(|(n, cause)| format!("the last {n} requests to it failed in transport ({cause})"))
    }

    /// Why an account cannot be used any more, if it cannot.
    pub fn locked(&self, account: AccountName) -> Option<String> {
        lock(&self.locked).get(&account).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_and_space() {
        let r: Rate = "10/2s".parse().unwrap();
        assert_eq!(r.spacing(), Duration::from_millis(200));
        assert!("0/1s".parse::<Rate>().is_err());
        assert!("10".parse::<Rate>().is_err());
        assert!("10/0s".parse::<Rate>().is_err());
    }

    #[test]
    fn the_budget_is_shared_and_bounded() {
        let g = RunGuard::new(Duration::from_secs(5), None, None);
        assert!(g.reserve(Duration::from_secs(3)));
        assert!(!g.reserve(Duration::from_secs(3)));
        assert!(g.reserve(Duration::from_secs(2)));
        assert_eq!(g.waited(), (2, Duration::from_secs(5)));
        assert_eq!(g.budget_left(), Duration::ZERO);
    }

    #[test]
    fn locks_keep_their_first_reason() {
        let g = RunGuard::new(Duration::ZERO, None, None);
        g.set_locked(AccountName::PRIMARY, "blocked for user".into());
        g.set_locked(AccountName::PRIMARY, "again".into());
        assert_eq!(
            g.locked(AccountName::PRIMARY).as_deref(),
            Some("blocked for user")
        );
        assert_eq!(g.locked(AccountName::TWO_FACTOR), None);
    }
}
