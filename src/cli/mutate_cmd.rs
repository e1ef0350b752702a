//! `conform mutate`: the kill matrix of the specs against the reference's deviations.

use conform::mutate::{MutateOptions, run_matrix};
use conform::report::{matrix_junit, render_matrix};

use super::args::MutateArgs;
use super::inputs::{prepare, print_diagnostics, runtime, selection, stdout_color};
use super::{EXIT_FAILED, EXIT_INVALID, EXIT_OK};

/// `conform mutate`.
pub fn mutate(args: MutateArgs) -> u8 {
    let mut plan = match prepare(&args.spec, true, None) {
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
    let options = MutateOptions {
        jobs: args.jobs,
        ..MutateOptions::default()
    };
    conform::exec::install_crypto_provider();
    let Some(runtime) = runtime() else {
        return EXIT_INVALID;
    };
    let started = std::time::Instant::now();
    let matrix = match runtime.block_on(run_matrix(&plans, &options)) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}; conform mutate runs specs against the bundled reference only");
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
