//! GitHub Actions output as text, from plain data: workflow commands (annotations,
//! groups) and the Markdown job summary. Pure functions, so a live run
//! ([`GithubReporter`](super::GithubReporter)) and a merge of JSON reports render the
//! same way. Everything given here must already be masked.

use std::fmt::Write as _;

use crate::exec::{CaseStatus, RunSummary};

/// A case as GitHub output needs it, from a run or from a saved report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GithubCase {
    /// Full case id (`spec::case`).
    pub id: String,
    /// The spec's name.
    pub spec: String,
    /// Where the case's `- id:` is written, when known.
    pub location: Option<GithubLocation>,
    /// How it ended (with the reason of a skip or an inconclusive case).
    pub status: CaseStatus,
    /// Its failures, in order found.
    pub failures: Vec<GithubFailure>,
    /// The failure (or inconclusive) details shown in a collapsed group, when known.
    pub details: Option<String>,
}

/// A place in a spec file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GithubLocation {
    /// The file, relative to the repository root (GitHub resolves annotation paths
    /// from there).
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

/// One failure of a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GithubFailure {
    /// The stable kind name (`assertion`, `transport`, …).
    pub kind: String,
    /// The short title (`status code`).
    pub title: String,
    /// What is wrong.
    pub message: String,
    /// Where in the spec, when the failure points there.
    pub location: Option<GithubLocation>,
}

/// Branch coverage of one spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GithubCoverage {
    /// The spec's name.
    pub spec: String,
    /// Arms some case took.
    pub exercised: usize,
    /// Arms declared.
    pub arms: usize,
    /// Each arm not exercised, with why (`two_factor: every case declaring it was skipped`).
    pub missing: Vec<String>,
}

/// Escapes the data (message) of a workflow command: `%`, `\r`, `\n`.
pub fn escape_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            _ => out.push(c),
        }
    }
    out
}

/// Escapes a property value of a workflow command: as data, plus `:` and `,`.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// One annotation command: `::error file=F,line=L,col=C,title=T::message`.
fn annotation(level: &str, at: Option<&GithubLocation>, title: &str, message: &str) -> String {
    let mut props = Vec::new();
    if let Some(at) = at {
        props.push(format!("file={}", escape_property(&at.file)));
        props.push(format!("line={}", at.line));
        props.push(format!("col={}", at.column));
    }
    props.push(format!("title={}", escape_property(title)));
    format!("::{level} {}::{}", props.join(","), escape_data(message))
}

/// The annotations of a case: an `::error` per failure (at its line in the spec when it
/// has one), a `::warning` for an inconclusive or interrupted case; none for passed and
/// skipped cases.
pub fn case_annotations(case: &GithubCase) -> Vec<String> {
    match &case.status {
        CaseStatus::Failed if case.failures.is_empty() => vec![annotation(
            "error",
            case.location.as_ref(),
            &case.id,
            "failed",
        )],
        CaseStatus::Failed => (case.failures.iter())
            .map(|f| {
                let title = if f.title.is_empty() {
                    &f.kind
                } else {
                    &f.title
                };
                let title = format!("{}: {title}", case.id);
                annotation("error", f.location.as_ref(), &title, &f.message)
            })
            .collect(),
        CaseStatus::Inconclusive(reason) | CaseStatus::Interrupted(reason) => vec![annotation(
            "warning",
            case.location.as_ref(),
            &format!("{}: {}", case.id, case.status.name()),
            reason,
        )],
        CaseStatus::Passed | CaseStatus::Skipped(_) => Vec::new(),
    }
}

/// Everything a case prints in a GitHub log: its annotations, then its details in a
/// collapsed `::group::`. The details (which hold server responses) are printed with
/// workflow commands stopped until `::TOKEN::`, so a response cannot inject commands;
/// `token` must be unguessable (a fresh random value per run).
pub fn case_commands(case: &GithubCase, token: &str) -> String {
    let mut out = String::new();
    for line in case_annotations(case) {
        let _ = writeln!(out, "{line}");
    }
    let shown = matches!(
        case.status,
        CaseStatus::Failed | CaseStatus::Inconclusive(_)
    );
    if let (true, Some(details)) = (shown, &case.details) {
        let _ = writeln!(out, "::group::{}", escape_data(&case.id));
        let _ = writeln!(out, "::stop-commands::{token}");
        for line in details.trim_end().lines() {
            let _ = writeln!(out, "{line}");
        }
        let _ = writeln!(out, "::{token}::");
        let _ = writeln!(out, "::endgroup::");
    }
    out
}

/// Escapes text for a Markdown table cell: ASCII punctuation Markdown or HTML would
/// read (`|` among them) is backslash-escaped, and line breaks become `<br>`.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push_str("<br>");
            }
            '\n' => out.push_str("<br>"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '&' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Whether a case is annotated and listed in the summary: it failed, or has no verdict.
pub fn is_listed(status: &CaseStatus) -> bool {
    matches!(
        status,
        CaseStatus::Failed | CaseStatus::Inconclusive(_) | CaseStatus::Interrupted(_)
    )
}

/// The longest reason a summary row shows, in characters.
const REASON_CHARS: usize = 300;

/// Why a case is in the summary's table: the first failure's title and message, or the
/// inconclusive reason.
fn reason(case: &GithubCase) -> String {
    let text = match (&case.status, case.failures.first()) {
        (CaseStatus::Inconclusive(reason) | CaseStatus::Interrupted(reason), _) => reason.clone(),
        (_, Some(f)) => format!("{}: {}", f.title, f.message),
        _ => "failed".to_string(),
    };
    match text.char_indices().nth(REASON_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// The Markdown job summary: totals, a table of failed, inconclusive and interrupted
/// cases with
/// their reason and where (the first failure's line, else the case's), and branch coverage per spec. `totals` is the terminal's summary line.
pub fn summary_markdown(totals: &str, cases: &[GithubCase], coverage: &[GithubCoverage]) -> String {
    let mut out = String::from("## conform\n\n");
    let _ = writeln!(out, "**{}**\n", escape_markdown(totals));
    let listed: Vec<&GithubCase> = cases.iter().filter(|c| is_listed(&c.status)).collect();
    if !listed.is_empty() {
        out.push_str("| case | status | where | reason |\n| --- | --- | --- | --- |\n");
        for case in listed {
            let first = case.failures.first().and_then(|f| f.location.as_ref());
            let at = (first.or(case.location.as_ref()))
                .map(|l| escape_markdown(&format!("{}:{}", l.file, l.line)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "| {} | {} | {at} | {} |",
                escape_markdown(&case.id),
                case.status.name(),
                escape_markdown(&reason(case))
            );
        }
        out.push('\n');
    }
    let covered: Vec<&GithubCoverage> = coverage.iter().filter(|c| c.arms > 0).collect();
    if !covered.is_empty() {
        out.push_str("### Branch coverage\n\n");
        out.push_str("| spec | arms exercised | not exercised |\n| --- | --- | --- |\n");
        for c in covered {
            let _ = writeln!(
                out,
                "| {} | {}/{} | {} |",
                escape_markdown(&c.spec),
                c.exercised,
                c.arms,
                escape_markdown(&c.missing.join("\n"))
            );
        }
        out.push('\n');
    }
    out
}

/// The summary of a run's totals as the terminal words it, for [`summary_markdown`].
pub fn totals_line(summary: &RunSummary) -> String {
    super::TerminalReporter::<std::io::Sink>::summary_line(summary)
}

/// Appends `markdown` to the job summary file (`$GITHUB_STEP_SUMMARY`).
pub fn append_summary(path: &std::path::Path, markdown: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(markdown.as_bytes())?;
    file.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: u32, column: u32) -> Option<GithubLocation> {
        Some(GithubLocation {
            file: "specs/a,b:c.yaml".into(),
            line,
            column,
        })
    }

    fn failed() -> GithubCase {
        GithubCase {
            id: "txty::json.login".into(),
            spec: "txty".into(),
            location: at(3, 9),
            status: CaseStatus::Failed,
            failures: vec![
                GithubFailure {
                    kind: "assertion".into(),
                    title: "status code".into(),
                    message: "actual status is 401\n100% sure".into(),
                    location: at(12, 15),
                },
                GithubFailure {
                    kind: "transport".into(),
                    title: "transport".into(),
                    message: "connection refused".into(),
                    location: None,
                },
            ],
            details: Some("error: status code\n::error::injected\n".into()),
        }
    }

    #[test]
    fn data_and_properties_are_escaped_as_workflow_commands_require() {
        assert_eq!(escape_data("a%b\r\nc:d,e"), "a%25b%0D%0Ac:d,e");
        assert_eq!(escape_property("a%b\r\nc:d,e"), "a%25b%0D%0Ac%3Ad%2Ce");
        assert_eq!(escape_data("%0A"), "%250A", "escapes are not decoded twice");
        assert_eq!(escape_property("plain"), "plain");
    }

    #[test]
    fn failures_annotate_their_spec_line_and_spanless_ones_have_no_file() {
        assert_eq!(
            case_annotations(&failed()),
            [
                "::error file=specs/a%2Cb%3Ac.yaml,line=12,col=15,title=txty%3A%3Ajson.login%3A status code::actual status is 401%0A100%25 sure",
                "::error title=txty%3A%3Ajson.login%3A transport::connection refused",
            ]
        );
    }

    #[test]
    fn inconclusive_cases_warn_at_the_case_and_passed_ones_say_nothing() {
        let mut case = failed();
        case.status = CaseStatus::Inconclusive("throttled: wait 900 s > --max-wait".into());
        assert_eq!(
            case_annotations(&case),
            [
                "::warning file=specs/a%2Cb%3Ac.yaml,line=3,col=9,title=txty%3A%3Ajson.login%3A inconclusive::throttled: wait 900 s > --max-wait"
            ]
        );
        case.status = CaseStatus::Interrupted("the run was stopped (SIGINT)".into());
        assert_eq!(
            case_annotations(&case),
            [
                "::warning file=specs/a%2Cb%3Ac.yaml,line=3,col=9,title=txty%3A%3Ajson.login%3A interrupted::the run was stopped (SIGINT)"
            ]
        );
        case.status = CaseStatus::Passed;
        assert!(case_annotations(&case).is_empty());
        assert_eq!(case_commands(&case, "T"), "");
    }

    #[test]
    fn details_are_grouped_with_commands_stopped() {
        let text = case_commands(&failed(), "tok3n");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[2..],
            [
                "::group::txty::json.login",
                "::stop-commands::tok3n",
                "error: status code",
                "::error::injected",
                "::tok3n::",
                "::endgroup::",
            ]
        );
    }

    #[test]
    fn markdown_cells_escape_pipes_and_line_breaks() {
        assert_eq!(escape_markdown("a | b\r\nc\nd"), "a \\| b<br>c<br>d");
        assert_eq!(escape_markdown("<script>*x*"), "\\<script\\>\\*x\\*");
    }

    #[test]
    fn the_summary_lists_failed_and_inconclusive_cases_and_coverage() {
        let mut inconclusive = failed();
        inconclusive.id = "txty::blocked".into();
        inconclusive.status = CaseStatus::Inconclusive("account | blocked".into());
        inconclusive.failures.clear();
        let mut passed = failed();
        passed.status = CaseStatus::Passed;
        let coverage = [
            GithubCoverage {
                spec: "txty".into(),
                exercised: 1,
                arms: 2,
                missing: vec!["`two_factor`: skipped".into()],
            },
            GithubCoverage {
                spec: "plain".into(),
                exercised: 0,
                arms: 0,
                missing: Vec::new(),
            },
        ];
        let md = summary_markdown(
            "1 passed, 1 failed, 1 inconclusive (0.10 s)",
            &[failed(), passed, inconclusive],
            &coverage,
        );
        assert_eq!(
            md,
            "## conform\n\n\
             **1 passed, 1 failed, 1 inconclusive (0.10 s)**\n\n\
             | case | status | where | reason |\n| --- | --- | --- | --- |\n\
             | txty::json.login | failed | specs/a,b:c.yaml:12 | status code: actual status is 401<br>100% sure |\n\
             | txty::blocked | inconclusive | specs/a,b:c.yaml:3 | account \\| blocked |\n\n\
             ### Branch coverage\n\n\
             | spec | arms exercised | not exercised |\n| --- | --- | --- |\n\
             | txty | 1/2 | \\`two\\_factor\\`: skipped |\n\n"
        );
    }

    #[test]
    fn long_reasons_are_cut() {
        let mut case = failed();
        case.failures[0].message = "x".repeat(1000);
        let r = reason(&case);
        assert_eq!(r.chars().count(), REASON_CHARS + 1);
        assert!(r.ends_with('…'));
    }
}
