//! `conform report merge`: joins the JSON reports of partitions into one result. The
//! merged [`JsonReport`] is the one value every output is made from (the summary on the
//! terminal, `--junit`, `--report-json`), so another output takes it the same way.

use std::io::Write;
use std::path::PathBuf;

use conform::exec::CaseStatus;
use conform::report::{
    CaseReport, GithubCase, GithubFailure, GithubLocation, JsonReport, Location, TerminalReporter,
    append_summary, case_annotations, coverage_rows, junit_from_report, merge_reports,
    partition_gaps, read_report, summary_markdown, totals_line,
};

use super::args::MergeArgs;
use super::outputs::{check_report_paths, github_wanted, is_stdout, write_output};
use super::{EXIT_FAILED, EXIT_INVALID, EXIT_OK};

/// `conform report merge`.
pub fn merge(args: MergeArgs) -> u8 {
    let mut reports: Vec<(PathBuf, JsonReport)> = Vec::new();
    for file in &args.reports {
        match read_report(file) {
            Ok(report) => reports.push((file.clone(), report)),
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_INVALID;
            }
        }
    }
    let merged = match merge_reports(&reports) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_INVALID;
        }
    };
    for gap in partition_gaps(&reports) {
        eprintln!("warning: {gap}");
    }
    if let Err(e) = check_report_paths(args.junit.as_deref(), args.report_json.as_deref()) {
        eprintln!("error: {e}");
        return EXIT_INVALID;
    }
    let mut code = verdict(&merged, args.require_branches, args.fail_on_skip);
    // With the merged JSON report on stdout, everything for people goes to stderr.
    let to_stderr = args.report_json.as_deref().is_some_and(is_stdout);
    if github_wanted(args.github) {
        github_output(&merged, to_stderr);
    }
    let summary = summary_text(&merged, args.require_branches);
    let printed = if to_stderr {
        std::io::stderr().lock().write_all(summary.as_bytes())
    } else {
        std::io::stdout().lock().write_all(summary.as_bytes())
    };
    if let Err(e) = printed {
        eprintln!("error: cannot write the summary: {e}");
        code = EXIT_INVALID;
    }
    if let Some(path) = &args.junit {
        let written = junit_from_report(&merged, args.require_branches)
            .and_then(|xml| write_output(path, &xml));
        if let Err(e) = written {
            eprintln!("error: {e}");
            code = EXIT_INVALID;
        }
    }
    if let Some(path) = &args.report_json
        && let Err(e) = write_output(path, &merged.to_json())
    {
        eprintln!("error: {e}");
        code = EXIT_INVALID;
    }
    code
}

/// 1 when a case failed, is inconclusive or was interrupted, when no case ran at all
/// (or, with `--require-branches`, an arm was exercised by no partition), as a single
/// run would exit.
fn verdict(report: &JsonReport, require_branches: bool, fail_on_skip: bool) -> u8 {
    let unexercised = report.coverage_sink().unexercised().len();
    let summary = report.summary();
    let none_ran = summary.ran() == 0 && summary.inconclusive == 0;
    let skip_fails = fail_on_skip && summary.skipped > 0;
    if !summary.success() || none_ran || skip_fails || (require_branches && unexercised > 0) {
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}

/// The merged result as GitHub Actions reads it: an annotation per failed check (at its
/// line in the spec), a warning per inconclusive or interrupted case, and the job
/// summary appended to `$GITHUB_STEP_SUMMARY` when it is set.
fn github_output(report: &JsonReport, to_stderr: bool) {
    let cases: Vec<GithubCase> = report.cases.iter().map(github_case_of).collect();
    let mut text = String::new();
    for case in &cases {
        for line in case_annotations(case) {
            text.push_str(&line);
            text.push('\n');
        }
    }
    let _ = if to_stderr {
        std::io::stderr().lock().write_all(text.as_bytes())
    } else {
        std::io::stdout().lock().write_all(text.as_bytes())
    };
    if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
        let coverage = coverage_rows(&report.coverage_sink());
        let markdown = summary_markdown(&totals_line(&report.summary()), &cases, &coverage);
        if let Err(e) = append_summary(std::path::Path::new(&path), &markdown) {
            eprintln!("error: cannot append the job summary: {e}");
        }
    }
}

/// A case of a JSON report as the GitHub output takes it.
fn github_case_of(case: &CaseReport) -> GithubCase {
    let location = |l: &Location| GithubLocation {
        file: l.file.clone(),
        line: l.line,
        column: l.column,
    };
    let reason = case.reason.clone().unwrap_or_default();
    let status = match case.status.as_str() {
        "passed" => CaseStatus::Passed,
        "failed" => CaseStatus::Failed,
        "inconclusive" => CaseStatus::Inconclusive(reason),
        "interrupted" => CaseStatus::Interrupted(reason),
        _ => CaseStatus::Skipped(reason),
    };
    GithubCase {
        id: case.id.clone(),
        spec: case.spec.clone(),
        location: case
            .failures
            .iter()
            .find_map(|f| f.location.as_ref())
            .map(location),
        status,
        failures: (case.failures.iter())
            .map(|f| GithubFailure {
                kind: f.kind.clone(),
                title: f.title.clone(),
                message: f.message.clone(),
                location: f.location.as_ref().map(location),
            })
            .collect(),
        details: None,
    }
}

/// A line per case without a pass or skip, the branch coverage, and the summary line of
/// `conform run`.
fn summary_text(report: &JsonReport, require_branches: bool) -> String {
    let mut text = String::new();
    for case in &report.cases {
        let label = match case.status.as_str() {
            "passed" | "skipped" => continue,
            "inconclusive" => "INCONCLUSIVE",
            "interrupted" => "INTERRUPTED",
            _ => "FAIL",
        };
        let why = match (case.failures.first(), &case.reason) {
            (Some(f), _) => {
                let at = f.location.as_ref().map_or(String::new(), |l| {
                    format!(" ({}:{}:{})", l.file, l.line, l.column)
                });
                format!(
                    "{}: {}{at}",
                    f.title,
                    f.message.lines().next().unwrap_or("")
                )
            }
            (None, Some(reason)) => reason.clone(),
            (None, None) => String::new(),
        };
        text.push_str(&format!("{label} {} — {why}\n", case.id));
    }
    let coverage = report.coverage_sink();
    text.push_str(&coverage.render());
    let unexercised = coverage.unexercised().len();
    if require_branches && unexercised > 0 {
        text.push_str(&format!(
            "error: {unexercised} arm(s) not exercised and --require-branches is set\n"
        ));
    }
    let summary = report.summary();
    text.push_str(&format!(
        "\n{}\n",
        TerminalReporter::<std::io::Sink>::summary_line(&summary)
    ));
    text.push_str(&conform::report::advisories_section(&summary.advisories));
    text
}
