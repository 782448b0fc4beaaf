//! `last_incremental_run.log`: one timestamp, the end of GenreUpdater's last
//! incremental run. Every release wrote `datetime.now(UTC).isoformat()`
//! (`2025-11-02T10:00:00.123456+00:00`); older readers also took
//! `2025-11-02 10:00:00` and `2025-11-02`, zone-less meaning UTC, so those
//! are read too. A bare number is not a timestamp here: GenreUpdater never
//! wrote one, and a file holding `1979` is not a run.

use crate::import::fields;

/// Unix ms of the timestamp `s`, when it is one.
pub fn parse(s: &str) -> Option<u64> {
    let s = s.trim();
    let b = s.as_bytes();
    let dated =
        b.len() >= 10 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[7] == b'-';
    if !dated {
        return None;
    }
    if b.len() == 10 {
        return fields::timestamp_ms(&format!("{s}T00:00:00")).ok();
    }
    fields::timestamp_ms(s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_genreupdater_read_or_wrote() {
        // 2025-11-02T10:00:00Z
        let base = 1_762_077_600_000;
        assert_eq!(parse("2025-11-02T10:00:00.123456+00:00"), Some(base + 123));
        assert_eq!(parse("2025-11-02T12:00:00+02:00\n"), Some(base));
        assert_eq!(parse("2025-11-02 10:00:00"), Some(base));
        assert_eq!(parse("2025-11-02"), Some(base - 36_000_000));
        for not in [
            "1979",
            "1762077600",
            "",
            "yesterday",
            "2025-13-02",
            "2025-11-02T99:00",
        ] {
            assert_eq!(parse(not), None, "{not:?}");
        }
    }
}
