//! Throughput, start-up time and peak memory of conform against a fast local
//! HTTP/1.1 server, next to a raw reqwest loop over the same server.
//!
//! `cargo build --release && cargo bench --bench throughput` prints markdown tables:
//! cases/s of `run_plan` on a 1000-case generated login spec (current-thread and
//! multi-thread runtime, jobs 1 and 8), the heap a case costs, the start-up time of
//! a 1-case run of the release binary, and its peak RSS at 1 to 10000 cases.
//! Everything goes to 127.0.0.1 only, and every loop has a fixed count.

mod support;

use std::path::PathBuf;
use std::time::Duration;

use conform::plan::Plan;
use conform::profile::{Profile, reference_profile};

use support::alloc::Counting;
use support::binary::{RssRow, mib, rss_section, startup_section};
use support::footprint::{heap_section, masking_section, plan_section};
use support::server::{TaskServer, ThreadServer};
use support::workload::{
    BenchResult, CASES, Flavor, conform_once, load_plan, ms, raw_once, runtime, spec_of, url_of,
    write_specs,
};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Measured runs of each throughput row (after one warm-up run).
const ROUNDS: usize = 7;

/// Sequential cases/s the issue asks for.
const TARGET_CASES_PER_S: f64 = 15_000.0;
/// Start-up of a 1-case run the issue allows.
const TARGET_STARTUP_MS: f64 = 15.0;
/// Peak RSS at 1000 cases the issue allows.
const TARGET_RSS_MIB: f64 = 30.0;

/// The sections, in the order they run; naming some on the command line
/// (`cargo bench --bench throughput -- throughput startup`) runs only those.
const SECTIONS: [&str; 8] = [
    "throughput",
    "heap",
    "masking",
    "plan",
    "startup",
    "rss",
    "staging",
    "replay",
];

fn main() {
    // `cargo bench` passes `--bench`; flags are ignored, words pick sections.
    let picked: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if let Some(unknown) = picked.iter().find(|p| !SECTIONS.contains(&p.as_str())) {
        eprintln!(
            "error: unknown section `{unknown}`; sections: {}",
            SECTIONS.join(", ")
        );
        std::process::exit(2);
    }
    if let Err(e) = bench(&picked) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn bench(picked: &[String]) -> BenchResult<()> {
    let wants = |section: &str| picked.is_empty() || picked.iter().any(|p| p == section);
    let server = ThreadServer::start().map_err(|e| format!("cannot start the server: {e}"))?;
    let target = url_of(server.addr)?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut specs = Vec::new();
    for cases in [1, CASES, 5000, 10000] {
        specs.push((cases, write_specs(dir.path(), cases)?));
    }
    print_machine();

    let mut rows = Vec::new();
    if wants("throughput") {
        rows = throughput_section(spec_of(&specs, CASES), &server)?;
    }
    if wants("heap") {
        heap_section(&specs, &target)?;
    }
    if wants("masking") {
        masking_section();
    }
    if wants("plan") {
        plan_section(&specs)?;
    }
    let mut startup = None;
    if wants("startup") {
        startup = startup_section(spec_of(&specs, 1), &target)?;
    }
    let mut rss = Vec::new();
    if wants("rss") {
        rss = rss_section(&specs, &target)?;
    }
    if wants("staging") {
        support::staging::staging_section()?;
    }
    if wants("replay") {
        replay_section()?;
    }
    targets_section(&rows, startup, &rss);

    let served = server.requests.load(std::sync::atomic::Ordering::Relaxed);
    server
        .stop()
        .map_err(|e| format!("server thread failed: {e}"))?;
    println!("\nrequests answered by the thread server: {served}");
    Ok(())
}

// ---------------------------------------------------------------- throughput

/// Who sends the requests.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Client {
    /// `run_plan` with a counting sink, awaited by `block_on`.
    Conform,
    /// The conform run with the reference profile (4 secrets to mask).
    ConformSecrets,
    /// The raw reqwest loop, awaited by `block_on`.
    Raw,
    /// The raw reqwest loop spawned onto a runtime worker (`tokio::spawn`).
    RawSpawned,
}

/// Where the server runs relative to the client.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Placement {
    /// The server on its own thread (its own current-thread runtime).
    OwnThread,
    /// The server spawned onto the client's runtime: same thread on current-thread.
    SameThread,
}

/// One throughput row: who sends, on which runtime, to which server, how many at once.
struct RowSpec {
    client: Client,
    flavor: Flavor,
    placement: Placement,
    jobs: usize,
}

/// A measured throughput row.
struct Row {
    spec: RowSpec,
    /// Wall time of each measured run of `CASES` cases, sorted.
    samples: Vec<Duration>,
}

impl Row {
    fn rate(&self, at: Duration) -> f64 {
        CASES as f64 / at.as_secs_f64()
    }

    fn median(&self) -> Duration {
        self.samples[self.samples.len() / 2]
    }
}

fn row_specs() -> Vec<RowSpec> {
    use Client::*;
    use Flavor::*;
    use Placement::*;
    let row = |client, flavor, placement, jobs| RowSpec {
        client,
        flavor,
        placement,
        jobs,
    };
    vec![
        row(Raw, CurrentThread, OwnThread, 1),
        row(Conform, CurrentThread, OwnThread, 1),
        row(ConformSecrets, CurrentThread, OwnThread, 1),
        row(Raw, CurrentThread, SameThread, 1),
        row(Conform, CurrentThread, SameThread, 1),
        row(Raw, MultiThread, OwnThread, 1),
        row(RawSpawned, MultiThread, OwnThread, 1),
        row(Conform, MultiThread, OwnThread, 1),
        row(Raw, CurrentThread, OwnThread, 8),
        row(Conform, CurrentThread, OwnThread, 8),
        row(Raw, MultiThread, OwnThread, 8),
        row(Conform, MultiThread, OwnThread, 8),
    ]
}

fn throughput_section(spec: &[PathBuf], server: &ThreadServer) -> BenchResult<Vec<Row>> {
    let plain = load_plan(spec, Profile::default())?;
    let with_secrets = load_plan(spec, reference_profile())?;
    let mut rows = Vec::new();
    for spec in row_specs() {
        let plan = if spec.client == Client::ConformSecrets {
            &with_secrets
        } else {
            &plain
        };
        eprintln!("measuring {}", describe(&spec));
        let mut samples = measure_row(&spec, plan, server)?;
        samples.sort();
        rows.push(Row { spec, samples });
    }
    let raw_median = rows[0].median();
    println!(
        "\n## Throughput: {CASES}-case login spec, median of {ROUNDS} runs (after a warm-up)\n"
    );
    println!(
        "| client | runtime | server | jobs | cases/s | µs/case | range cases/s | vs raw (1st row) |"
    );
    println!("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |");
    for row in &rows {
        let median = row.median();
        let (client, runtime, server) = labels(&row.spec);
        println!(
            "| {client} | {runtime} | {server} | {} | {:.0} | {:.1} | {:.0}–{:.0} | {:.2}× |",
            row.spec.jobs,
            row.rate(median),
            median.as_secs_f64() * 1e6 / CASES as f64,
            row.rate(row.samples[row.samples.len() - 1]),
            row.rate(row.samples[0]),
            median.as_secs_f64() / raw_median.as_secs_f64(),
        );
    }
    Ok(rows)
}

fn measure_row(spec: &RowSpec, plan: &Plan, server: &ThreadServer) -> BenchResult<Vec<Duration>> {
    let runtime = runtime(spec.flavor)?;
    runtime.block_on(async {
        let local = match spec.placement {
            Placement::OwnThread => None,
            Placement::SameThread => Some(TaskServer::start().await.map_err(|e| e.to_string())?),
        };
        let target = url_of(local.as_ref().map_or(server.addr, |s| s.addr))?;
        let mut samples = Vec::with_capacity(ROUNDS);
        for round in 0..=ROUNDS {
            let elapsed = match spec.client {
                Client::Conform | Client::ConformSecrets => {
                    conform_once(plan, &target, spec.jobs).await?
                }
                Client::Raw => raw_once(target.clone(), CASES, spec.jobs).await?,
                Client::RawSpawned => tokio::spawn(raw_once(target.clone(), CASES, spec.jobs))
                    .await
                    .map_err(|e| e.to_string())??,
            };
            if round > 0 {
                samples.push(elapsed);
            }
        }
        if let Some(local) = local {
            local.stop().await;
        }
        Ok(samples)
    })
}

fn labels(spec: &RowSpec) -> (&'static str, &'static str, &'static str) {
    let client = match spec.client {
        Client::Conform => "conform run_plan",
        Client::ConformSecrets => "conform run_plan, reference profile",
        Client::Raw => "raw reqwest loop",
        Client::RawSpawned => "raw reqwest loop, tokio::spawn",
    };
    let runtime = match spec.flavor {
        Flavor::CurrentThread => "current-thread",
        Flavor::MultiThread => "multi-thread",
    };
    let server = match spec.placement {
        Placement::OwnThread => "own thread",
        Placement::SameThread => "same thread",
    };
    (client, runtime, server)
}

fn describe(spec: &RowSpec) -> String {
    let (client, runtime, server) = labels(spec);
    format!(
        "{client}, {runtime}, server on {server}, jobs {}",
        spec.jobs
    )
}

// ---------------------------------------------------------------- summary

fn targets_section(rows: &[Row], startup: Option<Duration>, rss: &[RssRow]) {
    println!("\n## Against the targets\n");
    println!("| target | measured | |");
    println!("| --- | --- | --- |");
    let best_sequential = rows
        .iter()
        .filter(|r| r.spec.client == Client::Conform && r.spec.jobs == 1)
        .filter(|r| r.spec.placement == Placement::OwnThread)
        .map(|r| r.rate(r.median()))
        .reduce(f64::max);
    if let Some(best) = best_sequential {
        println!(
            "| ≥ {TARGET_CASES_PER_S:.0} cases/s sequential (`run_plan`, server on its own thread) | {best:.0} cases/s | {} |",
            verdict(best >= TARGET_CASES_PER_S)
        );
    }
    if let Some(at) = rss.iter().find(|r| r.cases == CASES) {
        let rate = at.cases as f64 / at.elapsed.as_secs_f64();
        println!(
            "| ≥ {TARGET_CASES_PER_S:.0} cases/s sequential (release binary end to end, {CASES} cases) | {rate:.0} cases/s | {} |",
            verdict(rate >= TARGET_CASES_PER_S)
        );
    }
    match startup {
        Some(d) => println!(
            "| start-up ≤ {TARGET_STARTUP_MS:.0} ms (1-case `conform run`) | {:.2} ms | {} |",
            ms(d),
            verdict(ms(d) <= TARGET_STARTUP_MS)
        ),
        None => println!(
            "| start-up ≤ {TARGET_STARTUP_MS:.0} ms | not measured (section not run or no release binary) | |"
        ),
    }
    if let Some(at) = rss.iter().find(|r| r.cases == CASES) {
        let peak = mib(at.peak_kib());
        println!(
            "| peak RSS ≤ {TARGET_RSS_MIB:.0} MiB at {CASES} cases | {peak:.1} MiB | {} |",
            verdict(peak <= TARGET_RSS_MIB)
        );
    }
    if let (Some(small), Some(large)) = (
        rss.iter().find(|r| r.cases == CASES),
        rss.iter().max_by_key(|r| r.cases),
    ) {
        let growth = mib(large.peak_kib()) - mib(small.peak_kib());
        // Below 1 MiB over 9000 more cases counts as flat (allocator noise).
        println!(
            "| RSS not growing with the count ({} → {} cases) | {growth:+.1} MiB | {} |",
            small.cases,
            large.cases,
            verdict(growth < 1.0)
        );
    }
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "missed" }
}

fn print_machine() {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("# conform throughput bench\n");
    println!("machine: {cores} cores, CPU {cpu}");
}

/// The whole generic matrix of the rocketchat spec, recorded from the bundled reference
/// (`conform mutate --generic specs/rocketchat.yaml`): wall time and peak RSS of the
/// release binary.
fn replay_section() -> BenchResult<()> {
    println!(
        "\n## `conform mutate --generic specs/rocketchat.yaml` (record once, mutate offline)\n"
    );
    let Some(binary) = support::process::find_binary() else {
        println!("skipped: no release binary; build it with `cargo build --release`");
        return Ok(());
    };
    let spec = format!("{}/specs/rocketchat.yaml", env!("CARGO_MANIFEST_DIR"));
    let args = ["mutate", "--generic", spec.as_str()];
    let io = |e: std::io::Error| e.to_string();
    // The matrix exits 1 (the spec lets some operators survive): time it directly.
    let mut times = Vec::new();
    for _ in 0..6 {
        let started = std::time::Instant::now();
        std::process::Command::new(&binary)
            .args(args)
            .stdout(std::process::Stdio::null())
            .status()
            .map_err(io)?;
        times.push(started.elapsed());
    }
    times.remove(0);
    times.sort();
    let (median, fastest) = (times[times.len() / 2], times[0]);
    let rss = match support::process::gnu_time() {
        Some(time) => {
            let out = tempfile::NamedTempFile::new().map_err(io)?;
            std::process::Command::new(time)
                .args(["-f", "%M", "-o"])
                .arg(out.path())
                .arg(&binary)
                .args(args)
                .stdout(std::process::Stdio::null())
                .status()
                .map_err(io)?;
            let text = std::fs::read_to_string(out.path()).map_err(io)?;
            // GNU time writes "Command exited with non-zero status 1" before the number.
            let kib: f64 = text
                .lines()
                .filter_map(|l| l.trim().parse().ok())
                .next_back()
                .ok_or_else(|| format!("no peak RSS in `{text}`"))?;
            format!("{:.1} MiB", kib / 1024.0)
        }
        None => "n/a (no GNU time)".into(),
    };
    println!("| matrix | wall (median of 5) | fastest | peak RSS |");
    println!("|---|---|---|---|");
    println!(
        "| rocketchat, generic | {:.2} s | {:.2} s | {rss} |",
        median.as_secs_f64(),
        fastest.as_secs_f64()
    );
    Ok(())
}
