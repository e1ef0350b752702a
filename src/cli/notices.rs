//! Printing the run's notices on stderr: fresh TOTP windows, waits for throttling servers,
//! failed-login resets and blocked accounts; and, on a terminal, the live progress line
//! (`[12/88] running …`, or a wait's countdown), cleared before any other line is
//! printed and at the end. Nothing live reaches a stderr that is not a terminal.

use std::cell::RefCell;
use std::io::{IsTerminal, Write};

use conform::exec::{CodeNotice, EventSink, ReportError, RunEvent, RunNotice};
use conform::report::Progress;

/// Writes notices to stderr; `live` draws the progress line (a terminal).
pub struct NoticePrinter {
    live: bool,
    /// The terminal's width, so the line never wraps.
    width: usize,
    /// The case whose wait was last announced, so a plain log says each wait once.
    waiting: Option<String>,
    progress: Progress,
    /// Whether the progress line is on the screen now.
    shown: bool,
}

impl NoticePrinter {
    /// A printer; `live` when stderr is a terminal, whose width is `$COLUMNS` or 80.
    pub fn new(live: bool) -> Self {
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse().ok())
            .filter(|w| *w > 0)
            .unwrap_or(80);
        Self {
            live,
            width,
            waiting: None,
            progress: Progress::new(),
            shown: false,
        }
    }

    fn clear(&mut self, err: &mut impl Write) {
        if self.shown {
            let _ = write!(err, "\r\x1b[2K");
            self.shown = false;
        }
    }

    fn redraw(&mut self) {
        if !self.live {
            return;
        }
        let mut err = std::io::stderr().lock();
        self.clear(&mut err);
        if let Some(line) = self.progress.line(self.width) {
            let _ = write!(err, "{line}");
            self.shown = true;
        }
        let _ = err.flush();
    }
}

/// Whether stderr can take the live line: a terminal that is not `TERM=dumb`.
pub fn stderr_is_live() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
}

/// The printer's part before the reporters that print: clears the progress line, then
/// prints the notice. Put it before them in the fanout, and [`Redraw`] after them.
pub struct Notices<'a>(pub &'a RefCell<NoticePrinter>);

/// The printer's part after the reporters that print: draws the progress line again.
pub struct Redraw<'a>(pub &'a RefCell<NoticePrinter>);

impl EventSink for Notices<'_> {
    fn event(&mut self, event: &RunEvent<'_>) -> Result<(), ReportError> {
        let mut printer = self.0.borrow_mut();
        let mut err = std::io::stderr().lock();
        printer.clear(&mut err);
        printer.progress.event(event);
        if let RunEvent::Notice(notice) = event {
            printer.notice(&mut err, notice);
        }
        let _ = err.flush();
        Ok(())
    }
}

impl EventSink for Redraw<'_> {
    fn event(&mut self, _: &RunEvent<'_>) -> Result<(), ReportError> {
        self.0.borrow_mut().redraw();
        Ok(())
    }
}

impl NoticePrinter {
    fn notice(&mut self, err: &mut impl Write, notice: &RunNotice) {
        match notice {
            RunNotice::CaseStarted { .. } | RunNotice::StepFinished { .. } => {}
            RunNotice::Code(code) => {
                let _ = writeln!(err, "{}", code_text(code));
            }
            // On a terminal the progress line counts the wait down.
            RunNotice::Wait { case, left, reason } => {
                if !self.live && self.waiting.as_deref() != Some(case) {
                    let _ = writeln!(
                        err,
                        "waiting {:.0} s — {case}: {reason}",
                        left.as_secs_f64().ceil()
                    );
                }
                self.waiting = Some(case.clone());
            }
            RunNotice::WaitOver { .. } => self.waiting = None,
            RunNotice::Reset { account, via, ok } => {
                let _ = writeln!(
                    err,
                    "reset: account {} logged in again through {via} to reset its failed-login count — {}",
                    account.name(),
                    if *ok { "ok" } else { "refused" }
                );
            }
            RunNotice::Probe { report, .. } => {
                let _ = writeln!(err, "probe {}", report.line());
            }
            RunNotice::Locked { account, reason } => {
                let _ = writeln!(
                    err,
                    "account {} is blocked ({reason}): its remaining cases are skipped",
                    account.name()
                );
            }
        }
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
