//! One-time codes shared by the runner and the reference servers: RFC 6238 TOTP.
//!
//! Spec-independent; never prints a secret or a code.

mod totp;

pub use totp::{TotpConfigError, TotpGenerator, now_unix, shift_digits, shift_last_digit};
