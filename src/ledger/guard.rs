//! The guard of `iysync sync` (SPEC §11): a plan that would flip (ONAY↔RET) more of the ledger's
//! keys than `--max-changes N|P%` allows sends nothing. A percentage never allows fewer than
//! [`FLOOR`] keys, so that small ledgers can still take ordinary days; an absolute `N` is taken
//! as written. A first sync (empty ledger) flips nothing: every key is new.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;
use crate::i18n::Arg;

/// The least a percentage limit allows.
pub const FLOOR: u64 = 100;

/// `--max-changes`: an absolute number of keys, or a percentage of the ledger's keys (kept in
/// hundredths of a percent, so `2.5%` is exact).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxChanges {
    Keys(u64),
    /// Hundredths of a percent: 1000 = 10%.
    Percent(u32),
}

impl Default for MaxChanges {
    fn default() -> MaxChanges {
        MaxChanges::Percent(1000)
    }
}

impl fmt::Display for MaxChanges {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MaxChanges::Keys(n) => write!(f, "{n}"),
            MaxChanges::Percent(h) if h % 100 == 0 => write!(f, "{}%", h / 100),
            MaxChanges::Percent(h) => {
                let text = format!("{}.{:02}", h / 100, h % 100);
                write!(f, "{}%", text.trim_end_matches('0'))
            }
        }
    }
}

impl FromStr for MaxChanges {
    type Err = String;

    fn from_str(text: &str) -> Result<MaxChanges, String> {
        let bad = || {
            format!(
                "--max-changes {text:?}: write a number of keys (500) or a percentage of the ledger's keys (10%, 2.5%)"
            )
        };
        let text = text.trim();
        if let Some(number) = text.strip_suffix('%') {
            let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
            if whole.is_empty()
                || frac.len() > 2
                || !whole.bytes().all(|b| b.is_ascii_digit())
                || !frac.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(bad());
            }
            let whole: u32 = whole.parse().map_err(|_| bad())?;
            let frac: u32 = if frac.is_empty() {
                0
            } else {
                format!("{frac:0<2}").parse().map_err(|_| bad())?
            };
            let hundredths = whole
                .checked_mul(100)
                .and_then(|w| w.checked_add(frac))
                .ok_or_else(bad)?;
            if hundredths > 10_000 {
                return Err(format!(
                    "--max-changes {text}: a percentage is at most 100%"
                ));
            }
            Ok(MaxChanges::Percent(hundredths))
        } else if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            text.parse().map(MaxChanges::Keys).map_err(|_| bad())
        } else {
            Err(bad())
        }
    }
}

impl MaxChanges {
    /// How many flips a ledger of `ledger_keys` keys allows.
    pub fn allowed(self, ledger_keys: u64) -> u64 {
        match self {
            MaxChanges::Keys(n) => n,
            MaxChanges::Percent(h) => {
                let share = (u128::from(ledger_keys) * u128::from(h) / 10_000) as u64;
                share.max(FLOOR)
            }
        }
    }
}

/// Stops a run whose plan flips more than the limit allows (exit 2, with the counts and the flag
/// to pass). `flips` = the plan's `opt_out` + `opt_in` (new keys and pending changes of earlier
/// runs are not flips of this run).
pub fn check_guard(flips: u64, ledger_keys: u64, limit: MaxChanges) -> Result<(), Error> {
    let allowed = limit.allowed(ledger_keys);
    if flips <= allowed {
        return Ok(());
    }
    // The value to pass is written as the flag takes it (never grouped).
    let lang = crate::i18n::lang();
    let needed = if ledger_keys == 0 {
        flips.to_string()
    } else {
        // The smallest whole percentage that lets this plan through.
        let pct = (u128::from(flips) * 100).div_ceil(u128::from(ledger_keys));
        lang.ta(
            "sync-guard-needed-percent",
            &[
                ("flips", Arg::S(flips.to_string())),
                ("percent", Arg::S(pct.to_string())),
            ],
        )
    };
    Err(Error::Usage(lang.ta(
        "sync-guard",
        &[
            ("flips", Arg::N(flips)),
            ("keys", Arg::N(ledger_keys)),
            ("limit", Arg::S(limit.to_string())),
            ("allowed", Arg::N(allowed)),
            ("needed", Arg::S(needed)),
        ],
    )))
}
