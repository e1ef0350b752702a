//! The status check.

use super::outcome::CheckFailure;
use crate::spec::{StatusPattern, StatusSpec};

/// Checks the status code.
pub fn eval_status(spec: &StatusSpec, status: u16) -> Option<CheckFailure> {
    let list = |p: &[StatusPattern]| {
        p.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" or ")
    };
    match spec {
        StatusSpec::AnyOf(patterns) if !patterns.iter().any(|p| p.matches(status)) => Some(
            CheckFailure::new("status code", format!("actual status is {status}"))
                .expected_actual(list(patterns), status.to_string()),
        ),
        StatusSpec::NoneOf(patterns) if patterns.iter().any(|p| p.matches(status)) => Some(
            CheckFailure::new(
                "status code",
                format!("actual status is {status}, which is excluded"),
            )
            .expected_actual(format!("not {}", list(patterns)), status.to_string()),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use StatusPattern::*;

    #[test]
    fn codes_classes_and_negation() {
        assert!(eval_status(&StatusSpec::AnyOf(vec![Code(200)]), 200).is_none());
        let f = eval_status(&StatusSpec::AnyOf(vec![Code(200), Class(3)]), 401).unwrap();
        assert_eq!(f.message, "actual status is 401");
        assert_eq!(f.expected.as_deref(), Some("200 or 3xx"));
        assert!(eval_status(&StatusSpec::NoneOf(vec![Class(2)]), 401).is_none());
        assert!(eval_status(&StatusSpec::NoneOf(vec![Class(2)]), 204).is_some());
    }
}
