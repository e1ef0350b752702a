//! The plan stage's entry point: raw specs + profile → [`Plan`].

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use indexmap::IndexMap;

use super::case_builder::{SpecScope, build_case};
use super::context::Ctx;
use super::expect_builder::build_checks;
use super::model::{GuardSigns, Plan, SecretPaths, SpecPlan};
use crate::diagnostic::Diagnostic;
use crate::profile::Profile;
use crate::spec::LoadedSpec;

/// Settings of the plan stage.
#[derive(Clone, Debug)]
pub struct PlanOptions {
    /// Request timeout when neither the step nor the spec gives one.
    pub default_timeout: Duration,
}

impl Default for PlanOptions {
    fn default() -> Self {
        Self {
            default_timeout: Duration::from_secs(30),
        }
    }
}

/// Resolves specs against a profile. Every problem of every spec is returned at once.
pub fn build_plan(
    specs: &[LoadedSpec],
    profile: Arc<Profile>,
    options: &PlanOptions,
) -> Result<Plan, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut names = HashSet::new();
    let mut plans = Vec::new();
    for loaded in specs {
        let spec = &loaded.spec;
        let name = spec
            .name
            .as_ref()
            .map(|n| n.value.clone())
            .unwrap_or_else(|| file_stem(&loaded.source.name));
        let mut spec_vars: IndexMap<String, String> = IndexMap::new();
        let mut ctx = Ctx::new(
            Arc::clone(&loaded.source),
            &loaded.base_dir,
            IndexMap::new(),
        );
        for (k, v) in &spec.vars {
            if let Some(text) = ctx.static_text(v) {
                spec_vars.insert(k.clone(), text);
            }
        }
        for (k, v) in &profile.vars {
            spec_vars.insert(k.clone(), v.clone());
        }
        ctx.spec_vars = spec_vars;
        ctx.keys = profile.keys.clone();
        if !is_plain_name(&name) {
            // The name becomes a directory under --snapshots: `../x` or `/x` would
            // write (and prune) files elsewhere.
            let label =
                "a spec name uses letters, digits, `-`, `_` and `.`, and does not start with `.`";
            match &spec.name {
                Some(n) => {
                    let at = ctx.span(n);
                    ctx.error("spec name", at, label);
                }
                None => errors.push(Diagnostic::plain(
                    "spec name",
                    format!("{}: the file name `{name}` is no spec name: {label}; give the spec a `name:`", loaded.source.name),
                )),
            }
        }
        if !names.insert(name.clone()) {
            let at = spec.name.as_ref().map(|n| ctx.span(n));
            errors.push(Diagnostic {
                severity: crate::diagnostic::Severity::Error,
                title: "duplicate spec".into(),
                span: at,
                label: format!("another spec is also named `{name}`"),
                help: Some("give one of them a different `name:`".into()),
            });
        }
        let secret_paths: SecretPaths = spec
            .secrets
            .iter()
            .filter_map(|p| ctx.jsonpath(p).map(|(path, _)| path))
            .collect();
        let guards = Arc::new(GuardSigns {
            throttled: spec
                .throttled
                .as_ref()
                .map(|t| build_checks(&mut ctx, &t.when))
                .unwrap_or_default(),
            throttle_wait: spec
                .throttled
                .as_ref()
                .and_then(|t| t.wait.as_ref())
                .and_then(|w| ctx.regex(w)),
            locked: spec
                .locked
                .as_ref()
                .map(|l| build_checks(&mut ctx, &l.when))
                .unwrap_or_default(),
        });
        let scope = SpecScope {
            guards,
            secret_paths,
            spec_name: &name,
            named_steps: &spec.steps,
            defaults: &spec.defaults,
            default_timeout: options.default_timeout,
            profile: &profile,
        };
        let mut ids = HashSet::new();
        let mut cases = Vec::new();
        for case in &spec.cases {
            if !ids.insert(case.id.value.clone()) {
                let at = ctx.span(&case.id);
                ctx.error(
                    "duplicate case id",
                    at,
                    format!("case `{}` is defined twice", case.id.value),
                );
            }
            if let Some(plan) = build_case(&mut ctx, &scope, case) {
                cases.push(plan);
            }
        }
        if spec.cases.is_empty() {
            errors.push(Diagnostic::error(
                "spec",
                cases_key(&loaded.source),
                "the spec has no cases",
            ));
        }
        errors.append(&mut ctx.errors);
        plans.push(SpecPlan {
            name,
            title: spec.title.clone(),
            document: spec.document.clone(),
            api: spec.api.as_ref().map(|a| a.value.clone()),
            source: Arc::clone(&loaded.source),
            cases,
        });
    }
    // A named step used by several cases reports its problems once.
    let mut seen = HashSet::new();
    errors.retain(|d| seen.insert(d.to_string()));
    if errors.is_empty() {
        Ok(Plan {
            specs: plans,
            profile,
        })
    } else {
        Err(errors)
    }
}

/// Where a spec's `cases:` key is (its first top-level line), else its end.
fn cases_key(source: &Arc<crate::diagnostic::SourceFile>) -> crate::diagnostic::Span {
    let text = &source.text;
    let at = text
        .match_indices("cases:")
        .find(|(i, _)| *i == 0 || text[..*i].ends_with('\n'))
        .map(|(i, _)| i);
    match at {
        Some(i) => source.span(i, "cases".len()),
        None => source.span(text.len(), 0),
    }
}

/// Whether `name` can name a directory without leaving its parent: letters, digits,
/// `-`, `_` and `.`, not empty and not starting with `.` (so never `.` or `..`).
pub fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

fn file_stem(name: &str) -> String {
    std::path::Path::new(name)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(name)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_stay_in_their_directory() {
        for ok in ["txty", "rocket.chat", "pay_roll-2"] {
            assert!(is_plain_name(ok), "{ok}");
        }
        for bad in [
            "",
            ".",
            "..",
            "../victim",
            "/tmp/victim",
            ".hidden",
            "a/b",
            "a\\b",
            "æ",
        ] {
            assert!(!is_plain_name(bad), "{bad}");
        }
    }
}
