//! The live progress line of a terminal run (`[12/88] running rocketchat::wrong_password`,
//! or the countdown of a wait under way), as a pure function of the run's events so far.
//! It only renders text; the CLI decides whether stderr is a terminal and owns the
//! writes that draw and clear the line.

use std::time::Duration;

use crate::exec::{RunEvent, RunNotice};

/// What the progress line knows about the run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    total: usize,
    done: usize,
    /// Cases started and not finished, in start order.
    running: Vec<String>,
    /// A wait under way: the case, what remains, why.
    wait: Option<(String, Duration, String)>,
    finished: bool,
}

impl Progress {
    /// A run not started.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes one event of the run.
    pub fn event(&mut self, event: &RunEvent<'_>) {
        match event {
            RunEvent::RunStarted { cases } => self.total = *cases,
            RunEvent::CaseFinished { outcome, .. } => {
                self.done += 1;
                self.running.retain(|c| *c != outcome.id);
            }
            RunEvent::RunFinished { .. } => {
                self.finished = true;
                self.running.clear();
                self.wait = None;
            }
            RunEvent::Notice(notice) => self.notice(notice),
        }
    }

    fn notice(&mut self, notice: &RunNotice) {
        match notice {
            RunNotice::CaseStarted { case } => {
                self.running.retain(|c| c != case);
                self.running.push(case.clone());
            }
            // A reset reruns a case outside the count: it never finishes as one.
            RunNotice::Reset { via, .. } => self.running.retain(|c| c != via),
            RunNotice::Wait { case, left, reason } => {
                self.wait = Some((case.clone(), *left, reason.clone()));
            }
            RunNotice::WaitOver { .. } => self.wait = None,
            RunNotice::Probe { ran, .. } => self.running.retain(|c| Some(c) != ran.as_ref()),
            RunNotice::StepFinished { .. } | RunNotice::Code(_) | RunNotice::Locked { .. } => {}
        }
    }

    /// The line to show, at most `width - 1` characters (so a terminal never wraps it);
    /// `None` when there is nothing to show (nothing running, or the run is over).
    pub fn line(&self, width: usize) -> Option<String> {
        if self.finished {
            return None;
        }
        let count = format!("[{}/{}]", (self.done + 1).min(self.total), self.total);
        let text = if let Some((case, left, reason)) = &self.wait {
            let seconds = left.as_secs_f64().ceil();
            format!("{count} waiting {seconds:.0} s — {case}: {reason}")
        } else {
            let first = self.running.first()?;
            match self.running.len() {
                1 => format!("{count} running {first}"),
                n => format!("{count} running {first} (+{} more)", n - 1),
            }
        };
        Some(cut(&text, width.saturating_sub(1).max(10)))
    }
}

/// The text cut to `chars` characters, ending in `…` when cut; control characters
/// (a reason is a server's words) become spaces, so the line stays one line.
fn cut(text: &str, chars: usize) -> String {
    let clean: String = (text.chars())
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    match clean.char_indices().nth(chars.saturating_sub(1)) {
        Some((at, _)) if clean.chars().count() > chars => format!("{}…", &clean[..at]),
        _ => clean,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn started(p: &mut Progress, case: &str) {
        p.event(&RunEvent::Notice(&RunNotice::CaseStarted {
            case: case.into(),
        }));
    }

    #[test]
    fn the_line_counts_cases_and_names_the_running_one() {
        let mut p = Progress::new();
        assert_eq!(p.line(80), None, "nothing runs yet");
        p.event(&RunEvent::RunStarted { cases: 88 });
        started(&mut p, "rocketchat::wrong_password");
        assert_eq!(
            p.line(80).as_deref(),
            Some("[1/88] running rocketchat::wrong_password")
        );
        started(&mut p, "rocketchat::json");
        assert_eq!(
            p.line(80).as_deref(),
            Some("[1/88] running rocketchat::wrong_password (+1 more)")
        );
    }

    #[test]
    fn a_wait_replaces_the_line_until_it_is_over() {
        let mut p = Progress::new();
        p.event(&RunEvent::RunStarted { cases: 3 });
        started(&mut p, "txty::a");
        p.event(&RunEvent::Notice(&RunNotice::Wait {
            case: "txty::a".into(),
            left: Duration::from_millis(16_200),
            reason: "429 from txty\n(Retry-After)".into(),
        }));
        assert_eq!(
            p.line(80).as_deref(),
            Some("[1/3] waiting 17 s — txty::a: 429 from txty (Retry-After)")
        );
        p.event(&RunEvent::Notice(&RunNotice::WaitOver {
            case: "txty::a".into(),
        }));
        assert_eq!(p.line(80).as_deref(), Some("[1/3] running txty::a"));
        p.event(&RunEvent::Notice(&RunNotice::Reset {
            account: crate::profile::AccountName::PRIMARY,
            via: "txty::a".into(),
            ok: true,
        }));
        assert_eq!(p.line(80), None, "a reset's rerun is not a running case");
    }

    #[test]
    fn the_line_fits_the_terminal() {
        let mut p = Progress::new();
        p.event(&RunEvent::RunStarted { cases: 2 });
        started(&mut p, "spec::a-rather-long-case-identifier");
        let line = p.line(20).expect("a line");
        assert_eq!(line, "[1/2] running spec…");
        assert_eq!(line.chars().count(), 19);
    }

    #[test]
    fn the_line_is_gone_when_the_run_is_over() {
        let mut p = Progress::new();
        p.event(&RunEvent::RunStarted { cases: 1 });
        started(&mut p, "s::a");
        p.event(&RunEvent::RunFinished {
            summary: &crate::exec::RunSummary::default(),
        });
        assert_eq!(p.line(80), None);
    }
}
