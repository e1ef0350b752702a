//! The text of a failing case: each failure against the spec, then the request,
//! response and diff of its step. Shared by the terminal, JUnit and `cargo test`.

use std::fmt::Write as _;

use crate::diagnostic::Diagnostic;
use crate::exec::{CaseOutcome, ExchangeRecord, Failure};

/// Renders what went wrong in a case, step by step; `color` adds ANSI styles.
pub fn failure_details(outcome: &CaseOutcome, color: bool) -> String {
    let mut out = String::new();
    let mut steps: Vec<Option<usize>> = Vec::new();
    for f in &outcome.failures {
        if !steps.contains(&f.step) {
            steps.push(f.step);
        }
    }
    for step in steps {
        let record = step.and_then(|i| outcome.steps.get(i));
        if let (Some(i), Some(s)) = (step, record) {
            let _ = writeln!(out, "{}", step_heading(i + 1, &s.name));
        }
        for failure in outcome.failures.iter().filter(|f| f.step == step) {
            out.push_str(&failure_diagnostic(failure).render(color));
            if let Some(expected) = &failure.expected {
                let _ = writeln!(out, "expected:\n{}", indent(expected));
            }
            if let Some(actual) = &failure.actual {
                let _ = writeln!(out, "actual:\n{}", indent(actual));
            }
            if let Some(diff) = &failure.diff {
                let _ = writeln!(out, "diff:\n{}", indent(diff.trim_end()));
            }
        }
        if let Some(x) = record.and_then(|s| s.exchange.as_ref()) {
            out.push_str(&exchange_text(x));
        }
        out.push('\n');
    }
    out
}

/// "step 2: log in", or just "step 1" for a step whose name is its default `step 1`.
fn step_heading(number: usize, name: &str) -> String {
    if name == format!("step {number}") {
        name.to_string()
    } else {
        format!("step {number}: {name}")
    }
}

/// What a case without a verdict met: the reason, its waits, and the answer that
/// stopped it.
pub fn inconclusive_details(outcome: &CaseOutcome) -> String {
    let mut out = String::new();
    if let crate::exec::CaseStatus::Inconclusive(reason) = &outcome.status {
        let _ = writeln!(out, "inconclusive: {reason}");
    }
    for w in &outcome.waits {
        let _ = writeln!(
            out,
            "waited {:.1} s at step {}: {}",
            w.duration.as_secs_f64(),
            w.step + 1,
            w.reason
        );
    }
    if let Some((i, step)) = outcome
        .steps
        .iter()
        .enumerate()
        .rev()
        .find(|(_, s)| s.exchange.is_some())
    {
        let _ = writeln!(out, "{}", step_heading(i + 1, &step.name));
        if let Some(x) = &step.exchange {
            out.push_str(&exchange_text(x));
        }
    }
    out
}

fn failure_diagnostic(f: &Failure) -> Diagnostic {
    match &f.span {
        Some(span) => Diagnostic::error(f.title.clone(), span.clone(), f.message.clone()),
        None => Diagnostic::plain(f.title.clone(), f.message.clone()),
    }
}

/// The request and response of an exchange, as text (already masked).
pub fn exchange_text(x: &ExchangeRecord) -> String {
    let mut out = String::new();
    let r = &x.request;
    let _ = writeln!(out, "request:\n  {} {}", r.method, r.url);
    for (n, v) in &r.headers {
        let _ = writeln!(out, "  {n}: {v}");
    }
    if let Some(b) = &r.body {
        let _ = writeln!(out, "  \n{}", indent(b));
    }
    match &x.response {
        Some(resp) => {
            let _ = writeln!(
                out,
                "response ({} ms):\n  {}",
                x.duration.as_millis(),
                resp.status
            );
            for (n, v) in &resp.headers {
                let _ = writeln!(out, "  {n}: {v}");
            }
            if !resp.body.is_empty() {
                let _ = writeln!(out, "  \n{}", indent(&resp.body));
            }
        }
        None => out.push_str("response: none\n"),
    }
    out
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::step_heading;

    #[test]
    fn a_default_step_name_is_shown_once() {
        assert_eq!(step_heading(1, "step 1"), "step 1");
        assert_eq!(step_heading(2, "log in"), "step 2: log in");
        assert_eq!(step_heading(3, "step 2"), "step 3: step 2");
    }
}
