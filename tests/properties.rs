//! Properties of the reader and the judge over generated input.

use iysync::input::{Chunk, ChunkReader, Decoder, Source};
use iysync::pipeline::{Hooks, judge_chunk};
use iysync::record::{Outcome, Rules, timestamp};
use proptest::prelude::*;

const NOW: i64 = 1_795_338_000;

fn rules() -> &'static Rules {
    static RULES: std::sync::LazyLock<Rules> =
        std::sync::LazyLock::new(|| Rules::new(timestamp::ISTANBUL, NOW));
    &RULES
}

fn judge(data: &[u8]) -> Vec<Outcome> {
    let chunk = Chunk {
        file: 0,
        first_line: 1,
        data: data.to_vec(),
        long_line: None,
    };
    // Blank lines are counted, not kept as rows: put them back in their places.
    let judged = judge_chunk(&chunk, rules(), Decoder::utf8(), Hooks::default(), 0);
    let lines = judged.rows.len() + judged.blank as usize;
    let mut out = Vec::with_capacity(lines);
    for row in judged.rows {
        while out.len() + 1 < row.line as usize {
            out.push(Outcome::Blank);
        }
        out.push(row.outcome);
    }
    out.resize(lines, Outcome::Blank);
    out
}

fn line_count(data: &[u8]) -> usize {
    if data.is_empty() {
        return 0;
    }
    let newlines = data.iter().filter(|&&b| b == b'\n').count();
    newlines + usize::from(data.last() != Some(&b'\n'))
}

/// Lines that look like consent rows, with the usual mistakes mixed in.
fn row() -> impl Strategy<Value = String> {
    let recipient = prop_oneof![
        "[a-z]{1,8}@[a-z]{1,8}\\.(com|net|tr)",
        "(0|90|\\+90 )?5[0-9]{2} ?[0-9]{3} ?[0-9]{2} ?[0-9]{2}",
        "[ -~]{0,12}",
    ];
    let perm = prop_oneof!["ONAY", "RET", "onay", "ret", "RED", "[A-Z]{0,4}"];
    let ts = prop_oneof![
        "(0[1-9]|[12][0-9])\\.(0[1-9]|1[0-2])\\.20(1[6-9]|2[0-5]) ([01][0-9]):([0-5][0-9]):([0-5][0-9])",
        "[0-9 .:-]{0,20}",
    ];
    let sep = prop_oneof![Just(";"), Just("; "), Just(";\""), Just("\";")];
    (
        recipient,
        sep.clone(),
        "[a-z]{0,6}",
        sep.clone(),
        perm,
        sep,
        ts,
    )
        .prop_map(|(r, s1, p, s2, pe, s3, t)| format!("{r}{s1}{p}{s2}{pe}{s3}{t}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn arbitrary_bytes_never_panic_and_every_line_counts_once(data in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let outcomes = judge(&data);
        prop_assert_eq!(outcomes.len(), line_count(&data));
        // A line is blank exactly when it holds nothing but white space, and an invalid row
        // always says why.
        let lines: Vec<&[u8]> = data.split(|&b| b == b'\n').take(outcomes.len()).collect();
        for (line, outcome) in lines.iter().zip(&outcomes) {
            let blank = String::from_utf8_lossy(line).trim().is_empty();
            prop_assert_eq!(matches!(outcome, Outcome::Blank), blank, "{:?}", line);
            if let Outcome::Invalid { problems, .. } = outcome {
                prop_assert!(!problems.is_empty(), "{:?}", line);
            }
        }
    }

    #[test]
    fn rows_like_input_count_once(rows in proptest::collection::vec(row(), 0..60)) {
        let data = rows.join("\n");
        let outcomes = judge(data.as_bytes());
        prop_assert_eq!(outcomes.len(), line_count(data.as_bytes()));
    }

    #[test]
    fn an_unbalanced_quote_affects_only_its_own_line(
        rows in proptest::collection::vec(row(), 1..40),
        pick in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
    ) {
        let rows: Vec<String> = rows.into_iter().map(|r| r.replace('"', "")).collect();
        let before = judge(rows.join("\n").as_bytes());
        let i = pick.index(rows.len());
        let mut broken = rows.clone();
        let pos = at.index(broken[i].len() + 1);
        let pos = (0..=pos).rev().find(|p| broken[i].is_char_boundary(*p)).unwrap_or(0);
        broken[i].insert(pos, '"');
        let after = judge(broken.join("\n").as_bytes());
        prop_assert_eq!(before.len(), after.len());
        for (j, (b, a)) in before.iter().zip(after.iter()).enumerate() {
            if j != i {
                prop_assert_eq!(b, a, "line {} changed", j + 1);
            }
        }
    }

    #[test]
    fn chunked_reading_keeps_line_numbers(lines in proptest::collection::vec("[a-z;\"\r]{0,30}", 0..200)) {
        let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let p = dir.path().join("f.csv");
        // A first line with a line feed and a digit: the file is read with LF line ends (a lone CR
        // is then part of its line) and has no header row.
        let data = format!("1\n{}", lines.join("\n"));
        std::fs::write(&p, &data).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut numbers = Vec::new();
        for chunk in ChunkReader::new(vec![Source::file(&p)]) {
            let chunk = chunk.map_err(|e| TestCaseError::fail(e.to_string()))?;
            numbers.extend(chunk.lines().map(|(n, _)| n));
        }
        let expected: Vec<u64> = (1..=line_count(data.as_bytes()) as u64).collect();
        prop_assert_eq!(numbers, expected);
    }
}
