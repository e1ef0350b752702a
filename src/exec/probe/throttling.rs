//! `no-throttling`: N logins of one account with a random wrong password (its successful
//! login's request, the password replaced), after a correct login and followed by one
//! (which resets Rocket.Chat-style counters). No throttled or locked answer (429, 503
//! with `Retry-After`, 423, the spec's `throttled:`/`locked:`) after N raises the
//! advisory.

use super::super::case::{GuardAnswer, guard_answer};
use super::derive::{password_login, wrong_password};
use super::run::{ProbeResult, ProbeRun};
use crate::advise::ProbeStatus;

const PROBE: &str = "no-throttling";

impl ProbeRun<'_> {
    pub(super) async fn no_throttling(&self) -> ProbeResult {
        let found = password_login(&self.cases)
            .and_then(|login| wrong_password(&login).map(|wrong| (login, wrong)));
        let Some((login, wrong)) = found else {
            return self.result(
                PROBE,
                None,
                ProbeStatus::Skipped,
                "no selected case logs an account in with a password alone".to_string(),
            );
        };
        let case = login.case.id.as_str();
        let n = self.attempts;
        let (id, mut scope) = match self.begin(PROBE, &login, n).await {
            Ok(started) => started,
            Err(ended) => return ended,
        };
        let mut statuses = Vec::new();
        let mut guarded = None;
        for i in 1..=n {
            match self.runner.send_alone(&id, &wrong, &mut scope).await {
                Err(why) => {
                    return self.result(PROBE, Some(case), ProbeStatus::Inconclusive, why);
                }
                Ok((response, _)) => {
                    statuses.push(response.status);
                    if let Some(answer) = guard_answer(&response, &login.case.guards, &scope) {
                        let what = match answer {
                            GuardAnswer::Throttled => "throttled",
                            GuardAnswer::Locked(_) => "locked",
                        };
                        guarded = Some((i, what, response.status));
                        break;
                    }
                }
            }
        }
        let after = self.runner.log_in(login.account, login.case).await;
        let account = login.account.name();
        let Some(last) = statuses.last().copied() else {
            return self.result(
                PROBE,
                Some(case),
                ProbeStatus::Skipped,
                "--probe-attempts is 0".into(),
            );
        };
        match guarded {
            Some((i, what, status)) => {
                let after = match after {
                    Ok(()) => String::new(),
                    Err(why) => format!("; afterwards {why}"),
                };
                self.result(
                    PROBE,
                    Some(case),
                    ProbeStatus::Clean,
                    format!("wrong password {i} of {n} for account `{account}` was answered {what} (HTTP {status}){after}"),
                )
            }
            None => {
                let all_alike = statuses.iter().all(|s| *s == last);
                let answered = if all_alike {
                    format!("all answered HTTP {last}")
                } else {
                    format!("answered HTTP {}", join(&statuses))
                };
                self.raised(
                    PROBE,
                    case,
                    format!(
                        "{n} wrong passwords in a row for account `{account}` (`{}` with a random password) were {answered}: none throttled (429) or locked (423)",
                        login.step.name
                    ),
                )
            }
        }
    }
}

fn join(statuses: &[u16]) -> String {
    statuses
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
