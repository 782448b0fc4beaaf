//! The rules table: what each library event makes stale. Pure: it only
//! plans actions; `Invalidator` carries them out.
//!
//! | event | drops | reason |
//! |---|---|---|
//! | `TrackAdded` | the pair's not-found and failed API entries (a lookup may now succeed); the track's tags | `track_added` |
//! | `TrackRemoved` | when no remaining track has the pair: its album year and all its API entries; the track's tags | `track_removed` |
//! | `TrackModified`, artist / album artist / album changed | the old pair's album year and API entries; the new pair's not-found and failed entries | `track_modified` |
//! | `TrackModified`, year changed | the pair's album year unless it equals the new year | `year_changed` |
//! | `TrackModified`, any change | the old and new tags | `track_modified` |
//! | `LibrarySynced` | album years whose album fingerprint no longer matches | `fingerprint_changed` |

use std::collections::BTreeSet;

use trackcache_protocol::{Event, FieldChange, Track};

use crate::keys::{pairs_of, tags_of, AlbumPair, ApiScope};

/// One thing to drop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// The pair's album-year entry.
    AlbumYear(AlbumPair),
    /// The pair's album-year entry, unless its year equals this one.
    AlbumYearUnlessYear(AlbumPair, Option<i32>),
    /// The pair's API entries.
    Api(AlbumPair, ApiScope),
    /// Generic entries carrying this tag.
    Tag(String),
    /// Album years whose fingerprint no longer matches the library.
    StaleFingerprints,
}

/// Why something was dropped (counted in stats, sent in events).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    /// A track was added.
    TrackAdded,
    /// A track was removed.
    TrackRemoved,
    /// A track's names changed.
    TrackModified,
    /// A track's year changed.
    YearChanged,
    /// An album's tracks or years changed.
    FingerprintChanged,
    /// Someone asked (`Invalidate`).
    Manual,
}

impl Reason {
    /// snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            Self::TrackAdded => "track_added",
            Self::TrackRemoved => "track_removed",
            Self::TrackModified => "track_modified",
            Self::YearChanged => "year_changed",
            Self::FingerprintChanged => "fingerprint_changed",
            Self::Manual => "manual",
        }
    }
}

/// What invalidation reads from the library, as it is after the change.
pub trait LibraryView {
    /// Whether any track still has this pair.
    fn pair_has_tracks(&self, pair: &AlbumPair) -> bool;
    /// The album fingerprint of a pair now (0 when no track has it).
    fn album_fingerprint(&self, pair: &AlbumPair) -> u64;
    /// The track with this id, if any (a manual `invalidate track`).
    fn track(&self, id: &str) -> Option<Track>;
}

/// The track as it was before a modification.
pub fn old_track(new: &Track, changes: &[FieldChange]) -> Track {
    let mut old = new.clone();
    for c in changes {
        let v = c.old.clone();
        match c.field.as_str() {
            "id" => old.id = v.unwrap_or_default(),
            "name" => old.name = v,
            "artist" => old.artist = v,
            "album_artist" => old.album_artist = v,
            "album" => old.album = v,
            "genre" => old.genre = v,
            "year" => old.year = v.and_then(|y| y.parse().ok()),
            "location" => old.location = v,
            _ => {}
        }
    }
    old
}

fn tag_actions(tracks: &[&Track], reason: Reason) -> Vec<(Action, Reason)> {
    let tags: BTreeSet<String> = tracks.iter().flat_map(|t| tags_of(t)).collect();
    tags.into_iter().map(|t| (Action::Tag(t), reason)).collect()
}

/// The actions one event calls for.
pub fn plan(event: &Event, lib: &dyn LibraryView) -> Vec<(Action, Reason)> {
    let mut out = Vec::new();
    match event {
        Event::TrackAdded { track } => {
            for p in pairs_of(track) {
                out.push((Action::Api(p, ApiScope::Retryable), Reason::TrackAdded));
            }
            out.extend(tag_actions(&[track], Reason::TrackAdded));
        }
        Event::TrackRemoved { track } => {
            for p in pairs_of(track)
                .into_iter()
                .filter(|p| !lib.pair_has_tracks(p))
            {
                out.push((Action::AlbumYear(p.clone()), Reason::TrackRemoved));
                out.push((Action::Api(p, ApiScope::All), Reason::TrackRemoved));
            }
            out.extend(tag_actions(&[track], Reason::TrackRemoved));
        }
        Event::TrackModified { track, changes } => {
            let old = old_track(track, changes);
            let changed = |f: &str| changes.iter().any(|c| c.field == f);
            let (old_pairs, new_pairs) = (pairs_of(&old), pairs_of(track));
            if changed("artist") || changed("album_artist") || changed("album") {
                for p in old_pairs.iter().filter(|p| !new_pairs.contains(p)) {
                    out.push((Action::AlbumYear(p.clone()), Reason::TrackModified));
                    out.push((Action::Api(p.clone(), ApiScope::All), Reason::TrackModified));
                }
                for p in new_pairs.iter().filter(|p| !old_pairs.contains(p)) {
                    out.push((
                        Action::Api(p.clone(), ApiScope::Retryable),
                        Reason::TrackModified,
                    ));
                }
            }
            if changed("year") {
                for p in &new_pairs {
                    out.push((
                        Action::AlbumYearUnlessYear(p.clone(), track.year),
                        Reason::YearChanged,
                    ));
                }
            }
            out.extend(tag_actions(&[&old, track], Reason::TrackModified));
        }
        Event::LibrarySynced { .. } => {
            out.push((Action::StaleFingerprints, Reason::FingerprintChanged))
        }
        Event::LibraryImported { .. } | Event::Resync { .. } | Event::EntriesInvalidated { .. } => {
        }
    }
    out
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
