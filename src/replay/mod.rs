//! Mutation testing for any spec against any target: record once, mutate offline.
//!
//! A driver around the pipeline like [`crate::mutate`]: it runs a plan once against the
//! target through [`crate::exec`] with an [`crate::exec::ExchangeRecorder`] that keeps
//! every exchange **in memory only** (a recording holds credentials in clear: it is
//! never written anywhere, and never printed), then serves the recording from a
//! loopback wiremock server, unmutated and with one generic login-security operator at
//! a time, and runs the same plan against it. Nothing but the recording run reaches the
//! target. It returns a [`crate::mutate::Matrix`]; [`crate::report`] renders it.

mod json_edit;
mod jwt;
mod key;
mod operators;
mod reads;
mod recording;
mod run;
mod server;
mod variants;

pub use recording::Recording;
pub use run::{RecordFrom, RecordStats, run_replay_matrix};
