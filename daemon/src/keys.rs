//! Album pairs, dependency tags and API scopes: the normalized names that
//! link cache entries to library changes. A leaf: the caches and the
//! invalidation rules both build on it, and it depends on neither (only on
//! the content types' names).
//!
//! A pair is (artist, album), both normalized (`crate::normalize`). A track
//! belongs to the pair of its artist and, when it has one, of its album
//! artist. Tags are `artist:NAME`, `album:ARTIST|ALBUM` and `track:ID`, with
//! names normalized the same way, so `artist:The Beatles ` and
//! `artist:the beatles` are one tag.

use trackcache_protocol::Track;

use crate::config::types;
use crate::normalize::normalize;

/// Separator inside cache keys built from names (a control character that
/// normalized names do not contain in practice).
pub const SEP: char = '\u{1f}';

/// Which API entries of a pair: a set of the three outcomes (each its own
/// content type), so a rule can name some and the content types'
/// strategies can take some out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApiScope {
    /// Found answers (`successful_api_metadata`).
    pub found: bool,
    /// Not-found answers (`negative_result`).
    pub not_found: bool,
    /// Failed lookups (`failed_api_lookup`).
    pub failed: bool,
}

impl ApiScope {
    /// Every outcome.
    pub const ALL: Self = Self {
        found: true,
        not_found: true,
        failed: true,
    };
    /// Only not-found and failed (those worth retrying).
    pub const RETRYABLE: Self = Self {
        found: false,
        not_found: true,
        failed: true,
    };

    /// Whether the scope holds the entries of this content type.
    pub fn contains(self, content_type: &str) -> bool {
        match content_type {
            types::SUCCESSFUL_API => self.found,
            types::NEGATIVE => self.not_found,
            types::FAILED_API => self.failed,
            _ => false,
        }
    }

    /// The scope without the content types `keep` refuses.
    pub fn only(self, keep: impl Fn(&str) -> bool) -> Self {
        Self {
            found: self.found && keep(types::SUCCESSFUL_API),
            not_found: self.not_found && keep(types::NEGATIVE),
            failed: self.failed && keep(types::FAILED_API),
        }
    }

    /// Whether no outcome is in the scope.
    pub fn is_empty(self) -> bool {
        !(self.found || self.not_found || self.failed)
    }
}

/// A normalized (artist, album) pair.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AlbumPair {
    /// Normalized artist.
    pub artist: String,
    /// Normalized album.
    pub album: String,
}

impl AlbumPair {
    /// The pair of raw names; `None` when either is blank.
    pub fn new(artist: &str, album: &str) -> Option<Self> {
        let (artist, album) = (normalize(artist), normalize(album));
        (!artist.is_empty() && !album.is_empty()).then_some(Self { artist, album })
    }

    /// Cache key of the pair.
    pub fn key(&self) -> String {
        format!("{}{SEP}{}", self.artist, self.album)
    }

    /// Prefix shared by every key that starts with this pair.
    pub fn prefix(&self) -> String {
        format!("{}{SEP}{}{SEP}", self.artist, self.album)
    }

    /// `artist|album`, for events and logs.
    pub fn display(&self) -> String {
        format!("{}|{}", self.artist, self.album)
    }
}

/// What a single-flight lease is about. One type, so the key a `Lookup`
/// takes and the key a set completes are built the same way.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum LeaseKey {
    /// An album's year.
    AlbumYear(AlbumPair),
    /// One source's answer about an album (source normalized).
    Api {
        /// The album.
        pair: AlbumPair,
        /// The source, normalized.
        source: String,
    },
    /// A generic-cache key.
    Kv {
        /// The namespace.
        namespace: String,
        /// The key.
        key: String,
    },
}

impl LeaseKey {
    /// The lease on a source's answer about an album.
    pub fn api(pair: AlbumPair, source: &str) -> Self {
        Self::Api {
            pair,
            source: normalize(source),
        }
    }

    /// The lease on a generic-cache key.
    pub fn kv(namespace: &str, key: &str) -> Self {
        Self::Kv {
            namespace: namespace.to_owned(),
            key: key.to_owned(),
        }
    }
}

/// The pairs a track belongs to (its artist's, and its album artist's).
pub fn pairs_of(t: &Track) -> Vec<AlbumPair> {
    let Some(album) = t.album.as_deref() else {
        return Vec::new();
    };
    let mut out: Vec<AlbumPair> = [t.artist.as_deref(), t.album_artist.as_deref()]
        .into_iter()
        .flatten()
        .filter_map(|a| AlbumPair::new(a, album))
        .collect();
    out.dedup();
    out
}

/// A tag that is none of the forms that exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid tag {0:?}: use artist:NAME, album:ARTIST|ALBUM or track:ID")]
pub struct BadTag(pub String);

/// Normalizes a client's tag; the error says which forms exist.
pub fn normalize_tag(tag: &str) -> Result<String, BadTag> {
    let bad = || BadTag(tag.to_owned());
    let (kind, rest) = tag.split_once(':').ok_or_else(bad)?;
    match kind.trim() {
        "artist" => {
            let n = normalize(rest);
            if n.is_empty() {
                return Err(bad());
            }
            Ok(format!("artist:{n}"))
        }
        "album" => {
            let (artist, album) = rest.split_once('|').ok_or_else(bad)?;
            let pair = AlbumPair::new(artist, album).ok_or_else(bad)?;
            Ok(album_tag(&pair))
        }
        "track" if !rest.trim().is_empty() => Ok(format!("track:{}", rest.trim())),
        _ => Err(bad()),
    }
}

fn album_tag(p: &AlbumPair) -> String {
    format!("album:{}|{}", p.artist, p.album)
}

/// The tags a library change to this track touches.
pub fn tags_of(t: &Track) -> Vec<String> {
    let mut out = vec![format!("track:{}", t.id)];
    for a in [t.artist.as_deref(), t.album_artist.as_deref()]
        .into_iter()
        .flatten()
    {
        let n = normalize(a);
        if !n.is_empty() {
            out.push(format!("artist:{n}"));
        }
    }
    out.extend(pairs_of(t).iter().map(album_tag));
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track() -> Track {
        Track {
            artist: Some("Roger Waters".into()),
            album_artist: Some("Pink Floyd".into()),
            album: Some("The Wall ".into()),
            ..Track::with_id("T1")
        }
    }

    #[test]
    fn a_track_belongs_to_its_artist_and_album_artist_pairs() {
        let pairs = pairs_of(&track());
        assert_eq!(pairs.len(), 2);
        assert_eq!(pairs[0].key(), "roger waters\u{1f}the wall");
        assert_eq!(pairs[1].display(), "pink floyd|the wall");
        let mut same = track();
        same.album_artist = Some("ROGER waters".into());
        assert_eq!(pairs_of(&same).len(), 1, "deduplicated");
        let mut no_album = track();
        no_album.album = None;
        assert!(pairs_of(&no_album).is_empty());
    }

    #[test]
    fn tags_are_normalized_and_checked() {
        assert_eq!(
            normalize_tag("artist: The  Beatles ").unwrap(),
            "artist:the beatles"
        );
        assert_eq!(
            normalize_tag("album:Pink Floyd|The Wall").unwrap(),
            "album:pink floyd|the wall"
        );
        assert_eq!(normalize_tag("track: ABC ").unwrap(), "track:ABC");
        for bad in ["genre:rock", "artist:", "album:x", "track:", "nocolon"] {
            assert!(normalize_tag(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_track_touches_its_id_artists_and_albums() {
        assert_eq!(
            tags_of(&track()),
            vec![
                "album:pink floyd|the wall",
                "album:roger waters|the wall",
                "artist:pink floyd",
                "artist:roger waters",
                "track:T1"
            ]
        );
        // What a client tags with matches what a change touches.
        assert!(tags_of(&track()).contains(&normalize_tag("artist:ROGER WATERS").unwrap()));
    }
}
