//! Loading what a command works on — specs, profile, plan — and printing the
//! diagnostics when they are invalid.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use conform::diagnostic::Diagnostic;
use conform::plan::{Plan, PlanOptions, Selection, build_plan};
use conform::profile::{ProcessEnv, Profile, load_profile, reference_profile};
use conform::spec::{LoadedSpec, load_all};

use super::args::{ColorChoice, SpecArgs};

/// The `--color` choice of this process, set once by `dispatch`.
static COLOR: OnceLock<ColorChoice> = OnceLock::new();

/// Records the `--color` choice (the first call wins).
pub fn set_color_choice(choice: ColorChoice) {
    let _ = COLOR.set(choice);
}

/// Whether a stream gets colour: `--color always`/`never` decide; `auto` is never when
/// `NO_COLOR` is set and not empty, always when `CLICOLOR_FORCE` or `FORCE_COLOR` is set
/// and neither empty nor `0`, else only on a terminal.
pub fn decide_color(
    choice: ColorChoice,
    env: impl Fn(&str) -> Option<OsString>,
    terminal: bool,
) -> bool {
    let set = |name: &str| env(name).filter(|v| !v.is_empty());
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if set("NO_COLOR").is_some() => false,
        ColorChoice::Auto
            if ["CLICOLOR_FORCE", "FORCE_COLOR"]
                .iter()
                .any(|n| set(n).is_some_and(|v| v != "0")) =>
        {
            true
        }
        ColorChoice::Auto => terminal,
    }
}

fn process_color(terminal: bool) -> bool {
    let choice = COLOR.get().copied().unwrap_or_default();
    decide_color(choice, |name| std::env::var_os(name), terminal)
}

/// Whether stderr gets colour.
pub fn stderr_color() -> bool {
    process_color(std::io::stderr().is_terminal())
}

/// Whether stdout gets colour.
pub fn stdout_color() -> bool {
    process_color(std::io::stdout().is_terminal())
}

/// The single-threaded runtime every command runs on (a case's steps stay on one
/// thread); `None`, after saying why on stderr, when it cannot start.
pub fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => Some(r),
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            None
        }
    }
}

/// Prints diagnostics to stderr.
pub fn print_diagnostics(diagnostics: &[Diagnostic]) {
    let color = stderr_color();
    let mut err = std::io::stderr().lock();
    for d in diagnostics {
        let _ = write!(err, "{}", d.render(color));
    }
    let errors = diagnostics.len();
    let _ = writeln!(
        err,
        "{errors} error{} found; nothing was sent",
        if errors == 1 { "" } else { "s" }
    );
}

/// Prints a loaded profile's warnings to stderr, one line each with file:line:column:
/// no excerpt, since the line of a TOTP secret holds the secret.
pub fn print_profile_warnings(profile: &Profile) {
    let mut err = std::io::stderr().lock();
    for w in &profile.warnings {
        let _ = writeln!(err, "warning: {w}");
    }
}

/// The specs named on the command line, or the default set.
pub fn load_specs(args: &SpecArgs) -> Result<Vec<LoadedSpec>, Vec<Diagnostic>> {
    let paths: Vec<PathBuf> = if args.specs.is_empty() {
        vec![PathBuf::from("specs")]
    } else {
        args.specs.clone()
    };
    if args.specs.is_empty() && !paths[0].is_dir() {
        return conform::spec::load_embedded();
    }
    load_all(&paths)
}

/// The profile named by --profile; without one, the reference profile when running
/// against the bundled reference, else an empty profile (cases needing accounts skip).
pub fn load_run_profile(args: &SpecArgs, reference: bool) -> Result<Profile, Vec<Diagnostic>> {
    match &args.profile {
        Some(path) => load_profile(path, &ProcessEnv).inspect(print_profile_warnings),
        None if reference => Ok(reference_profile()),
        None => Ok(Profile::default()),
    }
}

/// Loads specs and profile and plans them (the selection is applied by the caller).
/// Errors of every file are collected before giving up.
pub fn prepare(
    args: &SpecArgs,
    reference: bool,
    timeout: Option<Duration>,
) -> Result<Plan, Vec<Diagnostic>> {
    let specs = load_specs(args);
    let profile = load_run_profile(args, reference);
    let (specs, profile) = match (specs, profile) {
        (Ok(s), Ok(p)) => (s, p),
        (s, p) => {
            let mut all = s.err().unwrap_or_default();
            all.extend(p.err().unwrap_or_default());
            return Err(all);
        }
    };
    let mut options = PlanOptions::default();
    if let Some(t) = timeout {
        options.default_timeout = t;
    }
    build_plan(&specs, Arc::new(profile), &options)
}

/// The run settings the connection flags give (TLS, body limit, fresh codes, the limits
/// of guarded servers); the rest are the defaults.
pub fn connection_options(conn: &super::args::ConnectionArgs) -> conform::exec::RunOptions {
    conform::exec::RunOptions {
        fresh_codes: conn.fresh_codes,
        state_dir: conform::otp::default_state_dir(|name| std::env::var_os(name)),
        client: conform::exec::ClientOptions {
            cacert: conn.cacert.clone(),
            client_cert: conn.client_cert.clone(),
            insecure: conn.insecure,
            connect_timeout: None,
        },
        max_wait: conn.max_wait.into(),
        rate: conn.rate,
        max_failed_logins: conn.max_failed_logins,
        max_body: conn.max_body,
        ..conform::exec::RunOptions::default()
    }
}

/// The case selection of --filter and --tag.
pub fn selection(args: &SpecArgs) -> Selection {
    Selection {
        filters: args.filter.clone(),
        tags: args.tags.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let vars: Vec<(String, OsString)> = (vars.iter())
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn colour_follows_the_flag_then_the_environment_then_the_terminal() {
        use ColorChoice::{Always, Auto, Never};
        // (flag, environment, a terminal, coloured)
        type Row = (
            ColorChoice,
            &'static [(&'static str, &'static str)],
            bool,
            bool,
        );
        let table: &[Row] = &[
            (Auto, &[], true, true),
            (Auto, &[], false, false),
            (Auto, &[("NO_COLOR", "1")], true, false),
            (Auto, &[("NO_COLOR", "")], true, true),
            (Auto, &[("CLICOLOR_FORCE", "1")], false, true),
            (Auto, &[("FORCE_COLOR", "3")], false, true),
            (Auto, &[("FORCE_COLOR", "0")], false, false),
            (Auto, &[("CLICOLOR_FORCE", "0")], true, true),
            (Auto, &[("FORCE_COLOR", "")], false, false),
            (
                Auto,
                &[("NO_COLOR", "1"), ("FORCE_COLOR", "1")],
                true,
                false,
            ),
            (Always, &[("NO_COLOR", "1")], false, true),
            (Never, &[("FORCE_COLOR", "1")], true, false),
        ];
        for (choice, vars, terminal, expected) in table {
            assert_eq!(
                decide_color(*choice, with(vars), *terminal),
                *expected,
                "{choice:?} {vars:?} terminal={terminal}"
            );
        }
    }
}
