//! The GitHub Actions reporter: consumes the run's events and prints workflow commands
//! on its writer (stdout, where GitHub reads them) as cases finish — an `::error` per
//! failure at its spec line, a `::warning` per inconclusive or interrupted case, the details in a
//! collapsed group — and appends a Markdown job summary when the run finishes. The
//! text itself comes from [`github_text`](super::github_text), shared with merged
//! reports. Only masked outcomes reach it; it never sees the profile.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::coverage::CoverageSink;
use super::details::{failure_details, inconclusive_details};
use super::github_text::{
    GithubCase, GithubCoverage, GithubFailure, GithubLocation, append_summary, case_commands,
    is_listed, summary_markdown, totals_line,
};
use crate::diagnostic::Span;
use crate::exec::{CaseOutcome, CaseStatus, EventSink, ReportError, RunEvent};
use crate::plan::CasePlan;

/// Settings of the GitHub reporter.
#[derive(Clone, Debug, Default)]
pub struct GithubOptions {
    /// Style the grouped details with ANSI colour (GitHub's log shows it).
    pub color: bool,
    /// The job summary file (`$GITHUB_STEP_SUMMARY`), appended to when the run ends.
    pub summary: Option<PathBuf>,
    /// The directory runs start from (the repository root): absolute spec paths under
    /// it are annotated relative to it.
    pub root: Option<PathBuf>,
    /// The token that resumes workflow commands after a case's details; unguessable,
    /// fresh per run.
    pub token: String,
}

/// Prints GitHub workflow commands and writes the job summary.
pub struct GithubReporter<W: Write> {
    out: W,
    options: GithubOptions,
    /// Failed and inconclusive cases, for the summary's table (no details kept).
    listed: Vec<GithubCase>,
    coverage: CoverageSink,
}

impl<W: Write> GithubReporter<W> {
    /// A reporter writing workflow commands to `out`.
    pub fn new(out: W, options: GithubOptions) -> Self {
        Self {
            out,
            options,
            listed: Vec::new(),
            coverage: CoverageSink::new(),
        }
    }

    fn case(&mut self, case: &CasePlan, outcome: &CaseOutcome) -> std::io::Result<()> {
        self.coverage.record(case, outcome);
        if !is_listed(&outcome.status) {
            return Ok(());
        }
        let mut github = github_case(case, outcome, self.options.root.as_deref());
        github.details = match &outcome.status {
            CaseStatus::Inconclusive(_) => Some(inconclusive_details(outcome)),
            CaseStatus::Failed => Some(failure_details(outcome, self.options.color)),
            _ => None,
        };
        write!(self.out, "{}", case_commands(&github, &self.options.token))?;
        self.out.flush()?;
        github.details = None;
        self.listed.push(github);
        Ok(())
    }

    fn finish(&mut self, summary: &crate::exec::RunSummary) -> std::io::Result<()> {
        write!(
            self.out,
            "{}",
            super::advisories::advisory_annotations(&summary.advisories)
        )?;
        self.out.flush()?;
        let Some(path) = &self.options.summary else {
            return Ok(());
        };
        let coverage = coverage_rows(&self.coverage);
        let mut markdown = summary_markdown(&totals_line(summary), &self.listed, &coverage);
        markdown.push_str(&super::advisories::advisories_markdown(&summary.advisories));
        append_summary(path, &markdown)
    }
}

impl<W: Write> EventSink for GithubReporter<W> {
    fn event(&mut self, event: &RunEvent<'_>) -> Result<(), ReportError> {
        match event {
            RunEvent::CaseFinished { case, outcome } => {
                self.case(case, outcome).map_err(|source| ReportError {
                    what: "the GitHub annotations".into(),
                    source,
                })
            }
            RunEvent::RunFinished { summary } => {
                self.finish(summary).map_err(|source| ReportError {
                    what: self.options.summary.as_ref().map_or_else(
                        || "the GitHub job summary".into(),
                        |p| format!("the GitHub job summary {}", p.display()),
                    ),
                    source,
                })
            }
            RunEvent::RunStarted { .. } | RunEvent::Notice(_) => Ok(()),
        }
    }
}

/// A case of a run as plain data (without details).
pub fn github_case(case: &CasePlan, outcome: &CaseOutcome, root: Option<&Path>) -> GithubCase {
    GithubCase {
        id: outcome.id.clone(),
        spec: outcome.spec.clone(),
        location: Some(location(&case.span, root)),
        status: outcome.status.clone(),
        failures: (outcome.failures.iter())
            .map(|f| GithubFailure {
                kind: f.kind.name().to_string(),
                title: f.title.clone(),
                message: f.message.clone(),
                location: f.span.as_ref().map(|s| location(s, root)),
            })
            .collect(),
        details: None,
    }
}

fn location(span: &Span, root: Option<&Path>) -> GithubLocation {
    GithubLocation {
        file: annotation_path(&span.file.name, root),
        line: span.line,
        column: span.column,
    }
}

/// A spec path as GitHub resolves it, from the repository root: a path as given
/// (relative to the working directory, which should be the root), without a leading
/// `./`; an absolute path under `root` is made relative to it.
pub fn annotation_path(name: &str, root: Option<&Path>) -> String {
    let path = Path::new(name);
    let relative = match root {
        Some(root) if path.is_absolute() => path.strip_prefix(root).unwrap_or(path),
        _ => path,
    };
    let text = relative.to_string_lossy().replace('\\', "/");
    let mut text = text.as_str();
    while let Some(rest) = text.strip_prefix("./") {
        text = rest;
    }
    text.to_string()
}

/// Branch coverage per spec as plain data.
pub fn coverage_rows(coverage: &CoverageSink) -> Vec<GithubCoverage> {
    (coverage.specs.iter())
        .map(|(spec, arms)| GithubCoverage {
            spec: spec.clone(),
            exercised: arms.values().filter(|c| c.exercised()).count(),
            arms: arms.len(),
            missing: (arms.iter())
                .filter(|(_, c)| !c.exercised())
                .map(|(arm, c)| format!("`{arm}`: {}", c.why_not()))
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::annotation_path;
    use std::path::Path;

    #[test]
    fn annotation_paths_are_relative_to_the_root() {
        assert_eq!(annotation_path("specs/txty.yaml", None), "specs/txty.yaml");
        assert_eq!(annotation_path("./spec.yaml", None), "spec.yaml");
        let root = Path::new("/repo");
        assert_eq!(
            annotation_path("/repo/specs/txty.yaml", Some(root)),
            "specs/txty.yaml"
        );
        assert_eq!(
            annotation_path("/elsewhere/x.yaml", Some(root)),
            "/elsewhere/x.yaml"
        );
    }
}
