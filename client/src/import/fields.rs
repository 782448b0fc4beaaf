//! Parsing of single field values shared by the importers: years,
//! confidences and timestamps, each checked against the range the daemon
//! accepts. Errors are the skip reasons reports group by, so they name the
//! problem but never the value (the value goes into the entry's detail).

use time::format_description::well_known::Iso8601;
use time::{OffsetDateTime, PrimitiveDateTime};

/// Skip reason: the year is not a whole number the daemon accepts.
pub(crate) const BAD_YEAR: &str = "year is not a whole number from 1 to 9999";
/// Skip reason: the confidence is not a percentage.
pub(crate) const BAD_CONFIDENCE: &str = "confidence is not a whole number from 0 to 100";
/// Skip reason: the timestamp is in neither form GenreUpdater writes.
pub(crate) const BAD_TIMESTAMP: &str =
    "timestamp is neither Unix seconds nor an ISO-8601 date-time from 1970 to 9999";

/// First second of the year 10000: later timestamps are typos, not dates.
const MAX_UNIX_SECS: f64 = 253_402_300_800.0;

/// A year from `1..=9999` written as a whole number (`" 1979 "` is fine).
pub(crate) fn year(s: &str) -> Result<i32, &'static str> {
    year_from_int(s.trim().parse::<i64>().map_err(|_| BAD_YEAR)?)
}

/// A year already read as a number (JSON).
pub(crate) fn year_from_int(n: i64) -> Result<i32, &'static str> {
    match i32::try_from(n) {
        Ok(y) if (1..=9999).contains(&y) => Ok(y),
        _ => Err(BAD_YEAR),
    }
}

/// A confidence from `0..=100`; empty means 0, which is what GenreUpdater
/// versions without a confidence column implicitly claimed.
pub(crate) fn confidence(s: &str) -> Result<u8, &'static str> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(0);
    }
    match s.parse::<u8>() {
        Ok(c) if c <= 100 => Ok(c),
        _ => Err(BAD_CONFIDENCE),
    }
}

/// Unix milliseconds from a timestamp string: float Unix seconds
/// (`1705314600.123456`, what GenreUpdater writes with `f"{t:.6f}"`) or an
/// ISO-8601 date-time (`2024-01-15T10:30:00`, zone-less meaning UTC, or with
/// `Z` / an offset). A space instead of the `T` is accepted because that is
/// what Python's `str(datetime)` writes.
pub(crate) fn timestamp_ms(s: &str) -> Result<u64, &'static str> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<f64>() {
        return unix_secs_ms(secs);
    }
    let iso = match s.as_bytes().get(10) {
        Some(b' ') => format!("{}T{}", &s[..10], &s[11..]),
        _ => s.to_owned(),
    };
    let at = OffsetDateTime::parse(&iso, &Iso8601::DEFAULT)
        .or_else(|_| PrimitiveDateTime::parse(&iso, &Iso8601::DEFAULT).map(|t| t.assume_utc()))
        .map_err(|_| BAD_TIMESTAMP)?;
    u64::try_from(at.unix_timestamp_nanos() / 1_000_000)
        .ok()
        .filter(|ms| (*ms as f64) < MAX_UNIX_SECS * 1000.0)
        .ok_or(BAD_TIMESTAMP)
}

/// Unix milliseconds from float Unix seconds (JSON numbers).
pub(crate) fn unix_secs_ms(secs: f64) -> Result<u64, &'static str> {
    if secs.is_finite() && (0.0..MAX_UNIX_SECS).contains(&secs) {
        // In range by the check above, so the cast neither saturates nor wraps.
        Ok((secs * 1000.0).round() as u64)
    } else {
        Err(BAD_TIMESTAMP)
    }
}

/// Which entry a skip is about, for a report line: `"Artist" / "Album"`,
/// plus the offending field and value when there is one.
pub(crate) fn describe(artist: &str, album: &str, bad: Option<(&str, &str)>) -> Option<String> {
    let entry = match (artist.trim(), album.trim()) {
        ("", "") => None,
        (artist, album) => Some(format!("{} / {}", short(artist, 40), short(album, 40))),
    };
    let bad = bad.map(|(field, value)| format!("{field} {}", short(value, 40)));
    match (entry, bad) {
        (Some(e), Some(b)) => Some(format!("{e}, {b}")),
        (e, b) => e.or(b),
    }
}

/// A value shortened for a report line: at most `max` characters, with `…`
/// when cut, quoted.
pub(crate) fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        format!("{s:?}")
    } else {
        let cut: String = s.chars().take(max).collect();
        format!("{:?}", format!("{cut}…"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_are_whole_numbers_from_1_to_9999() {
        assert_eq!(year("1979"), Ok(1979));
        assert_eq!(year(" 2001 "), Ok(2001));
        assert_eq!(year("9999"), Ok(9999));
        for bad in ["", "0", "10000", "-5", "1979.0", "19x9", "99999999999"] {
            assert_eq!(year(bad), Err(BAD_YEAR), "{bad:?}");
        }
        assert_eq!(year_from_int(1), Ok(1));
        assert_eq!(year_from_int(i64::MAX), Err(BAD_YEAR));
    }

    #[test]
    fn confidence_is_a_percentage_and_empty_means_zero() {
        assert_eq!(confidence(""), Ok(0));
        assert_eq!(confidence("  "), Ok(0));
        assert_eq!(confidence("95"), Ok(95));
        assert_eq!(confidence("100"), Ok(100));
        for bad in ["101", "-1", "95.5", "high", "256"] {
            assert_eq!(confidence(bad), Err(BAD_CONFIDENCE), "{bad:?}");
        }
    }

    #[test]
    fn float_and_iso_timestamps() {
        // 2024-01-15T10:30:00Z
        let base = 1_705_314_600_000;
        assert_eq!(timestamp_ms("1705314600.123456"), Ok(base + 123));
        assert_eq!(timestamp_ms("1705314600"), Ok(base));
        assert_eq!(timestamp_ms("2024-01-15T10:30:00"), Ok(base));
        assert_eq!(timestamp_ms("2024-01-15 10:30:00"), Ok(base));
        assert_eq!(timestamp_ms("2024-01-15T10:30:00.250"), Ok(base + 250));
        assert_eq!(timestamp_ms("2024-01-15T10:30:00.123456"), Ok(base + 123));
        assert_eq!(timestamp_ms("2024-01-15T10:30:00Z"), Ok(base));
        assert_eq!(timestamp_ms("2024-01-15T12:30:00+02:00"), Ok(base));
        assert_eq!(timestamp_ms("2024-01-15T05:30:00-05:00"), Ok(base));
        for bad in [
            "",
            "yesterday",
            "2024-13-01T00:00:00",
            "2024-01-15T25:00:00",
            "-1",
            "NaN",
            "inf",
            "1e300",
            "1969-12-31T23:59:59",
        ] {
            assert_eq!(timestamp_ms(bad), Err(BAD_TIMESTAMP), "{bad:?}");
        }
    }

    #[test]
    fn short_quotes_and_cuts() {
        assert_eq!(short("19x9", 10), "\"19x9\"");
        assert_eq!(short("abcdef", 3), "\"abc…\"");
    }

    #[test]
    fn describe_names_the_entry_and_the_bad_value() {
        assert_eq!(
            describe("Pink Floyd", "The Wall", Some(("year", "19x9"))).as_deref(),
            Some("\"Pink Floyd\" / \"The Wall\", year \"19x9\"")
        );
        assert_eq!(
            describe("", "The Wall", None).as_deref(),
            Some("\"\" / \"The Wall\"")
        );
        assert_eq!(describe(" ", "", None), None);
        assert_eq!(
            describe("", "", Some(("year", "x"))).as_deref(),
            Some("year \"x\"")
        );
    }
}
