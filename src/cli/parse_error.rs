//! Flag errors in our terms: clap's "to pass '--format' as a value, use '-- --format'"
//! tip misleads (no subcommand takes values that start with `-`), so it is replaced by
//! a did-you-mean over the subcommand's own flags, or a pointer to its `--help`.

use clap::CommandFactory;
use clap::builder::StyledStr;
use clap::error::{ContextKind, ContextValue, ErrorKind};

use super::Cli;

/// Rewrites clap's tips on an unknown flag; other errors pass unchanged. `args` are the
/// process arguments, to find the subcommand whose flags to suggest from.
pub fn tidy_parse_error(mut err: clap::Error, args: &[String]) -> clap::Error {
    if err.kind() != ErrorKind::UnknownArgument || err.get(ContextKind::SuggestedArg).is_some() {
        return err;
    }
    let Some(ContextValue::String(invalid)) = err.get(ContextKind::InvalidArg).cloned() else {
        return err;
    };
    // Clap's other tip ("'conform run --x' exists") is kept; only the `--` one goes.
    let kept: Vec<StyledStr> = match err.remove(ContextKind::Suggested) {
        Some(ContextValue::StyledStrs(tips)) => tips
            .into_iter()
            .filter(|t| !t.to_string().contains("as a value, use"))
            .collect(),
        _ => Vec::new(),
    };
    let cmd = Cli::command();
    let sub = args
        .iter()
        .skip(1)
        .find_map(|a| cmd.find_subcommand(a.as_str()));
    let (name, flags): (String, Vec<String>) = match sub {
        Some(sub) => (
            format!("conform {}", sub.get_name()),
            sub.get_arguments()
                .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
                .collect(),
        ),
        None => ("conform".to_string(), Vec::new()),
    };
    let flag = invalid.split('=').next().unwrap_or(&invalid);
    match did_you_mean_flag(flag, flags.iter().map(String::as_str)) {
        Some(similar) => {
            err.insert(ContextKind::SuggestedArg, ContextValue::String(similar));
        }
        None => {
            let mut tips = kept;
            if tips.is_empty() {
                tips.push(StyledStr::from(format!(
                    "`{name}` has no `{flag}`; `{name} --help` lists its flags"
                )));
            }
            err.insert(ContextKind::Suggested, ContextValue::StyledStrs(tips));
        }
    }
    err
}

/// The flag among `flags` closest to `flag`, when one is close (a typo or two).
fn did_you_mean_flag<'a>(flag: &str, flags: impl Iterator<Item = &'a str>) -> Option<String> {
    flags
        .map(|f| (strsim::levenshtein(flag, f), f))
        .filter(|(d, f)| *d <= (f.len().max(flag.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, f)| f.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn render(args: &[&str]) -> String {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let err = Cli::try_parse_from(&args).unwrap_err();
        tidy_parse_error(err, &args).render().to_string()
    }

    #[test]
    fn an_unknown_flag_gets_no_dash_dash_tip() {
        let text = render(&["conform", "run", "--format", "json"]);
        assert!(!text.contains("-- --format"), "{text}");
        assert!(
            text.contains(
                "tip: `conform run` has no `--format`; `conform run --help` lists its flags"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_close_flag_is_suggested() {
        let text = render(&["conform", "run", "--filtre", "x"]);
        assert!(
            text.contains("a similar argument exists: '--filter'"),
            "{text}"
        );
        let text = render(&["conform", "run", "--jbos", "2"]);
        assert!(text.contains("'--jobs'"), "{text}");
        assert!(!text.contains("as a value"), "{text}");
    }
}
