//! Parsing music library exports into [`Track`]s: the formats the daemon
//! reads, what a parse returns, and the entry points: [`parse_stream`],
//! which reads any `std::io::Read` a chunk at a time and hands tracks over
//! as it reads them, and [`parse`], which collects a whole file's tracks.
//! Every parse is bounded by [`Limits`] and reports the values it dropped
//! rather than refusing the file over them ([`Warnings`]).
//!
//! The parsers do no I/O of their own beyond reading what they are given,
//! so the caller decides where the bytes come from (and when to retry a
//! truncated file). See `docs/library-parsing.md` for the design record.

mod apple_xml;
mod applescript;
mod error;
mod jsonl;
mod limits;
mod lines;
mod plist_date;
mod warnings;

use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::str::FromStr;

use trackcache_protocol::Track;
use xxhash_rust::xxh3::Xxh3Builder;

pub use error::{LibraryError, LibraryErrorKind, Position};
pub use limits::{Limits, DEFAULT_MAX_FIELD_BYTES, MIN_MAX_FIELD_BYTES};
pub use warnings::Warnings;

/// A library file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LibraryFormat {
    /// The Apple Music / iTunes "Export Library" property list (`apple-xml`).
    AppleXml,
    /// JSON Lines, one [`Track`] object per line (`jsonl`).
    Jsonl,
    /// GenreUpdater's `fetch_tracks.applescript` output: records separated
    /// by ASCII 29, fields by ASCII 30 (`applescript-records`).
    AppleScriptRecords,
}

impl LibraryFormat {
    /// The name used on command lines and in config files.
    pub fn name(self) -> &'static str {
        match self {
            Self::AppleXml => "apple-xml",
            Self::Jsonl => "jsonl",
            Self::AppleScriptRecords => "applescript-records",
        }
    }
}

impl fmt::Display for LibraryFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A format name that is neither `apple-xml` nor `jsonl`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown library format {0:?}: expected \"apple-xml\", \"jsonl\" or \"applescript-records\""
)]
pub struct UnknownFormat(pub String);

impl FromStr for LibraryFormat {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "apple-xml" => Ok(Self::AppleXml),
            "jsonl" => Ok(Self::Jsonl),
            "applescript-records" => Ok(Self::AppleScriptRecords),
            other => Err(UnknownFormat(other.to_owned())),
        }
    }
}

/// Library-wide facts from the export's header; all absent for JSON Lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LibraryMeta {
    /// `Major Version` of the plist layout.
    pub major_version: Option<i64>,
    /// `Minor Version` of the plist layout.
    pub minor_version: Option<i64>,
    /// `Application Version` of Music/iTunes that wrote the file.
    pub application_version: Option<String>,
    /// `Date` of the export, Unix seconds.
    pub export_date: Option<i64>,
    /// `Music Folder` URL.
    pub music_folder: Option<String>,
    /// `Library Persistent ID`.
    pub library_persistent_id: Option<String>,
}

/// A whole library: every track of the file, and its header.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParsedLibrary {
    /// The tracks in file order; ids are unique (see [`parse`]).
    pub tracks: Vec<Track>,
    /// The export's header.
    pub meta: LibraryMeta,
    /// Values dropped on the way.
    pub warnings: Warnings,
}

/// What a streamed parse returns besides the tracks it handed over.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParseOutcome {
    /// The export's header.
    pub meta: LibraryMeta,
    /// Values dropped on the way.
    pub warnings: Warnings,
}

/// Parses a library read from `reader`, handing each track to `sink` in
/// file order as soon as it is read; memory stays bounded by a few chunks,
/// not by the file. Returns the header ([`LibraryMeta`]) once the whole
/// document has been validated.
///
/// On error the caller must discard the tracks already handed over: a
/// library is loaded whole or not at all, and the error may come after the
/// last track (a broken Playlists section, a missing `</plist>`). Tracks are
/// passed as they are in the file, duplicate ids included: a caller that
/// keys tracks by id and lets a later one replace an earlier one keeps the
/// last of each id, as [`parse`] does.
///
/// A reader that fails gives [`LibraryError::Read`]; a field longer than
/// `limits` allow gives [`LibraryError::TooLarge`], after reading no more
/// than a few times the limit of it. apple-xml is read on two threads when
/// the machine has two cores (the reader and the sink are only used on the
/// calling thread).
pub fn parse_stream(
    format: LibraryFormat,
    limits: &Limits,
    reader: &mut dyn Read,
    sink: &mut dyn FnMut(Track),
) -> Result<ParseOutcome, LibraryError> {
    match format {
        LibraryFormat::AppleXml => {
            apple_xml::parse_stream(reader, sink, apple_xml::Tuning::new(limits))
        }
        LibraryFormat::Jsonl => {
            jsonl::parse_stream(reader, sink, limits).map(|warnings| ParseOutcome {
                meta: LibraryMeta::default(),
                warnings,
            })
        }
        LibraryFormat::AppleScriptRecords => {
            applescript::parse_stream(reader, sink, limits).map(|warnings| ParseOutcome {
                meta: LibraryMeta::default(),
                warnings,
            })
        }
    }
}

/// Parses a whole library file of `format` held in memory.
///
/// Either every track of a complete, well-formed document is returned or an
/// error is: never a partial list. When two tracks share an id, the last one
/// is kept (at its own place in file order), the others are dropped and the
/// file still loads: one copy of a track serves better than refusing the
/// whole library over a broken export. The default [`Limits`] apply (see
/// [`parse_with`]).
pub fn parse(format: LibraryFormat, bytes: &[u8]) -> Result<ParsedLibrary, LibraryError> {
    parse_with(format, &Limits::default(), bytes)
}

/// [`parse`] with other limits.
pub fn parse_with(
    format: LibraryFormat,
    limits: &Limits,
    bytes: &[u8],
) -> Result<ParsedLibrary, LibraryError> {
    // Exports take 1.1 to 2 KB per track: reserving for 1 KB per track up
    // front means the vector never grows (a 100,000-track library would
    // otherwise copy ~40 MB); pages never used are never touched.
    let mut tracks = match format {
        LibraryFormat::AppleXml => Vec::with_capacity(bytes.len() / 1000),
        LibraryFormat::Jsonl | LibraryFormat::AppleScriptRecords => Vec::new(),
    };
    let ParseOutcome { meta, warnings } =
        parse_stream(format, limits, &mut &*bytes, &mut |t| tracks.push(t))?;
    drop_duplicate_ids(&mut tracks);
    Ok(ParsedLibrary {
        tracks,
        meta,
        warnings,
    })
}

/// [`parse_with`] reading apple-xml `chunk` bytes at a time on `threads`
/// threads (1 or 2) instead of the daemon's 256 KiB on all cores; JSON
/// Lines ignores both. The outcome must not depend on them: tests and the
/// fuzzer (`fuzz/`) check it against [`parse_with`].
#[doc(hidden)]
pub fn parse_chunked(
    format: LibraryFormat,
    limits: &Limits,
    bytes: &[u8],
    chunk: usize,
    threads: usize,
) -> Result<ParsedLibrary, LibraryError> {
    let LibraryFormat::AppleXml = format else {
        return parse_with(format, limits, bytes);
    };
    let mut tracks = Vec::new();
    let tuning = apple_xml::Tuning {
        chunk: chunk.max(1),
        threads: threads.clamp(1, 2),
        limits: *limits,
    };
    let ParseOutcome { meta, warnings } =
        apple_xml::parse_stream(&mut &*bytes, &mut |t| tracks.push(t), tuning)?;
    drop_duplicate_ids(&mut tracks);
    Ok(ParsedLibrary {
        tracks,
        meta,
        warnings,
    })
}

/// True when a file starting with `start` looks UTF-16 encoded: a byte
/// order mark (its first byte, 0xFE or 0xFF, never starts UTF-8), a NUL
/// first byte, or the format's first character (`opener`: `<` for
/// apple-xml, `{` for JSON Lines) followed by a NUL. Decided on the first
/// two bytes at most. A streamed parse that has seen only the first byte
/// must not have decided otherwise: the opener alone is not yet a verdict
/// for its format, while any other byte is one for both.
fn looks_utf16(start: &[u8], opener: u8) -> bool {
    match start {
        [0xFE | 0xFF | 0x00, ..] => true,
        [first, 0x00, ..] => *first == opener,
        _ => false,
    }
}

/// Keeps only the last track of each id; returns how many were dropped.
fn drop_duplicate_ids(tracks: &mut Vec<Track>) -> usize {
    // xxh3 rather than the default SipHash: ids come from the file being
    // loaded, not from a network peer, and this runs for every track.
    let mut last: HashMap<&str, usize, Xxh3Builder> =
        HashMap::with_capacity_and_hasher(tracks.len(), Xxh3Builder::new());
    for (i, track) in tracks.iter().enumerate() {
        last.insert(&track.id, i);
    }
    if last.len() == tracks.len() {
        return 0;
    }
    let keep: Vec<bool> = tracks
        .iter()
        .enumerate()
        .map(|(i, t)| last.get(t.id.as_str()) == Some(&i))
        .collect();
    drop(last);
    let before = tracks.len();
    let mut keep = keep.into_iter();
    tracks.retain(|_| keep.next().unwrap_or(true));
    before - tracks.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for f in [
            LibraryFormat::AppleXml,
            LibraryFormat::Jsonl,
            LibraryFormat::AppleScriptRecords,
        ] {
            assert_eq!(f.to_string().parse::<LibraryFormat>(), Ok(f));
        }
        assert!("xml".parse::<LibraryFormat>().is_err());
    }

    #[test]
    fn duplicate_ids_keep_the_last() {
        let mut a = Track::with_id("A");
        a.name = Some("first".into());
        let mut a2 = Track::with_id("A");
        a2.name = Some("second".into());
        let mut tracks = vec![a, Track::with_id("B"), a2];
        assert_eq!(drop_duplicate_ids(&mut tracks), 1);
        let ids: Vec<_> = tracks.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["B", "A"]);
        assert_eq!(tracks[1].name.as_deref(), Some("second"));
    }
}
