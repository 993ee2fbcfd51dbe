//! Consent safety: the resolved output of `convert` equals a plain reference model, whatever the
//! written forms, the split over files and the order (SPEC §2).

mod support;

use std::collections::HashMap;

use proptest::prelude::*;
use support::*;

/// One generated row: key index, channel, written form, permission, timestamp index, and whether
/// it is a broken-but-readable RET row (an impossible date) instead of a valid one.
#[derive(Debug, Clone)]
struct Gen {
    key: u8,
    sms: bool,
    form: u8,
    ret: bool,
    ts: u8,
    broken_ret: bool,
}

const TIMES: [&str; 4] = [
    "10.05.2025 10:00:00",
    "11.05.2025 10:00:00",
    "11.05.2025 10:00:00",
    "12.05.2025 10:00:00",
];
const CANONICAL_TIMES: [&str; 4] = [
    "10.05.2025 10:00:00",
    "11.05.2025 10:00:00",
    "11.05.2025 10:00:00",
    "12.05.2025 10:00:00",
];

fn recipient(g: &Gen) -> (String, String) {
    if g.sms {
        let digits = format!("53212345{:02}", g.key);
        let written = match g.form % 4 {
            0 => format!("90{digits}"),
            1 => format!(
                "0{} {} {} {}",
                &digits[0..3],
                &digits[3..6],
                &digits[6..8],
                &digits[8..10]
            ),
            2 => format!("+90 {digits}"),
            _ => format!("({}) {}-{}", &digits[0..3], &digits[3..6], &digits[6..10]),
        };
        (format!("90{digits}"), written)
    } else {
        let canonical = format!("user{}@example.com", g.key);
        let written = match g.form % 3 {
            0 => canonical.clone(),
            1 => canonical.to_uppercase(),
            _ => format!(" {canonical} "),
        };
        (canonical, written)
    }
}

fn line(g: &Gen, id: usize) -> String {
    let (_, written) = recipient(g);
    if g.broken_ret {
        return format!("{written};p{id};RET;31.02.2025 10:00:00");
    }
    let perm = match (g.ret, g.form % 2) {
        (true, 0) => "RET",
        (true, _) => "ret",
        (false, 0) => "ONAY",
        (false, _) => "Onay",
    };
    format!("{written};p{id};{perm};{}", TIMES[g.ts as usize])
}

/// The reference model: latest wins, ties to RET, then the last in input order; a broken RET
/// (undated) withholds a key whose winner is ONAY.
fn model(rows: &[(usize, Gen)]) -> (Vec<String>, Vec<String>) {
    let mut winner: HashMap<(bool, String), (usize, &Gen)> = HashMap::new();
    let mut held: HashMap<(bool, String), bool> = HashMap::new();
    for (order, (id, g)) in rows.iter().enumerate() {
        let _ = id;
        let key = (g.sms, recipient(g).0);
        if g.broken_ret {
            held.insert(key, true);
            continue;
        }
        let ts = CANONICAL_TIMES[g.ts as usize];
        let replace = match winner.get(&key) {
            None => true,
            Some((_, w)) => {
                let wts = CANONICAL_TIMES[w.ts as usize];
                ts > wts || (ts == wts && (g.ret || !w.ret))
            }
        };
        if replace {
            winner.insert(key, (order, g));
        }
    }
    let mut winners: Vec<(usize, &Gen)> = winner
        .iter()
        .filter(|(k, (_, w))| w.ret || !held.contains_key(*k))
        .map(|(_, v)| *v)
        .collect();
    winners.sort_by_key(|(order, _)| *order);
    let mut email = Vec::new();
    let mut sms = Vec::new();
    for (order, g) in winners {
        let id = rows[order].0;
        let perm = if g.ret { "RET" } else { "ONAY" };
        let l = format!(
            "{};p{id};{perm};{}",
            recipient(g).0,
            CANONICAL_TIMES[g.ts as usize]
        );
        if g.sms { sms.push(l) } else { email.push(l) }
    }
    (email, sms)
}

fn gen_row() -> impl Strategy<Value = Gen> {
    (
        0u8..6,
        any::<bool>(),
        0u8..4,
        any::<bool>(),
        0u8..4,
        prop::bool::weighted(0.08),
    )
        .prop_map(|(key, sms, form, ret, ts, broken_ret)| Gen {
            key,
            sms,
            form,
            ret,
            ts,
            broken_ret,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn convert_equals_the_reference_model(
        rows in proptest::collection::vec(gen_row(), 1..60),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..3),
        jobs in 1usize..3,
    ) {
        let dir = tempdir();
        // Give every row an id (its platform), then split the rows over up to four files.
        let rows: Vec<(usize, Gen)> = rows.into_iter().enumerate().collect();
        let mut bounds: Vec<usize> = cuts.iter().map(|c| c.index(rows.len() + 1)).collect();
        bounds.push(0);
        bounds.push(rows.len());
        bounds.sort_unstable();
        bounds.dedup();
        let mut files = Vec::new();
        for (n, w) in bounds.windows(2).enumerate() {
            let text: String = rows[w[0]..w[1]].iter().map(|(id, g)| line(g, *id) + "\n").collect();
            files.push(write(dir.path(), &format!("part{n}.csv"), text));
        }
        let out = dir.path().join("out");
        let mut c = iysync("convert");
        c.args(&files).args(["--to", "netmera", "--jobs", &jobs.to_string(), "--out"]).arg(&out);
        let code = c.output().map(|o| o.status.code()).unwrap_or_default();
        prop_assert!(code == Some(0) || code == Some(1));
        let (email, sms) = model(&rows);
        let got_email: Vec<String> = read(&out.join("email.csv")).lines().map(String::from).collect();
        let got_sms: Vec<String> = read(&out.join("sms.csv")).lines().map(String::from).collect();
        prop_assert_eq!(got_email, email);
        prop_assert_eq!(got_sms, sms);
    }
}

#[test]
fn a_ret_latest_recipient_is_never_opted_in_whatever_the_file_order() {
    let dir = tempdir();
    let a = write(
        dir.path(),
        "a.csv",
        "user@example.com;web;RET;12.05.2025 10:00:00\n",
    );
    let b = write(
        dir.path(),
        "b.csv",
        "USER@example.com;web;ONAY;11.05.2025 10:00:00\nuser@example.com;web;ONAY;12.05.2025 10:00:00\n",
    );
    for order in [[&a, &b], [&b, &a]] {
        let out = dir
            .path()
            .join(format!("out-{}", order[0].display().to_string().len()));
        let _ = std::fs::remove_dir_all(&out);
        iysync("convert")
            .args(order)
            .args(["--to", "insider", "--out"])
            .arg(&out)
            .assert()
            .code(0);
        let body = json(&std::fs::read(out.join("upsert-000001.json")).unwrap_or_default());
        assert_eq!(body["users"].as_array().map(Vec::len), Some(1));
        assert_eq!(body["users"][0]["attributes"]["email_optin"], false);
    }
}
