//! What running a case produces: records of each exchange and the failures found.
//! Every string here is masked before it leaves the exec stage.

use std::time::Duration;

use crate::diagnostic::Span;
use crate::mask::Masker;

/// How a case ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaseStatus {
    /// Every check passed.
    Passed,
    /// A check failed or the exchange could not be made.
    Failed,
    /// The case could not run with this profile.
    Skipped(String),
    /// The server's answer says nothing about the contract (throttled, or the account
    /// blocked), so the case has no verdict; the reason says why.
    Inconclusive(String),
    /// The run was stopped (a signal, `--deadline`) before the case could finish.
    Interrupted(String),
}

impl CaseStatus {
    /// The stable name machine reports use.
    pub fn name(&self) -> &'static str {
        match self {
            CaseStatus::Passed => "passed",
            CaseStatus::Failed => "failed",
            CaseStatus::Skipped(_) => "skipped",
            CaseStatus::Inconclusive(_) => "inconclusive",
            CaseStatus::Interrupted(_) => "interrupted",
        }
    }
}

/// A wait a case made before resending a throttled request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaitRecord {
    /// The step that waited.
    pub step: usize,
    /// How long.
    pub duration: Duration,
    /// Why, and where the wait was read from.
    pub reason: String,
}

/// A request as sent.
#[derive(Clone, Debug)]
pub struct RequestRecord {
    /// HTTP method.
    pub method: String,
    /// Full URL with query.
    pub url: String,
    /// Headers set by the spec and conform.
    pub headers: Vec<(String, String)>,
    /// The body, as text.
    pub body: Option<String>,
}

/// A response as received (body as text, possibly cut short for reports).
#[derive(Clone, Debug)]
pub struct ResponseRecord {
    /// Status code.
    pub status: u16,
    /// Headers, names lowercase.
    pub headers: Vec<(String, String)>,
    /// The body as text.
    pub body: String,
}

/// One exchange.
#[derive(Clone, Debug)]
pub struct ExchangeRecord {
    /// The request.
    pub request: RequestRecord,
    /// The response, when one came.
    pub response: Option<ResponseRecord>,
    /// Time from sending to the end of the body.
    pub duration: Duration,
}

/// One executed step.
#[derive(Clone, Debug)]
pub struct StepRecord {
    /// Step name with its branch path (`login › arm two_factor › send code`).
    pub name: String,
    /// Where the step is written.
    pub span: Span,
    /// The exchange (kept for failing cases, verbose runs and snapshots).
    pub exchange: Option<ExchangeRecord>,
    /// The rendered snapshot, when the step is snapshotted and snapshots are on.
    pub snapshot: Option<String>,
}

/// What kind of problem a failure is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// A check on the response failed.
    Assertion,
    /// The request could not be made or the response not read.
    Transport,
    /// The request could not be built (code command failed, bad header value).
    Request,
    /// No branch arm matched the response.
    NoArm,
    /// A required arm was not taken, or a forbidden one was.
    Arms,
    /// A capture found nothing.
    Capture,
    /// A snapshot differs or is missing.
    Snapshot,
}

impl FailureKind {
    /// The stable name machine reports use (JUnit `type`, the JSON report's `kind`).
    pub fn name(&self) -> &'static str {
        match self {
            FailureKind::Assertion => "assertion",
            FailureKind::Transport => "transport",
            FailureKind::Request => "request",
            FailureKind::NoArm => "no-arm",
            FailureKind::Arms => "arms",
            FailureKind::Capture => "capture",
            FailureKind::Snapshot => "snapshot",
        }
    }
}

/// One failure of a case.
#[derive(Clone, Debug)]
pub struct Failure {
    /// What kind of failure.
    pub kind: FailureKind,
    /// Index into the case's steps of the step it happened in.
    pub step: Option<usize>,
    /// A short title ("status code", "JSON body", "transport").
    pub title: String,
    /// What is wrong.
    pub message: String,
    /// Where in the spec.
    pub span: Option<Span>,
    /// Expected value, when it can be shown.
    pub expected: Option<String>,
    /// Actual value, when it can be shown.
    pub actual: Option<String>,
    /// A diff of bodies.
    pub diff: Option<String>,
}

/// An arm taken during a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArmTaken {
    /// The step that branched.
    pub step: String,
    /// The arm's name.
    pub arm: String,
}

/// The result of running one case.
#[derive(Clone, Debug)]
pub struct CaseOutcome {
    /// Full case id (`spec::case`).
    pub id: String,
    /// Spec name.
    pub spec: String,
    /// Case title.
    pub title: String,
    /// Document section.
    pub section: String,
    /// Tags.
    pub tags: Vec<String>,
    /// How it ended.
    pub status: CaseStatus,
    /// Wall time.
    pub duration: Duration,
    /// Steps executed, in order.
    pub steps: Vec<StepRecord>,
    /// Failures, in order found.
    pub failures: Vec<Failure>,
    /// Branch arms taken, in order.
    pub arms: Vec<ArmTaken>,
    /// Waits for throttling servers, in order.
    pub waits: Vec<WaitRecord>,
    /// What the case's exchanges show for advisories (masked).
    pub advice: crate::advise::CaseAdvice,
}

impl CaseOutcome {
    /// Masks every secret in every string of the outcome.
    pub fn mask(&mut self, masker: &Masker) {
        if masker.is_empty() {
            return;
        }
        for step in &mut self.steps {
            if let Some(x) = &mut step.exchange {
                mask_exchange(x, masker);
            }
            if let Some(s) = &mut step.snapshot {
                masker.mask_in_place(s);
            }
        }
        if let CaseStatus::Inconclusive(reason) = &mut self.status {
            masker.mask_in_place(reason);
        }
        for w in &mut self.waits {
            masker.mask_in_place(&mut w.reason);
        }
        self.advice.mask(masker);
        for f in &mut self.failures {
            masker.mask_in_place(&mut f.message);
            for s in [&mut f.expected, &mut f.actual, &mut f.diff]
                .into_iter()
                .flatten()
            {
                masker.mask_in_place(s);
            }
        }
    }

    /// The outcome of a case the run stopped before it finished.
    pub fn interrupted(case: &crate::plan::CasePlan, reason: String) -> Self {
        let mut outcome = Self::skipped(case, String::new());
        outcome.status = CaseStatus::Interrupted(reason);
        outcome
    }

    /// The outcome of a case that did not run, for `reason`.
    pub fn skipped(case: &crate::plan::CasePlan, reason: String) -> Self {
        CaseOutcome {
            id: case.id.clone(),
            spec: case.spec.clone(),
            title: case.title.clone(),
            section: case.section.clone(),
            tags: case.tags.clone(),
            status: CaseStatus::Skipped(reason),
            duration: Duration::ZERO,
            steps: Vec::new(),
            failures: Vec::new(),
            arms: Vec::new(),
            waits: Vec::new(),
            advice: Default::default(),
        }
    }

    /// Whether the case failed.
    pub fn failed(&self) -> bool {
        self.status == CaseStatus::Failed
    }

    /// Whether the case ended without a verdict.
    pub fn inconclusive(&self) -> bool {
        matches!(self.status, CaseStatus::Inconclusive(_))
    }
}

fn mask_exchange(x: &mut ExchangeRecord, masker: &Masker) {
    masker.mask_in_place(&mut x.request.url);
    for (_, v) in &mut x.request.headers {
        masker.mask_in_place(v);
    }
    if let Some(b) = &mut x.request.body {
        masker.mask_in_place(b);
    }
    if let Some(r) = &mut x.response {
        for (_, v) in &mut r.headers {
            masker.mask_in_place(v);
        }
        masker.mask_in_place(&mut r.body);
    }
}
