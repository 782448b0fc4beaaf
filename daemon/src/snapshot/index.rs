//! The in-memory index of the library snapshot: per track id, its three
//! hashes and its normalized names as interned symbols. Full tracks live in
//! the store; this index is what diffing and queries need, in about 100
//! bytes a track instead of about a kilobyte.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use trackcache_protocol::Track;

use super::album::track_hash;
pub use super::album::AlbumAgg;
use super::fingerprint::{file_fingerprint, fingerprint};
use crate::normalize::normalize;

/// An interned normalized name; 0 means "none".
pub type Sym = u32;

/// Interned names: normalized form plus the first spelling seen, for display.
#[derive(Default)]
pub struct Interner {
    ids: HashMap<Box<str>, Sym>,
    /// Raw spellings already seen: a library repeats the same artist, album
    /// and genre strings thousands of times, and normalizing (NFKC) each
    /// again dominated building the index.
    raw: HashMap<Box<str>, Sym>,
    names: Vec<(Box<str>, Box<str>)>,
}

impl Interner {
    /// The symbol of a raw name (blank or missing names are 0).
    pub fn intern(&mut self, raw: Option<&str>) -> Sym {
        let Some(raw) = raw else { return 0 };
        if let Some(&id) = self.raw.get(raw) {
            return id;
        }
        let norm = normalize(raw);
        let id = if norm.is_empty() {
            0
        } else if let Some(&id) = self.ids.get(norm.as_str()) {
            id
        } else {
            self.names.push((norm.clone().into(), raw.trim().into()));
            let id = self.names.len() as Sym;
            self.ids.insert(norm.into(), id);
            id
        };
        self.raw.insert(raw.into(), id);
        id
    }

    /// The symbol of an already normalized name, if it was ever seen.
    pub fn lookup(&self, normalized: &str) -> Option<Sym> {
        self.ids.get(normalized).copied()
    }

    /// Normalized form of a symbol ("" for 0).
    pub fn normalized(&self, s: Sym) -> &str {
        self.entry(s).map_or("", |(n, _)| n)
    }

    /// Every (normalized, display) pair in symbol order.
    pub fn all(&self) -> impl Iterator<Item = (&str, &str)> {
        self.names.iter().map(|(n, d)| (&**n, &**d))
    }

    /// An interner holding these (normalized, display) pairs as symbols 1..
    pub fn from_names(names: Vec<(String, String)>) -> Self {
        let mut i = Self::default();
        for (n, d) in names {
            i.names.push((n.clone().into(), d.into()));
            i.ids.insert(n.into(), i.names.len() as Sym);
        }
        i
    }

    /// Display spelling of a symbol ("" for 0).
    pub fn display(&self, s: Sym) -> &str {
        self.entry(s).map_or("", |(_, d)| d)
    }

    fn entry(&self, s: Sym) -> Option<&(Box<str>, Box<str>)> {
        self.names.get((s as usize).checked_sub(1)?)
    }
}

/// What the index keeps per track.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexEntry {
    /// Hash of the cache-relevant fields.
    pub fingerprint: u64,
    /// Hash of the file's fields (size, duration, dates, location).
    pub file: u64,
    /// Hash of the whole encoded track.
    pub content: u64,
    /// Track artist.
    pub artist: Sym,
    /// Album artist.
    pub album_artist: Sym,
    /// Album artist if set, else artist: who the album belongs to.
    pub owner: Sym,
    /// Album.
    pub album: Sym,
    /// Genre.
    pub genre: Sym,
    /// Year.
    pub year: Option<i32>,
    /// Disc number (0 if none), for ordering.
    pub disc: u16,
    /// Track number (0 if none), for ordering.
    pub number: u16,
}

/// Optional filters of a track listing, each an exact match on the normalized value.
#[derive(Clone, Debug, Default)]
pub struct TrackFilter {
    /// Track artist.
    pub artist: Option<String>,
    /// Album artist.
    pub album_artist: Option<String>,
    /// Album.
    pub album: Option<String>,
    /// Genre.
    pub genre: Option<String>,
}

/// One album and how many tracks it has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlbumRow {
    /// Album artist (or artist) as spelled in the library.
    pub artist: String,
    /// Album as spelled in the library.
    pub album: String,
    /// Tracks on it.
    pub tracks: u64,
    /// Smallest year among its tracks.
    pub year: Option<i32>,
}

/// The snapshot index.
#[derive(Default)]
pub struct LibraryIndex {
    names: Interner,
    /// foldhash: every track of a re-read is looked up here.
    tracks: HashMap<Box<str>, IndexEntry, foldhash::fast::RandomState>,
    albums: HashMap<(Sym, Sym), AlbumAgg>,
}

/// A track's three hashes: what caches depend on, its file, everything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hashes {
    /// `fingerprint::fingerprint`.
    pub fingerprint: u64,
    /// `fingerprint::file_fingerprint`.
    pub file: u64,
    /// `fingerprint::content_hash`.
    pub content: u64,
}

/// An index entry whose names are not interned yet: the differ builds it
/// while only reading the index; the commit interns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Staged {
    /// Hash of the cache-relevant fields.
    pub fingerprint: u64,
    /// Hash of the file's fields.
    pub file: u64,
    /// Hash of the whole track.
    pub content: u64,
    names: [Option<Box<str>>; 4],
    year: Option<i32>,
    disc: u16,
    number: u16,
}

impl Staged {
    /// The staged entry of a track with its hashes.
    pub fn of(t: &Track, hashes: Hashes) -> Self {
        let num = |n: Option<u32>| n.map_or(0, |n| u16::try_from(n).unwrap_or(u16::MAX));
        Self {
            fingerprint: hashes.fingerprint,
            file: hashes.file,
            content: hashes.content,
            names: [&t.artist, &t.album_artist, &t.album, &t.genre]
                .map(|n| n.as_deref().map(Into::into)),
            year: t.year,
            disc: num(t.disc_number),
            number: num(t.track_number),
        }
    }
}

impl LibraryIndex {
    /// Builds the index entry of a track (interning its names).
    pub fn entry_for(&mut self, t: &Track, content: u64) -> IndexEntry {
        let hashes = Hashes {
            fingerprint: fingerprint(t),
            file: file_fingerprint(t),
            content,
        };
        self.intern(&Staged::of(t, hashes))
    }

    /// Interns a staged entry's names.
    pub fn intern(&mut self, s: &Staged) -> IndexEntry {
        let [artist, album_artist, album, genre] =
            s.names.each_ref().map(|n| self.names.intern(n.as_deref()));
        IndexEntry {
            fingerprint: s.fingerprint,
            file: s.file,
            content: s.content,
            artist,
            album_artist,
            owner: if album_artist != 0 {
                album_artist
            } else {
                artist
            },
            album,
            genre,
            year: s.year,
            disc: s.disc,
            number: s.number,
        }
    }

    /// Adds or replaces a track.
    pub fn insert(&mut self, id: &str, entry: IndexEntry) {
        if let Some(old) = self.tracks.insert(id.into(), entry) {
            self.account(id, &old, false);
        }
        self.account(id, &entry, true);
    }

    /// Removes a track.
    pub fn remove(&mut self, id: &str) -> Option<IndexEntry> {
        let old = self.tracks.remove(id)?;
        self.account(id, &old, false);
        Some(old)
    }

    /// Adds (or takes out) a track's share of its album pairs.
    fn account(&mut self, id: &str, e: &IndexEntry, add: bool) {
        if e.album == 0 {
            return;
        }
        let h = track_hash(id, e.year);
        let mut owners = [e.artist, e.album_artist];
        if owners[0] == owners[1] {
            owners[1] = 0;
        }
        for owner in owners.into_iter().filter(|s| *s != 0) {
            let agg = self.albums.entry((owner, e.album)).or_default();
            agg.count_year(e.year, add);
            if add {
                agg.tracks += 1;
                agg.fingerprint = agg.fingerprint.wrapping_add(h);
            } else {
                agg.tracks = agg.tracks.saturating_sub(1);
                agg.fingerprint = agg.fingerprint.wrapping_sub(h);
                if agg.tracks == 0 {
                    self.albums.remove(&(owner, e.album));
                }
            }
        }
    }

    /// Tracks and fingerprint of a normalized (artist, album) pair: tracks
    /// whose album matches and whose artist or album artist does.
    pub fn album(&self, artist: &str, album: &str) -> AlbumAgg {
        match (self.names.lookup(artist), self.names.lookup(album)) {
            (Some(a), Some(b)) => self.albums.get(&(a, b)).copied().unwrap_or_default(),
            _ => AlbumAgg::default(),
        }
    }

    /// The entry of a track.
    pub fn get(&self, id: &str) -> Option<&IndexEntry> {
        self.tracks.get(id)
    }

    /// Number of tracks.
    pub fn len(&self) -> usize {
        self.tracks.len()
    }

    /// Whether the library is empty.
    pub fn is_empty(&self) -> bool {
        self.tracks.is_empty()
    }

    /// An empty index over existing names.
    pub fn with_names(names: Interner) -> Self {
        Self {
            names,
            ..Self::default()
        }
    }

    /// Every (id, entry).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &IndexEntry)> {
        self.tracks.iter().map(|(k, e)| (&**k, e))
    }

    /// Every track id.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.tracks.keys().map(|k| &**k)
    }

    /// The interned names.
    pub fn names(&self) -> &Interner {
        &self.names
    }

    /// Resolves a filter value to a symbol; `Err(())` when no track can match.
    fn want(&self, v: &Option<String>) -> Result<Option<Sym>, ()> {
        match v {
            None => Ok(None),
            Some(v) => self.names.lookup(&normalize(v)).map(Some).ok_or(()),
        }
    }

    /// Ids matching the filter, in album order (owner, album, disc, number, id).
    pub fn list(&self, f: &TrackFilter) -> Vec<&str> {
        let (Ok(artist), Ok(album_artist), Ok(album), Ok(genre)) = (
            self.want(&f.artist),
            self.want(&f.album_artist),
            self.want(&f.album),
            self.want(&f.genre),
        ) else {
            return Vec::new();
        };
        let is = |want: Option<Sym>, got: Sym| want.is_none_or(|w| w == got);
        let mut hits: Vec<(&str, &IndexEntry)> = self
            .tracks
            .iter()
            .filter(|(_, e)| {
                is(artist, e.artist)
                    && is(album_artist, e.album_artist)
                    && is(album, e.album)
                    && is(genre, e.genre)
            })
            .map(|(id, e)| (&**id, e))
            .collect();
        hits.sort_by(|(ia, a), (ib, b)| {
            let n = |s| self.names.normalized(s);
            (n(a.owner), n(a.album), a.disc, a.number, ia).cmp(&(
                n(b.owner),
                n(b.album),
                b.disc,
                b.number,
                ib,
            ))
        });
        hits.into_iter().map(|(id, _)| id).collect()
    }

    /// Albums with their track counts, optionally only those where `artist`
    /// is the album's owner or one of its track artists.
    pub fn albums(&self, artist: Option<&str>) -> Vec<AlbumRow> {
        let want = match artist {
            None => None,
            Some(a) => match self.names.lookup(&normalize(a)) {
                Some(s) => Some(s),
                None => return Vec::new(),
            },
        };
        let mut groups: HashMap<(Sym, Sym), (u64, Option<i32>, bool)> = HashMap::new();
        for e in self.tracks.values().filter(|e| e.album != 0) {
            let g = groups.entry((e.owner, e.album)).or_insert((0, None, false));
            g.0 += 1;
            g.1 = match (g.1, e.year) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            g.2 |= want.is_none_or(|w| w == e.owner || w == e.artist);
        }
        let mut rows: Vec<AlbumRow> = groups
            .into_iter()
            .filter(|(_, g)| g.2)
            .map(|((owner, album), (tracks, year, _))| AlbumRow {
                artist: self.names.display(owner).to_owned(),
                album: self.names.display(album).to_owned(),
                tracks,
                year,
            })
            .collect();
        rows.sort_by(|a, b| {
            (normalize(&a.artist), normalize(&a.album))
                .cmp(&(normalize(&b.artist), normalize(&b.album)))
        });
        rows
    }
}

#[cfg(test)]
#[path = "index_tests.rs"]
mod tests;
