//! Comparing (or recording) the snapshots of a run as its outcomes stream by.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::PathBuf;

use super::store::{SnapshotStatus, SnapshotStore, snapshot_file};
use crate::exec::{CaseOutcome, CaseStatus, EventSink, Failure, FailureKind};
use crate::plan::{CasePlan, Plan};

/// What the snapshot sink did to one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotEvent {
    /// The file.
    pub file: PathBuf,
    /// What happened.
    pub status: SnapshotStatus,
}

/// Checks each case's snapshots against a store; a missing or different snapshot
/// fails the case (unless the store updates).
pub struct SnapshotSink {
    store: SnapshotStore,
    sources: BTreeMap<String, String>,
    all_cases: BTreeMap<String, HashSet<String>>,
    seen: BTreeMap<String, BTreeSet<PathBuf>>,
    complete: BTreeMap<String, BTreeSet<String>>,
    /// Files created, updated or failing, in order.
    pub events: Vec<SnapshotEvent>,
}

impl SnapshotSink {
    /// A sink for `plan`; `all_cases` are the case ids of every spec before any
    /// `--filter`, so snapshots of filtered-out cases are not called stale.
    pub fn new(
        store: SnapshotStore,
        plan: &Plan,
        all_cases: BTreeMap<String, HashSet<String>>,
    ) -> Self {
        let sources = plan
            .specs
            .iter()
            .map(|s| (s.name.clone(), s.source.name.clone()))
            .collect();
        Self {
            store,
            sources,
            all_cases,
            seen: BTreeMap::new(),
            complete: BTreeMap::new(),
            events: Vec::new(),
        }
    }

    /// The store the sink compares with (and prunes through).
    pub fn store(&self) -> &SnapshotStore {
        &self.store
    }

    /// Snapshot files no case produces any more: their case is gone, or their case
    /// ran to the end without them.
    pub fn stale(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for (spec, ids) in &self.all_cases {
            let seen = self.seen.get(spec).cloned().unwrap_or_default();
            let complete = self.complete.get(spec).cloned().unwrap_or_default();
            for file in self.store.stale(spec, &seen) {
                let stem = file
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or_default();
                let case = stem.split('@').next().unwrap_or_default();
                if !ids.contains(case) || complete.contains(case) {
                    out.push(file);
                }
            }
        }
        out
    }
}

impl EventSink for SnapshotSink {
    fn case_finished(&mut self, case: &CasePlan, outcome: &mut CaseOutcome) {
        let local_id = outcome
            .id
            .strip_prefix(&format!("{}::", outcome.spec))
            .unwrap_or(&outcome.id)
            .to_string();
        let source = self.sources.get(&outcome.spec).cloned().unwrap_or_default();
        let mut failures = Vec::new();
        for (i, step) in outcome.steps.iter().enumerate() {
            let Some(content) = &step.snapshot else {
                continue;
            };
            let file = snapshot_file(self.store.root(), &outcome.spec, &local_id, i, &step.name);
            self.seen
                .entry(outcome.spec.clone())
                .or_default()
                .insert(file.clone());
            let status = match self.store.check(&file, &source, content) {
                Ok(s) => s,
                Err(e) => {
                    failures.push(snapshot_failure(
                        i,
                        format!("cannot use {}: {e}", file.display()),
                        None,
                    ));
                    continue;
                }
            };
            match &status {
                SnapshotStatus::Matched => continue,
                SnapshotStatus::Missing => failures.push(snapshot_failure(
                    i,
                    format!(
                        "no snapshot {} yet; record it with --update-snapshots",
                        file.display()
                    ),
                    None,
                )),
                SnapshotStatus::Changed(diff) => failures.push(snapshot_failure(
                    i,
                    format!("the response differs from {}", file.display()),
                    Some(diff.clone()),
                )),
                SnapshotStatus::Created | SnapshotStatus::Updated => {}
            }
            self.events.push(SnapshotEvent { file, status });
        }
        if outcome.status == CaseStatus::Passed && failures.is_empty() {
            self.complete
                .entry(outcome.spec.clone())
                .or_default()
                .insert(local_id);
        }
        if !failures.is_empty() && outcome.status != CaseStatus::Skipped(String::new()) {
            outcome.failures.extend(failures);
            outcome.status = CaseStatus::Failed;
        }
        let _ = case;
    }
}

fn snapshot_failure(step: usize, message: String, diff: Option<String>) -> Failure {
    Failure {
        kind: FailureKind::Snapshot,
        step: Some(step),
        title: "snapshot".into(),
        message,
        span: None,
        expected: None,
        actual: None,
        diff,
    }
}
