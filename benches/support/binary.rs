//! The release binary end to end: start-up of a 1-case run (with its in-process
//! pieces for comparison) and peak RSS by case count.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use conform::exec::{ClientOptions, build_client};
use conform::profile::Profile;
use url::Url;

use super::process;
use super::workload::{
    BenchResult, CASES, Flavor, conform_once, file_args, load_plan, ms, runtime,
};

/// Runs of each start-up row (after one warm-up run).
const STARTUP_RUNS: usize = 21;
/// Case counts of the peak-RSS rows.
const RSS_COUNTS: [usize; 4] = [1, 1000, 5000, 10000];
/// Longest a single binary run may take before it is killed.
const CHILD_LIMIT: Duration = Duration::from_secs(120);

/// Start-up of a 1-case run: its in-process pieces, then the binary; returns the
/// median of `conform run` when the binary was found.
pub fn startup_section(spec: &[PathBuf], target: &Url) -> BenchResult<Option<Duration>> {
    println!("\n## Start-up: a 1-case run, median of {STARTUP_RUNS} (after a warm-up)\n");
    println!("| what | median ms | min ms |");
    println!("| --- | ---: | ---: |");
    startup_in_process(spec, target)?;
    let Some(binary) = process::find_binary() else {
        println!(
            "| `conform run` (release binary) | skipped | build it with `cargo build --release` |"
        );
        return Ok(None);
    };
    if let Some(warning) = process::staleness(&binary) {
        eprintln!("{warning}");
        println!("\n{warning}\n");
    }
    let lint: Vec<String> = ["lint".to_string()]
        .into_iter()
        .chain(file_args(spec))
        .collect();
    let rows: [(&str, &Path, Vec<String>); 4] = [
        (
            "process spawn alone (`/bin/true`)",
            Path::new("/bin/true"),
            vec![],
        ),
        ("`conform --version`", &binary, vec!["--version".into()]),
        (
            "`conform lint SPEC` (load + plan, sends nothing)",
            &binary,
            lint,
        ),
        (
            "`conform run --target URL SPEC`",
            &binary,
            run_args(target, spec),
        ),
    ];
    let mut run_median = None;
    for (label, program, args) in rows {
        if !program.is_file() {
            continue;
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (median, min) =
            process::median_of(STARTUP_RUNS, program, &args).map_err(|e| e.to_string())?;
        println!("| {label} | {:.2} | {:.2} |", ms(median), ms(min));
        run_median = Some(median);
    }
    println!("\nbinary: {}", binary.display());
    Ok(run_median)
}

/// `run --timeout 5s --target URL FILES...`: the timeout bounds every child run.
fn run_args(target: &Url, files: &[PathBuf]) -> Vec<String> {
    ["run", "--timeout", "5s", "--target", target.as_str()]
        .into_iter()
        .map(String::from)
        .chain(file_args(files))
        .collect()
}

/// The in-process pieces of start-up: client construction, load + plan, one run.
fn startup_in_process(spec: &[PathBuf], target: &Url) -> BenchResult<()> {
    let first = Instant::now();
    build_client(&ClientOptions::default()).map_err(|e| e.to_string())?;
    let first = first.elapsed();
    let client = median(|| {
        build_client(&ClientOptions::default())
            .map(drop)
            .map_err(|e| e.to_string())
    })?;
    println!(
        "| in process: `build_client` (first call) | {:.2} | |",
        ms(first)
    );
    println!(
        "| in process: `build_client` | {:.2} | {:.2} |",
        ms(client.0),
        ms(client.1)
    );
    let plan = median(|| load_plan(spec, Profile::default()).map(drop))?;
    println!(
        "| in process: load + plan | {:.2} | {:.2} |",
        ms(plan.0),
        ms(plan.1)
    );
    let plan_1 = load_plan(spec, Profile::default())?;
    let run = median(|| {
        let runtime = runtime(Flavor::CurrentThread)?;
        runtime.block_on(conform_once(&plan_1, target, 1)).map(drop)
    })?;
    println!(
        "| in process: new current-thread runtime + `run_plan` (client, connect, 1 case) | {:.2} | {:.2} |",
        ms(run.0),
        ms(run.1)
    );
    Ok(())
}

/// Median and minimum wall time of `STARTUP_RUNS` calls of `work` (after one).
fn median(mut work: impl FnMut() -> BenchResult<()>) -> BenchResult<(Duration, Duration)> {
    work()?;
    let mut times = Vec::with_capacity(STARTUP_RUNS);
    for _ in 0..STARTUP_RUNS {
        let started = Instant::now();
        work()?;
        times.push(started.elapsed());
    }
    times.sort();
    Ok((times[times.len() / 2], times[0]))
}

/// Peak RSS of one case count.
pub struct RssRow {
    /// Cases run.
    pub cases: usize,
    /// `ru_maxrss` through GNU time, when installed.
    pub wait4_kib: Option<u64>,
    /// The last `VmHWM` polled.
    pub polled_kib: u64,
    /// Wall time of the run.
    pub elapsed: Duration,
}

impl RssRow {
    /// The better of the two readings: `ru_maxrss` when there is one.
    pub fn peak_kib(&self) -> u64 {
        self.wait4_kib.unwrap_or(self.polled_kib)
    }
}

pub fn rss_section(specs: &[(usize, Vec<PathBuf>)], target: &Url) -> BenchResult<Vec<RssRow>> {
    println!("\n## Peak RSS of `conform run --target URL SPEC` (release binary, jobs 1)\n");
    let Some(binary) = process::find_binary() else {
        println!("skipped: no release binary; build it with `cargo build --release`");
        return Ok(Vec::new());
    };
    let time = process::gnu_time();
    let io = |e: std::io::Error| e.to_string();
    let mut rows = Vec::new();
    for (cases, files) in specs.iter().filter(|(n, _)| RSS_COUNTS.contains(n)) {
        eprintln!("measuring the peak RSS at {cases} cases");
        let args = run_args(target, files);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let wait4 = match &time {
            Some(time) => Some(process::peak_rss_wait4(time, &binary, &args).map_err(io)?),
            None => None,
        };
        let (polled_kib, polled_elapsed) =
            process::peak_rss_polled(&binary, &args, CHILD_LIMIT).map_err(io)?;
        rows.push(RssRow {
            cases: *cases,
            wait4_kib: wait4.map(|w| w.0),
            polled_kib,
            elapsed: wait4.map_or(polled_elapsed, |w| w.1),
        });
    }
    println!(
        "| cases | peak RSS MiB (`ru_maxrss`, GNU time) | peak RSS MiB (`VmHWM` polled) | wall s | cases/s end to end |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: |");
    for row in &rows {
        let wait4 = row.wait4_kib.map_or("n/a (no GNU time)".to_string(), |k| {
            format!("{:.1}", mib(k))
        });
        println!(
            "| {} | {wait4} | {:.1} | {:.3} | {:.0} |",
            row.cases,
            mib(row.polled_kib),
            row.elapsed.as_secs_f64(),
            row.cases as f64 / row.elapsed.as_secs_f64(),
        );
    }
    if let (Some(small), Some(large)) = (
        rows.iter().find(|r| r.cases == CASES),
        rows.iter().max_by_key(|r| r.cases),
    ) {
        let kib_of = |r: &RssRow| r.peak_kib() as f64;
        let per_case =
            (kib_of(large) - kib_of(small)) * 1024.0 / (large.cases - small.cases) as f64;
        println!(
            "\ngrowth from {} to {} cases: {:+.1} MiB ({per_case:.0} bytes per case)",
            small.cases,
            large.cases,
            (kib_of(large) - kib_of(small)) / 1024.0
        );
    }
    println!("\nbinary: {}", binary.display());
    Ok(rows)
}

pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}
