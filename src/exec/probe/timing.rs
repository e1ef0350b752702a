//! `timing`: M unknown-user and M wrong-password logins, alternated (the successful
//! login's request, the password and then the name replaced by random ones), their
//! response times compared by medians and a Mann–Whitney test
//! ([`judge_timing`](crate::advise::judge_timing)).

use super::super::case::guard_answer;
use super::derive::{password_login, unknown_user, wrong_password};
use super::run::{ProbeResult, ProbeRun};
use crate::advise::{ProbeStatus, judge_timing};

const PROBE: &str = "timing";

impl ProbeRun<'_> {
    pub(super) async fn timing(&self) -> ProbeResult {
        let found = password_login(&self.cases).and_then(|login| {
            let wrong = wrong_password(&login)?;
            let unknown = unknown_user(&login)?;
            Some((login, wrong, unknown))
        });
        let Some((login, wrong, unknown)) = found else {
            return self.result(
                PROBE,
                None,
                ProbeStatus::Skipped,
                "no selected case logs an account in with a name and password alone".to_string(),
            );
        };
        let case = login.case.id.as_str();
        let m = self.samples;
        let (id, mut scope) = match self.begin(PROBE, &login, m).await {
            Ok(started) => started,
            Err(ended) => return ended,
        };
        let (mut unknown_ms, mut wrong_ms) = (Vec::new(), Vec::new());
        for i in 0..2 * m {
            // Alternated, so that a drift of the server's speed touches both alike.
            let (request, unknown_turn) = if i % 2 == 0 {
                (&unknown, true)
            } else {
                (&wrong, false)
            };
            {
                let (response, took) = match self.runner.send_alone(&id, request, &mut scope).await
                {
                    Ok(r) => r,
                    Err(why) => {
                        return self.result(PROBE, Some(case), ProbeStatus::Inconclusive, why);
                    }
                };
                if guard_answer(&response, &login.case.guards, &scope).is_some() {
                    let _ = self.runner.log_in(login.account, login.case).await;
                    return self.result(
                        PROBE,
                        Some(case),
                        ProbeStatus::Inconclusive,
                        format!(
                            "throttled or blocked (HTTP {}) after {} logins: timings need unthrottled answers",
                            response.status,
                            i + 1
                        ),
                    );
                }
                let ms = took.as_secs_f64() * 1000.0;
                if unknown_turn {
                    unknown_ms.push(ms);
                } else {
                    wrong_ms.push(ms);
                }
            }
        }
        let after = self.runner.log_in(login.account, login.case).await;
        let Some((raised, line)) = judge_timing(&unknown_ms, &wrong_ms) else {
            return self.result(
                PROBE,
                Some(case),
                ProbeStatus::Inconclusive,
                format!(
                    "{m} logins of each kind are too few to compare (--probe-samples 5 at least)"
                ),
            );
        };
        let line = match after {
            Ok(()) => line,
            Err(why) => format!("{line}; afterwards {why}"),
        };
        if raised {
            self.raised(PROBE, case, line)
        } else {
            self.result(PROBE, Some(case), ProbeStatus::Clean, line)
        }
    }
}
