//! The rules table, rule by rule.

use std::collections::HashSet;

use super::*;
use crate::config::{types, Strategy};

struct Lib(HashSet<AlbumPair>);

impl LibraryView for Lib {
    fn pair_has_tracks(&self, p: &AlbumPair) -> bool {
        self.0.contains(p)
    }

    fn album_fingerprint(&self, p: &AlbumPair) -> u64 {
        u64::from(self.0.contains(p))
    }

    fn album_year(&self, _p: &AlbumPair) -> Option<i32> {
        None
    }

    fn track(&self, _id: &str) -> Option<Track> {
        None
    }
}

fn empty() -> Lib {
    Lib(HashSet::new())
}

/// Every type reacts to everything: the rules alone.
const ALL_REACT: Strategies = Strategies {
    album_year: Strategy::Hybrid,
    found: Strategy::Hybrid,
    not_found: Strategy::Hybrid,
    failed: Strategy::Hybrid,
};

fn plan(ev: &Event, lib: &Lib) -> Vec<(Action, Reason)> {
    super::plan(ev, lib, &ALL_REACT)
}

fn pair(a: &str, b: &str) -> AlbumPair {
    AlbumPair::new(a, b).unwrap()
}

fn track(artist: &str, album: &str, year: i32) -> Track {
    Track {
        artist: Some(artist.into()),
        album: Some(album.into()),
        year: Some(year),
        ..Track::with_id("T1")
    }
}

fn non_tag(actions: Vec<(Action, Reason)>) -> Vec<(Action, Reason)> {
    actions
        .into_iter()
        .filter(|(a, _)| !matches!(a, Action::Tag(..)))
        .collect()
}

fn tags(actions: &[(Action, Reason)]) -> Vec<String> {
    actions
        .iter()
        .filter_map(|(a, _)| match a {
            Action::Tag(t, _) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

fn change(field: &str, old: &str, new: &str) -> FieldChange {
    FieldChange {
        field: field.into(),
        old: Some(old.into()),
        new: Some(new.into()),
    }
}

#[test]
fn track_added_drops_retryable_api_entries_of_its_pair() {
    let ev = Event::TrackAdded {
        track: Box::new(track("Pink Floyd", "The Wall", 1979)),
    };
    let actions = plan(&ev, &empty());
    assert_eq!(
        non_tag(actions.clone()),
        vec![(
            Action::Api(pair("pink floyd", "the wall"), ApiScope::RETRYABLE),
            Reason::TrackAdded
        )]
    );
    assert!(tags(&actions).contains(&"track:T1".to_owned()));
}

#[test]
fn track_removed_drops_the_pair_only_when_no_track_is_left() {
    let ev = Event::TrackRemoved {
        track: Box::new(track("Pink Floyd", "The Wall", 1979)),
    };
    let gone = non_tag(plan(&ev, &empty()));
    assert_eq!(
        gone,
        vec![
            (
                Action::AlbumYear(pair("pink floyd", "the wall")),
                Reason::TrackRemoved
            ),
            (
                Action::Api(pair("pink floyd", "the wall"), ApiScope::ALL),
                Reason::TrackRemoved
            ),
        ]
    );
    let still_there = Lib([pair("pink floyd", "the wall")].into_iter().collect());
    assert!(
        non_tag(plan(&ev, &still_there)).is_empty(),
        "other tracks keep the album"
    );
    assert!(
        !tags(&plan(&ev, &still_there)).is_empty(),
        "tags of the track go regardless"
    );
}

#[test]
fn renaming_the_album_drops_the_old_pair_and_retryables_of_the_new() {
    let ev = Event::TrackModified {
        track: Box::new(track("Pink Floyd", "The Wall (Remastered)", 1979)),
        changes: vec![change("album", "The Wall", "The Wall (Remastered)")],
    };
    let old = pair("pink floyd", "the wall");
    let new = pair("pink floyd", "the wall (remastered)");
    assert_eq!(
        non_tag(plan(&ev, &empty())),
        vec![
            (Action::AlbumYear(old.clone()), Reason::TrackModified),
            (Action::Api(old, ApiScope::ALL), Reason::TrackModified),
            (Action::Api(new, ApiScope::RETRYABLE), Reason::TrackModified),
        ]
    );
    let t = tags(&plan(&ev, &empty()));
    assert!(
        t.contains(&"album:pink floyd|the wall".to_owned())
            && t.contains(&"album:pink floyd|the wall (remastered)".to_owned())
    );
}

#[test]
fn changing_the_artist_or_album_artist_moves_the_pair_too() {
    let mut t = track("Roger Waters", "The Wall", 1979);
    let ev = Event::TrackModified {
        track: Box::new(t.clone()),
        changes: vec![change("artist", "Pink Floyd", "Roger Waters")],
    };
    let dropped = non_tag(plan(&ev, &empty()));
    assert!(dropped.contains(&(
        Action::AlbumYear(pair("pink floyd", "the wall")),
        Reason::TrackModified
    )));
    t.album_artist = Some("Various".into());
    let ev = Event::TrackModified {
        track: Box::new(t),
        changes: vec![FieldChange {
            field: "album_artist".into(),
            old: None,
            new: Some("Various".into()),
        }],
    };
    // The artist pair stays; only the new album-artist pair's retryables go.
    assert_eq!(
        non_tag(plan(&ev, &empty())),
        vec![(
            Action::Api(pair("various", "the wall"), ApiScope::RETRYABLE),
            Reason::TrackModified
        )]
    );
}

#[test]
fn a_year_change_drops_the_album_year_unless_it_already_matches() {
    let ev = Event::TrackModified {
        track: Box::new(track("Pink Floyd", "The Wall", 1980)),
        changes: vec![change("year", "1979", "1980")],
    };
    assert_eq!(
        non_tag(plan(&ev, &empty())),
        vec![(
            Action::AlbumYearUnlessYear(pair("pink floyd", "the wall"), Some(1980)),
            Reason::YearChanged
        )]
    );
}

#[test]
fn other_changes_only_drop_tags() {
    let ev = Event::TrackModified {
        track: Box::new(track("Pink Floyd", "The Wall", 1979)),
        changes: vec![change("genre", "Rock", "Prog")],
    };
    let actions = plan(&ev, &empty());
    assert!(non_tag(actions.clone()).is_empty());
    assert!(tags(&actions).contains(&"track:T1".to_owned()));
}

#[test]
fn a_sync_checks_fingerprints_and_other_events_do_nothing() {
    let synced = Event::LibrarySynced {
        added: 0,
        removed: 0,
        modified: 1,
        seq: 3,
    };
    assert_eq!(
        plan(&synced, &empty()),
        vec![(Action::StaleFingerprints, Reason::FingerprintChanged)]
    );
    for ev in [
        Event::LibraryImported { tracks: 3 },
        Event::Resync { seq: 1 },
    ] {
        assert!(plan(&ev, &empty()).is_empty());
    }
}

#[test]
fn the_old_track_is_rebuilt_from_the_changes() {
    let new = track("B", "Y", 2001);
    let old = old_track(
        &new,
        &[change("artist", "A", "B"), change("year", "2000", "2001")],
    );
    assert_eq!(
        (old.artist.as_deref(), old.year, old.album.as_deref()),
        (Some("A"), Some(2000), Some("Y"))
    );
}

#[test]
fn a_file_change_drops_the_pair_and_the_tracks_tags_as_a_fingerprint_change() {
    let ev = Event::FingerprintChanged {
        track: Box::new(track("Pink Floyd", "The Wall", 1979)),
        changes: vec![change("size", "100", "200")],
    };
    let actions = plan(&ev, &empty());
    let p = pair("pink floyd", "the wall");
    assert_eq!(
        non_tag(actions.clone()),
        vec![
            (Action::AlbumYear(p.clone()), Reason::FingerprintChanged),
            (Action::Api(p, ApiScope::ALL), Reason::FingerprintChanged),
        ]
    );
    assert!(actions
        .iter()
        .any(|(a, _)| *a == Action::Tag("track:T1".into(), Trigger::Fingerprint)));
}

#[test]
fn the_strategy_and_trigger_table() {
    use Strategy::*;
    use Trigger::{Event as Ev, Fingerprint as Fp};
    // Written out, not derived from `reacts`: this is the documented table.
    let table = [
        (TimeBased, Ev, false),
        (TimeBased, Fp, false),
        (EventDriven, Ev, true),
        (EventDriven, Fp, false),
        (FingerprintBased, Ev, false),
        (FingerprintBased, Fp, true),
        (Hybrid, Ev, true),
        (Hybrid, Fp, true),
    ];
    for (strategy, trigger, expected) in table {
        assert_eq!(
            reacts(strategy, trigger),
            expected,
            "{strategy:?} {trigger:?}"
        );
    }
}

/// Which domain content types the plan for `ev` drops, with each type's
/// strategy set to `strategy` one at a time (the others `time_based`).
fn dropped_types(ev: &Event, strategy: Strategy) -> Vec<&'static str> {
    let mut out = Vec::new();
    for ct in [
        types::ALBUM_YEAR,
        types::SUCCESSFUL_API,
        types::NEGATIVE,
        types::FAILED_API,
    ] {
        let mut s = Strategies {
            album_year: Strategy::TimeBased,
            found: Strategy::TimeBased,
            not_found: Strategy::TimeBased,
            failed: Strategy::TimeBased,
        };
        match ct {
            types::ALBUM_YEAR => s.album_year = strategy,
            types::SUCCESSFUL_API => s.found = strategy,
            types::NEGATIVE => s.not_found = strategy,
            _ => s.failed = strategy,
        }
        let drops = super::plan(ev, &empty(), &s)
            .into_iter()
            .any(|(a, _)| match a {
                Action::AlbumYear(_)
                | Action::AlbumYearUnlessYear(..)
                | Action::StaleFingerprints => ct == types::ALBUM_YEAR,
                Action::Api(_, scope) => scope.contains(ct),
                Action::Tag(..) => false,
            });
        if drops {
            out.push(ct);
        }
    }
    out
}

#[test]
fn each_content_type_obeys_its_strategy() {
    let removed = Event::TrackRemoved {
        track: Box::new(track("Pink Floyd", "The Wall", 1979)),
    };
    let file_changed = Event::FingerprintChanged {
        track: Box::new(track("Pink Floyd", "The Wall", 1979)),
        changes: vec![change("size", "1", "2")],
    };
    let synced = Event::LibrarySynced {
        added: 0,
        removed: 0,
        modified: 0,
        seq: 2,
    };
    let every = vec![
        types::ALBUM_YEAR,
        types::SUCCESSFUL_API,
        types::NEGATIVE,
        types::FAILED_API,
    ];
    let none: Vec<&str> = Vec::new();
    // (strategy, dropped by a removal (an event), by a file change, by a sync's album check)
    let table = [
        (Strategy::TimeBased, &none, &none, &none),
        (Strategy::EventDriven, &every, &none, &none),
        (
            Strategy::FingerprintBased,
            &none,
            &every,
            &vec![types::ALBUM_YEAR],
        ),
        (Strategy::Hybrid, &every, &every, &vec![types::ALBUM_YEAR]),
    ];
    for (strategy, by_event, by_file, by_sync) in table {
        assert_eq!(
            &dropped_types(&removed, strategy),
            by_event,
            "{strategy:?}: event"
        );
        assert_eq!(
            &dropped_types(&file_changed, strategy),
            by_file,
            "{strategy:?}: file"
        );
        assert_eq!(
            &dropped_types(&synced, strategy),
            by_sync,
            "{strategy:?}: sync"
        );
    }
    // Tags carry their trigger; each namespace answers with its own strategy.
    let tag_triggers: Vec<Trigger> = [&removed, &file_changed]
        .into_iter()
        .flat_map(|ev| super::plan(ev, &empty(), &Strategies::default()))
        .filter_map(|(a, _)| match a {
            Action::Tag(_, t) => Some(t),
            _ => None,
        })
        .collect();
    assert!(tag_triggers.contains(&Trigger::Event) && tag_triggers.contains(&Trigger::Fingerprint));
}

#[test]
fn genreupdaters_defaults_keep_retryable_answers_on_a_new_track() {
    // negative_result and failed_api_lookup are time_based by default: a
    // track added to the album does not drop them (they expire instead).
    let ev = Event::TrackAdded {
        track: Box::new(track("Pink Floyd", "The Wall", 1979)),
    };
    let actions = super::plan(&ev, &empty(), &Strategies::default());
    assert!(non_tag(actions).is_empty());
}
