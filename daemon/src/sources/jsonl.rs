//! JSON Lines libraries: one JSON object per track per line, read from a
//! reader line by line.
//!
//! Field names are those of [`Track`]. Lines are read into [`TrackLine`], an
//! input-only struct, rather than into `Track` itself: the input is looser
//! (dates as numbers or RFC 3339 strings, `track_id` standing in for `id`)
//! and the protocol types must stay free of JSON-only serde attributes, since
//! they are also bincode-encoded, which cannot use `deserialize_any`.

use std::fmt;
use std::io::{BufRead, BufReader, Read};

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use trackcache_protocol::{MediaFlags, Track};

use super::lines::Lines;
use super::{LibraryError, LibraryFormat, Position};

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

/// Bytes the reader is asked for at a time.
const READ_BUFFER: usize = 64 << 10;

/// Parses a JSON Lines library read from `reader` line by line, handing
/// each track to `sink` in file order. Memory holds one line at a time.
pub(super) fn parse_stream(
    reader: &mut dyn Read,
    sink: &mut dyn FnMut(Track),
) -> Result<(), LibraryError> {
    let mut input = BufReader::with_capacity(READ_BUFFER, reader);
    let mut line = Vec::new();
    // Where `line` starts in the file, and the line breaks before it.
    let mut offset = 0u64;
    let mut lines = Lines::default();
    let mut line_no = 0u64;
    loop {
        line.clear();
        match input.read_until(b'\n', &mut line) {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(source) => {
                return Err(LibraryError::Read {
                    format: LibraryFormat::Jsonl,
                    at: lines.position(offset, &line, line.len()),
                    source,
                })
            }
        }
        line_no += 1;
        let here = Line {
            bytes: &line,
            offset,
            lines,
            number: line_no,
        };
        if let Some(track) = here.parse()? {
            sink(track);
        }
        lines = lines.after(&line);
        offset += line.len() as u64;
    }
}

/// One line of the file as read, with its newline if it has one.
struct Line<'a> {
    bytes: &'a [u8],
    /// File offset of `bytes[0]`.
    offset: u64,
    /// Line breaks before it.
    lines: Lines,
    /// 1-based line number (lines end at LF only; see [`Lines`] for the
    /// line in positions, which counts a lone CR too).
    number: u64,
}

impl Line<'_> {
    /// The track on this line; `None` for a blank line.
    fn parse(&self) -> Result<Option<Track>, LibraryError> {
        // A byte order mark may start the file, and is not part of line 1.
        let start = if self.offset == 0 && self.bytes.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        let ended = self.bytes.last() == Some(&b'\n');
        let text = &self.bytes[start..self.bytes.len() - usize::from(ended)];
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        if text.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        let parsed: TrackLine = match serde_json::from_slice(text) {
            Ok(parsed) => parsed,
            Err(e) => return Err(self.json_error(&e, start, ended)),
        };
        let line_no = self.number;
        match parsed.into_track() {
            Some(track) => Ok(Some(track)),
            None => Err(LibraryError::Malformed {
                format: LibraryFormat::Jsonl,
                at: self.position(start),
                track: None,
                reason: format!(
                    "line {line_no} has no \"id\" (nor a \"track_id\" to make one from)"
                ),
            }),
        }
    }

    /// The error for JSON that does not parse, its text starting at byte
    /// `start` of the line; `ended` tells whether a newline follows it.
    fn json_error(&self, e: &serde_json::Error, start: usize, ended: bool) -> LibraryError {
        let line_no = self.number;
        // A writer that was cut off leaves a last line with no newline that
        // stops in the middle of the object. (serde_json finds the end of a
        // string before checking its UTF-8, so a cut inside a multi-byte
        // character is an EOF error too.)
        if !ended && e.is_eof() {
            return LibraryError::Truncated {
                format: LibraryFormat::Jsonl,
                at: self.position(self.bytes.len()),
                context: format!("in the middle of line {line_no} (no closing brace or newline)"),
            };
        }
        let column = e.column().saturating_sub(1);
        LibraryError::Malformed {
            format: LibraryFormat::Jsonl,
            at: self.position(start + column),
            track: None,
            reason: format!("line {line_no} is not a valid track object: {e}"),
        }
    }

    /// The file position of byte `at` of the line.
    fn position(&self, at: usize) -> Position {
        self.lines.position(self.offset, self.bytes, at)
    }
}

#[cfg(test)]
mod tests;
