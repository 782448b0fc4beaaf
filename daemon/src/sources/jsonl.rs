//! JSON Lines libraries: one JSON object per track per line, read from a
//! reader line by line.
//!
//! Field names are those of [`Track`]. Lines are read into [`TrackLine`], an
//! input-only struct, rather than into `Track` itself: the input is looser
//! (dates as numbers or RFC 3339 strings, `track_id` standing in for `id`)
//! and the protocol types must stay free of JSON-only serde attributes, since
//! they are also bincode-encoded, which cannot use `deserialize_any`.

mod loose;

use std::io::{BufRead, BufReader, Read};

use memchr::{memchr, memchr2};
use serde::Deserialize;
use trackcache_protocol::{MediaFlags, Track};

use self::loose::{Date, Loose};
use super::lines::Lines;
use super::{LibraryError, LibraryFormat, Limits, Position, Warnings};

/// One line as written; every field optional, unknown fields ignored, and
/// a value of the wrong kind kept aside ([`Loose::Bad`]) to be dropped.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TrackLine {
    id: Loose<String>,
    track_id: Loose<u64>,
    name: Loose<String>,
    artist: Loose<String>,
    album_artist: Loose<String>,
    album: Loose<String>,
    genre: Loose<String>,
    composer: Loose<String>,
    year: Loose<i32>,
    release_date: Loose<Date>,
    date_added: Loose<Date>,
    date_modified: Loose<Date>,
    track_number: Loose<u32>,
    track_count: Loose<u32>,
    disc_number: Loose<u32>,
    disc_count: Loose<u32>,
    duration_ms: Loose<u64>,
    size: Loose<u64>,
    location: Loose<String>,
    track_type: Loose<String>,
    kind: Loose<String>,
    /// `MediaFlags` is `#[serde(default)]`, so missing flags are false.
    media: Option<MediaFlags>,
    play_count: Loose<u32>,
    play_date: Loose<Date>,
    skip_count: Loose<u32>,
    rating: Loose<u8>,
}

impl TrackLine {
    /// The track, or `None` when the line has neither `id` nor `track_id`.
    /// Values that cannot be used go to `dropped` with their field's name.
    fn into_track(self, dropped: &mut dyn FnMut(&str, String)) -> Option<Track> {
        let track_id = self.track_id.take("track_id", dropped);
        let id = match (
            self.id.take("id", dropped).filter(|id| !id.is_empty()),
            track_id,
        ) {
            (Some(id), _) => id,
            (None, Some(n)) => format!("track-{n}"),
            (None, None) => return None,
        };
        let date = |d: Loose<Date>, field, dropped: &mut dyn FnMut(&str, String)| {
            d.take(field, dropped).map(|Date(s)| s)
        };
        Some(Track {
            id,
            track_id,
            name: self.name.take("name", dropped),
            artist: self.artist.take("artist", dropped),
            album_artist: self.album_artist.take("album_artist", dropped),
            album: self.album.take("album", dropped),
            genre: self.genre.take("genre", dropped),
            composer: self.composer.take("composer", dropped),
            year: self.year.take_if("year", dropped, |y| *y >= 0),
            release_date: date(self.release_date, "release_date", dropped),
            date_added: date(self.date_added, "date_added", dropped),
            date_modified: date(self.date_modified, "date_modified", dropped),
            track_number: self.track_number.take("track_number", dropped),
            track_count: self.track_count.take("track_count", dropped),
            disc_number: self.disc_number.take("disc_number", dropped),
            disc_count: self.disc_count.take("disc_count", dropped),
            duration_ms: self.duration_ms.take("duration_ms", dropped),
            size: self.size.take("size", dropped),
            location: self.location.take("location", dropped),
            track_type: self.track_type.take("track_type", dropped),
            kind: self.kind.take("kind", dropped),
            media: self.media.unwrap_or_default(),
            play_count: self.play_count.take("play_count", dropped),
            play_date: date(self.play_date, "play_date", dropped),
            skip_count: self.skip_count.take("skip_count", dropped),
            rating: self.rating.take_if("rating", dropped, |r| *r <= 100),
        })
    }
}

/// Bytes the reader is asked for at a time.
const READ_BUFFER: usize = 64 << 10;

/// Parses a JSON Lines library read from `reader` line by line, handing
/// each track to `sink` in file order. Memory holds one line at a time,
/// and a line may be at most [`Limits::max_item_bytes`] long. Returns the
/// values dropped.
pub(super) fn parse_stream(
    reader: &mut dyn Read,
    sink: &mut dyn FnMut(Track),
    limits: &Limits,
) -> Result<Warnings, LibraryError> {
    let mut input = BufReader::with_capacity(READ_BUFFER, reader);
    let mut line = Vec::new();
    let mut warnings = Warnings::default();
    // Where `line` starts in the file, and the line breaks before it.
    let mut offset = 0u64;
    let mut lines = Lines::default();
    let mut line_no = 0u64;
    let max_line = limits.max_item_bytes();
    loop {
        line.clear();
        // One byte past the bound tells a line that is too long from one
        // that just fits with its newline.
        let bounded = (&mut input).take(max_line as u64 + 1);
        match { bounded }.read_until(b'\n', &mut line) {
            Ok(0) => return Ok(warnings),
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
        if line.len() > max_line && line.last() != Some(&b'\n') {
            return Err(here.too_large(0, format!("line {line_no}"), max_line));
        }
        if let Some(track) = here.parse(limits, &mut warnings)? {
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
    /// The track on this line; `None` for a blank line. Values of the wrong
    /// kind are dropped and counted in `warnings`.
    fn parse(
        &self,
        limits: &Limits,
        warnings: &mut Warnings,
    ) -> Result<Option<Track>, LibraryError> {
        // A byte order mark may start the file, and is not part of line 1.
        let start = if self.offset == 0 && self.bytes.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        if self.offset == 0 && super::looks_utf16(self.bytes, b'{') {
            return Err(LibraryError::Malformed {
                format: LibraryFormat::Jsonl,
                at: self.position(0),
                track: None,
                reason: "the file looks UTF-16 encoded, and JSON Lines must be UTF-8: write \
                         it as UTF-8, or convert it (iconv -f UTF-16 -t UTF-8)"
                    .into(),
            });
        }
        let ended = self.bytes.last() == Some(&b'\n');
        let text = &self.bytes[start..self.bytes.len() - usize::from(ended)];
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        if text.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        if let Some(long) = long_string(text, limits.max_field_bytes) {
            let what = match long.key {
                None => "a key".to_owned(),
                Some(key) => format!("the value of \"{}\"", String::from_utf8_lossy(key)),
            };
            return Err(self.too_large(start + long.at, what, limits.max_field_bytes));
        }
        // serde would also read a struct from an array of its fields in
        // order; a track is an object.
        if text.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            let line_no = self.number;
            return Err(LibraryError::Malformed {
                format: LibraryFormat::Jsonl,
                at: self.position(start),
                track: None,
                reason: format!("line {line_no} is not a JSON object ({{...}})"),
            });
        }
        let parsed: TrackLine = match serde_json::from_slice(text) {
            Ok(parsed) => parsed,
            Err(e) => return Err(self.json_error(&e, start, ended)),
        };
        let line_no = self.number;
        let mut dropped = |field: &str, why: String| {
            warnings.add(|| {
                format!(
                    "{}: the value of \"{field}\" {why}; it was left out",
                    self.position(start)
                )
            })
        };
        match parsed.into_track(&mut dropped) {
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

    /// The error for `what`, at byte `at` of the line, over `limit` bytes.
    fn too_large(&self, at: usize, what: String, limit: usize) -> LibraryError {
        LibraryError::TooLarge {
            format: LibraryFormat::Jsonl,
            at: self.position(at),
            track: None,
            what,
            limit,
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

/// A JSON string longer than the field limit.
struct LongString<'t> {
    /// Offset of its first byte after the opening quote.
    at: usize,
    /// The object key it is the value of (the last key before it); `None`
    /// when it is a key itself.
    key: Option<&'t [u8]>,
}

/// The first string in `text`, a line of JSON, whose bytes between the
/// quotes (escapes as written) are more than `limit`. Outside strings a
/// quote starts one; inside, a backslash escapes the next byte: that is
/// all it takes to find them. A line no longer than `limit` needs no look.
fn long_string(text: &[u8], limit: usize) -> Option<LongString<'_>> {
    if text.len() <= limit {
        return None;
    }
    let mut key: Option<&[u8]> = None;
    let mut i = 0;
    while let Some(q) = memchr(b'"', &text[i..]) {
        let start = i + q + 1;
        let mut end = start;
        while let Some(n) = memchr2(b'"', b'\\', &text[end..]) {
            if text[end + n] == b'"' {
                end += n;
                break;
            }
            // The escaped byte may be past the end of a cut-off line.
            end = (end + n + 2).min(text.len());
        }
        let end = end.min(text.len());
        let after = text.get(end + 1..).unwrap_or_default();
        let is_key = after.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b':');
        if end - start > limit {
            return Some(LongString {
                at: start,
                key: if is_key { None } else { key },
            });
        }
        if is_key {
            key = Some(&text[start..end]);
        }
        i = end + 1;
        if i >= text.len() {
            break;
        }
    }
    None
}

#[cfg(test)]
mod tests;
