//! Which requests are logins, and which of them a server counts as failed — read from
//! the plan itself, so a lockout budget needs no hand-written tags.
//!
//! A request is a **login** when it carries an account's credential (its password or
//! secure key, or a code — exact, wrong, stale or derived) or names an account (its
//! username or e-mail) without carrying a captured value (a captured token or key makes
//! it an authenticated call, not a login). A login **fails** when:
//! - it carries a wrong or stale code, or a value made from a secret (a function of it,
//!   or the secret with text added);
//! - it carries another account's credential than the account it names;
//! - it names no account and continues nothing captured (an unknown user: counted
//!   against no account);
//! - it names an account but carries none of its credentials (no, an empty or a literal
//!   password);
//! - a field named for a code (`code`, `tfkey`, `totp`, `otp`, `2fa`, `mfa`) holds
//!   anything but `{{ code }}`, or a field named for a password or key holds anything
//!   but the account's own.
//!
//! Every other login is **correct** (a 2FA account's password without its code is
//! correct: servers answer "code required" and do not count it).

use std::collections::BTreeMap;

use super::model::{CasePlan, RequestPlan, StepPlan};
use super::template::Expr;
use crate::profile::AccountName;

/// What a step's request is, as a login.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LoginAttempt {
    /// Not a login.
    #[default]
    None,
    /// A login with the account's own credentials.
    Correct(AccountName),
    /// A login a server counts as failed, against this account (`None`: an unknown
    /// user, counted against no account).
    Failed(Option<AccountName>),
}

fn names_a_code(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["code", "tfkey", "totp", "otp", "2fa", "mfa"]
        .iter()
        .any(|w| key.contains(w))
        && !key.contains("token")
}

/// Whether a request field's name says it carries a credential (a password, key, code or
/// token): what it carried is masked even when it was wrong.
pub fn names_a_credential(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    names_a_code(key) || names_a_password(key) || lower.contains("token") || lower.contains("pin")
}

/// The names a request sends values under (query, headers, form, JSON keys).
pub fn sent_names(request: &RequestPlan) -> Vec<String> {
    request
        .named_templates()
        .into_iter()
        .map(|(k, _)| k.to_string())
        .filter(|k| !k.is_empty())
        .collect()
}

fn names_a_password(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["pass", "secret", "securekey", "secure_key", "apikey"]
        .iter()
        .any(|w| key.contains(w))
}

fn is_secret_field(field: &str) -> bool {
    crate::profile::Account::is_secret_field(field)
}

/// Classifies a request of a case whose account is `account`.
pub fn classify(request: &RequestPlan, account: Option<AccountName>) -> LoginAttempt {
    let mut identity: Option<AccountName> = None;
    let mut exact: Vec<AccountName> = Vec::new();
    let mut credential = false;
    let mut bad = false;
    let mut captured = false;
    for (key, template) in request.named_templates() {
        let sole = template.sole_expr();
        for (expr, _) in template.exprs() {
            match expr {
                Expr::Account { role, field } => {
                    let role = role.or(account);
                    if is_secret_field(field) {
                        credential = true;
                        match (sole, role) {
                            (Some(_), Some(role)) => exact.push(role),
                            _ => bad = true,
                        }
                    } else if sole.is_some() {
                        identity = identity.or(role);
                    }
                }
                Expr::Code => {
                    credential = true;
                    if sole.is_some() {
                        exact.extend(account);
                    } else {
                        bad = true;
                    }
                }
                // A replayed code is refused by servers that follow RFC 6238 §5.2.
                Expr::WrongCode | Expr::StaleCode | Expr::LastCode => {
                    credential = true;
                    bad = true;
                }
                Expr::Call(_, inner) => {
                    if matches!(
                        inner.as_ref(),
                        Expr::Code | Expr::WrongCode | Expr::StaleCode | Expr::LastCode
                    ) || matches!(inner.as_ref(), Expr::Account { field, .. } if is_secret_field(field))
                    {
                        credential = true;
                        bad = true;
                    }
                }
                Expr::Capture(_) => captured = true,
                // Requests never read the response (planning refuses it).
                Expr::Uuid
                | Expr::RandomHex(_)
                | Expr::RandomAlnum(_)
                | Expr::Var(_)
                | Expr::Sent(_)
                | Expr::Response(_) => {}
            }
        }
        let exact_here = matches!(sole, Some(Expr::Code))
            || matches!(sole, Some(Expr::Account { field, .. }) if is_secret_field(field));
        if (names_a_code(key) || names_a_password(key)) && !exact_here && !key.is_empty() {
            credential = true;
            bad = true;
        }
    }
    let is_login = credential || (identity.is_some() && !captured);
    if !is_login {
        return LoginAttempt::None;
    }
    let charged = identity.or(if captured { account } else { None });
    let Some(who) = charged else {
        return LoginAttempt::Failed(None);
    };
    let own = exact.contains(&who);
    let foreign = exact.iter().any(|r| *r != who);
    if bad || foreign || !own {
        LoginAttempt::Failed(Some(who))
    } else {
        LoginAttempt::Correct(who)
    }
}

impl CasePlan {
    /// The failed logins the case may send, per account (`None`: unknown users),
    /// counting the steps of every arm: an upper bound.
    pub fn failed_logins(&self) -> BTreeMap<Option<AccountName>, usize> {
        let mut out = BTreeMap::new();
        for step in self.all_steps() {
            if let LoginAttempt::Failed(who) = step.login {
                *out.entry(who).or_insert(0) += 1;
            }
        }
        out
    }

    /// The account the case logs in successfully, when it sends correct logins of one
    /// account and no failed one.
    pub fn successful_login(&self) -> Option<AccountName> {
        let mut who = None;
        for step in self.all_steps() {
            match step.login {
                LoginAttempt::Failed(_) => return None,
                LoginAttempt::Correct(role) if who.is_none_or(|w| w == role) => who = Some(role),
                LoginAttempt::Correct(_) => return None,
                LoginAttempt::None => {}
            }
        }
        who
    }

    /// Every step of the case, arms' steps included, depth first.
    pub fn all_steps(&self) -> Vec<&StepPlan> {
        fn walk<'a>(steps: &'a [StepPlan], out: &mut Vec<&'a StepPlan>) {
            for step in steps {
                out.push(step);
                for arm in &step.arms {
                    walk(&arm.steps, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.steps, &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::plan::{PlanOptions, build_plan};
    use crate::profile::reference_profile;

    fn shipped() -> crate::plan::Plan {
        let specs = crate::spec::load_embedded().expect("embedded specs load");
        build_plan(
            &specs,
            Arc::new(reference_profile()),
            &PlanOptions::default(),
        )
        .expect("embedded specs plan")
    }

    fn case<'a>(plan: &'a crate::plan::Plan, id: &str) -> &'a CasePlan {
        plan.cases().find(|c| c.id == id).expect(id)
    }

    fn failed(plan: &crate::plan::Plan, id: &str) -> Vec<(Option<AccountName>, usize)> {
        case(plan, id).failed_logins().into_iter().collect()
    }

    #[test]
    fn the_shipped_specs_logins_are_classified() {
        const PRIMARY: AccountName = AccountName::PRIMARY;
        const TWO_FACTOR: AccountName = AccountName::TWO_FACTOR;
        let plan = shipped();
        // Correct logins, a 2FA account's password-only first step included.
        for id in [
            "rocketchat::json.username",
            "rocketchat::two_factor.username",
            "rocketchat::resume",
            "rocketchat::me.primary",
            "txty::json.login.two_factor",
            "payroll::login",
            "cielo24::login.query.password",
            "cielo24::login.headers.securekey",
            "coldstream::mfa.login",
            "txty::xml.view_user",
        ] {
            assert_eq!(failed(&plan, id), [], "{id}");
            assert!(case(&plan, id).successful_login().is_some(), "{id}");
        }
        for (id, expected) in [
            ("rocketchat::wrong_password", vec![(Some(PRIMARY), 1)]),
            (
                "rocketchat::wrong_password.swapped_case",
                vec![(Some(PRIMARY), 1)],
            ),
            (
                "rocketchat::wrong_password.extra_char",
                vec![(Some(PRIMARY), 1)],
            ),
            ("rocketchat::missing_password", vec![(Some(PRIMARY), 1)]),
            ("rocketchat::unknown_user", vec![(None, 1)]),
            (
                "rocketchat::two_factor.wrong_code",
                vec![(Some(TWO_FACTOR), 1)],
            ),
            (
                "rocketchat::two_factor.empty_code",
                vec![(Some(TWO_FACTOR), 1)],
            ),
            (
                "rocketchat::two_factor.stale_code",
                vec![(Some(TWO_FACTOR), 1)],
            ),
            (
                "rocketchat::two_factor.header_code",
                vec![(Some(TWO_FACTOR), 1)],
            ),
            (
                "rocketchat::two_factor.wrong_password_with_code",
                vec![(Some(TWO_FACTOR), 1)],
            ),
            (
                "txty::json.two_factor.empty_tfkey",
                vec![(Some(TWO_FACTOR), 1)],
            ),
        ] {
            assert_eq!(failed(&plan, id), expected, "{id}");
            assert_eq!(case(&plan, id).successful_login(), None, "{id}");
        }
        // No login at all: a made-up resume token, an empty payload.
        for id in [
            "rocketchat::resume.made_up_token",
            "rocketchat::no_arguments",
        ] {
            assert_eq!(failed(&plan, id), [], "{id}");
            assert_eq!(case(&plan, id).successful_login(), None, "{id}");
        }
    }
}
