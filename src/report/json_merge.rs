//! Reading JSON reports back and joining the reports of partitions
//! (`conform report merge`) into one result: cases concatenated, totals recomputed,
//! coverage joined. The merged report is the same type a run writes, so every consumer
//! of a run's report (JUnit, the summary line, a GitHub summary) reads it too.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::coverage::CoverageSink;
use super::json::{
    JsonReport, SCHEMA_VERSION, STATUSES, ToolReport, Totals, arm_coverage, coverage_reports,
    millis,
};

/// Why reports could not be read or merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", file.display())]
    Read {
        /// The file.
        file: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a JSON report of this format.
    #[error("{}: not a conform JSON report: {reason}", file.display())]
    NotAReport {
        /// The file.
        file: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The file is a report of another version of the format.
    #[error(
        "{}: schema_version {found} is not supported (this conform reads version {SCHEMA_VERSION})",
        file.display()
    )]
    Version {
        /// The file.
        file: PathBuf,
        /// The version it says.
        found: String,
    },
    /// Two reports hold the same case: they are not partitions of one run.
    #[error(
        "case {id} is in both {} and {}: the reports are not disjoint partitions of one run",
        first.display(),
        second.display()
    )]
    DuplicateCase {
        /// The case id.
        id: String,
        /// The first file holding it.
        first: PathBuf,
        /// The second.
        second: PathBuf,
    },
}

/// Reads a JSON report, checking its version before its shape.
pub fn read_report(file: &Path) -> Result<JsonReport, MergeError> {
    let text = std::fs::read_to_string(file).map_err(|source| MergeError::Read {
        file: file.to_path_buf(),
        source,
    })?;
    let not_a_report = |reason: String| MergeError::NotAReport {
        file: file.to_path_buf(),
        reason,
    };
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| not_a_report(format!("not JSON: {e}")))?;
    match value.get("schema_version") {
        None => return Err(not_a_report("it has no `schema_version`".into())),
        Some(v) if v.as_u64() == Some(u64::from(SCHEMA_VERSION)) => {}
        Some(v) => {
            return Err(MergeError::Version {
                file: file.to_path_buf(),
                found: v.to_string(),
            });
        }
    }
    // Parsed again from the text so that errors carry a line and column.
    let report: JsonReport =
        serde_json::from_str(&text).map_err(|e| not_a_report(e.to_string()))?;
    if let Some(case) = (report.cases.iter()).find(|c| !STATUSES.contains(&c.status.as_str())) {
        return Err(not_a_report(format!(
            "case {} has the unknown status `{}`",
            case.id, case.status
        )));
    }
    Ok(report)
}

/// Joins the reports of partitions, in the order given. A case id in two reports is an
/// error naming both files.
pub fn merge_reports(reports: &[(PathBuf, JsonReport)]) -> Result<JsonReport, MergeError> {
    let mut seen: HashMap<&str, &Path> = HashMap::new();
    let mut cases = Vec::new();
    let mut totals = Totals::default();
    let mut coverage = CoverageSink::new();
    let mut targets = Vec::new();
    let mut snapshots = Vec::new();
    let mut advisories: Vec<super::advisories::AdvisoryReport> = Vec::new();
    for (file, report) in reports {
        for case in &report.cases {
            if let Some(first) = seen.insert(&case.id, file) {
                return Err(MergeError::DuplicateCase {
                    id: case.id.clone(),
                    first: first.to_path_buf(),
                    second: file.clone(),
                });
            }
            count(&mut totals, &case.status);
            cases.push(case.clone());
        }
        totals.waits += report.totals.waits;
        totals.waited_ms += report.totals.waited_ms;
        for target in &report.targets {
            if !targets.contains(target) {
                targets.push(target.clone());
            }
        }
        for spec in &report.coverage {
            for arm in &spec.arms {
                coverage.insert_arm(&spec.spec, &arm.arm, arm_coverage(arm));
            }
        }
        snapshots.extend(report.snapshots.iter().cloned());
        merge_advisories(&mut advisories, &report.advisories);
    }
    let (started_at, duration_ms) = span(reports.iter().map(|(_, r)| r));
    Ok(JsonReport {
        schema_version: SCHEMA_VERSION,
        conform: ToolReport {
            version: env!("CARGO_PKG_VERSION").to_string(),
        },
        targets,
        started_at,
        duration_ms,
        partition: None,
        totals,
        cases,
        coverage: coverage_reports(&coverage),
        snapshots,
        advisories,
    })
}

/// Adds a partition's advisories: one per spec and id, the first partition's sighting
/// kept and the counts summed.
fn merge_advisories(
    into: &mut Vec<super::advisories::AdvisoryReport>,
    more: &[super::advisories::AdvisoryReport],
) {
    for a in more {
        match into.iter_mut().find(|b| b.spec == a.spec && b.id == a.id) {
            Some(kept) => kept.count += a.count,
            None => into.push(a.clone()),
        }
    }
}

/// What is odd about a set of partition reports, in words: shards missing or given
/// twice, partitions of different counts, reports of whole runs among them.
pub fn partition_gaps(reports: &[(PathBuf, JsonReport)]) -> Vec<String> {
    let shards: Vec<_> = reports.iter().filter_map(|(_, r)| r.partition).collect();
    if shards.is_empty() {
        return Vec::new();
    }
    let mut gaps = Vec::new();
    if shards.len() < reports.len() {
        gaps.push("some reports are of whole runs, others of partitions".to_string());
    }
    let counts: BTreeSet<u64> = shards.iter().map(|p| p.count).collect();
    if counts.len() > 1 {
        gaps.push(format!(
            "the reports are of partitions into different numbers of shards ({})",
            counts
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ));
        return gaps;
    }
    let n = shards[0].count;
    let present: BTreeSet<u64> = shards.iter().map(|p| p.index).collect();
    let missing: Vec<String> = (1..=n)
        .filter(|k| !present.contains(k))
        .map(|k| format!("{k}/{n}"))
        .collect();
    if !missing.is_empty() {
        gaps.push(format!("partition {} missing", missing.join(", ")));
    }
    gaps
}

fn count(totals: &mut Totals, status: &str) {
    match status {
        "passed" => totals.passed += 1,
        "skipped" => totals.skipped += 1,
        "inconclusive" => totals.inconclusive += 1,
        "interrupted" => totals.interrupted += 1,
        // `read_report` admits only the known words; anything else is not a pass.
        _ => totals.failed += 1,
    }
}

/// The earliest start, and the time from it to the latest end (the shards' wall time
/// together); the longest duration when a start cannot be read.
fn span<'a>(reports: impl Iterator<Item = &'a JsonReport>) -> (String, u64) {
    let mut first: Option<(SystemTime, &str)> = None;
    let mut last_end: Option<SystemTime> = None;
    let mut longest = 0;
    let mut readable = true;
    for r in reports {
        longest = longest.max(r.duration_ms);
        let Ok(start) = humantime::parse_rfc3339_weak(&r.started_at) else {
            readable = false;
            continue;
        };
        let end = start + Duration::from_millis(r.duration_ms);
        if first.is_none_or(|(t, _)| start < t) {
            first = Some((start, &r.started_at));
        }
        last_end = Some(last_end.map_or(end, |l| l.max(end)));
    }
    match (first, last_end) {
        (Some((start, text)), Some(end)) if readable => (
            text.to_string(),
            millis(end.duration_since(start).unwrap_or_default()),
        ),
        (Some((_, text)), _) => (text.to_string(), longest),
        _ => (String::new(), longest),
    }
}
