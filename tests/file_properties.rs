//! SPEC §8 as a property: line ends and encodings are file-level facts that never change what is
//! read. Random consent rows, split over random files, each written with random line ends
//! (LF/CRLF/CR) and a random encoding (UTF-8, UTF-8 with BOM, UTF-16 LE/BE with BOM), resolve to
//! the same `convert --to netmera` output as the same rows in one plain UTF-8 LF file.

mod support;

use std::path::Path;

use proptest::prelude::*;
use support::{iysync, tempdir};

fn row() -> impl Strategy<Value = String> {
    let recipient = prop_oneof![
        (0..4u8).prop_map(|i| format!("user{i}@example.com")),
        (0..4u8).prop_map(|i| format!("90532123456{i}")),
        (0..2u8).prop_map(|i| format!("0532 123 45 6{i}")),
    ];
    let permission = prop_oneof![Just("ONAY"), Just("RET"), Just("ret"), Just("RED")];
    let day = 1..4u8;
    (recipient, permission, day, any::<bool>()).prop_map(|(r, p, d, id)| {
        let ext = if id { ";ext1" } else { "" };
        format!("{r};web;{p};0{d}.05.2025 10:00:00{ext}")
    })
}

#[derive(Debug, Clone, Copy)]
enum Ends {
    Lf,
    Crlf,
    Cr,
}

#[derive(Debug, Clone, Copy)]
enum Enc {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
}

fn encode(text: &str, enc: Enc) -> Vec<u8> {
    match enc {
        Enc::Utf8 => text.as_bytes().to_vec(),
        Enc::Utf8Bom => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        Enc::Utf16Le | Enc::Utf16Be => {
            let be = matches!(enc, Enc::Utf16Be);
            let mut out = if be {
                vec![0xFE, 0xFF]
            } else {
                vec![0xFF, 0xFE]
            };
            for u in text.encode_utf16() {
                out.extend_from_slice(&if be { u.to_be_bytes() } else { u.to_le_bytes() });
            }
            out
        }
    }
}

fn file() -> impl Strategy<Value = (Ends, Enc, bool)> {
    let ends = prop_oneof![Just(Ends::Lf), Just(Ends::Crlf), Just(Ends::Cr)];
    let enc = prop_oneof![
        Just(Enc::Utf8),
        Just(Enc::Utf8Bom),
        Just(Enc::Utf16Le),
        Just(Enc::Utf16Be)
    ];
    (ends, enc, any::<bool>())
}

/// `convert --to netmera` of `files`: the exit code and the contents of email.csv and sms.csv.
fn netmera(
    files: &[std::path::PathBuf],
    out: &Path,
) -> (Option<i32>, Option<String>, Option<String>) {
    let result = iysync("convert")
        .args(files)
        .args(["--to", "netmera", "--no-progress", "-q", "--out"])
        .arg(out)
        .output()
        .expect("runs");
    let read = |name: &str| std::fs::read_to_string(out.join(name)).ok();
    (result.status.code(), read("email.csv"), read("sms.csv"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn line_ends_and_encodings_never_change_the_resolved_output(
        rows in proptest::collection::vec(row(), 1..40),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..3),
        files in proptest::collection::vec(file(), 4),
    ) {
        let dir = tempdir();
        let plain = dir.path().join("plain.csv");
        std::fs::write(&plain, rows.join("\n") + "\n").expect("write");
        let mut bounds: Vec<usize> = cuts.iter().map(|c| c.index(rows.len() + 1)).collect();
        bounds.extend([0, rows.len()]);
        bounds.sort_unstable();
        let mut paths = Vec::new();
        for (i, w) in bounds.windows(2).enumerate() {
            let (ends, enc, final_end) = files[i];
            let end = match ends {
                Ends::Lf => "\n",
                Ends::Crlf => "\r\n",
                Ends::Cr => "\r",
            };
            let mut text = rows[w[0]..w[1]].join(end);
            if final_end && w[1] > w[0] {
                text.push_str(end);
            }
            let p = dir.path().join(format!("part{i}.csv"));
            std::fs::write(&p, encode(&text, enc)).expect("write");
            paths.push(p);
        }
        let expected = netmera(&[plain], &dir.path().join("expected"));
        let got = netmera(&paths, &dir.path().join("got"));
        prop_assert_eq!(got, expected);
    }
}
