//! Advisories in every report: the terminal's section after the summary, a JUnit
//! `conform-advisories` suite, the JSON report's `advisories` array, GitHub annotations
//! and a job-summary table. Advisories arrive masked; nothing here reads a secret.

use std::fmt::Write;

use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::github_text::{escape_data, escape_markdown, escape_property};
use crate::advise::{Advisory, Severity};

/// The JUnit suite that holds the advisories.
pub const ADVISORY_SUITE: &str = "conform-advisories";

/// One advisory in the JSON report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvisoryReport {
    /// Stable id (`credentials-in-query`).
    pub id: String,
    /// `info`, `low`, `medium` or `high`.
    #[schemars(extend("enum" = ["info", "low", "medium", "high"]))]
    pub severity: String,
    /// What is weak, one line.
    pub title: String,
    /// What was seen, one masked line.
    pub evidence: String,
    /// The spec.
    pub spec: String,
    /// The full id of the first case it was seen in.
    pub case: String,
    /// That case's step, when a step showed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// The requirement it rests on (an OWASP ASVS section, an RFC section).
    pub reference: String,
    /// How many times the run saw it in this spec.
    pub count: usize,
    /// Whether `--deny-advisories` made it a failure.
    pub denied: bool,
}

impl From<&Advisory> for AdvisoryReport {
    fn from(a: &Advisory) -> Self {
        Self {
            id: a.id.clone(),
            severity: a.severity.name().to_string(),
            title: a.title.clone(),
            evidence: a.evidence.clone(),
            spec: a.spec.clone(),
            case: a.case.clone(),
            step: a.step.clone(),
            reference: a.reference.clone(),
            count: a.count,
            denied: a.denied,
        }
    }
}

impl AdvisoryReport {
    /// Back to an advisory (an unknown severity reads as `info`).
    pub fn advisory(&self) -> Advisory {
        Advisory {
            id: self.id.clone(),
            severity: self.severity.parse().unwrap_or(Severity::Info),
            title: self.title.clone(),
            evidence: self.evidence.clone(),
            spec: self.spec.clone(),
            case: self.case.clone(),
            step: self.step.clone(),
            reference: self.reference.clone(),
            count: self.count,
            denied: self.denied,
        }
    }
}

/// `3 advisories` or `3 advisories (1 denied)`; empty without advisories.
pub fn advisory_count(advisories: &[Advisory]) -> String {
    if advisories.is_empty() {
        return String::new();
    }
    let n = advisories.len();
    let denied = advisories.iter().filter(|a| a.denied).count();
    let mut out = format!("{n} advisor{}", if n == 1 { "y" } else { "ies" });
    if denied > 0 {
        let _ = write!(out, " ({denied} denied)");
    }
    out
}

/// The terminal's advisories section: a heading, then per advisory its severity, id,
/// where, evidence and reference.
pub fn advisories_section(advisories: &[Advisory]) -> String {
    if advisories.is_empty() {
        return String::new();
    }
    let mut out = String::from("\nadvisories:\n");
    for a in advisories {
        let denied = if a.denied { " DENIED" } else { "" };
        let times = if a.count > 1 {
            format!(" (seen {} times)", a.count)
        } else {
            String::new()
        };
        let _ = writeln!(out, "  {:<6} {}{denied} — {}", a.severity, a.id, a.title);
        let _ = writeln!(out, "         at {}{times}", a.location());
        let _ = writeln!(out, "         {}", a.evidence);
        let _ = writeln!(out, "         see {}", a.reference);
    }
    out
}

/// The terminal's probes section (`--probe`): what each probe came to, per spec; empty
/// without probes.
pub fn probes_section(probes: &[crate::advise::ProbeReport]) -> String {
    if probes.is_empty() {
        return String::new();
    }
    let mut out = String::from("\nprobes:\n");
    for p in probes {
        let _ = writeln!(out, "  {}", p.line());
    }
    out
}

/// A GitHub annotation per advisory: `::error` when denied, `::warning` for medium and
/// high, `::notice` for low and info.
pub fn advisory_annotations(advisories: &[Advisory]) -> String {
    let mut out = String::new();
    for a in advisories {
        let level = match (a.denied, a.severity) {
            (true, _) => "error",
            (false, Severity::Medium | Severity::High) => "warning",
            (false, _) => "notice",
        };
        let title = format!("advisory {} ({}) in {}", a.id, a.severity, a.spec);
        let message = format!(
            "{} — {} (at {}; see {})",
            a.title,
            a.evidence,
            a.location(),
            a.reference
        );
        let _ = writeln!(
            out,
            "::{level} title={}::{}",
            escape_property(&title),
            escape_data(&message)
        );
    }
    out
}

/// The job summary's advisories table; empty without advisories.
pub fn advisories_markdown(advisories: &[Advisory]) -> String {
    if advisories.is_empty() {
        return String::new();
    }
    let mut out = String::from("### Advisories\n\n");
    out.push_str(
        "| severity | id | where | evidence | reference |\n| --- | --- | --- | --- | --- |\n",
    );
    for a in advisories {
        let severity = if a.denied {
            format!("{} (denied)", a.severity)
        } else {
            a.severity.to_string()
        };
        let _ = writeln!(
            out,
            "| {severity} | {} | {} | {} | {} |",
            escape_markdown(&a.id),
            escape_markdown(&a.location()),
            escape_markdown(&a.evidence),
            escape_markdown(&a.reference)
        );
    }
    out.push('\n');
    out
}

/// The JUnit suite of the advisories: a testcase per advisory, failing when denied,
/// passing otherwise, its severity, evidence and reference as properties.
pub fn advisories_suite(advisories: &[Advisory]) -> Option<TestSuite> {
    if advisories.is_empty() {
        return None;
    }
    let mut suite = TestSuite::new(ADVISORY_SUITE);
    for a in advisories {
        let status = if a.denied {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            s.set_message(format!("{} ({}): {}", a.id, a.severity, a.evidence));
            s.set_type("advisory");
            s.set_description(format!(
                "{}\nat {}\nsee {}",
                a.title,
                a.location(),
                a.reference
            ));
            s
        } else {
            TestCaseStatus::success()
        };
        let mut tc = TestCase::new(format!("{}::{}", a.spec, a.id), status);
        tc.set_classname(ADVISORY_SUITE);
        for (k, v) in [
            ("severity", a.severity.to_string()),
            ("evidence", a.evidence.clone()),
            ("where", a.location()),
            ("reference", a.reference.clone()),
            ("count", a.count.to_string()),
        ] {
            tc.add_property(Property::new(k, v));
        }
        suite.add_test_case(tc);
    }
    Some(suite)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn advisory(denied: bool) -> Advisory {
        Advisory {
            id: "credentials-in-query".into(),
            severity: Severity::Medium,
            title: "a login sends a password in the query".into(),
            evidence: "the login sends `pass` in the URL query string".into(),
            spec: "txty".into(),
            case: "txty::login".into(),
            step: Some("log in".into()),
            reference: "OWASP ASVS 4.0.3 §8.3.1".into(),
            count: 3,
            denied,
        }
    }

    #[test]
    fn counts_and_sections() {
        assert_eq!(advisory_count(&[]), "");
        assert_eq!(advisory_count(&[advisory(false)]), "1 advisory");
        assert_eq!(
            advisory_count(&[advisory(true), advisory(false)]),
            "2 advisories (1 denied)"
        );
        let text = advisories_section(&[advisory(false)]);
        assert!(text.contains("medium credentials-in-query"), "{text}");
        assert!(
            text.contains("at txty::login › log in (seen 3 times)"),
            "{text}"
        );
        assert!(text.contains("see OWASP ASVS 4.0.3 §8.3.1"), "{text}");
    }

    #[test]
    fn annotations_follow_severity_and_denial() {
        assert!(
            advisory_annotations(&[advisory(false)])
                .starts_with("::warning title=advisory credentials-in-query (medium) in txty::")
        );
        assert!(advisory_annotations(&[advisory(true)]).starts_with("::error "));
        let mut low = advisory(false);
        low.severity = Severity::Low;
        assert!(advisory_annotations(&[low]).starts_with("::notice "));
    }

    #[test]
    fn json_round_trips() {
        let a = advisory(true);
        assert_eq!(AdvisoryReport::from(&a).advisory(), a);
    }

    #[test]
    fn junit_suite_fails_only_denied_ones() {
        let suite = advisories_suite(&[advisory(true), advisory(false)]).expect("suite");
        assert_eq!(suite.test_cases.len(), 2);
        assert!(!matches!(
            suite.test_cases[0].status,
            TestCaseStatus::Success { .. }
        ));
        assert!(matches!(
            suite.test_cases[1].status,
            TestCaseStatus::Success { .. }
        ));
    }
}
