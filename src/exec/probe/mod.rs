//! Active probes (`--probe NAME`): extra logins sent after the cases, derived from the
//! plan, each raising its advisory or saying it found nothing. Never prints: what each
//! came to goes out as a [`RunNotice::Probe`](super::RunNotice::Probe) and in the
//! summary.

mod derive;
mod run;
mod send;
mod throttling;
mod timing;
mod totp_replay;

pub(super) use run::ProbeRun;
