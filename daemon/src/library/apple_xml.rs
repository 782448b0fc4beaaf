//! Streaming parser of the Apple Music / iTunes "Export Library" property
//! list: the document's outer structure and the library header.
//!
//! One pass over the borrowed input builds tracks as it goes: no DOM, text
//! is borrowed from the input unless it holds entities, and keys are matched
//! as bytes. The whole document is validated (Playlists included) before
//! anything is returned, because a file that does not end properly is
//! usually one still being written. [`scan`] finds markup and text (with
//! [`bytes`] searches) as [`token`]s, [`lexer`] turns them into values and
//! errors, [`track`] reads tracks, and [`split`] reads big Tracks dicts on
//! two threads.

mod bytes;
mod lexer;
mod scan;
mod split;
mod token;
mod track;

#[cfg(test)]
mod error_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod value_tests;

use lexer::{Lexer, Place, Value};
use token::{Tag, Tok};

use super::{LibraryError, ParsedLibrary};

/// Parses a whole library property list.
pub(super) fn parse(input: &[u8]) -> Result<ParsedLibrary, LibraryError> {
    parse_with(input, split::PARALLEL_MIN_BYTES)
}

/// [`parse`], reading the Tracks dict on two threads when it holds at least
/// `parallel_min_bytes` (tests lower this to exercise the two-thread path).
fn parse_with(input: &[u8], parallel_min_bytes: usize) -> Result<ParsedLibrary, LibraryError> {
    let mut lx = Lexer::new(input);
    let tok = lx.next()?;
    if tok != Tok::Open(Tag::Plist) {
        return Err(lx.unexpected(tok, "the <plist> root element"));
    }
    lx.set_place(Place::Header);
    let tok = lx.next()?;
    if tok != Tok::Open(Tag::Dict) {
        return Err(lx.unexpected(tok, "the library <dict> inside <plist>"));
    }
    let mut library = ParsedLibrary {
        // Exports take 1.1 to 2 KB per track. Reserving for 1 KB per track
        // up front means the vector never grows (a 100,000-track library
        // would otherwise copy ~40 MB); pages never used are never touched.
        tracks: Vec::with_capacity(input.len() / 1000),
        ..ParsedLibrary::default()
    };
    read_rest(&mut lx, &mut library, parallel_min_bytes)?;
    Ok(library)
}

/// Reads the rest of the document from inside the top-level dict: its keys
/// up to its `</dict>`, then `</plist>` and the end of the file. Header keys
/// may come in any order, before or after `Tracks` and `Playlists`.
fn read_rest(
    lx: &mut Lexer<'_>,
    library: &mut ParsedLibrary,
    parallel_min_bytes: usize,
) -> Result<(), LibraryError> {
    if read_library_dict(lx, library, parallel_min_bytes)? == Rest::Done {
        return Ok(());
    }
    lx.set_place(Place::Epilogue);
    let tok = lx.next()?;
    if tok != Tok::Close(Tag::Plist) {
        return Err(lx.unexpected(tok, "</plist> after the library dict"));
    }
    match lx.next()? {
        Tok::Eof => Ok(()),
        tok => Err(lx.malformed_here(format!("{tok} after </plist>"))),
    }
}

/// Whether a second thread has already read the rest of the document.
#[derive(Debug, PartialEq, Eq)]
enum Rest {
    ToRead,
    Done,
}

/// Reads the top-level dict's keys up to its `</dict>`, or stops early when
/// the Tracks reader has had the rest of the document read (see [`split`]).
fn read_library_dict(
    lx: &mut Lexer<'_>,
    library: &mut ParsedLibrary,
    parallel_min_bytes: usize,
) -> Result<Rest, LibraryError> {
    loop {
        match lx.next()? {
            Tok::Open(Tag::Key) => {}
            Tok::Close(Tag::Dict) => return Ok(Rest::ToRead),
            tok => return Err(lx.unexpected(tok, "<key> or </dict> in the library dict")),
        }
        let key = lx.text(Tag::Key)?;
        lx.set_place(Place::TopValue(key.clone()));
        let meta = &mut library.meta;
        // A header value replaces an earlier one only when it has the right
        // type, so that a second thread's later keys can be merged the same way.
        match key.as_ref() {
            "Tracks" => {
                if split::read_tracks(lx, library, parallel_min_bytes)? == Rest::Done {
                    return Ok(Rest::Done);
                }
            }
            "Major Version" => set(&mut meta.major_version, int_value(lx, &key)?),
            "Minor Version" => set(&mut meta.minor_version, int_value(lx, &key)?),
            "Application Version" => set(&mut meta.application_version, string_value(lx, &key)?),
            "Date" => set(&mut meta.export_date, date_value(lx, &key)?),
            "Music Folder" => set(&mut meta.music_folder, string_value(lx, &key)?),
            "Library Persistent ID" => {
                set(&mut meta.library_persistent_id, string_value(lx, &key)?)
            }
            _ => lx.skip_value(key.clone())?,
        }
        lx.set_place(Place::Header);
    }
}

/// Keeps the last well-typed value of a header key.
fn set<T>(field: &mut Option<T>, value: Option<T>) {
    if value.is_some() {
        *field = value;
    }
}

/// Merges the header keys found after Tracks by a second thread.
fn merge_meta(meta: &mut super::LibraryMeta, later: super::LibraryMeta) {
    set(&mut meta.major_version, later.major_version);
    set(&mut meta.minor_version, later.minor_version);
    set(&mut meta.application_version, later.application_version);
    set(&mut meta.export_date, later.export_date);
    set(&mut meta.music_folder, later.music_folder);
    set(&mut meta.library_persistent_id, later.library_persistent_id);
}

// The value readers below first try the plain spelling of the element
// they expect (`<string>` right after the key), which is what nearly every
// value of a real export looks like, before the general path.

/// The value of `key` if it is a `<string>`; other value types are
/// validated and ignored, as a missing key would be.
fn string_value(lx: &mut Lexer<'_>, key: &str) -> Result<Option<String>, LibraryError> {
    if lx.eat(b"<string>") {
        return Ok(Some(lx.text(Tag::String)?.into_owned()));
    }
    Ok(match lx.value(key)? {
        Value::Str(s) => Some(s.into_owned()),
        _ => None,
    })
}

/// The value of `key` if it is an `<integer>`; an `<integer>` that is not a
/// 64-bit whole number is a malformed file.
fn int_value(lx: &mut Lexer<'_>, key: &str) -> Result<Option<i64>, LibraryError> {
    let text = if lx.eat(b"<integer>") {
        lx.text(Tag::Integer)?
    } else {
        let Value::Int(text) = lx.value(key)? else {
            return Ok(None);
        };
        text
    };
    match parse_integer(&text) {
        Ok(n) => Ok(Some(n)),
        Err(e) => Err(lx.malformed_here(format!(
            "the <integer> of \"{key}\" is {text:?}, which is not a 64-bit whole number ({e})"
        ))),
    }
}

/// An `<integer>`'s text: plain digits take a short loop (this runs for
/// about ten keys of every track); anything else goes through `str::parse`,
/// after trimming the whitespace XML allows around it.
fn parse_integer(text: &str) -> Result<i64, std::num::ParseIntError> {
    let b = text.as_bytes();
    if (1..=18).contains(&b.len()) && b.iter().all(u8::is_ascii_digit) {
        // 18 digits cannot overflow an i64.
        return Ok(b.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')));
    }
    text.trim().parse::<i64>()
}

/// The value of `key` as Unix seconds if it is a `<date>`; a `<date>` that
/// does not parse is a malformed file.
fn date_value(lx: &mut Lexer<'_>, key: &str) -> Result<Option<i64>, LibraryError> {
    let text = if lx.eat(b"<date>") {
        lx.text(Tag::Date)?
    } else {
        let Value::Date(text) = lx.value(key)? else {
            return Ok(None);
        };
        text
    };
    match super::plist_date::parse_plist_date(&text) {
        Some(seconds) => Ok(Some(seconds)),
        None => Err(lx.malformed_here(format!(
            "the <date> of \"{key}\" is {text:?}, not a date like 2020-09-09T10:11:28Z"
        ))),
    }
}

/// The value of `key` if it is `<true/>` or `<false/>`; `None` otherwise.
fn bool_value(lx: &mut Lexer<'_>, key: &str) -> Result<Option<bool>, LibraryError> {
    if lx.eat(b"<true/>") {
        return Ok(Some(true));
    }
    Ok(match lx.value(key)? {
        Value::Bool(b) => Some(b),
        _ => None,
    })
}
