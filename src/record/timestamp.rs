//! Consent timestamps: parsing the Netmera form and its common variants, time zones, formatting.

use chrono::{DateTime, LocalResult, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// The zone Netmera and İYS timestamps are written in.
pub const ISTANBUL: Tz = chrono_tz::Europe::Istanbul;

/// Why a timestamp could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimestampError {
    /// Not in any accepted written form.
    Unparsable,
    /// Written correctly but not a calendar date or clock time (`31.02.2025`, `25:00`).
    Impossible,
    /// A local time skipped by a daylight-saving change in the zone.
    Skipped,
}

/// A timestamp read from a row: the instant (Unix seconds) and whether it was written canonically.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parsed {
    pub instant: i64,
    pub canonical: bool,
}

/// The instant İYS starts accepting consents: 2015-05-01 00:00:00 Europe/Istanbul.
pub fn floor() -> i64 {
    match ISTANBUL.with_ymd_and_hms(2015, 5, 1, 0, 0, 0) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.timestamp(),
        // 2015-05-01 00:00 exists in Istanbul (EEST, +03:00); this arm is never taken.
        LocalResult::None => 1_430_427_600,
    }
}

/// A time zone, with the UTC offset of every local day from the İYS floor on (20 years at most)
/// worked out once: a row's instant is then its local time minus its day's offset, instead of a
/// search of the zone's transitions per row. Days with a transition (and days outside the
/// table) are asked of chrono-tz as before.
#[derive(Debug, Clone)]
pub struct Zone {
    tz: Tz,
    /// The local day (days since 1970-01-01) of `offsets[0]`.
    first_day: i64,
    /// Seconds east of UTC for the whole local day, or [`TRANSITION`].
    offsets: std::sync::Arc<[i32]>,
}

/// Marks a local day that is not one offset from start to end.
const TRANSITION: i32 = i32::MIN;

const DAY: i64 = 86_400;

impl Zone {
    /// The zone with its table covering the local days from just before the İYS floor to just
    /// after `now` (at most 20 years).
    pub fn new(tz: Tz, now: i64) -> Zone {
        let first_day = floor().div_euclid(DAY) - 2;
        let last_day = (now.div_euclid(DAY) + 2).clamp(first_day, first_day + 20 * 366);
        let offsets = (first_day..=last_day)
            .map(|day| day_offset(tz, day))
            .collect();
        Zone {
            tz,
            first_day,
            offsets,
        }
    }

    /// The zone's IANA entry (the HTML report shows its times in it).
    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// The instant of a local time. Ambiguous local times (the hour repeated when daylight saving
    /// ends) take the earlier instant.
    fn instant(&self, local: i64) -> Result<i64, TimestampError> {
        let offset = usize::try_from(local.div_euclid(DAY) - self.first_day)
            .ok()
            .and_then(|i| self.offsets.get(i))
            .copied()
            .unwrap_or(TRANSITION);
        if offset != TRANSITION {
            return Ok(local - i64::from(offset));
        }
        let naive = DateTime::<Utc>::from_timestamp(local, 0)
            .ok_or(TimestampError::Impossible)?
            .naive_utc();
        match self.tz.from_local_datetime(&naive) {
            LocalResult::Single(t) => Ok(t.timestamp()),
            LocalResult::Ambiguous(a, b) => Ok(a.timestamp().min(b.timestamp())),
            LocalResult::None => Err(TimestampError::Skipped),
        }
    }
}

/// The offset of a whole local day, read every six hours and at its last second (a day with a
/// transition differs somewhere: no zone changes its offset twice in one day), or [`TRANSITION`].
fn day_offset(tz: Tz, day: i64) -> i32 {
    let start = day * DAY;
    let mut found = None;
    for at in (0..4)
        .map(|q| start + q * 6 * 3600)
        .chain([start + DAY - 1])
    {
        let Some(naive) = DateTime::<Utc>::from_timestamp(at, 0).map(|t| t.naive_utc()) else {
            return TRANSITION;
        };
        let LocalResult::Single(t) = tz.from_local_datetime(&naive) else {
            return TRANSITION;
        };
        let offset = t.offset().fix().local_minus_utc();
        if found.is_some_and(|f| f != offset) {
            return TRANSITION;
        }
        found = Some(offset);
    }
    found.unwrap_or(TRANSITION)
}

/// Parses `dd.MM.yyyy HH:mm:ss` and the accepted variants in `zone`.
pub fn parse(text: &str, zone: &Zone) -> Result<Parsed, TimestampError> {
    let (local, canonical) = parse_local(text)?;
    let instant = zone.instant(local)?;
    Ok(Parsed { instant, canonical })
}

/// The local time written in `text`, as seconds since 1970-01-01 00:00:00 of the same zone.
fn parse_local(text: &str) -> Result<(i64, bool), TimestampError> {
    let b = text.as_bytes();
    // Fast, exact path for the canonical form.
    if b.len() == 19
        && b[2] == b'.'
        && b[5] == b'.'
        && b[10] == b' '
        && b[13] == b':'
        && b[16] == b':'
        && let (Some(d), Some(mo), Some(y), Some(h), Some(mi), Some(s)) = (
            num(&b[0..2]),
            num(&b[3..5]),
            num(&b[6..10]),
            num(&b[11..13]),
            num(&b[14..16]),
            num(&b[17..19]),
        )
    {
        return build(y, mo, d, h, mi, s).map(|t| (t, true));
    }
    parse_variant(text).map(|t| (t, false))
}

/// `d.M.yyyy H:mm[:ss]` or ISO `yyyy-MM-dd[ T]HH:mm[:ss]`.
fn parse_variant(text: &str) -> Result<i64, TimestampError> {
    let (date, time) = text
        .split_once(' ')
        .or_else(|| text.split_once('T'))
        .ok_or(TimestampError::Unparsable)?;
    let time = time.trim_start();
    let (y, mo, d) = if let Some((d, rest)) = date.split_once('.') {
        let (mo, y) = rest.split_once('.').ok_or(TimestampError::Unparsable)?;
        (digits(y, 4, 4)?, digits(mo, 1, 2)?, digits(d, 1, 2)?)
    } else {
        let mut parts = date.split('-');
        let (Some(y), Some(mo), Some(d), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TimestampError::Unparsable);
        };
        (digits(y, 4, 4)?, digits(mo, 2, 2)?, digits(d, 2, 2)?)
    };
    let mut parts = time.split(':');
    let (h, mi, s) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(h), Some(mi), None, None) => (digits(h, 1, 2)?, digits(mi, 2, 2)?, 0),
        (Some(h), Some(mi), Some(s), None) => {
            (digits(h, 1, 2)?, digits(mi, 2, 2)?, digits(s, 2, 2)?)
        }
        _ => return Err(TimestampError::Unparsable),
    };
    build(y, mo, d, h, mi, s)
}

/// A calendar date and clock time as local seconds since 1970-01-01 00:00:00, when both exist
/// (proleptic Gregorian calendar, no leap seconds: what chrono's `NaiveDateTime` accepts).
fn build(y: u32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Result<i64, TimestampError> {
    if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 59
    {
        return Err(TimestampError::Impossible);
    }
    let days = days_from_civil(i64::from(y), i64::from(mo), i64::from(d));
    Ok(days * DAY + i64::from(h * 3600 + mi * 60 + s))
}

fn days_in_month(y: u32, mo: u32) -> u32 {
    match mo {
        2 if y.is_multiple_of(4) && (!y.is_multiple_of(100) || y.is_multiple_of(400)) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn digits(s: &str, min: usize, max: usize) -> Result<u32, TimestampError> {
    if s.len() < min || s.len() > max {
        return Err(TimestampError::Unparsable);
    }
    num(s.as_bytes()).ok_or(TimestampError::Unparsable)
}

fn num(b: &[u8]) -> Option<u32> {
    let mut n = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u32::from(c - b'0');
    }
    Some(n)
}

fn in_istanbul(instant: i64) -> NaiveDateTime {
    let utc = DateTime::<Utc>::from_timestamp(instant, 0).unwrap_or_default();
    utc.with_timezone(&ISTANBUL).naive_local()
}

/// The Netmera form, `dd.MM.yyyy HH:mm:ss`, in Europe/Istanbul local time.
pub fn format_netmera(instant: i64) -> String {
    in_istanbul(instant).format("%d.%m.%Y %H:%M:%S").to_string()
}

/// Istanbul's UTC offset at `instant`, in seconds.
fn istanbul_offset(instant: i64) -> i64 {
    let utc = DateTime::<Utc>::from_timestamp(instant, 0).unwrap_or_default();
    i64::from(
        utc.with_timezone(&ISTANBUL)
            .offset()
            .fix()
            .local_minus_utc(),
    )
}

/// The instant written as Istanbul wall-clock time, in seconds (what a reader of a Netmera file
/// compares).
pub fn written_seconds(instant: i64) -> i64 {
    instant + istanbul_offset(instant)
}

/// The spans `[start, end)` of instants whose Istanbul wall-clock time was already shown by an
/// earlier instant: the hour after a fall-back (since the İYS floor, only 08.11.2015 03:00–04:00
/// was lived twice). Found once by scanning the zone day by day.
fn repeated_spans() -> &'static [(i64, i64)] {
    static SPANS: std::sync::OnceLock<Vec<(i64, i64)>> = std::sync::OnceLock::new();
    SPANS.get_or_init(|| {
        const DAY: i64 = 86_400;
        let mut spans = Vec::new();
        // From the İYS floor to 30 years on: Turkey has kept UTC+3 since 2016.
        let (from, to) = (floor(), floor() + 30 * 365 * DAY);
        let mut day = from;
        while day < to {
            let (before, after) = (istanbul_offset(day), istanbul_offset(day + DAY));
            if after < before {
                // The transition is the first second of the day with the later offset.
                let (mut lo, mut hi) = (day, day + DAY);
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if istanbul_offset(mid) == before {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                spans.push((hi, hi + (before - after)));
            }
            day += DAY;
        }
        spans
    })
}

/// Whether an earlier instant is written with a wall-clock time not earlier than `instant`'s
/// (SPEC §9: a "latest time wins" import of a history file compares written times).
pub fn written_time_repeats(instant: i64) -> bool {
    repeated_spans()
        .iter()
        .any(|&(start, end)| (start..end).contains(&instant))
}

/// RFC 3339 with the Istanbul offset of that date (`2025-05-15T14:23:00+03:00`).
pub fn format_rfc3339(instant: i64) -> String {
    let utc = DateTime::<Utc>::from_timestamp(instant, 0).unwrap_or_default();
    utc.with_timezone(&ISTANBUL)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// Parses `--now` (RFC 3339 with an offset) to Unix seconds.
pub fn parse_now(text: &str) -> Result<i64, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp())
        .map_err(|e| crate::tr!("err-now", value = format!("{text:?}"), why = e))
}

#[cfg(test)]
mod dst_tests {
    use super::*;

    #[test]
    fn the_only_repeated_istanbul_hour_since_the_floor_is_the_2015_fall_back() {
        let start = ISTANBUL
            .with_ymd_and_hms(2015, 11, 8, 3, 0, 0)
            .latest()
            .map(|t| t.timestamp())
            .unwrap_or_default();
        assert_eq!(repeated_spans(), &[(start, start + 3600)]);
        assert!(written_time_repeats(start));
        assert!(written_time_repeats(start + 3599));
        assert!(!written_time_repeats(start + 3600));
        assert!(!written_time_repeats(start - 1));
        // 00:30 UTC is written 03:30, after 01:10 UTC written 03:10.
        let onay = start - 1800;
        let ret = start + 600;
        assert!(onay < ret && written_seconds(onay) > written_seconds(ret));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn zone(tz: Tz) -> Zone {
        Zone::new(
            tz,
            parse_now("2026-11-22T12:00:00+03:00").unwrap_or_default(),
        )
    }

    fn at(text: &str) -> Result<Parsed, TimestampError> {
        parse(text, &zone(ISTANBUL))
    }

    #[test]
    fn the_day_table_agrees_with_chrono_tz_every_half_hour() {
        // Zones with daylight saving (and Istanbul, which dropped it in 2016), from before the
        // floor to after `now`, on every half hour and the seconds around each.
        for tz in [
            ISTANBUL,
            chrono_tz::Europe::London,
            chrono_tz::America::New_York,
            chrono_tz::Australia::Lord_Howe,
        ] {
            let z = zone(tz);
            assert!(z.offsets.iter().any(|&o| o != TRANSITION));
            let start = floor() - 3 * DAY;
            let end = parse_now("2026-11-25T00:00:00+00:00").unwrap_or_default();
            for local in (start..end).step_by(1800).flat_map(|t| [t - 1, t, t + 1]) {
                let Some(naive) = DateTime::<Utc>::from_timestamp(local, 0).map(|t| t.naive_utc())
                else {
                    continue;
                };
                let expected = match tz.from_local_datetime(&naive) {
                    LocalResult::Single(t) => Ok(t.timestamp()),
                    LocalResult::Ambiguous(a, b) => Ok(a.timestamp().min(b.timestamp())),
                    LocalResult::None => Err(TimestampError::Skipped),
                };
                assert_eq!(z.instant(local), expected, "{tz} {naive}");
            }
        }
    }

    #[test]
    fn dates_and_times_exist_exactly_when_chrono_says_so() {
        for y in (0..=2400).chain([9999]) {
            for mo in 0..=13 {
                for d in 0..=32 {
                    let ours = build(y, mo, d, 12, 34, 56);
                    let chrono = NaiveDate::from_ymd_opt(y as i32, mo, d)
                        .and_then(|date| date.and_hms_opt(12, 34, 56))
                        .map(|t| t.and_utc().timestamp())
                        .ok_or(TimestampError::Impossible);
                    assert_eq!(ours, chrono, "{y}-{mo}-{d}");
                }
            }
        }
        for (h, mi, s) in [(23, 59, 59), (24, 0, 0), (0, 60, 0), (0, 0, 60), (0, 0, 0)] {
            let ours = build(2025, 5, 15, h, mi, s);
            let chrono = NaiveDate::from_ymd_opt(2025, 5, 15)
                .and_then(|date| date.and_hms_opt(h, mi, s))
                .map(|t| t.and_utc().timestamp())
                .ok_or(TimestampError::Impossible);
            assert_eq!(ours, chrono, "{h}:{mi}:{s}");
        }
    }

    #[test]
    fn canonical_form_is_canonical() {
        let p = at("15.05.2025 14:23:00").unwrap_or_else(|e| panic!("{e:?}"));
        assert!(p.canonical);
        assert_eq!(format_netmera(p.instant), "15.05.2025 14:23:00");
        assert_eq!(format_rfc3339(p.instant), "2025-05-15T14:23:00+03:00");
    }

    #[test]
    fn one_digit_parts_and_missing_seconds_are_fixed() {
        let expect = at("05.03.2025 09:07:00").map(|p| p.instant);
        for variant in [
            "5.3.2025 9:07:00",
            "5.3.2025 9:07",
            "05.03.2025 09:07",
            "2025-03-05 09:07",
            "2025-03-05T09:07:00",
            "2025-03-05 09:07:00",
        ] {
            let p = at(variant).unwrap_or_else(|e| panic!("{variant}: {e:?}"));
            assert!(!p.canonical, "{variant}");
            assert_eq!(Ok(p.instant), expect, "{variant}");
        }
    }

    #[test]
    fn impossible_dates_are_impossible() {
        assert_eq!(at("31.02.2025 10:00:00"), Err(TimestampError::Impossible));
        assert_eq!(at("15.13.2025 10:00:00"), Err(TimestampError::Impossible));
        assert_eq!(at("15.05.2025 24:00:00"), Err(TimestampError::Impossible));
        assert_eq!(at("15.05.2025 10:60:00"), Err(TimestampError::Impossible));
    }

    #[test]
    fn garbage_is_unparsable() {
        for bad in [
            "",
            "yesterday",
            "15/05/2025 10:00:00",
            "15.05.25 10:00:00",
            "15.05.2025",
            "15.05.2025 10:0",
            "2025-5-15 10:00",
            "15.05.2025 10:00:00:00",
            "１５.05.2025 10:00:00",
        ] {
            assert_eq!(
                at(bad).map(|p| p.instant),
                Err(TimestampError::Unparsable),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn istanbul_had_daylight_saving_before_september_2016() {
        // Winter 2015: +02:00; summer 2015: +03:00; winter 2017: +03:00 all year.
        let winter_2015 = at("15.01.2015 12:00:00").map(|p| p.instant);
        assert_eq!(winter_2015, Ok(1_421_316_000));
        let summer_2015 = at("15.07.2015 12:00:00").map(|p| p.instant);
        assert_eq!(summer_2015, Ok(1_436_950_800));
        let winter_2017 = at("15.01.2017 12:00:00").map(|p| p.instant);
        assert_eq!(winter_2017, Ok(1_484_470_800));
        assert_eq!(format_rfc3339(1_421_316_000), "2015-01-15T12:00:00+02:00");
    }

    #[test]
    fn skipped_local_time_is_reported() {
        // 29 March 2015, 03:00 → 04:00 in Istanbul.
        assert_eq!(at("29.03.2015 03:30:00"), Err(TimestampError::Skipped));
    }

    #[test]
    fn other_zones_shift_the_instant() {
        let utc = parse("15.05.2025 11:23:00", &zone(chrono_tz::UTC)).map(|p| p.instant);
        let ist = at("15.05.2025 14:23:00").map(|p| p.instant);
        assert_eq!(utc, ist);
    }

    #[test]
    fn floor_is_may_first_2015_in_istanbul() {
        assert_eq!(floor(), 1_430_427_600);
    }

    #[test]
    fn now_takes_rfc3339_with_offset() {
        assert_eq!(parse_now("2026-11-22T12:00:00+03:00"), Ok(1_795_338_000));
        assert!(parse_now("2026-11-22 12:00:00").is_err());
    }
}
