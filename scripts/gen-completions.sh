#!/usr/bin/env bash
# Regenerates completions/ from the CLI definition. tests/cli.rs fails when they drift.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
bin=target/debug/iysync
"$bin" completions bash > completions/iysync.bash
"$bin" completions zsh > completions/_iysync
"$bin" completions fish > completions/iysync.fish
"$bin" completions powershell > completions/_iysync.ps1
"$bin" completions elvish > completions/iysync.elv
"$bin" man > completions/iysync.1
for c in validate convert upsert unsubscribe resubscribe sync ledger completions; do
    "$bin" man "$c" > "completions/iysync-$c.1"
done
