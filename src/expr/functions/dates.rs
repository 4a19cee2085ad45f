//! Dates (template-functions-date.md): only the epoch conversions, whose output format is
//! fixed. dateTimeAdd, utcNow and addDays format with .NET patterns and stay unevaluated.

use super::{arg, arity, int_arg, invalid, str_arg, unknown_self};
use crate::expr::{Context, EvalError};
use serde_json::Value;

/// Seconds between 0001-01-01 and 1970-01-01, and from 1970-01-01 to the end of 9999:
/// .NET's DateTime range.
const EPOCH_MIN: i64 = -62_135_596_800;
const EPOCH_MAX: i64 = 253_402_300_799;

/// dateTimeFromEpoch(seconds) → `yyyy-MM-ddTHH:mm:ssZ`.
pub(super) fn date_time_from_epoch(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("dateTimeFromEpoch", args, 1, 1)?;
    let secs = int_arg("dateTimeFromEpoch", arg(args, 0))?;
    if !(EPOCH_MIN..=EPOCH_MAX).contains(&secs) {
        return invalid(format!(
            "dateTimeFromEpoch: {secs} is outside the years 1 to 9999"
        ));
    }
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    Ok(Value::String(format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )))
}

/// dateTimeToEpoch(dateTime): whole seconds since 1970-01-01T00:00:00Z. Reads ISO 8601
/// `yyyy-MM-dd[Thh:mm[:ss[.fff]]][Z|±hh:mm]`; other forms .NET might accept are not
/// evaluated.
pub(super) fn date_time_to_epoch(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("dateTimeToEpoch", args, 1, 1)?;
    let text = str_arg("dateTimeToEpoch", arg(args, 0))?;
    iso_seconds(text).map(Value::from).ok_or_else(|| {
        unknown_self(&format!(
            "is not evaluated statically: '{text}' is not an ISO 8601 date-time acrpc reads"
        ))
    })
}

fn iso_seconds(text: &str) -> Option<i64> {
    let (date, rest) = text.split_at_checked(10)?;
    let (y, m, d) = match date.split('-').collect::<Vec<_>>()[..] {
        [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
            (digits(y)?, digits(m)?, digits(d)?)
        }
        _ => return None,
    };
    if y < 1 || !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    let (time, offset) = split_zone(rest.strip_prefix(['T', ' ']).unwrap_or(rest))?;
    let (h, min, s) = if time.is_empty() {
        (0, 0, 0)
    } else {
        clock(time)?
    };
    Some(days_from_civil(y, m, d) * 86_400 + h * 3600 + min * 60 + s - offset)
}

/// `hh:mm[:ss[.fff]]` (fractions dropped: epochs are whole seconds).
fn clock(time: &str) -> Option<(i64, i64, i64)> {
    let whole = time.split_once('.').map_or(time, |(w, _)| w);
    let (h, m, s) = match whole.split(':').collect::<Vec<_>>()[..] {
        [h, m] => (digits(h)?, digits(m)?, 0),
        [h, m, s] => (digits(h)?, digits(m)?, digits(s)?),
        _ => return None,
    };
    (h < 24 && m < 60 && s < 60).then_some((h, m, s))
}

/// A run of ASCII digits as a number.
pub(super) fn digits(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Splits `hh:mm:ss` from its zone: `Z`, `±hh:mm`, or none (taken as UTC, as ARM runs in
/// UTC); returns the offset in seconds.
fn split_zone(time: &str) -> Option<(&str, i64)> {
    if let Some(t) = time.strip_suffix(['Z', 'z']) {
        return Some((t, 0));
    }
    match time.rfind(['+', '-']) {
        Some(i) => {
            let (t, zone) = time.split_at(i);
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let (h, m) = zone.get(1..)?.split_once(':')?;
            // Two digits each (ISO 8601): a longer number must not reach the
            // arithmetic (a fuzz finding: `+333333333333333302:00` overflowed
            // `h * 3600`, evaluated before the range check).
            if h.len() != 2 || m.len() != 2 {
                return None;
            }
            let (h, m) = (digits(h)?, digits(m)?);
            (h <= 14 && m < 60).then(|| (t, sign * (h * 3600 + m * 60)))
        }
        None => Some((time, 0)),
    }
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`] (H. Hinnant's algorithm): the
/// (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}
