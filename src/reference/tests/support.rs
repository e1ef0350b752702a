//! Helpers for the loopback tests: starting servers, a client, reading answers.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::Value;

use crate::otp::{TotpGenerator, now_unix};
use crate::profile::{AccountName, CodeSource, Profile, reference_profile};
use crate::reference::accounts::TOTP_SKEW;
use crate::reference::guards::Clock;
use crate::reference::server::serve_with_clock;
use crate::reference::{Api, Faults, Guards, ReferenceServer, ServeOptions, serve};

/// A reference server for the reference profile.
pub(super) async fn start(api: Api) -> ReferenceServer {
    start_with(api, Faults::default()).await
}

/// A reference server with deviations.
pub(super) async fn start_with(api: Api, faults: Faults) -> ReferenceServer {
    start_profile(api, &reference_profile(), faults).await
}

/// A reference server for another profile.
pub(super) async fn start_profile(api: Api, profile: &Profile, faults: Faults) -> ReferenceServer {
    let options = ServeOptions {
        faults,
        ..ServeOptions::default()
    };
    serve(api, profile, options)
        .await
        .expect("reference server starts")
}

/// A clock that moves only when told, from a fixed epoch-millisecond start.
#[derive(Debug)]
pub(super) struct ManualClock(AtomicU64);

/// Where every [`ManualClock`] starts: 2023-11-14T22:13:20Z.
pub(super) const CLOCK_START_MS: u64 = 1_700_000_000_000;

impl ManualClock {
    /// Moves the clock on by `by`.
    pub(super) fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_millis()).expect("a short step");
        self.0.fetch_add(by, Ordering::SeqCst);
    }

    /// The clock's time in epoch milliseconds.
    pub(super) fn now(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> u64 {
        self.now()
    }
}

/// A guarded reference server for the reference profile, its guards on a manual clock.
pub(super) async fn start_guarded(api: Api, guards: Guards) -> (ReferenceServer, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock(AtomicU64::new(CLOCK_START_MS)));
    let options = ServeOptions {
        guards,
        ..ServeOptions::default()
    };
    let server = serve_with_clock(api, &reference_profile(), options, clock.clone())
        .await
        .expect("guarded reference server starts");
    (server, clock)
}

/// A client that never goes through a proxy. reqwest's `rustls-no-provider` build refuses to
/// build any client, plain HTTP included, until a crypto provider is installed.
pub(super) fn client() -> reqwest::Client {
    // Fails only when a provider is already installed, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("plain-HTTP client builds")
}

/// What a test looks at in a response.
#[derive(Debug)]
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) content_type: String,
    pub(super) text: String,
}

impl Answer {
    /// The body as JSON (panics with the text if it is not).
    pub(super) fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

/// Sends a request and reads the whole answer.
pub(super) async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("request reaches the server");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let text = response.text().await.expect("body reads");
    Answer {
        status,
        content_type,
        text,
    }
}

/// The TOTP generator of the reference profile's two-factor account (bob).
pub(super) fn bob_totp() -> TotpGenerator {
    match reference_profile()
        .account(AccountName::TWO_FACTOR)
        .and_then(|a| a.code.clone())
    {
        Some(CodeSource::Totp(generator)) => generator,
        other => panic!("bob has TOTP, got {other:?}"),
    }
}

/// Bob's current code.
pub(super) fn bob_code() -> String {
    bob_totp().current()
}

/// A code certainly wrong for bob now.
pub(super) fn bob_wrong_code() -> String {
    bob_totp().wrong_code(now_unix(), TOTP_SKEW)
}

/// The reference profile's primary password (alice).
pub(super) const ALICE_PASSWORD: &str = "Tr0ub4dor&3-primary";
/// The reference profile's two-factor password (bob).
pub(super) const BOB_PASSWORD: &str = "c0rrect-h0rse-2fa";
/// Alice's secure key (cielo24).
pub(super) const ALICE_KEY: &str = "5f0c3e2a9b7d41c8a6e4d2b0c9f8e7a1";

/// Decodes one base64url JWT part as JSON text (key order kept).
pub(super) fn jwt_part(token: &str, index: usize) -> String {
    use base64::Engine;
    let part = token.split('.').nth(index).expect("JWT part");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .expect("base64url part");
    String::from_utf8(bytes).expect("UTF-8 part")
}
