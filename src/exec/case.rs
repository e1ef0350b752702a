//! Running one case: steps in order, checks, captures, branch arms.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use url::Url;

use super::advice::observe;
use super::capture::eval_capture;
use super::code_context::after_branch;
use super::codes::CodeLedger;
use super::guard::{RunGuard, RunNotice};
use super::issued::collect_issued;
use super::jwks::{FetchedKeys, KeyCache};
use super::outcome::{
    ArmTaken, CaseOutcome, CaseStatus, ExchangeRecord, Failure, FailureKind, RequestRecord,
    ResponseRecord, StepRecord, WaitRecord,
};
use super::recorder::ExchangeRecorder;
use super::request::build_request;
use super::scope::Scope;
use super::send::{SendLimits, send};
use super::step_resolve::StepResolve;
use super::throttle::{backoff, requested_wait, spent_allowance};
use crate::assert::{CheckFailure, Response, all_pass, eval_check, render_snapshot};
use crate::diagnostic::Span;
use crate::mask::Masker;
use crate::plan::{
    CapturePlan, CasePlan, Check, Expr, GuardSigns, LoginAttempt, RequestPlan, SecretPaths,
    StepPlan,
};
use crate::profile::{AccountName, Profile};

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
    /// The run's waiting budget, pacing and blocked accounts.
    pub guard: &'a RunGuard,
    /// Connect timeout and body limit of every exchange.
    pub limits: SendLimits,
    /// JWKS documents fetched for signature checks, once per run.
    pub keys: &'a KeyCache,
    /// Told of every exchange (see [`ExchangeRecorder`]).
    pub recorder: Option<&'a dyn ExchangeRecorder>,
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
    /// The case's id, for wait notices.
    id: String,
    /// How the spec's API says "throttled" and "locked".
    signs: Arc<GuardSigns>,
    /// Why the case has no verdict, once it has none.
    inconclusive: Option<String>,
    waits: Vec<WaitRecord>,
    /// What the exchanges show for advisories.
    advice: crate::advise::CaseAdvice,
}

/// How many times a throttled request is resent before the case is called inconclusive.
const MAX_THROTTLED_RESENDS: u32 = 5;

/// Added to every wait a server names: a reset given in whole seconds (or read a moment
/// late) may otherwise be a hair early.
const WAIT_MARGIN: Duration = Duration::from_millis(100);

/// What an answer says about the server's guards.
pub(super) enum GuardAnswer {
    /// Too many requests.
    Throttled,
    /// The account or client is blocked; what the answer says.
    Locked(String),
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
            waits: Vec::new(),
            advice: Default::default(),
        };
        if let Some(reason) = case.skip.clone().or_else(|| self.blocked_account(case)) {
            outcome.status = CaseStatus::Skipped(reason);
            return outcome;
        }
        self.guard.notify(RunNotice::CaseStarted {
            case: case.id.clone(),
        });
        let mut state = CaseState {
            scope: Scope::new(Arc::clone(&self.profile), case.account),
            secret_paths: Arc::clone(&case.secret_paths),
            forbidden: case.forbid_arms.clone(),
            steps: Vec::new(),
            failures: Vec::new(),
            arms: Vec::new(),
            id: case.id.clone(),
            signs: Arc::clone(&case.guards),
            inconclusive: None,
            waits: Vec::new(),
            advice: Default::default(),
        };
        let flow = self.run_steps(&case.steps, String::new(), &mut state).await;
        if matches!(flow, Flow::Continue) {
            check_arms(case, &mut state);
        }
        outcome.status = match (&state.inconclusive, state.failures.is_empty()) {
            (_, false) => CaseStatus::Failed,
            (Some(reason), true) => CaseStatus::Inconclusive(reason.clone()),
            (None, true) => CaseStatus::Passed,
        };
        outcome.duration = started.elapsed();
        outcome.failures = state.failures;
        outcome.arms = state.arms;
        outcome.steps = state.steps;
        outcome.waits = state.waits;
        outcome.advice = state.advice;
        if !self.keep_exchanges && !outcome.failed() && !outcome.inconclusive() {
            outcome.steps.iter_mut().for_each(|s| s.exchange = None);
        }
        outcome.mask(&self.case_masker(&state.scope));
        outcome
    }

    /// Why the case cannot run because an account it uses was found blocked.
    fn blocked_account(&self, case: &CasePlan) -> Option<String> {
        let mut accounts: Vec<AccountName> = case.account.into_iter().collect();
        accounts.extend(case.failed_logins().into_keys().flatten());
        accounts.into_iter().find_map(|a| {
            self.guard
                .locked(a)
                .map(|why| format!("account `{}` is blocked: {why}", a.name()))
        })
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
        let route = format!("{} {}", step.request.method, step.request.path);
        let mut resends = 0u32;
        let (record, sent) = loop {
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
            if let Some(why) = self.guard.unreachable(self.base.as_str()) {
                state.failures.push(failure(
                    FailureKind::Transport,
                    index,
                    "target unreachable",
                    format!("not sent: the target is unreachable — {why}"),
                    Some(step.span.clone()),
                ));
                return Flow::Stop;
            }
            self.guard.pace(self.base.as_str(), &route, &state.id).await;
            if let Some(recorder) = self.recorder {
                recorder.sending(&state.id, step, &state.scope);
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
            let response = match &sent {
                Ok((response, _)) => {
                    self.guard.answered(self.base.as_str());
                    response
                }
                Err(cause) => {
                    self.guard.transport_failed(self.base.as_str(), cause);
                    break (record, sent);
                }
            };
            if let Some(wait) = spent_allowance(response, SystemTime::now()) {
                self.guard
                    .allowance_spent(self.base.as_str(), &route, wait + WAIT_MARGIN);
            }
            let verdict = match guard_answer(response, &state.signs, &state.scope) {
                None => break (record, sent),
                Some(GuardAnswer::Locked(said)) => {
                    // What the server said travels to notices and other cases' skip
                    // reasons, outside this case's masked outcome: mask it here.
                    let said = self.case_masker(&state.scope).mask(&said);
                    let account = match step.login {
                        LoginAttempt::Correct(a) | LoginAttempt::Failed(Some(a)) => Some(a),
                        _ => state.scope.account(),
                    };
                    if let Some(account) = account {
                        self.guard.set_locked(account, said.clone());
                    }
                    format!(
                        "the server says the account or client is blocked ({said}); raise the server's limits or pass --max-failed-logins to send fewer failed logins"
                    )
                }
                Some(GuardAnswer::Throttled) => {
                    match self.throttle_wait(response, resends, &state.signs) {
                        Ok((wait, reason)) => {
                            // Shown live, before the outcome is masked.
                            let reason = self.case_masker(&state.scope).mask(&reason);
                            resends += 1;
                            state.waits.push(WaitRecord {
                                step: index,
                                duration: wait,
                                reason: reason.clone(),
                            });
                            self.guard.sleep(&state.id, wait, &reason).await;
                            continue;
                        }
                        Err(why) => why,
                    }
                }
            };
            let masker = self.case_masker(&state.scope);
            state.steps[index].exchange = Some(ExchangeRecord {
                request: record,
                response: Some(response_record(response, &masker)),
                duration: Duration::ZERO,
            });
            state.inconclusive = Some(verdict);
            return Flow::Stop;
        };
        self.guard.notify(RunNotice::StepFinished {
            case: state.id.clone(),
            step: index,
            name: name.clone(),
            status: sent.as_ref().ok().map(|(r, _)| r.status),
        });
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
        if let Some(recorder) = self.recorder {
            recorder.exchanged(&state.id, step, &state.scope, &record, &response);
        }
        let issued = collect_issued(&response, &state.secret_paths);
        let issued_any = !issued.is_empty();
        for issued in issued {
            state.scope.learn(issued);
        }
        let exchange = (&record, &response);
        observe(
            &mut state.advice,
            step,
            index,
            exchange,
            issued_any,
            self.masker,
            &state.scope,
        );
        let failed_before = state.failures.len();
        let keys = self.keys_for(step).await;
        record_checks(&step.checks, &response, index, &keys, state);
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
        self.run_branch(step, &name, &response, index, &keys, state)
            .await
    }

    /// Fetches (once per run) the key sets the step's checks and arms name.
    async fn keys_for(&self, step: &StepPlan) -> FetchedKeys {
        let arms = step
            .arms
            .iter()
            .flat_map(|a| a.when.iter().chain(a.checks.iter()));
        self.keys
            .for_checks(self.client, self.base, step.checks.iter().chain(arms))
            .await
    }

    async fn run_branch(
        &self,
        step: &StepPlan,
        name: &str,
        response: &Response,
        index: usize,
        keys: &FetchedKeys,
        state: &mut CaseState,
    ) -> Flow {
        let mut misses = Vec::new();
        let mut chosen = None;
        for arm in &step.arms {
            match all_pass(
                &arm.when,
                response,
                &StepResolve::new(&state.scope, response, keys),
            ) {
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
        record_checks(&arm.checks, response, index, keys, state);
        run_captures(&arm.captures, response, index, state);
        if state.failures.len() > failed_before {
            return Flow::Stop;
        }
        self.run_steps(&arm.steps, format!("{name} › {}", arm.name), state)
            .await
    }

    /// How long to wait before resending a throttled request, with the reason to show;
    /// `Err` with the inconclusive verdict when the budget or the resends are spent.
    fn throttle_wait(
        &self,
        response: &Response,
        resends: u32,
        signs: &GuardSigns,
    ) -> Result<(Duration, String), String> {
        let (wait, said) =
            match requested_wait(response, SystemTime::now(), signs.throttle_wait.as_ref()) {
                Ok((wait, source)) => (
                    wait + WAIT_MARGIN,
                    format!("it asks to wait ({})", source.name()),
                ),
                Err(garbage) => (backoff(resends), format!("backing off: {garbage}")),
            };
        let throttled = format!("throttled (HTTP {})", response.status);
        if resends >= MAX_THROTTLED_RESENDS {
            return Err(format!(
                "{throttled} after {resends} waits; lower the request rate with --rate N/DURATION"
            ));
        }
        if !self.guard.reserve(wait) {
            return Err(format!(
                "{throttled}; waiting {} more would pass --max-wait {} ({} left); raise --max-wait or lower the rate with --rate N/DURATION",
                humantime::format_duration(Duration::from_secs(wait.as_secs().max(1))),
                humantime::format_duration(self.guard.max_wait()),
                humantime::format_duration(Duration::from_secs(self.guard.budget_left().as_secs())),
            ));
        }
        Ok((wait, format!("{throttled}: {said}")))
    }

    /// Builds the step's request with `method` and sends it: the request as shown, and
    /// the response or the transport fault. `Err` when the request cannot be built.
    pub(super) async fn exchange(
        &self,
        request: &RequestPlan,
        method: &reqwest::Method,
        scope: &Scope,
    ) -> Result<(RequestRecord, Result<(Response, Duration), String>), String> {
        let built = build_request(self.client, self.base, request, method, scope)?;
        let sent = send(self.client, built.request, request.timeout, self.limits).await;
        Ok((built.record, sent))
    }

    /// Obtains the codes the request needs, before rendering (commands are async).
    pub(super) async fn prepare_codes(
        &self,
        request: &RequestPlan,
        scope: &mut Scope,
    ) -> Result<(), String> {
        let exprs = request.exprs();
        let wants_code = exprs.contains(&Expr::Code);
        let wants_wrong = exprs.contains(&Expr::WrongCode);
        let wants_stale = exprs.contains(&Expr::StaleCode);
        // The code of the last step that sent one is what `last_code` replays.
        if let Some(sent) = scope.code.take() {
            scope.last_code = Some(sent);
        }
        if exprs.contains(&Expr::LastCode) && scope.last_code.is_none() {
            return Err(
                "`last_code` replays the code an earlier step of the case sent, and no earlier step sent `code`"
                    .into(),
            );
        }
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

/// Whether an answer is a throttled or blocked one: the standard signs (429; 503 with
/// `Retry-After`; 423 Locked) or the spec's own `throttled:` and `locked:` blocks.
pub(super) fn guard_answer(
    response: &Response,
    signs: &GuardSigns,
    scope: &Scope,
) -> Option<GuardAnswer> {
    let none = FetchedKeys::new();
    let resolve = StepResolve::new(scope, response, &none);
    let meets =
        |checks: &[Check]| !checks.is_empty() && all_pass(checks, response, &resolve).is_ok();
    if meets(&signs.locked) || response.status == 423 {
        let said = response
            .document()
            .and_then(|doc| {
                ["error", "message", "errorType", "ErrorType"]
                    .iter()
                    .find_map(|k| doc.get(k).and_then(|v| v.as_str()))
            })
            .map_or_else(|| format!("HTTP {}", response.status), str::to_string);
        return Some(GuardAnswer::Locked(said));
    }
    let standard = response.status == 429
        || (response.status == 503 && response.header("retry-after").is_some());
    (standard || meets(&signs.throttled)).then_some(GuardAnswer::Throttled)
}

fn record_checks(
    checks: &[Check],
    response: &Response,
    index: usize,
    keys: &FetchedKeys,
    state: &mut CaseState,
) {
    let resolve = StepResolve::new(&state.scope, response, keys);
    for check in checks {
        for f in eval_check(check, response, &resolve) {
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
