//! Request keys: a request with the values that change from run to run (codes, random
//! values) and the profile's credentials replaced by their role, so that a fresh run's
//! request finds the recorded one it stands for.
//!
//! Codes are compared by role as whole values only (a six-digit code could appear by
//! chance inside a token); the profile's account fields anywhere in a value.

use serde_json::Value;

use crate::exec::Scope;
use crate::plan::{Expr, StepPlan};
use crate::profile::{AccountName, Profile};

/// What the plan says about the request about to be sent: its account, the codes it
/// carries by role, the headers it sets and the fields that are random each run.
#[derive(Clone, Debug, Default)]
pub(crate) struct StepContext {
    /// The case's account.
    pub(crate) account: Option<AccountName>,
    /// Whole values that stand for a code role (`{code}`, `{wrong_code}`, …).
    codes: Vec<(String, &'static str)>,
    /// The header names the plan sets (lowercase).
    headers: Vec<String>,
    /// Names of fields whose value is random each run.
    random: Vec<String>,
}

impl StepContext {
    /// The context of `step` as `scope` is about to send it.
    pub(crate) fn of(step: &StepPlan, scope: &Scope) -> Self {
        let exprs = step.request.exprs();
        let mut codes = Vec::new();
        let mut push = |value: &Option<String>, role: &'static str| {
            if let Some(v) = value.as_ref().filter(|v| !v.is_empty()) {
                codes.push((v.clone(), role));
            }
        };
        push(&scope.code, "{code}");
        push(&scope.wrong_code, "{wrong_code}");
        push(&scope.stale_code, "{stale_code}");
        if exprs.contains(&Expr::LastCode) {
            push(&scope.last_code, "{last_code}");
        }
        let random = step
            .request
            .named_templates()
            .into_iter()
            .filter(|(_, t)| {
                t.exprs().any(|(e, _)| {
                    matches!(e, Expr::Uuid | Expr::RandomHex(_) | Expr::RandomAlnum(_))
                })
            })
            .map(|(name, _)| name.to_ascii_lowercase())
            .collect();
        Self {
            account: scope.account(),
            codes,
            headers: step
                .request
                .headers
                .iter()
                .map(|(n, _)| n.to_ascii_lowercase())
                .collect(),
            random,
        }
    }
}

/// A request as the replay matches it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct RequestKey {
    /// The case's account (`-` for none).
    pub(crate) account: String,
    /// Method, path, query, headers and body with roles for values.
    pub(crate) request: String,
}

/// A request as received or sent: the parts a key is made of.
pub(crate) struct RawRequest<'a> {
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) query: Option<&'a str>,
    /// Headers (any case); only those the plan sets, and the content type, count.
    pub(crate) headers: Vec<(&'a str, &'a str)>,
    pub(crate) body: &'a str,
}

/// Makes keys: knows the profile's account fields.
pub(crate) struct Canon {
    /// Account field values (longest first) and their role placeholders.
    fields: Vec<(String, String)>,
}

impl Canon {
    /// A key maker for the profile's accounts.
    pub(crate) fn new(profile: &Profile) -> Self {
        let mut fields = Vec::new();
        for (role, account) in &profile.accounts {
            for field in ["password", "secure_key", "username", "email"] {
                if let Some(v) = account.field(field).filter(|v| v.len() >= 3) {
                    fields.push((v.to_string(), format!("{{{}.{field}}}", role.name())));
                }
            }
        }
        fields.sort_by_key(|(v, _)| std::cmp::Reverse(v.len()));
        Self { fields }
    }

    /// The key of `request` sent with `context`.
    pub(crate) fn key(&self, context: &StepContext, request: &RawRequest<'_>) -> RequestKey {
        let mut text = format!(
            "{} {}",
            request.method.to_ascii_uppercase(),
            self.value(context, "", request.path)
        );
        if let Some(q) = request.query.filter(|q| !q.is_empty()) {
            text.push('?');
            text.push_str(&self.pairs(context, q));
        }
        let mut headers: Vec<(String, String)> = request
            .headers
            .iter()
            .filter_map(|(n, v)| {
                let n = n.to_ascii_lowercase();
                if n == "content-type" {
                    let essence = v
                        .split(';')
                        .next()
                        .unwrap_or("")
                        .trim()
                        .to_ascii_lowercase();
                    return Some((n, essence));
                }
                context
                    .headers
                    .contains(&n)
                    .then(|| (n.clone(), self.value(context, &n, v)))
            })
            .collect();
        headers.sort();
        headers.dedup();
        for (n, v) in &headers {
            text.push_str(&format!("\n{n}: {v}"));
        }
        let media = headers
            .iter()
            .find(|(n, _)| n == "content-type")
            .map_or("", |(_, v)| v.as_str());
        text.push_str("\n\n");
        text.push_str(&self.body(context, media, request.body));
        RequestKey {
            account: context.account.map_or("-", AccountName::name).to_string(),
            request: text,
        }
    }

    fn body(&self, context: &StepContext, media: &str, body: &str) -> String {
        if media.contains("x-www-form-urlencoded") {
            return self.pairs(context, body);
        }
        if media.contains("json")
            && let Ok(value) = serde_json::from_str::<Value>(body)
        {
            return self.json(context, "", &value);
        }
        self.value(context, "", body)
    }

    /// Form or query pairs, values by role, sorted.
    fn pairs(&self, context: &StepContext, text: &str) -> String {
        let mut pairs: Vec<String> = url::form_urlencoded::parse(text.as_bytes())
            .map(|(k, v)| format!("{k}={}", self.value(context, &k, &v)))
            .collect();
        pairs.sort();
        pairs.join("&")
    }

    /// A JSON value with keys sorted and strings by role.
    fn json(&self, context: &StepContext, name: &str, value: &Value) -> String {
        match value {
            Value::String(s) => {
                serde_json::to_string(&self.value(context, name, s)).unwrap_or_default()
            }
            Value::Array(items) => {
                let items: Vec<String> =
                    items.iter().map(|i| self.json(context, name, i)).collect();
                format!("[{}]", items.join(","))
            }
            Value::Object(fields) => {
                let mut members: Vec<String> = fields
                    .iter()
                    .map(|(k, v)| format!("{k:?}:{}", self.json(context, k, v)))
                    .collect();
                members.sort();
                format!("{{{}}}", members.join(","))
            }
            other => other.to_string(),
        }
    }

    /// One value by role: random fields, codes (whole values), account fields (anywhere).
    fn value(&self, context: &StepContext, name: &str, value: &str) -> String {
        if !name.is_empty() && context.random.iter().any(|r| r.eq_ignore_ascii_case(name)) {
            return "{random}".into();
        }
        if let Some((_, role)) = context.codes.iter().find(|(c, _)| c == value) {
            return (*role).to_string();
        }
        let mut out = value.to_string();
        for (secret, role) in &self.fields {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), role);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> Profile {
        crate::profile::reference_profile()
    }

    #[test]
    fn codes_and_credentials_compare_by_role() {
        let profile = profile();
        let canon = Canon::new(&profile);
        let account = profile.account(AccountName::TWO_FACTOR).unwrap();
        let user = account.username.clone().unwrap();
        let password = account.password.clone().unwrap();
        let ctx = |code: &str| StepContext {
            account: Some(AccountName::TWO_FACTOR),
            codes: vec![(code.to_string(), "{code}")],
            ..StepContext::default()
        };
        let body =
            |code: &str| format!(r#"{{"code":"{code}","password":"{password}","user":"{user}"}}"#);
        let recorded_body = body("123456");
        let fresh_body = body("654321");
        let recorded = RawRequest {
            method: "POST",
            path: "/login",
            query: None,
            headers: vec![("Content-Type", "application/json")],
            body: &recorded_body,
        };
        let fresh = RawRequest {
            body: &fresh_body,
            ..RawRequest {
                headers: vec![("content-type", "application/json; charset=utf-8")],
                ..recorded
            }
        };
        let a = canon.key(
            &ctx("123456"),
            &RawRequest {
                body: &recorded_body,
                method: "POST",
                path: "/login",
                query: None,
                headers: vec![("Content-Type", "application/json")],
            },
        );
        let b = canon.key(&ctx("654321"), &fresh);
        assert_eq!(a, b);
        assert!(!a.request.contains(&password));
        assert!(a.request.contains("{code}"));
        // The same fresh code sent as a wrong code is another request.
        let wrong = StepContext {
            account: Some(AccountName::TWO_FACTOR),
            codes: vec![("654321".into(), "{wrong_code}")],
            ..StepContext::default()
        };
        assert_ne!(canon.key(&wrong, &fresh), b);
    }
}
