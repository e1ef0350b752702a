//! `conform mock`: one reference API on loopback, with the profile's accounts.

use conform::profile::{ProcessEnv, load_profile, reference_profile};
use conform::reference::{
    Api, Deviation, DeviationKind, Faults, Guards, ServeOptions, catalog, deviations_of,
    find_deviation, serve,
};

use super::args::MockArgs;
use super::inputs::{print_diagnostics, print_profile_warnings, runtime};
use super::{EXIT_INVALID, EXIT_OK};

/// Requests served between re-mounts of the mocks (wiremock keeps every request).
const RECYCLE_AFTER: u64 = 10_000;

/// `conform mock`.
pub fn mock(args: MockArgs) -> u8 {
    let api = match &args.api {
        Some(name) => match Api::parse(name) {
            Some(api) => Some(api),
            None => {
                eprintln!(
                    "error: unknown api `{name}`; the APIs are txty, cielo24, rocketchat, payroll and coldstream"
                );
                return EXIT_INVALID;
            }
        },
        None => None,
    };
    if args.list {
        list(api);
        return EXIT_OK;
    }
    let Some(api) = api else {
        eprintln!("error: --api is required");
        return EXIT_INVALID;
    };
    let (faults, mut serving) = match chosen_deviation(api, &args) {
        Ok(Some(d)) => (d.faults.clone(), format!("{} {}", d.kind.name(), d.id)),
        Ok(None) => (Faults::default(), "reference".to_string()),
        Err(message) => {
            eprintln!("error: {message}");
            return EXIT_INVALID;
        }
    };
    let guards = Guards {
        rate_limit: args.rate_limit,
        lockout: args.lockout,
        totp_no_reuse: args.totp_no_reuse,
    };
    if !guards.is_off() {
        serving = format!("{serving} ({guards})");
    }
    let profile = match &args.profile {
        Some(path) => match load_profile(path, &ProcessEnv) {
            Ok(p) => {
                print_profile_warnings(&p);
                p
            }
            Err(d) => {
                print_diagnostics(&d);
                return EXIT_INVALID;
            }
        },
        None => reference_profile(),
    };
    conform::exec::install_crypto_provider();
    let Some(runtime) = runtime() else {
        return EXIT_INVALID;
    };
    runtime.block_on(async {
        let options = ServeOptions {
            bind: std::net::SocketAddr::new(args.bind, args.port),
            recycle_after: Some(RECYCLE_AFTER),
            faults,
            guards,
            latency: args.latency.map(Into::into),
        };
        let server = match serve(api, &profile, options).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_INVALID;
            }
        };
        let stop = StopSignal::install();
        println!("{}", server.base_url());
        eprintln!(
            "serving the {api} {serving} at {} — Ctrl-C to stop",
            server.base_url()
        );
        stop.wait().await;
        server.shutdown().await;
        eprintln!("stopped");
        EXIT_OK
    })
}

/// The deviation --mutant or --variant names, if any.
fn chosen_deviation(api: Api, args: &MockArgs) -> Result<Option<Deviation>, String> {
    let (kind, id) = match (&args.mutant, &args.variant) {
        (Some(id), _) => (DeviationKind::Mutant, id),
        (None, Some(id)) => (DeviationKind::Variant, id),
        (None, None) => return Ok(None),
    };
    find_deviation(api, kind, id).map(Some).ok_or_else(|| {
        let known: Vec<&str> = deviations_of(api)
            .iter()
            .filter(|d| d.kind == kind)
            .map(|d| d.id)
            .collect();
        format!(
            "{api} has no {} `{id}`; its {}s are {} (conform mock --list --api {api})",
            kind.name(),
            kind.name(),
            known.join(", ")
        )
    })
}

/// Prints the mutants and variants of `api`, or of every API.
fn list(api: Option<Api>) {
    let all = match api {
        Some(api) => deviations_of(api),
        None => catalog(),
    };
    let width = all
        .iter()
        .map(|d| d.qualified_id().len())
        .max()
        .unwrap_or(0);
    for d in &all {
        println!(
            "{:<7} {:<width$}  {}",
            d.kind.name(),
            d.qualified_id(),
            d.description
        );
    }
}

/// Ctrl-C and SIGTERM, listened for from creation on, so that a signal sent as soon
/// as the base URL is printed is not lost.
struct StopSignal {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
}

impl StopSignal {
    fn install() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Self {
                term: signal(SignalKind::terminate()).ok(),
            }
        }
        #[cfg(not(unix))]
        Self {}
    }

    /// Waits for Ctrl-C or SIGTERM.
    async fn wait(self) {
        #[cfg(unix)]
        if let Some(mut term) = self.term {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
        // Without a SIGTERM listener Ctrl-C still stops; an error here means no signal
        // can arrive, and waiting on is all that is left.
        let _ = tokio::signal::ctrl_c().await;
    }
}
