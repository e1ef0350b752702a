//! Masking secrets in everything conform writes: passwords, keys, TOTP secrets, codes,
//! captured and issued credentials, and every value derived from them become `***`.
//!
//! A secret is found however it travels: in any letter case, percent-encoded (either case
//! of hex, every character or only some), as HTML or XML character references, with JSON
//! `\u` escapes, form-encoded, and inside base64 (a Basic `user:pass`, a JWT claim) at any
//! alignment. Text is searched as written and as decoded, and matches found in the
//! decoded text are mapped back to the bytes that encode them, so what is replaced is
//! exactly the encoded secret. Building the matcher takes time linear in the secrets'
//! total length.

mod base64_cores;
mod detector;
mod forms;
mod masker;
mod view;

pub use detector::detector_for;
pub use forms::swap_case;
pub use masker::{MASK, MIN_LEARNT_CHARS, Masker};
