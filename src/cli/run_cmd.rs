//! `conform run`, `conform lint` and `conform list`.

use std::cell::RefCell;
use std::io::Write;

use conform::advise::AdviseOptions;
use conform::exec::{CaseCheck, EventSink, Fanout, RunOptions, RunSummary, StopReason, run_plan};
use conform::plan::Plan;
use conform::reference::Faults;
use conform::report::{
    BUNDLED_REFERENCE, CoverageSink, GithubOptions, GithubReporter, JsonReporter, JunitReporter,
    TargetReport, TerminalReporter, target_without_credentials,
};
use conform::selfcheck::{SelfCheckError, start_references};
use conform::snapshot::{SnapshotSink, SnapshotStatus, SnapshotStore};
use url::Url;

use super::args::{LintArgs, RunArgs};
use super::inputs::{
    connection_options, prepare, print_diagnostics, runtime, selection, stderr_color, stdout_color,
};
use super::notices::{NoticePrinter, Notices, Redraw, stderr_is_live};
use super::outputs::{check_report_paths, github_wanted, is_stdout, write_output};
use super::{EXIT_FAILED, EXIT_INVALID, EXIT_OK};

/// `conform run`.
pub fn run(args: RunArgs) -> u8 {
    let reference = args.target.is_none();
    let mut plan = match prepare(&args.spec, reference, Some(args.conn.timeout.into())) {
        Ok(p) => p,
        Err(d) => {
            print_diagnostics(&d);
            return EXIT_INVALID;
        }
    };
    let all_cases = plan.case_ids();
    plan.select(&selection(&args.spec));
    if args.conn.insecure {
        eprintln!(
            "warning: --insecure: TLS certificates are not verified; use --cacert to trust an internal CA"
        );
    }
    if plan.case_count() == 0 {
        // Nothing would run: a CI gate must not go green on it.
        eprintln!("error: no case ran: no case matches the given --filter/--tag");
        return EXIT_FAILED;
    }
    if let Some(partition) = args.partition {
        select_partition(&mut plan, partition);
    }
    if let Err(e) = check_report_paths(args.junit.as_deref(), args.report_json.as_deref()) {
        eprintln!("error: {e}");
        return EXIT_INVALID;
    }
    let Some(runtime) = runtime() else {
        return EXIT_INVALID;
    };
    runtime.block_on(async {
        if let Some(target) = args.target.clone() {
            let targets: Vec<Url> = plan.specs.iter().map(|_| target.clone()).collect();
            return execute(&args, &plan, &targets, all_cases).await;
        }
        let references = match start_references(&plan, &Faults::default()).await {
            Ok(r) => r,
            Err(e @ SelfCheckError::Serve { .. }) => {
                eprintln!("error: {e}");
                return EXIT_INVALID;
            }
            Err(e) => {
                eprintln!("error: {e}; give --target URL to run it against a server");
                return EXIT_INVALID;
            }
        };
        eprintln!(
            "running against the bundled reference ({})",
            references
                .servers
                .iter()
                .map(|(api, s)| format!("{api} at {}", s.base_url()))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let code = execute(&args, &plan, &references.targets, all_cases).await;
        references.shutdown().await;
        code
    })
}

/// Runs the plan against the targets with every requested reporter.
async fn execute(
    args: &RunArgs,
    plan: &Plan,
    targets: &[Url],
    all_cases: std::collections::BTreeMap<String, std::collections::HashSet<String>>,
) -> u8 {
    let options = RunOptions {
        jobs: usize::from(args.jobs),
        keep_exchanges: args.verbose,
        snapshots: args.snapshots.is_some(),
        stop: Some(stop_on_signals()),
        deadline: args.deadline.map(Into::into),
        recorder: None,
        advise: AdviseOptions {
            deny: args.deny_advisories,
            allow: args.allow.clone(),
            probes: args.probe.clone(),
            probe_attempts: args.probe_attempts,
            probe_samples: args.probe_samples,
        },
        ..connection_options(&args.conn)
    };
    // With the JSON report on stdout, people read stderr.
    let json_on_stdout = args.report_json.as_deref().is_some_and(is_stdout);
    let (human, color): (Box<dyn Write>, bool) = if json_on_stdout {
        (Box::new(std::io::stderr().lock()), stderr_color())
    } else {
        (Box::new(std::io::stdout().lock()), stdout_color())
    };
    let mut terminal = TerminalReporter::new(human, color, args.verbose, args.require_branches);
    let mut github = github_reporter(args, json_on_stdout);
    if github.is_some() {
        terminal = terminal.without_details();
    }
    let mut json = JsonReporter::new(target_reports(plan, targets, args), args.partition);
    let mut junit = JunitReporter::new();
    let mut coverage = CoverageSink::new();
    let printer = RefCell::new(NoticePrinter::new(stderr_is_live()));
    let (mut notices, mut redraw) = (Notices(&printer), Redraw(&printer));
    let mut snapshots = args.snapshots.as_ref().map(|dir| {
        SnapshotSink::new(
            SnapshotStore::new(dir, args.update_snapshots),
            plan,
            all_cases,
        )
    });
    let (result, errors) = {
        let mut sinks: Vec<&mut dyn EventSink> = vec![&mut coverage, &mut notices];
        if args.junit.is_some() {
            sinks.push(&mut junit);
        }
        if args.report_json.is_some() {
            sinks.push(&mut json);
        }
        sinks.push(&mut terminal);
        if let Some(github) = &mut github {
            sinks.push(github);
        }
        sinks.push(&mut redraw);
        let mut fanout = Fanout::new(sinks);
        let check = snapshots.as_mut().map(|s| s as &mut dyn CaseCheck);
        let result = run_plan(plan, targets, &options, &mut fanout, check).await;
        (result, fanout.into_errors())
    };
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_INVALID;
        }
    };
    let mut code = exit_code(&summary, args.fail_on_skip);
    for e in &errors {
        eprintln!("error: {e}");
        code = EXIT_INVALID;
    }
    let unexercised = coverage.unexercised().len();
    if args.require_branches && unexercised > 0 && code == EXIT_OK {
        code = EXIT_FAILED;
    }
    junit.add_coverage(&coverage, args.require_branches);
    if let Some(sink) = &snapshots {
        json.add_snapshots(&sink.events, &sink.stale(), args.prune_snapshots);
        report_snapshots(&mut terminal, sink, args.prune_snapshots);
    }
    drop(terminal);
    if let Some(path) = &args.report_json
        && let Err(e) = write_output(path, &json.finish().to_json())
    {
        eprintln!("error: {e}");
        code = EXIT_INVALID;
    }
    if let Some(path) = &args.junit {
        let written = junit
            .to_xml(summary.duration)
            .and_then(|xml| std::fs::write(path, xml).map_err(|e| e.to_string()));
        if let Err(e) = written {
            eprintln!("error: cannot write {}: {e}", path.display());
            return EXIT_INVALID;
        }
    }
    code
}

/// The GitHub Actions reporter, with `--github` or when `GITHUB_ACTIONS=true`: workflow
/// commands on stdout (stderr when stdout carries the JSON report; the runner reads
/// both), the job summary appended to `$GITHUB_STEP_SUMMARY` when set.
fn github_reporter(args: &RunArgs, json_on_stdout: bool) -> Option<GithubReporter<Box<dyn Write>>> {
    let on = github_wanted(args.github);
    on.then(|| {
        let options = GithubOptions {
            color: stdout_color(),
            summary: std::env::var_os("GITHUB_STEP_SUMMARY")
                .filter(|p| !p.is_empty())
                .map(Into::into),
            root: std::env::current_dir().ok(),
            token: uuid::Uuid::new_v4().simple().to_string(),
        };
        let out: Box<dyn Write> = if json_on_stdout {
            Box::new(std::io::stderr())
        } else {
            Box::new(std::io::stdout())
        };
        GithubReporter::new(out, options)
    })
}

/// Keeps the cases of one shard; a shard without cases is no error (the shards of a
/// small selection may be empty), only said.
fn select_partition(plan: &mut Plan, partition: conform::plan::Partition) {
    let selected = plan.case_count();
    plan.select_partition(partition);
    if plan.case_count() == 0 {
        eprintln!("note: partition {partition} holds none of the {selected} selected case(s)");
    }
}

/// Each spec's target as the JSON report shows it: no credentials.
fn target_reports(plan: &Plan, targets: &[Url], args: &RunArgs) -> Vec<TargetReport> {
    (plan.specs.iter().zip(targets))
        .map(|(spec, url)| TargetReport {
            spec: spec.name.clone(),
            target: match args.target {
                Some(_) => target_without_credentials(url),
                None => BUNDLED_REFERENCE.to_string(),
            },
        })
        .collect()
}

fn report_snapshots<W: Write>(
    terminal: &mut TerminalReporter<W>,
    sink: &SnapshotSink,
    prune: bool,
) {
    let mut created = 0;
    let mut updated = 0;
    for e in &sink.events {
        match e.status {
            SnapshotStatus::Created => {
                created += 1;
                terminal.line(&format!("snapshot created: {}", e.file.display()));
            }
            SnapshotStatus::Updated => {
                updated += 1;
                terminal.line(&format!("snapshot updated: {}", e.file.display()));
            }
            _ => {}
        }
    }
    let stale = sink.stale();
    for file in &stale {
        if prune {
            match sink.store().remove(file) {
                Ok(()) => terminal.line(&format!("snapshot removed: {}", file.display())),
                Err(e) => terminal.line(&format!("cannot remove {}: {e}", file.display())),
            }
        } else {
            terminal.line(&format!("snapshot stale: {}", file.display()));
        }
    }
    if created + updated > 0 || !stale.is_empty() {
        let what = if prune {
            "removed"
        } else {
            "stale (remove with --prune-snapshots)"
        };
        terminal.line(&format!(
            "snapshots: {created} created, {updated} updated, {} {what}",
            stale.len()
        ));
    }
}

/// Exit code of a run that was stopped by a signal.
pub const EXIT_INTERRUPTED: u8 = 130;

/// The exit code a finished run earns: 130 when a signal stopped it; 1 when a case
/// failed, was inconclusive or interrupted, when no case ran at all, or (with
/// `--fail-on-skip`) when one was skipped; 0 otherwise. Says why on stderr.
fn exit_code(summary: &RunSummary, fail_on_skip: bool) -> u8 {
    if let Some(reason) = &summary.stopped {
        eprintln!(
            "error: {reason}; {} case(s) interrupted",
            summary.interrupted
        );
        return match reason {
            StopReason::Signal(_) => EXIT_INTERRUPTED,
            StopReason::Deadline(_) => EXIT_FAILED,
        };
    }
    if summary.inconclusive > 0 {
        eprintln!(
            "error: {} case(s) inconclusive: the server throttled or blocked them (see each case's reason; --max-wait, --rate and --max-failed-logins help)",
            summary.inconclusive
        );
    }
    if summary.ran() == 0 && summary.inconclusive == 0 {
        eprintln!(
            "error: no case ran: {} skipped — a profile with the accounts the cases need (--profile) lets them run",
            summary.skipped
        );
        return EXIT_FAILED;
    }
    if fail_on_skip && summary.skipped > 0 {
        eprintln!(
            "error: {} case(s) skipped and --fail-on-skip is set",
            summary.skipped
        );
        return EXIT_FAILED;
    }
    if summary.denied() > 0 {
        eprintln!(
            "error: {} advisory(ies) denied by --deny-advisories (see the advisories section; --allow ID silences one)",
            summary.denied()
        );
    }
    if summary.success() {
        EXIT_OK
    } else {
        EXIT_FAILED
    }
}

/// A stop request that SIGINT (Ctrl-C) or SIGTERM sets; the run then sends nothing more
/// and reports what it has.
fn stop_on_signals() -> tokio::sync::watch::Receiver<Option<StopReason>> {
    let (tx, rx) = tokio::sync::watch::channel(None);
    tokio::spawn(async move {
        let name = wait_for_signal().await;
        let _ = tx.send(Some(StopReason::Signal(name.to_string())));
        // Kept until the run ends, so the receiver never sees the channel close early.
        tx.closed().await;
    });
    rx
}

async fn wait_for_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => return "SIGINT",
                _ = term.recv() => return "SIGTERM",
            }
        }
    }
    match tokio::signal::ctrl_c().await {
        Ok(()) => "SIGINT",
        // No signal can arrive: never stop.
        Err(_) => std::future::pending().await,
    }
}

/// `conform lint`.
pub fn lint(args: LintArgs) -> u8 {
    match prepare(&args.spec, args.spec.profile.is_none(), None) {
        Ok(mut plan) => {
            plan.select(&selection(&args.spec));
            if let Some(partition) = args.partition {
                plan.select_partition(partition);
            }
            println!(
                "{} spec(s), {} case(s): no problems found",
                plan.specs.len(),
                plan.case_count()
            );
            EXIT_OK
        }
        Err(d) => {
            print_diagnostics(&d);
            EXIT_INVALID
        }
    }
}

/// `conform list`.
pub fn list(args: LintArgs) -> u8 {
    let mut plan = match prepare(&args.spec, args.spec.profile.is_none(), None) {
        Ok(p) => p,
        Err(d) => {
            print_diagnostics(&d);
            return EXIT_INVALID;
        }
    };
    plan.select(&selection(&args.spec));
    if let Some(partition) = args.partition {
        plan.select_partition(partition);
    }
    let mut out = std::io::stdout().lock();
    let mut totals: std::collections::BTreeMap<Option<conform::profile::AccountName>, usize> =
        Default::default();
    for case in plan.cases() {
        let tags = if case.tags.is_empty() {
            String::new()
        } else {
            format!(" [{}]", case.tags.join(", "))
        };
        let skip = case
            .skip
            .as_ref()
            .map(|s| format!(" (skipped: {s})"))
            .unwrap_or_default();
        let failed = case.failed_logins();
        let logins = if failed.is_empty() || case.skip.is_some() {
            String::new()
        } else {
            for (who, n) in &failed {
                *totals.entry(*who).or_default() += n;
            }
            format!(" (failed logins: {})", failed_text(&failed))
        };
        let _ = writeln!(out, "{}{tags} — {}{skip}{logins}", case.id, case.section);
    }
    if !totals.is_empty() {
        let _ = writeln!(
            out,
            "\nfailed logins a run sends at most: {}",
            failed_text(&totals)
        );
    }
    EXIT_OK
}

/// `primary 4, two_factor 6, unknown users 5`.
fn failed_text(
    counts: &std::collections::BTreeMap<Option<conform::profile::AccountName>, usize>,
) -> String {
    counts
        .iter()
        .map(|(who, n)| match who {
            Some(role) => format!("{} {n}", role.name()),
            None => format!("unknown users {n}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}
