//! Printing the run's notices on stderr: fresh TOTP windows, waits for throttling servers
//! (a countdown on a terminal, one line otherwise), failed-login resets and blocked
//! accounts.

use std::io::Write;

use conform::exec::{CaseOutcome, CodeNotice, EventSink, RunNotice};
use conform::plan::CasePlan;

/// Writes notices to stderr; `live` redraws one countdown line (a terminal).
pub struct NoticePrinter {
    live: bool,
    /// The case whose wait was last announced, so a plain log says each wait once.
    waiting: Option<String>,
}

impl NoticePrinter {
    /// A printer; `live` when stderr is a terminal.
    pub fn new(live: bool) -> Self {
        Self {
            live,
            waiting: None,
        }
    }
}

impl EventSink for NoticePrinter {
    fn case_finished(&mut self, _: &CasePlan, _: &mut CaseOutcome) {}

    fn notice(&mut self, notice: &RunNotice) {
        let mut err = std::io::stderr().lock();
        match notice {
            RunNotice::Code(code) => {
                let _ = writeln!(err, "{}", code_text(code));
            }
            RunNotice::Wait { case, left, reason } => {
                let line = format!(
                    "waiting {:.0} s — {case}: {reason}",
                    left.as_secs_f64().ceil()
                );
                if self.live {
                    let _ = write!(err, "\r\x1b[2K{line}");
                } else if self.waiting.as_deref() != Some(case) {
                    let _ = writeln!(err, "{line}");
                }
                self.waiting = Some(case.clone());
            }
            RunNotice::WaitOver { .. } => {
                if self.live {
                    let _ = write!(err, "\r\x1b[2K");
                }
                self.waiting = None;
            }
            RunNotice::Reset { account, via, ok } => {
                let _ = writeln!(
                    err,
                    "reset: account {} logged in again through {via} to reset its failed-login count — {}",
                    account.name(),
                    if *ok { "ok" } else { "refused" }
                );
            }
            RunNotice::Locked { account, reason } => {
                let _ = writeln!(
                    err,
                    "account {} is blocked ({reason}): its remaining cases are skipped",
                    account.name()
                );
            }
        }
        let _ = err.flush();
    }
}

fn code_text(notice: &CodeNotice) -> String {
    match notice {
        CodeNotice::Wait { account, seconds } => {
            format!(
                "waiting {seconds} s for a fresh TOTP window for account {account} (--fresh-codes)"
            )
        }
        CodeNotice::StateUnusable { error } => {
            format!(
                "warning: --fresh-codes: {error}; TOTP windows are remembered for this run only"
            )
        }
        CodeNotice::StateDiscarded { path, reason } => format!(
            "warning: --fresh-codes: {} was replaced: {reason}",
            path.display()
        ),
    }
}
