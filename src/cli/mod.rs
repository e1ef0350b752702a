//! Command-line definitions and the glue from flags to the library.

mod args;
mod inputs;
mod meta_cmd;
mod mock_cmd;
mod mutate_cmd;
mod notices;
mod outputs;
mod parse_error;
mod report_cmd;
mod run_cmd;

pub use args::Cli;
pub use parse_error::tidy_parse_error;

use std::process::ExitCode;

use args::Command;

/// Exit code: every case passed.
pub const EXIT_OK: u8 = 0;
/// Exit code: at least one case failed.
pub const EXIT_FAILED: u8 = 1;
/// Exit code: invalid invocation, spec or profile.
pub const EXIT_INVALID: u8 = 2;

/// Runs the chosen subcommand.
pub fn dispatch(cli: Cli) -> ExitCode {
    inputs::set_color_choice(cli.color);
    let code = match cli.command {
        Command::Run(args) => run_cmd::run(*args),
        Command::Lint(args) => run_cmd::lint(args),
        Command::List(args) => run_cmd::list(args),
        Command::Mock(args) => mock_cmd::mock(args),
        Command::Mutate(args) => mutate_cmd::mutate(args),
        Command::Schema(args) => meta_cmd::schema(args),
        Command::Completions(args) => meta_cmd::completions(args),
        Command::Report(args::ReportCommand::Merge(args)) => report_cmd::merge(args),
    };
    ExitCode::from(code)
}
