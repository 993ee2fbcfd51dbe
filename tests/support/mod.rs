//! Helpers shared by the integration tests: the binary with a fixed clock, fixtures, temp files.
#![allow(dead_code, unused_imports)]

pub mod sim;

pub use sim::{Canned, Sim, SimConfig, SimUser};

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The fixed "current time" every test runs at.
pub const NOW: &str = "2026-11-22T12:00:00+03:00";

/// The real binary with `--now` fixed for `cmd` (a data command), CI unset, colours off.
pub fn iysync(cmd: &str) -> Command {
    iysync_at(cmd, NOW)
}

/// [`iysync`] at another "current time".
pub fn iysync_at(cmd: &str, now: &str) -> Command {
    let mut c = Command::cargo_bin("iysync").unwrap_or_else(|e| panic!("{e}"));
    c.env_remove("CI")
        .env_remove("INSIDER_UCD_TOKEN")
        .env_remove("INSIDER_UNSUBSCRIBE_TOKEN")
        .env_remove("INSIDER_RESUBSCRIBE_TOKEN")
        .env_remove("INSIDER_PARTNER_NAME")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG")
        .env("NO_COLOR", "1")
        .arg(cmd)
        .args(["--now", now]);
    c
}

/// `iysync sync` aimed at `sim` with all three tokens and the partner `MyBrand`, waits scaled
/// down (`IYSYNC_TEST_TIME_SCALE`), no progress bar, and its ledger and rejects file at the paths
/// given; the caller adds the inputs and any other flag.
pub fn sync_to(sim: &Sim, state: &Path, rejects: &Path) -> Command {
    let mut c = iysync("sync");
    c.env("INSIDER_UCD_TOKEN", "ucd-token")
        .env("INSIDER_UNSUBSCRIBE_TOKEN", "unsubscribe-token")
        .env("INSIDER_RESUBSCRIBE_TOKEN", "resubscribe-token")
        .env("IYSYNC_TEST_TIME_SCALE", "0.01")
        .env("INSIDER_PARTNER_NAME", "MyBrand")
        .arg("--no-progress")
        .arg("--unification-url")
        .arg(sim.base_url())
        .arg("--contact-url")
        .arg(sim.base_url())
        .arg("--state")
        .arg(state)
        .arg("--rejects")
        .arg(rejects);
    c
}

/// The binary with no arguments added.
pub fn bare() -> Command {
    let mut c = Command::cargo_bin("iysync").unwrap_or_else(|e| panic!("{e}"));
    c.env_remove("CI")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG");
    c
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
}

pub fn write(dir: &Path, name: &str, data: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap_or_else(|e| panic!("{e}"));
    p
}

pub fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

pub fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(bytes)))
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(data).unwrap_or_else(|e| panic!("{e}"));
    gz.finish().unwrap_or_else(|e| panic!("{e}"))
}

/// Every recipient of a consent file as written (first field, unquoted and trimmed) and, for
/// phone numbers, their digits: the strings redaction must never let through.
pub fn recipients_of(data: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in data.lines() {
        let first = line
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches('"')
            .trim();
        if first.len() < 5 {
            continue;
        }
        out.push(first.to_string());
        if !first.contains('@') {
            let digits: String = first.chars().filter(|c| c.is_ascii_digit()).collect();
            out.push(digits.clone());
            if digits.len() == 10 {
                out.push(format!("90{digits}"));
            }
            if let Some(rest) = digits.strip_prefix('0') {
                out.push(format!("9{digits}"));
                out.push(rest.to_string());
            }
        } else {
            out.push(first.to_ascii_lowercase());
        }
    }
    out
}
