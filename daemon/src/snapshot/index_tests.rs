use super::*;

fn track(id: &str, artist: &str, album: &str, number: u32) -> Track {
    Track {
        artist: Some(artist.into()),
        album: Some(album.into()),
        track_number: Some(number),
        year: Some(1970 + number as i32),
        genre: Some("Rock".into()),
        ..Track::with_id(id)
    }
}

fn index(tracks: &[Track]) -> LibraryIndex {
    let mut ix = LibraryIndex::default();
    for t in tracks {
        let e = ix.entry_for(t, 0);
        ix.insert(&t.id, e);
    }
    ix
}

#[test]
fn interning_normalizes_and_keeps_the_first_spelling() {
    let mut i = Interner::default();
    let a = i.intern(Some("The Wall "));
    assert_eq!(i.intern(Some("the  wall")), a);
    assert_eq!(i.display(a), "The Wall");
    assert_eq!(i.normalized(a), "the wall");
    assert_eq!(i.intern(Some("  ")), 0);
    assert_eq!(i.intern(None), 0);
    assert_eq!(i.display(0), "");
}

#[test]
fn listing_filters_case_insensitively_in_album_order() {
    let ix = index(&[
        track("3", "Pink Floyd", "The Wall", 2),
        track("1", "Pink Floyd", "The Wall", 1),
        track("2", "Pink Floyd", "Animals", 1),
        track("4", "Queen", "Jazz", 1),
    ]);
    let f = TrackFilter {
        artist: Some("PINK floyd ".into()),
        ..TrackFilter::default()
    };
    assert_eq!(ix.list(&f), vec!["2", "1", "3"]);
    let f = TrackFilter {
        album: Some("the wall".into()),
        genre: Some("rock".into()),
        ..TrackFilter::default()
    };
    assert_eq!(ix.list(&f), vec!["1", "3"]);
    let f = TrackFilter {
        artist: Some("Nobody".into()),
        ..TrackFilter::default()
    };
    assert!(ix.list(&f).is_empty());
    assert_eq!(ix.list(&TrackFilter::default()).len(), 4);
}

#[test]
fn albums_group_by_album_artist_and_count_tracks() {
    let mut comp1 = track("5", "Artist A", "Hits", 1);
    comp1.album_artist = Some("Various Artists".into());
    let mut comp2 = track("6", "Artist B", "Hits", 2);
    comp2.album_artist = Some("various artists".into());
    let ix = index(&[
        track("1", "Pink Floyd", "The Wall", 1),
        track("2", "pink floyd", "the wall", 2),
        track("3", "Pink Floyd", "Animals", 3),
        comp1,
        comp2,
    ]);
    let all = ix.albums(None);
    let summary: Vec<_> = all
        .iter()
        .map(|r| (r.artist.as_str(), r.album.as_str(), r.tracks))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("Pink Floyd", "Animals", 1),
            ("Pink Floyd", "The Wall", 2),
            ("Various Artists", "Hits", 2)
        ]
    );
    assert_eq!(all[1].year, Some(1971), "smallest year");
    // A track artist on a compilation finds the compilation.
    let b = ix.albums(Some("artist b"));
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].album, "Hits");
    assert!(ix.albums(Some("nobody")).is_empty());
}

#[test]
fn removal_and_replacement() {
    let mut ix = index(&[track("1", "A", "X", 1)]);
    assert_eq!(ix.len(), 1);
    let t = track("1", "B", "X", 1);
    let e = ix.entry_for(&t, 7);
    ix.insert("1", e);
    assert_eq!(ix.len(), 1);
    assert_eq!(ix.get("1").map(|e| e.content), Some(7));
    assert!(ix.remove("1").is_some());
    assert!(ix.is_empty());
}

#[test]
fn album_aggregates_follow_inserts_replacements_and_removals() {
    let mut ix = index(&[
        track("1", "Pink Floyd", "The Wall", 1),
        track("2", "Pink Floyd", "The Wall", 2),
    ]);
    let before = ix.album("pink floyd", "the wall");
    assert_eq!(before.tracks, 2);
    assert_ne!(before.fingerprint, 0);
    // Same tracks inserted in another order: same fingerprint.
    let other = index(&[
        track("2", "Pink Floyd", "The Wall", 2),
        track("1", "Pink Floyd", "The Wall", 1),
    ]);
    assert_eq!(other.album("pink floyd", "the wall"), before);
    // A year change changes it; changing it back restores it.
    let mut t = track("2", "Pink Floyd", "The Wall", 2);
    t.year = Some(1999);
    let e = ix.entry_for(&t, 0);
    ix.insert("2", e);
    let changed = ix.album("pink floyd", "the wall");
    assert_eq!(changed.tracks, 2);
    assert_ne!(changed.fingerprint, before.fingerprint);
    let t = track("2", "Pink Floyd", "The Wall", 2);
    let e = ix.entry_for(&t, 0);
    ix.insert("2", e);
    assert_eq!(ix.album("pink floyd", "the wall"), before);
    // The album artist's pair counts too; removal empties it.
    let mut comp = track("3", "Artist A", "Hits", 1);
    comp.album_artist = Some("Various".into());
    let e = ix.entry_for(&comp, 0);
    ix.insert("3", e);
    assert_eq!(ix.album("various", "hits").tracks, 1);
    assert_eq!(ix.album("artist a", "hits").tracks, 1);
    ix.remove("3");
    assert_eq!(ix.album("various", "hits"), AlbumAgg::default());
    assert_eq!(ix.album("nobody", "the wall"), AlbumAgg::default());
}

#[test]
fn an_album_knows_whether_its_dated_tracks_agree_on_a_year() {
    let dated = |id: &str, year: Option<i32>| Track {
        year,
        ..track(id, "Pink Floyd", "The Wall", 1)
    };
    let mut ix = index(&[dated("1", Some(1979)), dated("2", Some(1979))]);
    let year = |ix: &LibraryIndex| ix.album("pink floyd", "the wall").common_year();
    assert_eq!(year(&ix), Some(1979));
    // A track without a year does not disagree.
    let e = ix.entry_for(&dated("3", None), 0);
    ix.insert("3", e);
    assert_eq!(year(&ix), Some(1979));
    // Same sum, different years: 1978 + 1980 = 2 * 1979.
    let e = ix.entry_for(&dated("1", Some(1978)), 0);
    ix.insert("1", e);
    let e = ix.entry_for(&dated("2", Some(1980)), 0);
    ix.insert("2", e);
    assert_eq!(year(&ix), None, "the squares tell 1978/1980 from 1979/1979");
    // Back to agreement, by replacing and removing.
    ix.remove("1");
    assert_eq!(year(&ix), Some(1980));
    ix.remove("2");
    assert_eq!(year(&ix), None, "no dated track left");
    assert_eq!(ix.album("pink floyd", "the wall").tracks, 1);
}
