//! JSON values whose strings are templates (request bodies, expected values).

use serde_json::{Map, Value};

use super::template::{Expr, Template};

/// A JSON value with template strings.
#[derive(Clone, Debug, PartialEq)]
pub enum JsonTemplate {
    /// A value with no strings to render (null, booleans, numbers).
    Plain(Value),
    /// A string template.
    String(Template),
    /// An array.
    Array(Vec<JsonTemplate>),
    /// An object; keys are already resolved.
    Object(Vec<(String, JsonTemplate)>),
}

impl JsonTemplate {
    /// Builds a template from a YAML/JSON value; `parse` turns each string into a template.
    pub fn build<E>(
        value: &Value,
        parse: &mut impl FnMut(&str) -> Result<Template, E>,
    ) -> Result<Self, E> {
        Ok(match value {
            Value::String(s) => JsonTemplate::String(parse(s)?),
            Value::Array(items) => JsonTemplate::Array(
                items
                    .iter()
                    .map(|v| JsonTemplate::build(v, parse))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(map) => {
                let mut fields = Vec::with_capacity(map.len());
                for (k, v) in map {
                    let key = parse(k)?.as_literal().unwrap_or_else(|| k.clone());
                    fields.push((key, JsonTemplate::build(v, parse)?));
                }
                JsonTemplate::Object(fields)
            }
            other => JsonTemplate::Plain(other.clone()),
        })
    }

    /// Every template inside, depth first.
    pub fn templates(&self) -> Vec<&Template> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect<'a>(&'a self, out: &mut Vec<&'a Template>) {
        match self {
            JsonTemplate::Plain(_) => {}
            JsonTemplate::String(t) => out.push(t),
            JsonTemplate::Array(items) => items.iter().for_each(|i| i.collect(out)),
            JsonTemplate::Object(fields) => fields.iter().for_each(|(_, v)| v.collect(out)),
        }
    }

    /// Renders the value; `render` turns a template into a JSON value. A template that
    /// is exactly one expression keeps the type of a captured value.
    pub fn render<E>(
        &self,
        render: &mut impl FnMut(&Template) -> Result<Value, E>,
    ) -> Result<Value, E> {
        Ok(match self {
            JsonTemplate::Plain(v) => v.clone(),
            JsonTemplate::String(t) => render(t)?,
            JsonTemplate::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|i| i.render(render))
                    .collect::<Result<_, _>>()?,
            ),
            JsonTemplate::Object(fields) => {
                let mut map = Map::with_capacity(fields.len());
                for (k, v) in fields {
                    map.insert(k.clone(), v.render(render)?);
                }
                Value::Object(map)
            }
        })
    }

    /// The value if it contains no expressions.
    pub fn as_plain(&self) -> Option<Value> {
        self.render(&mut |t: &Template| t.as_literal().map(Value::String).ok_or(()))
            .ok()
    }

    /// Whether any expression inside satisfies `pred`.
    pub fn any_expr(&self, pred: impl Fn(&Expr) -> bool) -> bool {
        self.templates()
            .iter()
            .any(|t| t.exprs().any(|(e, _)| pred(e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn builds_and_renders() {
        let v = json!({"user": "{{ account.username }}", "n": 1, "list": ["a"]});
        let t = JsonTemplate::build(&v, &mut |s: &str| Template::parse(s)).unwrap();
        assert_eq!(t.templates().len(), 2);
        let out = t
            .render(&mut |t: &Template| -> Result<Value, ()> {
                Ok(match t.sole_expr() {
                    Some(_) => Value::String("alice".into()),
                    None => Value::String(t.as_literal().unwrap()),
                })
            })
            .unwrap();
        assert_eq!(out, json!({"user": "alice", "n": 1, "list": ["a"]}));
        assert_eq!(
            JsonTemplate::build(&json!({"a": [1]}), &mut |s: &str| Template::parse(s))
                .unwrap()
                .as_plain(),
            Some(json!({"a": [1]}))
        );
    }
}
