//! `conform mock`: one reference API on loopback, with the profile's accounts.

use conform::profile::{ProcessEnv, load_profile, reference_profile};
use conform::reference::{Api, Faults, ServeOptions, serve};

use super::args::MockArgs;
use super::inputs::print_diagnostics;
use super::{EXIT_INVALID, EXIT_OK};

/// Requests served between re-mounts of the mocks (wiremock keeps every request).
const RECYCLE_AFTER: u64 = 10_000;

/// `conform mock`.
pub fn mock(args: MockArgs) -> u8 {
    let Some(name) = &args.api else {
        eprintln!("error: --api is required");
        return EXIT_INVALID;
    };
    let Some(api) = Api::parse(name) else {
        eprintln!(
            "error: unknown api `{name}`; the APIs are txty, cielo24, rocketchat, payroll and coldstream"
        );
        return EXIT_INVALID;
    };
    let profile = match &args.profile {
        Some(path) => match load_profile(path, &ProcessEnv) {
            Ok(p) => p,
            Err(d) => {
                print_diagnostics(&d);
                return EXIT_INVALID;
            }
        },
        None => reference_profile(),
    };
    let faults = Faults::default();
    conform::exec::install_crypto_provider();
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
        let options = ServeOptions {
            bind: std::net::SocketAddr::new(args.bind, args.port),
            recycle_after: Some(RECYCLE_AFTER),
            faults,
        };
        let server = match serve(api, &profile, options).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_INVALID;
            }
        };
        println!("{}", server.base_url());
        eprintln!(
            "serving the {api} reference at {} — Ctrl-C to stop",
            server.base_url()
        );
        wait_for_signal().await;
        server.shutdown().await;
        eprintln!("stopped");
        EXIT_OK
    })
}

/// Waits for Ctrl-C or SIGTERM.
async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
