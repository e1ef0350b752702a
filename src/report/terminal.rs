//! The terminal reporter: one line per case as it finishes, details under failures and
//! inconclusive cases, then branch coverage and the summary line when the run finishes.
//! Colour only when the caller says so (a terminal, `NO_COLOR` unset).

use std::io::Write;

use owo_colors::OwoColorize;

use super::coverage::CoverageSink;
use super::details::{exchange_text, failure_details, inconclusive_details};
use crate::exec::{CaseOutcome, CaseStatus, EventSink, ReportError, RunEvent, RunSummary};

/// Writes human-readable results.
pub struct TerminalReporter<W: Write> {
    out: W,
    color: bool,
    verbose: bool,
    require_branches: bool,
    /// Whether failure and inconclusive details follow a case's line (off when another
    /// reporter, GitHub's groups, shows them).
    details: bool,
    coverage: CoverageSink,
}

impl<W: Write> TerminalReporter<W> {
    /// A reporter writing to `out`; `color` and `verbose` as decided by the caller;
    /// `require_branches` says unexercised arms fail the run.
    pub fn new(out: W, color: bool, verbose: bool, require_branches: bool) -> Self {
        Self {
            out,
            color,
            verbose,
            require_branches,
            details: true,
            coverage: CoverageSink::new(),
        }
    }

    /// Leaves out the details of failed and inconclusive cases (the GitHub reporter
    /// prints them in collapsed groups).
    pub fn without_details(mut self) -> Self {
        self.details = false;
        self
    }

    /// The summary line.
    pub fn summary_line(summary: &RunSummary) -> String {
        let mut line = format!("{} passed, {} failed", summary.passed, summary.failed);
        if summary.inconclusive > 0 {
            line.push_str(&format!(", {} inconclusive", summary.inconclusive));
        }
        if summary.skipped > 0 {
            line.push_str(&format!(", {} skipped", summary.skipped));
        }
        if summary.interrupted > 0 {
            line.push_str(&format!(", {} interrupted", summary.interrupted));
        }
        let advisories = super::advisories::advisory_count(&summary.advisories);
        if !advisories.is_empty() {
            line.push_str(&format!(", {advisories}"));
        }
        if summary.waits > 0 {
            line.push_str(&format!(
                "; waited {} time{} ({:.1} s)",
                summary.waits,
                if summary.waits == 1 { "" } else { "s" },
                summary.waited.as_secs_f64()
            ));
        }
        format!("{line} ({:.2} s)", summary.duration.as_secs_f64())
    }

    fn finish(&mut self, summary: &RunSummary) -> std::io::Result<()> {
        let coverage = self.coverage.render();
        if !coverage.is_empty() {
            write!(self.out, "{coverage}")?;
        }
        let unexercised = self.coverage.unexercised().len();
        if self.require_branches && unexercised > 0 {
            writeln!(
                self.out,
                "error: {unexercised} arm(s) not exercised and --require-branches is set"
            )?;
        }
        writeln!(self.out, "\n{}", Self::summary_line(summary))?;
        write!(
            self.out,
            "{}",
            super::advisories::advisories_section(&summary.advisories)
        )?;
        write!(
            self.out,
            "{}",
            super::advisories::probes_section(&summary.probes)
        )?;
        self.out.flush()
    }

    /// Writes a free line (warnings, snapshots).
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
            CaseStatus::Interrupted(_) => ("INTERRUPTED", |s| s.yellow().bold().to_string()),
        };
        if self.color {
            paint(word)
        } else {
            word.to_string()
        }
    }

    fn case(&mut self, outcome: &CaseOutcome) -> std::io::Result<()> {
        let label = self.label(&outcome.status);
        match &outcome.status {
            CaseStatus::Skipped(reason) | CaseStatus::Interrupted(reason) => {
                writeln!(self.out, "{label} {} ({reason})", outcome.id)?
            }
            _ => writeln!(
                self.out,
                "{label} {} ({} ms)",
                outcome.id,
                outcome.duration.as_millis()
            )?,
        };
        let details = if !self.details && (outcome.inconclusive() || outcome.failed()) {
            String::new()
        } else if outcome.inconclusive() {
            inconclusive_details(outcome)
        } else if outcome.failed() {
            failure_details(outcome, self.color)
        } else if self.verbose {
            let mut text = String::new();
            for step in &outcome.steps {
                text.push_str(&format!("step: {}\n", step.name));
                if let Some(x) = &step.exchange {
                    text.push_str(&exchange_text(x));
                }
            }
            text
        } else {
            String::new()
        };
        for line in details.lines() {
            writeln!(self.out, "    {line}")?;
        }
        self.out.flush()
    }
}

impl<W: Write> EventSink for TerminalReporter<W> {
    fn event(&mut self, event: &RunEvent<'_>) -> Result<(), ReportError> {
        let written = match event {
            RunEvent::CaseFinished { case, outcome } => {
                self.coverage.record(case, outcome);
                self.case(outcome)
            }
            RunEvent::RunFinished { summary } => self.finish(summary),
            RunEvent::RunStarted { .. } | RunEvent::Notice(_) => Ok(()),
        };
        written.map_err(|source| ReportError {
            what: "the terminal report".into(),
            source,
        })
    }
}
