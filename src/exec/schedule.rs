//! The order cases run in, so that a run stays under the failed-login thresholds of real
//! servers (Rocket.Chat blocks a user after 10 failures counted since their last
//! successful login).
//!
//! The schedule, in order:
//! 1. every case that sends no failed login, in plan order (`--jobs` at once) — each
//!    account's successful logins come first and reset the server's count;
//! 2. the cases that send failed logins, in plan order, one at a time (so an account's
//!    failures never run beside its other cases). With a budget of `N` failed logins per
//!    account (`--max-failed-logins N`), a case that would take an account past `N`
//!    failures since its last successful login is preceded by a **reset**: a rerun of
//!    the first case that logs that account in successfully. A case that alone sends more
//!    than `N`, or whose account has no successful case to reset with, is skipped with
//!    the reason.
//!
//! Failed logins of unknown users are counted against no account: servers count them
//! per client address, and every successful login from that address resets that count
//! too.

use std::collections::BTreeMap;

use crate::plan::CasePlan;
use crate::profile::AccountName;

/// One slot of the schedule, naming cases by their index in the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Slot {
    /// Run the case.
    Run(usize),
    /// Log the account in again by rerunning case `via`, to reset the failures counted
    /// since its last success.
    Reset {
        /// The account.
        account: AccountName,
        /// The case rerun.
        via: usize,
    },
    /// Do not run the case; the reason says why.
    Skip(usize, String),
}

/// The schedule: the cases that may run at once, then those that run one by one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Schedule {
    /// Cases without failed logins, run `--jobs` at once.
    pub concurrent: Vec<usize>,
    /// Cases with failed logins, resets and skips, in order, one at a time.
    pub sequential: Vec<Slot>,
}

/// Schedules `cases` (in plan order) under an optional budget of failed logins per
/// account.
pub fn schedule(cases: &[&CasePlan], budget: Option<usize>) -> Schedule {
    let mut out = Schedule::default();
    let mut resets: BTreeMap<AccountName, usize> = BTreeMap::new();
    let mut failing = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        if case.skip.is_some() {
            out.concurrent.push(i);
            continue;
        }
        let failed = case.failed_logins();
        if failed.is_empty() {
            out.concurrent.push(i);
            if let Some(account) = case.successful_login() {
                resets.entry(account).or_insert(i);
            }
        } else {
            failing.push((i, failed));
        }
    }
    let mut since_success: BTreeMap<AccountName, usize> = BTreeMap::new();
    for (i, failed) in failing {
        let charged: Vec<(AccountName, usize)> = failed
            .iter()
            .filter_map(|(who, n)| who.map(|w| (w, *n)))
            .collect();
        let Some(budget) = budget else {
            out.sequential.push(Slot::Run(i));
            continue;
        };
        if let Some((account, n)) = charged.iter().find(|(_, n)| *n > budget) {
            out.sequential.push(Slot::Skip(
                i,
                format!(
                    "it sends up to {n} failed logins for account `{}`, more than --max-failed-logins {budget}",
                    account.name()
                ),
            ));
            continue;
        }
        let over: Vec<AccountName> = charged
            .iter()
            .filter(|(a, n)| since_success.get(a).copied().unwrap_or(0) + n > budget)
            .map(|(a, _)| *a)
            .collect();
        if let Some(account) = over.iter().find(|a| !resets.contains_key(a)) {
            out.sequential.push(Slot::Skip(
                i,
                format!(
                    "account `{}` would pass --max-failed-logins {budget} and no case logs it in successfully to reset the count",
                    account.name()
                ),
            ));
            continue;
        }
        for account in over {
            out.sequential.push(Slot::Reset {
                account,
                via: resets[&account],
            });
            since_success.insert(account, 0);
        }
        for (account, n) in charged {
            *since_success.entry(account).or_insert(0) += n;
        }
        out.sequential.push(Slot::Run(i));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::plan::{Plan, PlanOptions, build_plan};
    use crate::profile::reference_profile;

    fn rocketchat() -> Plan {
        let specs = crate::spec::load_embedded().expect("embedded specs load");
        let plan = build_plan(
            &specs,
            Arc::new(reference_profile()),
            &PlanOptions::default(),
        )
        .expect("plan");
        let mut specs = plan.split();
        specs.remove(
            specs
                .iter()
                .position(|p| p.specs[0].name == "rocketchat")
                .expect("rocketchat"),
        )
    }

    #[test]
    fn successful_logins_first_then_failures_in_plan_order() {
        let plan = rocketchat();
        let cases: Vec<&CasePlan> = plan.cases().collect();
        let s = schedule(&cases, None);
        assert!(s.concurrent.iter().all(|i| {
            let failed = cases[*i].failed_logins();
            failed.is_empty()
        }));
        let ran: Vec<usize> = s
            .sequential
            .iter()
            .map(|slot| match slot {
                Slot::Run(i) => *i,
                other => panic!("no budget, no {other:?}"),
            })
            .collect();
        let mut sorted = ran.clone();
        sorted.sort();
        assert_eq!(ran, sorted, "plan order");
        assert_eq!(s.concurrent.len() + ran.len(), cases.len());
    }

    #[test]
    fn a_budget_inserts_resets_and_skips_what_cannot_fit() {
        let plan = rocketchat();
        let cases: Vec<&CasePlan> = plan.cases().collect();
        let s = schedule(&cases, Some(2));
        let mut count: BTreeMap<AccountName, usize> = BTreeMap::new();
        let mut resets = 0;
        for slot in &s.sequential {
            match slot {
                Slot::Reset { account, via } => {
                    assert_eq!(cases[*via].successful_login(), Some(*account));
                    count.insert(*account, 0);
                    resets += 1;
                }
                Slot::Run(i) => {
                    for (who, n) in cases[*i].failed_logins() {
                        if let Some(who) = who {
                            let c = count.entry(who).or_insert(0);
                            *c += n;
                            assert!(*c <= 2, "{who:?} over budget at {}", cases[*i].id);
                        }
                    }
                }
                Slot::Skip(i, why) => panic!("{} skipped: {why}", cases[*i].id),
            }
        }
        assert!(resets >= 4, "{resets} resets");

        let zero = schedule(&cases, Some(0));
        assert!(zero.sequential.iter().any(|slot| matches!(
            slot,
            Slot::Skip(_, why) if why.contains("more than --max-failed-logins 0")
        )));
    }
}
