//! The command line itself: completions and man page generated from the one definition.

mod support;

use predicates::prelude::*;
use support::*;

fn generated(args: &[&str]) -> String {
    let out = bare()
        .args(args)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn committed_completions_match_the_cli() {
    for (shell, file) in [
        ("bash", "iysync.bash"),
        ("zsh", "_iysync"),
        ("fish", "iysync.fish"),
        ("powershell", "_iysync.ps1"),
        ("elvish", "iysync.elv"),
    ] {
        let committed = read(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("completions")
                .join(file),
        );
        assert!(
            committed == generated(&["completions", shell]),
            "completions/{file} drifted from the CLI: run scripts/gen-completions.sh"
        );
    }
}

#[test]
fn committed_man_page_matches_the_cli() {
    let committed = read(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("completions")
            .join("iysync.1"),
    );
    assert!(
        committed == generated(&["man"]),
        "completions/iysync.1 drifted: run scripts/gen-completions.sh"
    );
    assert!(committed.contains(".TH iysync"));
}

#[test]
fn every_command_has_a_committed_man_page_with_exit_status_and_environment() {
    for c in [
        "validate",
        "convert",
        "upsert",
        "unsubscribe",
        "resubscribe",
        "sync",
        "ledger",
        "completions",
    ] {
        let name = format!("iysync-{c}.1");
        let committed = read(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("completions")
                .join(&name),
        );
        assert!(
            committed == generated(&["man", c]),
            "completions/{name} drifted: run scripts/gen-completions.sh"
        );
        assert!(committed.contains(&format!(".TH iysync-{c}")), "{name}");
        assert!(committed.contains(".SH \"EXIT STATUS\""), "{name}");
        assert!(committed.contains(".SH ENVIRONMENT"), "{name}");
    }
    let validate = generated(&["man", "validate"]);
    assert!(validate.contains(".SH EXAMPLES") && validate.contains("\\-\\-html"));
    // The top-level page points to pages that exist.
    assert!(
        generated(&["man"]).contains("iysync\\-validate(1)")
            || generated(&["man"]).contains("iysync-validate(1)")
    );
}

#[test]
fn data_commands_help_shows_examples_exit_codes_and_environment() {
    for c in [
        "validate",
        "convert",
        "upsert",
        "unsubscribe",
        "resubscribe",
        "sync",
    ] {
        let help = generated(&[c, "--help"]);
        for part in [
            "Examples:",
            "Input:",
            "Exit status:",
            "Environment:",
            "LC_ALL",
        ] {
            assert!(help.contains(part), "{c} --help lacks {part}");
        }
        assert!(
            help.contains("--html <PATH>") && help.contains("--lang <LANG>"),
            "{c}"
        );
    }
}

#[test]
fn completions_know_the_subcommands() {
    let bash = generated(&["completions", "bash"]);
    for cmd in [
        "validate",
        "convert",
        "upsert",
        "unsubscribe",
        "resubscribe",
    ] {
        assert!(bash.contains(cmd), "{cmd}");
    }
}

#[test]
fn help_and_version() {
    bare()
        .arg("--help")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("validate"));
    bare()
        .arg("--version")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("iysync"));
    bare().args(["completions", "tcsh"]).assert().code(2);
}
