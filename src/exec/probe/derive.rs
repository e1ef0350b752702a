//! What the probes send, derived from the plan rather than written by hand: a case that
//! logs an account in successfully, its login re-sent with changes (the same code again,
//! a random wrong password, a random unknown user).
//!
//! Pure: builds plans, sends nothing.

use crate::plan::{
    BodyPlan, CasePlan, Expr, JsonTemplate, LoginAttempt, Part, RequestPlan, StepPlan, Template,
    classify,
};
use crate::profile::{Account, AccountName, CodeSource, Profile};

/// The name of the step `totp-replay` adds.
pub(super) const REPLAY_STEP: &str = "the same code again (probe totp-replay)";

/// A login request of one account, alone (no capture, no code), from a case that logs
/// that account in successfully.
pub(super) struct PasswordLogin<'a> {
    /// The case it comes from (rerun to log the account in correctly).
    pub case: &'a CasePlan,
    /// The account.
    pub account: AccountName,
    /// The login step.
    pub step: &'a StepPlan,
}

/// The first case in `cases` that logs in an account with a TOTP secret and sends a code,
/// with a step added right after the one that sends `{{ code }}`: the same request with
/// `{{ last_code }}` and the same checks. Steps that followed it are left out, and so are
/// the case's arm requirements: the probe ends with the replay.
pub(super) fn replay_case(cases: &[&CasePlan], profile: &Profile) -> Option<CasePlan> {
    cases.iter().find_map(|case| {
        if case.skip.is_some() {
            return None;
        }
        let account = case.successful_login()?;
        let totp = profile
            .account(account)
            .and_then(|a| a.code.as_ref())
            .is_some_and(|c| matches!(c, CodeSource::Totp(_)));
        if !totp {
            return None;
        }
        let mut probe = (*case).clone();
        insert_replay(&mut probe.steps, account).then(|| {
            probe.id = format!("{}+probe.totp-replay", case.id);
            probe.require_arms.clear();
            probe.forbid_arms.clear();
            probe
        })
    })
}

fn insert_replay(steps: &mut Vec<StepPlan>, account: AccountName) -> bool {
    for i in 0..steps.len() {
        if templates(&steps[i].request)
            .iter()
            .any(|t| t.sole_expr() == Some(&Expr::Code))
        {
            let mut replay = steps[i].clone();
            replay.name = REPLAY_STEP.to_string();
            map_templates(&mut replay.request, &mut |t| {
                for part in &mut t.parts {
                    if let Part::Expr(e @ Expr::Code, src) = part {
                        *e = Expr::LastCode;
                        *src = "last_code".to_string();
                    }
                }
            });
            replay.captures.clear();
            replay.arms.clear();
            replay.branch_span = None;
            replay.snapshot = None;
            replay.login = LoginAttempt::Failed(Some(account));
            steps.truncate(i + 1);
            steps.push(replay);
            return true;
        }
        for arm in &mut steps[i].arms {
            if insert_replay(&mut arm.steps, account) {
                steps.truncate(i + 1);
                return true;
            }
        }
    }
    false
}

/// The first login in `cases` (plan order) that a case logging its account in
/// successfully sends on its own: the account's credential in it, no captured value and
/// no code.
pub(super) fn password_login<'a>(cases: &[&'a CasePlan]) -> Option<PasswordLogin<'a>> {
    cases.iter().find_map(|case| {
        if case.skip.is_some() {
            return None;
        }
        let account = case.successful_login()?;
        let step = case.all_steps().into_iter().find(|s| {
            s.login == LoginAttempt::Correct(account)
                && carries_credential(&s.request)
                && templates(&s.request).iter().all(|t| {
                    t.exprs().all(|(e, _)| {
                        !matches!(
                            e,
                            Expr::Capture(_) | Expr::Code | Expr::WrongCode | Expr::StaleCode
                        )
                    })
                })
        })?;
        Some(PasswordLogin {
            case,
            account,
            step,
        })
    })
}

fn carries_credential(request: &RequestPlan) -> bool {
    templates(request).iter().any(|t| {
        matches!(t.sole_expr(), Some(Expr::Account { field, .. }) if Account::is_secret_field(field))
    })
}

/// The login with its credential (password or key) replaced by a random one: a failed
/// login of the same account, by the plan's own reckoning.
pub(super) fn wrong_password(login: &PasswordLogin<'_>) -> Option<RequestPlan> {
    let mut request = login.step.request.clone();
    map_templates(&mut request, &mut |t| {
        if matches!(t.sole_expr(), Some(Expr::Account { field, .. }) if Account::is_secret_field(field))
        {
            *t = random(24, "");
        }
    });
    let failed = classify(&request, login.case.account);
    (failed == LoginAttempt::Failed(Some(login.account))).then_some(request)
}

/// The wrong-password login with the account's name (username, e-mail) replaced by a
/// random one: a failed login of an unknown user.
pub(super) fn unknown_user(login: &PasswordLogin<'_>) -> Option<RequestPlan> {
    let mut request = wrong_password(login)?;
    map_templates(&mut request, &mut |t| {
        if let Some(Expr::Account { field, .. }) = t.sole_expr() {
            let suffix = if field == "email" {
                "@example.invalid"
            } else {
                ""
            };
            *t = random(16, suffix);
        }
    });
    let failed = classify(&request, login.case.account);
    (failed == LoginAttempt::Failed(None)).then_some(request)
}

/// `{{ random_alnum(n) }}` followed by `suffix`.
fn random(n: usize, suffix: &str) -> Template {
    let mut parts = vec![Part::Expr(
        Expr::RandomAlnum(n),
        format!("random_alnum({n})"),
    )];
    if !suffix.is_empty() {
        parts.push(Part::Lit(suffix.to_string()));
    }
    Template { parts }
}

fn templates(request: &RequestPlan) -> Vec<&Template> {
    let mut out = vec![&request.path];
    out.extend(request.query.iter().map(|(_, t)| t));
    out.extend(request.headers.iter().map(|(_, t)| t));
    match &request.body {
        BodyPlan::None => {}
        BodyPlan::Json(j) => out.extend(j.templates()),
        BodyPlan::Form(pairs) => out.extend(pairs.iter().map(|(_, t)| t)),
        BodyPlan::Raw { text, .. } => out.push(text),
    }
    out
}

fn map_templates(request: &mut RequestPlan, f: &mut impl FnMut(&mut Template)) {
    f(&mut request.path);
    request.query.iter_mut().for_each(|(_, t)| f(t));
    request.headers.iter_mut().for_each(|(_, t)| f(t));
    match &mut request.body {
        BodyPlan::None => {}
        BodyPlan::Json(j) => map_json(j, f),
        BodyPlan::Form(pairs) => pairs.iter_mut().for_each(|(_, t)| f(t)),
        BodyPlan::Raw { text, .. } => f(text),
    }
}

fn map_json(json: &mut JsonTemplate, f: &mut impl FnMut(&mut Template)) {
    match json {
        JsonTemplate::Plain(_) => {}
        JsonTemplate::String(t) => f(t),
        JsonTemplate::Array(items) => items.iter_mut().for_each(|i| map_json(i, f)),
        JsonTemplate::Object(fields) => fields.iter_mut().for_each(|(_, v)| map_json(v, f)),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::plan::{Plan, PlanOptions, build_plan};
    use crate::profile::reference_profile;

    fn shipped() -> Plan {
        let specs = crate::spec::load_embedded().expect("embedded specs load");
        build_plan(
            &specs,
            Arc::new(reference_profile()),
            &PlanOptions::default(),
        )
        .expect("plan")
    }

    fn spec_cases<'a>(plan: &'a Plan, spec: &str) -> Vec<&'a CasePlan> {
        plan.cases().filter(|c| c.spec == spec).collect()
    }

    #[test]
    fn the_replay_follows_the_step_that_sends_the_code() {
        let plan = shipped();
        let cases = spec_cases(&plan, "rocketchat");
        let probe = replay_case(&cases, &reference_profile()).expect("a 2FA login");
        let steps = probe.all_steps();
        let last = steps.last().expect("steps");
        assert_eq!(last.name, REPLAY_STEP);
        assert_eq!(
            last.login,
            LoginAttempt::Failed(Some(AccountName::TWO_FACTOR))
        );
        let exprs: Vec<&Expr> = templates(&last.request)
            .into_iter()
            .flat_map(|t| t.exprs().map(|(e, _)| e))
            .collect();
        assert!(exprs.contains(&&Expr::LastCode), "{exprs:?}");
        assert!(!exprs.contains(&&Expr::Code), "{exprs:?}");
        let before = steps[steps.len() - 2];
        assert_eq!(before.login, LoginAttempt::Correct(AccountName::TWO_FACTOR));
    }

    #[test]
    fn wrong_passwords_and_unknown_users_are_failed_logins_by_the_plans_reckoning() {
        let plan = shipped();
        for spec in ["rocketchat", "txty", "payroll", "cielo24", "coldstream"] {
            let cases = spec_cases(&plan, spec);
            let login = password_login(&cases).unwrap_or_else(|| panic!("{spec}: a login"));
            assert!(wrong_password(&login).is_some(), "{spec}");
            if spec == "rocketchat" {
                assert!(unknown_user(&login).is_some(), "{spec}");
            }
        }
    }
}
