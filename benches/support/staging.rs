//! A run against a guarded staging server: the rocketchat spec against the reference
//! with Rocket.Chat's rate limiter on (10 calls per 2 s per route, a short stand-in for
//! the real 10 per minute) and 20 ms of latency on every answer. The wall time is put
//! beside the limiter's lower bound: the busiest route's requests ÷ 10 × 2 s, plus the
//! latency of every request (a sequential run has each on its critical path).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use conform::exec::{RunOptions, run_plan};
use conform::profile::reference_profile;
use conform::reference::{Api, Guards, ServeOptions, serve};
use url::Url;

use super::workload::{BenchResult, CountingSink, Flavor, load_plan, runtime};

const CALLS: u32 = 10;
const WINDOW: Duration = Duration::from_secs(2);
const LATENCY: Duration = Duration::from_millis(20);

/// Prints the staging row.
pub fn staging_section() -> BenchResult<()> {
    println!(
        "\n## Against a rate-limited reference ({CALLS} calls / {}s per route, {} ms latency)\n",
        WINDOW.as_secs(),
        LATENCY.as_millis()
    );
    let spec = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs/rocketchat.yaml");
    let plan = load_plan(&[spec], reference_profile())?;
    let rt = runtime(Flavor::CurrentThread)?;
    rt.block_on(async {
        let guards = Guards {
            rate_limit: Some(
                format!("{CALLS}/{}s", WINDOW.as_secs())
                    .parse()
                    .map_err(|e| format!("{e:?}"))?,
            ),
            ..Guards::default()
        };
        let options = ServeOptions {
            guards,
            latency: Some(LATENCY),
            ..ServeOptions::default()
        };
        let server = serve(Api::RocketChat, &reference_profile(), options)
            .await
            .map_err(|e| e.to_string())?;
        let target = Url::parse(&server.base_url()).map_err(|e| e.to_string())?;
        let mut sink = CountingSink::default();
        let started = Instant::now();
        let summary = run_plan(&plan, &[target], &RunOptions::default(), &mut sink)
            .await
            .map_err(|e| e.to_string())?;
        let wall = started.elapsed();
        let by_route = server.requests_by_route();
        server.shutdown().await;
        if !summary.success() {
            return Err(format!(
                "the run did not pass: {summary:?} {:?}",
                sink.first_problem
            ));
        }
        let total: u64 = by_route.values().sum();
        let busiest = by_route.values().copied().max().unwrap_or(0);
        let windows = busiest as f64 / f64::from(CALLS);
        let bound = WINDOW.mul_f64(windows) + LATENCY * u32::try_from(total).unwrap_or(u32::MAX);
        println!("| requests | busiest route | waits | wall s | bound s | wall / bound |");
        println!("| ---: | ---: | ---: | ---: | ---: | ---: |");
        println!(
            "| {total} | {busiest} | {} | {:.2} | {:.2} | {:.2} |",
            summary.waits,
            wall.as_secs_f64(),
            bound.as_secs_f64(),
            wall.as_secs_f64() / bound.as_secs_f64()
        );
        Ok(())
    })
}
