//! Branch coverage: which arms of each spec's branches the run exercised against the
//! target, and why the others were not (skipped cases, other arms taken).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::exec::{CaseOutcome, CaseStatus, EventSink, ReportError, RunEvent};
use crate::plan::CasePlan;

/// Coverage of one arm name within a spec.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ArmCoverage {
    /// Cases that took the arm.
    pub taken_by: Vec<String>,
    /// Cases that declare the arm.
    pub declared_by: Vec<String>,
    /// Skip reasons of declaring cases that did not run.
    pub skipped: Vec<String>,
    /// Declaring cases that failed before their branch chose an arm, each with why
    /// (`rocketchat::json.username (transport: connection refused)`).
    pub failed_before_branching: Vec<String>,
}

impl ArmCoverage {
    /// Whether some case took the arm.
    pub fn exercised(&self) -> bool {
        !self.taken_by.is_empty()
    }

    /// Why the arm was not exercised, in words.
    pub fn why_not(&self) -> String {
        if !self.failed_before_branching.is_empty() {
            return why_failed(self);
        }
        if !self.skipped.is_empty() {
            let mut reasons = self.skipped.clone();
            reasons.dedup();
            if self.skipped.len() == self.declared_by.len() {
                return format!(
                    "every case declaring it was skipped: {}",
                    reasons.join("; ")
                );
            }
            return format!(
                "the cases that ran took other arms; skipped: {}",
                reasons.join("; ")
            );
        }
        "the cases declaring it took other arms".to_string()
    }
}

/// Collects branch coverage as outcomes stream by.
#[derive(Debug, Default)]
pub struct CoverageSink {
    /// Spec → arm name → coverage, in first-seen order of specs and names.
    pub specs: BTreeMap<String, BTreeMap<String, ArmCoverage>>,
    order: Vec<String>,
}

impl CoverageSink {
    /// An empty collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// Arms not exercised: (spec, arm, coverage).
    pub fn unexercised(&self) -> Vec<(&str, &str, &ArmCoverage)> {
        self.in_order()
            .flat_map(|(spec, arms)| {
                arms.iter()
                    .filter(|(_, c)| !c.exercised())
                    .map(move |(arm, c)| (spec, arm.as_str(), c))
            })
            .collect()
    }

    pub(crate) fn in_order(&self) -> impl Iterator<Item = (&str, &BTreeMap<String, ArmCoverage>)> {
        self.order
            .iter()
            .filter_map(|s| self.specs.get(s).map(|a| (s.as_str(), a)))
    }

    /// Adds an arm's coverage as a report recorded it, joined with what is already
    /// known of that arm (partitions are disjoint, so the lists are concatenated).
    pub fn insert_arm(&mut self, spec: &str, arm: &str, coverage: ArmCoverage) {
        if !self.order.iter().any(|s| s == spec) {
            self.order.push(spec.to_string());
        }
        let known = (self.specs.entry(spec.to_string()).or_default())
            .entry(arm.to_string())
            .or_default();
        for (into, from) in [
            (&mut known.taken_by, coverage.taken_by),
            (&mut known.declared_by, coverage.declared_by),
        ] {
            for id in from {
                if !into.contains(&id) {
                    into.push(id);
                }
            }
        }
        known.skipped.extend(coverage.skipped);
        (known.failed_before_branching).extend(coverage.failed_before_branching);
    }

    /// One line per spec with branches, then one per arm not exercised.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (spec, arms) in self.in_order() {
            if arms.is_empty() {
                continue;
            }
            let hit = arms.values().filter(|c| c.exercised()).count();
            let _ = writeln!(
                out,
                "branch coverage {spec}: {hit}/{} arms exercised",
                arms.len()
            );
            for (arm, c) in arms.iter().filter(|(_, c)| !c.exercised()) {
                let _ = writeln!(out, "  {spec}: arm `{arm}` not exercised — {}", c.why_not());
            }
        }
        out
    }
}

impl EventSink for CoverageSink {
    fn event(&mut self, event: &RunEvent<'_>) -> Result<(), ReportError> {
        if let RunEvent::CaseFinished { case, outcome } = event {
            self.record(case, outcome);
        }
        Ok(())
    }
}

impl CoverageSink {
    /// Counts the arms a finished case declared and took.
    pub fn record(&mut self, case: &CasePlan, outcome: &CaseOutcome) {
        if !self.order.contains(&case.spec) {
            self.order.push(case.spec.clone());
        }
        let spec = self.specs.entry(case.spec.clone()).or_default();
        for (step, arm) in case.arms() {
            let c = spec.entry(arm.name.clone()).or_default();
            if !c.declared_by.contains(&case.id) {
                c.declared_by.push(case.id.clone());
                if let CaseStatus::Skipped(reason) = &outcome.status {
                    c.skipped.push(reason.clone());
                }
                let branched =
                    (step.arms.iter()).any(|a| outcome.arms.iter().any(|t| t.arm == a.name));
                if outcome.failed() && !branched {
                    c.failed_before_branching
                        .push(failed_case(&case.id, outcome));
                }
            }
        }
        for taken in &outcome.arms {
            let c = spec.entry(taken.arm.clone()).or_default();
            if !c.taken_by.contains(&case.id) {
                c.taken_by.push(case.id.clone());
            }
        }
    }
}

/// "its cases failed before branching: ID (why), …", with the other reasons after.
fn why_failed(c: &ArmCoverage) -> String {
    const SHOWN: usize = 3;
    let failed = &c.failed_before_branching;
    let mut text = if failed.len() == c.declared_by.len() {
        "its cases failed before branching: ".to_string()
    } else {
        "some of its cases failed before branching: ".to_string()
    };
    text.push_str(&failed[..failed.len().min(SHOWN)].join(", "));
    if failed.len() > SHOWN {
        let _ = write!(text, " (+{} more)", failed.len() - SHOWN);
    }
    let mut skipped = c.skipped.clone();
    skipped.dedup();
    if !skipped.is_empty() {
        let _ = write!(text, "; skipped: {}", skipped.join("; "));
    }
    if failed.len() + c.skipped.len() < c.declared_by.len() {
        text.push_str("; the others took other arms");
    }
    text
}

/// `ID (title: cause)` of a failed case, the cause cut to its innermost parts.
fn failed_case(id: &str, outcome: &CaseOutcome) -> String {
    match outcome.failures.first() {
        Some(f) => format!("{id} ({}: {})", f.title, short_cause(&f.message)),
        None => id.to_string(),
    }
}

/// A cause of at most about 60 characters where it can be: leading `outer: ` parts
/// (outside parentheses) are dropped, down to the innermost one, so
/// `error sending request: …: connection refused` keeps its end.
fn short_cause(message: &str) -> &str {
    const WANTED: usize = 60;
    let message = message.lines().next().unwrap_or_default();
    let mut depth = 0i32;
    let mut starts = Vec::new();
    for (i, c) in message.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ if depth == 0 && message[i..].starts_with(": ") => starts.push(i + 2),
            _ => {}
        }
    }
    if message.len() <= WANTED {
        return message;
    }
    let start = (starts.iter())
        .find(|&&i| message.len() - i <= WANTED)
        .or(starts.last());
    start.map_or(message, |&i| &message[i..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arms_of_cases_that_failed_before_branching_say_why() {
        let c = ArmCoverage {
            declared_by: vec!["rocketchat::json.username".into()],
            failed_before_branching: vec![
                "rocketchat::json.username (transport: connection refused)".into(),
            ],
            ..ArmCoverage::default()
        };
        assert_eq!(
            c.why_not(),
            "its cases failed before branching: rocketchat::json.username (transport: connection refused)"
        );
    }

    #[test]
    fn causes_keep_their_innermost_parts() {
        let cause = "error sending request: client error (Connect): tcp connect error: Connection refused (os error 111)";
        assert_eq!(
            short_cause(cause),
            "tcp connect error: Connection refused (os error 111)"
        );
        assert_eq!(short_cause("status 500"), "status 500");
        let hinted = "error sending request: client error (Connect): received corrupt message of type InvalidContentType (the server does not speak TLS: is the target http:// rather than https://?)";
        assert!(
            short_cause(hinted).starts_with("received corrupt message"),
            "{}",
            short_cause(hinted)
        );
    }
}
