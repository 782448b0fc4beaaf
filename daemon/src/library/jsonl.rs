//! JSON Lines libraries: one JSON object per track per line.
//!
//! Field names are those of [`Track`]. Lines are read into [`TrackLine`], an
//! input-only struct, rather than into `Track` itself: the input is looser
//! (dates as numbers or RFC 3339 strings, `track_id` standing in for `id`)
//! and the protocol types must stay free of JSON-only serde attributes, since
//! they are also bincode-encoded, which cannot use `deserialize_any`.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use trackcache_protocol::{MediaFlags, Track};

use super::{LibraryError, LibraryFormat, ParsedLibrary, Position};

/// One line as written; every field optional, unknown fields ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TrackLine {
    id: Option<String>,
    track_id: Option<u64>,
    name: Option<String>,
    artist: Option<String>,
    album_artist: Option<String>,
    album: Option<String>,
    genre: Option<String>,
    composer: Option<String>,
    year: Option<i32>,
    #[serde(deserialize_with = "date")]
    release_date: Option<i64>,
    #[serde(deserialize_with = "date")]
    date_added: Option<i64>,
    #[serde(deserialize_with = "date")]
    date_modified: Option<i64>,
    track_number: Option<u32>,
    track_count: Option<u32>,
    disc_number: Option<u32>,
    disc_count: Option<u32>,
    duration_ms: Option<u64>,
    size: Option<u64>,
    location: Option<String>,
    track_type: Option<String>,
    kind: Option<String>,
    /// `MediaFlags` is `#[serde(default)]`, so missing flags are false.
    media: Option<MediaFlags>,
    play_count: Option<u32>,
    #[serde(deserialize_with = "date")]
    play_date: Option<i64>,
    skip_count: Option<u32>,
    rating: Option<u8>,
}

impl TrackLine {
    /// The track, or `None` when the line has neither `id` nor `track_id`.
    fn into_track(self) -> Option<Track> {
        let id = match (self.id.filter(|id| !id.is_empty()), self.track_id) {
            (Some(id), _) => id,
            (None, Some(n)) => format!("track-{n}"),
            (None, None) => return None,
        };
        Some(Track {
            id,
            track_id: self.track_id,
            name: self.name,
            artist: self.artist,
            album_artist: self.album_artist,
            album: self.album,
            genre: self.genre,
            composer: self.composer,
            year: self.year,
            release_date: self.release_date,
            date_added: self.date_added,
            date_modified: self.date_modified,
            track_number: self.track_number,
            track_count: self.track_count,
            disc_number: self.disc_number,
            disc_count: self.disc_count,
            duration_ms: self.duration_ms,
            size: self.size,
            location: self.location,
            track_type: self.track_type,
            kind: self.kind,
            media: self.media.unwrap_or_default(),
            play_count: self.play_count,
            play_date: self.play_date,
            skip_count: self.skip_count,
            rating: self.rating,
        })
    }
}

/// A date given as integer Unix seconds or as an RFC 3339 string.
fn date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    struct DateVisitor;

    impl Visitor<'_> for DateVisitor {
        type Value = Option<i64>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a date: integer Unix seconds or an RFC 3339 string")
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            i64::try_from(v)
                .map(Some)
                .map_err(|_| E::custom("date out of range"))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            OffsetDateTime::parse(v, &Rfc3339)
                .map(|t| Some(t.unix_timestamp()))
                .map_err(|e| E::custom(format!("{v:?} is not an RFC 3339 date ({e})")))
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }

    // `deserialize_any` is fine here: this struct is only ever read from JSON.
    deserializer.deserialize_any(DateVisitor)
}

/// Parses a whole JSON Lines library.
pub(super) fn parse(input: &[u8]) -> Result<ParsedLibrary, LibraryError> {
    let body = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let base = input.len() - body.len();
    let mut tracks = Vec::new();
    let mut start = 0;
    let mut line_no = 0u64;
    while start < body.len() {
        line_no += 1;
        let (line, next, ended) = match body[start..].iter().position(|&b| b == b'\n') {
            Some(n) => (&body[start..start + n], start + n + 1, true),
            None => (&body[start..], body.len(), false),
        };
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if !line.iter().all(u8::is_ascii_whitespace) {
            let at = base + start;
            tracks.push(parse_line(line, input, at, line_no, ended)?);
        }
        start = next;
    }
    Ok(ParsedLibrary {
        tracks,
        meta: Default::default(),
    })
}

/// Parses line `line_no`, which starts at file offset `at`; `ended` tells
/// whether a newline follows it.
fn parse_line(
    line: &[u8],
    input: &[u8],
    at: usize,
    line_no: u64,
    ended: bool,
) -> Result<Track, LibraryError> {
    let parsed: TrackLine = match serde_json::from_slice(line) {
        Ok(parsed) => parsed,
        Err(e) => {
            // A writer that was cut off leaves a last line with no newline
            // that stops in the middle of the object. (serde_json finds the
            // end of a string before checking its UTF-8, so a cut inside a
            // multi-byte character is an EOF error too.)
            let column = e.column().saturating_sub(1);
            if !ended && e.is_eof() {
                return Err(LibraryError::Truncated {
                    format: LibraryFormat::Jsonl,
                    at: Position::locate(input, input.len()),
                    context: format!(
                        "in the middle of line {line_no} (no closing brace or newline)"
                    ),
                });
            }
            return Err(malformed(input, at + column, line_no, e.to_string()));
        }
    };
    parsed.into_track().ok_or_else(|| LibraryError::Malformed {
        format: LibraryFormat::Jsonl,
        at: Position::locate(input, at),
        track: None,
        reason: format!("line {line_no} has no \"id\" (nor a \"track_id\" to make one from)"),
    })
}

/// A malformed-line error at file offset `at`.
fn malformed(input: &[u8], at: usize, line_no: u64, why: String) -> LibraryError {
    LibraryError::Malformed {
        format: LibraryFormat::Jsonl,
        at: Position::locate(input, at),
        track: None,
        reason: format!("line {line_no} is not a valid track object: {why}"),
    }
}

#[cfg(test)]
mod tests;
