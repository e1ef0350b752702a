//! `${VAR}` expansion of profile values from the environment.

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Span};

/// Where variable values come from: the process environment, or a fixed map in tests.
pub trait EnvSource {
    /// Returns the variable's value, if set.
    fn get(&self, name: &str) -> Option<String>;
}

/// The process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl EnvSource for ProcessEnv {
    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl EnvSource for HashMap<String, String> {
    fn get(&self, name: &str) -> Option<String> {
        HashMap::get(self, name).cloned()
    }
}

/// Expands `${NAME}` and `${NAME:-default}` in `value`; `$$` is a literal `$`.
/// An unset variable without a default is an error at `span` naming it.
pub fn expand(value: &str, span: &Span, env: &dyn EnvSource) -> Result<String, Diagnostic> {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('{') {
            let Some(end) = body.find('}') else {
                return Err(Diagnostic::error(
                    "environment variable",
                    span.narrow_to(&rest[i..]),
                    "`${` is not closed by `}`",
                )
                .with_help("write `$$` for a literal `$`"));
            };
            let expr = &body[..end];
            let (name, default) = match expr.split_once(":-") {
                Some((name, default)) => (name, Some(default)),
                None => (expr, None),
            };
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(Diagnostic::error(
                    "environment variable",
                    span.narrow_to(&format!("${{{expr}}}")),
                    format!("`{name}` is not a variable name"),
                ));
            }
            match (env.get(name), default) {
                (Some(v), _) => out.push_str(&v),
                (None, Some(d)) => out.push_str(d),
                (None, None) => {
                    return Err(Diagnostic::error(
                        "environment variable",
                        span.narrow_to(&format!("${{{expr}}}")),
                        format!("environment variable `{name}` is not set"),
                    )
                    .with_help(format!("set {name}, or write `${{{name}:-default}}`")));
                }
            }
            rest = &body[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::SourceFile;

    fn env() -> HashMap<String, String> {
        HashMap::from([("PW".to_string(), "s3cret".to_string())])
    }

    #[test]
    fn expands_set_default_and_escape() {
        let file = SourceFile::new("p.yaml", "password: x\n");
        let span = file.span(10, 1);
        assert_eq!(expand("a${PW}b", &span, &env()).unwrap(), "as3cretb");
        assert_eq!(expand("${NOPE:-dflt}", &span, &env()).unwrap(), "dflt");
        assert_eq!(expand("$$5 and $x", &span, &env()).unwrap(), "$5 and $x");
    }

    #[test]
    fn unset_variable_names_it() {
        let file = SourceFile::new("p.yaml", "password: ${STAGING_PW}\n");
        let span = file.span(10, 13);
        let err = expand("${STAGING_PW}", &span, &env()).unwrap_err();
        assert_eq!(err.label, "environment variable `STAGING_PW` is not set");
        assert_eq!(err.span.unwrap().column, 11);
    }
}
