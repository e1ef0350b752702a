//! Where memory and planning time go: the client thread's heap per case, the
//! per-case masker set-up, and load + plan time by case count.

use std::path::PathBuf;
use std::time::Instant;

use conform::mask::Masker;
use conform::profile::{Profile, reference_profile};
use url::Url;

use super::alloc::measure;
use super::workload::{
    BenchResult, Flavor, conform_once, load_plan, ms, raw_once, runtime, spec_of,
};

/// Case counts of the heap rows.
const HEAP_COUNTS: [usize; 2] = [1000, 10000];

/// Heap of load + plan, of `run_plan` and of the raw loop, at each of `HEAP_COUNTS`.
pub fn heap_section(specs: &[(usize, Vec<PathBuf>)], target: &Url) -> BenchResult<()> {
    let runtime = runtime(Flavor::CurrentThread)?;
    println!(
        "\n## Heap of the client thread (counting allocator, current-thread runtime, jobs 1)\n"
    );
    println!(
        "| cases | load + plan: peak KiB | plan kept: KiB | plan bytes/case | run_plan: peak above start, KiB | run_plan allocs/case | run_plan bytes allocated/case | raw loop: peak KiB | raw allocs/request | raw bytes allocated/request |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (cases, files) in specs.iter().filter(|(n, _)| HEAP_COUNTS.contains(n)) {
        let cases = *cases;
        eprintln!("measuring the heap at {cases} cases");
        let (plan, planning) = measure(|| load_plan(files, Profile::default()));
        let plan = plan?;
        // A warm-up run first, so lazily built statics are not counted as per-case.
        runtime.block_on(conform_once(&plan, target, 1))?;
        let (run, running) = measure(|| runtime.block_on(conform_once(&plan, target, 1)));
        run?;
        let (raw, raw_heap) = measure(|| runtime.block_on(raw_once(target.clone(), cases, 1)));
        raw?;
        let per = |count: u64| count as f64 / cases as f64;
        println!(
            "| {cases} | {} | {} | {:.0} | {} | {:.0} | {:.0} | {} | {:.0} | {:.0} |",
            kib(planning.peak),
            kib(planning.retained),
            planning.retained as f64 / cases as f64,
            kib(running.peak),
            per(running.allocations),
            per(running.allocated),
            kib(raw_heap.peak),
            per(raw_heap.allocations),
            per(raw_heap.allocated),
        );
    }
    Ok(())
}

fn kib(bytes: isize) -> String {
    format!("{:.0}", bytes as f64 / 1024.0)
}

/// What `CaseRunner::run_case` does for every case before masking its outcome:
/// clone the run's masker and `extend` it with the case's own secrets (none here). The
/// run's layer is shared, so this copies pointers only.
pub fn masking_section() {
    const ITERATIONS: usize = 1000;
    println!("\n## Per-case masker set-up, in isolation ({ITERATIONS} iterations)\n");
    println!("| profile | secrets | µs/case | allocs/case | bytes allocated/case |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    for (label, profile) in [
        ("empty (`--target` without `--profile`)", Profile::default()),
        ("reference (4 secrets)", reference_profile()),
    ] {
        let base = Masker::new(profile.secrets());
        let secrets = profile.secrets().len();
        let per_case = || {
            for _ in 0..ITERATIONS {
                let mut masker = base.clone();
                masker.extend(Vec::<String>::new());
                std::hint::black_box(&masker);
            }
        };
        // Timed without counting, then counted.
        let started = Instant::now();
        per_case();
        let elapsed = started.elapsed();
        let ((), heap) = measure(per_case);
        println!(
            "| {label} | {secrets} | {:.1} | {:.0} | {:.0} |",
            elapsed.as_secs_f64() * 1e6 / ITERATIONS as f64,
            heap.allocations as f64 / ITERATIONS as f64,
            heap.allocated as f64 / ITERATIONS as f64,
        );
    }
    long_secret_rows();
}

/// The masker with one long, repetitive secret (the worst case for automata): build
/// time and heap grow linearly with its length, and masking a 64 KiB report holding it
/// stays proportional to the text.
fn long_secret_rows() {
    println!("\n## Masker with one long repetitive secret\n");
    println!(
        "| secret | build ms | build heap MiB | mask 64 KiB + secret, ms | µs per secret KiB (build) |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: |");
    for kib in [1usize, 10, 100] {
        let secret = "Ab1-".repeat(kib * 256);
        let started = Instant::now();
        let (masker, heap) = measure(|| Masker::new([secret.as_str()]));
        let build = started.elapsed();
        let text = format!("{}{secret}{}", "x".repeat(32 * 1024), "y".repeat(32 * 1024));
        let started = Instant::now();
        let masked = masker.mask(&text);
        let mask = started.elapsed();
        assert!(!masked.contains(&secret), "the secret is masked");
        println!(
            "| {kib} KiB | {:.1} | {:.1} | {:.1} | {:.1} |",
            ms(build),
            heap.allocated as f64 / (1024.0 * 1024.0),
            ms(mask),
            build.as_secs_f64() * 1e6 / kib as f64,
        );
    }
}

/// Wall time of load + plan by case count. Each span the planner takes counts the
/// lines before it from the start of the file, so this grows faster than linearly.
pub fn plan_section(specs: &[(usize, Vec<PathBuf>)]) -> BenchResult<()> {
    println!("\n## Load + plan (`load_all` + `build_plan`, empty profile), one run each\n");
    println!("| cases | spec files | ms | µs/case |");
    println!("| ---: | ---: | ---: | ---: |");
    load_plan(spec_of(specs, 1), Profile::default())?;
    for (cases, files) in specs {
        eprintln!("measuring load + plan at {cases} cases");
        let started = Instant::now();
        let plan = load_plan(files, Profile::default())?;
        let elapsed = started.elapsed();
        drop(plan);
        println!(
            "| {cases} | {} | {:.2} | {:.1} |",
            files.len(),
            ms(elapsed),
            elapsed.as_secs_f64() * 1e6 / *cases as f64
        );
    }
    Ok(())
}
