//! The terminal reporter: one line per case as it finishes, details under failures,
//! a summary line at the end. Colour only when the stream is a terminal and
//! `NO_COLOR` is unset (anstream decides).

use std::io::Write;

use owo_colors::OwoColorize;

use super::details::{exchange_text, failure_details, inconclusive_details};
use crate::exec::{CaseOutcome, CaseStatus, EventSink, RunSummary};
use crate::plan::CasePlan;

/// Writes human-readable results.
pub struct TerminalReporter<W: Write> {
    out: W,
    color: bool,
    verbose: bool,
}

impl<W: Write> TerminalReporter<W> {
    /// A reporter writing to `out`; `color` and `verbose` as decided by the caller.
    pub fn new(out: W, color: bool, verbose: bool) -> Self {
        Self {
            out,
            color,
            verbose,
        }
    }

    /// Writes the final summary line.
    pub fn finish(&mut self, summary: &RunSummary) {
        let mut line = format!("{} passed, {} failed", summary.passed, summary.failed);
        if summary.inconclusive > 0 {
            line.push_str(&format!(", {} inconclusive", summary.inconclusive));
        }
        if summary.skipped > 0 {
            line.push_str(&format!(", {} skipped", summary.skipped));
        }
        if summary.waits > 0 {
            line.push_str(&format!(
                "; waited {} time{} ({:.1} s)",
                summary.waits,
                if summary.waits == 1 { "" } else { "s" },
                summary.waited.as_secs_f64()
            ));
        }
        let _ = writeln!(
            self.out,
            "\n{line} ({:.2} s)",
            summary.duration.as_secs_f64()
        );
        let _ = self.out.flush();
    }

    /// Writes a free line (warnings, coverage).
    pub fn line(&mut self, text: &str) {
        let _ = writeln!(self.out, "{text}");
    }

    /// Gives the writer back.
    pub fn into_inner(self) -> W {
        self.out
    }

    fn label(&self, status: &CaseStatus) -> String {
        let (word, paint): (&str, fn(&str) -> String) = match status {
            CaseStatus::Passed => ("PASS", |s| s.green().to_string()),
            CaseStatus::Failed => ("FAIL", |s| s.red().bold().to_string()),
            CaseStatus::Skipped(_) => ("SKIP", |s| s.yellow().to_string()),
            CaseStatus::Inconclusive(_) => ("INCONCLUSIVE", |s| s.magenta().bold().to_string()),
        };
        if self.color {
            paint(word)
        } else {
            word.to_string()
        }
    }
}

impl<W: Write> EventSink for TerminalReporter<W> {
    fn case_finished(&mut self, _case: &CasePlan, outcome: &mut CaseOutcome) {
        let label = self.label(&outcome.status);
        let _ = match &outcome.status {
            CaseStatus::Skipped(reason) => writeln!(self.out, "{label} {} ({reason})", outcome.id),
            _ => writeln!(
                self.out,
                "{label} {} ({} ms)",
                outcome.id,
                outcome.duration.as_millis()
            ),
        };
        if outcome.inconclusive() {
            for line in inconclusive_details(outcome).lines() {
                let _ = writeln!(self.out, "    {line}");
            }
        } else if outcome.failed() {
            let details = failure_details(outcome, self.color);
            for line in details.lines() {
                let _ = writeln!(self.out, "    {line}");
            }
        } else if self.verbose {
            for step in &outcome.steps {
                let _ = writeln!(self.out, "    step: {}", step.name);
                if let Some(x) = &step.exchange {
                    for line in exchange_text(x).lines() {
                        let _ = writeln!(self.out, "    {line}");
                    }
                }
            }
        }
        let _ = self.out.flush();
    }
}
