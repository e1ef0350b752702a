//! The flags of every subcommand.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Contract conformance harness for login APIs.
#[derive(Debug, Parser)]
#[command(name = "conform", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Colour: `auto` (a terminal, unless NO_COLOR; CLICOLOR_FORCE or FORCE_COLOR
    /// force it), `always` or `never`.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

/// When output is coloured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` says never or `CLICOLOR_FORCE`/`FORCE_COLOR` always.
    #[default]
    Auto,
    /// Always, terminal or not.
    Always,
    /// Never.
    Never,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run specs against a target (the bundled reference when no --target is given).
    Run(Box<RunArgs>),
    /// Check specs (and a profile) without sending anything.
    Lint(LintArgs),
    /// List case ids with their tags and document sections.
    List(LintArgs),
    /// Serve the bundled reference of one API on loopback until Ctrl-C.
    Mock(MockArgs),
    /// Run each spec against every mutant and conformant variant of its API's reference
    /// and print the kill matrix.
    Mutate(MutateArgs),
    /// Print the JSON Schema of the spec or profile format (for editors; the repository
    /// ships them under schema/).
    Schema(SchemaArgs),
    /// Work with JSON reports (`conform report merge`).
    #[command(subcommand)]
    Report(ReportCommand),
    /// Print a shell completion script (e.g. `conform completions bash > ~/.local/share/bash-completion/completions/conform`).
    Completions(CompletionsArgs),
}

/// `conform schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which format: `spec`, `profile` or `report`.
    #[arg(value_enum, value_name = "FORMAT")]
    pub format: SchemaFormat,
    /// Print the key reference in Markdown instead (what docs/ ships).
    #[arg(long)]
    pub markdown: bool,
}

/// The formats `conform schema` describes.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum SchemaFormat {
    /// A spec file.
    Spec,
    /// A profile file.
    Profile,
    /// The JSON report of a run (`--report-json`).
    Report,
}

/// `conform report`.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Join the JSON reports of partitions (`--partition K/N`) into one result, with the
    /// summary line and exit code of a single run.
    Merge(MergeArgs),
}

/// `conform report merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// JSON reports written by `conform run --report-json`.
    #[arg(value_name = "REPORT", required = true)]
    pub reports: Vec<PathBuf>,
    /// Write the merged result as JUnit XML.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write the merged JSON report (`-` for stdout; the summary then goes to stderr).
    #[arg(long, value_name = "FILE")]
    pub report_json: Option<PathBuf>,
    /// Fail when an arm of a branch was exercised by no partition (as `conform run
    /// --require-branches`).
    #[arg(long)]
    pub require_branches: bool,
    /// Fail when any case was skipped (as `conform run --fail-on-skip`).
    #[arg(long)]
    pub fail_on_skip: bool,
    /// GitHub Actions output: annotations per failed case and a job summary appended to
    /// `$GITHUB_STEP_SUMMARY` (on by itself when `GITHUB_ACTIONS=true`).
    #[arg(long)]
    pub github: bool,
}

/// `conform completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// `conform mutate`.
#[derive(Debug, Args)]
pub struct MutateArgs {
    /// Specs, profile and case selection.
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Record the specs once against this server, then mutate the recording offline with
    /// the generic operators (nothing more reaches the server).
    #[arg(long, value_name = "URL", value_parser = TargetParser)]
    pub target: Option<url::Url>,
    /// Timeouts, TLS and the limits of guarded servers, for the recording run.
    #[command(flatten)]
    pub conn: ConnectionArgs,
    /// Without --target: record from the bundled reference and run the generic
    /// operators instead of the reference's hand-written catalog.
    #[arg(long)]
    pub generic: bool,
    /// Reference servers (or replays) run at once.
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub jobs: usize,
    /// Write the matrix as JUnit XML (one testcase per mutant and variant).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<std::path::PathBuf>,
}

/// `conform mock`.
#[derive(Debug, Args)]
pub struct MockArgs {
    /// The API: txty, cielo24, rocketchat, payroll or coldstream.
    #[arg(long, value_name = "NAME", required_unless_present = "list")]
    pub api: Option<String>,
    /// Port to listen on (default: any free port).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDR")]
    pub bind: std::net::IpAddr,
    /// Serve the accounts of this profile (default: the reference profile).
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// Serve a mutant: a variant of the reference that breaks one documented promise.
    #[arg(long, value_name = "ID", conflicts_with = "variant")]
    pub mutant: Option<String>,
    /// Serve a conformant variant: it differs only where the document is silent.
    #[arg(long, value_name = "ID")]
    pub variant: Option<String>,
    /// List the mutants and variants of every API (or of --api) and exit.
    #[arg(long)]
    pub list: bool,
    /// Rate-limit every route per client IP like Rocket.Chat: N calls per DURATION
    /// (e.g. 10/60s), then 429 until the window ends.
    #[arg(long, value_name = "N/DURATION")]
    pub rate_limit: Option<conform::reference::RateLimit>,
    /// Block logins like Rocket.Chat after N failures within DURATION per user, 5×N per
    /// client IP (e.g. 10/5m); correct credentials are refused too while blocked.
    #[arg(long, value_name = "N/DURATION")]
    pub lockout: Option<conform::reference::Lockout>,
    /// Refuse a TOTP code presented again while it is still valid (RFC 6238 §5.2).
    #[arg(long)]
    pub totp_no_reuse: bool,
    /// Delay every answer by this much (e.g. 20ms), to stand in for a real network.
    #[arg(long, value_name = "DURATION")]
    pub latency: Option<humantime::Duration>,
}

/// Which specs and profile to use.
#[derive(Debug, Args)]
pub struct SpecArgs {
    /// Spec files or directories (default: ./specs, else the embedded specs).
    #[arg(value_name = "SPEC_OR_DIR")]
    pub specs: Vec<PathBuf>,
    /// Profile with accounts and vars (default without --target: the reference profile).
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// Only cases whose id contains PATTERN (`*` matches any text); repeatable.
    #[arg(long, value_name = "PATTERN")]
    pub filter: Vec<String>,
    /// Only cases with this tag; `!TAG` excludes a tag; repeatable.
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
}

/// How conform talks to a target: timeouts, TLS, body limit, and the limits of guarded
/// servers. Shared by `conform run` and `conform mutate --target`.
#[derive(Debug, Args)]
pub struct ConnectionArgs {
    /// Default request timeout; a spec's own timeouts win.
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub timeout: humantime::Duration,
    /// Largest response body read (e.g. 512KiB, 4MiB); a larger body fails its case.
    #[arg(long, value_name = "SIZE", default_value = "16MiB", value_parser = parse_size)]
    pub max_body: usize,
    /// Trust the CA certificates in this PEM file (internal staging).
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,
    /// Client certificate chain and key (PEM) for mutual TLS.
    #[arg(long, value_name = "FILE")]
    pub client_cert: Option<PathBuf>,
    /// Do not verify TLS certificates (warns on every run; prefer --cacert).
    #[arg(long)]
    pub insecure: bool,
    /// Never reuse a TOTP window for an account, in this run or an earlier one against
    /// the same target (waits for the next window, and says so). The last window used
    /// per target and account — no code, no secret — is kept in $CONFORM_STATE_DIR, else
    /// $XDG_CACHE_HOME/conform, else ~/.cache/conform.
    #[arg(long)]
    pub fresh_codes: bool,
    /// The most time the run spends waiting for throttling servers (summed over waits);
    /// a case that would need more is inconclusive.
    #[arg(long, value_name = "DURATION", default_value = "5m")]
    pub max_wait: humantime::Duration,
    /// Send at most N requests per DURATION to each target (e.g. 10/60s), so a rate
    /// limiter is never reached.
    #[arg(long, value_name = "N/DURATION")]
    pub rate: Option<conform::exec::Rate>,
    /// Send at most N failed logins per account since its last successful login:
    /// cases that would pass it are preceded by a successful login, or skipped.
    #[arg(long, value_name = "N")]
    pub max_failed_logins: Option<usize>,
}

/// `conform run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Specs, profile and case selection.
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Timeouts, TLS and the limits of guarded servers.
    #[command(flatten)]
    pub conn: ConnectionArgs,
    /// Base URL of the server under test (its path is kept as a prefix).
    #[arg(long, value_name = "URL", value_parser = TargetParser)]
    pub target: Option<url::Url>,
    /// Cases run at once; the steps of one case always run in order.
    #[arg(long, default_value_t = 1, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: u16,
    /// Bound the whole run: at DURATION nothing more is sent, the cases not finished are
    /// reported interrupted, and every report is still written.
    #[arg(long, value_name = "DURATION")]
    pub deadline: Option<humantime::Duration>,
    /// Fail the run (exit 1) when any case is skipped.
    #[arg(long)]
    pub fail_on_skip: bool,
    /// Write a JUnit XML report.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write the whole result as a JSON report (`-` for stdout; the human output then
    /// goes to stderr).
    #[arg(long, value_name = "FILE")]
    pub report_json: Option<PathBuf>,
    /// Run only the K-th of N disjoint, stable shards of the selected cases (e.g. 2/3).
    #[arg(long, value_name = "K/N")]
    pub partition: Option<conform::plan::Partition>,
    /// Show every exchange, not only those of failing cases (secrets stay masked).
    #[arg(short, long)]
    pub verbose: bool,
    /// Compare the snapshots of steps that take one with this directory (keep one
    /// directory per target: the reference's is `snapshots/`).
    #[arg(long, value_name = "DIR")]
    pub snapshots: Option<PathBuf>,
    /// Write new and changed snapshots instead of failing on them.
    #[arg(long, requires = "snapshots")]
    pub update_snapshots: bool,
    /// Fail the run when an arm of a branch was not exercised against the target.
    #[arg(long)]
    pub require_branches: bool,
    /// Delete snapshots no case produces any more.
    #[arg(long, requires = "snapshots")]
    pub prune_snapshots: bool,
    /// Print GitHub Actions annotations and grouped details on stdout and append a job
    /// summary to $GITHUB_STEP_SUMMARY (on by itself when GITHUB_ACTIONS=true).
    #[arg(long)]
    pub github: bool,
    /// Fail the run on security advisories at or above SEVERITY (info, low, medium,
    /// high; `low` when given without one).
    #[arg(long, value_name = "SEVERITY", num_args = 0..=1, default_missing_value = "low")]
    pub deny_advisories: Option<conform::advise::Severity>,
    /// Silence the advisory ID (repeatable), e.g. a documented query-string login.
    #[arg(long = "allow", value_name = "ID", value_parser = advisory_id)]
    pub allow: Vec<String>,
    /// Run the active probe NAME after the cases (repeatable): totp-replay,
    /// no-throttling, timing. Probes send extra logins, failed ones included.
    #[arg(long = "probe", value_name = "NAME", value_parser = probe_name)]
    pub probe: Vec<String>,
    /// Wrong-password logins the no-throttling probe sends.
    #[arg(long, value_name = "N", default_value_t = conform::advise::DEFAULT_PROBE_ATTEMPTS,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1000))]
    pub probe_attempts: usize,
    /// Logins of each kind (unknown user, wrong password) the timing probe sends.
    #[arg(long, value_name = "N", default_value_t = conform::advise::DEFAULT_PROBE_SAMPLES,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(5..=1000))]
    pub probe_samples: usize,
}

/// A probe name conform knows.
fn probe_name(s: &str) -> Result<String, String> {
    let known = conform::advise::PROBES;
    known
        .iter()
        .find(|p| **p == s)
        .map(|p| p.to_string())
        .ok_or_else(|| format!("unknown probe `{s}`; known: {}", known.join(", ")))
}

/// An advisory id conform knows.
fn advisory_id(s: &str) -> Result<String, String> {
    match conform::advise::rule(s) {
        Some(rule) => Ok(rule.id.to_string()),
        None => Err(format!(
            "unknown advisory `{s}`; known: {}",
            conform::advise::RULES
                .iter()
                .map(|r| r.id)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Parses a byte count: a number with an optional `KiB`, `MiB` (or `K`, `M`, `KB`,
/// `MB`, all powers of 1024) or `B` suffix.
fn parse_size(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let scale: usize = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1024,
        "m" | "mb" | "mib" => 1024 * 1024,
        other => return Err(format!("unknown unit `{other}`: use B, KiB or MiB")),
    };
    let count: usize = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a size such as 512KiB or 4MiB"))?;
    match count.checked_mul(scale) {
        Some(0) => Err("the size must be more than 0".into()),
        Some(bytes) => Ok(bytes),
        None => Err(format!("`{text}` is too large")),
    }
}

/// `conform lint` and `conform list`.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Specs, profile and case selection.
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Only the K-th of N disjoint, stable shards of the selected cases (e.g. 2/3).
    #[arg(long, value_name = "K/N")]
    pub partition: Option<conform::plan::Partition>,
}

/// Parses `--target`: an absolute `http` or `https` URL. Anything else is refused before a
/// request is sent, with a message that never repeats a password given in the URL.
#[derive(Clone, Copy, Debug)]
pub struct TargetParser;

impl clap::builder::TypedValueParser for TargetParser {
    type Value = url::Url;

    fn parse_ref(
        &self,
        _cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<url::Url, clap::Error> {
        let text = value
            .to_str()
            .ok_or_else(|| target_error("--target is not valid UTF-8".to_string()))?;
        parse_target(text).map_err(target_error)
    }
}

fn target_error(message: String) -> clap::Error {
    clap::Error::raw(
        clap::error::ErrorKind::ValueValidation,
        format!("{message}\n"),
    )
}

/// Checks a `--target` value; the error is a sentence for the user.
pub fn parse_target(text: &str) -> Result<url::Url, String> {
    let shown = without_password(text);
    match url::Url::parse(text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => Ok(url),
        Ok(url) if matches!(url.scheme(), "http" | "https") => {
            Err(format!("--target `{shown}` has no host"))
        }
        // `localhost:8080` parses as the scheme `localhost`: no `//` means no scheme.
        Ok(_) if !text.contains("://") => Err(missing_scheme(&shown)),
        Ok(url) => Err(format!(
            "--target `{shown}`: the scheme `{}` is not supported; use an http:// or https:// URL",
            url.scheme()
        )),
        Err(url::ParseError::RelativeUrlWithoutBase) => Err(missing_scheme(&shown)),
        Err(e) => Err(format!("--target `{shown}` is not a valid URL: {e}")),
    }
}

fn missing_scheme(shown: &str) -> String {
    format!("--target `{shown}` has no scheme; did you mean `http://{shown}`?")
}

/// The URL text with the password of its userinfo (`user:pass@`) replaced by `***`.
fn without_password(text: &str) -> String {
    let authority_at = text.find("://").map_or(0, |i| i + 3);
    let authority_end = text[authority_at..]
        .find(['/', '?', '#'])
        .map_or(text.len(), |i| authority_at + i);
    let authority = &text[authority_at..authority_end];
    match authority.rfind('@') {
        Some(at) => match authority[..at].find(':') {
            Some(colon) => format!(
                "{}***{}",
                &text[..authority_at + colon + 1],
                &text[authority_at + at..]
            ),
            None => text.to_string(),
        },
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_must_be_http_urls_with_a_host() {
        assert!(parse_target("https://user:pw@staging.example.com/api").is_ok());
        assert!(parse_target("http://127.0.0.1:8080").is_ok());
        assert_eq!(
            parse_target("127.0.0.1:8080").unwrap_err(),
            "--target `127.0.0.1:8080` has no scheme; did you mean `http://127.0.0.1:8080`?"
        );
        assert_eq!(
            parse_target("localhost:8080").unwrap_err(),
            "--target `localhost:8080` has no scheme; did you mean `http://localhost:8080`?"
        );
        assert_eq!(
            parse_target("ftp://u:secret@example.com/x").unwrap_err(),
            "--target `ftp://u:***@example.com/x`: the scheme `ftp` is not supported; use an http:// or https:// URL"
        );
    }

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("512KiB"), Ok(512 * 1024));
        assert_eq!(parse_size("4 MiB"), Ok(4 * 1024 * 1024));
        assert_eq!(parse_size("2m"), Ok(2 * 1024 * 1024));
        assert!(parse_size("0").is_err());
        assert!(parse_size("MiB").is_err());
        assert!(parse_size("4GiB").is_err());
        assert!(parse_size("99999999999999999999MiB").is_err());
    }
}
