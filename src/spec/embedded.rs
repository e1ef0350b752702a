//! The bundled specs, compiled in so `conform run` works from any directory.

use std::path::PathBuf;

use super::load::{LoadedSpec, load_spec_text};
use crate::diagnostic::Diagnostic;

/// The bundled specs: (display name, text), used when there is no `./specs`.
pub const EMBEDDED_SPECS: &[(&str, &str)] = &[
    (
        "specs/cielo24.yaml",
        include_str!("../../specs/cielo24.yaml"),
    ),
    (
        "specs/coldstream.yaml",
        include_str!("../../specs/coldstream.yaml"),
    ),
    (
        "specs/payroll.yaml",
        include_str!("../../specs/payroll.yaml"),
    ),
    (
        "specs/rocketchat.yaml",
        include_str!("../../specs/rocketchat.yaml"),
    ),
    ("specs/txty.yaml", include_str!("../../specs/txty.yaml")),
];

/// Parses the embedded specs.
pub fn load_embedded() -> Result<Vec<LoadedSpec>, Vec<Diagnostic>> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_specs_parse_and_match_the_directory() {
        let specs = load_embedded().map_err(|d| d[0].to_string()).unwrap();
        assert_eq!(specs.len(), 5);
        for (name, text) in EMBEDDED_SPECS {
            let on_disk = std::fs::read_to_string(name).unwrap();
            assert_eq!(&on_disk, text, "{name} is embedded as built");
        }
    }
}
