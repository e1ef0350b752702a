//! Tests on one JSON value shared by path assertions and `json:` matchers.

use serde_json::Value;

use super::jwt_check::eval_jwt;
use super::outcome::{Resolve, show};
use crate::plan::{JsonType, JwtCheck};
use crate::spec::LengthSpec;

/// Checks a value's type.
pub fn eval_type(value: &Value, types: &[JsonType]) -> Result<(), String> {
    if types.iter().any(|t| t.admits(value)) {
        return Ok(());
    }
    let names: Vec<String> = types.iter().map(ToString::to_string).collect();
    Err(format!(
        "expected {}, found {} {}",
        names.join(" or "),
        JsonType::of(value),
        show(value)
    ))
}

/// Checks a string against a regex.
pub fn eval_matches(value: &Value, regex: &regex::Regex) -> Result<(), String> {
    match value {
        Value::String(s) if regex.is_match(s) => Ok(()),
        Value::String(s) => Err(format!(
            "{} does not match /{}/",
            show(&Value::String(s.clone())),
            regex.as_str()
        )),
        other => Err(format!(
            "expected a string matching /{}/, found {} {}",
            regex.as_str(),
            JsonType::of(other),
            show(other)
        )),
    }
}

/// Checks a value's length (characters, items or members).
pub fn eval_length(value: &Value, spec: &LengthSpec) -> Result<(), String> {
    let len = match value {
        Value::String(s) => s.chars().count(),
        Value::Array(a) => a.len(),
        Value::Object(o) => o.len(),
        other => {
            return Err(format!(
                "{} {} has no length",
                JsonType::of(other),
                show(other)
            ));
        }
    };
    let ok = spec.min.is_none_or(|m| len >= m) && spec.max.is_none_or(|m| len <= m);
    if ok {
        return Ok(());
    }
    let wanted = match (spec.min, spec.max) {
        (Some(a), Some(b)) if a == b => format!("{a}"),
        (Some(a), Some(b)) => format!("{a} to {b}"),
        (Some(a), None) => format!("at least {a}"),
        (None, Some(b)) => format!("at most {b}"),
        (None, None) => "any".into(),
    };
    Err(format!("length is {len}, expected {wanted}"))
}

/// Checks equality with a rendered expected value.
pub fn eval_equals(value: &Value, expected: &Value) -> Result<(), String> {
    if json_equal(value, expected) {
        Ok(())
    } else {
        Err(format!(
            "expected {}, found {}",
            show(expected),
            show(value)
        ))
    }
}

/// Checks membership in a list of rendered values.
pub fn eval_one_of(value: &Value, options: &[Value]) -> Result<(), String> {
    if options.iter().any(|o| json_equal(value, o)) {
        return Ok(());
    }
    let shown: Vec<String> = options.iter().map(show).collect();
    Err(format!(
        "{} is not one of {}",
        show(value),
        shown.join(", ")
    ))
}

/// Checks that a value is a string holding a JWT that meets `check`.
pub fn eval_jwt_value(
    value: &Value,
    check: &JwtCheck,
    resolve: &dyn Resolve,
) -> Result<(), String> {
    match value {
        Value::String(s) => eval_jwt(s, check, resolve),
        other => Err(format!(
            "expected a string holding a JWT, found {}",
            JsonType::of(other)
        )),
    }
}

/// JSON equality where numbers compare by value (`1` equals `1.0`).
pub fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y && (x.fract() != 0.0 || x.abs() < 9.0e15 || a == b),
            _ => x == y,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn types_lengths_and_equality() {
        assert!(eval_type(&json!(0), &[JsonType::Integer]).is_ok());
        assert_eq!(
            eval_type(&json!("0"), &[JsonType::Integer]).unwrap_err(),
            "expected integer, found string \"0\""
        );
        assert!(eval_type(&json!(1.5), &[JsonType::Integer]).is_err());
        let exact = LengthSpec {
            min: Some(32),
            max: Some(32),
        };
        assert_eq!(
            eval_length(&json!("abc"), &exact).unwrap_err(),
            "length is 3, expected 32"
        );
        assert!(json_equal(&json!(1), &json!(1.0)));
        assert!(!json_equal(&json!("1"), &json!(1)));
        assert!(eval_one_of(&json!("b"), &[json!("a"), json!("b")]).is_ok());
    }
}
