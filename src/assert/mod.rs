//! Stage 4 — assert: pure functions from a response and a check to failures.
//!
//! No I/O, no printing, no state: the exec stage calls these and records results.

mod contains;
mod eval;
mod headers;
mod json_body;
mod json_budget;
mod jwt;
mod jwt_check;
mod jwt_claims;
mod jwt_signature;
mod outcome;
mod path;
mod response;
mod schema;
mod snapshot_text;
mod status;
mod value_tests;
mod xml_view;

pub use eval::{all_pass, eval_check};
pub use json_body::diff;
pub use json_budget::BODY_BYTES_PER_VALUE;
pub use jwt::{DecodedJwt, check_signed, decode as decode_jwt, is_signed_jwt};
pub use jwt_check::{eval_jwt, eval_jwt_at};
pub use outcome::{CheckFailure, Resolve, show};
pub use response::{Response, any_string};
pub use snapshot_text::{REDACTED, render_snapshot};
pub use xml_view::xml_to_value;
