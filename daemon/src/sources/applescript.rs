//! GenreUpdater's exporter output (`fetch_tracks.applescript`), the
//! `applescript-records` format: records separated by ASCII 29 (group
//! separator), fields by ASCII 30 (record separator), in the order
//! track_id, name, artist, album_artist, album, genre, date_added,
//! modification_date, track_status, year, release_year, and a trailing
//! empty field. The whole answer `NO_TRACKS_FOUND` is an empty library;
//! `ERROR:...` is a failure, never taken for an empty library, and so is an
//! answer with nothing in it (a script that died prints nothing).
//!
//! - `track_id` is the track's id: a Persistent ID (16 hex digits, as the
//!   current script prints) is the id as it is, upper-cased; a number (older
//!   scripts print the numeric Track ID) is the id `track-<n>` with
//!   `track_id = n`, as in the other formats.
//! - Dates are `YYYY-MM-DD HH:MM:SS` in the Mac's local time, which the
//!   output does not name: they are read as UTC (they are informational;
//!   dates never make a track modified).
//! - `track_status` is Music's cloud status: `subscription` sets
//!   `media.apple_music`, `purchased` sets `media.purchased`.
//! - `release_year` becomes a `release_date` of January 1 of that year, UTC.
//! - A date or year that does not parse is dropped with a warning, as in
//!   the other formats; a record with the wrong number of fields, or an id
//!   that is no id, refuses the answer.
//! - A field may be at most [`Limits::max_field_bytes`] long, and a record
//!   [`Limits::max_item_bytes`], as in the other formats.

use std::io::Read;

use trackcache_protocol::Track;

use super::plist_date::parse_plist_date;
use super::{LibraryError, LibraryFormat, Limits, Position, Warnings};

/// Separates records.
const RECORD_SEP: u8 = 0x1d;
/// Separates fields.
const FIELD_SEP: u8 = 0x1e;
/// The script's answer for a library with no (modifiable) tracks.
const EMPTY: &str = "NO_TRACKS_FOUND";
/// The script's answer on failure.
const ERROR_PREFIX: &str = "ERROR:";
/// Fields before the trailing empty one.
const FIELDS: usize = 11;

const FORMAT: LibraryFormat = LibraryFormat::AppleScriptRecords;

/// Reads the whole answer (the script prints it in one piece) and hands each
/// track to `sink` in order; returns the values dropped.
pub(super) fn parse_stream(
    reader: &mut dyn Read,
    sink: &mut dyn FnMut(Track),
    limits: &Limits,
) -> Result<Warnings, LibraryError> {
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|source| LibraryError::Read {
            format: FORMAT,
            at: Position {
                line: 1,
                offset: bytes.len() as u64,
            },
            source,
        })?;
    let mut warnings = Warnings::default();
    parse_bytes(&bytes, sink, limits, &mut warnings)?;
    Ok(warnings)
}

fn parse_bytes(
    bytes: &[u8],
    sink: &mut dyn FnMut(Track),
    limits: &Limits,
    warnings: &mut Warnings,
) -> Result<(), LibraryError> {
    // osascript ends what it prints with a newline; fields never hold one
    // at the very end (the last field is the empty placeholder).
    let body = trim_end_newlines(bytes);
    if body.is_empty() {
        return Err(LibraryError::Truncated {
            format: FORMAT,
            at: Position { line: 1, offset: 0 },
            context: format!(
                "before its first record (an empty answer; an empty library is {EMPTY})"
            ),
        });
    }
    if body == EMPTY.as_bytes() {
        return Ok(());
    }
    if let Some(message) = body.strip_prefix(ERROR_PREFIX.as_bytes()) {
        return Err(malformed(
            Position { line: 1, offset: 0 },
            None,
            format!(
                "the exporter reported a failure: {ERROR_PREFIX}{}",
                String::from_utf8_lossy(message).trim()
            ),
        ));
    }
    let mut offset = 0u64;
    for (n, record) in body.split(|&b| b == RECORD_SEP).enumerate() {
        let at = Position {
            line: n as u64 + 1,
            offset,
        };
        offset += record.len() as u64 + 1;
        // A separator after the last record leaves an empty one.
        if record.is_empty() {
            continue;
        }
        check_sizes(record, at, limits)?;
        sink(track(record, at, warnings)?);
    }
    Ok(())
}

fn trim_end_newlines(mut b: &[u8]) -> &[u8] {
    while let [rest @ .., b'\n' | b'\r'] = b {
        b = rest;
    }
    b
}

fn malformed(at: Position, track: Option<String>, reason: String) -> LibraryError {
    LibraryError::Malformed {
        format: FORMAT,
        at,
        track,
        reason,
    }
}

/// The field names in order, for messages.
const NAMES: [&str; FIELDS] = [
    "track_id",
    "name",
    "artist",
    "album_artist",
    "album",
    "genre",
    "date_added",
    "modification_date",
    "track_status",
    "year",
    "release_year",
];

/// Refuses a record, or one of its fields, over the size bounds.
fn check_sizes(record: &[u8], at: Position, limits: &Limits) -> Result<(), LibraryError> {
    let too_large = |what: String, limit| LibraryError::TooLarge {
        format: FORMAT,
        at,
        track: None,
        what,
        limit,
    };
    if record.len() > limits.max_item_bytes() {
        let n = at.line;
        return Err(too_large(format!("record {n}"), limits.max_item_bytes()));
    }
    for (i, field) in record.split(|&b| b == FIELD_SEP).enumerate() {
        if field.len() > limits.max_field_bytes {
            let name = NAMES.get(i).copied().unwrap_or("a field past the last");
            let what = format!("the {name} field of record {}", at.line);
            return Err(too_large(what, limits.max_field_bytes));
        }
    }
    Ok(())
}

/// One record as a track; dates and years that do not parse are dropped
/// and counted in `warnings`.
fn track(record: &[u8], at: Position, warnings: &mut Warnings) -> Result<Track, LibraryError> {
    let text = std::str::from_utf8(record)
        .map_err(|e| malformed(at, None, format!("a record is not UTF-8 ({e})")))?;
    let fields: Vec<&str> = text.split(char::from(FIELD_SEP)).collect();
    let raw_id = fields.first().map_or("", |s| s.trim());
    let bad = |reason: String| malformed(at, Some(raw_id.to_owned()), reason);
    match fields.len() {
        FIELDS => {}
        n if n == FIELDS + 1 && fields[FIELDS].is_empty() => {}
        n => {
            return Err(bad(format!(
                "a record has {n} fields; expected {FIELDS} and a trailing empty one \
                 (track_id, name, artist, album_artist, album, genre, date_added, \
                 modification_date, track_status, year, release_year)"
            )))
        }
    }
    let mut t = id(raw_id).ok_or_else(|| {
        bad("the track_id is neither a Persistent ID (16 hex digits) nor a Track ID number".into())
    })?;
    let text_field = |i: usize| Some(fields[i].to_owned()).filter(|s| !s.trim().is_empty());
    t.name = text_field(1);
    t.artist = text_field(2);
    t.album_artist = text_field(3);
    t.album = text_field(4);
    t.genre = text_field(5);
    let mut dropped = |field: usize, why: String| {
        warnings.add(|| {
            format!(
                "record {} (byte {}), track {raw_id}: the {} {why}; it was left out",
                at.line, at.offset, NAMES[field]
            )
        });
    };
    let mut lenient = |field: usize, r: Result<Option<i64>, String>| {
        r.unwrap_or_else(|why| {
            dropped(field, why);
            None
        })
    };
    t.date_added = lenient(6, date(fields[6]));
    t.date_modified = lenient(7, date(fields[7]));
    match fields[8].trim() {
        "subscription" => t.media.apple_music = true,
        "purchased" => t.media.purchased = true,
        _ => {}
    }
    let to_i64 = |r: Result<Option<i32>, String>| r.map(|y| y.map(i64::from));
    t.year = lenient(9, to_i64(year(fields[9]))).and_then(|y| i32::try_from(y).ok());
    let release = lenient(10, to_i64(year(fields[10])));
    t.release_date = release.and_then(|y| parse_plist_date(&format!("{y:04}-01-01T00:00:00Z")));
    Ok(t)
}

/// The track named by a record's `track_id`.
fn id(raw: &str) -> Option<Track> {
    if raw.len() == 16 && raw.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Some(Track::with_id(raw.to_ascii_uppercase()));
    }
    let n: u64 = raw.parse().ok()?;
    Some(Track {
        track_id: Some(n),
        ..Track::with_id(format!("track-{n}"))
    })
}

/// `YYYY-MM-DD HH:MM:SS` as Unix seconds (read as UTC); empty is none.
fn date(s: &str) -> Result<Option<i64>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let iso = format!("{}Z", s.replacen(' ', "T", 1));
    parse_plist_date(&iso)
        .map(Some)
        .ok_or_else(|| format!("{s:?} is not a YYYY-MM-DD HH:MM:SS date"))
}

/// A year; empty or 0 is none.
fn year(s: &str) -> Result<Option<i32>, String> {
    match s.trim() {
        "" | "0" => Ok(None),
        y => y
            .parse()
            .map(Some)
            .map_err(|_| format!("{y:?} is not a number")),
    }
}

#[cfg(test)]
mod tests;
