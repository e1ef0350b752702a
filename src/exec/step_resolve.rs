//! What a step's checks read: the case's [`Scope`] (accounts, captures), the response
//! being checked (`{{ $.path }}`) and the key sets fetched for signature checks.

use std::sync::Arc;

use serde_json::Value;
use serde_json_path::JsonPath;

use super::jwks::FetchedKeys;
use super::scope::{Scope, text_of};
use crate::assert::{Resolve, Response};
use crate::plan::{Expr, Part, Template};
use crate::profile::KeySet;

/// The values of one step's checks.
pub struct StepResolve<'a> {
    scope: &'a Scope,
    response: &'a Response,
    keys: &'a FetchedKeys,
}

impl<'a> StepResolve<'a> {
    /// Checks of `response`, in `scope`, with the key sets fetched for them.
    pub fn new(scope: &'a Scope, response: &'a Response, keys: &'a FetchedKeys) -> Self {
        Self {
            scope,
            response,
            keys,
        }
    }

    /// The one value `path` selects in the response's JSON body.
    fn read(&self, path: &str) -> Result<Value, String> {
        let body = self.response.json().map_err(|why| {
            format!("`{path}` reads the response, whose body is not JSON ({why})")
        })?;
        let compiled = JsonPath::parse(path).map_err(|e| format!("`{path}`: {e}"))?;
        let nodes = compiled.query(body).all();
        match nodes.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(format!("`{path}` selects nothing in the response")),
            many => Err(format!(
                "`{path}` selects {} values in the response, a template needs one",
                many.len()
            )),
        }
    }

    fn eval(&self, expr: &Expr, src: &str) -> Result<Value, String> {
        match expr {
            Expr::Response(path) => self.read(path),
            other => self.scope.value(&Template {
                parts: vec![Part::Expr(other.clone(), src.to_string())],
            }),
        }
    }
}

impl Resolve for StepResolve<'_> {
    fn value(&self, template: &Template) -> Result<Value, String> {
        let reads_response = template
            .exprs()
            .any(|(e, _)| matches!(e, Expr::Response(_)));
        if !reads_response {
            return self.scope.value(template);
        }
        if let [Part::Expr(e, src)] = template.parts.as_slice() {
            return self.eval(e, src);
        }
        let mut out = String::new();
        for part in &template.parts {
            match part {
                Part::Lit(s) => out.push_str(s),
                Part::Expr(e, src) => out.push_str(&text_of(self.eval(e, src)?)),
            }
        }
        Ok(Value::String(out))
    }

    fn account_has(&self, what: &str) -> Option<bool> {
        self.scope.account_has(what)
    }

    fn key_set(&self, location: &str) -> Result<Arc<KeySet>, String> {
        match self.keys.get(location) {
            Some(got) => got.clone(),
            None => Err(format!("no key set was fetched from `{location}`")),
        }
    }
}
