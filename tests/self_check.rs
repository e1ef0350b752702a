//! The self-check: every case of every spec in `specs/` is one trial, run against the
//! bundled reference (started once, in process) with the reference profile. A failing
//! case prints the same report as `conform run`. Steps that take a snapshot are
//! compared with `snapshots/<spec>/` through insta, so `INSTA_UPDATE`, `cargo insta
//! review|accept|test` work as usual.
//!
//! `cargo test --test self_check -- --list` lists the case ids; filters and `--exact`
//! work as with any test.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use conform::exec::{
    CaseRunner, CaseStatus, ClientOptions, CodeLedger, DEFAULT_MAX_WAIT, RunGuard, build_client,
};
use conform::mask::Masker;
use conform::plan::{CasePlan, Plan, PlanOptions, build_plan};
use conform::profile::reference_profile;
use conform::reference::Faults;
use conform::report::failure_details;
use conform::selfcheck::start_references;
use conform::snapshot::snapshot_name;
use conform::spec::load_all;
use libtest_mimic::{Arguments, Failed, Trial};
use url::Url;

fn main() {
    let args = Arguments::from_args();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let plan = match load_plan(&root) {
        Ok(p) => Arc::new(p),
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    conform::exec::install_crypto_provider();
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let references = match runtime.block_on(start_references(&plan, &Faults::default())) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the reference: {e}");
            std::process::exit(2);
        }
    };
    let mut trials = Vec::new();
    for (spec_index, spec) in plan.specs.iter().enumerate() {
        for case_index in 0..spec.cases.len() {
            let plan = Arc::clone(&plan);
            let target = references.targets[spec_index].clone();
            let root = root.clone();
            let case = &spec.cases[case_index];
            let skipped = case.skip.is_some();
            trials.push(
                Trial::test(case.id.clone(), move || {
                    let case = &plan.specs[spec_index].cases[case_index];
                    run_trial(&plan, case, &target, &root)
                })
                .with_ignored_flag(skipped),
            );
        }
    }
    let conclusion = libtest_mimic::run(&args, trials);
    runtime.block_on(references.shutdown());
    conclusion.exit();
}

fn load_plan(root: &Path) -> Result<Plan, String> {
    // Relative names keep reports and snapshot headers free of this checkout's path.
    std::env::set_current_dir(root).map_err(|e| e.to_string())?;
    let specs = load_all(&[PathBuf::from("specs")]).map_err(render)?;
    build_plan(
        &specs,
        Arc::new(reference_profile()),
        &PlanOptions::default(),
    )
    .map_err(render)
}

fn render(diagnostics: Vec<conform::diagnostic::Diagnostic>) -> String {
    diagnostics.iter().map(|d| d.render(false)).collect()
}

/// Runs one case on its own runtime and client, then checks its snapshots.
fn run_trial(plan: &Plan, case: &CasePlan, target: &Url, root: &Path) -> Result<(), Failed> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    let client = build_client(&ClientOptions::default()).map_err(|e| e.to_string())?;
    let ledger = CodeLedger::new(false);
    let masker = Masker::new(plan.profile.secrets());
    let guard = RunGuard::new(DEFAULT_MAX_WAIT, None, None);
    let runner = CaseRunner {
        client: &client,
        base: target,
        profile: Arc::clone(&plan.profile),
        ledger: &ledger,
        keep_exchanges: false,
        snapshots: true,
        masker: &masker,
        guard: &guard,
        limits: Default::default(),
        keys: &conform::exec::KeyCache::new(),
    };
    let outcome = runtime.block_on(runner.run_case(case));
    if outcome.status != CaseStatus::Passed {
        return Err(format!("{:?}\n{}", outcome.status, failure_details(&outcome, false)).into());
    }
    let spec = &plan
        .specs
        .iter()
        .find(|s| s.name == case.spec)
        .ok_or("spec")?;
    let local_id = case
        .id
        .strip_prefix(&format!("{}::", spec.name))
        .unwrap_or(&case.id);
    for (i, step) in outcome.steps.iter().enumerate() {
        let Some(content) = &step.snapshot else {
            continue;
        };
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(root.join("snapshots").join(&spec.name));
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.set_input_file(root.join(&spec.source.name));
        let name = snapshot_name(local_id, i, &step.name);
        settings.bind(|| insta::assert_snapshot!(name, content.trim_end()));
    }
    Ok(())
}
