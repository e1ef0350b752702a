//! The text of a mutation matrix: per spec, each mutant killed (and by which cases) or
//! surviving, each variant passed or falsely failed, the score; then the failure reports
//! of falsely failing variants and of a failing baseline.

use std::fmt::Write as _;

use owo_colors::OwoColorize;

use super::details::failure_details;
use crate::exec::CaseOutcome;
use crate::mutate::{Baseline, Matrix, Score, SpecMatrix, Verdict};

/// How many killing cases a row names before `(+N more)`.
const KILLERS_SHOWN: usize = 3;

/// Renders the whole matrix; `color` adds ANSI styles.
pub fn render_matrix(matrix: &Matrix, color: bool) -> String {
    let mut out = String::new();
    for spec in &matrix.specs {
        render_spec(&mut out, spec, color);
    }
    for spec in &matrix.specs {
        render_failures(&mut out, spec, color);
    }
    let score = matrix.score();
    let _ = writeln!(out, "overall: {}", score_text(&score));
    out
}

fn render_spec(out: &mut String, spec: &SpecMatrix, color: bool) {
    let _ = writeln!(
        out,
        "{} ({}, {} case(s) run)",
        paint(color, &spec.spec, Style::Bold),
        spec.subject,
        spec.cases_run
    );
    if let Some((_, reason)) = spec.skipped.first() {
        let _ = writeln!(
            out,
            "  {} {} case(s) skipped, so their mutants go unchecked: {}{}",
            paint(color, "SKIPPED", Style::Bad),
            spec.skipped.len(),
            reason,
            if spec.skipped.iter().all(|(_, r)| r == reason) {
                ""
            } else {
                " (and other reasons)"
            }
        );
    }
    match &spec.baseline {
        Baseline::Passed => {}
        Baseline::Failed(cases) => {
            let _ = writeln!(
                out,
                "  {} {} fails {} — kills below mean nothing until it passes",
                paint(color, "BASELINE FAILED", Style::Bad),
                spec.subject.baseline_name(),
                ids(cases)
            );
        }
        Baseline::Error(e) => {
            let _ = writeln!(out, "  {} {e}", paint(color, "BASELINE ERROR", Style::Bad));
        }
    }
    let width = spec
        .results
        .iter()
        .map(|r| r.deviation.id.len())
        .max()
        .unwrap_or(0);
    for r in &spec.results {
        let (word, style, detail) = match &r.verdict {
            Verdict::Killed { by } => ("killed", Style::Good, killers(by)),
            Verdict::Survived { reason } => (
                "SURVIVED",
                Style::Bad,
                reason
                    .clone()
                    .unwrap_or_else(|| "no case failed".to_string()),
            ),
            Verdict::AdvisoryRaised { id } => ("advisory", Style::Good, format!("raised: {id}")),
            Verdict::Passed => ("passed", Style::Good, String::new()),
            Verdict::FalselyFailed { cases } => {
                ("FAILED", Style::Bad, format!("falsely, in {}", ids(cases)))
            }
            Verdict::Error(e) => ("ERROR", Style::Bad, e.clone()),
        };
        let verdict = if detail.is_empty() {
            paint(color, word, style)
        } else {
            format!("{} {detail}", paint(color, &format!("{word:<8}"), style))
        };
        let _ = writeln!(
            out,
            "  {:<7} {:<width$}  {verdict}",
            r.deviation.kind.name(),
            r.deviation.id,
        );
        let _ = writeln!(
            out,
            "  {:<7} {:<width$}    {}",
            "", "", r.deviation.description
        );
    }
    let _ = writeln!(out, "  score: {}\n", score_text(&spec.score()));
}

/// Failure reports of the variants a spec falsely fails and of its baseline.
fn render_failures(out: &mut String, spec: &SpecMatrix, color: bool) {
    if let Baseline::Failed(cases) = &spec.baseline {
        for case in cases {
            let _ = writeln!(
                out,
                "--- {} on {}: {}",
                spec.spec,
                spec.subject.baseline_name(),
                case.id
            );
            out.push_str(&failure_details(case, color));
        }
    }
    for r in &spec.results {
        if let Verdict::FalselyFailed { cases } = &r.verdict {
            for case in cases {
                let _ = writeln!(
                    out,
                    "--- {} on variant {}: {}",
                    spec.spec,
                    r.deviation.qualified_id(),
                    case.id
                );
                out.push_str(&failure_details(case, color));
            }
        }
    }
}

fn killers(by: &[String]) -> String {
    let shown: Vec<&str> = by.iter().take(KILLERS_SHOWN).map(String::as_str).collect();
    let mut text = format!("by {}", shown.join(", "));
    if by.len() > KILLERS_SHOWN {
        let _ = write!(text, " (+{} more)", by.len() - KILLERS_SHOWN);
    }
    text
}

/// The ids of the cases, comma-separated.
pub(super) fn ids(cases: &[CaseOutcome]) -> String {
    cases
        .iter()
        .map(|c| c.id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn score_text(score: &Score) -> String {
    format!(
        "{}/{} mutants killed ({:.0}%), {}/{} variants passed",
        score.killed,
        score.mutants,
        score.kill_rate(),
        score.passed,
        score.variants
    )
}

#[derive(Clone, Copy)]
enum Style {
    Good,
    Bad,
    Bold,
}

fn paint(color: bool, text: &str, style: Style) -> String {
    if !color {
        return text.to_string();
    }
    match style {
        Style::Good => text.green().to_string(),
        Style::Bad => text.red().bold().to_string(),
        Style::Bold => text.bold().to_string(),
    }
}
