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
}

impl ArmCoverage {
    /// Whether some case took the arm.
    pub fn exercised(&self) -> bool {
        !self.taken_by.is_empty()
    }

    /// Why the arm was not exercised, in words.
    pub fn why_not(&self) -> String {
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

    fn in_order(&self) -> impl Iterator<Item = (&str, &BTreeMap<String, ArmCoverage>)> {
        self.order
            .iter()
            .filter_map(|s| self.specs.get(s).map(|a| (s.as_str(), a)))
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
        for (_, arm) in case.arms() {
            let c = spec.entry(arm.name.clone()).or_default();
            if !c.declared_by.contains(&case.id) {
                c.declared_by.push(case.id.clone());
                if let CaseStatus::Skipped(reason) = &outcome.status {
                    c.skipped.push(reason.clone());
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
