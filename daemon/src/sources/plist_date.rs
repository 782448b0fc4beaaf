//! The property-list `<date>` format: ISO 8601 in UTC, as Unix seconds.
//!
//! Exports write `YYYY-MM-DDTHH:MM:SSZ`. A big library has several dates per
//! track, so this is a tiny hand-written fixed-format reader (no allocation,
//! no format-description interpreter) and `time` only does the calendar
//! arithmetic. The shorter forms Python's `plistlib` accepts
//! (`YYYY[-MM[-DD[THH[:MM[:SS]]]]]Z`) come almost free, so they are accepted.

use time::{Date, Month};

/// Unix seconds of `text`, or `None` when it is not a plist date.
///
/// Dates before 1970 (Apple's 1904-01-01 "no date" sentinel) give negative
/// seconds; dates after 2038 (the 2040 sentinel) are fine as `i64`.
pub(crate) fn parse_plist_date(text: &str) -> Option<i64> {
    // XML allows whitespace around the date.
    let b = text.as_bytes().trim_ascii();
    let (&b'Z', body) = b.split_last()? else {
        return None;
    };
    let year = digits(body.get(0..4)?)?;
    // Month, day, hour, minute, second, each preceded by its separator; the
    // ones a short form leaves out keep these defaults.
    let mut fields = [1u32, 1, 0, 0, 0];
    let mut rest = &body[4..];
    for (field, sep) in fields.iter_mut().zip([b'-', b'-', b'T', b':', b':']) {
        match rest {
            [] => break,
            [s, a, b, tail @ ..] if *s == sep => {
                *field = digits(&[*a, *b])?;
                rest = tail;
            }
            _ => return None,
        }
    }
    if !rest.is_empty() {
        return None;
    }
    let [month, day, hour, minute, second] = fields;
    unix_seconds(year, month, day, hour, minute, second)
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
            "2020-01-01T00:00:00.5Z",
            "2020-01-01T00:00:00+01:00",
            "20x0-01-01T00:00:00Z",
            "2020-01-01T00:00:0Z",
        ] {
            assert_eq!(parse_plist_date(bad), None, "{bad:?}");
        }
    }
}
