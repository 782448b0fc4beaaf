//! Comparing a freshly parsed library with the snapshot, one track at a
//! time as the parser produces them, keeping only what changed. Pure: the
//! caller commits the result (store batch, index update, events) only once
//! the whole file has parsed, so a file that fails half-way changes nothing.

use std::collections::HashSet;

use trackcache_protocol::Track;

use super::encoded::{encode_track, EncodedTrack};
use super::fingerprint::{content_hash, file_fingerprint, fingerprint};
use super::index::{Hashes, LibraryIndex, Staged};

/// Why a track is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpsertKind {
    /// New id.
    Added,
    /// Cache-relevant fields changed: an event is emitted.
    Modified,
    /// Only the file changed (size, duration, dates): a
    /// `FingerprintChanged` event is emitted.
    FileChanged,
    /// Only other fields (plays, ratings, ...) changed: stored silently.
    Refreshed,
}

/// A track to write.
#[derive(Clone, Debug)]
pub struct Upsert {
    /// Why.
    pub kind: UpsertKind,
    /// Track id.
    pub id: Box<str>,
    /// The encoded track.
    pub encoded: EncodedTrack,
    /// Its index entry, names not yet interned.
    pub staged: Staged,
}

/// The outcome of a diff.
#[derive(Debug, Default)]
pub struct Diff {
    /// Tracks to write, in parse order.
    pub upserts: Vec<Upsert>,
    /// Ids in the snapshot that the new library no longer has, sorted.
    pub removed: Vec<Box<str>>,
    /// Tracks in the new library.
    pub total: usize,
    /// Ids that appeared more than once (the last one wins).
    pub duplicates: usize,
}

impl Diff {
    /// Tracks whose file alone changed.
    pub fn files_changed(&self) -> u64 {
        self.upserts
            .iter()
            .filter(|u| u.kind == UpsertKind::FileChanged)
            .count() as u64
    }

    /// Counts of added, modified and removed tracks (file changes and
    /// refreshes excluded).
    pub fn counts(&self) -> (u64, u64, u64) {
        let n = |k| self.upserts.iter().filter(|u| u.kind == k).count() as u64;
        (
            n(UpsertKind::Added),
            n(UpsertKind::Modified),
            self.removed.len() as u64,
        )
    }

    /// True when nothing at all changes.
    pub fn is_empty(&self) -> bool {
        self.upserts.is_empty() && self.removed.is_empty()
    }
}

/// Accumulates a diff against an index.
#[derive(Default)]
pub struct Differ {
    /// 128-bit hashes of the ids seen: no allocation per track, and a
    /// collision (which would hide one removal) is beyond any library size.
    seen: HashSet<u128, foldhash::fast::RandomState>,
    diff: Diff,
}

fn id_hash(id: &str) -> u128 {
    xxhash_rust::xxh3::xxh3_128(id.as_bytes())
}

impl Differ {
    /// A differ for one parse.
    pub fn new() -> Self {
        Self::default()
    }

    /// A differ that expects `tracks` tracks of which `upserts` change:
    /// reserving up front spares a first import of 100,000 tracks the
    /// copies (and the doubled peak) of growing its vectors.
    pub fn with_capacity(tracks: usize, upserts: usize) -> Self {
        let mut d = Self::default();
        d.seen.reserve(tracks);
        d.diff.upserts.reserve(upserts);
        d
    }

    /// Classifies one parsed track against the snapshot. Only tracks that
    /// changed are encoded and kept.
    pub fn feed(&mut self, index: &LibraryIndex, track: &Track) {
        let hashes = Hashes {
            fingerprint: fingerprint(track),
            file: file_fingerprint(track),
            content: content_hash(track),
        };
        let kind = match index.get(&track.id) {
            None => Some(UpsertKind::Added),
            Some(e) if e.fingerprint != hashes.fingerprint => Some(UpsertKind::Modified),
            Some(e) if e.file != hashes.file => Some(UpsertKind::FileChanged),
            Some(e) if e.content != hashes.content => Some(UpsertKind::Refreshed),
            Some(_) => None,
        };
        self.diff.total += 1;
        if !self.seen.insert(id_hash(&track.id)) {
            // A second track with the same id: the last one wins.
            self.diff.duplicates += 1;
            self.diff.total -= 1;
            self.diff.upserts.retain(|u| *u.id != *track.id);
        }
        if let Some(kind) = kind {
            self.diff.upserts.push(Upsert {
                kind,
                id: track.id.as_str().into(),
                encoded: encode_track(track),
                staged: Staged::of(track, hashes),
            });
        }
    }

    /// Finds the removed ids and returns the diff.
    pub fn finish(mut self, index: &LibraryIndex) -> Diff {
        let mut removed: Vec<Box<str>> = index
            .ids()
            .filter(|id| !self.seen.contains(&id_hash(id)))
            .map(Into::into)
            .collect();
        removed.sort();
        self.diff.removed = removed;
        self.diff
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(id: &str, artist: &str, plays: u32) -> Track {
        Track {
            artist: Some(artist.into()),
            album: Some("Album".into()),
            play_count: Some(plays),
            ..Track::with_id(id)
        }
    }

    fn index_of(tracks: &[Track]) -> LibraryIndex {
        let mut ix = LibraryIndex::default();
        for t in tracks {
            let e = ix.entry_for(t, content_hash(t));
            ix.insert(&t.id, e);
        }
        ix
    }

    fn diff(old: &[Track], new: &[Track]) -> Diff {
        let ix = index_of(old);
        let mut d = Differ::new();
        for t in new {
            d.feed(&ix, t);
        }
        d.finish(&ix)
    }

    fn kinds(d: &Diff) -> Vec<(&str, UpsertKind)> {
        d.upserts.iter().map(|u| (&*u.id, u.kind)).collect()
    }

    #[test]
    fn unchanged_library_diffs_to_nothing() {
        let lib = [track("a", "A", 1), track("b", "B", 2)];
        let d = diff(&lib, &lib);
        assert!(d.is_empty());
        assert_eq!(d.total, 2);
    }

    #[test]
    fn added_removed_modified_and_refreshed() {
        let old = [track("a", "A", 1), track("b", "B", 1), track("c", "C", 1)];
        let new = [
            track("a", "A", 5),         // plays only: refreshed, no event
            track("b", "B renamed", 1), // modified
            track("d", "D", 0),         // added
        ];
        let d = diff(&old, &new);
        assert_eq!(
            kinds(&d),
            vec![
                ("a", UpsertKind::Refreshed),
                ("b", UpsertKind::Modified),
                ("d", UpsertKind::Added)
            ]
        );
        assert_eq!(d.removed, vec![Box::<str>::from("c")]);
        assert_eq!(d.counts(), (1, 1, 1));
    }

    #[test]
    fn a_replaced_file_with_the_same_metadata_is_a_file_change() {
        let old = track("a", "A", 1);
        let mut new = old.clone();
        new.size = Some(9_000_000);
        new.date_modified = Some(1_700_000_000);
        new.play_count = Some(7);
        let d = diff(std::slice::from_ref(&old), &[new]);
        assert_eq!(kinds(&d), vec![("a", UpsertKind::FileChanged)]);
        assert_eq!(d.counts(), (0, 0, 0));
        assert_eq!(d.files_changed(), 1);
        let mut renamed = old.clone();
        renamed.size = Some(1);
        renamed.artist = Some("B".into());
        let d = diff(&[old], &[renamed]);
        assert_eq!(
            kinds(&d),
            vec![("a", UpsertKind::Modified)],
            "a metadata change is reported as that alone"
        );
    }

    #[test]
    fn first_import_adds_everything() {
        let new: Vec<_> = (0..50).map(|i| track(&format!("t{i}"), "X", 0)).collect();
        let d = diff(&[], &new);
        assert_eq!(d.counts(), (50, 0, 0));
    }

    #[test]
    fn an_empty_library_removes_everything() {
        let d = diff(&[track("a", "A", 1)], &[]);
        assert_eq!(d.counts(), (0, 0, 1));
        assert_eq!(d.total, 0);
    }

    #[test]
    fn duplicate_ids_keep_the_last() {
        let d = diff(
            &[track("a", "A", 1)],
            &[track("a", "Z", 1), track("a", "A", 1)],
        );
        assert_eq!(d.duplicates, 1);
        assert_eq!(d.total, 1);
        assert!(d.is_empty(), "the last copy equals the snapshot");
    }
}
