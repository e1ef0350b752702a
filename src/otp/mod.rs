//! One-time codes shared by the runner and the reference servers: RFC 6238 TOTP, the
//! clock codes are read from, and the record of windows already used.
//!
//! Spec-independent; never prints, and never stores a secret or a code.

mod clock;
mod totp;
mod window_state;

pub use clock::{Clock, SystemClock};
pub use totp::{
    DIGITS, PERIOD_SECONDS, RFC_MIN_SECRET_BITS, TotpConfigError, TotpGenerator, now_unix,
    shift_digits, shift_last_digit,
};
pub use window_state::{Claim, StateError, WindowStore, default_state_dir};

#[cfg(test)]
pub(crate) use clock::FakeClock;
