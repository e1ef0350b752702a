//! The bundled reference implementation of the five seed login APIs.
//!
//! Lives apart from the runner pipeline: it serves the documented behaviour of each API over
//! HTTP (on wiremock) so the spec suite can check itself, and never reads specs. [`Faults`]
//! switch single promises off to build deliberately broken variants; [`Guards`] add what
//! guarded real servers do (rate limits, failed-login blocks, single-use TOTP codes).

mod accounts;
mod api;
mod catalog;
mod cielo24;
mod coldstream;
mod error;
mod faults;
mod guards;
mod params;
mod payroll;
mod reply;
mod rocketchat;
mod rocketchat_login;
mod server;
mod store;
mod tokens;
mod txty;

#[cfg(test)]
mod tests;

pub use api::Api;
pub use catalog::{Deviation, DeviationKind, catalog, deviations_of, find_deviation};
pub use error::ReferenceError;
pub use faults::{
    AccessTokenField, Cielo24ErrorBody, Cielo24Faults, Cielo24TokenFormat, ColdstreamFaults,
    Faults, MeFault, NoKey, PasswordCheck, PayrollFaults, PayrollMessages, RocketChatFailureBody,
    RocketChatFaults, TxtyFaults, TxtyKeyAlphabet, XmlNaming,
};
pub use guards::{GuardParseError, Guards, LOCKOUT_IP_RATIO, Lockout, RateLimit};
pub use server::{ReferenceServer, ServeOptions, serve};
