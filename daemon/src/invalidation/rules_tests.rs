//! The rules table, rule by rule.

use std::collections::HashSet;

use super::*;

struct Lib(HashSet<AlbumPair>);

impl LibraryView for Lib {
    fn pair_has_tracks(&self, p: &AlbumPair) -> bool {
        self.0.contains(p)
    }

    fn album_fingerprint(&self, p: &AlbumPair) -> u64 {
        u64::from(self.0.contains(p))
    }

    fn track(&self, _id: &str) -> Option<Track> {
        None
    }
}

fn empty() -> Lib {
    Lib(HashSet::new())
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
        .filter(|(a, _)| !matches!(a, Action::Tag(_)))
        .collect()
}

fn tags(actions: &[(Action, Reason)]) -> Vec<String> {
    actions
        .iter()
        .filter_map(|(a, _)| match a {
            Action::Tag(t) => Some(t.clone()),
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
            Action::Api(pair("pink floyd", "the wall"), ApiScope::Retryable),
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
                Action::Api(pair("pink floyd", "the wall"), ApiScope::All),
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
            (Action::Api(old, ApiScope::All), Reason::TrackModified),
            (Action::Api(new, ApiScope::Retryable), Reason::TrackModified),
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
            Action::Api(pair("various", "the wall"), ApiScope::Retryable),
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
