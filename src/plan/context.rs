//! Shared state while planning one spec: its source, variables, the captures in
//! scope, what the case needs from the profile, and the diagnostics found so far.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use indexmap::IndexMap;
use serde_saphyr::Spanned;

use super::template::{Expr, Func, Template, TemplateError};
use crate::diagnostic::{Diagnostic, SourceFile, Span, did_you_mean};
use crate::profile::AccountName;

/// Where a template is used; decides which expressions it may contain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Use {
    /// Fixed at plan time: only `vars.*` (paths, regexes, keys, JSONPaths).
    Static,
    /// A request part: anything.
    Request,
    /// An expected value: no generated values (codes, random).
    Expect,
}

/// Something a case needs from the profile to run.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Requirement {
    /// The account must exist.
    Account(AccountName),
    /// The account must have this text field.
    Field(AccountName, String),
    /// The account must have a way to obtain codes.
    Code(AccountName),
    /// The account's codes must come from a TOTP secret.
    Totp(AccountName),
    /// The account's field must change when its case is swapped (it has letters).
    CaseSensitive(AccountName, String),
}

/// Planning state of one spec (and, through `case_*` fields, of the case being planned).
pub struct Ctx<'a> {
    /// The spec file.
    pub source: Arc<SourceFile>,
    /// Where `schema_file` paths resolve.
    pub base_dir: &'a Path,
    /// Spec defaults overridden by profile vars.
    pub spec_vars: IndexMap<String, String>,
    /// Case-level vars (cleared per case).
    pub case_vars: IndexMap<String, String>,
    /// The case's account.
    pub case_account: Option<AccountName>,
    /// Captures visible to the step being planned.
    pub captures: Vec<String>,
    /// What the case needs, with the innermost arm that needs it (`None`: always).
    pub requirements: BTreeSet<(Option<String>, Requirement)>,
    /// The arms enclosing what is being planned, outermost first.
    pub arm_path: Vec<String>,
    /// The names the request of the step being planned sends values under (`sent.*`).
    pub sent_names: Vec<String>,
    /// Diagnostics found so far.
    pub errors: Vec<Diagnostic>,
    /// The profile's keys, for `jwt: { signature: { key: NAME } }`.
    pub keys: IndexMap<String, crate::profile::ProfileKey>,
}

impl<'a> Ctx<'a> {
    /// Starts planning a spec.
    pub fn new(
        source: Arc<SourceFile>,
        base_dir: &'a Path,
        spec_vars: IndexMap<String, String>,
    ) -> Self {
        Self {
            source,
            base_dir,
            spec_vars,
            case_vars: IndexMap::new(),
            case_account: None,
            captures: Vec::new(),
            requirements: BTreeSet::new(),
            arm_path: Vec::new(),
            sent_names: Vec::new(),
            errors: Vec::new(),
            keys: IndexMap::new(),
        }
    }

    /// The span of a spanned value.
    pub fn span<T>(&self, value: &Spanned<T>) -> Span {
        self.source.span_of(&value.referenced)
    }

    /// Records an error.
    pub fn error(&mut self, title: &str, span: Span, label: impl Into<String>) {
        self.errors.push(Diagnostic::error(title, span, label));
    }

    /// Records an error with a help line.
    pub fn error_help(
        &mut self,
        title: &str,
        span: Span,
        label: impl Into<String>,
        help: Option<String>,
    ) {
        let d = Diagnostic::error(title, span, label);
        self.errors.push(match help {
            Some(h) => d.with_help(h),
            None => d,
        });
    }

    fn var(&self, name: &str) -> Option<String> {
        self.case_vars
            .get(name)
            .or_else(|| self.spec_vars.get(name))
            .cloned()
    }

    /// Parses and validates a template written at `span`, substituting `vars.*`.
    /// Returns `None` (with diagnostics recorded) when it is unusable.
    pub fn template(&mut self, text: &str, span: &Span, usage: Use) -> Option<Template> {
        let mut template = match Template::parse(text) {
            Ok(t) => t,
            Err(e) => {
                self.template_error(&e, span);
                return None;
            }
        };
        let missing = template.substitute_vars(|n| self.var(n));
        let mut ok = true;
        for name in missing {
            let known: Vec<String> = self
                .case_vars
                .keys()
                .chain(self.spec_vars.keys())
                .cloned()
                .collect();
            let help = did_you_mean(&name, known.iter().map(String::as_str)).or_else(|| {
                Some(format!(
                    "define `{name}` under `vars:` in the spec, the case or the profile"
                ))
            });
            self.error_help(
                "unknown variable",
                span.narrow_to(&format!("vars.{name}")),
                format!("`vars.{name}` has no value"),
                help,
            );
            ok = false;
        }
        let exprs: Vec<(Expr, String)> = template
            .exprs()
            .map(|(e, s)| (e.clone(), s.to_string()))
            .collect();
        for (expr, src) in exprs {
            ok &= self.check_expr(&expr, &src, span, usage);
        }
        ok.then_some(template)
    }

    /// Like [`Ctx::template`] for a spanned string.
    pub fn spanned_template(&mut self, value: &Spanned<String>, usage: Use) -> Option<Template> {
        let span = self.span(value);
        self.template(&value.value, &span, usage)
    }

    /// A static template's text (only `vars.*` allowed).
    pub fn static_text(&mut self, value: &Spanned<String>) -> Option<String> {
        self.spanned_template(value, Use::Static)
            .and_then(|t| t.as_literal())
    }

    fn template_error(&mut self, e: &TemplateError, span: &Span) {
        let help = match e {
            TemplateError::Unknown { suggestion, .. } => suggestion.clone(),
            TemplateError::Unclosed { .. } => None,
        };
        self.error_help("template", span.narrow_to(e.at()), e.to_string(), help);
    }

    fn check_expr(&mut self, expr: &Expr, src: &str, span: &Span, usage: Use) -> bool {
        let at = span.narrow_to(src);
        if let Expr::Response(_) = expr
            && usage != Use::Expect
        {
            let (label, help) = super::response_values::refused(src, usage);
            self.error_help("template", at, label, Some(help));
            return false;
        }
        if usage == Use::Static {
            self.error(
                "template",
                at,
                format!("`{src}` cannot be used here: only `vars.*` is known before the run"),
            );
            return false;
        }
        if usage == Use::Expect && expr.is_generated() {
            self.error(
                "template",
                at,
                format!("`{src}` is generated anew each time, so it cannot be expected"),
            );
            return false;
        }
        match expr {
            Expr::Sent(name) => {
                if usage != Use::Expect {
                    self.error_help(
                        "template",
                        at,
                        format!("`{src}` is what this step sent, known only once it is sent"),
                        Some("read `sent.*` in the step's `expect:` or its arms' `when:`".into()),
                    );
                    return false;
                }
                if self.sent_names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                    return true;
                }
                let help =
                    did_you_mean(name, self.sent_names.iter().map(String::as_str)).or_else(|| {
                        Some(format!(
                            "the request sends {}",
                            if self.sent_names.is_empty() {
                                "no named value".to_string()
                            } else {
                                self.sent_names
                                    .iter()
                                    .map(|n| format!("`{n}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            }
                        ))
                    });
                self.error_help(
                    "template",
                    at,
                    format!("this step's request sends no `{name}`"),
                    help,
                );
                false
            }
            Expr::Capture(name) => {
                if self.captures.iter().any(|c| c == name) {
                    return true;
                }
                let help = did_you_mean(name, self.captures.iter().map(String::as_str))
                    .or_else(|| Some("capture it in an earlier step with `capture:`".to_string()));
                self.error_help(
                    "unknown variable",
                    at,
                    format!("`{name}` is not captured by an earlier step"),
                    help,
                );
                false
            }
            Expr::Account { role, field } => match role.or(self.case_account) {
                Some(role) => {
                    self.require(Requirement::Account(role));
                    self.require(Requirement::Field(role, field.clone()));
                    true
                }
                None => {
                    self.error_help(
                        "unknown account",
                        at,
                        format!("`{src}` needs the case to name an `account:`"),
                        Some("add `account: primary` or `account: two_factor` to the case".into()),
                    );
                    false
                }
            },
            Expr::Code | Expr::WrongCode | Expr::StaleCode | Expr::LastCode => {
                match self.case_account {
                    Some(role) => {
                        self.require(Requirement::Account(role));
                        self.require(Requirement::Code(role));
                        if *expr == Expr::StaleCode {
                            self.require(Requirement::Totp(role));
                        }
                        true
                    }
                    None => {
                        self.error_help(
                            "unknown account",
                            at,
                            format!(
                                "`{src}` is the code of the case's account, but the case names none"
                            ),
                            Some("add `account: two_factor` to the case".into()),
                        );
                        false
                    }
                }
            }
            Expr::Uuid
            | Expr::RandomHex(_)
            | Expr::RandomAlnum(_)
            | Expr::Var(_)
            | Expr::Response(_) => true,
            Expr::Call(func, inner) => {
                if *func == Func::SwapCase
                    && let Expr::Account { role, field } = inner.as_ref()
                    && let Some(role) = role.or(self.case_account)
                {
                    self.require(Requirement::CaseSensitive(role, field.clone()));
                }
                self.check_expr(inner, src, span, usage)
            }
        }
    }

    /// Records that the case (or the arm being planned) needs something.
    pub fn require(&mut self, requirement: Requirement) {
        let arm = self.arm_path.last().cloned();
        self.requirements.insert((arm, requirement));
    }

    /// Compiles a regex written at `value`.
    pub fn regex(&mut self, value: &Spanned<String>) -> Option<regex::Regex> {
        let text = self.static_text(value)?;
        let span = self.span(value);
        self.compile_regex(&text, &span)
    }

    /// Compiles regex text, reporting a problem at `span`.
    pub fn compile_regex(&mut self, text: &str, span: &Span) -> Option<regex::Regex> {
        match regex::Regex::new(text) {
            Ok(r) => Some(r),
            Err(e) => {
                let detail = e.to_string();
                let last = detail.lines().last().unwrap_or("invalid regex").trim();
                let label = last.trim_start_matches("error: ").to_string();
                self.error("regex", span.clone(), label);
                None
            }
        }
    }

    /// Compiles a JSONPath written at `value`.
    pub fn jsonpath(
        &mut self,
        value: &Spanned<String>,
    ) -> Option<(Arc<serde_json_path::JsonPath>, String)> {
        let text = self.static_text(value)?;
        match serde_json_path::JsonPath::parse(&text) {
            Ok(p) => Some((Arc::new(p), text)),
            Err(e) => {
                let span = self.span(value);
                self.error_help(
                    "JSONPath",
                    span,
                    e.to_string(),
                    Some(
                        "paths follow RFC 9535, e.g. `$.data.authToken` or `$..[?@ == 'x']`".into(),
                    ),
                );
                None
            }
        }
    }

    /// Parses a duration such as `30s` or `2m` written at `value`.
    pub fn duration(&mut self, value: &Spanned<String>) -> Option<std::time::Duration> {
        let text = self.static_text(value)?;
        match humantime::parse_duration(&text) {
            Ok(d) => Some(d),
            Err(e) => {
                let span = self.span(value);
                self.error_help(
                    "duration",
                    span,
                    format!("`{text}` is not a duration: {e}"),
                    Some("write e.g. `500ms`, `10s` or `2m`".into()),
                );
                None
            }
        }
    }
}
