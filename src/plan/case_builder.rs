//! Planning cases: steps, `use:` merging, captures in scope, branch arms, and the
//! profile requirements that decide whether a case is skipped.

use std::sync::Arc;
use std::time::Duration;

use indexmap::IndexMap;

use super::context::{Ctx, Requirement};
use super::expect_builder::build_checks;
use super::merge::merge_step;
use super::model::{
    ArmPlan, CapturePlan, CaptureSource, CasePlan, GuardSigns, Pick, SecretPaths, SnapshotPlan,
    StepPlan,
};
use super::request_builder::build_request;
use super::template::swap_case;
use crate::diagnostic::{Span, did_you_mean};
use crate::profile::{AccountName, CodeSource, Profile};
use crate::spec::{ArmSpec, CaptureSpec, CaseSpec, DefaultsSpec, StepSpec};

const RESERVED: [&str; 8] = [
    "code",
    "wrong_code",
    "stale_code",
    "last_code",
    "uuid",
    "account",
    "accounts",
    "vars",
];

/// What every case of a spec shares while planning.
pub struct SpecScope<'s> {
    /// The spec's name.
    pub spec_name: &'s str,
    /// Named steps for `use:`.
    pub named_steps: &'s IndexMap<String, StepSpec>,
    /// Request defaults.
    pub defaults: &'s DefaultsSpec,
    /// Timeout when neither step nor spec gives one.
    pub default_timeout: Duration,
    /// The profile, to decide skips.
    pub profile: &'s Profile,
    /// The spec's `secrets:` paths.
    pub secret_paths: SecretPaths,
    /// How the spec's API says "throttled" and "locked".
    pub guards: Arc<GuardSigns>,
}

/// Plans one case; `None` when it has errors (recorded in `ctx`).
pub fn build_case(ctx: &mut Ctx, scope: &SpecScope, case: &CaseSpec) -> Option<CasePlan> {
    let errors_before = ctx.errors.len();
    let span = ctx.span(&case.id);
    let id = case.id.value.clone();
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        ctx.error(
            "case id",
            span.clone(),
            "case ids use letters, digits, `-`, `_` and `.`",
        );
    }
    ctx.case_vars = IndexMap::new();
    for (k, v) in &case.vars {
        if let Some(text) = ctx.static_text(v) {
            ctx.case_vars.insert(k.clone(), text);
        }
    }
    ctx.case_account = None;
    ctx.captures.clear();
    ctx.requirements.clear();
    ctx.arm_path.clear();
    if let Some(account) = &case.account {
        match AccountName::parse(&account.value) {
            Some(role) => {
                // A name one typo away from one of the profile's accounts is that typo;
                // any other absent account only skips the case.
                let names: Vec<&str> = scope.profile.accounts.keys().map(|a| a.name()).collect();
                if scope.profile.account(role).is_none()
                    && let Some(hint) = did_you_mean(role.name(), names.iter().copied())
                {
                    let at = ctx.span(account);
                    ctx.error_help(
                        "unknown account",
                        at,
                        format!("the profile has no account `{}`", account.value),
                        Some(hint),
                    );
                }
                ctx.case_account = Some(role);
                ctx.require(Requirement::Account(role));
            }
            None => {
                let at = ctx.span(account);
                ctx.error_help(
                    "unknown account",
                    at,
                    format!("`{}` is not an account name", account.value),
                    Some("account names use letters, digits, `_` and `-`, and start with a letter or `_`, e.g. `account: primary` or `account: locked_user`".into()),
                );
            }
        }
    }
    let mut arms: Vec<(String, Span)> = Vec::new();
    let steps_span = ctx.span(&case.steps);
    if case.steps.value.is_empty() {
        ctx.error("case", steps_span.clone(), "the case has no steps");
    }
    let steps = build_steps(ctx, scope, &case.steps.value, &steps_span, &mut arms);
    let require_arms = arm_refs(ctx, &case.require_arms, &arms);
    let forbid_arms = arm_refs(ctx, &case.forbid_arms, &arms);
    let mut tags = Vec::new();
    for tag in &case.tags {
        if tag.value.is_empty() || tag.value.contains(char::is_whitespace) {
            let at = ctx.span(tag);
            ctx.error("tag", at, "tags are single words");
        }
        tags.push(tag.value.clone());
    }
    if ctx.errors.len() > errors_before {
        return None;
    }
    Some(CasePlan {
        id: format!("{}::{}", scope.spec_name, id),
        spec: scope.spec_name.to_string(),
        title: case.title.clone().unwrap_or_else(|| id.clone()),
        section: case.section.clone(),
        tags,
        account: ctx.case_account,
        skip: skip_reason(&ctx.requirements, &require_arms, scope.profile),
        steps,
        require_arms,
        forbid_arms,
        span,
        secret_paths: Arc::clone(&scope.secret_paths),
        guards: Arc::clone(&scope.guards),
    })
}

fn arm_refs(
    ctx: &mut Ctx,
    refs: &[serde_saphyr::Spanned<String>],
    arms: &[(String, Span)],
) -> Vec<(String, Span)> {
    let mut out = Vec::new();
    for r in refs {
        let at = ctx.span(r);
        if !arms.iter().any(|(a, _)| *a == r.value) {
            let help = did_you_mean(&r.value, arms.iter().map(|(a, _)| a.as_str()));
            ctx.error_help(
                "unknown arm",
                at.clone(),
                format!("the case has no arm `{}`", r.value),
                help,
            );
        }
        out.push((r.value.clone(), at));
    }
    out
}

/// Why the profile cannot run the case: what the case always needs, and what its
/// required arms need, must be in the profile. Needs of optional arms are checked
/// when (and if) the arm is taken.
fn skip_reason(
    requirements: &std::collections::BTreeSet<(Option<String>, Requirement)>,
    require_arms: &[(String, Span)],
    profile: &Profile,
) -> Option<String> {
    let mut needed = requirements
        .iter()
        .filter(|(arm, _)| {
            arm.as_ref()
                .is_none_or(|a| require_arms.iter().any(|(r, _)| r == a))
        })
        .map(|(_, r)| r);
    needed.find_map(|r| match r {
        Requirement::Account(role) => profile.account(*role).is_none().then(|| {
            let names: Vec<&str> = profile.accounts.keys().map(|a| a.name()).collect();
            match did_you_mean(role.name(), names.iter().copied()) {
                Some(hint) => format!("the profile has no `{}` account; {hint}", role.name()),
                None => format!("the profile has no `{}` account", role.name()),
            }
        }),
        Requirement::Field(role, field) => profile.account(*role).and_then(|a| {
            a.field(field)
                .is_none()
                .then(|| format!("account `{}` has no `{field}` in the profile", role.name()))
        }),
        Requirement::CaseSensitive(role, field) => profile.account(*role).and_then(|a| {
            let value = a.field(field)?;
            (swap_case(value) == value).then(|| {
                format!(
                    "account `{}` has a `{field}` without letters, so swapcase cannot change it",
                    role.name()
                )
            })
        }),
        Requirement::Totp(role) => profile.account(*role).and_then(|a| {
            (!matches!(a.code, Some(CodeSource::Totp(_)))).then(|| {
                format!(
                    "`stale_code` needs a totp_secret for account `{}` in the profile",
                    role.name()
                )
            })
        }),
        Requirement::Code(role) => profile.account(*role).and_then(|a| {
            a.code.is_none().then(|| {
                format!(
                    "account `{}` has no totp_secret, code or code_command in the profile",
                    role.name()
                )
            })
        }),
    })
}

fn build_steps(
    ctx: &mut Ctx,
    scope: &SpecScope,
    steps: &[StepSpec],
    list_span: &Span,
    arms: &mut Vec<(String, Span)>,
) -> Vec<StepPlan> {
    let mut out = Vec::new();
    for (i, raw) in steps.iter().enumerate() {
        let merged;
        let step = match &raw.use_step {
            Some(name) => match scope.named_steps.get(&name.value) {
                Some(base) if base.use_step.is_none() => {
                    merged = merge_step(base, raw);
                    &merged
                }
                Some(_) => {
                    let at = ctx.span(name);
                    ctx.error(
                        "use",
                        at,
                        format!("named step `{}` itself uses another step", name.value),
                    );
                    continue;
                }
                None => {
                    let at = ctx.span(name);
                    let help =
                        did_you_mean(&name.value, scope.named_steps.keys().map(String::as_str));
                    ctx.error_help(
                        "use",
                        at,
                        format!("the spec has no step named `{}`", name.value),
                        help,
                    );
                    continue;
                }
            },
            None => raw,
        };
        if let Some(plan) = build_step(ctx, scope, step, raw, i, list_span, arms) {
            out.push(plan);
        }
    }
    out
}

fn step_span(ctx: &Ctx, step: &StepSpec, raw: &StepSpec, list_span: &Span) -> Span {
    raw.use_step
        .as_ref()
        .map(|u| ctx.span(u))
        .or_else(|| {
            raw.request
                .as_ref()
                .and_then(|r| r.path.as_ref())
                .map(|p| ctx.span(p))
        })
        .or_else(|| {
            step.request
                .as_ref()
                .and_then(|r| r.path.as_ref())
                .map(|p| ctx.span(p))
        })
        .unwrap_or_else(|| list_span.clone())
}

fn build_step(
    ctx: &mut Ctx,
    scope: &SpecScope,
    step: &StepSpec,
    raw: &StepSpec,
    index: usize,
    list_span: &Span,
    arms: &mut Vec<(String, Span)>,
) -> Option<StepPlan> {
    let span = step_span(ctx, step, raw, list_span);
    let name = step
        .name
        .clone()
        .unwrap_or_else(|| format!("step {}", index + 1));
    let request = build_request(
        ctx,
        step.request.as_ref(),
        scope.defaults,
        scope.default_timeout,
        &span,
    );
    let sent = request
        .as_ref()
        .map(super::logins::sent_names)
        .unwrap_or_default();
    ctx.sent_names = sent.clone();
    let checks = step
        .expect
        .as_ref()
        .map(|e| build_checks(ctx, e))
        .unwrap_or_default();
    let captures = build_captures(ctx, &step.capture, &span);
    let mut arm_plans = Vec::new();
    let mut branch_span = None;
    if let Some(branch) = &step.branch {
        let bspan = ctx.span(branch);
        branch_span = Some(bspan.clone());
        if branch.value.is_empty() {
            ctx.error_help(
                "branch",
                bspan.clone(),
                "the branch has no arms",
                Some("list arms as `- arm: NAME` with `when:`".into()),
            );
        }
        let after_step = ctx.captures.clone();
        let mut arm_scopes: Vec<Vec<String>> = Vec::new();
        for arm in &branch.value {
            ctx.captures = after_step.clone();
            ctx.sent_names = sent.clone();
            if let Some(plan) = build_arm(ctx, scope, arm, &bspan, arms) {
                arm_plans.push(plan);
            }
            arm_scopes.push(ctx.captures.clone());
        }
        // After a branch only what every arm captured is certainly there.
        let mut visible = after_step;
        if let Some(first) = arm_scopes.first() {
            for name in first {
                if !visible.contains(name) && arm_scopes.iter().all(|s| s.contains(name)) {
                    visible.push(name.clone());
                }
            }
        }
        ctx.captures = visible;
    }
    let snapshot = step.snapshot.as_ref().map(|s| SnapshotPlan {
        headers: s.headers.iter().map(|h| h.to_ascii_lowercase()).collect(),
        redact: s.redact.iter().filter_map(|r| ctx.jsonpath(r)).collect(),
    });
    let request = request?;
    let login = super::logins::classify(&request, ctx.case_account);
    Some(StepPlan {
        name,
        span,
        request,
        login,
        checks,
        captures,
        arms: arm_plans,
        branch_span,
        snapshot,
    })
}

fn build_arm(
    ctx: &mut Ctx,
    scope: &SpecScope,
    arm: &ArmSpec,
    branch_span: &Span,
    arms: &mut Vec<(String, Span)>,
) -> Option<ArmPlan> {
    let span = ctx.span(&arm.arm);
    let name = arm.arm.value.clone();
    if arms.iter().any(|(a, _)| *a == name) {
        ctx.error(
            "branch",
            span.clone(),
            format!("arm `{name}` is declared twice in the case"),
        );
    }
    arms.push((name.clone(), span.clone()));
    let when = build_checks(ctx, &arm.when);
    ctx.arm_path.push(name.clone());
    let checks = arm
        .expect
        .as_ref()
        .map(|e| build_checks(ctx, e))
        .unwrap_or_default();
    let captures = build_captures(ctx, &arm.capture, &span);
    let steps = build_steps(ctx, scope, &arm.steps, branch_span, arms);
    ctx.arm_path.pop();
    Some(ArmPlan {
        name,
        span,
        when,
        checks,
        captures,
        steps,
    })
}

fn build_captures(
    ctx: &mut Ctx,
    specs: &IndexMap<String, CaptureSpec>,
    step_span: &Span,
) -> Vec<CapturePlan> {
    let mut out = Vec::new();
    for (name, spec) in specs {
        let source_span = spec
            .jsonpath
            .as_ref()
            .or(spec.xml.as_ref())
            .or(spec.header.as_ref())
            .map(|s| ctx.span(s))
            .unwrap_or_else(|| step_span.clone());
        let at = source_span.clone();
        if RESERVED.contains(&name.as_str())
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            ctx.error(
                "capture",
                at.clone(),
                format!("`{name}` cannot be a capture name"),
            );
            continue;
        }
        let sources = [
            spec.jsonpath.is_some(),
            spec.xml.is_some(),
            spec.header.is_some(),
        ]
        .iter()
        .filter(|x| **x)
        .count();
        if sources != 1 {
            ctx.error_help(
                "capture",
                at,
                format!("capture `{name}` needs exactly one source"),
                Some("give one of `jsonpath`, `xml` or `header`".into()),
            );
            continue;
        }
        let source = if let Some(p) = &spec.jsonpath {
            ctx.jsonpath(p).map(|(p, t)| CaptureSource::Json(p, t))
        } else if let Some(p) = &spec.xml {
            ctx.jsonpath(p).map(|(p, t)| CaptureSource::Xml(p, t))
        } else {
            spec.header
                .as_ref()
                .map(|h| CaptureSource::Header(h.value.to_ascii_lowercase()))
        };
        let pick = match spec.pick.as_ref().map(|p| p.value.as_str()) {
            None | Some("first") => Some(Pick::First),
            Some("jwt") => Some(Pick::Jwt),
            Some(other) => {
                let at = spec.pick.as_ref().map_or(at.clone(), |p| ctx.span(p));
                ctx.error_help(
                    "capture",
                    at,
                    format!("`{other}` is not a pick"),
                    Some("use `first` or `jwt`".into()),
                );
                None
            }
        };
        let regex = match &spec.regex {
            Some(r) => ctx.regex(r).map(Some),
            None => Some(None),
        };
        if let (Some(source), Some(pick), Some(regex)) = (source, pick, regex) {
            out.push(CapturePlan {
                name: name.clone(),
                source,
                pick,
                regex,
                secret: spec.secret.unwrap_or(true),
                span: source_span,
            });
            if !ctx.captures.contains(name) {
                ctx.captures.push(name.clone());
            }
        }
    }
    out
}
