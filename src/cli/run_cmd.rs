//! `conform run`, `conform lint` and `conform list`.

use std::io::Write;

use conform::exec::{ClientOptions, RunOptions, run_plan};
use conform::report::{Fanout, JunitReporter, TerminalReporter};
use url::Url;

use super::args::{LintArgs, RunArgs};
use super::inputs::{prepare, print_diagnostics, stdout_color};
use super::{EXIT_FAILED, EXIT_INVALID, EXIT_OK};

/// `conform run`.
pub fn run(args: RunArgs) -> u8 {
    let reference = args.target.is_none();
    let plan = match prepare(&args.spec, reference, args.timeout.map(Into::into)) {
        Ok(p) => p,
        Err(d) => {
            print_diagnostics(&d);
            return EXIT_INVALID;
        }
    };
    if args.insecure {
        eprintln!(
            "warning: --insecure: TLS certificates are not verified; use --cacert to trust an internal CA"
        );
    }
    if plan.case_count() == 0 {
        eprintln!("error: no case matches the given --filter/--tag");
        return EXIT_INVALID;
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return EXIT_INVALID;
        }
    };
    runtime.block_on(async {
        let Some(target) = args.target.clone() else {
            eprintln!(
                "error: the bundled reference is not available in this build; give --target URL"
            );
            return EXIT_INVALID;
        };
        let targets: Vec<Url> = plan.specs.iter().map(|_| target.clone()).collect();
        let options = RunOptions {
            jobs: args.jobs,
            keep_exchanges: args.verbose,
            fresh_codes: args.fresh_codes,
            client: ClientOptions {
                cacert: args.cacert.clone(),
                client_cert: args.client_cert.clone(),
                insecure: args.insecure,
                connect_timeout: None,
            },
        };
        let stdout = std::io::stdout();
        let mut terminal = TerminalReporter::new(stdout.lock(), stdout_color(), args.verbose);
        let mut junit = JunitReporter::new();
        let result = {
            let mut sinks: Vec<&mut dyn conform::exec::EventSink> = vec![&mut terminal];
            if args.junit.is_some() {
                sinks.push(&mut junit);
            }
            run_plan(&plan, &targets, &options, &mut Fanout(sinks)).await
        };
        let summary = match result {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_INVALID;
            }
        };
        terminal.finish(&summary);
        if let Some(path) = &args.junit {
            let written = junit
                .to_xml(summary.duration)
                .and_then(|xml| std::fs::write(path, xml).map_err(|e| e.to_string()));
            if let Err(e) = written {
                eprintln!("error: cannot write {}: {e}", path.display());
                return EXIT_INVALID;
            }
        }
        if summary.success() {
            EXIT_OK
        } else {
            EXIT_FAILED
        }
    })
}

/// `conform lint`.
pub fn lint(args: LintArgs) -> u8 {
    match prepare(&args.spec, args.spec.profile.is_none(), None) {
        Ok(plan) => {
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
    let plan = match prepare(&args.spec, args.spec.profile.is_none(), None) {
        Ok(p) => p,
        Err(d) => {
            print_diagnostics(&d);
            return EXIT_INVALID;
        }
    };
    let mut out = std::io::stdout().lock();
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
        let _ = writeln!(out, "{}{tags} — {}{skip}", case.id, case.section);
    }
    EXIT_OK
}
