//! The `conform` command: parses flags, calls the library, maps results to exit codes
//! (0 all passed, 1 a case failed, 2 invalid invocation, spec or profile).

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::try_parse().unwrap_or_else(|err| {
        let argv: Vec<String> = std::env::args_os()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        cli::tidy_parse_error(err, &argv).exit()
    });
    cli::dispatch(args)
}
