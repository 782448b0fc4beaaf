//! Streaming parser of the Apple Music / iTunes "Export Library" property
//! list: the document's outer structure and the library header.
//!
//! It walks quick-xml events over the borrowed input once, building tracks as
//! it goes; no DOM is built, text is borrowed from the input unless it holds
//! entities, and keys are matched as string slices. The whole document is
//! validated (Playlists included) before anything is returned, because a
//! file that does not end properly is usually one still being written.
//! [`lexer`] turns events into tokens and errors, [`track`] reads one track.

mod lexer;
mod track;

#[cfg(test)]
mod error_tests;
#[cfg(test)]
mod tests;

use lexer::{Lexer, Place, Tag, Tok, Value};

use super::{LibraryError, ParsedLibrary};

/// Parses a whole library property list.
pub(super) fn parse(input: &[u8]) -> Result<ParsedLibrary, LibraryError> {
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
        // A real export has about 1.2 KB per track; reserving up front
        // saves the copies of a growing 100,000-track vector.
        tracks: Vec::with_capacity(input.len() / 1500),
        ..ParsedLibrary::default()
    };
    read_library_dict(&mut lx, &mut library)?;
    lx.set_place(Place::Epilogue);
    let tok = lx.next()?;
    if tok != Tok::Close(Tag::Plist) {
        return Err(lx.unexpected(tok, "</plist> after the library dict"));
    }
    match lx.next()? {
        Tok::Eof => Ok(library),
        tok => Err(lx.malformed_here(format!("{tok} after </plist>"))),
    }
}

/// Reads the top-level dict's keys up to its `</dict>`. Header keys may come
/// in any order, before or after `Tracks` and `Playlists`.
fn read_library_dict<'a>(
    lx: &mut Lexer<'a>,
    library: &mut ParsedLibrary,
) -> Result<(), LibraryError> {
    loop {
        match lx.next()? {
            Tok::Open(Tag::Key) => {}
            Tok::Close(Tag::Dict) => return Ok(()),
            tok => return Err(lx.unexpected(tok, "<key> or </dict> in the library dict")),
        }
        let key = lx.text(Tag::Key)?;
        lx.set_place(Place::TopValue(key.clone()));
        let meta = &mut library.meta;
        match key.as_ref() {
            "Tracks" => track::read_tracks(lx, &mut library.tracks)?,
            "Major Version" => meta.major_version = int_value(lx, &key)?,
            "Minor Version" => meta.minor_version = int_value(lx, &key)?,
            "Application Version" => meta.application_version = string_value(lx, &key)?,
            "Date" => meta.export_date = date_value(lx, &key)?,
            "Music Folder" => meta.music_folder = string_value(lx, &key)?,
            "Library Persistent ID" => meta.library_persistent_id = string_value(lx, &key)?,
            _ => lx.skip_value(key.clone())?,
        }
        lx.set_place(Place::Header);
    }
}

/// The value of `key` if it is a `<string>`; other value types are
/// validated and ignored, as a missing key would be.
fn string_value(lx: &mut Lexer<'_>, key: &str) -> Result<Option<String>, LibraryError> {
    Ok(match lx.value(key)? {
        Value::Str(s) => Some(s.into_owned()),
        _ => None,
    })
}

/// The value of `key` if it is an `<integer>`; an `<integer>` that is not a
/// 64-bit whole number is a malformed file.
fn int_value(lx: &mut Lexer<'_>, key: &str) -> Result<Option<i64>, LibraryError> {
    let Value::Int(text) = lx.value(key)? else {
        return Ok(None);
    };
    match text.trim().parse::<i64>() {
        Ok(n) => Ok(Some(n)),
        Err(e) => Err(lx.malformed_here(format!(
            "the <integer> of \"{key}\" is {text:?}, which is not a 64-bit whole number ({e})"
        ))),
    }
}

/// The value of `key` as Unix seconds if it is a `<date>`; a `<date>` that
/// does not parse is a malformed file.
fn date_value(lx: &mut Lexer<'_>, key: &str) -> Result<Option<i64>, LibraryError> {
    let Value::Date(text) = lx.value(key)? else {
        return Ok(None);
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
    Ok(match lx.value(key)? {
        Value::Bool(b) => Some(b),
        _ => None,
    })
}
