//! The Tracks dict of a library property list: one [`Track`] per entry.
//!
//! Keys may come in any order and most are optional. Media flags come from
//! the boolean keys (`Podcast`, `Has Video`...), never from `Kind`, whose
//! text is localized.

use std::borrow::Cow;

use trackcache_protocol::Track;

use super::lexer::{Lexer, Place, Tag, Tok};
use super::{bool_value, date_value, int_value, string_value};
use crate::library::LibraryError;

/// Reads the value of the `Tracks` key, appending its tracks in file order.
pub(super) fn read_tracks<'a>(
    lx: &mut Lexer<'a>,
    tracks: &mut Vec<Track>,
) -> Result<(), LibraryError> {
    match lx.next()? {
        Tok::Open(Tag::Dict) => {}
        Tok::Empty(Tag::Dict) => return Ok(()),
        tok => return Err(lx.unexpected(tok, "a <dict> of tracks as the value of \"Tracks\"")),
    }
    loop {
        lx.set_place(Place::Tracks);
        match lx.next()? {
            Tok::Open(Tag::Key) => {}
            Tok::Close(Tag::Dict) => return Ok(()),
            tok => return Err(lx.unexpected(tok, "a track's <key> or </dict> in the Tracks dict")),
        }
        let dict_key = lx.text(Tag::Key)?;
        let tok = lx.next()?;
        lx.set_place(Place::Track {
            key: dict_key.clone(),
            start: lx.tok_start(),
        });
        let track = match tok {
            Tok::Open(Tag::Dict) => read_track(lx, &dict_key)?,
            Tok::Empty(Tag::Dict) => finish(Track::default(), None, &dict_key),
            tok => return Err(lx.unexpected(tok, "the track's <dict>")),
        };
        tracks.push(track);
    }
}

/// Reads one track dict after its `<dict>`, up to and including `</dict>`.
fn read_track<'a>(lx: &mut Lexer<'a>, dict_key: &str) -> Result<Track, LibraryError> {
    let mut track = Track::default();
    let mut persistent_id = None;
    loop {
        match lx.next()? {
            Tok::Open(Tag::Key) => {}
            Tok::Close(Tag::Dict) => break,
            tok => return Err(lx.unexpected(tok, "<key> or </dict> in the track's dict")),
        }
        let key = lx.text(Tag::Key)?;
        if key == "Persistent ID" {
            persistent_id = string_value(lx, &key)?;
        } else {
            read_field(lx, key, &mut track)?;
        }
    }
    Ok(finish(track, persistent_id, dict_key))
}

/// Gives the track its id: the Persistent ID where there is one (it survives
/// re-exports), else `track-<Track ID>`, else `track-<key in Tracks>`.
fn finish(mut track: Track, persistent_id: Option<String>, dict_key: &str) -> Track {
    track.id = match persistent_id.filter(|p| !p.is_empty()) {
        Some(p) => p,
        None => match track.track_id {
            Some(n) => format!("track-{n}"),
            None => format!("track-{dict_key}"),
        },
    };
    track
}

/// Reads the value of `key` into the field it maps to, or skips it.
fn read_field<'a>(
    lx: &mut Lexer<'a>,
    key: Cow<'a, str>,
    t: &mut Track,
) -> Result<(), LibraryError> {
    let m = &mut t.media;
    // Most frequent keys first: a match on strings is a chain of compares.
    match key.as_ref() {
        "Track ID" => t.track_id = unsigned(int_value(lx, &key)?),
        "Name" => t.name = string_value(lx, &key)?,
        "Artist" => t.artist = string_value(lx, &key)?,
        "Album Artist" => t.album_artist = string_value(lx, &key)?,
        "Album" => t.album = string_value(lx, &key)?,
        "Genre" => t.genre = string_value(lx, &key)?,
        "Kind" => t.kind = string_value(lx, &key)?,
        "Size" => t.size = unsigned(int_value(lx, &key)?),
        "Total Time" => t.duration_ms = unsigned(int_value(lx, &key)?),
        "Track Number" => t.track_number = unsigned(int_value(lx, &key)?),
        "Track Count" => t.track_count = unsigned(int_value(lx, &key)?),
        "Disc Number" => t.disc_number = unsigned(int_value(lx, &key)?),
        "Disc Count" => t.disc_count = unsigned(int_value(lx, &key)?),
        // A negative year makes no sense; keep it unknown.
        "Year" => {
            t.year = unsigned::<u32>(int_value(lx, &key)?).and_then(|y| i32::try_from(y).ok())
        }
        "Date Modified" => t.date_modified = date_value(lx, &key)?,
        "Date Added" => t.date_added = date_value(lx, &key)?,
        "Release Date" => t.release_date = date_value(lx, &key)?,
        "Play Count" => t.play_count = unsigned(int_value(lx, &key)?),
        "Play Date UTC" => t.play_date = date_value(lx, &key)?,
        "Skip Count" => t.skip_count = unsigned(int_value(lx, &key)?),
        "Rating" => t.rating = unsigned(int_value(lx, &key)?).filter(|r: &u8| *r <= 100),
        "Composer" => t.composer = string_value(lx, &key)?,
        "Track Type" => t.track_type = string_value(lx, &key)?,
        "Location" => t.location = string_value(lx, &key)?,
        "Podcast" => m.podcast = flag(lx, &key)?,
        "Has Video" => m.has_video = flag(lx, &key)?,
        "Movie" => m.movie = flag(lx, &key)?,
        "TV Show" => m.tv_show = flag(lx, &key)?,
        "Music Video" => m.music_video = flag(lx, &key)?,
        "Audiobook" => m.audiobook = flag(lx, &key)?,
        "iTunesU" => m.itunes_u = flag(lx, &key)?,
        "Protected" => m.protected = flag(lx, &key)?,
        "Purchased" => m.purchased = flag(lx, &key)?,
        "Apple Music" => m.apple_music = flag(lx, &key)?,
        "Disabled" => m.disabled = flag(lx, &key)?,
        "Compilation" => m.compilation = flag(lx, &key)?,
        _ => lx.skip_value(key)?,
    }
    Ok(())
}

/// A count, size or duration: `None` when negative or too big for `T`,
/// where keeping a wrapped or clamped number would be a lie.
fn unsigned<T: TryFrom<i64>>(value: Option<i64>) -> Option<T> {
    value.and_then(|v| T::try_from(v).ok())
}

/// A media flag: `<true/>` sets it; `<false/>`, another value type or a
/// missing key leave it clear.
fn flag(lx: &mut Lexer<'_>, key: &str) -> Result<bool, LibraryError> {
    Ok(bool_value(lx, key)? == Some(true))
}
