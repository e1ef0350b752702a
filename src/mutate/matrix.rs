//! The results of a mutation run: per spec, the baseline and one verdict per deviation.

use std::fmt;

use crate::exec::CaseOutcome;
use crate::reference::{Api, Deviation, DeviationKind};

/// What a row of the matrix was measured against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// A bundled reference API and its hand-written deviations.
    Api(Api),
    /// A recording of a target, replayed with the generic operators.
    Recorded {
        /// The target the recording was made from (as given, without credentials).
        target: String,
    },
}

impl Subject {
    /// What the baseline ran against, for "… fails": `the correct reference`, `the target`.
    pub fn baseline_name(&self) -> &'static str {
        match self {
            Subject::Api(_) => "the correct reference",
            Subject::Recorded { .. } => "the target",
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Api(api) => write!(f, "api {api}"),
            Subject::Recorded { target } => write!(f, "recorded from {target}"),
        }
    }
}

/// A mutant or variant as the matrix shows it: a catalog deviation or a generic operator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviationInfo {
    /// Stable id (`bypass-2fa`, `field-dropped:$.data.authToken`).
    pub id: String,
    /// Mutant or variant.
    pub kind: DeviationKind,
    /// One line: what changes, and for a mutant what it breaks.
    pub description: String,
    /// The id with what it deviates from (`txty/bypass-2fa`, `replay/status-500`).
    qualified: String,
}

impl DeviationInfo {
    /// A generic operator's mutant or variant of a replayed recording.
    pub fn generic(
        id: impl Into<String>,
        kind: DeviationKind,
        description: impl Into<String>,
    ) -> Self {
        let id = id.into();
        Self {
            qualified: format!("replay/{id}"),
            id,
            kind,
            description: description.into(),
        }
    }

    /// The id with what it deviates from (`txty/bypass-2fa`, `replay/status-500`).
    pub fn qualified_id(&self) -> String {
        self.qualified.clone()
    }
}

impl From<&Deviation> for DeviationInfo {
    fn from(d: &Deviation) -> Self {
        Self {
            id: d.id.to_string(),
            kind: d.kind,
            description: d.description.to_string(),
            qualified: d.qualified_id(),
        }
    }
}

/// What happened to one deviation.
#[derive(Clone, Debug)]
pub enum Verdict {
    /// A mutant some case failed on: the spec catches it.
    Killed {
        /// The cases that failed (ids without the spec prefix).
        by: Vec<String>,
    },
    /// A mutant every case passed on: the spec misses the broken promise. The reason,
    /// when there is more to say than "no case failed" (an operator with nothing to act
    /// on: "no case sends a wrong password").
    Survived {
        /// Why it survived, when known.
        reason: Option<String>,
    },
    /// An advisory-only mutant every case passed on, as it should, and the advisory
    /// that marks it was raised: caught, not a survivor.
    AdvisoryRaised {
        /// The advisory's id.
        id: String,
    },
    /// A variant every case passed on: the spec tolerates what the document leaves open.
    Passed,
    /// A variant some case failed on: the spec asserts more than its document promises.
    FalselyFailed {
        /// The failing cases, masked, for their failure reports.
        cases: Vec<CaseOutcome>,
    },
    /// The deviation could not be run (its server did not start, or no HTTP client).
    Error(String),
}

/// One deviation and its verdict.
#[derive(Clone, Debug)]
pub struct DeviationResult {
    /// The deviation.
    pub deviation: DeviationInfo,
    /// What the spec made of it.
    pub verdict: Verdict,
}

/// The spec against the correct reference, which must pass for kills to mean anything.
#[derive(Clone, Debug)]
pub enum Baseline {
    /// Every case passed.
    Passed,
    /// Some cases failed (masked outcomes).
    Failed(Vec<CaseOutcome>),
    /// The reference could not be run.
    Error(String),
}

/// One spec's row of the matrix.
#[derive(Clone, Debug)]
pub struct SpecMatrix {
    /// The spec's name.
    pub spec: String,
    /// What it runs against.
    pub subject: Subject,
    /// Cases run (not skipped) against the correct reference.
    pub cases_run: usize,
    /// Cases skipped against the correct reference, with the reason (their mutants go
    /// unchecked).
    pub skipped: Vec<(String, String)>,
    /// The spec against the correct reference (or the target it was recorded from).
    pub baseline: Baseline,
    /// Mutants then variants, in catalog order.
    pub results: Vec<DeviationResult>,
}

/// Killed and passed counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Score {
    /// Mutants killed.
    pub killed: usize,
    /// Mutants in all.
    pub mutants: usize,
    /// Variants passed.
    pub passed: usize,
    /// Variants in all.
    pub variants: usize,
}

impl std::ops::Add for Score {
    type Output = Score;

    fn add(self, other: Score) -> Score {
        Score {
            killed: self.killed + other.killed,
            mutants: self.mutants + other.mutants,
            passed: self.passed + other.passed,
            variants: self.variants + other.variants,
        }
    }
}

impl Score {
    /// Killed mutants as a percentage (100 when there are none).
    pub fn kill_rate(&self) -> f64 {
        percent(self.killed, self.mutants)
    }

    /// Whether every mutant was killed and every variant passed.
    pub fn perfect(&self) -> bool {
        self.killed == self.mutants && self.passed == self.variants
    }
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        100.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

impl SpecMatrix {
    /// This spec's score.
    pub fn score(&self) -> Score {
        let mut score = Score::default();
        for r in &self.results {
            match r.deviation.kind {
                DeviationKind::Mutant => {
                    score.mutants += 1;
                    score.killed += usize::from(matches!(
                        r.verdict,
                        Verdict::Killed { .. } | Verdict::AdvisoryRaised { .. }
                    ));
                }
                DeviationKind::Variant => {
                    score.variants += 1;
                    score.passed += usize::from(matches!(r.verdict, Verdict::Passed));
                }
            }
        }
        score
    }

    /// Whether the baseline passed, every mutant was killed and every variant passed.
    pub fn success(&self) -> bool {
        matches!(self.baseline, Baseline::Passed) && self.score().perfect()
    }
}

/// The whole matrix, specs in the order given.
#[derive(Clone, Debug, Default)]
pub struct Matrix {
    /// One row per spec.
    pub specs: Vec<SpecMatrix>,
}

impl Matrix {
    /// The score over every spec.
    pub fn score(&self) -> Score {
        self.specs
            .iter()
            .fold(Score::default(), |acc, s| acc + s.score())
    }

    /// Whether every spec succeeded.
    pub fn success(&self) -> bool {
        self.specs.iter().all(SpecMatrix::success)
    }
}
