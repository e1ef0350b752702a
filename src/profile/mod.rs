//! Profiles: the accounts and values a target needs, resolved from YAML and the
//! environment. Shared by the runner and the reference servers.

mod account_name;
mod env;
mod keys;
mod model;
mod redact;
mod resolve;

use std::path::Path;
use std::sync::Arc;

pub use account_name::AccountName;
pub use env::{EnvSource, ProcessEnv, expand};
pub use keys::{KEY_SHAPES, KeySet, KeySource, KeySpec, ProfileKey, SetKey};
pub use model::{AccountSpec, ProfileSpec};
pub use redact::secret_ranges;
pub use resolve::{Account, CodeSource, Profile, masked_source, resolve_profile};

use crate::diagnostic::{Diagnostic, SourceFile};
use crate::spec::{MAX_PROFILE_BYTES, read_bounded};

/// The profile of the bundled reference servers, compiled in.
pub const REFERENCE_PROFILE: &str = include_str!("../../fixtures/reference-profile.yaml");

/// Display name of the embedded reference profile.
pub const REFERENCE_PROFILE_NAME: &str = "fixtures/reference-profile.yaml";

/// Reads and resolves a profile file (of at most [`MAX_PROFILE_BYTES`]).
pub fn load_profile(path: &Path, env: &dyn EnvSource) -> Result<Profile, Vec<Diagnostic>> {
    let name = path.display().to_string();
    let text = read_bounded(path, "profile", MAX_PROFILE_BYTES)
        .map_err(|e| vec![e.into_diagnostic(&name, masked_source)])?;
    resolve_profile(&SourceFile::new(name, text), env)
}

/// The reference profile (embedded, so it works from any directory).
pub fn reference_profile() -> Profile {
    let source = SourceFile::new(REFERENCE_PROFILE_NAME, REFERENCE_PROFILE);
    match resolve_profile(&source, &std::collections::HashMap::<String, String>::new()) {
        Ok(p) => p,
        // The embedded file is checked by a unit test; reaching this is a build defect.
        Err(errors) => panic!("embedded reference profile is invalid: {}", errors[0]),
    }
}

/// Shortcut used by `Arc`-holding callers.
pub type SharedProfile = Arc<Profile>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn reference_profile_is_valid() {
        let p = reference_profile();
        assert!(p.account(AccountName::PRIMARY).is_some());
        assert!(matches!(
            p.account(AccountName::TWO_FACTOR)
                .and_then(|a| a.code.as_ref()),
            Some(CodeSource::Totp(_))
        ));
    }

    #[test]
    fn env_filled_vars_are_secrets_unless_public() {
        let src = SourceFile::new(
            "p.yaml",
            "vars:\n  key: ${API_KEY}\n  region: ${REGION}\n  path: /api\npublic_vars: [region]\n",
        );
        let env = HashMap::from([
            ("API_KEY".to_string(), "k-123".to_string()),
            ("REGION".to_string(), "eu-1".to_string()),
        ]);
        let p = resolve_profile(&src, &env).unwrap();
        assert_eq!(p.secret_vars, ["key"]);
        assert_eq!(p.secrets(), ["k-123"]);

        let src = SourceFile::new("p.yaml", "vars:\n  key: x\npublic_vars: [keys]\n");
        let errs = resolve_profile(&src, &env).unwrap_err();
        assert_eq!(errs[0].label, "`keys` is not one of the profile's vars");
        assert_eq!(errs[0].help.as_deref(), Some("did you mean `key`?"));
    }

    #[test]
    fn unknown_key_and_missing_env_are_errors() {
        let src = SourceFile::new("p.yaml", "accounts:\n  primary:\n    usrname: a\n");
        let errs = resolve_profile(&src, &HashMap::new()).unwrap_err();
        assert!(errs[0].label.starts_with("unknown field `usrname`"));
        assert_eq!(errs[0].help.as_deref(), Some("did you mean `username`?"));

        let src = SourceFile::new(
            "p.yaml",
            "accounts:\n  primary:\n    username: a\n    password: ${PW_A}\n  two_factor:\n    password: ${PW_B}\n",
        );
        let errs = resolve_profile(&src, &HashMap::new()).unwrap_err();
        assert_eq!(errs.len(), 2, "all errors of the file at once");
        assert_eq!(errs[1].label, "environment variable `PW_B` is not set");
    }
}
