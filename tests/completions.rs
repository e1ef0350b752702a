//! `conform completions SHELL` prints a script that knows every subcommand.

use std::process::Command;

const SUBCOMMANDS: &[&str] = &[
    "run",
    "lint",
    "list",
    "mock",
    "mutate",
    "schema",
    "completions",
];

#[test]
fn every_shell_script_mentions_the_subcommands() {
    for shell in ["bash", "zsh", "fish"] {
        let out = Command::new(env!("CARGO_BIN_EXE_conform"))
            .args(["completions", shell])
            .output()
            .expect("run conform");
        assert!(out.status.success(), "conform completions {shell}: {out:?}");
        let script = String::from_utf8(out.stdout).expect("UTF-8 script");
        assert!(
            script.contains("conform"),
            "{shell}: no `conform` in the script"
        );
        for sub in SUBCOMMANDS {
            assert!(
                script.contains(sub),
                "{shell}: the script does not mention `{sub}`"
            );
        }
    }
}

#[test]
fn an_unknown_shell_is_an_invocation_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_conform"))
        .args(["completions", "tcsh"])
        .output()
        .expect("run conform");
    assert_eq!(out.status.code(), Some(2));
}
