//! One advisory as reports show it, what a case found, and the run's advisory settings.

use super::enumeration::Refusal;
use super::rules::{Rule, Severity};
use crate::mask::Masker;

/// What one exchange showed: a rule and one line of evidence (masked before it leaves
/// exec, with the case's outcome).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The advisory's rule.
    pub rule: &'static Rule,
    /// One line saying what was seen; never a secret's value.
    pub evidence: String,
    /// Index into the case's steps of the step it was seen in.
    pub step: usize,
}

/// What a case found for advisories: findings, and its refusals for the user-enumeration
/// comparison the run makes across cases.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseAdvice {
    /// Findings in the order seen.
    pub findings: Vec<Finding>,
    /// Refused logins, normalised.
    pub refusals: Vec<Refusal>,
}

impl CaseAdvice {
    /// Masks every string.
    pub fn mask(&mut self, masker: &Masker) {
        for f in &mut self.findings {
            masker.mask_in_place(&mut f.evidence);
        }
        for r in &mut self.refusals {
            r.mask(masker);
        }
    }
}

/// One advisory of a run: the first case and step it was seen in, and how often.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Advisory {
    /// Stable id (`credentials-in-query`).
    pub id: String,
    /// How much it matters.
    pub severity: Severity,
    /// What is weak, one line.
    pub title: String,
    /// What was seen, one masked line.
    pub evidence: String,
    /// The spec.
    pub spec: String,
    /// The full id of the first case it was seen in.
    pub case: String,
    /// That case's step name, when a step showed it.
    pub step: Option<String>,
    /// The requirement it rests on.
    pub reference: String,
    /// How many times the run saw it in this spec.
    pub count: usize,
    /// Whether `--deny-advisories` makes it a failure.
    pub denied: bool,
}

impl Advisory {
    /// Where it was seen: `case` or `case › step`.
    pub fn location(&self) -> String {
        match &self.step {
            Some(step) => format!("{} › {step}", self.case),
            None => self.case.clone(),
        }
    }
}

/// Settings of advisories for a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdviseOptions {
    /// Advisories at or above this severity fail the run.
    pub deny: Option<Severity>,
    /// Advisory ids silenced.
    pub allow: Vec<String>,
    /// Active probes to run (`--probe NAME`), each once per spec.
    pub probes: Vec<String>,
    /// Wrong-password logins `no-throttling` sends (`--probe-attempts N`).
    pub probe_attempts: usize,
    /// Logins of each kind `timing` sends (`--probe-samples N`).
    pub probe_samples: usize,
}

impl Default for AdviseOptions {
    fn default() -> Self {
        Self {
            deny: None,
            allow: Vec::new(),
            probes: Vec::new(),
            probe_attempts: super::probe::DEFAULT_PROBE_ATTEMPTS,
            probe_samples: super::probe::DEFAULT_PROBE_SAMPLES,
        }
    }
}
