//! The run's one event stream: what happens, in the order it happens. Every reporter
//! (terminal, JUnit, JSON, GitHub, the notices on stderr) consumes these events and
//! nothing else; the runner never prints.

use super::guard::RunNotice;
use super::outcome::CaseOutcome;
use super::runner::RunSummary;
use crate::plan::CasePlan;

/// One event of a run.
#[derive(Debug)]
pub enum RunEvent<'a> {
    /// The run begins.
    RunStarted {
        /// Cases in the plan (run, skipped or not).
        cases: usize,
    },
    /// Something happened inside the run: a case or step started or finished sending, a
    /// wait started, ticked or ended, an account was reset or found blocked, a code
    /// notice.
    Notice(&'a RunNotice),
    /// A case finished, its outcome final (snapshot checks included) and masked.
    CaseFinished {
        /// The case.
        case: &'a CasePlan,
        /// Its outcome.
        outcome: &'a CaseOutcome,
    },
    /// The run is over.
    RunFinished {
        /// Its totals.
        summary: &'a RunSummary,
    },
}

/// A report that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {what}: {source}")]
pub struct ReportError {
    /// Which report (a file name, `stdout`).
    pub what: String,
    /// Why.
    pub source: std::io::Error,
}

/// Consumes the run's events.
pub trait EventSink {
    /// Takes one event. An error is kept by the caller and surfaced when the run ends;
    /// the sink gets no more events.
    fn event(&mut self, event: &RunEvent<'_>) -> Result<(), ReportError>;
}

/// Checks a finished case's outcome before it is reported, and may fail it (snapshots
/// compare the responses the case recorded).
pub trait CaseCheck {
    /// Checks `outcome`, adding failures to it.
    fn check(&mut self, case: &CasePlan, outcome: &mut CaseOutcome);
}

/// Sends each event to several sinks; a sink that fails gets no more events, and its
/// error is kept.
pub struct Fanout<'a> {
    sinks: Vec<(&'a mut dyn EventSink, Option<ReportError>)>,
}

impl<'a> Fanout<'a> {
    /// A fanout to these sinks, in order.
    pub fn new(sinks: Vec<&'a mut dyn EventSink>) -> Self {
        Self {
            sinks: sinks.into_iter().map(|s| (s, None)).collect(),
        }
    }

    /// The errors of the sinks that failed.
    pub fn into_errors(self) -> Vec<ReportError> {
        self.sinks.into_iter().filter_map(|(_, e)| e).collect()
    }
}

impl EventSink for Fanout<'_> {
    fn event(&mut self, event: &RunEvent<'_>) -> Result<(), ReportError> {
        for (sink, error) in &mut self.sinks {
            if error.is_none()
                && let Err(e) = sink.event(event)
            {
                *error = Some(e);
            }
        }
        Ok(())
    }
}
