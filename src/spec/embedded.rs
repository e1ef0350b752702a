//! The bundled specs, compiled in so `conform run` works from any directory.

use std::path::PathBuf;

use super::load::{LoadedSpec, load_spec_text};
use crate::diagnostic::Diagnostic;

/// The bundled specs: (display name, text).
pub const EMBEDDED_SPECS: &[(&str, &str)] = &[];

/// Parses the embedded specs.
pub fn load_embedded() -> Result<Vec<LoadedSpec>, Vec<Diagnostic>> {
    if EMBEDDED_SPECS.is_empty() {
        return Err(vec![Diagnostic::plain(
            "no specs",
            "no ./specs directory and no embedded specs",
        )]);
    }
    let mut specs = Vec::new();
    let mut errors = Vec::new();
    for (name, text) in EMBEDDED_SPECS {
        match load_spec_text(name, (*text).to_string(), PathBuf::from("specs")) {
            Ok(s) => specs.push(s),
            Err(d) => errors.push(d),
        }
    }
    if errors.is_empty() {
        Ok(specs)
    } else {
        Err(errors)
    }
}
