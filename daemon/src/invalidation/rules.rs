//! The rules table: what each library event makes stale, and which content
//! types' strategies let it. Pure: it only plans actions; `Invalidator`
//! carries them out.
//!
//! | event | drops | reason | trigger |
//! |---|---|---|---|
//! | `TrackAdded` | the pair's not-found and failed API entries (a lookup may now succeed); the track's tags | `track_added` | event |
//! | `TrackRemoved` | when no remaining track has the pair: its album year and all its API entries; the track's tags | `track_removed` | event |
//! | `TrackModified`, artist / album artist / album changed | the old pair's album year and API entries; the new pair's not-found and failed entries | `track_modified` | event |
//! | `TrackModified`, year changed | the pair's album year unless it equals the new year | `year_changed` | event |
//! | `TrackModified`, any change | the old and new tags | `track_modified` | event |
//! | `FingerprintChanged` (the track's file changed, its metadata did not) | the pair's album year and API entries; the track's tags | `fingerprint_changed` | fingerprint |
//! | `LibrarySynced` | album years whose album fingerprint no longer matches, unless every dated track of the album now has the cached year | `fingerprint_changed` | fingerprint |
//!
//! A planned drop happens only for the content types whose strategy reacts
//! to its trigger ([`reacts`]):
//!
//! | strategy | event | fingerprint |
//! |---|---|---|
//! | `time_based` | no | no |
//! | `event_driven` | yes | no |
//! | `fingerprint_based` | no | yes |
//! | `hybrid` | yes | yes |
//!
//! Album years and API entries are filtered here, from [`Strategies`];
//! tags carry their trigger, and each client namespace is asked with its
//! own strategy when the tag is dropped.

use std::collections::BTreeSet;

use trackcache_protocol::{Event, FieldChange, Track};

use crate::config::{types, Strategy};
use crate::keys::{pairs_of, tags_of, AlbumPair, ApiScope};

/// What kind of library change a rule answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Trigger {
    /// A track was added, removed or had its names or year changed.
    Event,
    /// A track's file, or an album's fingerprint, changed.
    Fingerprint,
}

/// Whether a content type with `strategy` is dropped by a change of this kind.
pub fn reacts(strategy: Strategy, trigger: Trigger) -> bool {
    matches!(
        (strategy, trigger),
        (Strategy::Hybrid, _)
            | (Strategy::EventDriven, Trigger::Event)
            | (Strategy::FingerprintBased, Trigger::Fingerprint)
    )
}

/// The strategies of the domain content types, as the planner needs them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Strategies {
    /// `album_year`.
    pub album_year: Strategy,
    /// `successful_api_metadata`.
    pub found: Strategy,
    /// `negative_result`.
    pub not_found: Strategy,
    /// `failed_api_lookup`.
    pub failed: Strategy,
}

impl Strategies {
    /// The strategy of a domain content type (`time_based` for any other).
    pub fn of(&self, content_type: &str) -> Strategy {
        match content_type {
            types::ALBUM_YEAR => self.album_year,
            types::SUCCESSFUL_API => self.found,
            types::NEGATIVE => self.not_found,
            types::FAILED_API => self.failed,
            _ => Strategy::TimeBased,
        }
    }
}

impl Default for Strategies {
    /// GenreUpdater's defaults.
    fn default() -> Self {
        Self {
            album_year: Strategy::Hybrid,
            found: Strategy::EventDriven,
            not_found: Strategy::TimeBased,
            failed: Strategy::TimeBased,
        }
    }
}

/// One thing to drop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// The pair's album-year entry.
    AlbumYear(AlbumPair),
    /// The pair's album-year entry, unless its year equals this one.
    AlbumYearUnlessYear(AlbumPair, Option<i32>),
    /// The pair's API entries.
    Api(AlbumPair, ApiScope),
    /// Entries carrying this tag, in the client namespaces whose strategy
    /// reacts to the trigger.
    Tag(String, Trigger),
    /// Album years whose fingerprint no longer matches the library (and
    /// whose year the album's tracks no longer all carry).
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
    /// A track's file, or an album's tracks or years, changed.
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

    /// What kind of change the reason stands for.
    fn trigger(self) -> Trigger {
        match self {
            Self::FingerprintChanged => Trigger::Fingerprint,
            _ => Trigger::Event,
        }
    }
}

/// What invalidation reads from the library, as it is after the change.
pub trait LibraryView {
    /// Whether any track still has this pair.
    fn pair_has_tracks(&self, pair: &AlbumPair) -> bool;
    /// The album fingerprint of a pair now (0 when no track has it).
    fn album_fingerprint(&self, pair: &AlbumPair) -> u64;
    /// The year every track of the pair that has a year carries; `None`
    /// when no track has a year or they differ.
    fn album_year(&self, pair: &AlbumPair) -> Option<i32>;
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
    tags.into_iter()
        .map(|t| (Action::Tag(t, reason.trigger()), reason))
        .collect()
}

/// The actions one event calls for, for the content types whose strategy
/// lets them.
pub fn plan(event: &Event, lib: &dyn LibraryView, s: &Strategies) -> Vec<(Action, Reason)> {
    every_action(event, lib)
        .into_iter()
        .filter_map(|(action, reason)| allowed(action, reason, s).map(|a| (a, reason)))
        .collect()
}

/// The action as the strategies allow it: API scopes narrowed, drops of a
/// content type whose strategy ignores the trigger left out. Tags pass:
/// each namespace is asked when they are dropped.
fn allowed(action: Action, reason: Reason, s: &Strategies) -> Option<Action> {
    let trigger = reason.trigger();
    let ok = |ct: &str| reacts(s.of(ct), trigger);
    match action {
        Action::AlbumYear(_) | Action::AlbumYearUnlessYear(..) | Action::StaleFingerprints => {
            ok(types::ALBUM_YEAR).then_some(action)
        }
        Action::Api(p, scope) => {
            let scope = scope.only(ok);
            (!scope.is_empty()).then_some(Action::Api(p, scope))
        }
        Action::Tag(..) => Some(action),
    }
}

/// Every action the event calls for, before the strategies have a say.
fn every_action(event: &Event, lib: &dyn LibraryView) -> Vec<(Action, Reason)> {
    let mut out = Vec::new();
    match event {
        Event::TrackAdded { track } => {
            for p in pairs_of(track) {
                out.push((Action::Api(p, ApiScope::RETRYABLE), Reason::TrackAdded));
            }
            out.extend(tag_actions(&[track], Reason::TrackAdded));
        }
        Event::TrackRemoved { track } => {
            for p in pairs_of(track)
                .into_iter()
                .filter(|p| !lib.pair_has_tracks(p))
            {
                out.push((Action::AlbumYear(p.clone()), Reason::TrackRemoved));
                out.push((Action::Api(p, ApiScope::ALL), Reason::TrackRemoved));
            }
            out.extend(tag_actions(&[track], Reason::TrackRemoved));
        }
        Event::TrackModified { track, changes } => modified(track, changes, &mut out),
        Event::FingerprintChanged { track, .. } => {
            let r = Reason::FingerprintChanged;
            for p in pairs_of(track) {
                out.push((Action::AlbumYear(p.clone()), r));
                out.push((Action::Api(p, ApiScope::ALL), r));
            }
            out.extend(tag_actions(&[track], r));
        }
        Event::LibrarySynced { .. } => {
            out.push((Action::StaleFingerprints, Reason::FingerprintChanged))
        }
        Event::LibraryImported { .. }
        | Event::Resync { .. }
        | Event::EntriesInvalidated { .. }
        | Event::ManualInvalidation { .. } => {}
    }
    out
}

fn modified(track: &Track, changes: &[FieldChange], out: &mut Vec<(Action, Reason)>) {
    let old = old_track(track, changes);
    let changed = |f: &str| changes.iter().any(|c| c.field == f);
    let (old_pairs, new_pairs) = (pairs_of(&old), pairs_of(track));
    if changed("artist") || changed("album_artist") || changed("album") {
        for p in old_pairs.iter().filter(|p| !new_pairs.contains(p)) {
            out.push((Action::AlbumYear(p.clone()), Reason::TrackModified));
            out.push((Action::Api(p.clone(), ApiScope::ALL), Reason::TrackModified));
        }
        for p in new_pairs.iter().filter(|p| !old_pairs.contains(p)) {
            out.push((
                Action::Api(p.clone(), ApiScope::RETRYABLE),
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

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
