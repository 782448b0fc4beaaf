//! Writes tracks the way GenreUpdater's `fetch_tracks.applescript` prints
//! them (the daemon's `applescript-records` format): fields joined with
//! ASCII 30 and a trailing empty one, records joined with ASCII 29, then
//! osascript's newline; `NO_TRACKS_FOUND` for no tracks.

use time::OffsetDateTime;
use trackcache_protocol::Track;

/// `YYYY-MM-DD HH:MM:SS` (UTC), or empty.
fn date(secs: Option<i64>) -> String {
    secs.and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
        .map(|d| {
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                d.year(),
                u8::from(d.month()),
                d.day(),
                d.hour(),
                d.minute(),
                d.second()
            )
        })
        .unwrap_or_default()
}

/// The script's answer for `tracks`. Only what the script prints survives:
/// the id, names, genre, the two dates, a status, the year and the release
/// year; the script's id is the Persistent ID, or the Track ID number for
/// tracks that have none (as older versions of the script print).
pub fn write_applescript_records(tracks: &[Track]) -> Vec<u8> {
    if tracks.is_empty() {
        return b"NO_TRACKS_FOUND\n".to_vec();
    }
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let records: Vec<String> = tracks
        .iter()
        .map(|t| {
            let id = match (t.id.strip_prefix("track-"), t.track_id) {
                (Some(_), Some(n)) => n.to_string(),
                _ => t.id.clone(),
            };
            let status = if t.media.apple_music {
                "subscription"
            } else if t.media.purchased {
                "purchased"
            } else {
                "local only"
            };
            let release_year = t
                .release_date
                .and_then(|r| OffsetDateTime::from_unix_timestamp(r).ok())
                .map(|d| d.year().to_string())
                .unwrap_or_default();
            [
                id,
                s(&t.name),
                s(&t.artist),
                s(&t.album_artist),
                s(&t.album),
                s(&t.genre),
                date(t.date_added),
                date(t.date_modified),
                status.to_owned(),
                t.year.map(|y| y.to_string()).unwrap_or_default(),
                release_year,
                String::new(),
            ]
            .join("\u{1e}")
        })
        .collect();
    format!("{}\n", records.join("\u{1d}")).into_bytes()
}
