//! The property-list `<date>` format: ISO 8601, as Unix seconds.
//!
//! Exports write `YYYY-MM-DDTHH:MM:SSZ`. A big library has several dates per
//! track, so this is a tiny hand-written fixed-format reader (no allocation,
//! no format-description interpreter) and `time` only does the calendar
//! arithmetic. Around that form it accepts what other writers produce and
//! other readers take: the shorter forms Python's `plistlib` accepts
//! (`YYYY[-MM[-DD[THH[:MM[:SS]]]]]Z`), fractional seconds (dropped: the
//! model keeps whole seconds) and a UTC offset instead of `Z` (`+02:00`,
//! `+0200`, `+02`), as migration tools write them.

use time::{Date, Month};

/// Unix seconds of `text`, or `None` when it is not a plist date.
///
/// Dates before 1970 (Apple's 1904-01-01 "no date" sentinel) give negative
/// seconds; dates after 2038 (the 2040 sentinel) are fine as `i64`.
pub(crate) fn parse_plist_date(text: &str) -> Option<i64> {
    // XML allows whitespace around the date.
    let b = text.as_bytes().trim_ascii();
    let (body, offset) = split_zone(b)?;
    let year = digits(body.get(0..4)?)?;
    // Month, day, hour, minute, second, each preceded by its separator; the
    // ones a short form leaves out keep these defaults.
    let mut fields = [1u32, 1, 0, 0, 0];
    let mut rest = &body[4..];
    for (i, (field, sep)) in fields
        .iter_mut()
        .zip([b'-', b'-', b'T', b':', b':'])
        .enumerate()
    {
        match rest {
            [] => break,
            [s, a, b, tail @ ..] if *s == sep || (i == 2 && *s == b't') => {
                *field = digits(&[*a, *b])?;
                rest = tail;
            }
            _ => return None,
        }
    }
    // A fraction only after whole seconds: `.` or `,` and at least a digit.
    if let [b'.' | b',', frac @ ..] = rest {
        if body.len() - rest.len() != 19 || frac.is_empty() || !frac.iter().all(u8::is_ascii_digit)
        {
            return None;
        }
        rest = &[];
    }
    if !rest.is_empty() {
        return None;
    }
    let [month, day, hour, minute, second] = fields;
    Some(unix_seconds(year, month, day, hour, minute, second)? - offset)
}

/// Splits the zone designator off the end: `Z`, or an offset from UTC
/// (`+02:00`, `+0200`, `+02`, or with `-`), returned in seconds.
fn split_zone(b: &[u8]) -> Option<(&[u8], i64)> {
    if let Some((&last, body)) = b.split_last() {
        if last == b'Z' || last == b'z' {
            return Some((body, 0));
        }
    }
    // The sign sits 3, 5 or 6 bytes from the end; never in the date part
    // (`YYYY-MM-DD`), whose dashes are 5 and 8 bytes from its start.
    for len in [6, 5, 3] {
        let Some(at) = b.len().checked_sub(len).filter(|at| *at >= 10) else {
            continue;
        };
        let (body, zone) = b.split_at(at);
        let sign = match zone[0] {
            b'+' => 1,
            b'-' => -1,
            _ => continue,
        };
        let (hours, minutes) = match zone {
            [_, h1, h2, b':', m1, m2] | [_, h1, h2, m1, m2] => {
                (digits(&[*h1, *h2])?, digits(&[*m1, *m2])?)
            }
            [_, h1, h2] => (digits(&[*h1, *h2])?, 0),
            _ => return None,
        };
        if hours > 23 || minutes > 59 {
            return None;
        }
        return Some((body, sign * i64::from(hours * 3_600 + minutes * 60)));
    }
    None
}

/// The value of ASCII decimal digits (at most 4 of them here).
fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &d| {
        d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
    })
}

/// Seconds since 1970-01-01T00:00:00Z, validating every field.
fn unix_seconds(
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
) -> Option<i64> {
    // Julian day number of 1970-01-01.
    const UNIX_EPOCH_JULIAN_DAY: i64 = 2_440_588;
    // 60 allows a leap second, which some writers emit; it counts into the
    // next minute rather than failing the whole library.
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date =
        Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?).ok()?;
    let days = i64::from(date.to_julian_day()) - UNIX_EPOCH_JULIAN_DAY;
    Some(days * 86_400 + i64::from(hour) * 3_600 + i64::from(minute) * 60 + i64::from(second))
}

#[cfg(test)]
mod tests {
    use super::parse_plist_date;

    #[test]
    fn full_dates() {
        assert_eq!(parse_plist_date("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_plist_date("2020-09-09T10:11:28Z"),
            Some(1_599_646_288)
        );
        // Apple's sentinels: before 1970 is negative, after 2038 still fits.
        assert_eq!(
            parse_plist_date("1904-01-01T00:00:00Z"),
            Some(-2_082_844_800)
        );
        assert_eq!(
            parse_plist_date("2040-02-06T04:28:16Z"),
            Some(2_212_115_296)
        );
        assert_eq!(parse_plist_date("2000-02-29T23:59:59Z"), Some(951_868_799));
    }

    #[test]
    fn short_forms_like_plistlib() {
        assert_eq!(parse_plist_date("1970Z"), Some(0));
        assert_eq!(parse_plist_date("1970-01-02Z"), Some(86_400));
        assert_eq!(parse_plist_date("1970-01-01T01Z"), Some(3_600));
        assert_eq!(parse_plist_date("1970-01-01T00:01Z"), Some(60));
        assert_eq!(parse_plist_date(" 1970-01-01T00:00:01Z\n"), Some(1));
    }

    #[test]
    fn fractions_and_offsets_like_migration_tools_write() {
        assert_eq!(parse_plist_date("1970-01-01T00:00:00.000Z"), Some(0));
        assert_eq!(parse_plist_date("1970-01-01T00:00:01.999Z"), Some(1));
        assert_eq!(parse_plist_date("1970-01-01T00:00:01,5Z"), Some(1));
        assert_eq!(
            parse_plist_date("2020-09-09T10:11:28+02:00"),
            Some(1_599_646_288 - 7_200)
        );
        assert_eq!(
            parse_plist_date("2020-09-09T10:11:28-0530"),
            Some(1_599_646_288 + 19_800)
        );
        assert_eq!(
            parse_plist_date("2020-09-09T10:11:28.123456+02"),
            Some(1_599_646_288 - 7_200)
        );
        assert_eq!(
            parse_plist_date("2020-09-09t10:11:28z"),
            Some(1_599_646_288)
        );
    }

    #[test]
    fn rejects_bad_dates() {
        for bad in [
            "",
            "Z",
            "2020-09-09T10:11:28",
            "2020-09-09 10:11:28Z",
            "2020-13-01T00:00:00Z",
            "2021-02-29T00:00:00Z",
            "2020-01-01T24:00:00Z",
            "2020-01-01T00:60:00Z",
            "2020-01-01T00:00:61Z",
            "2020-1-01T00:00:00Z",
            "20x0-01-01T00:00:00Z",
            "2020-01-01T00:00:0Z",
            // A fraction needs whole seconds and digits; an offset needs
            // its hours and minutes in range.
            "2020-01-01T00:00.5Z",
            "2020-01-01T00:00:00.Z",
            "2020-01-01T00:00:00.5xZ",
            "2020-01-01T00:00:00+24:00",
            "2020-01-01T00:00:00+01:60",
            "2020-01-01T00:00:00+1:00",
            "2020-01-01T00:00:00 +01:00",
            "2020-01-01T00:00:00+01:00Z",
        ] {
            assert_eq!(parse_plist_date(bad), None, "{bad:?}");
        }
    }
}
