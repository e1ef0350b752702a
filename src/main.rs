//! The `conform` command: parses flags, calls the library, maps results to exit codes
//! (0 all passed, 1 a case failed, 2 invalid invocation, spec or profile).

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    cli::dispatch(args)
}
