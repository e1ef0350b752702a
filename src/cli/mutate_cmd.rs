//! `conform mutate`: the kill matrix of the specs against the reference's deviations,
//! or (`--target`, `--generic`) against the generic operators on a recording.

use conform::mutate::{MutateOptions, run_matrix};
use conform::replay::{RecordFrom, run_replay_matrix};
use conform::report::{matrix_junit, render_matrix};

use super::args::MutateArgs;
use super::inputs::{
    connection_options, prepare, print_diagnostics, runtime, selection, stdout_color,
};
use super::{EXIT_FAILED, EXIT_INVALID, EXIT_OK};

/// `conform mutate`.
pub fn mutate(args: MutateArgs) -> u8 {
    let generic = args.target.is_some() || args.generic;
    let mut plan = match prepare(
        &args.spec,
        args.target.is_none(),
        Some(args.conn.timeout.into()),
    ) {
        Ok(p) => p,
        Err(d) => {
            print_diagnostics(&d);
            return EXIT_INVALID;
        }
    };
    plan.select(&selection(&args.spec));
    if plan.case_count() == 0 {
        eprintln!("error: no case matches the given --filter/--tag");
        return EXIT_INVALID;
    }
    let plans = plan.split();
    if args.conn.insecure {
        eprintln!(
            "warning: --insecure: TLS certificates are not verified; use --cacert to trust an internal CA"
        );
    }
    let options = MutateOptions {
        jobs: args.jobs,
        run: connection_options(&args.conn),
    };
    conform::exec::install_crypto_provider();
    let Some(runtime) = runtime() else {
        return EXIT_INVALID;
    };
    let started = std::time::Instant::now();
    let matrix = if generic {
        let from = match &args.target {
            Some(url) => RecordFrom::Target(url.clone()),
            None => RecordFrom::Reference,
        };
        runtime
            .block_on(run_replay_matrix(&plans, &from, &options))
            .map(|(matrix, _)| matrix)
    } else {
        runtime.block_on(run_matrix(&plans, &options))
    };
    let matrix = match matrix {
        Ok(m) => m,
        Err(e) => {
            eprintln!(
                "error: {e}; without --target, conform mutate runs specs against the bundled reference (give --target URL to record from a server)"
            );
            return EXIT_INVALID;
        }
    };
    let elapsed = started.elapsed();
    print!("{}", render_matrix(&matrix, stdout_color()));
    println!("({:.2} s)", elapsed.as_secs_f64());
    if let Some(path) = &args.junit {
        let written = matrix_junit(&matrix, elapsed)
            .and_then(|xml| std::fs::write(path, xml).map_err(|e| e.to_string()));
        if let Err(e) = written {
            eprintln!("error: cannot write {}: {e}", path.display());
            return EXIT_INVALID;
        }
    }
    if matrix.success() {
        EXIT_OK
    } else {
        EXIT_FAILED
    }
}
