//! The Tracks dict of a library property list: one [`Track`] per entry.
//!
//! Keys may come in any order and most are optional; a key is mapped to its
//! [`Field`] once and the value read with the type that field expects.
//! Media flags come from the boolean keys (`Podcast`, `Has Video`...),
//! never from `Kind`, whose text is localized.

use std::borrow::Cow;

use trackcache_protocol::Track;

use super::lexer::{Lexer, Place};
use super::token::{Tag, Tok};
use super::values::{bool_value, date_value, ranged, string_value};
use crate::sources::LibraryError;

/// Reads the start of the `Tracks` value: true when it is a `<dict>` with
/// entries to read, false for an empty `<dict/>`.
pub(super) fn open_tracks(lx: &mut Lexer<'_>) -> Result<bool, LibraryError> {
    match lx.next()? {
        Tok::Open(Tag::Dict) => Ok(true),
        Tok::Empty(Tag::Dict) => Ok(false),
        tok => Err(lx.unexpected(tok, "a <dict> of tracks as the value of \"Tracks\"")),
    }
}

/// How a run of Tracks dict entries ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Entries {
    /// The next entry would start exactly at the `stop_at` offset.
    Stopped,
    /// The Tracks dict's `</dict>` was read.
    Closed,
}

/// Reads Tracks dict entries, handing each track to `sink` in file order,
/// up to and including the dict's `</dict>`, or until the next entry starts
/// exactly at byte `stop_at`.
///
/// Before each entry, `entry` is set to where it starts: when the input
/// runs out in the middle of one, the caller knows where to pick up. Each
/// entry is an item of the lexer ([`Lexer::start_item`]): bounded, and its
/// dropped values forgotten if it is read again.
pub(super) fn read_entries<'a>(
    lx: &mut Lexer<'a>,
    sink: &mut dyn FnMut(Track),
    stop_at: Option<usize>,
    entry: &mut usize,
) -> Result<Entries, LibraryError> {
    loop {
        lx.set_place(Place::Tracks);
        let at = lx.start_item();
        if stop_at == Some(at) {
            return Ok(Entries::Stopped);
        }
        *entry = at;
        match lx.next()? {
            Tok::Open(Tag::Key) => {}
            Tok::Close(Tag::Dict) => return Ok(Entries::Closed),
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
        sink(track);
    }
}

/// Reads one track dict after its `<dict>`, up to and including `</dict>`.
fn read_track<'a>(lx: &mut Lexer<'a>, dict_key: &str) -> Result<Track, LibraryError> {
    let mut track = Track::default();
    let mut persistent_id = None;
    while let Some(key) = lx.next_key("the track's dict")? {
        read_field(lx, key, &mut track, &mut persistent_id)?;
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

/// The track keys that map to [`Track`] fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    TrackId,
    PersistentId,
    Name,
    Artist,
    AlbumArtist,
    Album,
    Genre,
    Composer,
    Kind,
    Size,
    TotalTime,
    TrackNumber,
    TrackCount,
    DiscNumber,
    DiscCount,
    Year,
    DateModified,
    DateAdded,
    ReleaseDate,
    PlayCount,
    PlayDateUtc,
    SkipCount,
    Rating,
    TrackType,
    Location,
    Podcast,
    HasVideo,
    Movie,
    TvShow,
    MusicVideo,
    Audiobook,
    ItunesU,
    Protected,
    Purchased,
    AppleMusic,
    Disabled,
    Compilation,
}

impl Field {
    /// The field of key `k`, found by length and first byte and then one
    /// fixed-size compare: a chain of ~40 string compares showed in the
    /// profile, most of all when keys come in no fixed order.
    fn of(k: &[u8]) -> Option<Self> {
        use Field::*;
        let field = match (k.len(), *k.first()?) {
            (8, b'T') => TrackId,
            (13, b'P') if k[1] == b'e' => PersistentId,
            (13, b'P') => PlayDateUtc,
            (4, b'N') => Name,
            (6, b'A') => Artist,
            (12, b'A') => AlbumArtist,
            (5, b'A') => Album,
            (5, b'G') => Genre,
            (8, b'C') => Composer,
            (4, b'K') => Kind,
            (4, b'S') => Size,
            (10, b'T') if k[1] == b'o' => TotalTime,
            (10, b'T') => TrackType,
            (12, b'T') => TrackNumber,
            (11, b'T') => TrackCount,
            (11, b'D') => DiscNumber,
            (10, b'D') if k[1] == b'i' => DiscCount,
            (10, b'D') => DateAdded,
            (4, b'Y') => Year,
            (13, b'D') => DateModified,
            (12, b'R') => ReleaseDate,
            (10, b'P') => PlayCount,
            (10, b'S') => SkipCount,
            (6, b'R') => Rating,
            (8, b'L') => Location,
            (7, b'P') => Podcast,
            (9, b'H') => HasVideo,
            (5, b'M') => Movie,
            (7, b'T') => TvShow,
            (11, b'M') => MusicVideo,
            (9, b'A') => Audiobook,
            (7, b'i') => ItunesU,
            (9, b'P') if k[1] == b'r' => Protected,
            (9, b'P') => Purchased,
            (11, b'A') => AppleMusic,
            (8, b'D') => Disabled,
            (11, b'C') => Compilation,
            _ => return None,
        };
        (k == field.key().as_bytes()).then_some(field)
    }

    /// The key as the export spells it.
    fn key(self) -> &'static str {
        use Field::*;
        match self {
            TrackId => "Track ID",
            PersistentId => "Persistent ID",
            Name => "Name",
            Artist => "Artist",
            AlbumArtist => "Album Artist",
            Album => "Album",
            Genre => "Genre",
            Composer => "Composer",
            Kind => "Kind",
            Size => "Size",
            TotalTime => "Total Time",
            TrackNumber => "Track Number",
            TrackCount => "Track Count",
            DiscNumber => "Disc Number",
            DiscCount => "Disc Count",
            Year => "Year",
            DateModified => "Date Modified",
            DateAdded => "Date Added",
            ReleaseDate => "Release Date",
            PlayCount => "Play Count",
            PlayDateUtc => "Play Date UTC",
            SkipCount => "Skip Count",
            Rating => "Rating",
            TrackType => "Track Type",
            Location => "Location",
            Podcast => "Podcast",
            HasVideo => "Has Video",
            Movie => "Movie",
            TvShow => "TV Show",
            MusicVideo => "Music Video",
            Audiobook => "Audiobook",
            ItunesU => "iTunesU",
            Protected => "Protected",
            Purchased => "Purchased",
            AppleMusic => "Apple Music",
            Disabled => "Disabled",
            Compilation => "Compilation",
        }
    }
}

/// Reads the value of `key` into the field it maps to, or skips it.
fn read_field<'a>(
    lx: &mut Lexer<'a>,
    key: Cow<'a, str>,
    t: &mut Track,
    persistent_id: &mut Option<String>,
) -> Result<(), LibraryError> {
    let Some(field) = Field::of(key.as_bytes()) else {
        return lx.skip_value(key);
    };
    let k = field.key();
    let m = &mut t.media;
    match field {
        Field::TrackId => t.track_id = ranged(lx, k, any)?,
        Field::PersistentId => *persistent_id = string_value(lx, k)?,
        Field::Name => t.name = string_value(lx, k)?,
        Field::Artist => t.artist = string_value(lx, k)?,
        Field::AlbumArtist => t.album_artist = string_value(lx, k)?,
        Field::Album => t.album = string_value(lx, k)?,
        Field::Genre => t.genre = string_value(lx, k)?,
        Field::Composer => t.composer = string_value(lx, k)?,
        Field::Kind => t.kind = string_value(lx, k)?,
        Field::TrackType => t.track_type = string_value(lx, k)?,
        Field::Location => t.location = string_value(lx, k)?,
        Field::Size => t.size = ranged(lx, k, any)?,
        Field::TotalTime => t.duration_ms = ranged(lx, k, any)?,
        Field::TrackNumber => t.track_number = ranged(lx, k, any)?,
        Field::TrackCount => t.track_count = ranged(lx, k, any)?,
        Field::DiscNumber => t.disc_number = ranged(lx, k, any)?,
        Field::DiscCount => t.disc_count = ranged(lx, k, any)?,
        Field::PlayCount => t.play_count = ranged(lx, k, any)?,
        Field::SkipCount => t.skip_count = ranged(lx, k, any)?,
        Field::Rating => t.rating = ranged(lx, k, |r: &u8| *r <= 100)?,
        // A negative year makes no sense; keep it unknown.
        Field::Year => t.year = ranged(lx, k, |y: &i32| *y >= 0)?,
        Field::DateModified => t.date_modified = date_value(lx, k)?,
        Field::DateAdded => t.date_added = date_value(lx, k)?,
        Field::ReleaseDate => t.release_date = date_value(lx, k)?,
        Field::PlayDateUtc => t.play_date = date_value(lx, k)?,
        Field::Podcast => m.podcast = flag(lx, k)?,
        Field::HasVideo => m.has_video = flag(lx, k)?,
        Field::Movie => m.movie = flag(lx, k)?,
        Field::TvShow => m.tv_show = flag(lx, k)?,
        Field::MusicVideo => m.music_video = flag(lx, k)?,
        Field::Audiobook => m.audiobook = flag(lx, k)?,
        Field::ItunesU => m.itunes_u = flag(lx, k)?,
        Field::Protected => m.protected = flag(lx, k)?,
        Field::Purchased => m.purchased = flag(lx, k)?,
        Field::AppleMusic => m.apple_music = flag(lx, k)?,
        Field::Disabled => m.disabled = flag(lx, k)?,
        Field::Compilation => m.compilation = flag(lx, k)?,
    }
    Ok(())
}

/// Any value of the field's type is fine.
fn any<T>(_: &T) -> bool {
    true
}

/// A media flag: `<true/>` sets it; `<false/>`, another value type or a
/// missing key leave it clear.
fn flag(lx: &mut Lexer<'_>, key: &str) -> Result<bool, LibraryError> {
    Ok(bool_value(lx, key)? == Some(true))
}

#[cfg(test)]
mod tests {
    use super::Field;

    #[test]
    fn every_field_is_found_by_its_key_and_nothing_else() {
        let all = [
            "Track ID",
            "Persistent ID",
            "Name",
            "Artist",
            "Album Artist",
            "Album",
            "Genre",
            "Composer",
            "Kind",
            "Size",
            "Total Time",
            "Track Number",
            "Track Count",
            "Disc Number",
            "Disc Count",
            "Year",
            "Date Modified",
            "Date Added",
            "Release Date",
            "Play Count",
            "Play Date UTC",
            "Skip Count",
            "Rating",
            "Track Type",
            "Location",
            "Podcast",
            "Has Video",
            "Movie",
            "TV Show",
            "Music Video",
            "Audiobook",
            "iTunesU",
            "Protected",
            "Purchased",
            "Apple Music",
            "Disabled",
            "Compilation",
        ];
        for key in all {
            let field = Field::of(key.as_bytes()).unwrap_or_else(|| panic!("{key}"));
            assert_eq!(field.key(), key);
        }
        for other in [
            "",
            "Play Date",
            "Track IDs",
            "Sort Name",
            "Bit Rate",
            "name",
            "Tracks",
        ] {
            assert_eq!(Field::of(other.as_bytes()), None, "{other}");
        }
    }
}
