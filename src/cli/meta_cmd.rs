//! `conform schema` and `conform completions`: text for editors and shells, printed to
//! stdout. Nothing is loaded or sent.

use std::io::Write;

use clap::CommandFactory;
use conform::schema::{self, SchemaKind};

use super::args::{Cli, CompletionsArgs, SchemaArgs, SchemaFormat};
use super::{EXIT_FAILED, EXIT_OK};

/// Prints the JSON Schema of the spec, profile or report format, or its Markdown key
/// reference.
pub fn schema(args: SchemaArgs) -> u8 {
    let kind = match args.format {
        SchemaFormat::Spec => SchemaKind::Spec,
        SchemaFormat::Profile => SchemaKind::Profile,
        SchemaFormat::Report => SchemaKind::Report,
    };
    if args.markdown {
        print_stdout(&schema::render_markdown(kind))
    } else {
        print_stdout(&schema::render(kind))
    }
}

/// Prints the completion script of a shell.
pub fn completions(args: CompletionsArgs) -> u8 {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "conform", &mut script);
    print_stdout(&String::from_utf8_lossy(&script))
}

/// Writes to stdout; a closed pipe (`conform schema spec | head`) is not an error worth
/// a panic, but it is not a success either.
fn print_stdout(text: &str) -> u8 {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => EXIT_OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_FAILED,
        Err(e) => {
            eprintln!("error: cannot write to stdout: {e}");
            EXIT_FAILED
        }
    }
}
