//! Running one case: steps in order, checks, captures, branch arms.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use url::Url;

use super::capture::eval_capture;
use super::code_context::after_branch;
use super::codes::CodeLedger;
use super::issued::collect_issued;
use super::outcome::{
    ArmTaken, CaseOutcome, CaseStatus, ExchangeRecord, Failure, FailureKind, RequestRecord,
    ResponseRecord, StepRecord,
};
use super::request::build_request;
use super::scope::Scope;
use super::send::send;
use crate::assert::{CheckFailure, Response, all_pass, eval_check};
use crate::diagnostic::Span;
use crate::mask::Masker;
use crate::plan::{CapturePlan, CasePlan, Check, Expr, RequestPlan, SecretPaths, StepPlan};
use crate::profile::Profile;
use crate::snapshot::render_snapshot;

/// Largest body kept in a report record.
const RECORD_BODY_LIMIT: usize = 64 * 1024;

/// Runs cases against one target.
pub struct CaseRunner<'a> {
    /// The shared HTTP client.
    pub client: &'a reqwest::Client,
    /// The target URL.
    pub base: &'a Url,
    /// The profile.
    pub profile: Arc<Profile>,
    /// Code bookkeeping shared by all cases.
    pub ledger: &'a CodeLedger,
    /// Keep exchanges of passing cases too (verbose output).
    pub keep_exchanges: bool,
    /// Render the snapshots of steps that ask for one.
    pub snapshots: bool,
    /// Profile secrets.
    pub masker: &'a Masker,
}

/// Whether to go on after a step.
enum Flow {
    Continue,
    Stop,
}

struct CaseState {
    scope: Scope,
    /// The spec's paths of issued credentials.
    secret_paths: SecretPaths,
    forbidden: Vec<(String, Span)>,
    steps: Vec<StepRecord>,
    failures: Vec<Failure>,
    arms: Vec<ArmTaken>,
}

type StepFuture<'f> = Pin<Box<dyn Future<Output = Flow> + 'f>>;

impl CaseRunner<'_> {
    /// Runs a case (or reports it skipped) and returns its masked outcome.
    pub async fn run_case(&self, case: &CasePlan) -> CaseOutcome {
        let started = Instant::now();
        let mut outcome = CaseOutcome {
            id: case.id.clone(),
            spec: case.spec.clone(),
            title: case.title.clone(),
            section: case.section.clone(),
            tags: case.tags.clone(),
            status: CaseStatus::Passed,
            duration: Default::default(),
            steps: Vec::new(),
            failures: Vec::new(),
            arms: Vec::new(),
        };
        if let Some(reason) = &case.skip {
            outcome.status = CaseStatus::Skipped(reason.clone());
            return outcome;
        }
        let mut state = CaseState {
            scope: Scope::new(Arc::clone(&self.profile), case.account),
            secret_paths: Arc::clone(&case.secret_paths),
            forbidden: case.forbid_arms.clone(),
            steps: Vec::new(),
            failures: Vec::new(),
            arms: Vec::new(),
        };
        let flow = self.run_steps(&case.steps, String::new(), &mut state).await;
        if matches!(flow, Flow::Continue) {
            check_arms(case, &mut state);
        }
        outcome.status = if state.failures.is_empty() {
            CaseStatus::Passed
        } else {
            CaseStatus::Failed
        };
        outcome.duration = started.elapsed();
        outcome.failures = state.failures;
        outcome.arms = state.arms;
        outcome.steps = state.steps;
        if !self.keep_exchanges && !outcome.failed() {
            outcome.steps.iter_mut().for_each(|s| s.exchange = None);
        }
        outcome.mask(&self.case_masker(&state.scope));
        outcome
    }

    /// The run's masker plus what the case has learnt (the run's layer is shared, so
    /// this copies only the case's own secrets).
    fn case_masker(&self, scope: &Scope) -> Masker {
        let mut masker = self.masker.clone();
        masker.extend_learnt(scope.learnt());
        masker
    }

    fn run_steps<'f>(
        &'f self,
        steps: &'f [StepPlan],
        prefix: String,
        state: &'f mut CaseState,
    ) -> StepFuture<'f> {
        Box::pin(async move {
            for step in steps {
                let name = if prefix.is_empty() {
                    step.name.clone()
                } else {
                    format!("{prefix} › {}", step.name)
                };
                if let Flow::Stop = self.run_step(step, name, state).await {
                    return Flow::Stop;
                }
            }
            Flow::Continue
        })
    }

    async fn run_step(&self, step: &StepPlan, name: String, state: &mut CaseState) -> Flow {
        let index = state.steps.len();
        state.steps.push(StepRecord {
            name: name.clone(),
            span: step.span.clone(),
            exchange: None,
            snapshot: None,
        });
        if let Err(message) = self.prepare_codes(&step.request, &mut state.scope).await {
            let f = failure(
                FailureKind::Request,
                index,
                "request",
                message,
                Some(step.span.clone()),
            );
            let f = after_branch(f, index, &state.arms, &state.steps);
            state.failures.push(f);
            return Flow::Stop;
        }
        let mut attempt = self
            .exchange(&step.request, &step.request.method, &state.scope)
            .await;
        if let (Ok((_, Ok((response, _)))), Some(fallback)) =
            (&attempt, &step.request.fallback_method)
            && matches!(response.status, 404 | 405)
        {
            attempt = self.exchange(&step.request, fallback, &state.scope).await;
        }
        let (record, sent) = match attempt {
            Ok(a) => a,
            Err(message) => {
                state.failures.push(failure(
                    FailureKind::Request,
                    index,
                    "request",
                    message,
                    Some(step.span.clone()),
                ));
                return Flow::Stop;
            }
        };
        let (response, duration) = match sent {
            Ok(r) => r,
            Err(cause) => {
                state.steps[index].exchange = Some(ExchangeRecord {
                    request: record,
                    response: None,
                    duration: Default::default(),
                });
                state.failures.push(failure(
                    FailureKind::Transport,
                    index,
                    "transport",
                    cause,
                    Some(step.span.clone()),
                ));
                return Flow::Stop;
            }
        };
        for issued in collect_issued(&response, &state.secret_paths) {
            state.scope.learn(issued);
        }
        let failed_before = state.failures.len();
        record_checks(&step.checks, &response, index, state);
        run_captures(&step.captures, &response, index, state);
        // Recorded once every secret this exchange carries is known: bodies are masked
        // before they are cut to size, so no secret is cut in half and left readable.
        let masker = self.case_masker(&state.scope);
        state.steps[index].exchange = Some(ExchangeRecord {
            request: record,
            response: Some(response_record(&response, &masker)),
            duration,
        });
        if self.snapshots
            && let Some(plan) = &step.snapshot
        {
            state.steps[index].snapshot = Some(render_snapshot(&response, plan));
        }
        if state.failures.len() > failed_before {
            return Flow::Stop;
        }
        if step.arms.is_empty() {
            return Flow::Continue;
        }
        self.run_branch(step, &name, &response, index, state).await
    }

    async fn run_branch(
        &self,
        step: &StepPlan,
        name: &str,
        response: &Response,
        index: usize,
        state: &mut CaseState,
    ) -> Flow {
        let mut misses = Vec::new();
        let mut chosen = None;
        for arm in &step.arms {
            match all_pass(&arm.when, response, &state.scope) {
                Ok(()) => {
                    chosen = Some(arm);
                    break;
                }
                Err(f) => misses.push(format!("arm `{}`: {}", arm.name, f.message)),
            }
        }
        let Some(arm) = chosen else {
            let mut f = failure(
                FailureKind::NoArm,
                index,
                "branch",
                "the response matches no arm".to_string(),
                step.branch_span.clone(),
            );
            f.expected = Some(misses.join("\n"));
            state.failures.push(f);
            return Flow::Stop;
        };
        state.arms.push(ArmTaken {
            step: name.to_string(),
            arm: arm.name.clone(),
        });
        if let Some((_, span)) = state.forbidden.iter().find(|(a, _)| *a == arm.name) {
            state.failures.push(failure(
                FailureKind::Arms,
                index,
                "branch",
                format!(
                    "the response takes arm `{}`, which this case must not take",
                    arm.name
                ),
                Some(span.clone()),
            ));
            return Flow::Stop;
        }
        let failed_before = state.failures.len();
        record_checks(&arm.checks, response, index, state);
        run_captures(&arm.captures, response, index, state);
        if state.failures.len() > failed_before {
            return Flow::Stop;
        }
        self.run_steps(&arm.steps, format!("{name} › {}", arm.name), state)
            .await
    }

    /// Builds the step's request with `method` and sends it: the request as shown, and
    /// the response or the transport fault. `Err` when the request cannot be built.
    async fn exchange(
        &self,
        request: &RequestPlan,
        method: &reqwest::Method,
        scope: &Scope,
    ) -> Result<(RequestRecord, Result<(Response, Duration), String>), String> {
        let built = build_request(self.client, self.base, request, method, scope)?;
        let sent = send(self.client, built.request, request.timeout).await;
        Ok((built.record, sent))
    }

    /// Obtains the codes the request needs, before rendering (commands are async).
    async fn prepare_codes(&self, request: &RequestPlan, scope: &mut Scope) -> Result<(), String> {
        let exprs = request_exprs(request);
        let wants_code = exprs.contains(&Expr::Code);
        let wants_wrong = exprs.contains(&Expr::WrongCode);
        let wants_stale = exprs.contains(&Expr::StaleCode);
        scope.code = None;
        scope.wrong_code = None;
        scope.stale_code = None;
        if !wants_code && !wants_wrong && !wants_stale {
            return Ok(());
        }
        let role = scope.account().ok_or("the case has no account")?;
        let source = self
            .profile
            .account(role)
            .and_then(|a| a.code.as_ref())
            .ok_or_else(|| format!("account `{}` has no way to obtain codes", role.name()))?;
        if wants_code {
            let code = self
                .ledger
                .current(role, source)
                .await
                .map_err(|e| e.to_string())?;
            scope.learn(code.clone());
            scope.code = Some(code);
        }
        if wants_wrong {
            let code = self
                .ledger
                .wrong(role, source)
                .await
                .map_err(|e| e.to_string())?;
            scope.learn(code.clone());
            scope.wrong_code = Some(code);
        }
        if wants_stale {
            let code = CodeLedger::stale(source).map_err(|e| e.to_string())?;
            scope.learn(code.clone());
            scope.stale_code = Some(code);
        }
        Ok(())
    }
}

fn request_exprs(request: &RequestPlan) -> Vec<Expr> {
    let mut templates = vec![&request.path];
    templates.extend(request.query.iter().map(|(_, t)| t));
    templates.extend(request.headers.iter().map(|(_, t)| t));
    let body_templates = match &request.body {
        crate::plan::BodyPlan::None => Vec::new(),
        crate::plan::BodyPlan::Json(j) => j.templates(),
        crate::plan::BodyPlan::Form(pairs) => pairs.iter().map(|(_, t)| t).collect(),
        crate::plan::BodyPlan::Raw { text, .. } => vec![text],
    };
    templates.extend(body_templates);
    templates
        .into_iter()
        .flat_map(|t| t.exprs().map(|(e, _)| e.clone()).collect::<Vec<_>>())
        .collect()
}

fn record_checks(checks: &[Check], response: &Response, index: usize, state: &mut CaseState) {
    for check in checks {
        for f in eval_check(check, response, &state.scope) {
            state.failures.push(from_check(f, check, index));
        }
    }
}

fn run_captures(
    captures: &[CapturePlan],
    response: &Response,
    index: usize,
    state: &mut CaseState,
) {
    for c in captures {
        match eval_capture(c, response) {
            Ok(v) => state.scope.capture(&c.name, v, c.secret),
            Err(e) => state.failures.push(failure(
                FailureKind::Capture,
                index,
                "capture",
                format!("capture `{}`: {e}", c.name),
                Some(c.span.clone()),
            )),
        }
    }
}

fn check_arms(case: &CasePlan, state: &mut CaseState) {
    for (arm, span) in &case.require_arms {
        if !state.arms.iter().any(|a| &a.arm == arm) {
            let taken: Vec<&str> = state.arms.iter().map(|a| a.arm.as_str()).collect();
            let mut f = failure(
                FailureKind::Arms,
                state.steps.len().saturating_sub(1),
                "branch",
                format!("the case must take arm `{arm}`, but did not"),
                Some(span.clone()),
            );
            f.actual = Some(if taken.is_empty() {
                "no arm".into()
            } else {
                taken.join(", ")
            });
            state.failures.push(f);
        }
    }
    for (arm, span) in &case.forbid_arms {
        if state.arms.iter().any(|a| &a.arm == arm) {
            state.failures.push(failure(
                FailureKind::Arms,
                state.steps.len().saturating_sub(1),
                "branch",
                format!("the case must not take arm `{arm}`, but did"),
                Some(span.clone()),
            ));
        }
    }
}

fn failure(
    kind: FailureKind,
    step: usize,
    title: &str,
    message: String,
    span: Option<Span>,
) -> Failure {
    Failure {
        kind,
        step: Some(step),
        title: title.to_string(),
        message,
        span,
        expected: None,
        actual: None,
        diff: None,
    }
}

fn from_check(f: CheckFailure, check: &Check, step: usize) -> Failure {
    let span = f.span.clone().unwrap_or_else(|| match &f.focus {
        Some(word) if !word.is_empty() => check.span.narrow_to(word),
        _ => check.span.clone(),
    });
    Failure {
        kind: FailureKind::Assertion,
        step: Some(step),
        title: f.title.to_string(),
        message: f.message,
        span: Some(span),
        expected: f.expected,
        actual: f.actual,
        diff: f.diff,
    }
}

/// The response as reports show it, masked, with the body cut to
/// [`RECORD_BODY_LIMIT`]. A JSON body is recorded pretty-printed, as serde writes it,
/// whatever its size: the masker then sees every string decoded, whatever escapes the
/// server used (`\u0026`, `\/`). The body is masked before it is cut, over enough text
/// that no secret straddles the cut unseen.
fn response_record(response: &Response, masker: &Masker) -> ResponseRecord {
    let text = response.text();
    let pretty = response
        .json()
        .ok()
        .and_then(|v| serde_json::to_string_pretty(v).ok());
    let body = pretty.as_deref().unwrap_or(text);
    let window = RECORD_BODY_LIMIT + masker.longest_secret().saturating_mul(16).max(4096);
    let masked = masker.mask(prefix(body, window));
    let body = if masked.len() > RECORD_BODY_LIMIT || body.len() > window {
        format!(
            "{}… ({} bytes in all)",
            prefix(&masked, RECORD_BODY_LIMIT),
            response.body.len()
        )
    } else {
        masked
    };
    let mut headers = response.headers.clone();
    for (_, value) in &mut headers {
        masker.mask_in_place(value);
    }
    ResponseRecord {
        status: response.status,
        headers,
        body,
    }
}

/// The longest prefix of `text` of at most `limit` bytes that ends on a character.
fn prefix(text: &str, limit: usize) -> &str {
    if text.len() <= limit {
        return text;
    }
    let mut cut = limit;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    &text[..cut]
}
