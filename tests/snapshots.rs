//! Snapshots of whole outputs (insta): every format of `validate`, and the summaries of `convert`
//! and the upload commands. `--now` is fixed; times, rates, temporary paths and the simulator's
//! port are filtered. Review a change with `cargo insta review` (or `INSTA_UPDATE=always`).

mod support;

use std::path::Path;

use support::*;

/// Filters for what changes from run to run.
fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("snapshots");
    s.set_prepend_module_to_snapshot(false);
    for (pattern, replacement) in [
        (
            r"\d+(\.\d+)? s, \d+(\.\d+)? rows/s",
            "[TIME] s, [RATE] rows/s",
        ),
        (
            r#""elapsed_seconds":[0-9.e-]+"#,
            r#""elapsed_seconds":[TIME]"#,
        ),
        (
            r#""rows_per_second":[0-9.e-]+"#,
            r#""rows_per_second":[RATE]"#,
        ),
        (r#"time="[0-9.]+""#, r#"time="[TIME]""#),
        (r"127\.0\.0\.1:\d+", "[SIM]"),
        (r"/tmp/\.tmp[A-Za-z0-9]+", "[TMP]"),
    ] {
        s.add_filter(pattern, replacement);
    }
    s
}

/// `validate` of the messy fixture in `format`, run from the project directory so that file
/// names are relative: (stdout, stderr).
fn validate(format: &str) -> (String, String) {
    let out = iysync("validate")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["--no-progress", "--format", format, "fixtures/messy.csv"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn validate_text() {
    let (stdout, stderr) = validate("text");
    assert_eq!(stdout, "", "text goes to stderr");
    settings().bind(|| insta::assert_snapshot!("validate_text", stderr));
}

#[test]
fn validate_machine_formats() {
    for format in ["json", "jsonl", "github", "junit"] {
        let (stdout, stderr) = validate(format);
        settings().bind(|| {
            insta::assert_snapshot!(format!("validate_{format}"), stdout);
            insta::assert_snapshot!(format!("validate_{format}_stderr"), stderr);
        });
    }
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn convert_summaries() {
    let dir = tempdir();
    for to in ["netmera", "insider"] {
        let out = iysync("convert")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["--no-progress", "--to", to, "fixtures/messy.csv", "--out"])
            .arg(dir.path().join(to))
            .assert()
            .code(1)
            .get_output()
            .clone();
        let stderr = stderr_of(&out).replace(&dir.path().display().to_string(), "[OUT]");
        settings().bind(|| insta::assert_snapshot!(format!("convert_{to}"), stderr));
    }
}

fn upload(cmd: &str, sim: &Sim, dir: &Path, extra: &[&str]) -> (String, String) {
    let (var, token) = match cmd {
        "upsert" => ("INSIDER_UCD_TOKEN", "ucd-token"),
        "unsubscribe" => ("INSIDER_UNSUBSCRIBE_TOKEN", "unsubscribe-token"),
        _ => ("INSIDER_RESUBSCRIBE_TOKEN", "resubscribe-token"),
    };
    let out = iysync(cmd)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env(var, token)
        .env("INSIDER_PARTNER_NAME", "mybrand")
        .args(["--no-progress", "fixtures/messy.csv"])
        .arg("--unification-url")
        .arg(sim.base_url())
        .arg("--contact-url")
        .arg(sim.base_url())
        .arg("--journal")
        .arg(dir.join(format!("{cmd}.journal")))
        .arg("--rejects")
        .arg(dir.join(format!("{cmd}-rejects.csv")))
        .args(extra)
        .assert()
        .code(1)
        .get_output()
        .clone();
    let shown = |b: &[u8]| String::from_utf8_lossy(b).replace(&dir.display().to_string(), "[OUT]");
    (shown(&out.stdout), shown(&out.stderr))
}

#[test]
fn upload_summaries() {
    let sim = Sim::start(SimConfig {
        partner: "mybrand".into(),
        ..SimConfig::default()
    });
    let dir = tempdir();
    for cmd in ["upsert", "unsubscribe", "resubscribe"] {
        let (stdout, stderr) = upload(cmd, &sim, dir.path(), &[]);
        settings().bind(|| {
            insta::assert_snapshot!(format!("{cmd}_stdout"), stdout);
            insta::assert_snapshot!(format!("{cmd}_stderr"), stderr);
        });
    }
    let (stdout, stderr) = upload("upsert", &sim, dir.path(), &["--dry-run", "--force"]);
    settings().bind(|| {
        insta::assert_snapshot!("upsert_dry_run_stdout", stdout);
        insta::assert_snapshot!("upsert_dry_run_stderr", stderr);
    });
}
